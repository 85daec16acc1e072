package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/scimkit/scim/internal/pgtest"
	"github.com/scimkit/scim/store/sqlstore"
)

// postgresDSN returns the test DSN. Without one the test is skipped,
// except under CI=true, where it fails.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	return pgtest.DSN(tb)
}

// sqliteDB opens a fresh SQLite database file in a temporary directory.
func sqliteDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return sqliteDBWith(tb, "")
}

// sqliteDBWith is sqliteDB with more DSN parameters (each "&name=value").
func sqliteDBWith(tb testing.TB, params string) *sql.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "scim.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"+params)
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
	return pgtest.Schema(tb, "scimtest")
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
