package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

const extURN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

// extRegistry registers an extension with a simple attribute of each
// type, a complex one and a multi-valued complex one.
func extRegistry(tb testing.TB) *resource.Registry {
	tb.Helper()
	reg, err := resource.NewRegistry([]*resource.Schema{{ID: extURN, Name: "Acme", Attributes: []*resource.Attribute{
		{Name: "costCenter", Type: resource.TypeString},
		{Name: "code", Type: resource.TypeString, CaseExact: true},
		{Name: "remote", Type: resource.TypeBoolean},
		{Name: "badgeNumber", Type: resource.TypeInteger},
		{Name: "salary", Type: resource.TypeDecimal},
		{Name: "hired", Type: resource.TypeDateTime},
		{Name: "homepage", Type: resource.TypeReference, ReferenceTypes: []string{"external"}},
		{Name: "office", Type: resource.TypeComplex, SubAttributes: []*resource.Attribute{
			{Name: "building", Type: resource.TypeString}, {Name: "floor", Type: resource.TypeInteger}}},
		{Name: "projects", Type: resource.TypeComplex, MultiValued: true, SubAttributes: []*resource.Attribute{
			{Name: "name", Type: resource.TypeString}, {Name: "hours", Type: resource.TypeInteger},
			{Name: "rate", Type: resource.TypeDecimal}, {Name: "since", Type: resource.TypeDateTime},
			{Name: "primary", Type: resource.TypeBoolean}}},
	}}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

// extUsers are the edge cases of each type: integers on both sides of
// 2^53 and of int64, exponent forms, decimals close together, instants
// written with different offsets, nanoseconds beyond timestamptz's
// microseconds, case variants and non-ASCII strings.
var extUsers = []string{
	`{"costCenter":"Sales","code":"AB","remote":true,"badgeNumber":10,"salary":1000.5,"hired":"2024-01-02T10:00:00+02:00",
	  "homepage":"https://acme.example/u1","office":{"building":"HQ","floor":3},
	  "projects":[{"name":"Apollo","hours":40,"rate":1.5,"since":"2023-05-01T00:00:00Z","primary":true},{"name":"Zeus","hours":5}]}`,
	`{"costCenter":"sales","code":"ab","remote":false,"badgeNumber":9,"salary":999.75,"hired":"2024-01-02T08:00:00.0000001Z",
	  "office":{"building":"Annex","floor":12},"projects":[{"name":"apollo","hours":8,"rate":2,"since":"2024-02-01T00:00:00.123456789Z"}]}`,
	`{"costCenter":"Ops","badgeNumber":100,"salary":2e3,"hired":"2023-12-31T23:00:00-05:00"}`,
	`{"costCenter":"Straße","badgeNumber":9007199254740993,"salary":0.1,"hired":"2024-01-02T08:00:00Z","projects":[{"name":"Hermes","hours":100,"rate":1e2}]}`,
	`{"costCenter":"KELVIN","badgeNumber":-9223372036854775808,"salary":1e300,"hired":"2024-01-02T08:00:00.000001Z"}`,
	`{"badgeNumber":9223372036854775807,"salary":-0.0,"hired":"2024-01-02T09:00:00.000000000+01:00"}`,
	`{"salary":0.30000000000000004,"badgeNumber":0}`,
	`{}`,
}

// extFilters each name an extension attribute; pushed says whether the
// store must translate it (on both dialects, or PostgreSQL only).
var extFilters = []struct {
	f      string
	pushed string // "both", "pg" or ""
}{
	{`costCenter eq "sales"`, "both"},
	{`costCenter co "AL"`, "both"},
	{`costCenter gt "ops"`, "both"},
	{`costCenter pr`, "both"},
	{`costCenter eq "straße"`, ""},
	{`costCenter eq "kelvin"`, "both"},
	{`code eq "AB"`, "both"},
	{`code lt "a"`, "both"},
	{`remote eq true`, "both"},
	{`remote ne true`, "both"},
	{`badgeNumber gt 9`, "both"},
	{`badgeNumber ge 10`, "both"},
	{`badgeNumber lt 10`, "both"},
	{`badgeNumber eq 100`, "both"},
	{`badgeNumber eq 1e2`, "both"},
	{`badgeNumber eq 9007199254740992`, "both"},
	{`badgeNumber eq 9007199254740993`, "both"},
	{`badgeNumber gt 9007199254740992`, "both"},
	{`badgeNumber eq 9.007199254740992e15`, "both"},
	{`badgeNumber le -9223372036854775808`, "both"},
	{`badgeNumber ge 9223372036854775807`, "both"},
	{`badgeNumber gt 9.5`, "both"},
	{`badgeNumber ne 9`, "both"},
	{`badgeNumber pr`, "both"},
	{`salary gt 999.8`, "both"},
	{`salary eq 2000`, "both"},
	{`salary eq 0.1`, "both"},
	{`salary lt 1`, "both"},
	{`salary eq 0`, "both"},
	{`salary eq 0.3`, "both"},
	{`salary eq 0.30000000000000004`, "both"},
	{`salary ge 1e300`, "both"},
	{`salary lt 1e400`, ""},
	{`hired gt "2024-01-02T08:00:00Z"`, "pg"},
	{`hired eq "2024-01-02T08:00:00Z"`, "pg"},
	{`hired ge "2024-01-02T08:00:00Z"`, "pg"},
	{`hired le "2024-01-02T08:00:00Z"`, "pg"},
	{`hired lt "2024-01-02T08:00:00.000001Z"`, "pg"},
	{`hired eq "2024-01-02T08:00:00.000001Z"`, "pg"},
	{`hired eq "2024-01-02T10:00:00+04:00"`, "pg"},
	{`hired lt "2024-01-01T00:00:00Z"`, "pg"},
	{`hired le "2024-01-01T04:00:00Z"`, "pg"},
	{`hired eq "2024-01-02T08:00:00.0000001Z"`, ""},
	{`hired pr`, "both"},
	{`homepage sw "https://ACME"`, "both"},
	{`office.building eq "hq"`, "both"},
	{`office.floor gt 3`, "both"},
	{`office pr`, "both"},
	{`projects.name eq "APOLLO"`, "both"},
	{`projects[name eq "apollo" and hours gt 10]`, "both"},
	{`projects[hours gt 10]`, "both"},
	{`projects[rate eq 100]`, "both"},
	{`projects[rate lt 2]`, "both"},
	{`projects[primary eq true]`, "both"},
	{`projects[not (primary eq true)]`, "both"},
	{`projects[since ge "2024-01-01T00:00:00Z"]`, "pg"},
	{`projects[since gt "2024-02-01T00:00:00.123456Z"]`, "pg"},
	{`projects.hours ge 100`, "both"},
	{`projects pr`, "both"},
	{`not (badgeNumber gt 9) and badgeNumber pr`, "both"},
	{`badgeNumber gt 9 or salary lt 1`, "both"},
}

// TestExtensionQueriesAgreeWithMatch is the differential test of the
// translation of extension attributes: over the users above, the SQL
// answer to each filter equals filter.Match's, and the filters marked
// pushed are translated, not left to the fallback.
func TestExtensionQueriesAgreeWithMatch(t *testing.T) {
	reg := extRegistry(t)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			ctx := store.WithTenant(context.Background(), "t1")
			var all []*resource.User
			for i, ext := range extUsers {
				body := fmt.Sprintf(`{"userName":"u%d","%s":%s}`, i, extURN, ext)
				u, err := reg.DecodeUser([]byte(body))
				if err != nil {
					t.Fatalf("user %d: %v", i, err)
				}
				if err := reg.ValidateUser(u); err != nil {
					t.Fatalf("user %d: %v", i, err)
				}
				u.ID = fmt.Sprintf("u%d", i)
				u.Meta.Created = at("2024-01-01T00:00:00Z").Add(timeStep(i))
				u.Meta.LastModified = u.Meta.Created
				if _, err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				got, err := s.GetUser(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if (len(u.Extensions) > 0 || len(got.Extensions) > 0) && !jsonSame(got.Extensions[extURN], u.Extensions[extURN]) {
					t.Errorf("user %d: stored %s, read back %s", i, u.Extensions[extURN], got.Extensions[extURN])
				}
				all = append(all, got)
			}
			for _, c := range extFilters {
				forms := []string{c.f, extURN + ":" + c.f}
				if strings.HasPrefix(c.f, "not") || strings.Contains(c.f, " or ") {
					forms = forms[:1]
				}
				for _, fs := range forms {
					e, err := filter.Parse(fs)
					if err != nil {
						t.Fatalf("Parse(%s): %v", fs, err)
					}
					if err := filter.Validate(e, reg.User); err != nil {
						t.Fatalf("Validate(%s): %v", fs, err)
					}
					var want []string
					for _, u := range all {
						if ok, err := filter.Match(e, reg.User, u); err != nil {
							t.Fatal(err)
						} else if ok {
							want = append(want, u.ID)
						}
					}
					l, err := s.QueryUsers(ctx, store.Query{ResourceType: reg.User, Filter: e, Page: store.Page{StartIndex: 1, Count: 100}})
					mustPush := c.pushed == "both" || (c.pushed == "pg" && d.name == "Postgres")
					switch {
					case errors.Is(err, store.ErrUnsupported):
						if mustPush {
							t.Errorf("%s: not translated: %v", fs, err)
						}
					case err != nil:
						t.Errorf("%s: %v", fs, err)
					default:
						var got []string
						for _, u := range l.Resources {
							got = append(got, u.ID)
						}
						if !slices.Equal(got, want) || l.TotalResults != len(want) {
							t.Errorf("%s: SQL %q (total %d), filter.Match %q", fs, got, l.TotalResults, want)
						}
					}
				}
			}
		})
	}
}

func timeStep(i int) time.Duration { return time.Duration(i) * time.Second }

func jsonSame(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// TestTranslateExtensionColumns maps extension attributes to an app's
// columns: Translate answers what filter.Match answers over the same
// users, on SQLite and PostgreSQL.
func TestTranslateExtensionColumns(t *testing.T) {
	reg := extRegistry(t)
	type row struct {
		id, cost string
		badge    int64
		salary   float64
		hired    string
		remote   bool
	}
	rows := []row{
		{"u0", "Sales", 10, 1000.5, "2024-01-02T08:00:00Z", true},
		{"u1", "sales", 9, 999.75, "2024-01-02T09:30:00Z", false},
		{"u2", "Ops", 100, 2000, "2024-01-01T04:00:00Z", false},
		{"u3", "", -1, 0.1, "2023-06-01T00:00:00Z", true},
	}
	var users []*resource.User
	for _, r := range rows {
		ext := map[string]any{"badgeNumber": r.badge, "salary": r.salary, "hired": r.hired, "remote": r.remote}
		if r.cost != "" {
			ext["costCenter"] = r.cost
		}
		raw, _ := json.Marshal(ext)
		u, err := reg.DecodeUser([]byte(fmt.Sprintf(`{"userName":%q,%q:%s}`, r.id, extURN, raw)))
		if err != nil {
			t.Fatal(err)
		}
		u.ID = r.id
		users = append(users, u)
	}
	filters := []string{
		extURN + `:costCenter eq "SALES"`, extURN + `:costCenter pr`, extURN + `:costCenter sw "o"`, `badgeNumber gt 9`, `badgeNumber le -1`, `badgeNumber eq 1e2`,
		`salary lt 1000`, `salary eq 999.75`, `hired gt "2024-01-02T08:00:00Z"`, `hired le "2024-01-02T10:00:00+02:00"`,
		`remote eq true`, `not (remote eq true) and badgeNumber ge 10`,
	}
	for _, d := range []struct {
		name    string
		dialect sqlstore.Dialect
		db      func(tb testing.TB) *sql.DB
		ddl     string
	}{
		{"SQLite", sqlstore.SQLite, sqliteDB, `CREATE TABLE acct (id TEXT, cost_center TEXT, badge INTEGER, salary REAL, hired TEXT, remote INTEGER)`},
		{"Postgres", sqlstore.Postgres, func(tb testing.TB) *sql.DB { return openPostgres(tb, postgresSchema(tb)) },
			`CREATE TABLE acct (id text, cost_center text, badge bigint, salary double precision, hired timestamptz, remote boolean)`},
	} {
		t.Run(d.name, func(t *testing.T) {
			db := d.db(t)
			if _, err := db.Exec(d.ddl); err != nil {
				t.Fatal(err)
			}
			ins := `INSERT INTO acct VALUES (?, ?, ?, ?, ?, ?)`
			if d.dialect == sqlstore.Postgres {
				ins = `INSERT INTO acct VALUES ($1, $2, $3, $4, $5, $6)`
			}
			for _, r := range rows {
				var hired any = r.hired
				if d.dialect == sqlstore.Postgres {
					hired = at(r.hired)
				}
				var remote any = r.remote
				if d.dialect == sqlstore.SQLite {
					remote = map[bool]int{false: 0, true: 1}[r.remote]
				}
				if _, err := db.Exec(ins, r.id, sql.NullString{String: r.cost, Valid: r.cost != ""}, r.badge, r.salary, hired, remote); err != nil {
					t.Fatal(err)
				}
			}
			m := sqlstore.Mapping{Dialect: d.dialect, ResourceType: reg.User, Columns: map[string]string{
				extURN + ":costCenter": "a.cost_center", extURN + ":badgeNumber": "a.badge", extURN + ":salary": "a.salary",
				extURN + ":hired": "a.hired", extURN + ":remote": "a.remote",
			}}
			for _, fs := range filters {
				e, err := filter.Parse(fs)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, u := range users {
					if ok, _ := filter.Match(e, reg.User, u); ok {
						want = append(want, u.ID)
					}
				}
				where, args, err := sqlstore.Translate(e, m)
				if err != nil {
					t.Errorf("Translate(%s): %v", fs, err)
					continue
				}
				rs, err := db.Query(`SELECT a.id FROM acct a WHERE `+where+` ORDER BY a.id`, args...)
				if err != nil {
					t.Errorf("%s: %s: %v", fs, where, err)
					continue
				}
				var got []string
				for rs.Next() {
					var id string
					rs.Scan(&id)
					got = append(got, id)
				}
				rs.Close()
				if !slices.Equal(got, want) {
					t.Errorf("%s: SQL %q, filter.Match %q (%s)", fs, got, want, where)
				}
			}
		})
	}
}
