package patch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim/resource"
)

const (
	bjensen = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223-7f76-453a-919d-413861904646",
	"userName":"bjensen@example.com","name":{"familyName":"Jensen","givenName":"Barbara"},
	"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],
	"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}],
	"x509Certificates":[{"value":"TUlJRA=="}],
	"groups":[{"value":"e9e30dba","display":"Tour Guides","type":"direct"}],
	"meta":{"resourceType":"User","version":"W/\"3694e05e9dff591\""}}`
	tourGuides = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"e9e30dba-f08f-4109-8486-d5c6a331660a",
	"displayName":"Tour Guides","members":[
	 {"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},
	 {"value":"902c246b-6245-4190-8e05-00816be7344a","display":"Mandy Pepperidge"}]}`
)

func ops(t testing.TB, ops ...string) []Op {
	t.Helper()
	got, err := ParseRequest([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+strings.Join(ops, ",")+`]}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func userJSON(t testing.TB, u *resource.User) any {
	b, _ := u.MarshalJSON()
	return decodeJSON(t, b)
}

func mustUser(t testing.TB, s string) *resource.User {
	t.Helper()
	var u resource.User
	if err := u.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return &u
}

func mustGroup(t testing.TB, s string) *resource.Group {
	t.Helper()
	var g resource.Group
	if err := g.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return &g
}

// patched returns base as JSON with the top-level keys of change applied
// (null deletes).
func patched(t testing.TB, base, change string) any {
	m := decodeJSON(t, []byte(base)).(map[string]any)
	var c map[string]any
	if err := json.Unmarshal([]byte(change), &c); err != nil {
		t.Fatal(err)
	}
	for k, v := range c {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// TestRFC7644Examples replays the examples of RFC 7644 §3.5.2.1–3.
func TestRFC7644Examples(t *testing.T) {
	tests := []struct {
		name   string
		group  bool
		ops    []string
		change string // top-level keys of the expected result that differ
	}{
		{"3.5.2.1 add member", true, []string{`{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646","value":"2819c223-7f76-453a-919d-413861904646"},{"value":"6c5bb468"}]}`},
			`{"members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},{"value":"902c246b-6245-4190-8e05-00816be7344a","display":"Mandy Pepperidge"},{"value":"6c5bb468"}]}`},
		{"3.5.2.1 add without path", false, []string{`{"op":"add","value":{"emails":[{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`},
			`{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickName":"Babs"}`},
		{"3.5.2.2 remove one member", true, []string{`{"op":"remove","path":"members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}`},
			`{"members":[{"value":"902c246b-6245-4190-8e05-00816be7344a","display":"Mandy Pepperidge"}]}`},
		{"3.5.2.2 remove all members", true, []string{`{"op":"remove","path":"members"}`}, `{"members":null}`},
		{"3.5.2.2 remove by filter on a certificate", false, []string{`{"op":"remove","path":"x509Certificates[value eq \"TUlJRA==\"]"}`}, `{"x509Certificates":null}`},
		{"3.5.2.2 remove all and add", true, []string{`{"op":"remove","path":"members"}`, `{"op":"add","path":"members","value":[{"display":"James Smith","value":"08e1d05d"},{"display":"Jane Doe","value":"53e7c4e2"}]}`},
			`{"members":[{"value":"08e1d05d","display":"James Smith"},{"value":"53e7c4e2","display":"Jane Doe"}]}`},
		{"3.5.2.3 replace members", true, []string{`{"op":"replace","path":"members","value":[{"display":"Babs Jensen","value":"2819c223-7f76-453a-919d-413861904646"},{"display":"James Smith","value":"08e1d05d"}]}`},
			`{"members":[{"value":"2819c223-7f76-453a-919d-413861904646","display":"Babs Jensen"},{"value":"08e1d05d","display":"James Smith"}]}`},
		{"3.5.2.3 replace a work address", false, []string{`{"op":"replace","path":"addresses[type eq \"work\"]","value":{"type":"work","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US","formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","primary":true}}`},
			`{"addresses":[{"formatted":"911 Universal City Plaza\nHollywood, CA 91608 US","streetAddress":"911 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","country":"US","type":"work","primary":true}]}`},
		{"3.5.2.3 replace a street address", false, []string{`{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1010 Broadway Ave"}`},
			`{"addresses":[{"type":"work","streetAddress":"1010 Broadway Ave","locality":"Hollywood","region":"CA","postalCode":"91608","country":"USA","primary":true}]}`},
		{"3.5.2.3 replace without path", false, []string{`{"op":"replace","value":{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickname":"Babs"}}`},
			`{"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],"nickName":"Babs"}`},
		{"primary moves to the added value", false, []string{`{"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home","primary":true}]}`},
			`{"emails":[{"value":"bjensen@example.com","type":"work"},{"value":"babs@jensen.org","type":"home","primary":true}]}`},
		{"remove a sub-attribute", false, []string{`{"op":"remove","path":"name.givenName"}`}, `{"name":{"familyName":"Jensen"}}`},
		{"remove a filtered sub-attribute", false, []string{`{"op":"remove","path":"addresses[type eq \"work\"].country"}`},
			`{"addresses":[{"type":"work","streetAddress":"100 Universal City Plaza","locality":"Hollywood","region":"CA","postalCode":"91608","primary":true}]}`},
		{"caseExact false filter value", false, []string{`{"op":"replace","path":"emails[value eq \"BJENSEN@example.com\"].display","value":"Work"}`},
			`{"emails":[{"value":"bjensen@example.com","display":"Work","type":"work","primary":true}]}`},
		{"replace with null clears", false, []string{`{"op":"replace","path":"name","value":null}`}, `{"name":null}`},
		{"replace a complex attribute merges", false, []string{`{"op":"replace","path":"name","value":{"givenName":"Babs"}}`}, `{"name":{"familyName":"Jensen","givenName":"Babs"}}`},
		{"replace of an unset attribute adds it", false, []string{`{"op":"replace","path":"title","value":"Tour Guide"}`}, `{"title":"Tour Guide"}`},
		{"same id is harmless", false, []string{`{"op":"replace","path":"id","value":"2819c223-7f76-453a-919d-413861904646"}`}, `{}`},
		{"replace of a missing filtered value creates it", false, []string{`{"op":"replace","path":"phoneNumbers[type eq \"fax\"]","value":{"value":"555-0100"}}`}, `{"phoneNumbers":[{"value":"555-0100","type":"fax"}]}`},
		{"Entra roles by primary filter", false, []string{`{"op":"Add","path":"roles[primary eq \"True\"].value","value":"Admin"}`}, `{"roles":[{"value":"Admin","primary":true}]}`},
		{"remove listed emails by value", false, []string{`{"op":"remove","path":"emails","value":[{"value":"bjensen@example.com"}]}`}, `{"emails":null}`},
		{"schemas path is ignored", false, []string{`{"op":"add","path":"schemas","value":["urn:ietf:params:scim:schemas:core:2.0:User"]}`}, `{}`},
	}
	reg := resource.DefaultRegistry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ops(t, tt.ops...)
			if tt.group {
				for _, path := range []string{"ApplyGroup", "tree"} {
					g := mustGroup(t, tourGuides)
					var err error
					if path == "tree" {
						_, err = applyGroupTree(reg, g, o, Options{})
					} else {
						_, err = ApplyGroup(reg, g, o, Options{})
					}
					if err != nil {
						t.Fatal(err)
					}
					b, _ := g.MarshalJSON()
					if diff := cmp.Diff(patched(t, tourGuides, tt.change), decodeJSON(t, b)); diff != "" {
						t.Errorf("%s (-want +got):\n%s", path, diff)
					}
				}
				return
			}
			u := mustUser(t, bjensen)
			if _, err := ApplyUser(reg, u, o, Options{}); err != nil {
				t.Fatal(err)
			}
			want, _ := mustUser(t, bjensen).MarshalJSON()
			if diff := cmp.Diff(patched(t, string(want), tt.change), userJSON(t, u)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrors checks the scimType of each kind of bad operation (RFC 7644
// §3.12).
func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		group bool
		op    string
		want  string
	}{
		{"unknown op", false, `{"op":"move","path":"title","value":"x"}`, "invalidSyntax"},
		{"path not a string", false, `{"op":"add","path":3,"value":"x"}`, "invalidSyntax"},
		{"malformed path", false, `{"op":"add","path":"emails[type eq","value":"x"}`, "invalidPath"},
		{"unknown attribute", false, `{"op":"add","path":"shoeSize","value":"x"}`, "invalidPath"},
		{"unknown sub-attribute", false, `{"op":"add","path":"name.shoeSize","value":"x"}`, "invalidPath"},
		{"filter on a singular attribute", false, `{"op":"add","path":"name[givenName eq \"x\"]","value":"x"}`, "invalidPath"},
		{"filter on an unknown sub-attribute", false, `{"op":"replace","path":"emails[shoe eq \"x\"].value","value":"x"}`, "invalidPath"},
		{"remove without path", false, `{"op":"remove"}`, "noTarget"},
		{"replace through a non-eq filter matching nothing", false, `{"op":"replace","path":"emails[value sw \"zzz\"].value","value":"x"}`, "noTarget"},
		{"replace through an or filter matching nothing", false, `{"op":"replace","path":"emails[type eq \"a\" or type eq \"b\"].value","value":"x"}`, "noTarget"},
		{"add without value", false, `{"op":"add","path":"title"}`, "invalidValue"},
		{"wrong type", false, `{"op":"replace","path":"active","value":"maybe"}`, "invalidValue"},
		{"string for a complex attribute", false, `{"op":"replace","path":"name","value":"Babs"}`, "invalidValue"},
		{"path-less non-object", false, `{"op":"replace","value":"x"}`, "invalidValue"},
		{"blank userName", false, `{"op":"replace","path":"userName","value":" "}`, "invalidValue"},
		{"number for a string", false, `{"op":"replace","path":"title","value":42}`, "invalidValue"},
		{"remove userName", false, `{"op":"remove","path":"userName"}`, "mutability"},
		{"change id", false, `{"op":"replace","path":"id","value":"other"}`, "mutability"},
		{"change id without path", false, `{"op":"replace","value":{"id":"other"}}`, "mutability"},
		{"remove id", false, `{"op":"remove","path":"id"}`, "mutability"},
		{"change meta", false, `{"op":"replace","path":"meta.version","value":"x"}`, "mutability"},
		{"add groups", false, `{"op":"add","path":"groups","value":[{"value":"g2"}]}`, "mutability"},
		{"remove displayName of a group", true, `{"op":"remove","path":"displayName"}`, "mutability"},
		{"member without value", true, `{"op":"add","path":"members","value":[{"display":"x"}]}`, "invalidValue"},
		{"member of a bad type", true, `{"op":"add","path":"members","value":[{"value":"x","type":"Robot"}]}`, "invalidValue"},
		{"Okta rename with another id", true, `{"op":"replace","value":{"id":"other","displayName":"x"}}`, "mutability"},
	}
	reg := resource.DefaultRegistry()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + tt.op + `]}`
			o, err := ParseRequest([]byte(body), Options{})
			if err == nil {
				if tt.group {
					_, err = ApplyGroup(reg, mustGroup(t, tourGuides), o, Options{})
				} else {
					_, err = ApplyUser(reg, mustUser(t, bjensen), o, Options{})
				}
			}
			if got := scimType(err); got != tt.want {
				t.Errorf("error %v, want scimType %s", err, tt.want)
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name, body string
		opts       Options
		want       string
	}{
		{"not JSON", `{"Operations":[`, Options{}, "invalidSyntax"},
		{"not an object", `[]`, Options{}, "invalidSyntax"},
		{"trailing data", `{"Operations":[]} x`, Options{}, "invalidSyntax"},
		{"no Operations", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, Options{}, "invalidSyntax"},
		{"Operations not an array", `{"Operations":{}}`, Options{}, "invalidSyntax"},
		{"operation not an object", `{"Operations":["add"]}`, Options{}, "invalidSyntax"},
		{"no op", `{"Operations":[{"path":"title"}]}`, Options{}, "invalidSyntax"},
		{"wrong schemas", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[]}`, Options{}, "invalidSyntax"},
		{"too many operations", `{"Operations":[{"op":"add","path":"title","value":"a"},{"op":"add","path":"title","value":"b"}]}`, Options{MaxOperations: 1}, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := ParseRequest([]byte(tt.body), tt.opts)
			if got := scimType(err); got != tt.want || ops != nil {
				t.Errorf("ParseRequest = %v, %v; want scimType %s", ops, err, tt.want)
			}
		})
	}
	// Unknown URNs next to PatchOp are accepted (docs/idp-compatibility.md#patchop-schemas).
	ops, err := ParseRequest([]byte(`{"schemas":["urn:x","urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"title","value":"a"}]}`), Options{})
	if diff := cmp.Diff([]Op{{Op: "add", Path: "title", Value: json.RawMessage(`"a"`)}}, ops, cmpopts.IgnoreUnexported(Op{})); err != nil || diff != "" {
		t.Errorf("ParseRequest: %v (-want +got):\n%s", err, diff)
	}
}

// TestAtomic checks that a failing third operation leaves the resource as
// it was (RFC 7644 §3.5.2).
func TestAtomic(t *testing.T) {
	reg := resource.DefaultRegistry()
	u := mustUser(t, bjensen)
	u.Password = "secret"
	u.Extra = map[string]json.RawMessage{"favouriteColour": json.RawMessage(`{"a": 1}`)}
	want := mustUser(t, bjensen)
	want.Password = "secret"
	want.Extra = map[string]json.RawMessage{"favouriteColour": json.RawMessage(`{"a": 1}`)}
	o := ops(t,
		`{"op":"replace","path":"title","value":"Boss"}`,
		`{"op":"add","path":"emails","value":[{"value":"x@example.com"}]}`,
		`{"op":"remove","path":"userName"}`)
	changed, err := ApplyUser(reg, u, o, Options{})
	if scimType(err) != "mutability" || changed {
		t.Fatalf("ApplyUser = %v, %v; want a mutability error", changed, err)
	}
	if diff := cmp.Diff(want, u); diff != "" {
		t.Errorf("user changed (-want +got):\n%s", diff)
	}

	g := mustGroup(t, tourGuides)
	wantG := mustGroup(t, tourGuides)
	o = ops(t,
		`{"op":"add","path":"members","value":[{"value":"a"}]}`,
		`{"op":"replace","path":"displayName","value":"New"}`,
		`{"op":"add","path":"members","value":[{"value":"b","type":"Robot"}]}`)
	if _, err := ApplyGroup(reg, g, o, Options{}); scimType(err) != "invalidValue" {
		t.Fatalf("ApplyGroup: %v, want invalidValue", err)
	}
	if diff := cmp.Diff(wantG, g); diff != "" {
		t.Errorf("group changed (-want +got):\n%s", diff)
	}
}

// TestPreserved checks that what PATCH does not touch survives: the
// password, Extra, extension data, read-only groups and the manager's
// displayName.
func TestPreserved(t *testing.T) {
	reg := resource.DefaultRegistry()
	u := mustUser(t, bjensen)
	u.Password = "secret"
	u.Extra = map[string]json.RawMessage{"favouriteColour": json.RawMessage(`{"b": 2, "a": 1}`)}
	u.Enterprise = &resource.EnterpriseUser{Department: "Tours", Manager: &resource.Manager{Value: "m1", DisplayName: "Boss"}}
	want := *u
	want.Title = "Guide"
	ent := *u.Enterprise
	want.Enterprise = &ent
	want.Enterprise.CostCenter = "42"
	changed, err := ApplyUser(reg, u, ops(t,
		`{"op":"replace","path":"title","value":"Guide"}`,
		`{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter","value":"42"}`,
		`{"op":"replace","path":"manager","value":{"value":"m1"}}`), Options{})
	if err != nil || !changed {
		t.Fatalf("ApplyUser = %v, %v", changed, err)
	}
	if diff := cmp.Diff(&want, u); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
