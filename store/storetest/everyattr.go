package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// acmeUser is the custom extension fullUser carries, as a server that
// registers it validates filters against it.
var acmeUser = &resource.Schema{ID: "urn:example:params:scim:schemas:extension:acme:2.0:User", Name: "Acme",
	Attributes: []*resource.Attribute{{Name: "badge", Type: resource.TypeString}}}

// attrFilters returns, for every attribute and sub-attribute of every
// schema of rt that u has a string or boolean value of, a pr filter and
// an eq filter with u's value (the first value of a multi-valued
// attribute). A schema attribute the fixture lacks gets no filter, and
// TestEveryAttributeThroughGetEncodeDecode in package resource keeps the
// fixtures complete.
func attrFilters(rt *resource.ResourceType, u *resource.User) []string {
	schemas := []*resource.Schema{rt.Schema}
	for _, e := range rt.Extensions {
		schemas = append(schemas, e.Schema)
	}
	var out []string
	add := func(path string, v any) {
		switch v := v.(type) {
		case string:
			b, _ := json.Marshal(v)
			out = append(out, path+" pr", path+" eq "+string(b))
		case bool:
			b, _ := json.Marshal(v)
			out = append(out, path+" pr", path+" eq "+string(b))
		}
	}
	for _, s := range schemas {
		for _, a := range s.Attributes {
			if a.Returned == resource.ReturnedNever {
				continue
			}
			path := a.Name
			if s != rt.Schema {
				path = s.ID + ":" + a.Name
			}
			v := u.Get(s.ID, a.Name)
			if vs, ok := v.([]any); ok && len(vs) > 0 {
				v = vs[0]
			}
			if m, ok := v.(map[string]any); ok {
				for _, sub := range a.SubAttributes {
					add(path+"."+sub.Name, m[sub.Name])
				}
				continue
			}
			add(path, v)
		}
	}
	return out
}

// everyAttributeCases hold a store's querier to finding a user by every
// attribute it has: a store that forgets where an attribute lives (a JSON
// path, a column) answers nothing instead of the user.
var everyAttributeCases = []testCase{
	{"Every_attribute", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		reg, err := resource.NewRegistry([]*resource.Schema{acmeUser}, nil)
		if err != nil {
			t.Fatal(err)
		}
		u := fullUser("u1", "bjensen@example.com")
		mustCreateUser(t, ctx, s, u)
		mustCreateUser(t, ctx, s, plainUser("u2", "other"))
		got := mustGetUser(t, ctx, s, "u1")
		all := []*resource.User{got, mustGetUser(t, ctx, s, "u2")}
		filters := attrFilters(reg.User, got)
		if len(filters) < 40 {
			t.Fatalf("only %d filters over fullUser: %q", len(filters), filters)
		}
		for _, f := range filters {
			e := mustParse(t, f)
			if err := filter.Validate(e, reg.User); err != nil {
				t.Fatalf("filter.Validate(%s): %v", f, err)
			}
			var want []string
			for _, u := range all {
				if ok, err := filter.Match(e, reg.User, u); err != nil {
					t.Fatalf("filter.Match(%s): %v", f, err)
				} else if ok {
					want = append(want, u.ID)
				}
			}
			if len(want) == 0 || want[0] != "u1" {
				t.Fatalf("filter.Match(%s) finds %q; the kit expects u1", f, want)
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
