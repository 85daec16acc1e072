package memory_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// FuzzQueryAgreesWithMatch checks that the indexed query paths return
// exactly what a scan with filter.Match returns, for any filter that parses
// and validates.
func FuzzQueryAgreesWithMatch(f *testing.F) {
	for _, s := range []string{
		`userName eq "BOB"`, `userName eq "ſam"`, `externalId eq "x1"`, `id eq "3"`,
		`displayName eq "ADMINS"`, `members[value eq "1"]`, `id eq "g1" and members[value eq "2"]`,
		`userName eq "bob" and active eq false`, `not (members.value eq "3")`, `externalId eq "X1" or title pr`,
	} {
		f.Add(s)
	}
	reg, err := resource.NewRegistry(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx := store.WithTenant(f.Context(), "t")
	s := memory.New()
	names := []string{"bob", "Alice", "ſam", "Kelvin", "carol", "x1", "DAVE"}
	var users []*resource.User
	for i, n := range names {
		u := &resource.User{ID: strconv.Itoa(i), UserName: n, ExternalID: []string{"x1", "X1", ""}[i%3]}
		active := i%2 == 0
		u.Active = &active
		if i%3 == 0 {
			u.Title = "t"
		}
		got, err := s.CreateUser(ctx, u)
		if err != nil {
			f.Fatal(err)
		}
		users = append(users, got)
	}
	var groups []*resource.Group
	for i, n := range []string{"Admins", "admins", "Ops"} {
		g := &resource.Group{ID: "g" + strconv.Itoa(i), DisplayName: n, ExternalID: "x1"}
		for j := i; j < len(names); j += 2 {
			g.Members = append(g.Members, resource.Member{Value: strconv.Itoa(j)})
		}
		got, err := s.CreateGroup(store.WithDuplicateGroupNames(ctx), g) // two groups under one index key
		if err != nil {
			f.Fatal(err)
		}
		groups = append(groups, got)
	}
	for i := range users { // refresh Groups, derived after the groups exist
		users[i], _ = s.GetUser(ctx, users[i].ID)
	}
	page := store.Page{StartIndex: 1, Count: 100}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := filter.Parse(in)
		if err != nil {
			return
		}
		if filter.Validate(e, reg.User) == nil {
			var want []string
			for _, u := range users {
				if ok, err := filter.Match(e, reg.User, u); err == nil && ok {
					want = append(want, u.ID)
				}
			}
			l, err := s.QueryUsers(ctx, store.Query{Filter: e, Page: page})
			if err == nil && !slices.Equal(ids(l.Resources), want) {
				t.Errorf("QueryUsers(%s) = %q, scan with filter.Match = %q", e, ids(l.Resources), want)
			}
		}
		if filter.Validate(e, reg.Group) == nil {
			var want []string
			for _, g := range groups {
				if ok, err := filter.Match(e, reg.Group, g); err == nil && ok {
					want = append(want, g.ID)
				}
			}
			l, err := s.QueryGroups(ctx, store.Query{Filter: e, Page: page})
			if err == nil && !slices.Equal(gids(l.Resources), want) {
				t.Errorf("QueryGroups(%s) = %q, scan with filter.Match = %q", e, gids(l.Resources), want)
			}
		}
	})
}

func ids(us []*resource.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func gids(gs []*resource.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}
