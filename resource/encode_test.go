package resource

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fullUser() *User {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	return &User{
		ID: "2819c223", ExternalID: "bjensen", UserName: "bjensen@example.com",
		Name:        &Name{Formatted: "Ms. Barbara J Jensen, III", FamilyName: "Jensen", GivenName: "Barbara"},
		DisplayName: "Babs \"B\" Jensen\u2028\n\\", Title: "Tour Guide", Active: ptr(true), Password: "t1meMa$heen",
		Emails:    []MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: ptr(true)}, {Value: "babs@jensen.org", Type: "home"}},
		Addresses: []Address{{StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Country: "USA", Type: "work", Primary: ptr(true)}},
		Groups:    []GroupRef{{Value: "e9e30dba", Ref: "https://example.com/v2/Groups/e9e30dba", Display: "Tour Guides", Type: "direct"}},
		Roles:     []MultiValue{{Value: "admin"}},
		Enterprise: &EnterpriseUser{EmployeeNumber: "701984", Department: "Tour Operations",
			Manager: &Manager{Value: "26118915", DisplayName: "John Smith"}},
		Extensions: map[string]json.RawMessage{extURN: json.RawMessage(`{"badge":"B1","level":3,"secret":"s"}`)},
		Extra:      map[string]json.RawMessage{"zeta": json.RawMessage(`[1,{"a":null}]`)},
		Meta: Meta{ResourceType: "User", Created: created, LastModified: created,
			Location: "https://example.com/v2/Users/2819c223", Version: "3"},
	}
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

func TestAppendUser(t *testing.T) {
	r := testRegistry(t)
	got := r.AppendUser([]byte("prefix"), fullUser(), nil)
	if string(got[:6]) != "prefix" {
		t.Fatalf("dst not appended to")
	}
	want := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  "urn:example:params:scim:schemas:extension:acme:2.0:User"],
 "id":"2819c223","externalId":"bjensen","userName":"bjensen@example.com",
 "name":{"formatted":"Ms. Barbara J Jensen, III","familyName":"Jensen","givenName":"Barbara"},
 "displayName":"Babs \"B\" Jensen\u2028\n\\","title":"Tour Guide","active":true,
 "emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
 "addresses":[{"streetAddress":"100 Universal City Plaza","locality":"Hollywood","country":"USA","type":"work","primary":true}],
 "groups":[{"value":"e9e30dba","$ref":"https://example.com/v2/Groups/e9e30dba","display":"Tour Guides","type":"direct"}],
 "roles":[{"value":"admin"}],
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations",
  "manager":{"value":"26118915","displayName":"John Smith"}},
 "urn:example:params:scim:schemas:extension:acme:2.0:User":{"badge":"B1","level":3},
 "zeta":[1,{"a":null}],
 "meta":{"resourceType":"User","created":"2024-01-02T02:04:05Z","lastModified":"2024-01-02T02:04:05Z",
  "location":"https://example.com/v2/Users/2819c223","version":"W/\"3\""}}`
	if diff := cmp.Diff(decodeAny(t, []byte(want)), decodeAny(t, got[6:])); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAppendGroup(t *testing.T) {
	r := testRegistry(t)
	g := &Group{ID: "g1", DisplayName: "Admins", Members: []Member{{Value: "u1", Type: "User", Display: "A"}},
		Meta: Meta{ResourceType: "Group"}}
	want := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","displayName":"Admins",
 "members":[{"value":"u1","display":"A","type":"User"}],"meta":{"resourceType":"Group"}}`
	if diff := cmp.Diff(decodeAny(t, []byte(want)), decodeAny(t, r.AppendGroup(nil, g, nil))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	r := testRegistry(t)
	u := fullUser()
	b := r.AppendUser(nil, u, nil)
	got, err := r.DecodeUser(b)
	if err != nil {
		t.Fatal(err)
	}
	// Read-only attributes and the password do not survive a request
	// decode; the returned "request" extension attribute is not encoded.
	want := *u
	want.ID, want.Groups, want.Meta, want.Password = "", nil, Meta{}, ""
	want.Enterprise = &EnterpriseUser{EmployeeNumber: "701984", Department: "Tour Operations", Manager: &Manager{Value: "26118915"}}
	want.Extensions = map[string]json.RawMessage{extURN: json.RawMessage(`{"badge":"B1","level":3}`)}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// encoding/json round trip keeps everything but the password.
	var back User
	data, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	want = *u
	want.Password = ""
	want.Meta.Created = want.Meta.Created.UTC()
	want.Meta.LastModified = want.Meta.LastModified.UTC()
	// Custom extensions are kept although the default registry does not
	// register them: the JSON form is complete.
	if diff := cmp.Diff(&want, &back); diff != "" {
		t.Errorf("encoding/json (-want +got):\n%s", diff)
	}

	g := &Group{ID: "g", DisplayName: "G", Members: []Member{{Value: "1", Type: "Group"}}, Extra: map[string]json.RawMessage{"x": json.RawMessage(`true`)}}
	data, _ = json.Marshal(g)
	var gb Group
	if err := json.Unmarshal(data, &gb); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g, &gb); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
}

func TestProjection(t *testing.T) {
	r := testRegistry(t)
	u := fullUser()
	u.Meta = Meta{ResourceType: "User"}
	u.Groups = nil
	u.Addresses = nil
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	core := `"urn:ietf:params:scim:schemas:core:2.0:User"`
	tests := []struct {
		name, attrs, excl, want string
	}{
		{"attributes=id", "id", "", `{"schemas":[` + core + `],"id":"2819c223"}`},
		{"dotted", "name.givenName,EMAILS.value", "",
			`{"schemas":[` + core + `],"id":"2819c223","name":{"givenName":"Barbara"},"emails":[{"value":"bjensen@example.com"},{"value":"babs@jensen.org"}]}`},
		{"qualified", ent + ":department", "",
			`{"schemas":[` + core + `,"` + ent + `"],"id":"2819c223","` + ent + `":{"department":"Tour Operations"}}`},
		{"bare extension", ent, "",
			`{"schemas":[` + core + `,"` + ent + `"],"id":"2819c223","` + ent + `":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"26118915","displayName":"John Smith"}}}`},
		{"manager sub", "manager.value", "",
			`{"schemas":[` + core + `,"` + ent + `"],"id":"2819c223","` + ent + `":{"manager":{"value":"26118915"}}}`},
		{"password never", "password,id,schemas", "", `{"schemas":[` + core + `],"id":"2819c223"}`},
		{"request attribute", extURN + ":secret", "",
			`{"schemas":[` + core + `,"` + extURN + `"],"id":"2819c223","` + extURN + `":{"secret":"s"}}`},
		{"extra by name", "ZETA", "", `{"schemas":[` + core + `],"id":"2819c223","zeta":[1,{"a":null}]}`},
		{"excluded", "", "emails,name.formatted,name.familyName,roles,meta,zeta,title,displayName,active,externalId,userName," + ent + "," + extURN,
			`{"schemas":[` + core + `],"id":"2819c223","name":{"givenName":"Barbara"}}`},
		{"exclude id ignored", "", "id,emails,name,roles,meta,zeta,title,displayName,active,externalId,userName," + ent + ":employeeNumber," + ent + ":department," + ent + ":manager," + extURN + ":badge," + extURN + ":level",
			`{"schemas":[` + core + `],"id":"2819c223"}`},
		{"unknown ignored", "nope,meta.resourceType", "", `{"schemas":[` + core + `],"id":"2819c223","meta":{"resourceType":"User"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewProjection(r.User, tt.attrs, tt.excl)
			if err != nil {
				t.Fatal(err)
			}
			got := r.AppendUser(nil, u, p)
			if diff := cmp.Diff(decodeAny(t, []byte(tt.want)), decodeAny(t, got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcludes(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		attrs, excl, urn, name string
		want                   bool
	}{
		{"", "members", "", "members", true},
		{"", "Members", "", "members", true},
		{"displayName", "", "", "members", true},
		{"displayName", "", "", "displayName", false},
		{"", "", "", "members", false},
		{"members.value", "", "", "members", false},
		{"", "members.display", "", "members", false},
		{"displayName", "", "", "id", false},
		{"", "id", "", "id", false},
	}
	for _, tt := range tests {
		p, _ := NewProjection(r.Group, tt.attrs, tt.excl)
		if got := p.Excludes(tt.urn, tt.name); got != tt.want {
			t.Errorf("attributes=%q excludedAttributes=%q: Excludes(%q) = %v", tt.attrs, tt.excl, tt.name, got)
		}
	}
	if (*Projection)(nil).Excludes("", "members") {
		t.Error("nil projection excludes members")
	}
	p, _ := NewProjection(r.User, "userName", "")
	if !p.Excludes(EnterpriseUserSchema, "manager") || p.Excludes("", "USERNAME") {
		t.Error("user projection Excludes wrong")
	}
}

// Only an assigned true grants access: an unassigned active (a removed
// attribute) must not read as active.
func TestIsActiveNeedsAnAssignedTrue(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		active *bool
		want   bool
	}{{nil, false}, {&no, false}, {&yes, true}} {
		if got := (&User{Active: c.active}).IsActive(); got != c.want {
			t.Errorf("IsActive with Active %v = %v, want %v", c.active, got, c.want)
		}
	}
}
