package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// RecoveryAttempts is how many times [Unavailable] calls a method after
// restore before it requires success: a connection pool may hand out one
// connection per call that died during the outage before it dials anew.
const RecoveryAttempts = 8

// Unavailable checks the contract's rule for an unreachable backend
// (store.ErrUnavailable) on s, an empty store whose backend the test can
// take away: cut makes the backend unreachable or busy (a proxy in front
// of the database that drops its connections and refuses new ones, a lock
// held by another connection), restore brings it back.
//
// With the backend up it creates a user and a group in tenant "tenant-a";
// after cut, every method of store.Users and store.Groups and every
// optional fast path s implements must fail with an error wrapping
// store.ErrUnavailable; after restore, each must succeed again, on the same
// s, within RecoveryAttempts calls.
func Unavailable(t *testing.T, s store.Store, cut, restore func()) {
	t.Helper()
	ctx := ctxA(t)
	u, err := s.CreateUser(ctx, &resource.User{ID: "u-up", UserName: "up@example.com"})
	if err != nil {
		t.Fatalf("CreateUser with the backend up: %v", err)
	}
	g, err := s.CreateGroup(ctx, &resource.Group{ID: "g-up", DisplayName: "Up", Members: []resource.Member{{Value: u.ID, Type: "User"}}})
	if err != nil {
		t.Fatalf("CreateGroup with the backend up: %v", err)
	}
	calls := unavailableCalls(t, s, u, g)

	cut()
	cutDone := false
	defer func() {
		if !cutDone {
			restore()
		}
	}()
	for _, c := range calls {
		if err := c.call(ctx, false); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the backend cut: error %v, want one wrapping store.ErrUnavailable", c.name, err)
		}
	}
	restore()
	cutDone = true

	for _, c := range calls {
		var err error
		for range RecoveryAttempts {
			if err = c.call(ctx, true); !errors.Is(err, store.ErrUnavailable) {
				break
			}
		}
		if err != nil {
			t.Errorf("%s after restore: %v", c.name, err)
		}
	}
}

type unavailableCall struct {
	name string
	// call runs the method; up is false during the cut, true after, when
	// writes must not collide with each other's results.
	call func(ctx context.Context, up bool) error
}

// unavailableCalls lists a call of every method of s: reads of u and g,
// and writes that succeed when the backend is up.
func unavailableCalls(t *testing.T, s store.Store, u *resource.User, g *resource.Group) []unavailableCall {
	n := 0
	newID := func(prefix string) string {
		n++
		return prefix + string(rune('a'+n%26)) + string(rune('a'+n/26))
	}
	calls := []unavailableCall{
		{"GetUser", func(ctx context.Context, _ bool) error { _, err := s.GetUser(ctx, u.ID); return err }},
		{"ListUsers", func(ctx context.Context, _ bool) error {
			_, err := s.ListUsers(ctx, store.Page{StartIndex: 1, Count: 10})
			return err
		}},
		{"CreateUser", func(ctx context.Context, _ bool) error {
			id := newID("u-")
			_, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"})
			return err
		}},
		{"ReplaceUser", func(ctx context.Context, _ bool) error {
			_, err := s.ReplaceUser(ctx, &resource.User{ID: u.ID, UserName: u.UserName, DisplayName: newID("name-")}, "")
			return err
		}},
		{"GetGroup", func(ctx context.Context, _ bool) error {
			_, err := s.GetGroup(ctx, g.ID, store.WithMembers)
			return err
		}},
		{"ListGroups", func(ctx context.Context, _ bool) error {
			_, err := s.ListGroups(ctx, store.Page{StartIndex: 1, Count: 10}, store.WithMembers)
			return err
		}},
		{"CreateGroup", func(ctx context.Context, _ bool) error {
			_, err := s.CreateGroup(ctx, &resource.Group{ID: newID("g-"), DisplayName: newID("Group ")})
			return err
		}},
		{"ReplaceGroup", func(ctx context.Context, _ bool) error {
			_, err := s.ReplaceGroup(ctx, &resource.Group{ID: g.ID, DisplayName: g.DisplayName, Members: g.Members}, "")
			return err
		}},
		{"DeleteUser", func(ctx context.Context, up bool) error {
			id := newID("d-")
			if up {
				if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
					return err
				}
			}
			return s.DeleteUser(ctx, id, "")
		}},
		{"DeleteGroup", func(ctx context.Context, up bool) error {
			id := newID("dg-")
			if up {
				if _, err := s.CreateGroup(ctx, &resource.Group{ID: id, DisplayName: id}); err != nil {
					return err
				}
			}
			return s.DeleteGroup(ctx, id, "")
		}},
	}
	rt := resource.DefaultRegistry()
	if q, ok := s.(store.UserQuerier); ok {
		f, err := filter.Parse(`userName eq "up@example.com"`)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, unavailableCall{"QueryUsers", func(ctx context.Context, _ bool) error {
			_, err := q.QueryUsers(ctx, store.Query{ResourceType: rt.User, Filter: f, Page: store.Page{StartIndex: 1, Count: 10}})
			return err
		}})
	}
	if q, ok := s.(store.GroupQuerier); ok {
		f, err := filter.Parse(`displayName eq "Up"`)
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, unavailableCall{"QueryGroups", func(ctx context.Context, _ bool) error {
			_, err := q.QueryGroups(ctx, store.Query{ResourceType: rt.Group, Filter: f, Page: store.Page{StartIndex: 1, Count: 10}, Members: store.WithoutMembers})
			return err
		}})
	}
	if p, ok := s.(store.GroupMemberPatcher); ok {
		calls = append(calls, unavailableCall{"PatchMembers", func(ctx context.Context, _ bool) error {
			_, err := p.PatchMembers(ctx, g.ID, []resource.Member{{Value: u.ID, Type: "User"}}, nil, "")
			return err
		}})
	}
	if r, ok := s.(store.MemberResolver); ok {
		calls = append(calls, unavailableCall{"ResolveMembers", func(ctx context.Context, _ bool) error {
			_, err := r.ResolveMembers(ctx, []string{u.ID, g.ID})
			return err
		}})
	}
	if a, ok := s.(store.GroupAttributesReplacer); ok {
		calls = append(calls, unavailableCall{"ReplaceGroupAttributes", func(ctx context.Context, _ bool) error {
			cur, err := s.GetGroup(ctx, g.ID, store.WithoutMembers)
			if err != nil {
				return err
			}
			_, err = a.ReplaceGroupAttributes(ctx, cur, "")
			return err
		}})
	}
	return calls
}
