package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store"
)

// racers is the number of goroutines of the concurrent cases, as many as
// an IdP's parallel provisioning sends at once.
const racers = 16

// foldVariants are spellings of a name that filter.Fold treats as one
// name (same) or as two: the first is created, then the second.
var foldVariants = []struct {
	name string
	a, b string
	same bool
}{
	{"ASCII_case", "BJensen@Example.COM", "bjensen@example.com", true},
	{"Kelvin_sign", "\u212Aai@example.com", "kai@example.com", true},
	{"Kelvin_sign_after_k", "kai@example.com", "\u212Aai@example.com", true},
	{"long_s", "\u017Fam@example.com", "sam@example.com", true},
	{"long_s_after_S", "Sam@example.com", "\u017Fam@example.com", true},
	{"final_sigma", "\u039F\u0394\u03A5\u03A3\u03A3\u0395\u03A5\u03A3", "\u03BF\u03B4\u03C5\u03C3\u03C3\u03B5\u03C5\u03C2", true},
	{"sigma_and_final_sigma", "\u03C3\u03BF\u03C6\u03B9\u03B1", "\u03C2\u03BF\u03C6\u03B9\u03B1", true},
	{"dotted_I_then_i", "\u0130zel@example.com", "izel@example.com", false},
	{"dotted_I_then_I", "\u0130zel@example.com", "Izel@example.com", false},
	{"dotless_i_then_i", "\u0131zel@example.com", "izel@example.com", false},
	{"I_then_dotless_i", "Izel@example.com", "\u0131zel@example.com", false},
	{"sharp_s_and_capital_sharp_s", "stra\u00DFe", "STRA\u1E9EE", true},
	{"sharp_s_is_not_ss", "stra\u00DFe", "STRASSE", false},
	{"DZ_caron_title_and_lower", "\u01C5emal", "\u01C6emal", true},
	{"DZ_caron_upper_and_title", "\u01C4EMAL", "\u01C5emal", true},
	{"DZ_caron_is_not_D_Z_caron", "\u01C6emal", "d\u017Eemal", false},
	{"NFC_case", "JOS\u00C9", "jos\u00E9", true},
	{"NFC_is_not_NFD", "Jos\u00E9", "Jose\u0301", false},
}

var identityCases = []testCase{
	{"Concurrent_create_userName", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		names := caseVariants("Racer@Example.com")
		errs := race(func(i int) error {
			_, err := s.CreateUser(ctx, plainUser("u"+itoa(i+1), names[i%len(names)]))
			return err
		})
		checkOneWinner(t, "CreateUser of one userName", errs)
		if n := len(listAllUsers(t, ctx, s)); n != 1 {
			t.Errorf("after %d concurrent creates of one userName the tenant has %d users, want 1", racers, n)
		}
	}},
	{"Concurrent_create_displayName", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		names := caseVariants("Admins")
		errs := race(func(i int) error {
			_, err := s.CreateGroup(ctx, newGroup("g"+itoa(i+1), names[i%len(names)]))
			return err
		})
		checkOneWinner(t, "CreateGroup of one displayName", errs)
		if n := len(listAllGroups(t, ctx, s, store.WithoutMembers)); n != 1 {
			t.Errorf("after %d concurrent creates of one displayName the tenant has %d groups, want 1", racers, n)
		}
	}},
	{"Concurrent_rename_displayName", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		for i := range racers {
			mustCreateGroup(t, ctx, s, newGroup("g"+itoa(i+1), "team "+itoa(i+1)))
		}
		names := caseVariants("Admins")
		errs := race(func(i int) error {
			_, err := s.ReplaceGroup(ctx, newGroup("g"+itoa(i+1), names[i%len(names)]), "")
			return err
		})
		checkOneWinner(t, "ReplaceGroup to one displayName", errs)
		n := 0
		for _, g := range listAllGroups(t, ctx, s, store.WithoutMembers) {
			if filter.Fold(g.DisplayName) == "admins" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("after %d concurrent renames to one displayName %d groups have it, want 1", racers, n)
		}
	}},
	{"Duplicate_displayName", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins"))
		_, err := s.CreateGroup(ctx, newGroup("g2", "ADMINS"))
		wantErr(t, "CreateGroup with a taken displayName", err, store.ErrConflict)
		mustCreateGroup(t, ctx, s, newGroup("g3", "Auditors"))
		_, err = s.ReplaceGroup(ctx, newGroup("g3", "admins"), "")
		wantErr(t, "ReplaceGroup to a taken displayName", err, store.ErrConflict)
		checkGroup(t, "GetGroup after the refused ReplaceGroup", newGroup("g3", "Auditors"), mustGetGroup(t, ctx, s, "g3"))
		if _, err := s.ReplaceGroup(ctx, newGroup("g1", "ADMINS"), ""); err != nil {
			t.Errorf("ReplaceGroup changing the case of the group's own displayName: %v", err)
		}
		// Names are per tenant, and free again once renamed or deleted.
		mustCreateGroup(t, ctxB(t), s, newGroup("g1", "admins"))
		if _, err := s.ReplaceGroup(ctx, newGroup("g1", "Administrators"), ""); err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		mustCreateGroup(t, ctx, s, newGroup("g4", "Admins"))
		if err := s.DeleteGroup(ctx, "g3", ""); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		mustCreateGroup(t, ctx, s, newGroup("g5", "AUDITORS"))
		if l := listAllGroups(t, ctx, s, store.WithoutMembers); !slices.Equal(groupIDs(l), []string{"g1", "g4", "g5"}) {
			t.Errorf("groups %q, want [g1 g4 g5]", groupIDs(l))
		}
	}},
	{"Duplicate_displayName_allowed", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		withUsers(t, ctx, s, 1)
		dup := store.WithDuplicateGroupNames(ctx)
		errs := race(func(i int) error {
			_, err := s.CreateGroup(dup, newGroup("g"+itoa(i+1), "Admins"))
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("CreateGroup %d of one displayName with duplicates allowed: %v", i+1, err)
			}
		}
		mustCreateGroup(t, dup, s, newGroup("h1", "Auditors"))
		if _, err := s.ReplaceGroup(dup, newGroup("h1", "ADMINS"), ""); err != nil {
			t.Errorf("ReplaceGroup to a taken displayName with duplicates allowed: %v", err)
		}
		if n := len(listAllGroups(t, ctx, s, store.WithoutMembers)); n != racers+1 {
			t.Errorf("%d groups, want %d", n, racers+1)
		}
		// Without the allowance the name is taken, but the groups that
		// share it stay writable under their name.
		_, err := s.CreateGroup(ctx, newGroup("h2", "admins"))
		wantErr(t, "CreateGroup of a name duplicate groups have", err, store.ErrConflict)
		mustCreateGroup(t, ctx, s, newGroup("h3", "Readers"))
		_, err = s.ReplaceGroup(ctx, newGroup("h3", "Admins"), "")
		wantErr(t, "ReplaceGroup to a name duplicate groups have", err, store.ErrConflict)
		g := newGroup("g2", "ADMINS", "u1")
		got, err := s.ReplaceGroup(ctx, g, "")
		if err != nil {
			t.Fatalf("ReplaceGroup of a duplicate keeping its name: %v", err)
		}
		checkGroup(t, "ReplaceGroup of a duplicate keeping its name", g, got)
		// The first group that leaves the name does not make the name
		// free while another duplicate has it.
		if _, err := s.ReplaceGroup(ctx, newGroup("g1", "Owners"), ""); err != nil {
			t.Fatalf("ReplaceGroup: %v", err)
		}
		_, err = s.CreateGroup(ctx, newGroup("h4", "Admins"))
		wantErr(t, "CreateGroup of a name duplicate groups still have", err, store.ErrConflict)
	}},
	{"Fold_variants", func(t *testing.T, s store.Store) {
		// For each pair, "the second create is ErrConflict" and "a lookup
		// with the second name finds the first" must agree, for userName
		// and group displayName, in the querier and in the generic path.
		reg := registry(t)
		for i, v := range foldVariants {
			ctx := store.WithTenant(t.Context(), "fold-"+itoa(i))
			mustCreateUser(t, ctx, s, plainUser("u1", v.a))
			_, err := s.CreateUser(ctx, plainUser("u2", v.b))
			checkVariant(t, v.name, "CreateUser", v.a, v.b, v.same, err)
			mustCreateGroup(t, ctx, s, newGroup("g1", v.a))
			_, err = s.CreateGroup(ctx, newGroup("g2", v.b))
			checkVariant(t, v.name, "CreateGroup", v.a, v.b, v.same, err)
			want := []string{"2"}
			if v.same {
				want = []string{"1"}
			}
			users, groups := listAllUsers(t, ctx, s), listAllGroups(t, ctx, s, store.WithoutMembers)
			for _, op := range []string{"eq", "sw", "co"} {
				e := mustParse(t, fmt.Sprintf("userName %s %q", op, v.b))
				checkLookup(t, v.name, e, want, "u", userIDs(fallback(t, reg.User, users, e, sortSpec{})), nil)
				if q, ok := s.(store.UserQuerier); ok {
					l, err := q.QueryUsers(ctx, store.Query{ResourceType: reg.User, Filter: e, Page: store.Page{StartIndex: 1, Count: 10}})
					checkLookup(t, v.name+" QueryUsers", e, want, "u", userIDs(l.Resources), err)
				}
				e = mustParse(t, fmt.Sprintf("displayName %s %q", op, v.b))
				checkLookup(t, v.name, e, want, "g", groupIDs(fallback(t, reg.Group, groups, e, sortSpec{})), nil)
				if q, ok := s.(store.GroupQuerier); ok {
					l, err := q.QueryGroups(ctx, store.Query{ResourceType: reg.Group, Filter: e, Page: store.Page{StartIndex: 1, Count: 10}, Members: store.WithoutMembers})
					checkLookup(t, v.name+" QueryGroups", e, want, "g", groupIDs(l.Resources), err)
				}
			}
			// A rename to the other spelling conflicts just the same.
			if !v.same {
				_, err = s.ReplaceUser(ctx, plainUser("u2", v.a), "")
				checkVariant(t, v.name, "ReplaceUser", v.b, v.a, true, err)
				_, err = s.ReplaceGroup(ctx, newGroup("g2", v.a), "")
				checkVariant(t, v.name, "ReplaceGroup", v.b, v.a, true, err)
			}
		}
	}},
}

// caseVariants returns spellings of name that differ in case only.
func caseVariants(name string) []string {
	up, low := []byte(name), []byte(name)
	for i, c := range up {
		if 'a' <= c && c <= 'z' {
			up[i] = c - 'a' + 'A'
		}
		if 'A' <= c && c <= 'Z' {
			low[i] = c - 'A' + 'a'
		}
	}
	return []string{name, string(up), string(low)}
}

// race runs fn(0) .. fn(racers-1) at once and returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// checkOneWinner fails unless exactly one of errs is nil and the others
// are ErrConflict.
func checkOneWinner(t *testing.T, op string, errs []error) {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s, writer %d: %v, want nil or ErrConflict", op, i+1, err)
		}
	}
	if wins != 1 {
		t.Errorf("%s from %d goroutines: %d succeeded, want exactly 1", op, len(errs), wins)
	}
}

func checkVariant(t *testing.T, variant, op, first, second string, same bool, err error) {
	t.Helper()
	switch {
	case same && !errors.Is(err, store.ErrConflict):
		t.Errorf("%s: %s(%q) after %q: %v, want ErrConflict (filter.Fold keys are equal)", variant, op, second, first, err)
	case !same && err != nil:
		t.Errorf("%s: %s(%q) after %q: %v, want success (filter.Fold keys differ)", variant, op, second, first, err)
	}
}

func checkLookup(t *testing.T, variant string, e filter.Expr, want []string, prefix string, got []string, err error) {
	t.Helper()
	if errors.Is(err, store.ErrUnsupported) {
		return
	}
	if err != nil {
		t.Errorf("%s: %s: %v", variant, e, err)
		return
	}
	w := make([]string, len(want))
	for i, id := range want {
		w[i] = prefix + id
	}
	if !slices.Equal(got, w) {
		t.Errorf("%s: %s finds %q, want %q", variant, e, got, w)
	}
}
