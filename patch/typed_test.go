package patch

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// typedUsers are users to patch on both paths: the RFC's bjensen, one with
// the enterprise extension, a manager, a password and Extra, one with a
// registered custom extension (stored in a non-canonical form), two work
// emails, two primaries, a readOnly-less minimal user and one whose
// active is false.
func typedUsers(t *testing.T) []*resource.User {
	no, yes := false, true
	full := fuzzUser(t)
	full.Title = "Guide"
	full.PhoneNumbers = []resource.MultiValue{{Value: "555-1", Type: "work"}, {Value: "555-2", Type: "mobile", Primary: &no}}
	return []*resource.User{
		mustUser(t, bjensen),
		full,
		{ID: "u1", UserName: "badge", Extensions: map[string]json.RawMessage{badgeURN: json.RawMessage(`{ "badgeNumber" : "7" }`)}},
		{ID: "u2", UserName: "two", Emails: []resource.MultiValue{{Value: "a@x", Type: "work"}, {Value: "b@x", Type: "WORK", Display: "B"}}},
		{ID: "u3", UserName: "prim", Emails: []resource.MultiValue{{Value: "a@x", Type: "work", Primary: &yes}, {Value: "b@x", Type: "home", Primary: &yes}}},
		{ID: "u4", UserName: "min"},
		{ID: "u5", UserName: "off", Active: &no, Name: &resource.Name{GivenName: "Off"}, Enterprise: &resource.EnterpriseUser{Department: "D"}},
	}
}

// typedOps are operations in and around the typed path.
var typedOps = []string{
	`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}`,
	`{"op":"add","path":"emails[type eq \"WORK\"].display","value":"Work"}`,
	`{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@example.com"}`,
	`{"op":"replace","path":"emails[value eq \"a@x\"].type","value":"other"}`,
	`{"op":"replace","path":"emails[type eq \"work\"].primary","value":true}`,
	`{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"555-3"}`,
	`{"op":"replace","path":"addresses[type eq \"work\"].locality","value":"LA"}`,
	`{"op":"Replace","path":"name.familyName","value":"Jensen2"}`,
	`{"op":"Replace","path":"name.familyName","value":"Jensen"}`,
	`{"op":"add","path":"NAME.GIVENNAME","value":"Babs"}`,
	`{"op":"replace","path":"name.familyName","value":""}`,
	`{"op":"replace","path":"name.familyName","value":7}`,
	`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Eng"}`,
	`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Tours"}`,
	`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m2"}`,
	`{"op":"Replace","path":"active","value":"False"}`,
	`{"op":"Replace","path":"active","value":"True"}`,
	`{"op":"replace","path":"active","value":false}`,
	`{"op":"replace","path":"active","value":"no"}`,
	`{"op":"replace","path":"userName","value":"renamed@example.com"}`,
	`{"op":"replace","path":"userName","value":"` + strings.Repeat("x", resource.MaxIndexedLength+1) + `"}`,
	`{"op":"replace","path":"displayName","value":"Babs"}`,
	`{"op":"add","path":"externalId","value":"ext-1"}`,
	`{"op":"replace","path":"title","value":true}`,
	`{"op":"replace","path":"id","value":"other"}`,
	`{"op":"replace","path":"nosuch","value":"x"}`,
	`{"op":"replace","path":"` + badgeURN + `:badgeNumber","value":"8"}`,
	`{"op":"remove","path":"title"}`,
	`{"op":"replace","value":{"nickName":"Babs"}}`,
}

// TestTypedPathAgreesWithTree applies every operation and every pair of
// them to every user of typedUsers, under the default options and with
// every tolerance off, through ApplyUser (which takes the typed path when
// it can) and through the tree path alone: the users, changed, errors and
// the fired tolerances must be the same, and the typed path must have
// been taken for the operations Entra sends.
func TestTypedPathAgreesWithTree(t *testing.T) {
	reg, err := resource.NewRegistry([]*resource.Schema{{ID: badgeURN, Name: "Badge", Attributes: []*resource.Attribute{
		{Name: "badgeNumber", Type: resource.TypeString, Mutability: resource.ReadWrite}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lists [][]string
	for _, a := range typedOps {
		lists = append(lists, []string{a})
		for _, b := range typedOps {
			lists = append(lists, []string{a, b})
		}
	}
	typed := 0
	for _, list := range lists {
		for _, opts := range []Options{{}, {Disable: ^quirk.Set(0) &^ quirk.OpCase}} {
			for ui, base := range typedUsers(t) {
				if _, _, ok := applyUserTyped(reg, base.Clone(), ops(t, list...), opts); ok {
					typed++
				}
				name := fmt.Sprintf("user %d, %v, disable %v", ui, list, opts.Disable)
				compareTyped(t, name, reg, base, ops(t, list...), opts)
			}
		}
	}
	if typed < 500 {
		t.Errorf("the typed path was taken %d times", typed)
	}
	// Entra's update, the benchmark's request, takes it.
	u := mustUser(t, bjensen)
	entra := ops(t, typedOps[0], typedOps[7], typedOps[12], typedOps[15])
	if _, _, ok := applyUserTyped(reg, u, entra, Options{}); !ok {
		t.Error("Entra's update does not take the typed path")
	}
}

// compareTyped applies ops to two copies of base, through ApplyUser and
// through the tree path, and fails the test where they differ.
func compareTyped(t *testing.T, name string, reg *resource.Registry, base *resource.User, ops []Op, opts Options) {
	t.Helper()
	a, b := base.Clone(), base.Clone()
	var fa, fb quirk.Set
	oa, ob := opts, opts
	oa.Fired, ob.Fired = &fa, &fb
	ca, ea := ApplyUser(reg, a, ops, oa)
	cb, eb := applyUserTree(reg, b, ops, ob)
	if ca != cb || scimType(ea) != scimType(eb) || fmt.Sprint(ea) != fmt.Sprint(eb) {
		t.Fatalf("%s: typed %v, %v; tree %v, %v", name, ca, ea, cb, eb)
	}
	if fa != fb {
		t.Errorf("%s: fired %v on the typed path, %v on the tree", name, fa, fb)
	}
	if diff := cmp.Diff(b, a); diff != "" {
		t.Fatalf("%s: users differ (-tree +typed):\n%s", name, diff)
	}
	if ea != nil || !ca {
		if diff := cmp.Diff(base, a); diff != "" {
			t.Fatalf("%s: changed %v, err %v, but the user changed:\n%s", name, ca, ea, diff)
		}
	}
}

// FuzzTypedPath holds the typed path to the tree path for operations of
// the typed path's shape with any path and value.
func FuzzTypedPath(f *testing.F) {
	f.Add(0, "Replace", `emails[type eq "work"].value`, `"x@y"`)
	f.Add(1, "add", `name.familyName`, `"J"`)
	f.Add(2, "Add", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`, `"D"`)
	f.Add(3, "Replace", `active`, `"False"`)
	f.Add(4, "replace", `phoneNumbers[type eq "mobile" or value pr].display`, `"m"`)
	f.Add(5, "replace", `emails[primary eq true].type`, `"home"`)
	f.Fuzz(func(t *testing.T, user int, op, path, value string) {
		users := typedUsers(t)
		base := users[(user%len(users)+len(users))%len(users)]
		reg := resource.DefaultRegistry()
		body, _ := json.Marshal(map[string]any{"Operations": []any{map[string]any{"op": op, "path": path, "value": json.RawMessage(value)}}})
		list, err := ParseRequest(body, Options{})
		if err != nil {
			return
		}
		for _, opts := range []Options{{}, {Disable: ^quirk.Set(0) &^ quirk.OpCase}} {
			compareTyped(t, fmt.Sprintf("%s %q %s", op, path, value), reg, base, list, opts)
		}
	})
}
