package main

import (
	"context"
	"errors"
	"github.com/scimkit/scim/internal/pgtest"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/storetest"
)

// testDBs are the databases the data layer is tested on: each call opens
// a fresh, empty one.
var testDBs = []struct {
	name string
	open func(t *testing.T) *DB
}{
	{"SQLite", func(t *testing.T) *DB { return openTestDB(t, "sqlite:"+filepath.Join(t.TempDir(), "saas.db")) }},
	{"Memory", func(t *testing.T) *DB { return openTestDB(t, "memory") }},
	{"Postgres", func(t *testing.T) *DB { return openTestDB(t, postgresSchema(t)) }},
}

// openTestDB opens spec, closing it at cleanup.
func openTestDB(t *testing.T, spec string) *DB {
	t.Helper()
	db, err := OpenDB(t.Context(), spec, nil)
	if err != nil {
		t.Fatalf("OpenDB(%s): %v", spec, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresSchema creates a schema of its own for the test and returns a
// DSN whose connections use it; the schema is dropped at cleanup. Without
// a DSN the test is skipped, except under CI=true, where it fails.
func postgresSchema(t *testing.T) string { return postgresSchemaTB(t) }

// postgresSchemaTB is postgresSchema for a test, benchmark or fuzz test.
func postgresSchemaTB(t testing.TB) string {
	t.Helper()
	if dsn := pgtest.DSN(t); !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL for the example's -store flag, not %q", pgtest.EnvDSN, dsn)
	}
	return pgtest.Schema(t, "saastest")
}

// TestSCIMStore runs the library's conformance kit against the adapter on
// each database: it proves the mapping keeps every SCIM attribute,
// enforces userName uniqueness per tenant, versions writes and derives
// User.groups. Its Events group checks that every write records the
// events of its context in app_events, with the version written, and
// that a failed write records none, read back through Outbox.
func TestSCIMStore(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				return NewSCIMStore(tdb.open(t))
			}, storetest.WithEventSource(func(t *testing.T, s store.Store) event.Source {
				return Outbox{s.(*SCIMStore).db}
			}))
		})
	}
}

// memberIDs returns the values of ms, in order.
func memberIDs(ms []resource.Member) []string {
	ids := []string{}
	for _, m := range ms {
		ids = append(ids, m.Value+":"+m.Type)
	}
	return ids
}

// TestPatchMembersAgreesWithReplace runs one script of membership changes
// through PatchMembers in one tenant and through GetGroup and ReplaceGroup
// in another: the teams must end with the same members in the same order.
// A member that is no user or group of the tenant is refused by both, with
// 400 invalidValue, and leaves the team as it was.
func TestPatchMembersAgreesWithReplace(t *testing.T) {
	user := func(id string) resource.Member { return resource.Member{Value: id, Type: "User"} }
	team := func(id string) resource.Member { return resource.Member{Value: id, Type: "Group"} }
	script := []struct {
		add    []resource.Member
		remove []string
		want   []string
	}{
		{add: []resource.Member{user("u1"), user("u2")}, want: []string{"u1:User", "u2:User"}},
		{add: []resource.Member{user("u3")}, remove: []string{"u1"}, want: []string{"u2:User", "u3:User"}},
		{add: []resource.Member{user("u2")}, want: []string{"u2:User", "u3:User"}},
		{remove: []string{"u9", "u1"}, want: []string{"u2:User", "u3:User"}},
		{add: []resource.Member{user("u1"), team("t2")}, remove: []string{"u2"}, want: []string{"u3:User", "u1:User", "t2:Group"}},
		{add: []resource.Member{team("t1")}, remove: []string{"t2", "u3"}, want: []string{"u1:User", "t1:Group"}},
		{remove: []string{"u1", "t1"}, want: []string{}},
	}
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			s := NewSCIMStore(tdb.open(t))
			fast, slow := store.WithTenant(t.Context(), "fast"), store.WithTenant(t.Context(), "slow")
			for _, ctx := range []context.Context{fast, slow} {
				for _, id := range []string{"u1", "u2", "u3"} {
					if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
						t.Fatalf("CreateUser(%s): %v", id, err)
					}
				}
				for _, id := range []string{"t1", "t2"} {
					if _, err := s.CreateGroup(ctx, &resource.Group{ID: id, DisplayName: "Team " + id}); err != nil {
						t.Fatalf("CreateGroup(%s): %v", id, err)
					}
				}
			}
			for i, step := range script {
				before, err := s.GetGroup(fast, "t1", store.WithoutMembers)
				if err != nil {
					t.Fatalf("step %d: GetGroup: %v", i, err)
				}
				v, err := s.PatchMembers(fast, "t1", step.add, step.remove, before.Meta.Version)
				if err != nil {
					t.Fatalf("step %d: PatchMembers: %v", i, err)
				}
				g, err := s.GetGroup(slow, "t1", store.WithMembers)
				if err != nil {
					t.Fatalf("step %d: GetGroup: %v", i, err)
				}
				g.Members = slices.DeleteFunc(g.Members, func(m resource.Member) bool { return slices.Contains(step.remove, m.Value) })
				for _, m := range step.add {
					if !slices.ContainsFunc(g.Members, func(k resource.Member) bool { return k.Value == m.Value }) {
						g.Members = append(g.Members, m)
					}
				}
				if _, err := s.ReplaceGroup(slow, g, g.Meta.Version); err != nil {
					t.Fatalf("step %d: ReplaceGroup: %v", i, err)
				}
				gf, err := s.GetGroup(fast, "t1", store.WithMembers)
				if err != nil {
					t.Fatalf("step %d: GetGroup: %v", i, err)
				}
				gs, err := s.GetGroup(slow, "t1", store.WithMembers)
				if err != nil {
					t.Fatalf("step %d: GetGroup: %v", i, err)
				}
				if d := cmp.Diff(step.want, memberIDs(gf.Members)); d != "" {
					t.Errorf("step %d: members after PatchMembers (-want +got):\n%s", i, d)
				}
				if d := cmp.Diff(step.want, memberIDs(gs.Members)); d != "" {
					t.Errorf("step %d: members after ReplaceGroup (-want +got):\n%s", i, d)
				}
				if gf.Meta.Version != v || v == before.Meta.Version {
					t.Errorf("step %d: PatchMembers returned version %q (was %q), GetGroup has %q", i, v, before.Meta.Version, gf.Meta.Version)
				}
			}

			// An unknown member: refused by both paths, nothing changed.
			before, err := s.GetGroup(fast, "t1", store.WithMembers)
			if err != nil {
				t.Fatalf("GetGroup: %v", err)
			}
			unknown := []resource.Member{user("u1"), user("nobody")}
			_, errFast := s.PatchMembers(fast, "t1", unknown, nil, "")
			_, errSlow := s.ReplaceGroup(slow, &resource.Group{ID: "t1", DisplayName: "Team t1", Members: unknown}, "")
			for _, err := range []error{errFast, errSlow} {
				var se *scim.Error
				if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.ScimType != scim.ScimTypeInvalidValue {
					t.Errorf("adding a member that does not exist: %v, want a 400 invalidValue *scim.Error", err)
				}
			}
			after, err := s.GetGroup(fast, "t1", store.WithMembers)
			if err != nil {
				t.Fatalf("GetGroup: %v", err)
			}
			if d := cmp.Diff(before, after); d != "" {
				t.Errorf("team after a refused PatchMembers (-before +after):\n%s", d)
			}
		})
	}
}
