package storetest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

var userCases = []testCase{
	{"Create_and_get", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		u := fullUser("u1", "bjensen@example.com")
		got := mustCreateUser(t, ctx, s, u)
		checkUser(t, "CreateUser", wantUser(u), got)
		again := mustGetUser(t, ctx, s, "u1")
		checkUser(t, "GetUser", wantUser(u), again)
		if again.Meta.Version != got.Meta.Version {
			t.Errorf("GetUser version %q, CreateUser returned %q", again.Meta.Version, got.Meta.Version)
		}
	}},
	{"Get_not_found", func(t *testing.T, s store.Store) {
		mustCreateUser(t, ctxA(t), s, plainUser("u1", "a"))
		_, err := s.GetUser(ctxA(t), "u2")
		wantErr(t, "GetUser(u2)", err, store.ErrNotFound)
	}},
	{"Create_duplicate_id", func(t *testing.T, s store.Store) {
		mustCreateUser(t, ctxA(t), s, plainUser("u1", "first"))
		_, err := s.CreateUser(ctxA(t), plainUser("u1", "second"))
		wantErr(t, "CreateUser with a taken id", err, store.ErrConflict)
	}},
	{"Create_duplicate_userName", func(t *testing.T, s store.Store) {
		mustCreateUser(t, ctxA(t), s, plainUser("u1", "bjensen@example.com"))
		for i, name := range []string{"bjensen@example.com", "BJensen@Example.COM"} {
			_, err := s.CreateUser(ctxA(t), plainUser("u"+string(rune('2'+i)), name))
			wantErr(t, "CreateUser("+name+")", err, store.ErrConflict)
		}
		if l := listAllUsers(t, ctxA(t), s); len(l) != 1 {
			t.Errorf("after the conflicts the tenant has %d users, want 1", len(l))
		}
	}},
	{"UserName_unique_per_tenant", func(t *testing.T, s store.Store) {
		a := mustCreateUser(t, ctxA(t), s, plainUser("u1", "bjensen"))
		b := mustCreateUser(t, ctxB(t), s, plainUser("u2", "BJENSEN"))
		checkUser(t, "tenant A", wantUser(plainUser("u1", "bjensen")), a)
		checkUser(t, "tenant B", wantUser(plainUser("u2", "BJENSEN")), b)
	}},
	{"Replace", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		created := mustCreateUser(t, ctx, s, fullUser("u1", "bjensen"))
		next := fullUser("u1", "barbara")
		next.Name.GivenName = "Barb"
		next.Active = boolPtr(false)
		next.Emails = next.Emails[:1]
		next.Enterprise = nil
		next.Extra = nil
		got, err := s.ReplaceUser(ctx, next, created.Meta.Version)
		if err != nil {
			t.Fatalf("ReplaceUser: %v", err)
		}
		checkUser(t, "ReplaceUser", wantUser(next), got)
		if got.Meta.Version == "" || got.Meta.Version == created.Meta.Version {
			t.Errorf("ReplaceUser version %q, want a new one (was %q)", got.Meta.Version, created.Meta.Version)
		}
		checkUser(t, "GetUser after ReplaceUser", wantUser(next), mustGetUser(t, ctx, s, "u1"))
		// An empty version replaces unconditionally.
		again, err := s.ReplaceUser(ctx, fullUser("u1", "bjensen"), "")
		if err != nil {
			t.Fatalf("ReplaceUser without version: %v", err)
		}
		if again.Meta.Version == got.Meta.Version {
			t.Errorf("second ReplaceUser kept version %q", again.Meta.Version)
		}
	}},
	{"Replace_not_found", func(t *testing.T, s store.Store) {
		mustCreateUser(t, ctxA(t), s, plainUser("u1", "a"))
		_, err := s.ReplaceUser(ctxA(t), plainUser("u2", "b"), "")
		wantErr(t, "ReplaceUser(u2)", err, store.ErrNotFound)
	}},
	{"Replace_version_mismatch", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		first := mustCreateUser(t, ctx, s, plainUser("u1", "a"))
		second, err := s.ReplaceUser(ctx, plainUser("u1", "b"), first.Meta.Version)
		if err != nil {
			t.Fatalf("ReplaceUser: %v", err)
		}
		_, err = s.ReplaceUser(ctx, plainUser("u1", "c"), first.Meta.Version)
		wantErr(t, "ReplaceUser with a stale version", err, store.ErrPreconditionFailed)
		got := mustGetUser(t, ctx, s, "u1")
		checkUser(t, "GetUser after the refused ReplaceUser", wantUser(plainUser("u1", "b")), got)
		if got.Meta.Version != second.Meta.Version {
			t.Errorf("version %q after a refused write, want %q", got.Meta.Version, second.Meta.Version)
		}
	}},
	{"Replace_userName_taken", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("u1", "alice"))
		mustCreateUser(t, ctx, s, plainUser("u2", "bob"))
		_, err := s.ReplaceUser(ctx, plainUser("u2", "ALICE"), "")
		wantErr(t, "ReplaceUser to a taken userName", err, store.ErrConflict)
		checkUser(t, "GetUser after the refused ReplaceUser", wantUser(plainUser("u2", "bob")), mustGetUser(t, ctx, s, "u2"))
	}},
	{"Replace_userName_case", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("u1", "alice"))
		got, err := s.ReplaceUser(ctx, plainUser("u1", "Alice"), "")
		if err != nil {
			t.Fatalf("ReplaceUser changing the case of the user's own userName: %v", err)
		}
		checkUser(t, "ReplaceUser", wantUser(plainUser("u1", "Alice")), got)
	}},
	{"Replace_frees_userName", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("u1", "alice"))
		if _, err := s.ReplaceUser(ctx, plainUser("u1", "alicia"), ""); err != nil {
			t.Fatalf("ReplaceUser: %v", err)
		}
		mustCreateUser(t, ctx, s, plainUser("u2", "Alice"))
		_, err := s.CreateUser(ctx, plainUser("u3", "ALICIA"))
		wantErr(t, "CreateUser with the new userName", err, store.ErrConflict)
	}},
	{"Delete", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		u := mustCreateUser(t, ctx, s, plainUser("u1", "alice"))
		mustCreateUser(t, ctx, s, plainUser("u2", "bob"))
		if err := s.DeleteUser(ctx, "u1", u.Meta.Version); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		_, err := s.GetUser(ctx, "u1")
		wantErr(t, "GetUser after DeleteUser", err, store.ErrNotFound)
		if ids := userIDs(listAllUsers(t, ctx, s)); !slices.Equal(ids, []string{"u2"}) {
			t.Errorf("ListUsers after DeleteUser: %q, want [u2]", ids)
		}
		err = s.DeleteUser(ctx, "u1", "")
		wantErr(t, "second DeleteUser", err, store.ErrNotFound)
		// The userName is free again.
		mustCreateUser(t, ctx, s, plainUser("u3", "Alice"))
	}},
	{"Delete_not_found", func(t *testing.T, s store.Store) {
		mustCreateUser(t, ctxA(t), s, plainUser("u1", "a"))
		wantErr(t, "DeleteUser(u2)", s.DeleteUser(ctxA(t), "u2", ""), store.ErrNotFound)
	}},
	{"Delete_version_mismatch", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		first := mustCreateUser(t, ctx, s, plainUser("u1", "a"))
		if _, err := s.ReplaceUser(ctx, plainUser("u1", "b"), ""); err != nil {
			t.Fatalf("ReplaceUser: %v", err)
		}
		wantErr(t, "DeleteUser with a stale version", s.DeleteUser(ctx, "u1", first.Meta.Version), store.ErrPreconditionFailed)
		mustGetUser(t, ctx, s, "u1")
	}},
	{"List_paging_stable", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		var want []string
		for i := range 23 {
			id := "u" + string(rune('a'+i))
			mustCreateUser(t, ctx, s, plainUser(id, "name-"+id))
			want = append(want, id)
		}
		all, err := s.ListUsers(ctx, store.Page{StartIndex: 1, Count: 1000})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		full := userIDs(all.Resources)
		if all.TotalResults != 23 || !sameSet(full, want) {
			t.Fatalf("ListUsers: total %d, ids %q; want 23 users %q", all.TotalResults, full, want)
		}
		for _, size := range []int{1, 5, 7} {
			var paged []string
			for start := 1; start <= 23; start += size {
				l, err := s.ListUsers(ctx, store.Page{StartIndex: start, Count: size})
				if err != nil {
					t.Fatalf("ListUsers(%d, %d): %v", start, size, err)
				}
				if l.TotalResults != 23 {
					t.Errorf("ListUsers(%d, %d): TotalResults %d, want 23", start, size, l.TotalResults)
				}
				paged = append(paged, userIDs(l.Resources)...)
			}
			if !slices.Equal(paged, full) {
				t.Errorf("pages of %d concatenate to %q, want %q", size, paged, full)
			}
		}
		for _, p := range []store.Page{{StartIndex: 1, Count: 0}, {StartIndex: 24, Count: 5}, {StartIndex: 100, Count: 5}} {
			l, err := s.ListUsers(ctx, p)
			if err != nil {
				t.Fatalf("ListUsers(%+v): %v", p, err)
			}
			if len(l.Resources) != 0 || l.TotalResults != 23 {
				t.Errorf("ListUsers(%+v): %d users, total %d; want none, total 23", p, len(l.Resources), l.TotalResults)
			}
		}
		l, err := s.ListUsers(ctx, store.Page{StartIndex: 21, Count: 10})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		if got := userIDs(l.Resources); !slices.Equal(got, full[20:]) {
			t.Errorf("last page %q, want %q", got, full[20:])
		}
		// Deleting a user keeps the others in the same order.
		if err := s.DeleteUser(ctx, full[10], ""); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		rest := slices.Delete(slices.Clone(full), 10, 11)
		if got := userIDs(listAllUsers(t, ctx, s)); !slices.Equal(got, rest) {
			t.Errorf("after deleting %s the order is %q, want %q", full[10], got, rest)
		}
	}},
	{"Not_aliased", func(t *testing.T, s store.Store) {
		ctx := ctxA(t)
		in := fullUser("u1", "bjensen")
		out := mustCreateUser(t, ctx, s, in)
		want := wantUser(fullUser("u1", "bjensen"))
		for _, u := range []*aliasTarget{{"the CreateUser argument", in}, {"the CreateUser result", out}} {
			scribble(u.u)
			checkUser(t, "GetUser after changing "+u.what, want, mustGetUser(t, ctx, s, "u1"))
		}
		got := mustGetUser(t, ctx, s, "u1")
		scribble(got)
		checkUser(t, "GetUser after changing a GetUser result", want, mustGetUser(t, ctx, s, "u1"))
		list, err := s.ListUsers(ctx, store.Page{StartIndex: 1, Count: 10})
		if err != nil || len(list.Resources) != 1 {
			t.Fatalf("ListUsers: %v, %d users", err, len(list.Resources))
		}
		scribble(list.Resources[0])
		checkUser(t, "GetUser after changing a ListUsers result", want, mustGetUser(t, ctx, s, "u1"))
	}},
}

type aliasTarget struct {
	what string
	u    *userT
}

// scribble changes every reference-typed part of u in place. It skips
// parts a faulty store left out, which checkUser reports on its own.
func scribble(u *userT) {
	if u.Name != nil {
		u.Name.GivenName = "changed"
	}
	if u.Active != nil {
		*u.Active = false // fullUser's is true
	}
	u.Active = nil
	// Every primary flag is set to false, not flipped: a store that shares
	// a flag between the argument and the result would see two flips.
	for _, vs := range [][]resource.MultiValue{u.Emails, u.PhoneNumbers, u.IMs, u.Photos, u.Entitlements, u.Roles, u.X509Certificates} {
		for i := range vs {
			vs[i].Value = "changed"
			if vs[i].Primary != nil {
				*vs[i].Primary = false
			}
		}
	}
	for i := range u.Addresses {
		u.Addresses[i].Locality = "changed"
		if u.Addresses[i].Primary != nil {
			*u.Addresses[i].Primary = false
		}
	}
	if u.Enterprise != nil && u.Enterprise.Manager != nil {
		u.Enterprise.Manager.DisplayName = "changed"
	}
	if ext := u.Extensions["urn:example:params:scim:schemas:extension:acme:2.0:User"]; len(ext) > 2 {
		ext[2] = 'X'
	}
	if u.Extra == nil {
		u.Extra = map[string]json.RawMessage{}
	}
	u.Extra["customField"] = json.RawMessage(`"changed"`)
	u.Extra["added"] = json.RawMessage(`1`)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
