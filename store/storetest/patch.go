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

func patcher(t *testing.T, s store.Store) store.GroupMemberPatcher {
	t.Helper()
	p, ok := s.(store.GroupMemberPatcher)
	if !ok {
		t.Skip("the store does not implement store.GroupMemberPatcher")
	}
	return p
}

// patchStep is one PatchMembers call of a script.
type patchStep struct {
	add    []string
	remove []string
}

var patchScript = []patchStep{
	{add: []string{"u1", "u2"}},
	{add: []string{"u3"}, remove: []string{"u1"}},
	{add: []string{"u2"}},          // already present
	{remove: []string{"u9", "u1"}}, // absent
	{add: []string{"u1", "u4"}, remove: []string{"u1"}},
	{add: []string{"g9"}, remove: []string{"u2", "u3"}}, // a nested group
	{remove: []string{"u4", "g9", "u1"}},
}

func members(ids []string) []resource.Member {
	var ms []resource.Member
	for _, id := range ids {
		m := member(id)
		if id[0] == 'g' {
			m.Type = "Group"
		}
		ms = append(ms, m)
	}
	return ms
}

// replaceMembers is the generic path of PatchMembers: remove, then add the
// members not present, through GetGroup and ReplaceGroup.
func replaceMembers(ctx context.Context, s store.Store, id string, step patchStep) error {
	g, err := s.GetGroup(ctx, id, store.WithMembers)
	if err != nil {
		return err
	}
	var kept []resource.Member
	for _, m := range g.Members {
		if !slices.Contains(step.remove, m.Value) {
			kept = append(kept, m)
		}
	}
	for _, m := range members(step.add) {
		if !slices.ContainsFunc(kept, func(k resource.Member) bool { return k.Value == m.Value }) {
			kept = append(kept, m)
		}
	}
	g.Members = kept
	_, err = s.ReplaceGroup(ctx, g, g.Meta.Version)
	return err
}

var patchCases = []testCase{
	{"Add_and_remove", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 3)
		g := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		v, err := p.PatchMembers(ctx, "g1", members([]string{"u2", "u3"}), []string{"u1"}, g.Meta.Version)
		if err != nil {
			t.Fatalf("PatchMembers: %v", err)
		}
		got := mustGetGroup(t, ctx, s, "g1")
		if v == "" || v == g.Meta.Version || got.Meta.Version != v {
			t.Errorf("PatchMembers returned version %q (was %q), GetGroup has %q; want a new version, the same in both",
				v, g.Meta.Version, got.Meta.Version)
		}
		want := newGroup("g1", "Admins", "u2", "u3")
		got.Meta.LastModified = want.Meta.LastModified // a store may update it
		checkGroup(t, "GetGroup after PatchMembers", want, got)
		checkUserGroups(t, ctx, s, "u1")
		checkUserGroups(t, ctx, s, "u2", ref("g1", "Admins"))
	}},
	{"Idempotent", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		for i := range 2 {
			if _, err := p.PatchMembers(ctx, "g1", members([]string{"u1"}), []string{"u2"}, ""); err != nil {
				t.Fatalf("PatchMembers #%d adding a present member and removing an absent one: %v", i+1, err)
			}
		}
		got := mustGetGroup(t, ctx, s, "g1")
		want := newGroup("g1", "Admins", "u1")
		got.Meta.LastModified = want.Meta.LastModified
		checkGroup(t, "GetGroup", want, got)
	}},
	{"Not_found", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		mustCreateGroup(t, ctxA(t), s, newGroup("g1", "Admins"))
		_, err := p.PatchMembers(ctxA(t), "g2", members([]string{"u1"}), nil, "")
		wantErr(t, "PatchMembers(g2)", err, store.ErrNotFound)
	}},
	{"Version_mismatch", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 2)
		first := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
		v, err := p.PatchMembers(ctx, "g1", members([]string{"u1"}), nil, first.Meta.Version)
		if err != nil {
			t.Fatalf("PatchMembers with the current version: %v", err)
		}
		_, err = p.PatchMembers(ctx, "g1", members([]string{"u2"}), nil, first.Meta.Version)
		wantErr(t, "PatchMembers with a stale version", err, store.ErrPreconditionFailed)
		checkMembers(t, ctx, s, "g1", "u1")
		if got := mustGetGroup(t, ctx, s, "g1").Meta.Version; got != v {
			t.Errorf("version %q after a refused PatchMembers, want %q", got, v)
		}
		// ReplaceGroup sees PatchMembers' version.
		_, err = s.ReplaceGroup(ctx, newGroup("g1", "Admins"), first.Meta.Version)
		wantErr(t, "ReplaceGroup with the version before PatchMembers", err, store.ErrPreconditionFailed)
	}},
	{"Agrees_with_replace", func(t *testing.T, s store.Store) {
		// The same script runs through PatchMembers in tenant A and through
		// GetGroup and ReplaceGroup in tenant B.
		p := patcher(t, s)
		a, b := ctxA(t), ctxB(t)
		for _, ctx := range []context.Context{a, b} {
			withUsers(t, ctx, s, 4)
			mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
			mustCreateGroup(t, ctx, s, newGroup("g9", "Nested"))
		}
		for i, step := range patchScript {
			if _, err := p.PatchMembers(a, "g1", members(step.add), step.remove, ""); err != nil {
				t.Fatalf("step %d: PatchMembers: %v", i, err)
			}
			if err := replaceMembers(b, s, "g1", step); err != nil {
				t.Fatalf("step %d: GetGroup and ReplaceGroup: %v", i, err)
			}
			ga, gb := mustGetGroup(t, a, s, "g1"), mustGetGroup(t, b, s, "g1")
			ga.Meta.LastModified = gb.Meta.LastModified
			checkGroup(t, fmt.Sprintf("step %d: PatchMembers vs ReplaceGroup", i), gb, ga)
			for u := 1; u <= 4; u++ {
				id := "u" + itoa(u)
				ua, ub := mustGetUser(t, a, s, id), mustGetUser(t, b, s, id)
				if d := diff(normUser(ub).Groups, normUser(ua).Groups); d != "" {
					t.Errorf("step %d: %s.Groups after PatchMembers vs ReplaceGroup:\n%s", i, id, d)
				}
			}
		}
	}},
	{"Concurrent", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		concurrentAdds(t, s, func(ctx context.Context, id string) error {
			for range 1000 {
				g, err := s.GetGroup(ctx, "g1", store.WithoutMembers)
				if err != nil {
					return err
				}
				_, err = p.PatchMembers(ctx, "g1", []resource.Member{member(id)}, nil, g.Meta.Version)
				if !errors.Is(err, store.ErrPreconditionFailed) {
					return err
				}
			}
			return fmt.Errorf("adding %s: still ErrPreconditionFailed after 1000 attempts", id)
		})
	}},
	{"Concurrent_unconditional", func(t *testing.T, s store.Store) {
		p := patcher(t, s)
		concurrentAdds(t, s, func(ctx context.Context, id string) error {
			_, err := p.PatchMembers(ctx, "g1", []resource.Member{member(id)}, nil, "")
			return err
		})
	}},
}
