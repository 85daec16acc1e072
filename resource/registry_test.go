package resource

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestResolve(t *testing.T) {
	r := DefaultRegistry()
	tests := []struct {
		urn, name, sub       string
		schema, attr, subOut string
	}{
		{"", "userName", "", UserSchema, "userName", ""},
		{"", "USERNAME", "", UserSchema, "userName", ""},
		{"", "id", "", UserSchema, "id", ""},
		{"", "externalId", "", UserSchema, "externalId", ""},
		{"", "meta", "lastModified", UserSchema, "meta", "lastModified"},
		{"urn:ietf:params:scim:schemas:core:2.0:user", "ID", "", UserSchema, "id", ""},
		{"", "name", "GivenName", UserSchema, "name", "givenName"},
		{"", "emails", "value", UserSchema, "emails", "value"},
		{"", "manager", "", EnterpriseUserSchema, "manager", ""},
		{"", "manager", "value", EnterpriseUserSchema, "manager", "value"},
		{EnterpriseUserSchema, "department", "", EnterpriseUserSchema, "department", ""},
		{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER", "Department", "", EnterpriseUserSchema, "department", ""},
		{UserSchema, "department", "", "", "", ""},
		{"", "nope", "", "", "", ""},
		{"", "name", "nope", "", "", ""},
		{"urn:other", "userName", "", "", "", ""},
	}
	for _, tt := range tests {
		s, a, sa := Resolve(r.User, tt.urn, tt.name, tt.sub)
		var got [3]string
		if s != nil {
			got[0], got[1] = s.ID, a.Name
			if sa != nil {
				got[2] = sa.Name
			}
		}
		if diff := cmp.Diff([3]string{tt.schema, tt.attr, tt.subOut}, got); diff != "" {
			t.Errorf("Resolve(%q, %q, %q) (-want +got):\n%s", tt.urn, tt.name, tt.sub, diff)
		}
	}
	if s, a, _ := Resolve(r.Group, "", "members", "value"); s == nil || a.Name != "members" {
		t.Errorf("members.value did not resolve")
	}
	if s, _, _ := Resolve(r.Group, "", "meta", "created"); s == nil || s.ID != GroupSchema {
		t.Errorf("Group meta.created did not resolve to the core Group schema")
	}
}

func TestNewRegistryClash(t *testing.T) {
	ext := &Schema{ID: "urn:example:ext", Attributes: []*Attribute{{Name: "a", Type: TypeString}}}
	for _, tt := range []struct {
		name       string
		user, grp  []*Schema
		wantErrors bool
	}{
		{"ok", []*Schema{ext}, nil, false},
		{"enterprise clash", []*Schema{{ID: "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User"}}, nil, true},
		{"twice", []*Schema{ext}, []*Schema{ext}, true},
		{"nil", []*Schema{nil}, nil, true},
		{"bad type", []*Schema{{ID: "urn:x", Attributes: []*Attribute{{Name: "a", Type: "weird"}}}}, nil, true},
	} {
		_, err := NewRegistry(tt.user, tt.grp)
		if (err != nil) != tt.wantErrors {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestGet(t *testing.T) {
	tr := true
	when := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	u := &User{
		ID: "42", UserName: "bjensen", Active: &tr,
		Name:   &Name{GivenName: "Barbara"},
		Emails: []MultiValue{{Value: "b@example.com", Type: "work", Primary: ptr(true)}},
		Enterprise: &EnterpriseUser{Department: "Sales",
			Manager: &Manager{Value: "7"}},
		Extensions: map[string]json.RawMessage{"urn:example:ext": json.RawMessage(`{"level":3,"ratio":1.5,"tag":"x"}`)},
		Extra:      map[string]json.RawMessage{"custom": json.RawMessage(`"yes"`)},
		Meta:       Meta{ResourceType: "User", LastModified: when},
	}
	tests := []struct {
		urn, name string
		want      any
	}{
		{"", "id", "42"},
		{UserSchema, "userName", "bjensen"},
		{"", "USERNAME", "bjensen"},
		{"", "displayName", nil},
		{"", "active", true},
		{"", "name", map[string]any{"givenName": "Barbara"}},
		{"", "emails", []any{map[string]any{"value": "b@example.com", "type": "work", "primary": true}}},
		{"", "phoneNumbers", nil},
		{"", "meta", map[string]any{"resourceType": "User", "lastModified": when}},
		{EnterpriseUserSchema, "department", "Sales"},
		{EnterpriseUserSchema, "manager", map[string]any{"value": "7"}},
		{EnterpriseUserSchema, "costCenter", nil},
		{"urn:example:ext", "level", int64(3)},
		{"URN:example:EXT", "Ratio", 1.5},
		{"urn:example:ext", "tag", "x"},
		{"urn:example:ext", "missing", nil},
		{"urn:other", "tag", nil},
		{"", "custom", "yes"},
		{"", "Custom", "yes"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, u.Get(tt.urn, tt.name)); diff != "" {
			t.Errorf("Get(%q, %q) (-want +got):\n%s", tt.urn, tt.name, diff)
		}
	}
	g := &Group{ID: "g1", DisplayName: "Admins", Members: []Member{{Value: "42", Type: "User"}}}
	if diff := cmp.Diff([]any{map[string]any{"value": "42", "type": "User"}}, g.Get("", "members")); diff != "" {
		t.Errorf("Group members (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(any("Admins"), g.Get(GroupSchema, "displayName")); diff != "" {
		t.Errorf("Group displayName (-want +got):\n%s", diff)
	}
	if got := (*User)(nil).Get("", "id"); got != nil {
		t.Errorf("nil user Get = %v", got)
	}
}
