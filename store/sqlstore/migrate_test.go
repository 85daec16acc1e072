package sqlstore_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// migrationCount is the number of migrations of each dialect.
func migrationCount(tb testing.TB) int {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", "sqlite", "*.sql"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("migrations: %v, %d files", err, len(files))
	}
	return len(files)
}

// schemaV1 creates the schema of migration 0001 and records it, as a
// database the previous release migrated looks.
func schemaV1(tb testing.TB, db *sql.DB, d string) {
	tb.Helper()
	ddl, err := os.ReadFile(filepath.Join("migrations", d, "0001_init.sql"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE scim_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied text NOT NULL)`,
		string(ddl),
		`INSERT INTO scim_schema_migrations VALUES (1, '0001_init.sql', '2024-01-01T00:00:00Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// TestMigrateRefold migrates a database whose folded columns were
// strings.ToLower: they become filter.Fold keys, groups that share a name
// are kept (the oldest holds it), and afterwards lookups and uniqueness
// follow filter.Fold.
func TestMigrateRefold(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			db, dialect := openFresh(t, d)
			schemaV1(t, db, d)
			ins := func(q string, args ...any) {
				t.Helper()
				if dialect == sqlstore.SQLite {
					q = strings.ReplaceAll(q, "$", "?")
				}
				if _, err := db.Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, u := range [][3]string{{"u1", "\u212Aai@example.com", "2024-01-01"}, {"u2", "\u0130zel", "2024-01-02"}} {
				ins(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, data, version, created) VALUES ('t', $1, $2, $3, '{}', 1, $4)`,
					u[0], u[1], strings.ToLower(u[1]), u[2])
			}
			for _, g := range [][3]string{{"g2", "ADMINS", "2024-01-02"}, {"g1", "Admins", "2024-01-01"}, {"g3", "\u017Fales", "2024-01-03"}} {
				ins(`INSERT INTO scim_groups (tenant, id, display_name, display_name_folded, data, version, created) VALUES ('t', $1, $2, $3, '{}', 1, $4)`,
					g[0], g[1], strings.ToLower(g[1]), g[2])
			}
			s, err := sqlstore.New(db, dialect)
			if err != nil {
				t.Fatalf("New (migrating): %v", err)
			}
			ctx := store.WithTenant(t.Context(), "t")
			_, err = s.CreateUser(ctx, &resource.User{ID: "u3", UserName: "KAI@example.com"})
			wantConflict(t, "CreateUser of the Kelvin-sign user's name in ASCII", err)
			if _, err := s.CreateUser(ctx, &resource.User{ID: "u4", UserName: "izel"}); err != nil {
				t.Errorf("CreateUser(izel) after İzel: %v, want success", err)
			}
			_, err = s.CreateGroup(ctx, group("g4", "admins"))
			wantConflict(t, "CreateGroup of the duplicates' name", err)
			_, err = s.CreateGroup(ctx, group("g5", "SALES"))
			wantConflict(t, "CreateGroup(SALES) after ſales", err)
			// Both duplicates stay writable under their name; the oldest
			// holds it, so renaming the other away does not free it.
			for _, id := range []string{"g1", "g2"} {
				if _, err := s.ReplaceGroup(ctx, group(id, "Admins"), ""); err != nil {
					t.Errorf("ReplaceGroup(%s) keeping its name: %v", id, err)
				}
			}
			var key sql.NullString
			if err := db.QueryRow("SELECT display_name_key FROM scim_groups WHERE id = 'g1'").Scan(&key); err != nil || key.String != "admins" {
				t.Errorf("g1 display_name_key %v, %v; want admins", key, err)
			}
			if err := db.QueryRow("SELECT display_name_key FROM scim_groups WHERE id = 'g2'").Scan(&key); err != nil || key.Valid {
				t.Errorf("g2 display_name_key %v, %v; want NULL", key, err)
			}
		})
	}
}

// TestMigrateRefoldConflict: two users whose names only filter.Fold finds
// equal stop the migration, which changes nothing and names them.
func TestMigrateRefoldConflict(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			db, dialect := openFresh(t, d)
			schemaV1(t, db, d)
			for _, u := range [][2]string{{"u1", "sam"}, {"u2", "\u017Fam"}} {
				q := `INSERT INTO scim_users (tenant, id, user_name, user_name_folded, data, version) VALUES ('t', $1, $2, $3, '{}', 1)`
				if dialect == sqlstore.SQLite {
					q = strings.ReplaceAll(q, "$", "?")
				}
				if _, err := db.Exec(q, u[0], u[1], strings.ToLower(u[1])); err != nil {
					t.Fatal(err)
				}
			}
			_, err := sqlstore.New(db, dialect)
			if err == nil || !strings.Contains(err.Error(), `"u1"`) || !strings.Contains(err.Error(), `"u2"`) {
				t.Fatalf("New: %v, want an error naming u1 and u2", err)
			}
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM scim_schema_migrations").Scan(&n); err != nil || n != 1 {
				t.Errorf("scim_schema_migrations: %d rows, %v; want 1 (0002 rolled back)", n, err)
			}
			var folded string
			if err := db.QueryRow("SELECT user_name_folded FROM scim_users WHERE id = 'u2'").Scan(&folded); err != nil || folded != "\u017Fam" {
				t.Errorf("u2 user_name_folded %q, %v; want it unchanged", folded, err)
			}
		})
	}
}

func openFresh(t *testing.T, d string) (*sql.DB, sqlstore.Dialect) {
	t.Helper()
	if d == "postgres" {
		return openPostgres(t, postgresSchema(t)), sqlstore.Postgres
	}
	return sqliteDB(t), sqlstore.SQLite
}

func wantConflict(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("%s: %v, want ErrConflict", op, err)
	}
}

func group(id, name string) *resource.Group { return &resource.Group{ID: id, DisplayName: name} }
