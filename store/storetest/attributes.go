package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// attributeCases check store.GroupAttributesReplacer against ReplaceGroup.
var attributeCases = []testCase{
	{"Members_untouched", func(t *testing.T, s store.Store) {
		ar := attributesReplacer(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 3)
		mustCreateGroup(t, ctx, s, newGroup("g2", "Nested"))
		g := newGroup("g1", "Admins", "u1", "u2")
		g.Members = append(g.Members, resource.Member{Value: "g2", Type: "Group"})
		first := mustCreateGroup(t, ctx, s, g)
		next := newGroup("g1", "Administrators", "u3") // the members are ignored
		next.ExternalID = "ext-new"
		next.Extra = map[string]json.RawMessage{"note": json.RawMessage(`"changed"`)}
		next.Meta.LastModified = modified.Add(time.Hour)
		got, err := ar.ReplaceGroupAttributes(ctx, next, first.Meta.Version)
		if err != nil {
			t.Fatalf("ReplaceGroupAttributes: %v", err)
		}
		if got == nil {
			t.Fatal("ReplaceGroupAttributes returned nil")
		}
		if got.Meta.Version == "" || got.Meta.Version == first.Meta.Version {
			t.Errorf("ReplaceGroupAttributes version %q, want a new one (was %q)", got.Meta.Version, first.Meta.Version)
		}
		want := *next
		want.Members = nil
		checkGroup(t, "ReplaceGroupAttributes", &want, got)
		want.Members = g.Members
		stored := mustGetGroup(t, ctx, s, "g1")
		checkGroup(t, "GetGroup after ReplaceGroupAttributes", &want, stored)
		if stored.Meta.Version != got.Meta.Version {
			t.Errorf("GetGroup version %q, ReplaceGroupAttributes returned %q", stored.Meta.Version, got.Meta.Version)
		}
		checkUserGroups(t, ctx, s, "u1", ref("g1", "Administrators"))
		checkUserGroups(t, ctx, s, "u3")
	}},
	{"Version_mismatch", func(t *testing.T, s store.Store) {
		ar := attributesReplacer(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 1)
		first := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		second, err := ar.ReplaceGroupAttributes(ctx, newGroup("g1", "Admins 2"), "")
		if err != nil {
			t.Fatalf("ReplaceGroupAttributes without a version: %v", err)
		}
		_, err = ar.ReplaceGroupAttributes(ctx, newGroup("g1", "Stale"), first.Meta.Version)
		wantErr(t, "ReplaceGroupAttributes with a stale version", err, store.ErrPreconditionFailed)
		_, err = ar.ReplaceGroupAttributes(ctx, newGroup("g1", "Stale"), "not a version")
		wantErr(t, "ReplaceGroupAttributes with a version never issued", err, store.ErrPreconditionFailed)
		checkGroup(t, "GetGroup after the refused ReplaceGroupAttributes", newGroup("g1", "Admins 2", "u1"), mustGetGroup(t, ctx, s, "g1"))
		// The other writes see its version.
		_, err = s.ReplaceGroup(ctx, newGroup("g1", "Admins"), first.Meta.Version)
		wantErr(t, "ReplaceGroup with the version before ReplaceGroupAttributes", err, store.ErrPreconditionFailed)
		if _, err := s.ReplaceGroup(ctx, newGroup("g1", "Admins 3", "u1"), second.Meta.Version); err != nil {
			t.Errorf("ReplaceGroup with ReplaceGroupAttributes' version: %v", err)
		}
		if err := s.DeleteGroup(ctx, "g1", second.Meta.Version); !errors.Is(err, store.ErrPreconditionFailed) {
			t.Errorf("DeleteGroup with a stale version: got %v, want ErrPreconditionFailed", err)
		}
	}},
	{"Duplicate_displayName_allowed", func(t *testing.T, s store.Store) {
		// A rename is a write like ReplaceGroup's: where the context allows
		// duplicate names it takes a name another group has, and without
		// it the name is refused.
		ar := attributesReplacer(t, s)
		ctx := ctxA(t)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
		mustCreateGroup(t, ctx, s, newGroup("g2", "Ops"))
		_, err := ar.ReplaceGroupAttributes(ctx, newGroup("g2", "ADMINS"), "")
		wantErr(t, "ReplaceGroupAttributes to a taken displayName", err, store.ErrConflict)
		got, err := ar.ReplaceGroupAttributes(store.WithDuplicateGroupNames(ctx), newGroup("g2", "ADMINS"), "")
		if err != nil {
			t.Fatalf("ReplaceGroupAttributes to a taken displayName, duplicates allowed: %v", err)
		}
		checkGroup(t, "ReplaceGroupAttributes, duplicates allowed", newGroup("g2", "ADMINS"), got)
		checkGroup(t, "GetGroup after it", newGroup("g2", "ADMINS"), mustGetGroup(t, ctx, s, "g2"))
	}},
	{"Not_found", func(t *testing.T, s store.Store) {
		ar := attributesReplacer(t, s)
		mustCreateGroup(t, ctxA(t), s, newGroup("g1", "Admins"))
		_, err := ar.ReplaceGroupAttributes(ctxA(t), newGroup("g2", "Other"), "")
		wantErr(t, "ReplaceGroupAttributes(g2)", err, store.ErrNotFound)
		_, err = ar.ReplaceGroupAttributes(ctxB(t), newGroup("g1", "Other"), "")
		wantErr(t, "ReplaceGroupAttributes from another tenant", err, store.ErrNotFound)
		checkGroup(t, "GetGroup in the owning tenant", newGroup("g1", "Admins"), mustGetGroup(t, ctxA(t), s, "g1"))
	}},
	{"Conflicts_as_replace", func(t *testing.T, s store.Store) {
		// Whatever uniqueness ReplaceGroup enforces, ReplaceGroupAttributes
		// enforces too: the same renames run through each, in tenants A
		// and B.
		ar := attributesReplacer(t, s)
		a, b := ctxA(t), ctxB(t)
		for _, ctx := range []context.Context{a, b} {
			mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
			mustCreateGroup(t, ctx, s, newGroup("g2", "Sales"))
		}
		for _, name := range []string{"Admins", "ADMINS", "Sales", "Support"} {
			next := newGroup("g2", name)
			_, errA := s.ReplaceGroup(a, next, "")
			_, errB := ar.ReplaceGroupAttributes(b, next, "")
			if errors.Is(errA, store.ErrConflict) != errors.Is(errB, store.ErrConflict) || (errA == nil) != (errB == nil) {
				t.Errorf("renaming g2 to %q: ReplaceGroup says %v, ReplaceGroupAttributes %v", name, errA, errB)
			}
		}
	}},
}

func attributesReplacer(t *testing.T, s store.Store) store.GroupAttributesReplacer {
	t.Helper()
	ar, ok := s.(store.GroupAttributesReplacer)
	if !ok {
		t.Skip("the store does not implement store.GroupAttributesReplacer")
	}
	return ar
}
