package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/storetest"
)

// postgresDSNEnv names the environment variable with the PostgreSQL DSN
// of the tests; `eval "$(.ci/postgres.sh start)"` starts a throwaway
// cluster and sets it.
const postgresDSNEnv = "SCIM_TEST_POSTGRES_DSN"

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
func postgresSchema(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgresDSNEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true: PostgreSQL tests must run in CI (.ci/run starts a cluster)", postgresDSNEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (eval \"$(.ci/postgres.sh start)\" starts a throwaway cluster)", postgresDSNEnv)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("sql.Open(pgx): %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "saastest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("CREATE SCHEMA: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("DROP SCHEMA: %v", err)
		}
	})
	// pgx sends unknown URL parameters as run-time parameters.
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		t.Fatalf("%s must be a postgres:// URL for the example's -store flag, not %q", postgresDSNEnv, dsn)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", postgresDSNEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestSCIMStore runs the library's conformance kit against the adapter on
// each database: it proves the mapping keeps every SCIM attribute,
// enforces userName uniqueness per tenant, versions writes and derives
// User.groups.
func TestSCIMStore(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				return NewSCIMStore(tdb.open(t))
			})
		})
	}
}
