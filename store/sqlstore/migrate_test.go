package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/filter"
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

// TestMigrateResourceJSON migrates a database written in the store's old
// document format (enterprise, extensions and extra members of its own):
// every row reads back as written, filters on the enterprise extension
// and on a custom extension find it, and the data column is the
// resource's JSON form.
func TestMigrateResourceJSON(t *testing.T) {
	const acme = "urn:example:params:scim:schemas:extension:acme:2.0:User"
	const acmeGroup = "urn:example:params:scim:schemas:extension:acme:2.0:Group"
	oldUser := `{"externalId":"ext-u1","userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"},` +
		`"displayName":"Babs","active":false,"emails":[{"value":"b@example.com","type":"work","primary":true},{"value":"c@example.com","primary":false}],` +
		`"addresses":[{"locality":"Paris","primary":true}],"roles":[{"value":"admin","display":"Admin"}],` +
		`"enterprise":{"department":"Tour Operations","manager":{"value":"u2","displayName":"Boss"}},` +
		`"extensions":{"` + acme + `":{"badge":"42","tags":["<a>", "b&c"]}},"extra":{"customField":"kept","enterprise":1}}`
	oldGroup := `{"externalId":"ext-g1","displayName":"Admins","extensions":{"` + acmeGroup + `":{"code":"7"}},"extra":{"note":"kept"}}`
	f := false
	tr := true
	wantUser := &resource.User{
		ID: "u1", ExternalID: "ext-u1", UserName: "bjensen", DisplayName: "Babs", Active: &f,
		Name:      &resource.Name{FamilyName: "Jensen", GivenName: "Barbara"},
		Emails:    []resource.MultiValue{{Value: "b@example.com", Type: "work", Primary: &tr}, {Value: "c@example.com", Primary: &f}},
		Addresses: []resource.Address{{Locality: "Paris", Primary: &tr}},
		Roles:     []resource.MultiValue{{Value: "admin", Display: "Admin"}},
		Groups:    []resource.GroupRef{{Value: "g1", Display: "Admins", Type: "direct"}},
		Enterprise: &resource.EnterpriseUser{Department: "Tour Operations",
			Manager: &resource.Manager{Value: "u2", DisplayName: "Boss"}},
		Extensions: map[string]json.RawMessage{acme: json.RawMessage(`{"badge":"42","tags":["<a>","b&c"]}`)},
		Extra:      map[string]json.RawMessage{"customField": json.RawMessage(`"kept"`), "enterprise": json.RawMessage(`1`)},
	}
	wantGroup := &resource.Group{
		ID: "g1", ExternalID: "ext-g1", DisplayName: "Admins",
		Members:    []resource.Member{{Value: "u1", Display: "Babs", Type: "User"}},
		Extensions: map[string]json.RawMessage{acmeGroup: json.RawMessage(`{"code":"7"}`)},
		Extra:      map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)},
	}
	ext := &resource.Schema{ID: acme, Name: "Acme", Attributes: []*resource.Attribute{{Name: "badge", Type: resource.TypeString}}}
	reg, err := resource.NewRegistry([]*resource.Schema{ext}, nil)
	if err != nil {
		t.Fatal(err)
	}
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
			ins(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, external_id, display_name, active, data, version)
				VALUES ('t', 'u1', 'bjensen', 'bjensen', 'ext-u1', 'Babs', $1, $2, 1)`, false, oldUser)
			ins(`INSERT INTO scim_groups (tenant, id, display_name, display_name_folded, external_id, data, version)
				VALUES ('t', 'g1', 'Admins', 'admins', 'ext-g1', $1, 1)`, oldGroup)
			ins(`INSERT INTO scim_group_members (tenant, group_id, member_id, member_type, display) VALUES ('t', 'g1', 'u1', 'User', 'Babs')`)
			// More rows than one page of the rewrite, in two tenants.
			for i := range 1100 {
				ins(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, data, version) VALUES ($1, $2, $3, $3, $4, 1)`,
					[]string{"a", "t"}[i%2], fmt.Sprintf("p%04d", i), fmt.Sprintf("p%04d", i), `{"userName":"x","extra":{"n":`+fmt.Sprint(i)+`}}`)
			}
			s, err := sqlstore.New(db, dialect)
			if err != nil {
				t.Fatalf("New (migrating): %v", err)
			}
			ctx := store.WithTenant(t.Context(), "t")
			u, err := s.GetUser(ctx, "u1")
			if err != nil {
				t.Fatal(err)
			}
			u.Meta = resource.Meta{}
			if d := cmp.Diff(wantUser, u); d != "" {
				t.Errorf("GetUser after the migration (-want +got):\n%s", d)
			}
			g, err := s.GetGroup(ctx, "g1", store.WithMembers)
			if err != nil {
				t.Fatal(err)
			}
			g.Meta = resource.Meta{}
			if d := cmp.Diff(wantGroup, g); d != "" {
				t.Errorf("GetGroup after the migration (-want +got):\n%s", d)
			}
			for _, f := range []string{
				`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour Operations"`,
				`manager.value eq "u2"`,
				acme + `:badge eq "42"`,
			} {
				l, err := s.QueryUsers(ctx, store.Query{ResourceType: reg.User, Filter: mustFilter(t, reg.User, f), Page: store.Page{StartIndex: 1, Count: 10}})
				if err != nil || len(l.Resources) != 1 || l.Resources[0].ID != "u1" {
					t.Errorf("QueryUsers(%s) after the migration: %v, %d users; want u1", f, err, len(l.Resources))
				}
			}
			for i := range 1100 {
				if i%97 != 0 {
					continue
				}
				u, err := s.GetUser(store.WithTenant(t.Context(), []string{"a", "t"}[i%2]), fmt.Sprintf("p%04d", i))
				if err != nil || string(u.Extra["n"]) != fmt.Sprint(i) {
					t.Errorf("GetUser(p%04d) after the migration: %v, %v; want extra n %d", i, u, err, i)
				}
			}
			var data string
			if err := db.QueryRow("SELECT data FROM scim_users WHERE id = 'u1'").Scan(&data); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(data, `{"schemas":["`+resource.UserSchema+`","`+resource.EnterpriseUserSchema+`","`+acme+`"]`) ||
				strings.Contains(data, `"extensions"`) || strings.Contains(data, `"extra"`) {
				t.Errorf("data column after the migration: %s; want the resource's JSON form", data)
			}
		})
	}
}

func mustFilter(t *testing.T, rt *resource.ResourceType, s string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := filter.Validate(e, rt); err != nil {
		t.Fatal(err)
	}
	return e
}
