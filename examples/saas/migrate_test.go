package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// reopenableDBs are the databases a migration test opens twice: the
// spec names one database for both.
var reopenableDBs = []struct {
	name string
	spec func(t *testing.T) string
}{
	{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
	{"Postgres", postgresSchema},
}

// TestMigrateFoldKeys opens a database made before the team name keys
// (email_folded held the orbit's smallest rune, "Kai" with a Kelvin sign
// under "Kai", and teams had no name key): OpenDB refolds the emails,
// keeps teams that share a name, and from then on the Kelvin sign is k.
func TestMigrateFoldKeys(t *testing.T) {
	for _, tc := range reopenableDBs {
		t.Run(tc.name, func(t *testing.T) {
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

// TestAccountCountsMigrate opens a database made before account_counts,
// with accounts in two tenants, one of them removed by SCIM: OpenDB counts
// them, and the triggers count what follows.
func TestAccountCountsMigrate(t *testing.T) {
	for _, tc := range reopenableDBs {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec(t)
			db := openTestDB(t, spec)
			ctx := t.Context()
			drop := []string{`DROP TRIGGER account_counts_insert`, `DROP TRIGGER account_counts_delete`, `DROP TRIGGER account_counts_update`, `DROP TABLE account_counts`}
			if db.dialect == postgresDialect {
				drop = []string{`DROP FUNCTION account_counts_change CASCADE`, `DROP FUNCTION account_counts_truncate CASCADE`, `DROP TABLE account_counts`}
			}
			for _, stmt := range drop {
				if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			for i, tenant := range []string{"t1", "t1", "t1", "t2"} {
				if _, err := db.InsertAccount(ctx, Account{TenantID: tenant, ID: fmt.Sprint("a", i), Email: fmt.Sprintf("a%d@example.com", i)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.ArchiveAccount(ctx, "t1", "a0", 0, db.now()); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db = openTestDB(t, spec)
			if _, err := db.InsertAccount(ctx, Account{TenantID: "t2", ID: "a9", Email: "a9@example.com"}); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				tenant, where string
				want          int
			}{{"t1", "", 3}, {"t1", scimVisible, 2}, {"t1", scimRemoved, 1}, {"t2", "", 2}, {"t2", scimVisible, 2}} {
				if _, total, _, err := db.FindAccounts(ctx, c.tenant, c.where, nil, Window{}); err != nil || total != c.want {
					t.Errorf("tenant %s, where %q: total %d, %v; want %d", c.tenant, c.where, total, err, c.want)
				}
			}
		})
	}
}

// TestLegacyExtraIsRead: a row whose scim_extra an earlier release wrote
// (encoding/json's rendering of the Go struct) reads as the resource it
// holds, and its next write stores the current form, which reads the
// same.
func TestLegacyExtraIsRead(t *testing.T) {
	yes := true
	u := &resource.User{
		ID: "a1", UserName: "ada@example.com", DisplayName: "Ada", Active: &yes,
		Name:       &resource.Name{GivenName: "Ada", FamilyName: "Lovelace", Formatted: "Ada Lovelace"},
		Emails:     []resource.MultiValue{{Value: "ada@example.com", Type: "work", Primary: &yes}},
		Enterprise: &resource.EnterpriseUser{Department: "R&D", Manager: &resource.Manager{Value: "m1", DisplayName: "Babbage"}},
		Extra:      map[string]json.RawMessage{"nickname2": json.RawMessage(`"countess"`)},
	}
	g := &resource.Group{ID: "g1", DisplayName: "Engines", Extra: map[string]json.RawMessage{"motto": json.RawMessage(`"compute"`)}}
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			s := NewSCIMStore(db)
			ctx := store.WithTenant(t.Context(), "t")
			if _, err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			// The earlier release's encoding of what the mapping keeps.
			a, err := accountFromUser("t", u)
			if err != nil {
				t.Fatal(err)
			}
			rest := resource.User{Name: &resource.Name{Formatted: "Ada Lovelace"}, Emails: u.Emails,
				Enterprise: &resource.EnterpriseUser{Manager: &resource.Manager{DisplayName: "Babbage"}}, Extra: u.Extra}
			legacy, _ := json.Marshal((*plainUser)(&rest))
			legacyGroup, _ := json.Marshal((*plainGroup)(&resource.Group{Extra: g.Extra}))
			if !legacyExtra(legacy) || legacyExtra(a.SCIMExtra) {
				t.Fatalf("legacyExtra: %s is %v, %s is %v", legacy, legacyExtra(legacy), a.SCIMExtra, legacyExtra(a.SCIMExtra))
			}
			for _, stmt := range []struct {
				sql   string
				extra []byte
			}{
				{"UPDATE accounts SET scim_extra = ? WHERE id = 'a1'", legacy},
				{"UPDATE teams SET scim_extra = ? WHERE id = 'g1'", legacyGroup},
			} {
				if _, err := db.sql.ExecContext(ctx, db.q(stmt.sql), string(stmt.extra)); err != nil {
					t.Fatal(err)
				}
			}
			check := func(when string) {
				t.Helper()
				got, err := s.GetUser(ctx, "a1")
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(u, got, cmpopts.IgnoreFields(resource.User{}, "Meta")); d != "" {
					t.Errorf("%s: user (-want +got):\n%s", when, d)
				}
				gg, err := s.GetGroup(ctx, "g1", store.WithMembers)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(g, gg, cmpopts.IgnoreFields(resource.Group{}, "Meta")); d != "" {
					t.Errorf("%s: group (-want +got):\n%s", when, d)
				}
			}
			check("legacy rows")
			if _, err := s.ReplaceUser(ctx, u, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ReplaceGroup(ctx, g, ""); err != nil {
				t.Fatal(err)
			}
			var extra string
			if err := db.sql.QueryRowContext(ctx, "SELECT scim_extra FROM accounts WHERE id = 'a1'").Scan(&extra); err != nil || legacyExtra([]byte(extra)) {
				t.Errorf("scim_extra after a write: %s, %v; want the current form", extra, err)
			}
			check("rewritten rows")
		})
	}
}
