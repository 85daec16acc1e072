package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/store/sqlstore"
)

// dsnEnv names the environment variable with the PostgreSQL DSN of the
// tests; .ci/postgres.sh starts a throwaway cluster and prints it.
const dsnEnv = "SCIM_TEST_POSTGRES_DSN"

// postgresDSN returns the test DSN. Without one the test is skipped,
// except under CI=true, where it fails.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set, and CI=true: PostgreSQL tests must run in CI (.ci/run starts a cluster)", dsnEnv)
		}
		tb.Skipf("PostgreSQL tests skipped: set %s (eval \"$(.ci/postgres.sh start)\" starts a throwaway cluster)", dsnEnv)
	}
	return dsn
}

// sqliteDB opens a fresh SQLite database file in a temporary directory.
func sqliteDB(tb testing.TB) *sql.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "scim.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		tb.Fatalf("sql.Open(sqlite): %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// postgresSchema creates a schema of its own for the test and returns a
// DSN whose connections use it, dropping the schema at cleanup.
func postgresSchema(tb testing.TB) string {
	tb.Helper()
	dsn := postgresDSN(tb)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("sql.Open(pgx): %v", err)
	}
	tb.Cleanup(func() { admin.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "scimtest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("CREATE SCHEMA: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("DROP SCHEMA: %v", err)
		}
	})
	return withSearchPath(tb, dsn, schema)
}

// withSearchPath adds search_path to a URL or keyword/value DSN; pgx
// sends unknown parameters as run-time parameters.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("%s: %v", dsnEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

func openPostgres(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("sql.Open(pgx): %v", err)
	}
	db.SetMaxOpenConns(20)
	tb.Cleanup(func() { db.Close() })
	return db
}

// newStore returns a store with the outbox on, so that every test of the
// write paths runs them with their events (TestOutboxWithout covers the
// default).
func newStore(tb testing.TB, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.New(db, d, sqlstore.WithOutbox())
	if err != nil {
		tb.Fatalf("sqlstore.New(%v): %v", d, err)
	}
	return s
}

// dialects are the stores under test: a fresh, migrated store per call.
var dialects = []struct {
	name string
	new  func(tb testing.TB) *sqlstore.Store
}{
	{"SQLite", func(tb testing.TB) *sqlstore.Store { return newStore(tb, sqliteDB(tb), sqlstore.SQLite) }},
	{"Postgres", func(tb testing.TB) *sqlstore.Store {
		return newStore(tb, openPostgres(tb, postgresSchema(tb)), sqlstore.Postgres)
	}},
}
