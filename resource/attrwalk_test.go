package resource

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// walkRegistry is the default registry plus a custom extension on each
// resource type, with the attributes everyFieldUser and everyFieldGroup
// set.
func walkRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := NewRegistry(
		[]*Schema{{ID: "urn:example:ext:1.0:User", Name: "Ext", Attributes: []*Attribute{{Name: "badge", Type: TypeString}}}},
		[]*Schema{{ID: "urn:example:ext:1.0:Group", Name: "Ext", Attributes: []*Attribute{{Name: "code", Type: TypeString}}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEveryAttributeThroughGetEncodeDecode walks every attribute of every
// schema of a registry (core, enterprise, a custom extension) over a
// resource that has them all: Get returns it, the encoding carries it, and
// decoding the encoding (a request body: read-only attributes are
// dropped, the password kept) and the JSON form (everything but the
// password) give it back. An attribute added to a schema but forgotten in
// Get, AppendUser or the decoder fails here.
func TestEveryAttributeThroughGetEncodeDecode(t *testing.T) {
	r := walkRegistry(t)
	u, g := everyFieldUser(), everyFieldGroup()
	body := r.AppendUser(nil, u, nil)
	fromBody, err := r.DecodeUser(body)
	if err != nil {
		t.Fatalf("DecodeUser(AppendUser): %v", err)
	}
	var fromJSON User
	if err := json.Unmarshal(mustJSON(t, u), &fromJSON); err != nil {
		t.Fatal(err)
	}
	gBody := r.AppendGroup(nil, g, nil)
	gFromBody, err := r.DecodeGroup(gBody)
	if err != nil {
		t.Fatalf("DecodeGroup(AppendGroup): %v", err)
	}
	var gFromJSON Group
	if err := json.Unmarshal(mustJSON(t, g), &gFromJSON); err != nil {
		t.Fatal(err)
	}
	for _, rt := range r.ResourceTypes() {
		res, body, json := Resource(u), Resource(fromBody), Resource(&fromJSON)
		if rt == r.Group {
			res, body, json = g, gFromBody, &gFromJSON
		}
		schemas := []*Schema{rt.Schema}
		for _, e := range rt.Extensions {
			schemas = append(schemas, e.Schema)
		}
		for _, s := range schemas {
			attrs := append([]*Attribute{}, s.Attributes...)
			if s == rt.Schema {
				attrs = append(attrs, common...)
			}
			for _, a := range attrs {
				name := s.ID + ":" + a.Name
				want := res.Get(s.ID, a.Name)
				if a.Name == "password" {
					// Write-only: never encoded, so never decoded back.
					if want == nil || body.Get(s.ID, a.Name) != nil || json.Get(s.ID, a.Name) != nil {
						t.Errorf("%s: Get %v, decoded %v and %v; want the value, nil and nil", name, want, body.Get(s.ID, a.Name), json.Get(s.ID, a.Name))
					}
					continue
				}
				if want == nil {
					t.Errorf("%s: Get returns nil for a resource that has it (Get or the fixture forgot it)", name)
					continue
				}
				if d := cmp.Diff(want, json.Get(s.ID, a.Name)); d != "" {
					t.Errorf("%s through the JSON form (-want +got):\n%s", name, d)
				}
				if a.Mutability == ReadOnly || a.Name == "id" || a.Name == "meta" {
					continue // a request's read-only attributes are ignored
				}
				if m, ok := want.(map[string]any); ok {
					// A request's read-only sub-attributes (manager.displayName) are ignored too.
					want = maps.Clone(m)
					for _, sub := range a.SubAttributes {
						if sub.Mutability == ReadOnly {
							delete(want.(map[string]any), sub.Name)
						}
					}
				}
				if d := cmp.Diff(want, body.Get(s.ID, a.Name)); d != "" {
					t.Errorf("%s through AppendUser and DecodeUser (-want +got):\n%s", name, d)
				}
			}
		}
	}
	if fromBody.Password != "" {
		t.Errorf("AppendUser encoded the password")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
