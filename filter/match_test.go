package filter

import (
	"encoding/json"
	"errors"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/quirk"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/resource"
)

const extURN = "urn:example:params:scim:schemas:extension:acme:1.0:User"

func testRegistry(t testing.TB) *resource.Registry {
	t.Helper()
	ext := &resource.Schema{ID: extURN, Name: "Acme", Attributes: []*resource.Attribute{
		{Name: "level", Type: resource.TypeInteger, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
		{Name: "score", Type: resource.TypeDecimal, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
		{Name: "hired", Type: resource.TypeDateTime, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
		{Name: "badge", Type: resource.TypeString, CaseExact: true, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
		{Name: "tags", Type: resource.TypeString, MultiValued: true, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
	}}
	reg, err := resource.NewRegistry([]*resource.Schema{ext}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func ptr[T any](v T) *T { return &v }

var (
	t2011 = time.Date(2011, 5, 13, 4, 42, 34, 0, time.UTC)
	t2020 = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
)

func testUsers() []*resource.User {
	return []*resource.User{
		{
			ID: "2819c223-7f76-453a-919d-413861904646", ExternalID: "bjensen", UserName: "BJensen@Example.com",
			Name:     &resource.Name{FamilyName: "O'Malley", GivenName: "Barbara"},
			UserType: "Employee", Title: "Tour Guide", Active: ptr(true),
			Emails: []resource.MultiValue{
				{Value: "bjensen@example.com", Type: "work", Primary: ptr(true)},
				{Value: "babs@jensen.org", Type: "home"},
			},
			Roles:     []resource.MultiValue{{Value: "Admin", Primary: ptr(true)}},
			Addresses: []resource.Address{{Type: "work", Country: "AU", PostalCode: "2000"}},
			Groups:    []resource.GroupRef{{Value: "g1", Display: "Tour Guides"}},
			Enterprise: &resource.EnterpriseUser{Department: "Sales", EmployeeNumber: "701984",
				Manager: &resource.Manager{Value: "00aa-mgr", DisplayName: "Boss"}},
			Extensions: map[string]json.RawMessage{extURN: json.RawMessage(
				`{"level":3,"score":4.5,"hired":"2015-06-01T09:00:00Z","badge":"AbC","tags":["red","Blue"]}`)},
			Password: "s3cret",
			Meta:     resource.Meta{ResourceType: "User", Created: t2011, LastModified: t2020},
		},
		{
			ID: "c3a26dd3", ExternalID: "JYoung", UserName: "jyoung", UserType: "Intern", Active: ptr(false),
			Emails: []resource.MultiValue{{Value: "jyoung@example.org", Type: "work"}},
			Meta:   resource.Meta{ResourceType: "User", Created: t2020, LastModified: t2020},
		},
		{ID: "empty", UserName: "nobody", Title: ""},
	}
}

func TestMatchUsers(t *testing.T) {
	rt := testRegistry(t).User
	users := testUsers()
	tests := []struct {
		filter string
		want   []string // ids of matching users
	}{
		// RFC 7644 §3.4.2.2 examples.
		{`userName eq "bjensen@example.com"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`name.familyName co "o'malley"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`userName sw "J"`, []string{"c3a26dd3"}},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`, []string{"c3a26dd3"}},
		{`title pr`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`meta.created ge "2011-05-13T04:42:34Z"`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`meta.created gt "2011-05-13T04:42:34Z"`, []string{"c3a26dd3"}},
		{`meta.created lt "2011-05-13T06:42:34+02:00"`, nil},
		{`meta.created le "2011-05-13T06:42:34+02:00"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`title pr and userType eq "Employee"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`title pr or userType eq "Intern"`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`, []string{"empty"}},
		{`userType eq "Employee" and (emails.type eq "work")`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`userType eq "Employee" and emails[type eq "work" and value co "@example.com"]`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		// caseExact per attribute (docs/idp-compatibility.md#username-case): userName folds, id and externalId do not.
		{`userName eq "BJENSEN@EXAMPLE.COM"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`externalId eq "jyoung"`, nil},
		{`externalId eq "JYoung"`, []string{"c3a26dd3"}},
		{`externalId eq JYoung`, []string{"c3a26dd3"}},
		{`id eq "C3A26DD3"`, nil},
		{`userName ew "EXAMPLE.com"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`userName gt "j"`, []string{"c3a26dd3", "empty"}},
		// Entra (docs/idp-compatibility.md#entra-manager-eq).
		{`id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "00aa-mgr"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`manager eq "other"`, nil},
		{`manager pr`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`manager.displayName eq "boss"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{entURN + `:manager.value eq "00aa-mgr"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{entURN + `:department eq "sales"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`department eq "Sales"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`emails[type eq "work"].value eq "JYOUNG@example.org"`, []string{"c3a26dd3"}},
		{`emails[type eq "home"].value eq "jyoung@example.org"`, nil},
		{`roles[primary eq "True"].value eq "Admin"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`emails[primary eq false]`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`emails[primary eq true and type eq "home"]`, nil},
		{`addresses[type eq "work"].country eq "au"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`groups.value eq "g1"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`groups eq "g1"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		// Booleans, pr, ne, null.
		{`active eq true`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`active eq False`, []string{"c3a26dd3"}},
		{`active ne true`, []string{"c3a26dd3", "empty"}},
		{`active pr`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`emails pr`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3"}},
		{`title eq null`, []string{"c3a26dd3", "empty"}},
		{`title ne null`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`emails.value ne "jyoung@example.org"`, []string{"2819c223-7f76-453a-919d-413861904646", "empty"}},
		// Custom extension: integers, decimals, dateTime strings, caseExact, multi-valued, bare name.
		{extURN + `:level eq 3`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`level ge 3 and level lt 4`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`level gt 2.5`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`score le 4.5e0`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`hired gt "2015-01-01T00:00:00Z"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`badge eq "abc"`, nil},
		{`badge sw "Ab"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		{`tags eq "blue"`, []string{"2819c223-7f76-453a-919d-413861904646"}},
		// Type mismatches are false, not errors.
		{`active eq "yes"`, nil},
		{`userName gt 5`, []string{"2819c223-7f76-453a-919d-413861904646", "c3a26dd3", "empty"}},
		{`level co "3"`, nil},
		{`meta.created eq "yesterday"`, nil},
		{`name eq "x"`, nil},
	}
	for _, tc := range tests {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.filter, err)
			continue
		}
		// As the handler does: Validate turns Entra's "True" into true. The
		// cases it refuses are still evaluated, as false.
		_ = Validate(e, rt)
		var got []string
		matcher, err := Compile(e, rt)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tc.filter, err)
		}
		for _, u := range users {
			m, err := Match(e, rt, u)
			if err != nil {
				t.Errorf("Match(%q, %s): %v", tc.filter, u.ID, err)
			}
			if m {
				got = append(got, u.ID)
			}
			if c := matcher.Match(u); c != m {
				t.Errorf("Compile(%q).Match(%s) = %v, Match = %v", tc.filter, u.ID, c, m)
			}
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Match(%q) (-want +got):\n%s", tc.filter, d)
		}
	}
}

// TestCompileChecksNames: Compile refuses what Match refuses, before any
// resource is seen.
func TestCompileChecksNames(t *testing.T) {
	rt := testRegistry(t).User
	for _, f := range []string{`nosuch eq "x"`, `password eq "x"`, `emails[nosuch eq "x"]`} {
		e, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		_, cerr := Compile(e, rt)
		_, merr := Match(e, rt, &resource.User{})
		var ce *Error
		if !errors.As(cerr, &ce) || ce.ScimType != InvalidFilter || merr == nil || cerr.Error() != merr.Error() {
			t.Errorf("%s: Compile error %v, Match error %v", f, cerr, merr)
		}
	}
}

func TestMatchGroups(t *testing.T) {
	rt := testRegistry(t).Group
	groups := []*resource.Group{
		{ID: "g1", DisplayName: "Tour Guides", Members: []resource.Member{{Value: "2819c223", Type: "User"}, {Value: "c3a26dd3"}}},
		{ID: "g2", DisplayName: "Empty"},
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{`displayName eq "tour guides"`, []string{"g1"}},
		{`members.value eq "2819c223"`, []string{"g1"}},
		{`members eq "c3a26dd3"`, []string{"g1"}},
		{`members[value eq "c3a26dd3"]`, []string{"g1"}},
		{`members pr`, []string{"g1"}},
		{`not (members pr)`, []string{"g2"}},
		{`members[type eq "User" and value eq "c3a26dd3"]`, nil},
	}
	for _, tc := range tests {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.filter, err)
		}
		var got []string
		for _, g := range groups {
			if m, err := Match(e, rt, g); err != nil {
				t.Errorf("Match(%q): %v", tc.filter, err)
			} else if m {
				got = append(got, g.ID)
			}
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Match(%q) (-want +got):\n%s", tc.filter, d)
		}
	}
}

func TestMatchErrors(t *testing.T) {
	rt := testRegistry(t).User
	u := testUsers()[1]
	for _, f := range []string{
		`nosuch eq "x"`,
		`password eq "s3cret"`,
		`userName eq "x" or nosuch pr`, // the error does not depend on short-circuiting
		`emails[nosuch eq "x"]`,
		`urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr`,
	} {
		e, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Match(e, rt, u)
		var fe *Error
		if !errors.As(err, &fe) || fe.ScimType != InvalidFilter {
			t.Errorf("Match(%q) error = %v, want invalidFilter", f, err)
		}
	}
	// Nil resources and hand-built odd ASTs do not panic.
	for _, e := range []Expr{
		&Compare{Path: ap("userName"), Op: 0},
		&Logical{Left: pr("userName"), Right: pr("title")},
		&Not{X: &ValuePath{Path: ap("emails"), Filter: &ValuePath{Path: ap("x")}}},
		&ValuePath{Path: ap("userName"), Filter: pr("x")},
	} {
		_, _ = Match(e, rt, (*resource.User)(nil))
		_, _ = Match(e, rt, u)
	}
}

func TestValidate(t *testing.T) {
	rt := testRegistry(t).User
	ok := []string{
		`userName eq "x"`, `manager eq "y"`, `id eq "x" and manager eq "y"`, `emails co "x"`, `emails[type eq "work"].value eq "x"`,
		`active eq true`, `active ne "False"`, `active pr`, `meta.created gt "2011-05-13T04:42:34Z"`, `name pr`, `name.givenName sw "B"`,
		`level gt 3`, `externalId eq 123`, `title eq null`, `roles[primary eq "True"].value eq "Admin"`, `schemas eq "x"`,
		`addresses[type eq "work" and country eq "AU"]`, `USERNAME Eq "x"`, `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`,
	}
	for _, f := range ok {
		e, err := Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(e, rt); err != nil {
			t.Errorf("Validate(%q): %v", f, err)
		}
	}
	bad := []struct{ filter, msg string }{
		{`nosuch eq "x"`, "unknown attribute"},
		{`name.nosuch eq "x"`, "unknown attribute"},
		{`password eq "x"`, "cannot be filtered on"},
		{`active gt true`, "booleans take eq, ne and pr"},
		{`active co "t"`, "booleans take"},
		{`active eq "yes"`, "compare it with true or false"},
		{`name eq "x"`, "is complex"},
		{`addresses eq "x"`, "is complex"},
		{`level co 3`, "co on number"},
		{`level eq "3"`, "compare it with a number"},
		{`meta.created gt "yesterday"`, "RFC 3339"},
		{`meta.created sw "2011"`, "on dateTime"},
		{`userName eq true`, "compare it with a string"},
		{`title gt null`, "only eq and ne"},
		{`userName[value eq "x"]`, "not complex"},
		{`emails[nosuch eq "x"]`, "no sub-attribute"},
		{`emails[value.x eq "x"]`, "must name a sub-attribute"},
		{`userName eq "x" and (nosuch pr or title pr)`, "unknown attribute"},
	}
	for _, tc := range bad {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		err = Validate(e, rt)
		var fe *Error
		if !errors.As(err, &fe) || fe.ScimType != InvalidFilter || fe.Pos != -1 || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("Validate(%q) = %v, want invalidFilter containing %q", tc.filter, err, tc.msg)
		}
	}
}

func TestSort(t *testing.T) {
	rt := testRegistry(t).User
	mk := func(id, userName, email string, primary bool, created time.Time, level string) *resource.User {
		u := &resource.User{ID: id, UserName: userName, Meta: resource.Meta{Created: created}}
		if email != "" {
			u.Emails = []resource.MultiValue{{Value: "zz-first@x", Type: "home"}, {Value: email, Primary: ptr(primary)}}
		}
		if level != "" {
			u.Extensions = map[string]json.RawMessage{extURN: json.RawMessage(`{"level":` + level + `}`)}
		}
		return u
	}
	users := []*resource.User{
		mk("1", "bob", "b@x", true, t2020, "10"),
		mk("2", "Alice", "", false, t2011, ""),
		mk("3", "carol", "a@x", true, time.Time{}, "9"),
		mk("4", "alice", "c@x", false, t2020, "-1"),
		mk("5", "", "", false, t2011, ""),
	}
	tests := []struct {
		by   string
		desc bool
		want string
	}{
		{"userName", false, "24135"}, // case-insensitive, stable, unassigned last
		{"userName", true, "53124"},
		{"id", true, "54321"},
		{"emails", false, "3142" + "5"}, // primary value, else the first value
		{"emails.value", false, "31425"},
		{"meta.created", false, "25143"},
		{"meta.created", true, "31425"},
		{"level", false, "43125"},
		{extURN + ":level", true, "25134"},
	}
	for _, tc := range tests {
		rs := append([]*resource.User(nil), users...)
		if err := Sort(rt, rs, ap(tc.by), tc.desc); err != nil {
			t.Errorf("Sort(%s): %v", tc.by, err)
			continue
		}
		var got string
		for _, u := range rs {
			got += u.ID
		}
		if got != tc.want {
			t.Errorf("Sort(%s, desc=%v) = %s, want %s", tc.by, tc.desc, got, tc.want)
		}
	}
	for _, by := range []string{"nosuch", "name", "password"} {
		err := Sort(rt, users, ap(by), false)
		var fe *Error
		if !errors.As(err, &fe) || fe.ScimType != "invalidValue" {
			t.Errorf("Sort(%s) error = %v, want invalidValue", by, err)
		}
	}
}

// TestValidateBoolStrings: quirk.BoolStrings is applied once, by Validate,
// which rewrites the string into the boolean literal; with the tolerance
// off the string is invalidFilter, and Match never reads a string as a
// boolean.
func TestValidateBoolStrings(t *testing.T) {
	rt := testRegistry(t).User
	u := &resource.User{ID: "a", Active: new(bool)}
	for _, tt := range []struct{ filter, validated string }{
		{`active eq "False"`, `active eq false`},
		{`active ne "TRUE"`, `active ne true`},
		{`emails[primary eq "true"]`, `emails[primary eq true]`},
	} {
		e, _ := Parse(tt.filter)
		if ok, _ := Match(e, rt, u); ok && tt.filter == `active eq "False"` {
			t.Errorf("Match(%s) before Validate = true", tt.filter)
		}
		if err := Validate(e, rt); err != nil {
			t.Fatalf("Validate(%s): %v", tt.filter, err)
		}
		assert.Equal(t, e.String(), tt.validated)
		e, _ = Parse(tt.filter)
		err := Options{Disable: quirk.BoolStrings}.Validate(e, rt)
		var fe *Error
		if !errors.As(err, &fe) || fe.ScimType != InvalidFilter || !strings.Contains(fe.Msg, "compare it with true or false") {
			t.Errorf("Validate(%s) with BoolStrings off: %v", tt.filter, err)
		}
	}
	e, _ := Parse(`active eq "False"`)
	_ = Validate(e, rt)
	if ok, _ := Match(e, rt, u); !ok {
		t.Error(`validated active eq "False" does not match an inactive user`)
	}
}
