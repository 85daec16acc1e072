package resource_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
)

// TestEveryAttributeThroughPatch is the PATCH leg of
// TestEveryAttributeThroughGetEncodeDecode: over the same resources, for
// every writable attribute of every schema of the registry (core,
// enterprise, a custom extension) and every writable sub-attribute of a
// singular complex one, a replace op sets a new value, which Get then
// returns while every other attribute keeps its value; a multi-valued
// attribute also takes an add (one more element, the old ones kept) and
// a remove (gone), and so does every attribute that is not required. An
// attribute that patch.ApplyUser or ApplyGroup forgets or mangles (in the
// tree codec, the applier or the re-decoding) fails here.
func TestEveryAttributeThroughPatch(t *testing.T) {
	reg := resource.WalkRegistry(t)
	for _, rt := range reg.ResourceTypes() {
		fresh := func() resource.Resource { return resource.EveryFieldUser() }
		apply := func(r resource.Resource, ops []patch.Op) error {
			_, err := patch.ApplyUser(reg, r.(*resource.User), ops, patch.Options{})
			return err
		}
		if rt == reg.Group {
			fresh = func() resource.Resource { return resource.EveryFieldGroup() }
			apply = func(r resource.Resource, ops []patch.Op) error {
				_, err := patch.ApplyGroup(reg, r.(*resource.Group), ops, patch.Options{})
				return err
			}
		}
		n := 0
		for _, w := range walkAttrs(rt) {
			if w.a.Mutability == resource.ReadOnly || w.a.Name == "id" || w.a.Name == "meta" {
				continue
			}
			before := fresh()
			old := before.Get(w.schema, w.a.Name)
			check := func(op string, value any, want func(got any) string) {
				t.Helper()
				r := fresh()
				raw, err := json.Marshal(value)
				if err != nil {
					t.Fatal(err)
				}
				if err := apply(r, []patch.Op{{Op: op, Path: w.path, Value: raw}}); err != nil {
					t.Errorf("%s %s %s: %v", rt.Name, op, w.path, err)
					return
				}
				n++
				if d := want(plain(r.Get(w.schema, w.a.Name))); d != "" {
					t.Errorf("%s %s %s %s: %s", rt.Name, op, w.path, raw, d)
				}
				for _, o := range walkAttrs(rt) {
					if o.sub == nil && (o.schema != w.schema || o.a != w.a) && o.a.Name != "meta" {
						if d := cmp.Diff(plain(before.Get(o.schema, o.a.Name)), plain(r.Get(o.schema, o.a.Name))); d != "" {
							t.Errorf("%s %s %s changed %s (-before +after):\n%s", rt.Name, op, w.path, o.path, d)
						}
					}
				}
			}
			if w.sub != nil {
				v := newValue(w.sub, old.(map[string]any)[w.sub.Name])
				check("replace", v, func(got any) string {
					want := plain(old).(map[string]any)
					want[w.sub.Name] = plain(v)
					if w.sub.Name == "value" {
						// The server's read-only sub-attributes
						// (manager.displayName) were the old value's.
						for _, sub := range w.a.SubAttributes {
							if sub.Mutability == resource.ReadOnly {
								delete(want, sub.Name)
							}
						}
					}
					return cmp.Diff(want, got)
				})
				continue
			}
			v := newValue(w.a, old)
			check("replace", v, func(got any) string { return cmp.Diff(plain(v), got) })
			if w.a.MultiValued {
				check("add", v, func(got any) string {
					return cmp.Diff(append(plain(old).([]any), plain(v).([]any)...), got)
				})
			}
			if !w.a.Required {
				if w.a.Name == "password" {
					continue // write-only: the walk's decoding leg covers it
				}
				check("remove", nil, func(got any) string {
					if got != nil {
						return fmt.Sprintf("Get returns %v after the remove, want nil", got)
					}
					return ""
				})
			}
		}
		if n < 20 && rt == reg.User || n < 5 {
			t.Errorf("%s: only %d PATCH operations walked", rt.Name, n)
		}
	}
}

// walkedAttr is one attribute (or sub-attribute, sub) of a schema of a
// resource type, with its PATCH path.
type walkedAttr struct {
	schema string
	a, sub *resource.Attribute
	path   string
}

// walkAttrs lists every attribute of every schema of rt, the common ones
// with the core schema, followed by the sub-attributes of each singular
// complex attribute.
func walkAttrs(rt *resource.ResourceType) []walkedAttr {
	schemas := []*resource.Schema{rt.Schema}
	for _, e := range rt.Extensions {
		schemas = append(schemas, e.Schema)
	}
	var out []walkedAttr
	for _, s := range schemas {
		attrs := slices.Clone(s.Attributes)
		prefix := s.ID + ":"
		if s == rt.Schema {
			attrs = append(attrs, resource.CommonAttributes()...)
			prefix = ""
		}
		for _, a := range attrs {
			out = append(out, walkedAttr{schema: s.ID, a: a, path: prefix + a.Name})
			if a.Type != resource.TypeComplex || a.MultiValued || a.Name == "meta" {
				continue
			}
			for _, sub := range a.SubAttributes {
				if sub.Mutability != resource.ReadOnly {
					out = append(out, walkedAttr{schema: s.ID, a: a, sub: sub, path: prefix + a.Name + "." + sub.Name})
				}
			}
		}
	}
	return out
}

// newValue returns a value of attribute a, as a PATCH body holds it, that
// differs from old (Get's value of a).
func newValue(a *resource.Attribute, old any) any {
	one := func(old any) any {
		switch a.Type {
		case resource.TypeBoolean:
			b, _ := old.(bool)
			return !b
		case resource.TypeInteger:
			return 7
		case resource.TypeDecimal:
			return 1.5
		case resource.TypeDateTime:
			return "2030-01-02T03:04:05Z"
		case resource.TypeBinary:
			return "TkVX" // "NEW"
		case resource.TypeReference:
			return "https://example.com/new/" + a.Name
		case resource.TypeComplex:
			m := map[string]any{}
			oldM, _ := old.(map[string]any)
			for _, sub := range a.SubAttributes {
				if sub.Mutability == resource.ReadOnly || sub.Name == "primary" {
					continue
				}
				m[sub.Name] = newValue(sub, oldM[sub.Name])
			}
			if a.Name == "members" {
				m["type"] = "User" // what ValidateGroup accepts
				delete(m, "$ref")
			}
			return m
		}
		return "new " + a.Name
	}
	if a.MultiValued {
		var first any
		if olds, ok := old.([]any); ok && len(olds) > 0 {
			first = olds[0]
		}
		return []any{one(first)}
	}
	return one(old)
}

// plain returns v as encoding/json decodes its encoding, so that values
// of one JSON form compare equal whatever Go types hold them.
func plain(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
