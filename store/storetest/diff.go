package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// maxDiffLines bounds the report of one comparison.
const maxDiffLines = 20

var timeType = reflect.TypeOf(time.Time{})

// diff compares want and got field by field and returns one line per
// difference, or "" when they are equal. nil and empty slices and maps are
// equal; times are compared with time.Time.Equal.
func diff(want, got any) string {
	var d differ
	d.walk("", reflect.ValueOf(want), reflect.ValueOf(got))
	if d.more > 0 {
		d.lines = append(d.lines, fmt.Sprintf("... and %d more differences", d.more))
	}
	return strings.Join(d.lines, "\n")
}

type differ struct {
	lines []string
	more  int
}

func (d *differ) report(path string, w, g reflect.Value) {
	if len(d.lines) >= maxDiffLines {
		d.more++
		return
	}
	if path == "" {
		path = "value"
	}
	d.lines = append(d.lines, fmt.Sprintf("%s: want %s, got %s", path, show(w), show(g)))
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return "<nil>"
	}
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
		return fmt.Sprintf("%q", v.Bytes())
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return "&" + show(v.Elem())
	}
	if v.CanInterface() {
		return fmt.Sprintf("%#v", v.Interface())
	}
	return v.String()
}

func (d *differ) walk(path string, w, g reflect.Value) {
	if !w.IsValid() || !g.IsValid() {
		if w.IsValid() != g.IsValid() {
			d.report(path, w, g)
		}
		return
	}
	if w.Type() != g.Type() {
		d.report(path, w, g)
		return
	}
	if w.Type() == timeType {
		if !w.Interface().(time.Time).Equal(g.Interface().(time.Time)) {
			d.report(path, w, g)
		}
		return
	}
	switch w.Kind() {
	case reflect.Pointer, reflect.Interface:
		if w.IsNil() || g.IsNil() {
			if w.IsNil() != g.IsNil() {
				d.report(path, w, g)
			}
			return
		}
		d.walk(path, w.Elem(), g.Elem())
	case reflect.Struct:
		for i := 0; i < w.NumField(); i++ {
			f := w.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			d.walk(path+"."+f.Name, w.Field(i), g.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if w.Len() == 0 && g.Len() == 0 {
			return
		}
		if w.Kind() == reflect.Slice && w.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(w.Bytes(), g.Bytes()) {
				d.report(path, w, g)
			}
			return
		}
		if w.Len() != g.Len() {
			d.report(path, w, g)
			return
		}
		for i := 0; i < w.Len(); i++ {
			d.walk(fmt.Sprintf("%s[%d]", path, i), w.Index(i), g.Index(i))
		}
	case reflect.Map:
		if w.Len() == 0 && g.Len() == 0 {
			return
		}
		keys := map[string]reflect.Value{}
		for _, k := range append(w.MapKeys(), g.MapKeys()...) {
			keys[fmt.Sprint(k.Interface())] = k
		}
		names := make([]string, 0, len(keys))
		for n := range keys {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			k := keys[n]
			d.walk(fmt.Sprintf("%s[%q]", path, n), w.MapIndex(k), g.MapIndex(k))
		}
	default:
		if !w.CanInterface() || !w.Type().Comparable() {
			return
		}
		if w.Interface() != g.Interface() {
			d.report(path, w, g)
		}
	}
}
