package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// activeString shows an Active value: "unassigned", "true" or "false".
func activeString(a *bool) string {
	if a == nil {
		return "unassigned"
	}
	return fmt.Sprint(*a)
}

// checkActive fails unless got's Active is want's, nil included.
func checkActive(t *testing.T, op string, want *bool, got *resource.User) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no user", op)
		return
	}
	if (want == nil) != (got.Active == nil) || (want != nil && *want != *got.Active) {
		t.Errorf("%s: active %s, want %s", op, activeString(got.Active), activeString(want))
	}
}

// memberKey is a member as the kit compares it in the round-trip cases:
// Ref belongs to the handler, Display and Type to the client.
type memberKey struct{ Value, Display, Type string }

func memberKeys(ms []resource.Member) []memberKey {
	out := []memberKey{}
	for _, m := range ms {
		out = append(out, memberKey{m.Value, m.Display, m.Type})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

func checkMemberDisplays(t *testing.T, op string, want []resource.Member, got *resource.Group) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no group", op)
		return
	}
	if w, g := memberKeys(want), memberKeys(got.Members); !slices.Equal(w, g) {
		t.Errorf("%s: members %+v, want %+v", op, g, w)
	}
}

// roundTripCases hold a store to returning what was written, where the
// difference between an absent value and a default matters: an
// unassigned User.Active is not true (a deactivated user whose active is
// removed must not come back active), and a member's display is kept.
var roundTripCases = []testCase{
	{"Active_unassigned_false_true", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		values := map[string]*bool{"u1": nil, "u2": boolPtr(false), "u3": boolPtr(true)}
		var written []*resource.User
		for _, id := range []string{"u1", "u2", "u3"} {
			u := plainUser(id, "user-"+id)
			u.Active = values[id]
			written = append(written, u)
			checkActive(t, "CreateUser("+id+")", values[id], mustCreateUser(t, ctx, s, u))
			checkActive(t, "GetUser("+id+")", values[id], mustGetUser(t, ctx, s, id))
		}
		for _, u := range listAllUsers(t, ctx, s) {
			checkActive(t, "ListUsers, "+u.ID, values[u.ID], u)
		}
		q, ok := s.(store.UserQuerier)
		if !ok {
			return
		}
		rt := registry(t).User
		for _, fs := range []string{`active eq true`, `active eq false`, `not (active eq true)`, `not (active eq false)`, `active pr`, `not (active pr)`} {
			e := mustParse(t, fs)
			var want []string
			for _, u := range written {
				ok, err := filter.Match(e, rt, u)
				if err != nil {
					t.Fatalf("filter.Match(%q): %v", fs, err)
				}
				if ok {
					want = append(want, u.ID)
				}
			}
			got, err := q.QueryUsers(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 10}})
			if errors.Is(err, store.ErrUnsupported) {
				continue
			}
			if err != nil {
				t.Errorf("QueryUsers(%q): %v", fs, err)
				continue
			}
			if g := userIDs(got.Resources); !sameSet(g, want) || got.TotalResults != len(want) {
				t.Errorf("QueryUsers(%q): ids %q (total %d), want %q", fs, g, got.TotalResults, want)
			}
			for _, u := range got.Resources {
				checkActive(t, fmt.Sprintf("QueryUsers(%q), %s", fs, u.ID), values[u.ID], u)
			}
		}
	}},
	{"Active_removed_after_deactivation", func(t *testing.T, s store.Store) {
		// The sequence of an IdP that deactivates a user and then removes
		// the attribute (PATCH remove active), and back.
		ctx := ctxA(t)
		u := plainUser("u1", "user1")
		u.Active = boolPtr(true)
		cur := mustCreateUser(t, ctx, s, u)
		for _, next := range []*bool{boolPtr(false), nil, boolPtr(false), boolPtr(true), nil, boolPtr(true)} {
			u := plainUser("u1", "user1")
			u.Active = next
			op := fmt.Sprintf("ReplaceUser(active %s -> %s)", activeString(cur.Active), activeString(next))
			got, err := s.ReplaceUser(ctx, u, cur.Meta.Version)
			if err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			checkActive(t, op, next, got)
			cur = mustGetUser(t, ctx, s, "u1")
			checkActive(t, "GetUser after "+op, next, cur)
		}
	}},
	{"Member_display", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 4)
		g := newGroup("g1", "Admins")
		g.Members = []resource.Member{
			{Value: "u1", Display: "Ada Lovelace", Type: "User"},
			{Value: "u2", Type: "User"},
			{Value: "u3", Display: "user3@example.com", Type: "User"},
		}
		created := mustCreateGroup(t, ctx, s, g)
		checkMemberDisplays(t, "CreateGroup", g.Members, created)
		checkMemberDisplays(t, "GetGroup", g.Members, mustGetGroup(t, ctx, s, "g1"))
		for _, lg := range listAllGroups(t, ctx, s, store.WithMembers) {
			checkMemberDisplays(t, "ListGroups", g.Members, lg)
		}
		if q, ok := s.(store.GroupQuerier); ok {
			l, err := q.QueryGroups(ctx, store.Query{Filter: mustParse(t, `displayName eq "Admins"`), Page: store.Page{StartIndex: 1, Count: 10}})
			switch {
			case errors.Is(err, store.ErrUnsupported):
			case err != nil:
				t.Errorf("QueryGroups: %v", err)
			case len(l.Resources) != 1:
				t.Errorf("QueryGroups(displayName eq \"Admins\"): %d groups, want 1", len(l.Resources))
			default:
				checkMemberDisplays(t, "QueryGroups", g.Members, l.Resources[0])
			}
		}

		next := newGroup("g1", "Admins")
		next.Members = []resource.Member{
			{Value: "u1", Display: "Ada King", Type: "User"},
			{Value: "u2", Display: "Bob", Type: "User"},
			{Value: "u3", Type: "User"},
		}
		got, err := s.ReplaceGroup(ctx, next, created.Meta.Version)
		if err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		checkMemberDisplays(t, "ReplaceGroup", next.Members, got)
		after := mustGetGroup(t, ctx, s, "g1")
		checkMemberDisplays(t, "GetGroup after ReplaceGroup", next.Members, after)

		p, ok := s.(store.GroupMemberPatcher)
		if !ok {
			return
		}
		added := resource.Member{Value: "u4", Display: "Dana", Type: "User"}
		if _, err := p.PatchMembers(ctx, "g1", []resource.Member{added}, []string{"u2"}, after.Meta.Version); err != nil {
			t.Fatalf("PatchMembers: %v", err)
		}
		want := []resource.Member{next.Members[0], next.Members[2], added}
		checkMemberDisplays(t, "GetGroup after PatchMembers", want, mustGetGroup(t, ctx, s, "g1"))
	}},
}
