package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// memberQueryCases check that a filter on members sees the members
// whatever Query.Members says: the projection shapes the output,
// never the matches.
var memberQueryCases = []testCase{
	{"Groups_members_filter_WithoutMembers", func(t *testing.T, s store.Store) {
		q := groupQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		rt := registry(t).Group
		all := listAllGroups(t, ctx, s, store.WithMembers)
		for _, fs := range []string{
			`id eq "g2" and members.value eq "u03"`, // Entra's membership check
			`id eq "g2" and members.value eq "u01"`,
			`members.value eq "u02" and displayName eq "ADMINS"`,
			`members[value eq "u09"]`,
			`members[value eq "g1" and type eq "Group"]`,
			`members pr`,
			`not (members.value eq "u02")`,
		} {
			e := mustParse(t, fs)
			want := groupIDs(fallback(t, rt, all, e, sortSpec{}))
			for _, m := range []store.Members{store.WithoutMembers, store.WithMembers} {
				label := fmt.Sprintf("QueryGroups(filter %q, %v)", fs, m)
				got, err := q.QueryGroups(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 100}, Members: m})
				if errors.Is(err, store.ErrUnsupported) {
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", label, err)
					continue
				}
				if ids := groupIDs(got.Resources); !slices.Equal(ids, want) || got.TotalResults != len(want) {
					t.Errorf("%s: ids %q, total %d; want %q, total %d", label, ids, got.TotalResults, want, len(want))
				}
			}
		}
	}},
}

// resolver returns the store's MemberResolver or skips the test.
func resolver(t *testing.T, s store.Store) store.MemberResolver {
	t.Helper()
	r, ok := s.(store.MemberResolver)
	if !ok {
		t.Skip("the store does not implement store.MemberResolver")
	}
	return r
}

func mustResolve(t *testing.T, ctx context.Context, r store.MemberResolver, ids []string) map[string]store.MemberType {
	t.Helper()
	got, err := r.ResolveMembers(ctx, ids)
	if err != nil {
		t.Fatalf("ResolveMembers(%d ids): %v", len(ids), err)
	}
	return got
}

func checkResolved(t *testing.T, op string, want, got map[string]store.MemberType) {
	t.Helper()
	if d := diff(want, got); d != "" {
		t.Errorf("%s: resolved members differ:\n%s", op, d)
	}
}

// referenceCases check store.MemberResolver and that member types
// round-trip: what a store returns for a member is what was written.
var referenceCases = []testCase{
	{"Resolve_per_tenant", func(t *testing.T, s store.Store) {
		r := resolver(t, s)
		a, b := ctxA(t), ctxB(t)
		withUsers(t, a, s, 2)
		mustCreateGroup(t, a, s, newGroup("g1", "Admins", "u1"))
		mustCreateUser(t, b, s, plainUser("b1", "userb1"))
		mustCreateGroup(t, b, s, newGroup("gb", "Other tenant"))
		checkResolved(t, "ResolveMembers in tenant A",
			map[string]store.MemberType{"u1": store.MemberUser, "u2": store.MemberUser, "g1": store.MemberGroup},
			mustResolve(t, a, r, []string{"u1", "g1", "b1", "gb", "nobody", "u2", "u1", "U1", ""}))
		checkResolved(t, "ResolveMembers in tenant B",
			map[string]store.MemberType{"b1": store.MemberUser, "gb": store.MemberGroup},
			mustResolve(t, b, r, []string{"u1", "g1", "b1", "gb"}))
		checkResolved(t, "ResolveMembers in the empty tenant", map[string]store.MemberType{},
			mustResolve(t, t.Context(), r, []string{"u1", "g1", "b1"}))
		checkResolved(t, "ResolveMembers of no ids", map[string]store.MemberType{}, mustResolve(t, a, r, nil))
	}},
	{"Resolve_user_and_group_sharing_an_id", func(t *testing.T, s store.Store) {
		r := resolver(t, s)
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("x1", "userx1"))
		mustCreateGroup(t, ctx, s, newGroup("x1", "Shared id"))
		checkResolved(t, "ResolveMembers", map[string]store.MemberType{"x1": store.MemberUser | store.MemberGroup},
			mustResolve(t, ctx, r, []string{"x1"}))
	}},
	{"Resolve_many", func(t *testing.T, s store.Store) {
		// More ids than one statement should bind: the store chunks them.
		r := resolver(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
		ids := make([]string, 2500)
		for i := range ids {
			ids[i] = "missing-" + itoa(i)
		}
		ids[0], ids[1111], ids[2499] = "u1", "g1", "u2"
		checkResolved(t, "ResolveMembers of 2,500 ids",
			map[string]store.MemberType{"u1": store.MemberUser, "u2": store.MemberUser, "g1": store.MemberGroup},
			mustResolve(t, ctx, r, ids))
	}},
	{"Resolve_after_delete", func(t *testing.T, s store.Store) {
		r := resolver(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		mustCreateGroup(t, ctx, s, newGroup("g2", "Other"))
		if err := s.DeleteUser(ctx, "u1", ""); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if err := s.DeleteGroup(ctx, "g2", ""); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		checkResolved(t, "ResolveMembers after deletes", map[string]store.MemberType{"u2": store.MemberUser, "g1": store.MemberGroup},
			mustResolve(t, ctx, r, []string{"u1", "u2", "g1", "g2"}))
	}},
	{"Member_types_round_trip", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 3)
		mustCreateGroup(t, ctx, s, newGroup("g2", "Nested"))
		mustCreateGroup(t, ctx, s, newGroup("g3", "Nested too"))
		g := newGroup("g1", "Admins", "u1")
		g.Members = append(g.Members, resource.Member{Value: "g2", Type: "Group"})
		checkGroup(t, "CreateGroup with a user and a group member", g, mustCreateGroup(t, ctx, s, g))
		checkGroup(t, "GetGroup", g, mustGetGroup(t, ctx, s, "g1"))
		for _, l := range listAllGroups(t, ctx, s, store.WithMembers) {
			if l.ID == "g1" {
				checkGroup(t, "ListGroups", g, l)
			}
		}
		if q, ok := s.(store.GroupQuerier); ok {
			l, err := q.QueryGroups(ctx, store.Query{Filter: mustParse(t, `id eq "g1"`), Page: store.Page{StartIndex: 1, Count: 10}})
			switch {
			case errors.Is(err, store.ErrUnsupported):
			case err != nil || len(l.Resources) != 1:
				t.Errorf("QueryGroups(id eq g1): %v, %d groups", err, len(l.Resources))
			default:
				checkGroup(t, "QueryGroups", g, l.Resources[0])
			}
		}
		if p, ok := s.(store.GroupMemberPatcher); ok {
			add := []resource.Member{{Value: "g3", Type: "Group"}, {Value: "u2", Type: "User"}}
			if _, err := p.PatchMembers(ctx, "g1", add, []string{"u1"}, ""); err != nil {
				t.Fatalf("PatchMembers: %v", err)
			}
			got := mustGetGroup(t, ctx, s, "g1")
			g.Members = append(g.Members[1:], add...)
			got.Meta.LastModified = g.Meta.LastModified // a store may update it
			checkGroup(t, "GetGroup after PatchMembers", g, got)
		}
		g.Members = []resource.Member{{Value: "u3", Type: "User"}, {Value: "g3", Type: "Group"}}
		got, err := s.ReplaceGroup(ctx, g, "")
		if err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		checkGroup(t, "ReplaceGroup", g, got)
		checkGroup(t, "GetGroup after ReplaceGroup", g, mustGetGroup(t, ctx, s, "g1"))
	}},
}
