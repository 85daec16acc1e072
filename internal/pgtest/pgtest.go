// Package pgtest gives a test a PostgreSQL schema of its own on the
// cluster that SCIM_TEST_POSTGRES_DSN names (.ci/postgres.sh starts a
// throwaway one). It is imported by tests only: it registers pgx's
// database/sql driver, "pgx".
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvDSN is the environment variable that names the test cluster.
const EnvDSN = "SCIM_TEST_POSTGRES_DSN"

// DSN returns the test cluster's DSN. Without one the test is skipped,
// and under CI=true it fails: CI must run the PostgreSQL tests.
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set, and CI=true: PostgreSQL tests must run in CI (.ci/run starts a cluster)", EnvDSN)
		}
		tb.Skipf("PostgreSQL tests skipped: set %s (eval \"$(.ci/postgres.sh start)\" starts a throwaway cluster)", EnvDSN)
	}
	return dsn
}

// Schema creates a schema named prefix_<random hex>, dropped with
// everything in it when the test ends, and returns the cluster's DSN with
// search_path set to it (pgx sends unknown parameters as run-time
// parameters), so that every connection opened on it sees only the
// schema's tables.
func Schema(tb testing.TB, prefix string) string {
	tb.Helper()
	dsn := DSN(tb)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("sql.Open(pgx): %v", err)
	}
	tb.Cleanup(func() { admin.Close() })
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("CREATE SCHEMA: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("DROP SCHEMA: %v", err)
		}
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("%s: %v", EnvDSN, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
