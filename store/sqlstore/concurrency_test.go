package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestConcurrentStart migrates one fresh database from several replicas at
// once, then again: every New succeeds and the schema is there once.
func TestConcurrentStart(t *testing.T) {
	for _, d := range []string{"SQLite", "Postgres"} {
		t.Run(d, func(t *testing.T) {
			var open func() *sqlstore.Store
			if d == "Postgres" {
				dsn := postgresSchema(t)
				open = func() *sqlstore.Store {
					s, err := sqlstore.New(openPostgres(t, dsn), sqlstore.Postgres, sqlstore.WithoutMigrate())
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			} else {
				db := sqliteDB(t)
				open = func() *sqlstore.Store {
					s, err := sqlstore.New(db, sqlstore.SQLite, sqlstore.WithoutMigrate())
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			}
			var stores []*sqlstore.Store
			for range 4 {
				stores = append(stores, open())
			}
			errs := make([]error, len(stores))
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Migrate(context.Background())
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: Migrate: %v", i+1, err)
				}
			}
			if err := stores[0].Migrate(context.Background()); err != nil {
				t.Errorf("second Migrate: %v", err)
			}
			var n int
			if err := stores[0].DB().QueryRow("SELECT COUNT(*) FROM scim_schema_migrations").Scan(&n); err != nil || n != migrationCount(t) {
				t.Errorf("scim_schema_migrations: %d rows, %v; want %d", n, err, migrationCount(t))
			}
		})
	}
}

// TestConcurrentCreateSameUserName creates one userName from two stores
// (two replicas) at once, in many rounds: exactly one create succeeds, the
// other is ErrConflict, decided by the database's unique index.
func TestConcurrentCreateSameUserName(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s1 := d.new(t)
			var s2 *sqlstore.Store
			if s1.Dialect() == sqlstore.Postgres {
				s2 = newStore(t, s1.DB(), sqlstore.Postgres)
			} else {
				s2 = newStore(t, s1.DB(), sqlstore.SQLite)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			for round := range 20 {
				name := "User" + itoa(round)
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i, s := range []*sqlstore.Store{s1, s2} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						u := &resource.User{ID: "r" + itoa(round) + "-" + itoa(i), UserName: name}
						if i == 1 {
							u.UserName = "user" + itoa(round) // the same name, other case
						}
						_, errs[i] = s.CreateUser(ctx, u)
					}()
				}
				wg.Wait()
				ok, conflict := 0, 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case errors.Is(err, store.ErrConflict):
						conflict++
					default:
						t.Errorf("round %d: CreateUser: %v", round, err)
					}
				}
				if ok != 1 || conflict != 1 {
					t.Errorf("round %d: %d successes and %d conflicts (%v), want 1 and 1", round, ok, conflict, errs)
				}
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
