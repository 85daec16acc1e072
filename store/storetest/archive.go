package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// archivedAt is the time the Archive cases archive users at.
var archivedAt = time.Date(2024, 3, 5, 8, 15, 0, 0, time.UTC)

// archiver returns the store's UserArchiver or skips the test.
func archiver(t *testing.T, s store.Store) store.UserArchiver {
	t.Helper()
	a, ok := s.(store.UserArchiver)
	if !ok {
		t.Skip("the store does not implement store.UserArchiver")
	}
	return a
}

func mustArchive(t *testing.T, ctx context.Context, a store.UserArchiver, id, version string) {
	t.Helper()
	if err := a.ArchiveUser(ctx, id, version, archivedAt); err != nil {
		t.Fatalf("ArchiveUser(%q, %q): %v", id, version, err)
	}
}

// archivedUser is what GetArchivedUser returns for u archived at
// archivedAt, normalised as normUser does.
func archivedUser(u *resource.User) *resource.User {
	c := *u
	c.Active = boolPtr(false)
	c.Meta.LastModified = archivedAt
	return wantUser(&c)
}

// listAllArchived reads every archived user of the tenant in pages of 2.
func listAllArchived(t *testing.T, ctx context.Context, a store.UserArchiver) []store.ArchivedUser {
	t.Helper()
	var all []store.ArchivedUser
	for start := 1; ; start += 2 {
		l, err := a.ListArchivedUsers(ctx, store.Page{StartIndex: start, Count: 2})
		if err != nil {
			t.Fatalf("ListArchivedUsers(%d, 2): %v", start, err)
		}
		all = append(all, l.Resources...)
		if len(l.Resources) == 0 || start+2 > l.TotalResults {
			if len(all) != l.TotalResults {
				t.Fatalf("ListArchivedUsers pages hold %d users, TotalResults is %d", len(all), l.TotalResults)
			}
			return all
		}
	}
}

func archivedIDs(us []store.ArchivedUser) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.User.ID
	}
	return ids
}

// queryIDs returns the ids QueryUsers finds for filter f, and false when
// the store has no querier or answers ErrUnsupported.
func queryIDs(t *testing.T, ctx context.Context, s store.Store, f string) ([]string, bool) {
	t.Helper()
	q, ok := s.(store.UserQuerier)
	if !ok {
		return nil, false
	}
	rt := registry(t).User
	expr := mustParse(t, f)
	if err := filter.Validate(expr, rt); err != nil {
		t.Fatalf("filter.Validate(%s): %v", f, err)
	}
	l, err := q.QueryUsers(ctx, store.Query{ResourceType: rt, Filter: expr, Page: store.Page{StartIndex: 1, Count: 100}})
	if errors.Is(err, store.ErrUnsupported) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("QueryUsers(%s): %v", f, err)
	}
	if l.TotalResults != len(l.Resources) {
		t.Errorf("QueryUsers(%s): TotalResults %d, %d resources", f, l.TotalResults, len(l.Resources))
	}
	return userIDs(l.Resources), true
}

// checkGoneFromSCIM checks that user id (userName, externalId) is deleted
// as far as every SCIM read and write of the store is concerned.
func checkGoneFromSCIM(t *testing.T, ctx context.Context, s store.Store, id, userName, externalID string) {
	t.Helper()
	_, err := s.GetUser(ctx, id)
	wantErr(t, "GetUser of an archived user", err, store.ErrNotFound)
	for _, u := range listAllUsers(t, ctx, s) {
		if u.ID == id {
			t.Errorf("ListUsers lists the archived user %s", id)
		}
	}
	for _, f := range []string{`id eq "` + id + `"`, `userName eq "` + userName + `"`, `externalId eq "` + externalID + `"`} {
		if ids, ok := queryIDs(t, ctx, s, f); ok {
			for _, got := range ids {
				if got == id {
					t.Errorf("QueryUsers(%s) finds the archived user %s", f, id)
				}
			}
		}
	}
	if r, ok := s.(store.MemberResolver); ok {
		kinds, err := r.ResolveMembers(ctx, []string{id})
		if err != nil {
			t.Fatalf("ResolveMembers: %v", err)
		}
		if k, found := kinds[id]; found && k&store.MemberUser != 0 {
			t.Errorf("ResolveMembers(%s) = %v: an archived user names nothing", id, k)
		}
	}
	_, err = s.ReplaceUser(ctx, plainUser(id, userName), "")
	wantErr(t, "ReplaceUser of an archived user", err, store.ErrNotFound)
	wantErr(t, "DeleteUser of an archived user", s.DeleteUser(ctx, id, ""), store.ErrNotFound)
	if a, ok := s.(store.UserArchiver); ok {
		wantErr(t, "ArchiveUser of an archived user", a.ArchiveUser(ctx, id, "", archivedAt), store.ErrNotFound)
	}
}

var archiveCases = []testCase{
	{"Hidden_from_SCIM", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		u1 := mustCreateUser(t, ctx, s, fullUser("u1", "bjensen@example.com"))
		mustCreateUser(t, ctx, s, plainUser("u2", "other"))
		g1 := mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1", "u2"))
		g2 := mustCreateGroup(t, ctx, s, newGroup("g2", "Only u1", "u1"))
		mustArchive(t, ctx, a, "u1", u1.Meta.Version)
		checkGoneFromSCIM(t, ctx, s, "u1", "bjensen@example.com", "ext-u1")
		if ids := userIDs(listAllUsers(t, ctx, s)); !sameSet(ids, []string{"u2"}) {
			t.Errorf("ListUsers after ArchiveUser: %q, want [u2]", ids)
		}
		// The user left its groups, which got new versions, as on delete.
		checkMembers(t, ctx, s, "g1", "u2")
		checkMembers(t, ctx, s, "g2")
		for _, m := range bothMembers {
			for _, g := range listAllGroups(t, ctx, s, m) {
				for _, mem := range g.Members {
					if mem.Value == "u1" {
						t.Errorf("ListGroups(%v): group %s still has the archived user", m, g.ID)
					}
				}
			}
		}
		for _, before := range []*resource.Group{g1, g2} {
			if after := mustGetGroup(t, ctx, s, before.ID); after.Meta.Version == before.Meta.Version {
				t.Errorf("group %s kept version %q when its member was archived", before.ID, after.Meta.Version)
			}
		}
		checkUserGroups(t, ctx, s, "u2", ref("g1", "Admins"))
	}},
	{"Record_kept", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		u := fullUser("u1", "bjensen@example.com")
		live := mustCreateUser(t, ctx, s, u)
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		mustArchive(t, ctx, a, "u1", "")
		got, err := a.GetArchivedUser(ctx, "u1")
		if err != nil {
			t.Fatalf("GetArchivedUser: %v", err)
		}
		checkUser(t, "GetArchivedUser", archivedUser(u), got.User)
		if !got.Archived.Equal(archivedAt) {
			t.Errorf("GetArchivedUser: Archived %v, want %v", got.Archived, archivedAt)
		}
		if got.User.Meta.Version == "" || got.User.Meta.Version == live.Meta.Version {
			t.Errorf("GetArchivedUser: version %q, want a new one (was %q)", got.User.Meta.Version, live.Meta.Version)
		}
		l := listAllArchived(t, ctx, a)
		if len(l) != 1 {
			t.Fatalf("ListArchivedUsers: %q, want [u1]", archivedIDs(l))
		}
		checkUser(t, "ListArchivedUsers", archivedUser(u), l[0].User)
		if !l[0].Archived.Equal(archivedAt) {
			t.Errorf("ListArchivedUsers: Archived %v, want %v", l[0].Archived, archivedAt)
		}
		// What the store returns is the caller's.
		got.User.UserName, got.User.Name.GivenName = "changed", "changed"
		again, err := a.GetArchivedUser(ctx, "u1")
		if err != nil {
			t.Fatalf("GetArchivedUser: %v", err)
		}
		checkUser(t, "GetArchivedUser after changing what it returned", archivedUser(u), again.User)
	}},
	{"UserName_and_externalId_released", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, fullUser("u1", "ada@example.com"))
		mustArchive(t, ctx, a, "u1", "")
		// The identity provider creates the user again: same userName
		// (another case) and externalId, new id.
		again := fullUser("u2", "Ada@Example.com")
		again.ExternalID = "ext-u1"
		checkUser(t, "CreateUser with the archived user's userName", wantUser(again), mustCreateUser(t, ctx, s, again))
		for _, f := range []string{`userName eq "ada@example.com"`, `externalId eq "ext-u1"`} {
			if ids, ok := queryIDs(t, ctx, s, f); ok && !sameSet(ids, []string{"u2"}) {
				t.Errorf("QueryUsers(%s): %q, want [u2]", f, ids)
			}
		}
		_, err := s.CreateUser(ctx, plainUser("u3", "ADA@example.com"))
		wantErr(t, "CreateUser of the re-created userName", err, store.ErrConflict)
		// Archived twice: both records are kept.
		mustArchive(t, ctx, a, "u2", "")
		mustCreateUser(t, ctx, s, plainUser("u4", "ada@example.com"))
		if ids := archivedIDs(listAllArchived(t, ctx, a)); !sameSet(ids, []string{"u1", "u2"}) {
			t.Errorf("ListArchivedUsers: %q, want [u1 u2]", ids)
		}
		if ids := userIDs(listAllUsers(t, ctx, s)); !sameSet(ids, []string{"u4"}) {
			t.Errorf("ListUsers: %q, want [u4]", ids)
		}
	}},
	{"Id_stays_taken", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("u1", "ada"))
		mustArchive(t, ctx, a, "u1", "")
		_, err := s.CreateUser(ctx, plainUser("u1", "grace"))
		wantErr(t, "CreateUser with an archived user's id", err, store.ErrConflict)
		_, err = s.GetUser(ctx, "u1")
		wantErr(t, "GetUser after the refused create", err, store.ErrNotFound)
		got, err := a.GetArchivedUser(ctx, "u1")
		if err != nil {
			t.Fatalf("GetArchivedUser: %v", err)
		}
		if got.User.UserName != "ada" {
			t.Errorf("GetArchivedUser: userName %q, want ada", got.User.UserName)
		}
	}},
	{"Not_found", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		wantErr(t, "ArchiveUser in an empty tenant", a.ArchiveUser(ctx, "u1", "", archivedAt), store.ErrNotFound)
		mustCreateUser(t, ctx, s, plainUser("u1", "ada"))
		wantErr(t, "ArchiveUser(u2)", a.ArchiveUser(ctx, "u2", "", archivedAt), store.ErrNotFound)
		_, err := a.GetArchivedUser(ctx, "u1")
		wantErr(t, "GetArchivedUser of a live user", err, store.ErrNotFound)
		_, err = a.GetArchivedUser(ctx, "u2")
		wantErr(t, "GetArchivedUser of an unknown id", err, store.ErrNotFound)
		l, err := a.ListArchivedUsers(ctx, store.Page{StartIndex: 1, Count: 10})
		if err != nil {
			t.Fatalf("ListArchivedUsers: %v", err)
		}
		if l.TotalResults != 0 || len(l.Resources) != 0 {
			t.Errorf("ListArchivedUsers with nothing archived: %d users, total %d", len(l.Resources), l.TotalResults)
		}
		checkUser(t, "GetUser", wantUser(plainUser("u1", "ada")), mustGetUser(t, ctx, s, "u1"))
	}},
	{"Version_mismatch", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		first := mustCreateUser(t, ctx, s, plainUser("u1", "ada"))
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		second, err := s.ReplaceUser(ctx, plainUser("u1", "ada"), "")
		if err != nil {
			t.Fatalf("ReplaceUser: %v", err)
		}
		for _, v := range []string{first.Meta.Version, "not-a-version"} {
			wantErr(t, "ArchiveUser with version "+v, a.ArchiveUser(ctx, "u1", v, archivedAt), store.ErrPreconditionFailed)
		}
		// Nothing changed.
		if got := mustGetUser(t, ctx, s, "u1"); got.Meta.Version != second.Meta.Version {
			t.Errorf("after a refused ArchiveUser the version is %q, want %q", got.Meta.Version, second.Meta.Version)
		}
		checkMembers(t, ctx, s, "g1", "u1")
		if l := listAllArchived(t, ctx, a); len(l) != 0 {
			t.Errorf("a refused ArchiveUser archived %q", archivedIDs(l))
		}
		mustArchive(t, ctx, a, "u1", second.Meta.Version)
		checkGoneFromSCIM(t, ctx, s, "u1", "ada", "")
	}},
	{"Tenants", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctxa, ctxb := ctxA(t), ctxB(t)
		for _, ctx := range []context.Context{ctxa, ctxb} {
			mustCreateUser(t, ctx, s, fullUser("u1", "ada@example.com"))
			mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		}
		mustCreateUser(t, ctxa, s, plainUser("u2", "only-in-a"))
		wantErr(t, "ArchiveUser of another tenant's user", a.ArchiveUser(ctxb, "u2", "", archivedAt), store.ErrNotFound)
		mustArchive(t, ctxa, a, "u1", "")
		checkGoneFromSCIM(t, ctxa, s, "u1", "ada@example.com", "ext-u1")
		// Tenant B's user of the same id and name is untouched.
		checkUser(t, "tenant B's user", wantUser(fullUser("u1", "ada@example.com"), ref("g1", "Admins")), mustGetUser(t, ctxb, s, "u1"))
		checkMembers(t, ctxb, s, "g1", "u1")
		_, err := a.GetArchivedUser(ctxb, "u1")
		wantErr(t, "GetArchivedUser in the other tenant", err, store.ErrNotFound)
		if l := listAllArchived(t, ctxb, a); len(l) != 0 {
			t.Errorf("tenant B has archived users %q", archivedIDs(l))
		}
		if ids := archivedIDs(listAllArchived(t, ctxa, a)); !sameSet(ids, []string{"u1"}) {
			t.Errorf("tenant A's archived users: %q, want [u1]", ids)
		}
	}},
	{"Concurrent", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		mustCreateUser(t, ctx, s, plainUser("u1", "ada"))
		mustCreateGroup(t, ctx, s, newGroup("g1", "Admins", "u1"))
		// 16 concurrent removals, half archives and half deletes: one
		// succeeds, the others find no user.
		const n = 16
		errs := make([]error, n)
		archived := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					errs[i], archived[i] = a.ArchiveUser(ctx, "u1", "", archivedAt), true
				} else {
					errs[i] = s.DeleteUser(ctx, "u1", "")
				}
			}()
		}
		wg.Wait()
		wins, byArchive := 0, false
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
				byArchive = archived[i]
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("concurrent removal %d: %v, want nil or ErrNotFound", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d of %d concurrent removals succeeded, want 1", wins, n)
		}
		want := []string{}
		if byArchive {
			want = []string{"u1"}
		}
		if ids := archivedIDs(listAllArchived(t, ctx, a)); !sameSet(ids, want) {
			t.Errorf("archived users after the race: %q, want %q", ids, want)
		}
		checkGoneFromSCIM(t, ctx, s, "u1", "ada", "")
		checkMembers(t, ctx, s, "g1")
	}},
	{"Paging", func(t *testing.T, s store.Store) {
		a := archiver(t, s)
		ctx := ctxA(t)
		withUsers(t, ctx, s, 5)
		for _, id := range []string{"u4", "u1", "u5", "u2", "u3"} {
			mustArchive(t, ctx, a, id, "")
		}
		first := archivedIDs(listAllArchived(t, ctx, a))
		if !sameSet(first, []string{"u1", "u2", "u3", "u4", "u5"}) || len(first) != 5 {
			t.Fatalf("ListArchivedUsers: %q, want each of u1..u5 once", first)
		}
		if again := archivedIDs(listAllArchived(t, ctx, a)); !sameSet(again, first) || len(again) != len(first) {
			t.Fatalf("ListArchivedUsers twice: %q then %q", first, again)
		} else {
			for i := range again {
				if again[i] != first[i] {
					t.Errorf("ListArchivedUsers order is not stable: %q then %q", first, again)
					break
				}
			}
		}
		l, err := a.ListArchivedUsers(ctx, store.Page{StartIndex: 2, Count: 0})
		if err != nil {
			t.Fatalf("ListArchivedUsers(count 0): %v", err)
		}
		if len(l.Resources) != 0 || l.TotalResults != 5 {
			t.Errorf("ListArchivedUsers(count 0): %d users, total %d, want 0 and 5", len(l.Resources), l.TotalResults)
		}
		if n := len(listAllUsers(t, ctx, s)); n != 0 {
			t.Errorf("ListUsers after archiving everyone: %d users", n)
		}
	}},
}
