package main

import (
	"path/filepath"
	"testing"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/connection/conntest"
)

// TestConnectionStore runs the library's contract kit for connection
// stores against the app's own tables, on an in-memory SQLite database, a
// SQLite file and PostgreSQL.
func TestConnectionStore(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec func(t *testing.T) string
	}{
		{"Memory", func(*testing.T) string { return "memory" }},
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{"Postgres", postgresSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conntest.Run(t, func(t *testing.T) connection.Store { return NewConnectionStore(openTestDB(t, tc.spec(t))) })
		})
	}
}
