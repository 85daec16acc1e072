package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// keptAndCounted returns, per tenant and resource type ("t/User"), the
// count the database keeps (scim_counts, migration 0012, summed over
// PostgreSQL's slots) and COUNT(*) of the rows, leaving out zero counts.
func keptAndCounted(t *testing.T, db *sql.DB) (kept, counted map[string]int) {
	t.Helper()
	read := func(query string) map[string]int {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var tenant, rt string
			var n int
			if err := rows.Scan(&tenant, &rt, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				out[tenant+"/"+rt] = n
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return read("SELECT tenant, resource_type, SUM(n) FROM scim_counts GROUP BY tenant, resource_type"),
		read("SELECT tenant, 'User', COUNT(*) FROM scim_users GROUP BY tenant UNION ALL SELECT tenant, 'Group', COUNT(*) FROM scim_groups GROUP BY tenant")
}

// checkTotals asserts that the kept counts are the rows' COUNT(*), and
// that unfiltered queries of each of tenants report them.
func checkTotals(t *testing.T, s *sqlstore.Store, tenants ...string) {
	t.Helper()
	kept, counted := keptAndCounted(t, s.DB())
	if d := cmp.Diff(counted, kept); d != "" {
		t.Errorf("kept counts (-COUNT(*) +kept):\n%s", d)
	}
	for _, tenant := range tenants {
		ctx := store.WithTenant(context.Background(), tenant)
		// A page of one row with more after it, or past the end: the
		// total is then counted, not told by the page.
		for _, start := range []int{1, 1_000_000} {
			ul, err := s.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: start, Count: 1}})
			if err != nil || ul.TotalResults != counted[tenant+"/User"] {
				t.Errorf("tenant %q: users' total at %d %d, %v; COUNT(*) %d", tenant, start, ul.TotalResults, err, counted[tenant+"/User"])
			}
			gl, err := s.QueryGroups(ctx, store.Query{Page: store.Page{StartIndex: start, Count: 1}})
			if err != nil || gl.TotalResults != counted[tenant+"/Group"] {
				t.Errorf("tenant %q: groups' total at %d %d, %v; COUNT(*) %d", tenant, start, gl.TotalResults, err, counted[tenant+"/Group"])
			}
		}
	}
}

var errRollBack = errors.New("rolled back on purpose")

// TestCountsKept runs a mix of the store's writes on two tenants, from
// several goroutines at once, with writes that fail and transactions
// that roll back, and statements of the app's own that insert and delete
// rows of both tenants at once: the counts the database keeps equal
// COUNT(*) throughout, and an unfiltered query reports them.
func TestCountsKept(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			db := s.DB()
			checkTotals(t, s, "a", "b", "none")
			const workers, each = 4, 20
			var wg sync.WaitGroup
			errs := make(chan error, workers*each*4)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						tenant := []string{"a", "b"}[(w+i)%2]
						ctx := store.WithTenant(context.Background(), tenant)
						id := fmt.Sprintf("w%d-%02d", w, i)
						u, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"})
						if err != nil {
							errs <- fmt.Errorf("CreateUser %s: %w", id, err)
							continue
						}
						if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g" + id, DisplayName: "G " + id,
							Members: []resource.Member{{Value: id, Type: "User"}}}); err != nil {
							errs <- fmt.Errorf("CreateGroup g%s: %w", id, err)
						}
						// A taken userName fails at the INSERT.
						if _, err := s.CreateUser(ctx, &resource.User{ID: id + "x", UserName: id + "@example.com"}); !errors.Is(err, store.ErrConflict) {
							errs <- fmt.Errorf("CreateUser of a taken userName: %v", err)
						}
						// A transaction that creates, then rolls back.
						err = s.InTx(ctx, func(ctx context.Context) error {
							if _, err := s.CreateUser(ctx, &resource.User{ID: id + "r", UserName: id + "r@example.com"}); err != nil {
								return err
							}
							if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g" + id + "r", DisplayName: "G " + id + "r"}); err != nil {
								return err
							}
							return errRollBack
						})
						if !errors.Is(err, errRollBack) {
							errs <- fmt.Errorf("InTx: %v", err)
						}
						switch i % 4 {
						case 1:
							// A stale version deletes nothing; the right one does.
							if err := s.DeleteUser(ctx, id, "999"); !errors.Is(err, store.ErrPreconditionFailed) {
								errs <- fmt.Errorf("DeleteUser at a stale version: %v", err)
							}
							if err := s.DeleteUser(ctx, id, u.Meta.Version); err != nil {
								errs <- fmt.Errorf("DeleteUser %s: %w", id, err)
							}
							if err := s.DeleteGroup(ctx, "g"+id, ""); err != nil {
								errs <- fmt.Errorf("DeleteGroup g%s: %w", id, err)
							}
						case 2:
							if err := s.ArchiveUser(ctx, id, u.Meta.Version, time.Now()); err != nil {
								errs <- fmt.Errorf("ArchiveUser %s: %w", id, err)
							}
							// An archived id stays taken: this INSERT succeeds
							// and its transaction rolls back.
							if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "new@example.com"}); !errors.Is(err, store.ErrConflict) {
								errs <- fmt.Errorf("CreateUser of an archived id: %v", err)
							}
						case 3:
							if err := s.DeleteUser(ctx, "nobody", ""); !errors.Is(err, store.ErrNotFound) {
								errs <- fmt.Errorf("DeleteUser of nobody: %v", err)
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			checkTotals(t, s, "a", "b", "none")

			// The app's own statements, of several rows and tenants each.
			if _, err := db.Exec(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, data, version)
				VALUES ('a', 'bulk1', 'bulk1', 'bulk1', '{}', 1), ('b', 'bulk2', 'bulk2', 'bulk2', '{}', 1),
				('b', 'bulk3', 'bulk3', 'bulk3', '{}', 1), ('c', 'bulk4', 'bulk4', 'bulk4', '{}', 1)`); err != nil {
				t.Fatalf("bulk insert: %v", err)
			}
			checkTotals(t, s, "a", "b", "c")
			if _, err := db.Exec(`DELETE FROM scim_users WHERE id IN ('bulk1', 'bulk2', 'w0-00', 'w1-00')`); err != nil {
				t.Fatalf("bulk delete: %v", err)
			}
			if _, err := db.Exec(`UPDATE scim_users SET tenant = 'c' WHERE id = 'bulk3'`); err != nil {
				t.Fatalf("moving a user to another tenant: %v", err)
			}
			checkTotals(t, s, "a", "b", "c")
		})
	}
}

// TestCountsBackfilled migrates a database that holds users and groups
// from before migration 0012: the counts start at COUNT(*) of each
// tenant.
func TestCountsBackfilled(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			db, dialect := openFresh(t, d)
			schemaV1(t, db, d)
			for i := range 30 {
				tenant := []string{"a", "b", "c"}[i%3]
				if i%3 == 2 && i > 20 {
					continue
				}
				if _, err := db.Exec(fmt.Sprintf(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, data, version)
					VALUES ('%s', 'u%d', 'user%d', 'user%d', '{}', 1)`, tenant, i, i, i)); err != nil {
					t.Fatal(err)
				}
				if i%4 == 0 {
					if _, err := db.Exec(fmt.Sprintf(`INSERT INTO scim_groups (tenant, id, display_name, display_name_folded, data, version)
						VALUES ('%s', 'g%d', 'group%d', 'group%d', '{}', 1)`, tenant, i, i, i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			s, err := sqlstore.New(db, dialect)
			if err != nil {
				t.Fatalf("New (migrating): %v", err)
			}
			kept, _ := keptAndCounted(t, db)
			if want := map[string]int{"a/User": 10, "b/User": 10, "c/User": 7, "a/Group": 3, "b/Group": 3, "c/Group": 2}; !cmp.Equal(kept, want) {
				t.Errorf("kept counts after the migration: %v, want %v", kept, want)
			}
			checkTotals(t, s, "a", "b", "c")
		})
	}
}
