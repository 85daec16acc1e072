package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// typedExtension is a custom extension with an attribute of every RFC 7643
// type, as an app registers it (Config.UserExtensions).
var typedExtension = &resource.Schema{ID: "urn:ietf:params:scim:schemas:extension:acme:2.0:User", Name: "Acme",
	Attributes: []*resource.Attribute{
		{Name: "costCenter", Type: resource.TypeString},
		{Name: "code", Type: resource.TypeString, CaseExact: true},
		{Name: "remote", Type: resource.TypeBoolean},
		{Name: "badgeNumber", Type: resource.TypeInteger},
		{Name: "salary", Type: resource.TypeDecimal},
		{Name: "hired", Type: resource.TypeDateTime},
		{Name: "homepage", Type: resource.TypeReference, ReferenceTypes: []string{"external"}},
		{Name: "photo", Type: resource.TypeBinary},
		{Name: "office", Type: resource.TypeComplex, SubAttributes: []*resource.Attribute{
			{Name: "building", Type: resource.TypeString}, {Name: "floor", Type: resource.TypeInteger}}},
		{Name: "tags", Type: resource.TypeString, MultiValued: true},
		{Name: "projects", Type: resource.TypeComplex, MultiValued: true, SubAttributes: []*resource.Attribute{
			{Name: "name", Type: resource.TypeString}, {Name: "hours", Type: resource.TypeInteger},
			{Name: "since", Type: resource.TypeDateTime}}},
	}}

// typedExtensionValues are the extension objects of the users of
// extensionCases: integers past 2^53, exponent forms, offsets, case.
var typedExtensionValues = []string{
	`{"costCenter":"Sales","code":"AB","remote":true,"badgeNumber":10,"salary":1000.5,"hired":"2024-01-02T10:00:00+02:00",
	  "homepage":"https://acme.example/u1","photo":"aGVsbG8=","office":{"building":"HQ","floor":3},"tags":["Red","blue"],
	  "projects":[{"name":"Apollo","hours":40,"since":"2023-05-01T00:00:00Z"},{"name":"Zeus","hours":5}]}`,
	`{"costCenter":"sales","code":"ab","remote":false,"badgeNumber":9,"salary":999.75,"hired":"2024-01-02T09:30:00Z",
	  "office":{"building":"Annex","floor":12},"projects":[{"name":"apollo","hours":8}]}`,
	`{"costCenter":"Ops","badgeNumber":9007199254740993,"salary":2e3,"hired":"2023-12-31T23:00:00-05:00"}`,
	`{}`,
}

// extensionCases hold every store to keeping a custom extension's values
// with their JSON types (an integer stays an integer, 2e3 a number, a
// dateTime its offset) and its querier to filter.Match's typed answers:
// integers and decimals compare as numbers, dateTimes as instants, strings
// by caseExact.
var extensionCases = []testCase{
	{"Typed_values_round_trip", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		reg, err := resource.NewRegistry([]*resource.Schema{typedExtension}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, ext := range typedExtensionValues {
			u, err := reg.DecodeUser([]byte(`{"userName":"e` + string(rune('0'+i)) + `","` + typedExtension.ID + `":` + ext + `}`))
			if err != nil {
				t.Fatal(err)
			}
			u.ID, u.Meta = "e"+string(rune('0'+i)), plainUser("", "").Meta
			mustCreateUser(t, ctx, s, u)
			got := mustGetUser(t, ctx, s, u.ID)
			if !sameJSON(got.Extensions[typedExtension.ID], u.Extensions[typedExtension.ID]) {
				t.Errorf("user %s: wrote %s, read %s", u.ID, u.Extensions[typedExtension.ID], got.Extensions[typedExtension.ID])
			}
			for _, a := range typedExtension.Attributes {
				if w, g := u.Get(typedExtension.ID, a.Name), got.Get(typedExtension.ID, a.Name); !reflect.DeepEqual(w, g) {
					t.Errorf("user %s: %s is %#v, read back %#v", u.ID, a.Name, g, w)
				}
			}
		}
	}},
	{"Typed_filters", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		reg, err := resource.NewRegistry([]*resource.Schema{typedExtension}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var all []*resource.User
		for i, ext := range typedExtensionValues {
			u, err := reg.DecodeUser([]byte(`{"userName":"e` + string(rune('0'+i)) + `","` + typedExtension.ID + `":` + ext + `}`))
			if err != nil {
				t.Fatal(err)
			}
			u.ID, u.Meta = "e"+string(rune('0'+i)), plainUser("", "").Meta
			mustCreateUser(t, ctx, s, u)
			all = append(all, mustGetUser(t, ctx, s, u.ID))
		}
		p := typedExtension.ID + ":"
		for _, f := range []string{
			p + `costCenter eq "SALES"`, p + `costCenter gt "ops"`, p + `code eq "ab"`, p + `remote eq false`,
			p + `badgeNumber gt 9`, p + `badgeNumber eq 9007199254740993`, p + `badgeNumber lt 1e1`,
			p + `salary ge 2000`, p + `salary lt 1000`, p + `hired gt "2024-01-02T08:00:00Z"`, p + `hired lt "2024-01-01T05:00:00+01:00"`,
			p + `office.floor gt 3`, p + `office pr`, p + `tags eq "red"`, p + `projects[name eq "APOLLO" and hours gt 10]`,
			p + `projects.hours le 8`, p + `photo pr`, p + `homepage sw "https://ACME"`,
		} {
			e := mustParse(t, f)
			if err := filter.Validate(e, reg.User); err != nil {
				t.Fatalf("filter.Validate(%s): %v", f, err)
			}
			want := []string{}
			for _, u := range all {
				if ok, err := filter.Match(e, reg.User, u); err != nil {
					t.Fatal(err)
				} else if ok {
					want = append(want, u.ID)
				}
			}
			l, err := q.QueryUsers(ctx, store.Query{ResourceType: reg.User, Filter: e, Page: store.Page{StartIndex: 1, Count: 10}})
			switch {
			case errors.Is(err, store.ErrUnsupported):
			case err != nil:
				t.Errorf("QueryUsers(%s): %v", f, err)
			case l.TotalResults != len(want) || !slices.Equal(userIDs(l.Resources), want):
				t.Errorf("QueryUsers(%s): %q (total %d), want %q as filter.Match", f, userIDs(l.Resources), l.TotalResults, want)
			}
		}
	}},
}

// sameJSON reports whether a and b are the same JSON value, numbers
// compared by their text.
func sameJSON(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	return da.Decode(&x) == nil && db.Decode(&y) == nil && reflect.DeepEqual(x, y)
}
