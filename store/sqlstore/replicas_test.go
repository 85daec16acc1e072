package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// replicaDBs opens two *sql.DB on one database, as two app replicas
// would.
var replicaDBs = []struct {
	name string
	open func(t *testing.T) (*sql.DB, *sql.DB, sqlstore.Dialect)
}{
	{"Postgres", func(t *testing.T) (*sql.DB, *sql.DB, sqlstore.Dialect) {
		dsn := postgresSchema(t)
		return openPostgres(t, dsn), openPostgres(t, dsn), sqlstore.Postgres
	}},
	{"SQLite", func(t *testing.T) (*sql.DB, *sql.DB, sqlstore.Dialect) {
		path := t.TempDir() + "/scim.db"
		open := func() *sql.DB {
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
			if err != nil {
				t.Fatalf("sql.Open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		return open(), open(), sqlstore.SQLite
	}},
}

// TestReplicasConcurrentPatch runs two scim.Server instances, as two app
// replicas would, each with its own *sql.DB on one database, and sends
// PATCHes adding 50 different members to one group from 8 workers,
// alternating between the replicas. Every member must be there at the end.
func TestReplicasConcurrentPatch(t *testing.T) {
	for _, r := range replicaDBs {
		t.Run(r.name, func(t *testing.T) {
			db1, db2, d := r.open(t)
			var servers []*scim.Server
			var stores []*sqlstore.Store
			for _, db := range []*sql.DB{db1, db2} {
				st := newStore(t, db, d)
				srv, err := scim.New(scim.Config{
					Store: st,
					Authenticate: scim.BearerTokens(func(context.Context, string) (string, bool, error) {
						return "tenant-a", true, nil
					}),
				})
				if err != nil {
					t.Fatalf("scim.New: %v", err)
				}
				servers = append(servers, srv)
				stores = append(stores, st)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			const users, workers = 50, 8
			var want []string
			for i := 1; i <= users; i++ {
				id := fmt.Sprintf("u%02d", i)
				want = append(want, id)
				if _, err := stores[i%2].CreateUser(ctx, &resource.User{ID: id, UserName: "user" + id}); err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
			}
			if _, err := stores[0].CreateGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Everyone"}); err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w + 1; i <= users; i += workers {
						body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
							"Operations":[{"op":"add","path":"members","value":[{"value":"u%02d"}]}]}`, i)
						req := httptest.NewRequest(http.MethodPatch, "/Groups/g1", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer t")
						req.Header.Set("Content-Type", "application/scim+json")
						rec := httptest.NewRecorder()
						servers[i%2].ServeHTTP(rec, req)
						if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
							t.Errorf("PATCH adding u%02d: %d %s", i, rec.Code, rec.Body)
						}
					}
				}()
			}
			wg.Wait()
			for i, st := range stores {
				g, err := st.GetGroup(ctx, "g1", store.WithMembers)
				if err != nil {
					t.Fatalf("replica %d: GetGroup: %v", i+1, err)
				}
				var got []string
				for _, m := range g.Members {
					got = append(got, m.Value)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("replica %d sees members %q, want %q", i+1, got, want)
				}
			}
		})
	}
}

// TestReplicasConcurrentCreateSameUserName sends, many times over, one
// POST /Users to each of two replicas at the same moment with the same
// userName in different case: exactly one is 201 and the other 409
// uniqueness, because the database's unique index decides.
func TestReplicasConcurrentCreateSameUserName(t *testing.T) {
	for _, r := range replicaDBs {
		t.Run(r.name, func(t *testing.T) {
			db1, db2, d := r.open(t)
			var servers []*scim.Server
			for _, db := range []*sql.DB{db1, db2} {
				srv, err := scim.New(scim.Config{Store: newStore(t, db, d), Authenticate: scim.NoAuthentication})
				if err != nil {
					t.Fatalf("scim.New: %v", err)
				}
				servers = append(servers, srv)
			}
			for round := range 20 {
				codes := make([]int, 2)
				bodies := make([]string, 2)
				var wg sync.WaitGroup
				for i, srv := range servers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						name := fmt.Sprintf("user%d@example.com", round)
						if i == 1 {
							name = strings.ToUpper(name)
						}
						req := httptest.NewRequest(http.MethodPost, "/Users", strings.NewReader(`{"userName":"`+name+`"}`))
						rec := httptest.NewRecorder()
						srv.ServeHTTP(rec, req)
						codes[i], bodies[i] = rec.Code, rec.Body.String()
					}()
				}
				wg.Wait()
				slices.Sort(codes)
				if codes[0] != http.StatusCreated || codes[1] != http.StatusConflict {
					t.Fatalf("round %d: statuses %v, want one 201 and one 409: %q", round, codes, bodies)
				}
				for _, b := range bodies {
					if strings.Contains(b, `"status":"409"`) && !strings.Contains(b, `"scimType":"uniqueness"`) {
						t.Errorf("round %d: 409 without scimType uniqueness: %s", round, b)
					}
				}
			}
		})
	}
}
