package sqlstore_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// fill creates n users and n/10 groups in ctx's tenant, and as many in
// another tenant, so that the planner has a reason to use the indexes.
func fill(t *testing.T, s *sqlstore.Store, n int) {
	t.Helper()
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tenant := range []string{"tenant-a", "tenant-b"} {
		ctx := store.WithTenant(context.Background(), tenant)
		err := s.InTx(ctx, func(ctx context.Context) error {
			for i := range n {
				u := &resource.User{ID: fmt.Sprintf("u%05d", i), UserName: fmt.Sprintf("user%05d@example.com", i),
					ExternalID: fmt.Sprintf("ext-%05d", i), Meta: resource.Meta{Created: created.Add(time.Duration(i) * time.Second)}}
				if _, err := s.CreateUser(ctx, u); err != nil {
					return err
				}
				if i%10 == 0 {
					g := &resource.Group{ID: fmt.Sprintf("g%05d", i), DisplayName: fmt.Sprintf("Group %05d", i),
						Members: []resource.Member{{Value: u.ID, Type: "User"}}}
					if _, err := s.CreateGroup(ctx, g); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("filling tenant %s: %v", tenant, err)
		}
	}
}

var explainCases = []struct {
	filter string
	users  bool
	index  string // the index the lookup must use
}{
	{`userName eq "USER00042@example.com"`, true, "scim_users_user_name"},
	{`externalId eq "ext-00042"`, true, "scim_users_external_id"},
	{`id eq "u00042"`, true, "scim_users"},
	{`displayName eq "group 00040"`, false, "scim_groups_display_name"},
	{`id eq "g00040"`, false, "scim_groups"},
}

// TestLookupsUseIndexes asserts with EXPLAIN that the lookups every IdP
// sends use an index, not a scan of the tenant's rows.
func TestLookupsUseIndexes(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			fill(t, s, 2000)
			db := s.DB()
			if _, err := db.Exec("ANALYZE"); err != nil {
				t.Fatalf("ANALYZE: %v", err)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			for _, c := range explainCases {
				e, err := filter.Parse(c.filter)
				if err != nil {
					t.Fatalf("filter.Parse(%q): %v", c.filter, err)
				}
				query, args, err := sqlstore.SelectSQL(ctx, s, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 100}}, c.users)
				if err != nil {
					t.Fatalf("%s: %v", c.filter, err)
				}
				plan := explain(t, s, query, args)
				if !usesIndex(s.Dialect(), plan, c.index) {
					t.Errorf("%s: the plan does not use index %s:\n%s", c.filter, c.index, plan)
				}
				if c.users && s.Dialect() == sqlstore.Postgres && !groupsByIndex(plan) {
					t.Errorf("%s: the plan does not read the user's groups by scim_group_members_member:\n%s", c.filter, plan)
				}
			}
		})
	}
}

func explain(t *testing.T, s *sqlstore.Store, query string, args []any) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if s.Dialect() == sqlstore.Postgres {
		prefix = "EXPLAIN (FORMAT JSON) "
	}
	rows, err := s.DB().Query(prefix+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		for i, v := range vals {
			if raw, ok := v.([]byte); ok {
				vals[i] = string(raw) // pgx returns the JSON plan as bytes
			}
		}
		fmt.Fprintln(&b, vals...)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	return b.String()
}

// usesIndex reports whether plan reads the table through index (on
// PostgreSQL the primary key index is <table>_pkey; on SQLite the primary
// key is an automatic index, sqlite_autoindex_<table>_1).
func usesIndex(d sqlstore.Dialect, plan, index string) bool {
	if d == sqlstore.Postgres {
		name := index
		if !strings.Contains(index, "_name") && !strings.Contains(index, "_external") {
			name = index + "_pkey"
		}
		return strings.Contains(plan, `"Index Name": "`+name+`"`)
	}
	if !strings.Contains(index, "_name") && !strings.Contains(index, "_external") {
		return strings.Contains(plan, "USING INDEX sqlite_autoindex_"+index+"_1") || strings.Contains(plan, "PRIMARY KEY")
	}
	return strings.Contains(plan, "USING INDEX "+index+" ") || strings.Contains(plan, "USING COVERING INDEX "+index+" ")
}

// TestPagesSeekOnTheIndex asserts with EXPLAIN that a page in the default
// order, the first and one after a position near the end, is a range scan
// of the index of migration 0009 in the index's order: no sort of the
// tenant's rows, no rows skipped by OFFSET.
func TestPagesSeekOnTheIndex(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			fill(t, s, 2000)
			if _, err := s.DB().Exec("ANALYZE"); err != nil {
				t.Fatalf("ANALYZE: %v", err)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			deep, err := s.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: 1900, Count: 1}})
			if err != nil || deep.Next == "" {
				t.Fatalf("QueryUsers at 1900: Next %q, %v", deep.Next, err)
			}
			for _, p := range []store.Page{{StartIndex: 1, Count: 100}, {Count: 100, After: deep.Next}} {
				query, args, err := sqlstore.SelectSQL(ctx, s, store.Query{Page: p}, true)
				if err != nil {
					t.Fatal(err)
				}
				plan := explain(t, s, query, args)
				index := "USING INDEX scim_users_seek"
				if s.Dialect() == sqlstore.Postgres {
					index = `"Index Name": "scim_users_seek"`
				}
				if !strings.Contains(plan, index) || sortsRows(s.Dialect(), plan) {
					t.Errorf("page %+v is not a range scan of scim_users_seek in its order:\n%s\n%s", p, query, plan)
				}
				if p.After != "" && s.Dialect() == sqlstore.SQLite && !strings.Contains(plan, "(tenant=? AND <expr>>?)") {
					t.Errorf("the page after a position does not seek:\n%s", plan)
				}
			}
		})
	}
}

// TestUserGroupsUseMemberIndex asserts with EXPLAIN that loading the
// groups of a page of users, in a tenant with a group of 10,000 members,
// looks up the page's users in the covering index of migration 0011
// (tenant, member_id, group_id) rather than walking every membership of
// the tenant. SQLite is not ANALYZEd (no app's database is: without
// statistics it preferred the primary key, which covers the query too but
// is ordered by group); PostgreSQL is vacuumed and analyzed, as
// autovacuum would have done, and reads the index only.
func TestUserGroupsUseMemberIndex(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			randPageTenant(t, s, s.Dialect() == sqlstore.Postgres)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			var ids []string
			for i := 5000; i < 5000+randPageCount; i++ {
				ids = append(ids, fmt.Sprintf("u%07d", i))
			}
			queries, args, err := sqlstore.UserGroupsSQL(ctx, s, ids)
			if err != nil || len(queries) == 0 {
				t.Fatalf("UserGroupsSQL: %d statements, %v", len(queries), err)
			}
			want, bad := regexp.MustCompile(`USING COVERING INDEX scim_group_members_member \(tenant=\? AND member_id=\?\)`),
				regexp.MustCompile(`(SCAN|SEARCH) m USING (COVERING )?INDEX sqlite_autoindex_scim_group_members_1`)
			if s.Dialect() == sqlstore.Postgres {
				// A JSON plan node lists its type before its names.
				want, bad = regexp.MustCompile(`"Node Type": "Index Only Scan",[^{}]*"Index Name": "scim_group_members_member"`),
					regexp.MustCompile(`"Node Type": "(Seq|Bitmap Heap) Scan",[^{}]*"Relation Name": "scim_group_members"`)
			}
			for i, query := range queries {
				plan := explain(t, s, query, args[i])
				if !want.MatchString(plan) || bad.MatchString(plan) {
					t.Errorf("the groups of a page are not looked up by member in scim_group_members_member alone:\n%s\n%s", query, plan)
				}
			}
		})
	}
}

// sortsRows reports whether plan sorts the rows it reads rather than
// reading them in an index's order. On SQLite a sort of a user's groups
// (a TEMP B-TREE of the groups column's subquery, whose parent is not
// the statement, 0) sorts that user's few groups, not the rows.
func sortsRows(d sqlstore.Dialect, plan string) bool {
	if d == sqlstore.Postgres {
		return strings.Contains(plan, `"Node Type": "Sort"`)
	}
	for _, line := range strings.Split(plan, "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[1] == "0" && strings.Contains(line, "TEMP B-TREE") {
			return true
		}
	}
	return false
}

// groupsByIndex reports whether a PostgreSQL plan reads
// scim_group_members, for the users' groups column, through the index of
// members, scim_group_members_member.
func groupsByIndex(plan string) bool {
	return strings.Contains(plan, `"Index Name": "scim_group_members_member"`)
}

// TestUserGroupsColumnPlanWithoutStatistics: on PostgreSQL, before any
// ANALYZE (a freshly loaded tenant: 20,000 users, one group of 10,000 of
// them), a user's groups column reads each of its groups by the whole
// primary key, not every group of the tenant filtered by id.
func TestUserGroupsColumnPlanWithoutStatistics(t *testing.T) {
	postgresDSN(t)
	s := dialects[1].new(t)
	for _, table := range []string{"scim_users", "scim_groups", "scim_group_members"} {
		// No statistics during the test: autovacuum's ANALYZE would
		// otherwise come at a moment of its own choosing.
		if _, err := s.DB().Exec("ALTER TABLE " + table + " SET (autovacuum_enabled = false)"); err != nil {
			t.Fatal(err)
		}
	}
	randPageTenant(t, s, false)
	rows, err := s.DB().Query("EXPLAIN (ANALYZE, COSTS OFF) "+sqlstore.GetUserSQL(), "tenant-a", "u0000001")
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	rows.Close()
	byKey := false
	for i, line := range plan {
		if strings.Contains(line, "on scim_groups") && i+1 < len(plan) && strings.Contains(plan[i+1], "id = gm.group_id") {
			byKey = true
		}
	}
	if !byKey {
		t.Errorf("the groups column does not read each group by its primary key:\n%s", strings.Join(plan, "\n"))
	}
}

// TestLookupUsesTheGenericPlan: Entra's lookup (a first page, filtered on
// userName) is a prepared statement whose generic plan PostgreSQL keeps,
// also on tables without statistics, so that it is not planned again on
// every request. With LIMIT and OFFSET parameters the generic plan's cost
// counted the rows an unknown OFFSET skips, the planner chose a custom
// plan each time, and planning cost more than running it (0.3 ms of a
// 0.5 ms statement). pgx's stdlib prepares each statement on first use
// and PostgreSQL decides after five custom plans.
func TestLookupUsesTheGenericPlan(t *testing.T) {
	postgresDSN(t)
	s := dialects[1].new(t)
	db := s.DB()
	if _, err := db.Exec("ALTER TABLE scim_users SET (autovacuum_enabled = false)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO scim_users (tenant, id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified)
		SELECT 'tenant-a', 'u' || i, 'user' || i || '@example.com', 'user' || i || '@example.com', 'ext-' || i, NULL, NULL,
			'{"userName":"user' || i || '@example.com"}', 1, '2024-01-01T00:00:00.000000000Z', '2024-01-01T00:00:00.000000000Z'
		FROM generate_series(1, 2000) AS g(i)`); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one session: its prepared statements are the ones counted
	ctx := store.WithTenant(context.Background(), "tenant-a")
	for i := range 10 {
		e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%d@example.com"`, 1+i*100))
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.QueryUsers(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 100}})
		if err != nil || l.TotalResults != 1 {
			t.Fatalf("lookup %d: %v, %d results", i, err, l.TotalResults)
		}
	}
	var statement string
	var generic, custom int
	err := db.QueryRow(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%FROM scim_users t WHERE%user_name_folded%'`).Scan(&statement, &generic, &custom)
	if err != nil {
		t.Fatalf("the lookup's prepared statement: %v", err)
	}
	if generic == 0 {
		t.Errorf("the lookup was planned anew each time (%d custom plans, no generic one): %s", custom, statement)
	}
}
