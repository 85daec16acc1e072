package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// TestMigrateFoldKeys opens a database made before the team name keys
// (email_folded held the orbit's smallest rune, "Kai" with a Kelvin sign
// under "Kai", and teams had no name key): OpenDB refolds the emails,
// keeps teams that share a name, and from then on the Kelvin sign is k.
func TestMigrateFoldKeys(t *testing.T) {
	for _, tc := range []struct{ name, spec func(t *testing.T) string }{
		{func(*testing.T) string { return "SQLite" }, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{func(*testing.T) string { return "Postgres" }, postgresSchema},
	} {
		t.Run(tc.name(t), func(t *testing.T) {
			spec := tc.spec(t)
			db := openTestDB(t, spec)
			for _, q := range []string{
				`DROP INDEX teams_name_key`, `DROP INDEX teams_name_folded`,
				`ALTER TABLE teams DROP COLUMN name_key`, `ALTER TABLE teams DROP COLUMN name_folded`,
				`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name, family_name, full_name, job_title, department,
					manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra)
					VALUES ('t', 'a1', '` + "\u212A" + `ai@example.com', 'Kai@example.com', '', '', '', '', '', '', false,
					'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 1, '', '{}')`,
				`INSERT INTO teams (tenant_id, id, name, created_at, updated_at, version, scim_external_id, scim_extra)
					VALUES ('t', 'g1', 'Admins', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 1, '', '{}')`,
				`INSERT INTO teams (tenant_id, id, name, created_at, updated_at, version, scim_external_id, scim_extra)
					VALUES ('t', 'g2', 'ADMINS', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 1, '', '{}')`,
			} {
				if _, err := db.sql.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			s := NewSCIMStore(openTestDB(t, spec))
			ctx := store.WithTenant(t.Context(), "t")
			_, err := s.CreateUser(ctx, &resource.User{ID: "a2", UserName: "kai@example.com"})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateUser(kai@) after the Kelvin-sign Kai@: %v, want ErrConflict", err)
			}
			_, err = s.CreateGroup(ctx, &resource.Group{ID: "g3", DisplayName: "admins"})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateGroup(admins): %v, want ErrConflict", err)
			}
			for _, id := range []string{"g1", "g2"} {
				if _, err := s.ReplaceGroup(ctx, &resource.Group{ID: id, DisplayName: "Admins"}, ""); err != nil {
					t.Errorf("ReplaceGroup(%s) keeping its name: %v", id, err)
				}
			}
		})
	}
}
