package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// appExt is a custom User extension with numeric attributes, for the
// number comparisons.
const appExt = "urn:example:params:scim:schemas:app:1.0:User"

// appRegistry is the default registry plus appExt.
func appRegistry(tb testing.TB) *resource.Registry {
	tb.Helper()
	reg, err := resource.NewRegistry([]*resource.Schema{{
		ID:   appExt,
		Name: "App",
		Attributes: []*resource.Attribute{
			{Name: "loginCount", Type: resource.TypeInteger, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
			{Name: "score", Type: resource.TypeDecimal, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
		},
	}}, nil)
	if err != nil {
		tb.Fatalf("NewRegistry: %v", err)
	}
	return reg
}

// accountColumns maps the User attributes onto the accounts table of
// createAccounts.
func accountColumns(d sqlstore.Dialect) map[string]string {
	id := "CAST(a.id AS TEXT)"
	if d == sqlstore.Postgres {
		id = "a.id::text"
	}
	return map[string]string{
		"id":             "  " + id,
		"EXTERNALID":     "a.external_id",
		"userName":       "a.email",
		"emails.value":   "a.email",
		"name.givenName": "a.given_name",
		"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "a.family_name",
		"active":            "a.active",
		"meta.lastModified": "a.updated_at",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "a.department",
		"manager":                       "a.manager_id",
		appExt + ":loginCount":          "a.login_count",
		appExt + ":score":               "a.score",
		"urn:example:unregistered:attr": "a.nothing",
	}
}

func TestTranslateSQL(t *testing.T) {
	rt := appRegistry(t).User
	when := time.Date(2024, time.March, 15, 6, 0, 0, 500_000_000, time.UTC)
	tests := []struct {
		filter     string
		pg         string
		pgArgs     []any
		sqlite     string
		sqliteArgs []any
	}{
		{
			filter: `userName eq "BJensen@Example.com"`,
			pg:     `(a.email IS NOT NULL AND a.email <> '' AND replace(replace(lower((a.email) COLLATE "C"), 'K', 'k'), 'ſ', 's') = $2)`, pgArgs: []any{"bjensen@example.com"},
			sqlite: `(a.email IS NOT NULL AND a.email <> '' AND replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's') = ?)`, sqliteArgs: []any{"bjensen@example.com"},
		},
		{
			filter: `externalId eq "ext-1"`,
			pg:     `(a.external_id IS NOT NULL AND a.external_id <> '' AND a.external_id = $2)`, pgArgs: []any{"ext-1"},
			sqlite: `(a.external_id IS NOT NULL AND a.external_id <> '' AND a.external_id COLLATE BINARY = ?)`, sqliteArgs: []any{"ext-1"},
		},
		{
			filter: `id eq "2"`,
			pg:     `((a.id::text) IS NOT NULL AND (a.id::text) <> '' AND (a.id::text) = $2)`, pgArgs: []any{"2"},
			sqlite: `((CAST(a.id AS TEXT)) IS NOT NULL AND (CAST(a.id AS TEXT)) <> '' AND (CAST(a.id AS TEXT)) COLLATE BINARY = ?)`, sqliteArgs: []any{"2"},
		},
		{
			filter: `userName co "100%_\\"`,
			pg:     `(a.email IS NOT NULL AND a.email <> '' AND (replace(replace(lower((a.email) COLLATE "C"), 'K', 'k'), 'ſ', 's')) COLLATE "C" LIKE $2 ESCAPE '\')`, pgArgs: []any{`%100\%\_\\%`},
			sqlite: `(a.email IS NOT NULL AND a.email <> '' AND instr(replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's'), ?) > 0)`, sqliteArgs: []any{`100%_\`},
		},
		{
			filter: `userName sw "J"`,
			pg:     `(a.email IS NOT NULL AND a.email <> '' AND (replace(replace(lower((a.email) COLLATE "C"), 'K', 'k'), 'ſ', 's')) COLLATE "C" LIKE $2 ESCAPE '\')`, pgArgs: []any{"j%"},
			sqlite: `(a.email IS NOT NULL AND a.email <> '' AND substr(replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's'), 1, length(?)) = ?)`, sqliteArgs: []any{"j", "j"},
		},
		{
			filter: `emails ew ".ORG"`,
			pg:     `(a.email IS NOT NULL AND a.email <> '' AND (replace(replace(lower((a.email) COLLATE "C"), 'K', 'k'), 'ſ', 's')) COLLATE "C" LIKE $2 ESCAPE '\')`, pgArgs: []any{"%.org"},
			sqlite:     `(a.email IS NOT NULL AND a.email <> '' AND length(replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's')) >= length(?) AND substr(replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's'), -length(?)) = ?)`,
			sqliteArgs: []any{".org", ".org", ".org"},
		},
		{
			filter: `name.givenName gt "B"`,
			pg:     `(a.given_name IS NOT NULL AND a.given_name <> '' AND (replace(replace(lower((a.given_name) COLLATE "C"), 'K', 'k'), 'ſ', 's')) COLLATE "C" > $2)`, pgArgs: []any{"b"},
			sqlite: `(a.given_name IS NOT NULL AND a.given_name <> '' AND replace(replace(lower(a.given_name), 'K', 'k'), 'ſ', 's') > ?)`, sqliteArgs: []any{"b"},
		},
		{
			filter: `active ne true and externalId pr`,
			pg:     `((NOT (a.active IS NOT NULL AND a.active = $2)) AND (a.external_id IS NOT NULL AND a.external_id <> ''))`, pgArgs: []any{true},
			sqlite: `((NOT (a.active IS NOT NULL AND a.active = ?)) AND (a.external_id IS NOT NULL AND a.external_id <> ''))`, sqliteArgs: []any{true},
		},
		{
			filter: `name.familyName eq null or not (emails pr) or manager eq "m1"`,
			pg: `(((NOT (a.family_name IS NOT NULL AND a.family_name <> '')) OR (NOT (a.email IS NOT NULL AND a.email <> ''))) OR ` +
				`(a.manager_id IS NOT NULL AND a.manager_id <> '' AND a.manager_id = $2))`,
			pgArgs: []any{"m1"},
			sqlite: `(((NOT (a.family_name IS NOT NULL AND a.family_name <> '')) OR (NOT (a.email IS NOT NULL AND a.email <> ''))) OR ` +
				`(a.manager_id IS NOT NULL AND a.manager_id <> '' AND a.manager_id COLLATE BINARY = ?))`,
			sqliteArgs: []any{"m1"},
		},
		{
			filter: `meta.lastModified ge "2024-03-15T08:00:00.5+02:00"`,
			pg:     `(a.updated_at IS NOT NULL AND a.updated_at >= $2)`, pgArgs: []any{when},
			sqlite:     `(julianday(a.updated_at) IS NOT NULL AND julianday(a.updated_at) >= julianday(?))`,
			sqliteArgs: []any{"2024-03-15T06:00:00.500Z"},
		},
		{
			filter:     appExt + `:loginCount gt 10 and score le 2.5`,
			pg:         `((a.login_count IS NOT NULL AND a.login_count > CAST($2 AS numeric)) AND (a.score IS NOT NULL AND a.score <= CAST($3 AS numeric)))`,
			pgArgs:     []any{"10", "2.5"},
			sqlite:     `((a.login_count IS NOT NULL AND a.login_count > ?) AND (a.score IS NOT NULL AND a.score <= ?))`,
			sqliteArgs: []any{int64(10), 2.5},
		},
		{
			filter: `userName eq 42`, // a number compares as its text, as in filter.Match
			pg:     `(a.email IS NOT NULL AND a.email <> '' AND replace(replace(lower((a.email) COLLATE "C"), 'K', 'k'), 'ſ', 's') = $2)`, pgArgs: []any{"42"},
			sqlite: `(a.email IS NOT NULL AND a.email <> '' AND replace(replace(lower(a.email), 'K', 'k'), 'ſ', 's') = ?)`, sqliteArgs: []any{"42"},
		},
		{
			filter: `department eq true or active eq "yes" or loginCount co "1"`, // false in filter.Match too
			pg:     `(((1 = 0) OR (1 = 0)) OR (1 = 0))`,
			sqlite: `(((1 = 0) OR (1 = 0)) OR (1 = 0))`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := filter.Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.SQLite} {
				where, args, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: d, ResourceType: rt, Columns: accountColumns(d), FirstArg: 2})
				if err != nil {
					t.Fatalf("%v: %v", d, err)
				}
				want, wantArgs := tt.pg, tt.pgArgs
				if d == sqlstore.SQLite {
					want, wantArgs = tt.sqlite, tt.sqliteArgs
				}
				if where != want {
					t.Errorf("%v where:\n got %s\nwant %s", d, where, want)
				}
				if diff := cmp.Diff(wantArgs, args); diff != "" {
					t.Errorf("%v args (-want +got):\n%s", d, diff)
				}
			}
		})
	}
}

// TestTranslateFirstArg checks the placeholder numbering.
func TestTranslateFirstArg(t *testing.T) {
	e, err := filter.Parse(`userName eq "a" or externalId eq "b"`)
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]string{"userName": "u", "externalId": "x"}
	for _, tt := range []struct {
		first int
		want  string
	}{
		{0, `((u IS NOT NULL AND u <> '' AND replace(replace(lower((u) COLLATE "C"), 'K', 'k'), 'ſ', 's') = $1) OR (x IS NOT NULL AND x <> '' AND x = $2))`},
		{1, `((u IS NOT NULL AND u <> '' AND replace(replace(lower((u) COLLATE "C"), 'K', 'k'), 'ſ', 's') = $1) OR (x IS NOT NULL AND x <> '' AND x = $2))`},
		{5, `((u IS NOT NULL AND u <> '' AND replace(replace(lower((u) COLLATE "C"), 'K', 'k'), 'ſ', 's') = $5) OR (x IS NOT NULL AND x <> '' AND x = $6))`},
	} {
		got, _, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: sqlstore.Postgres, Columns: cols, FirstArg: tt.first})
		if err != nil || got != tt.want {
			t.Errorf("FirstArg %d: got %q, %v; want %q", tt.first, got, err, tt.want)
		}
	}
	got, _, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: sqlstore.SQLite, Columns: cols, FirstArg: 5})
	if want := `((u IS NOT NULL AND u <> '' AND replace(replace(lower(u), 'K', 'k'), 'ſ', 's') = ?) OR (x IS NOT NULL AND x <> '' AND x COLLATE BINARY = ?))`; err != nil || got != want {
		t.Errorf("SQLite: got %q, %v; want %q", got, err, want)
	}
}

func TestTranslateErrors(t *testing.T) {
	rt := appRegistry(t).User
	unsupported := []string{
		`title eq "x"`,                            // no column
		`name.formatted pr`,                       // no column
		`emails[type eq "work"]`,                  // value filter
		`emails[type eq "work"].value eq "a@b.c"`, // Entra's form of it
		`userName eq "élodie@example.fr"`,         // case-insensitive, non-ASCII
		`name pr`,                                 // complex, no value sub-attribute
		`groups eq "g1"`,                          // no column
		`schemas eq "urn:x"`,                      // not a registered attribute
		`password eq "secret"`,                    // returned never: filter.Match refuses it
		`nosuch eq "x"`,                           // unknown
		`meta.lastModified gt "2024-01-01T00:00:00.0000001Z"`, // finer than both databases
		`loginCount gt 1e999`,              // out of range
		`userName eq "a" and title eq "x"`, // one side untranslatable
	}
	for _, f := range unsupported {
		e, err := filter.Parse(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.SQLite} {
			where, args, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: d, ResourceType: rt, Columns: accountColumns(d)})
			if !errors.Is(err, store.ErrUnsupported) || where != "" || args != nil {
				t.Errorf("%v %s: got %q, %v, %v; want store.ErrUnsupported", d, f, where, args, err)
			}
		}
	}
	// Precision: microseconds translate on PostgreSQL only.
	e, _ := filter.Parse(`meta.lastModified gt "2024-01-01T00:00:00.000001Z"`)
	if _, _, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: sqlstore.Postgres, ResourceType: rt, Columns: accountColumns(sqlstore.Postgres)}); err != nil {
		t.Errorf("Postgres, microseconds: %v", err)
	}
	if _, _, err := sqlstore.Translate(e, sqlstore.Mapping{Dialect: sqlstore.SQLite, ResourceType: rt, Columns: accountColumns(sqlstore.SQLite)}); !errors.Is(err, store.ErrUnsupported) {
		t.Errorf("SQLite, microseconds: got %v, want store.ErrUnsupported", err)
	}

	// A wrong Mapping is not ErrUnsupported: it would hide the bug behind
	// the slow path.
	ok, _ := filter.Parse(`userName eq "x"`)
	for name, m := range map[string]sqlstore.Mapping{
		"no dialect":       {Columns: map[string]string{"userName": "a.email"}},
		"unknown key":      {Dialect: sqlstore.SQLite, Columns: map[string]string{"userName": "a.email", "usrName": "a.email"}},
		"unknown sub":      {Dialect: sqlstore.SQLite, Columns: map[string]string{"name.family": "a.family_name"}},
		"core URN, typo":   {Dialect: sqlstore.SQLite, Columns: map[string]string{"urn:ietf:params:scim:schemas:core:2.0:User:usrName": "a.email"}},
		"empty expression": {Dialect: sqlstore.Postgres, Columns: map[string]string{"userName": " "}},
	} {
		if _, _, err := sqlstore.Translate(ok, m); err == nil || errors.Is(err, store.ErrUnsupported) {
			t.Errorf("%s: got %v, want a mapping error", name, err)
		}
	}
	if _, _, err := sqlstore.Translate(nil, sqlstore.Mapping{Dialect: sqlstore.SQLite}); err == nil {
		t.Error("nil filter: got no error")
	}
}

// account is one row of the app's accounts table, and the user the app's
// store makes of it.
type account struct {
	id         int64
	tenant     string
	externalID sql.NullString
	email      string
	givenName  sql.NullString
	familyName sql.NullString
	active     sql.NullBool
	department sql.NullString
	managerID  sql.NullString
	updatedAt  time.Time // zero: NULL
	loginCount sql.NullInt64
	score      sql.NullFloat64
}

func str(s string) sql.NullString { return sql.NullString{String: s, Valid: true} }

func (a account) user() *resource.User {
	u := &resource.User{ID: strconv.FormatInt(a.id, 10), ExternalID: a.externalID.String, UserName: a.email}
	if a.email != "" {
		u.Emails = []resource.MultiValue{{Value: a.email}}
	}
	if a.givenName.String != "" || a.familyName.String != "" {
		u.Name = &resource.Name{GivenName: a.givenName.String, FamilyName: a.familyName.String}
	}
	if a.active.Valid {
		u.Active = &a.active.Bool
	}
	if a.department.String != "" || a.managerID.String != "" {
		u.Enterprise = &resource.EnterpriseUser{Department: a.department.String}
		if a.managerID.String != "" {
			u.Enterprise.Manager = &resource.Manager{Value: a.managerID.String}
		}
	}
	u.Meta.LastModified = a.updatedAt
	ext := map[string]any{}
	if a.loginCount.Valid {
		ext["loginCount"] = a.loginCount.Int64
	}
	if a.score.Valid {
		ext["score"] = a.score.Float64
	}
	if len(ext) > 0 {
		raw, _ := json.Marshal(ext)
		u.Extensions = map[string]json.RawMessage{appExt: raw}
	}
	return u
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var accounts = []account{
	{id: 1, tenant: "t1", externalID: str("ext-1"), email: "bjensen@example.com", givenName: str("Barbara"), familyName: str("Jensen"),
		active: sql.NullBool{Bool: true, Valid: true}, department: str("Sales"), managerID: str("7"), updatedAt: at("2024-01-01T10:00:00Z"),
		loginCount: sql.NullInt64{Int64: 12, Valid: true}, score: sql.NullFloat64{Float64: 2.5, Valid: true}},
	{id: 2, tenant: "t1", externalID: str("EXT-2"), email: "JSmith@Example.org", givenName: str("John"), familyName: str("Smith"),
		active: sql.NullBool{Bool: false, Valid: true}, department: str(""), updatedAt: at("2024-06-01T12:30:00.5Z"),
		loginCount: sql.NullInt64{Int64: 3, Valid: true}, score: sql.NullFloat64{Float64: 0.1, Valid: true}},
	{id: 3, tenant: "t1", email: "100%_sure@example.com", givenName: str("Per_Cent"), familyName: str("O'Brien"),
		active: sql.NullBool{Bool: true, Valid: true}, department: str("R&D"), updatedAt: at("2024-03-15T08:00:00.25+02:00"),
		loginCount: sql.NullInt64{Int64: 10, Valid: true}},
	{id: 4, tenant: "t1", externalID: str("ext-4"), email: "a_b@x.io", givenName: str(""), managerID: str("1")},
	{id: 5, tenant: "t1", externalID: str(""), email: "100x_sure@example.com", familyName: str("sure"),
		active: sql.NullBool{Bool: false, Valid: true}, department: str("sales"), updatedAt: at("2023-12-31T23:59:59.999Z")},
	{id: 6, tenant: "t1", externalID: str("ext-6"), email: "ÉLODIE@example.fr", givenName: str("Élodie"), familyName: str("Zola"),
		active: sql.NullBool{Bool: true, Valid: true}, updatedAt: at("2024-03-15T06:00:00.25Z")},
	{id: 7, tenant: "t1", externalID: str("ext-1"), email: "back\\slash@example.com", givenName: str("b"), familyName: str("Back"),
		updatedAt: at("2025-01-01T00:00:00Z"), score: sql.NullFloat64{Float64: -3, Valid: true}},
	// Runes whose case folding lower() does not know: the Kelvin sign and
	// long s fold to k and s, dotted İ is only itself.
	{id: 9, tenant: "t1", email: "\u212Aai.\u017Fmith@example.com", givenName: str("\u212Aai"), familyName: str("\u0130zel")},
	{id: 10, tenant: "t1", email: "kai.smith@example.org", givenName: str("kai"), familyName: str("izel")},
	// Another tenant's twin of user 1: the app's WHERE tenant = ? keeps it out.
	{id: 8, tenant: "t2", externalID: str("ext-1"), email: "bjensen@example.com", active: sql.NullBool{Bool: true, Valid: true}},
}

// semanticFilters are checked against filter.Match over the same users.
var semanticFilters = []string{
	`userName eq "BJENSEN@example.COM"`,
	`userName eq "jsmith@example.org"`,
	`userName ne "bjensen@example.com"`,
	`userName sw "J"`,
	`userName sw "100%"`,
	`userName co "100%_"`,
	`userName co "%"`,
	`userName co "a_b"`,
	`userName co "_"`,
	`userName co "\\"`,
	`userName co "K\\S"`,
	`userName ew ".COM"`,
	`userName co ""`,
	`userName co "example.fr"`,
	`userName gt "b"`,
	`userName lt "B"`,
	`emails eq "bjensen@example.com"`,
	`emails.value ew "org"`,
	`emails pr`,
	`id eq "3"`,
	`id gt "5"`,
	`externalId eq "ext-1"`,
	`externalId eq "EXT-1"`,
	`externalId eq "ext-2"`,
	`externalId ne "ext-1"`,
	`externalId pr`,
	`not (externalId pr)`,
	`externalId eq null`,
	`externalId ne null`,
	`externalId sw "EXT"`,
	`externalId co "xt-"`,
	`externalId gt "ext-2"`,
	`name.givenName eq ""`,
	`name.givenName pr`,
	`name.givenName co "_"`,
	`name.givenName lt "c"`,
	`name.familyName ne null`,
	`name.familyName eq null`,
	`name.familyName ge "o"`,
	`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "'"`,
	`active eq true`,
	`active eq false`,
	`active eq "False"`,
	`active ne true`,
	`active pr`,
	`active eq null`,
	`meta.lastModified gt "2024-03-01T00:00:00Z"`,
	`meta.lastModified le "2024-06-01T12:30:00.5Z"`,
	`meta.lastModified lt "2024-06-01T12:30:00.5Z"`,
	`meta.lastModified eq "2024-03-15T06:00:00.25Z"`,
	`meta.lastModified eq "2024-03-15T08:00:00.250+02:00"`,
	`meta.lastModified ge "2024-01-01T00:00:00Z"`,
	`meta.lastModified ne "2024-01-01T10:00:00Z"`,
	`meta.lastModified pr`,
	`meta.lastModified eq null`,
	`meta.lastModified gt "not a time"`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "SALES"`,
	`department pr`,
	`department gt "m"`,
	`manager eq "7"`,
	`manager pr`,
	`manager.value ne "1"`,
	appExt + `:loginCount gt 10`,
	`loginCount ge 10`,
	`loginCount eq 3`,
	`loginCount lt 10.5`,
	`loginCount ne 12`,
	`loginCount pr`,
	`score le 0.1`,
	`score gt -3`,
	`score eq 2.5e0`,
	`userName eq "kai.smith@example.com"`,
	`userName eq "KAI.SMITH@EXAMPLE.COM"`,
	`userName sw "kai"`,
	`userName co "SMITH"`,
	`userName co "\u017F"`,
	`userName eq "\u212Aai.smith@example.org"`,
	`userName gt "kai.smith@example.com"`,
	`userName le "KAI.SMITH@EXAMPLE.COM"`,
	`name.givenName eq "KAI"`,
	`name.givenName co "k"`,
	`name.givenName lt "kaj"`,
	`name.familyName eq "izel"`,
	`name.familyName eq "IZEL"`,
	`name.familyName sw "i"`,
	`name.familyName gt "izel"`,
	`userName sw "b" and active eq true or name.givenName co "_"`,
	`userName sw "b" and (active eq true or name.givenName co "_")`,
	`not (userName co "example") or not (active eq true)`,
	`not (not (externalId pr and active ne false))`,
	`(name.familyName pr or department pr) and not (meta.lastModified lt "2024-03-15T06:00:00.25Z")`,
}

// TestTranslateSemantics runs every filter of semanticFilters through
// Translate against an app-shaped table, and through filter.Match over the
// users the rows stand for: the IDs must agree, on both dialects.
func TestTranslateSemantics(t *testing.T) {
	reg := appRegistry(t)
	var users []*resource.User
	for _, a := range accounts {
		if a.tenant == "t1" {
			users = append(users, a.user())
		}
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			var db *sql.DB
			dialect := sqlstore.SQLite
			if d.name == "Postgres" {
				db, dialect = openPostgres(t, postgresSchema(t)), sqlstore.Postgres
			} else {
				db = sqliteDB(t)
			}
			createAccounts(t, db, dialect)
			plain := sqlstore.Mapping{Dialect: dialect, ResourceType: reg.User, Columns: accountColumns(dialect), FirstArg: 2}
			folded := plain
			folded.Folded = map[string]string{"userName": "a.email_folded"}
			for _, run := range []struct {
				name string
				m    sqlstore.Mapping
			}{{"Columns", plain}, {"Folded", folded}} {
				t.Run(run.name, func(t *testing.T) { checkSemantics(t, db, dialect, run.m, users) })
			}
		})
	}
}

func checkSemantics(t *testing.T, db *sql.DB, dialect sqlstore.Dialect, m sqlstore.Mapping, users []*resource.User) {
	reg := appRegistry(t)
	query := "SELECT a.id FROM accounts a WHERE a.tenant = $1 AND "
	if dialect == sqlstore.SQLite {
		query = "SELECT a.id FROM accounts a WHERE a.tenant = ? AND "
	}
	for _, f := range semanticFilters {
		e, err := filter.Parse(f)
		if err != nil {
			t.Fatalf("Parse(%s): %v", f, err)
		}
		want := []string{}
		for _, u := range users {
			ok, err := filter.Match(e, reg.User, u)
			if err != nil {
				t.Fatalf("Match(%s): %v", f, err)
			}
			if ok {
				want = append(want, u.ID)
			}
		}
		where, args, err := sqlstore.Translate(e, m)
		if errors.Is(err, store.ErrUnsupported) && m.Folded == nil && strings.Contains(f, `\u`) {
			continue // a non-ASCII value on a column that is not folded
		}
		if err != nil {
			t.Errorf("Translate(%s): %v", f, err)
			continue
		}
		rows, err := db.Query(query+where+" ORDER BY a.id", append([]any{"t1"}, args...)...)
		if err != nil {
			t.Errorf("%s: %v\n%s", f, err, where)
			continue
		}
		got := []string{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, strconv.FormatInt(id, 10))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: ids (-filter.Match +SQL):\n%s\nwhere %s\nargs %v", f, diff, where, args)
		}
	}
}

// createAccounts creates and fills the app's table: integer ids, a
// case-insensitive external_id column on SQLite (which Translate must not
// trust for the caseExact externalId), real booleans and timestamps.
func createAccounts(tb testing.TB, db *sql.DB, d sqlstore.Dialect) {
	tb.Helper()
	ddl := `CREATE TABLE accounts (
		id INTEGER PRIMARY KEY,
		tenant TEXT NOT NULL,
		external_id TEXT COLLATE NOCASE,
		email TEXT NOT NULL COLLATE NOCASE,
		given_name TEXT,
		family_name TEXT,
		active INTEGER,
		department TEXT,
		manager_id TEXT,
		updated_at TEXT,
		login_count INTEGER,
		score REAL,
		email_folded TEXT NOT NULL
	)`
	insert := "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	if d == sqlstore.Postgres {
		ddl = `CREATE TABLE accounts (
			id bigint PRIMARY KEY,
			tenant text NOT NULL,
			external_id text,
			email text NOT NULL,
			given_name text,
			family_name text,
			active boolean,
			department text,
			manager_id text,
			updated_at timestamptz,
			login_count integer,
			score double precision,
			email_folded text NOT NULL
		)`
		insert = "INSERT INTO accounts VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
	}
	if _, err := db.Exec(ddl); err != nil {
		tb.Fatalf("CREATE TABLE: %v", err)
	}
	for _, a := range accounts {
		var updated any
		if !a.updatedAt.IsZero() {
			updated = a.updatedAt.UTC()
			if d == sqlstore.SQLite {
				// As an app would write it: RFC 3339 with an offset, not UTC.
				updated = a.updatedAt.Format(time.RFC3339Nano)
			}
		}
		if _, err := db.Exec(insert, a.id, a.tenant, a.externalID, a.email, a.givenName, a.familyName, a.active,
			a.department, a.managerID, updated, a.loginCount, a.score, filter.Fold(a.email)); err != nil {
			tb.Fatalf("INSERT %d: %v", a.id, err)
		}
	}
}
