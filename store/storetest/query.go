package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

func registry(t *testing.T) *resource.Registry {
	t.Helper()
	reg, err := resource.NewRegistry(nil, nil)
	if err != nil {
		t.Fatalf("resource.NewRegistry: %v", err)
	}
	return reg
}

func mustParse(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(s)
	if err != nil {
		t.Fatalf("filter.Parse(%q): %v", s, err)
	}
	return e
}

// userCorpus is the fixed set of users the query cases run over: mixed
// case userNames, shared and missing externalIds, work and home emails,
// active true, false and unassigned, missing names and titles.
func userCorpus() []*resource.User {
	type row struct {
		id, userName, extID, family, title, work, home string
		active                                         *bool
	}
	rows := []row{
		{"u01", "bjensen@example.com", "ext-1", "Jensen", "Tour Guide", "bjensen@example.com", "babs@jensen.org", boolPtr(true)},
		{"u02", "Alice@Example.com", "ext-shared", "Anderson", "", "alice@example.com", "", boolPtr(false)},
		{"u03", "carol", "ext-shared", "", "Engineer", "", "carol@home.org", nil},
		{"u04", "dave", "", "Davidson", "", "dave@example.org", "", boolPtr(true)},
		{"u05", "Eve", "ext-5", "Evans", "Auditor", "eve@example.com", "eve@home.org", boolPtr(false)},
		{"u06", "frank", "EXT-5", "", "", "", "", nil},
		{"u07", "grace", "ext-7", "Hopper", "Admiral", "grace@example.com", "", boolPtr(true)},
		{"u08", "heidi", "", "Klum", "", "", "", boolPtr(true)},
		{"u09", "ivan", "ext-9", "anderson", "Engineer", "ivan@example.com", "", boolPtr(false)},
		{"u10", "judy", "ext-10", "Judson", "", "judy@example.org", "judy@home.org", nil},
		{"u11", "mallory", "ext-11", "", "Attacker", "", "", boolPtr(true)},
		{"u12", "Oscar", "ext-12", "Oscarsson", "", "oscar@example.com", "", boolPtr(true)},
	}
	var us []*resource.User
	for _, r := range rows {
		u := plainUser(r.id, r.userName)
		u.ExternalID = r.extID
		u.Title = r.title
		u.Active = r.active
		if r.family != "" {
			u.Name = &resource.Name{FamilyName: r.family, GivenName: "G" + r.id}
		}
		if r.home != "" {
			u.Emails = append(u.Emails, resource.MultiValue{Value: r.home, Type: "home"})
		}
		if r.work != "" {
			u.Emails = append(u.Emails, resource.MultiValue{Value: r.work, Type: "work", Primary: boolPtr(true)})
		}
		us = append(us, u)
	}
	return us
}

func groupCorpus() []*resource.Group {
	gs := []*resource.Group{
		newGroup("g1", "Admins", "u01", "u02"),
		newGroup("g2", "Engineering", "u02", "u03", "u04", "u09"),
		newGroup("g3", "Empty"),
		newGroup("g4", "engineering-leads", "u09"),
		newGroup("g5", "Auditors", "u05", "g1"),
	}
	gs[2].ExternalID = ""
	gs[4].Members[1].Type = "Group"
	return gs
}

func loadCorpus(t *testing.T, ctx context.Context, s store.Store) {
	t.Helper()
	for _, u := range userCorpus() {
		mustCreateUser(t, ctx, s, u)
	}
	for _, g := range groupCorpus() {
		mustCreateGroup(t, ctx, s, g)
	}
}

var userFilters = []string{
	``,
	`userName eq "bjensen@example.com"`,
	`userName eq "BJENSEN@EXAMPLE.COM"`,
	`userName eq "alice@example.com"`,
	`userName eq "nobody"`,
	`externalId eq "ext-shared"`,
	`externalId eq "ext-5"`,
	`externalId eq "EXT-SHARED"`,
	`id eq "u03"`,
	`id eq "U03"`,
	`emails[type eq "work"].value eq "eve@example.com"`,
	`emails[type eq "work" and value ew "@example.com"]`,
	`emails.value co "home"`,
	`active eq false`,
	`not (active eq false)`,
	`userName sw "a" or externalId eq "ext-7"`,
	`userName eq "carol" and title pr`,
	`title eq "Engineer" and userName eq "IVAN"`,
	`externalId eq "ext-shared" and active eq false`,
	`name.familyName co "son"`,
	`title pr`,
	`groups.value eq "g2"`,
	`groups[value eq "g1"] or userName eq "oscar"`,
	`userName gt "h"`,
}

var groupFilters = []string{
	``,
	`displayName eq "admins"`,
	`displayName eq "ENGINEERING"`,
	`displayName eq "nothing"`,
	`id eq "g2"`,
	`externalId eq "ext-g4"`,
	`members[value eq "u02"]`,
	`members[value eq "U02"]`,
	`members.value eq "u09"`,
	`id eq "g2" and members[value eq "u03"]`,
	`id eq "g1" and members[value eq "u03"]`,
	`members[type eq "Group"]`,
	`displayName sw "E"`,
	`not (displayName eq "Admins")`,
	`not (members pr)`,
	`displayName co "eng" or members[value eq "u05"]`,
}

var pages = []store.Page{
	{StartIndex: 1, Count: 100},
	{StartIndex: 1, Count: 3},
	{StartIndex: 4, Count: 3},
	{StartIndex: 2, Count: 0},
	{StartIndex: 11, Count: 5},
	{StartIndex: 100, Count: 5},
}

type sortSpec struct {
	by   string
	desc bool
}

func (s sortSpec) path() filter.AttrPath {
	if s.by == "" {
		return filter.AttrPath{}
	}
	name, sub, _ := cutDot(s.by)
	return filter.AttrPath{Name: name, Sub: sub}
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

var userSorts = []sortSpec{{}, {"userName", true}, {"userName", false}, {"name.familyName", false}, {"name.familyName", true}, {"title", false}}
var groupSorts = []sortSpec{{}, {"displayName", true}, {"displayName", false}, {"members.value", false}, {"members.value", true}}

var queryCases = []testCase{
	{"Users_agree_with_fallback", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		query := func(query store.Query) ([]*resource.User, int, error) {
			l, err := q.QueryUsers(ctx, query)
			return l.Resources, l.TotalResults, err
		}
		agree(t, "QueryUsers", registry(t).User, listAllUsers(t, ctx, s), userFilters, userSorts, []store.Members{store.WithMembers}, query, userIDs,
			func(label string, _ store.Members, want, got *resource.User) {
				checkUser(t, label, normUser(want), got)
			})
	}},
	{"Groups_agree_with_fallback", func(t *testing.T, s store.Store) {
		q := groupQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		query := func(query store.Query) ([]*resource.Group, int, error) {
			l, err := q.QueryGroups(ctx, query)
			return l.Resources, l.TotalResults, err
		}
		agree(t, "QueryGroups", registry(t).Group, listAllGroups(t, ctx, s, store.WithMembers), groupFilters, groupSorts, bothMembers, query, groupIDs,
			func(label string, m store.Members, want, got *resource.Group) {
				if m == store.WithoutMembers {
					checkExcluded(t, label, want, got)
				} else {
					checkGroup(t, label, want, got)
				}
			})
	}},
}

// agree holds query, a store's querier, to the fallback over all (every
// resource of the tenant): for each of filters, sorts and pages, and each
// of ms (in the label when there are several), the same ids in the same order, the same total,
// and each resource as check says.
func agree[R resource.Resource](t *testing.T, name string, rt *resource.ResourceType, all []R, filters []string, sorts []sortSpec,
	ms []store.Members, query func(store.Query) ([]R, int, error), ids func([]R) []string, check func(label string, m store.Members, want, got R),
) {
	t.Helper()
	for _, fs := range filters {
		var e filter.Expr
		if fs != "" {
			var err error
			if e, err = filter.Parse(fs); err != nil {
				t.Logf("skipping %q: filter.Parse: %v", fs, err)
				continue
			}
		}
		for _, srt := range sorts {
			want := fallback(t, rt, all, e, srt)
			for _, p := range pages {
				for _, m := range ms {
					q := store.Query{Filter: e, SortBy: srt.path(), Page: p, Members: m}
					if srt.desc {
						q.SortOrder = store.Descending
					}
					label := fmt.Sprintf("%s(filter %q, sortBy %q desc %v, page %+v)", name, fs, srt.by, srt.desc, p)
					if len(ms) > 1 {
						label = fmt.Sprintf("%s(filter %q, sortBy %q desc %v, page %+v, %v)", name, fs, srt.by, srt.desc, p, m)
					}
					got, total, err := query(q)
					if errors.Is(err, store.ErrUnsupported) {
						continue
					}
					if err != nil {
						t.Errorf("%s: %v", label, err)
						continue
					}
					lo, hi := window(len(want), p)
					if total != len(want) {
						t.Errorf("%s: TotalResults %d, want %d", label, total, len(want))
					}
					if g, w := ids(got), ids(want[lo:hi]); !slices.Equal(g, w) {
						t.Errorf("%s: ids %q, want %q", label, g, w)
						continue
					}
					for i, r := range got {
						check(label, m, want[lo+i], r)
					}
				}
			}
		}
	}
}

// fallback is the generic path: the matches of e among all (in list
// order), sorted stably when srt is set.
func fallback[T resource.Resource](t *testing.T, rt *resource.ResourceType, all []T, e filter.Expr, srt sortSpec) []T {
	t.Helper()
	var out []T
	for _, r := range all {
		if e != nil {
			ok, err := filter.Match(e, rt, r)
			if err != nil {
				t.Fatalf("filter.Match(%s): %v", e, err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, r)
	}
	if srt.by != "" {
		if err := filter.Sort(rt, out, srt.path(), srt.desc); err != nil {
			t.Fatalf("filter.Sort(%s): %v", srt.by, err)
		}
	}
	return out
}

// queryIsolation checks that the fast paths see nothing of tenant A from
// ctx, another tenant.
func queryIsolation(t *testing.T, s store.Store, ctx context.Context) {
	t.Helper()
	p := store.Page{StartIndex: 1, Count: 10}
	if q, ok := s.(store.UserQuerier); ok {
		for _, f := range []string{`id eq "u1"`, `userName eq "user1"`, `userName pr`} {
			l, err := q.QueryUsers(ctx, store.Query{Filter: mustParse(t, f), Page: p})
			if err != nil && !errors.Is(err, store.ErrUnsupported) {
				t.Errorf("QueryUsers(%s) in another tenant: %v", f, err)
			} else if err == nil && (l.TotalResults != 0 || len(l.Resources) != 0) {
				t.Errorf("QueryUsers(%s) in another tenant: total %d, %d users; want none", f, l.TotalResults, len(l.Resources))
			}
		}
	}
	if q, ok := s.(store.GroupQuerier); ok {
		for _, f := range []string{`id eq "g1"`, `displayName eq "Admins"`, `members[value eq "u1"]`} {
			l, err := q.QueryGroups(ctx, store.Query{Filter: mustParse(t, f), Page: p})
			if err != nil && !errors.Is(err, store.ErrUnsupported) {
				t.Errorf("QueryGroups(%s) in another tenant: %v", f, err)
			} else if err == nil && (l.TotalResults != 0 || len(l.Resources) != 0) {
				t.Errorf("QueryGroups(%s) in another tenant: total %d, %d groups; want none", f, l.TotalResults, len(l.Resources))
			}
		}
	}
}
