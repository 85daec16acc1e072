package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// checkUserGroups checks GetUser(id).Groups and the same user in ListUsers.
func checkUserGroups(t *testing.T, ctx context.Context, s store.Store, id string, want ...resource.GroupRef) {
	t.Helper()
	got := normUser(mustGetUser(t, ctx, s, id))
	if d := diff(wantGroups(want), got.Groups); d != "" {
		t.Errorf("GetUser(%s).Groups differ:\n%s", id, d)
	}
	for _, u := range listAllUsers(t, ctx, s) {
		if u.ID == id {
			if d := diff(wantGroups(want), normUser(u).Groups); d != "" {
				t.Errorf("ListUsers: %s.Groups differ:\n%s", id, d)
			}
		}
	}
}

func wantGroups(refs []resource.GroupRef) []resource.GroupRef {
	return normUser(&resource.User{Groups: refs}).Groups
}

// checkMembers checks the member values of group id.
func checkMembers(t *testing.T, ctx context.Context, s store.Store, id string, want ...string) {
	t.Helper()
	g := mustGetGroup(t, ctx, s, id)
	var got []string
	for _, m := range g.Members {
		got = append(got, m.Value)
	}
	if !sameSet(got, want) || len(got) != len(want) {
		t.Errorf("group %s has members %q, want %q", id, got, want)
	}
}

var membershipCases = []testCase{
	{"User_groups_derived", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 3)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2"))
		mustCreateGroup(t, ctx, s, newGroup("g2", "Engineering", "u1"))
		checkUserGroups(t, ctx, s, "u1", ref("g1", "Admins"), ref("g2", "Engineering"))
		checkUserGroups(t, ctx, s, "u2", ref("g1", "Admins"))
		checkUserGroups(t, ctx, s, "u3")
		// Renaming a group changes the display of its members' groups.
		if _, err := s.ReplaceGroup(ctx, newGroup("g2", "Platform", "u1", "u3"), ""); err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		checkUserGroups(t, ctx, s, "u1", ref("g1", "Admins"), ref("g2", "Platform"))
		checkUserGroups(t, ctx, s, "u3", ref("g2", "Platform"))
	}},
	{"Member_removed_by_replace", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2"))
		if _, err := s.ReplaceGroup(ctx, newGroup("g1", "Admins", "u2"), ""); err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		checkUserGroups(t, ctx, s, "u1")
		checkUserGroups(t, ctx, s, "u2", ref("g1", "Admins"))
	}},
	{"Group_deleted", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2"))
		mustCreateGroup(t, ctx, s, newGroup("g2", "Engineering", "u1"))
		if err := s.DeleteGroup(ctx, "g1", ""); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		checkUserGroups(t, ctx, s, "u1", ref("g2", "Engineering"))
		checkUserGroups(t, ctx, s, "u2")
	}},
	{"User_deleted", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2"))
		mustCreateGroup(t, ctx, s, newGroup("g2", "Engineering", "u1"))
		if err := s.DeleteUser(ctx, "u1", ""); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		checkMembers(t, ctx, s, "g1", "u2")
		checkMembers(t, ctx, s, "g2")
	}},
	{"Concurrent_replace", func(t *testing.T, s store.Store) {
		concurrentAdds(t, s, func(ctx context.Context, id string) error {
			for range 1000 {
				g, err := s.GetGroup(ctx, "g1", store.WithMembers)
				if err != nil {
					return err
				}
				g.Members = append(g.Members, member(id))
				_, err = s.ReplaceGroup(ctx, g, g.Meta.Version)
				if !errors.Is(err, store.ErrPreconditionFailed) {
					return err
				}
			}
			return fmt.Errorf("adding %s: still ErrPreconditionFailed after 1000 attempts", id)
		})
	}},
}

// concurrentAdds creates 50 users and an empty group g1, then adds each
// user to g1 with add, from 8 goroutines; the group must end with all 50.
func concurrentAdds(t *testing.T, s store.Store, add func(ctx context.Context, id string) error) {
	ctx := ctxA(t)
	const users, workers = 50, 8
	withUsers(t, ctx, s, users)
	mustCreateGroup(t, ctx, s, newGroup("g1", "Everyone"))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w + 1; i <= users; i += workers {
				if err := add(ctx, "u"+itoa(i)); err != nil {
					t.Errorf("adding u%d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := make([]string, users)
	for i := range want {
		want[i] = "u" + itoa(i+1)
	}
	checkMembers(t, ctx, s, "g1", want...)
	checkUserGroups(t, ctx, s, "u17", ref("g1", "Everyone"))
}

var tenantCases = []testCase{
	{"Isolation", func(t *testing.T, s store.Store) {
		a, b := ctxA(t), ctxB(t)
		withUsers(t, a, s, 1)
		mustCreateGroup(t, a, s, newGroup("g1", "Admins", "u1"))
		_, err := s.GetUser(b, "u1")
		wantErr(t, "GetUser from another tenant", err, store.ErrNotFound)
		_, err = s.GetGroup(b, "g1", store.WithMembers)
		wantErr(t, "GetGroup from another tenant", err, store.ErrNotFound)
		_, err = s.ReplaceUser(b, plainUser("u1", "x"), "")
		wantErr(t, "ReplaceUser from another tenant", err, store.ErrNotFound)
		_, err = s.ReplaceGroup(b, newGroup("g1", "x"), "")
		wantErr(t, "ReplaceGroup from another tenant", err, store.ErrNotFound)
		wantErr(t, "DeleteUser from another tenant", s.DeleteUser(b, "u1", ""), store.ErrNotFound)
		wantErr(t, "DeleteGroup from another tenant", s.DeleteGroup(b, "g1", ""), store.ErrNotFound)
		if p, ok := s.(store.GroupMemberPatcher); ok {
			_, err := p.PatchMembers(b, "g1", []resource.Member{member("u9")}, nil, "")
			wantErr(t, "PatchMembers from another tenant", err, store.ErrNotFound)
		}
		if l, err := s.ListUsers(b, store.Page{StartIndex: 1, Count: 10}); err != nil || l.TotalResults != 0 || len(l.Resources) != 0 {
			t.Errorf("ListUsers in another tenant: %v, total %d, %d users; want none", err, l.TotalResults, len(l.Resources))
		}
		if l, err := s.ListGroups(b, store.Page{StartIndex: 1, Count: 10}, store.WithMembers); err != nil || l.TotalResults != 0 || len(l.Resources) != 0 {
			t.Errorf("ListGroups in another tenant: %v, total %d, %d groups; want none", err, l.TotalResults, len(l.Resources))
		}
		queryIsolation(t, s, b)
		// Tenant A is untouched, and the empty tenant is a tenant of its own.
		checkUser(t, "GetUser in the owning tenant", wantUser(plainUser("u1", "user1"), ref("g1", "Admins")), mustGetUser(t, a, s, "u1"))
		checkMembers(t, a, s, "g1", "u1")
		_, err = s.GetUser(t.Context(), "u1")
		wantErr(t, "GetUser in the empty tenant", err, store.ErrNotFound)
	}},
}
