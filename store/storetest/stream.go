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

// streamCases check store.GroupStreamer against GetGroup.
var streamCases = []testCase{
	{"Agrees_with_GetGroup", func(t *testing.T, s store.Store) {
		gs := groupStreamer(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 10)
		mustCreateGroup(t, ctx, s, newGroup("g2", "Nested"))
		g := newGroup("g1", "Admins", "u7", "u2", "u10", "u1", "u9", "u3", "u5", "u4", "u8", "u6")
		g.Members[3].Display = "" // a member without display
		g.Members = append(g.Members, resource.Member{Value: "g2", Type: "Group", Display: "Nested"})
		mustCreateGroup(t, ctx, s, g)
		want := mustGetGroup(t, ctx, s, "g1")
		head, err := s.GetGroup(ctx, "g1", store.WithoutMembers)
		if err != nil {
			t.Fatalf("GetGroup(g1, WithoutMembers): %v", err)
		}
		// Batch sizes below, dividing, equal to and above the 11 members,
		// and 0, which means 1.
		for _, size := range []int{1, 3, 4, 11, 1000, 0} {
			got := streamAll(t, ctx, gs, "g1", size)
			checkGroup(t, fmt.Sprintf("StreamGroup(max %d) head", size), head, got.head)
			if got.head.Meta.Version != want.Meta.Version {
				t.Errorf("StreamGroup(max %d) head version %q, GetGroup's is %q", size, got.head.Meta.Version, want.Meta.Version)
			}
			if !slices.Equal(memberValues(got.members), memberValues(want.Members)) {
				t.Errorf("StreamGroup(max %d) members in order %v, GetGroup's order is %v", size, memberValues(got.members), memberValues(want.Members))
			}
			full := *got.head
			full.Members = got.members
			checkGroup(t, fmt.Sprintf("StreamGroup(max %d)", size), want, &full)
			for i, n := range got.sizes {
				if n < 1 || n > max(size, 1) {
					t.Errorf("StreamGroup(max %d): batch %d has %d members, want 1 to %d", size, i, n, max(size, 1))
				}
			}
		}
		empty := streamAll(t, ctx, gs, "g2", 3)
		checkGroup(t, "StreamGroup of a group without members", newGroup("g2", "Nested"), empty.head)
		if len(empty.sizes) != 0 {
			t.Errorf("StreamGroup of a group without members called batch %d times, want none", len(empty.sizes))
		}
	}},
	{"Not_found", func(t *testing.T, s store.Store) {
		gs := groupStreamer(t, s)
		withUsers(t, ctxA(t), s, 1)
		mustCreateGroup(t, ctxA(t), s, newGroup("g1", "Admins", "u1"))
		for _, c := range []struct {
			ctx context.Context
			id  string
		}{{ctxA(t), "g2"}, {ctxB(t), "g1"}, {t.Context(), "g1"}} {
			called := false
			err := gs.StreamGroup(c.ctx, c.id, 10,
				func(*resource.Group) error { called = true; return nil },
				func([]resource.Member) error { called = true; return nil })
			wantErr(t, fmt.Sprintf("StreamGroup(%q) in tenant %q", c.id, store.TenantFrom(c.ctx)), err, store.ErrNotFound)
			if called {
				t.Errorf("StreamGroup(%q) in tenant %q called back for a group it does not have", c.id, store.TenantFrom(c.ctx))
			}
		}
	}},
	{"Stopped_by_head", func(t *testing.T, s store.Store) {
		gs := groupStreamer(t, s)
		withUsers(t, ctxA(t), s, 3)
		mustCreateGroup(t, ctxA(t), s, newGroup("g1", "Admins", "u1", "u2", "u3"))
		stop := errors.New("stop after head")
		batches := 0
		err := gs.StreamGroup(ctxA(t), "g1", 1,
			func(*resource.Group) error { return stop },
			func([]resource.Member) error { batches++; return nil })
		if err != stop {
			t.Errorf("StreamGroup stopped by head: got %v, want head's error as it is", err)
		}
		if batches != 0 {
			t.Errorf("StreamGroup stopped by head called batch %d times", batches)
		}
	}},
	{"Stopped_by_batch", func(t *testing.T, s store.Store) {
		gs := groupStreamer(t, s)
		withUsers(t, ctxA(t), s, 5)
		mustCreateGroup(t, ctxA(t), s, newGroup("g1", "Admins", "u1", "u2", "u3", "u4", "u5"))
		stop := errors.New("stop after the second batch")
		batches := 0
		err := gs.StreamGroup(ctxA(t), "g1", 2,
			func(*resource.Group) error { return nil },
			func([]resource.Member) error {
				if batches++; batches == 2 {
					return stop
				}
				return nil
			})
		if err != stop {
			t.Errorf("StreamGroup stopped by batch: got %v, want batch's error as it is", err)
		}
		if batches != 2 {
			t.Errorf("StreamGroup called batch %d times after it returned an error on the second", batches)
		}
		// The store is usable afterwards (a transaction was ended, a lock
		// released).
		if _, err := s.ReplaceGroup(ctxA(t), newGroup("g1", "Renamed", "u1"), ""); err != nil {
			t.Errorf("ReplaceGroup after a stopped stream: %v", err)
		}
		checkGroup(t, "GetGroup after a stopped stream", newGroup("g1", "Renamed", "u1"), mustGetGroup(t, ctxA(t), s, "g1"))
	}},
	{"One_state_under_writes", func(t *testing.T, s store.Store) {
		// Writes of the group made while the stream is in its first batch
		// complete without waiting for the stream, and the stream shows
		// the group as it was when it started: its version, its name and
		// all of its members then, none of the writes.
		gs := groupStreamer(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 9)
		ids := []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", ids...))
		before := mustGetGroup(t, ctx, s, "g1")
		var wrote []string
		got := streamWith(t, ctx, gs, "g1", 2, func(n int) {
			if n != 1 {
				return
			}
			mp, ok := s.(store.GroupMemberPatcher)
			if ok {
				// Remove members of the first and the last batch, add one.
				if _, err := mp.PatchMembers(ctx, "g1", []resource.Member{member("u9")}, []string{"u1", "u8"}, ""); err != nil {
					t.Errorf("PatchMembers during a stream: %v", err)
				}
				wrote = append(wrote, "PatchMembers")
			}
			if _, err := s.ReplaceGroup(ctx, newGroup("g1", "Renamed", "u2", "u9"), ""); err != nil {
				t.Errorf("ReplaceGroup during a stream: %v", err)
			}
			wrote = append(wrote, "ReplaceGroup")
		})
		if len(wrote) == 0 {
			t.Fatal("the stream had no first batch")
		}
		full := *got.head
		full.Members = got.members
		checkGroup(t, fmt.Sprintf("StreamGroup during %v", wrote), before, &full)
		if got.head.Meta.Version != before.Meta.Version {
			t.Errorf("StreamGroup during %v: head version %q, want %q, the version of the members streamed", wrote, got.head.Meta.Version, before.Meta.Version)
		}
		after := mustGetGroup(t, ctx, s, "g1")
		checkGroup(t, "GetGroup after the stream", newGroup("g1", "Renamed", "u2", "u9"), after)
		// A stream started now sees the writes.
		now := streamAll(t, ctx, gs, "g1", 2)
		full = *now.head
		full.Members = now.members
		checkGroup(t, "StreamGroup after the writes", after, &full)
		if now.head.Meta.Version != after.Meta.Version {
			t.Errorf("StreamGroup after the writes: version %q, GetGroup's is %q", now.head.Meta.Version, after.Meta.Version)
		}
	}},
	{"Deleted_during_stream", func(t *testing.T, s store.Store) {
		gs := groupStreamer(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 4)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2", "u3", "u4"))
		before := mustGetGroup(t, ctx, s, "g1")
		got := streamWith(t, ctx, gs, "g1", 1, func(n int) {
			if n == 1 {
				if err := s.DeleteGroup(ctx, "g1", ""); err != nil {
					t.Errorf("DeleteGroup during a stream: %v", err)
				}
				if err := s.DeleteUser(ctx, "u4", ""); err != nil {
					t.Errorf("DeleteUser of a member during a stream: %v", err)
				}
			}
		})
		full := *got.head
		full.Members = got.members
		checkGroup(t, "StreamGroup during DeleteGroup", before, &full)
		_, err := s.GetGroup(ctx, "g1", store.WithMembers)
		wantErr(t, "GetGroup after the stream", err, store.ErrNotFound)
	}},
}

// streamed is what one StreamGroup call gave.
type streamed struct {
	head    *resource.Group
	members []resource.Member
	sizes   []int // of each batch
}

// streamAll streams group id with batches of max.
func streamAll(t *testing.T, ctx context.Context, gs store.GroupStreamer, id string, max int) streamed {
	t.Helper()
	return streamWith(t, ctx, gs, id, max, nil)
}

// streamWith streams group id with batches of max, calling during(n) in
// the n-th batch (1-based) after copying it. It fails the test unless
// head is called once, before every batch, with a group without members.
func streamWith(t *testing.T, ctx context.Context, gs store.GroupStreamer, id string, max int, during func(n int)) streamed {
	t.Helper()
	var got streamed
	heads := 0
	err := gs.StreamGroup(ctx, id, max,
		func(g *resource.Group) error {
			heads++
			if g == nil {
				return errors.New("head called with nil")
			}
			if len(got.sizes) > 0 {
				return errors.New("head called after a batch")
			}
			if len(g.Members) != 0 {
				return fmt.Errorf("head called with %d members, want none", len(g.Members))
			}
			c := *g
			got.head = &c
			return nil
		},
		func(ms []resource.Member) error {
			if got.head == nil {
				return errors.New("batch called before head")
			}
			got.members = append(got.members, ms...)
			got.sizes = append(got.sizes, len(ms))
			// The callee may change the batch (the handler fills Ref).
			for i := range ms {
				ms[i].Ref = "https://example.com/changed"
			}
			if during != nil {
				during(len(got.sizes))
			}
			return nil
		})
	if err != nil {
		t.Fatalf("StreamGroup(%q, %d): %v", id, max, err)
	}
	if heads != 1 {
		t.Fatalf("StreamGroup(%q, %d) called head %d times, want once", id, max, heads)
	}
	return got
}

func memberValues(ms []resource.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Value
	}
	return out
}

// groupStreamer returns the store's GroupStreamer or skips the test.
func groupStreamer(t *testing.T, s store.Store) store.GroupStreamer {
	t.Helper()
	gs, ok := s.(store.GroupStreamer)
	if !ok {
		t.Skip("the store does not implement store.GroupStreamer")
	}
	return gs
}
