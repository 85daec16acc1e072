package patch

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

const badgeURN = "urn:example:params:scim:schemas:extension:badge:2.0:User"

// TestCustomExtension patches a registered custom extension by attribute
// path, by a path-less URN key and by a filtered path, and keeps the
// extensions it does not touch byte for byte.
func TestCustomExtension(t *testing.T) {
	reg, err := resource.NewRegistry([]*resource.Schema{{
		ID:   badgeURN,
		Name: "Badge",
		Attributes: []*resource.Attribute{
			{Name: "badgeNumber", Type: resource.TypeString, Mutability: resource.ReadWrite},
			{Name: "floors", Type: resource.TypeComplex, MultiValued: true, Mutability: resource.ReadWrite, SubAttributes: []*resource.Attribute{
				{Name: "value", Type: resource.TypeString, Mutability: resource.ReadWrite},
				{Name: "type", Type: resource.TypeString, Mutability: resource.ReadWrite},
			}},
		},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &resource.User{ID: "u1", UserName: "bjensen",
		Extensions: map[string]json.RawMessage{badgeURN: json.RawMessage(`{"badgeNumber":"7"}`)}}
	changed, err := ApplyUser(reg, u, ops(t,
		`{"op":"Replace","path":"`+badgeURN+`:badgeNumber","value":"8"}`,
		`{"op":"Add","path":"`+badgeURN+`:floors[type eq \"main\"].value","value":"3"}`,
		`{"op":"replace","value":{"nickName":"Babs"}}`), Options{})
	if err != nil || !changed {
		t.Fatalf("ApplyUser = %v, %v", changed, err)
	}
	want := map[string]any{"badgeNumber": "8", "floors": []any{map[string]any{"value": "3", "type": "main"}}}
	if diff := cmp.Diff(want, decodeJSON(t, u.Extensions[badgeURN])); diff != "" || u.NickName != "Babs" {
		t.Errorf("extension (-want +got):\n%s", diff)
	}

	before := append(json.RawMessage(nil), u.Extensions[badgeURN]...)
	if _, err := ApplyUser(reg, u, ops(t, `{"op":"replace","path":"title","value":"Guide"}`), Options{}); err != nil {
		t.Fatal(err)
	}
	if string(u.Extensions[badgeURN]) != string(before) {
		t.Errorf("untouched extension changed: %s, was %s", u.Extensions[badgeURN], before)
	}

	if _, err := ApplyUser(reg, u, ops(t, `{"op":"remove","path":"`+badgeURN+`"}`), Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Extensions[badgeURN]; ok {
		t.Errorf("extension not removed: %s", u.Extensions[badgeURN])
	}
}
