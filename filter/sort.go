package filter

import (
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scim/resource"
)

// sortKey is the value a resource sorts by.
type sortKey struct {
	ok  bool // assigned
	s   string
	f   float64
	t   time.Time
	b   bool
	idx int
}

// Sort sorts rs, resources of type rt, stably by the attribute by
// (RFC 7644 §3.4.2.3): multi-valued attributes sort by their primary value,
// or the first; unassigned values sort last when ascending, first when
// descending; strings compare by the attribute's caseExact (by their
// [Fold] keys when it is false), bytewise.
//
// A complex attribute without a sub-attribute sorts by its value
// sub-attribute ("emails" sorts by the primary email address). An unknown
// attribute, one returned "never", or a complex attribute without a value
// sub-attribute ("name") is an *Error with ScimType invalidValue and Pos -1.
func Sort[T resource.Resource](rt *resource.ResourceType, rs []T, by AttrPath, descending bool) error {
	t, err := resolve(rt, by)
	if err != nil {
		err.ScimType = resource.ScimTypeInvalidValue
		err.Msg = "sortBy: " + err.Msg
		return err
	}
	a := t.compared()
	if a == nil || a.Type == resource.TypeComplex {
		return newErrorNoPos(resource.ScimTypeInvalidValue, "sortBy: %q is complex: sort by one of its sub-attributes", by.String())
	}
	keys := make([]sortKey, len(rs))
	for i, r := range rs {
		keys[i] = keyOf(getValue(r, t), t, a)
		keys[i].idx = i
	}
	slices.SortStableFunc(keys, func(x, y sortKey) int {
		c := compareKeys(x, y)
		if descending {
			c = -c
		}
		return c
	})
	sorted := make([]T, len(rs))
	for i, k := range keys {
		sorted[i] = rs[k.idx]
	}
	copy(rs, sorted)
	return nil
}

// keyOf picks the value to sort by out of v, the value of t.attr: the
// primary (or first) value of a multi-valued attribute, then the
// sub-attribute a when t.attr is complex.
func keyOf(v any, t target, a *resource.Attribute) sortKey {
	if vs, ok := v.([]any); ok {
		v = nil
		for _, el := range vs {
			if m, ok := el.(map[string]any); ok && m["primary"] == true {
				v = el
				break
			}
		}
		if v == nil && len(vs) > 0 {
			v = vs[0]
		}
	}
	if a != t.attr {
		m, _ := v.(map[string]any)
		v = m[a.Name]
	}
	var k sortKey
	switch x := v.(type) {
	case string:
		if x == "" {
			return k
		}
		if a.Type == resource.TypeDateTime {
			if tm, ok := timeOf(x); ok {
				return sortKey{ok: true, t: tm}
			}
		}
		if !a.CaseExact {
			x = Fold(x)
		}
		k = sortKey{ok: true, s: x}
	case bool:
		k = sortKey{ok: true, b: x}
	case int64:
		k = sortKey{ok: true, f: float64(x)}
	case int:
		k = sortKey{ok: true, f: float64(x)}
	case float64:
		k = sortKey{ok: true, f: x}
	case time.Time:
		k = sortKey{ok: true, t: x}
	}
	return k
}

// compareKeys orders keys ascending, unassigned last.
func compareKeys(x, y sortKey) int {
	switch {
	case !x.ok && !y.ok:
		return 0
	case !x.ok:
		return 1
	case !y.ok:
		return -1
	}
	switch {
	case x.s != y.s:
		return strings.Compare(x.s, y.s)
	case x.f != y.f:
		return cmpOrdered(x.f, y.f)
	case !x.t.Equal(y.t):
		return x.t.Compare(y.t)
	case x.b != y.b:
		if !x.b {
			return -1
		}
		return 1
	}
	return 0
}
