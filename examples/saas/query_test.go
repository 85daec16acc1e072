package main

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// TestQueryUsersInSQL checks which user filters the adapter answers in SQL
// (sqlstore.Translate over the accounts columns) and that their matches,
// totals and pages are right; the rest must be store.ErrUnsupported, for
// the library's fallback. storetest's "Query" cases check that the SQL
// answers agree with the fallback on many more filters.
func TestQueryUsersInSQL(t *testing.T) {
	active, inactive := true, false
	users := []*resource.User{
		{ID: "u1", UserName: "Ada@Example.com", ExternalID: "x1", DisplayName: "Ada Lovelace", Title: "Engineer", Active: &active,
			Enterprise: &resource.EnterpriseUser{Department: "R&D"}},
		{ID: "u2", UserName: "grace@example.com", ExternalID: "x2", Title: "Admiral", Active: &inactive},
		{ID: "u3", UserName: "alan@example.com", ExternalID: "X1", Name: &resource.Name{GivenName: "Alan", FamilyName: "Turing"}},
	}
	tests := []struct {
		filter      string
		page        store.Page // zero means StartIndex 1, Count 10
		wantIDs     []string
		wantTotal   int
		unsupported bool
	}{
		{filter: `userName eq "ada@example.COM"`, wantIDs: []string{"u1"}, wantTotal: 1},
		{filter: `userName eq "nobody@example.com"`, wantIDs: []string{}, wantTotal: 0},
		{filter: `externalId eq "x1"`, wantIDs: []string{"u1"}, wantTotal: 1}, // caseExact
		{filter: `id eq "u2"`, wantIDs: []string{"u2"}, wantTotal: 1},
		{filter: `userName sw "a"`, wantIDs: []string{"u1", "u3"}, wantTotal: 2},
		{filter: `userName sw "a"`, page: store.Page{StartIndex: 2, Count: 5}, wantIDs: []string{"u3"}, wantTotal: 2},
		{filter: `userName sw "a"`, page: store.Page{StartIndex: 1, Count: 0}, wantIDs: []string{}, wantTotal: 2},
		{filter: `active eq false or title eq "engineer"`, wantIDs: []string{"u1", "u2"}, wantTotal: 2},
		{filter: `not (active eq "True")`, wantIDs: []string{"u2", "u3"}, wantTotal: 2}, // u3's active is unassigned
		{filter: `active pr`, wantIDs: []string{"u1", "u2"}, wantTotal: 2},
		{filter: `name.familyName pr`, wantIDs: []string{"u3"}, wantTotal: 1},
		{filter: `displayName co "love"`, wantIDs: []string{"u1"}, wantTotal: 1},
		{filter: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, wantIDs: []string{"u1"}, wantTotal: 1},
		{filter: `meta.created gt "2020-01-01T00:00:00Z"`, wantIDs: []string{"u1", "u2", "u3"}, wantTotal: 3},
		// In scim_extra, not in a column: the library evaluates these.
		{filter: `emails[type eq "work"]`, unsupported: true},
		{filter: `userName eq "a@example.com" and nickName eq "x"`, unsupported: true},
		// userName compares email_folded, filter.Fold keys, for any value;
		// the Kelvin sign is k.
		{filter: `userName eq "ÄDA@example.com"`, wantIDs: []string{}, wantTotal: 0},
		{filter: `userName eq "\u212Aada@example.com"`, wantIDs: []string{}, wantTotal: 0},
		{filter: `userName sw "\u212A"`, wantIDs: []string{}, wantTotal: 0},
		{filter: `userName ew "EXAMPLE.COM"`, wantIDs: []string{"u1", "u2", "u3"}, wantTotal: 3},
		// Other columns fold ASCII values only.
		{filter: `displayName co "\u212A"`, unsupported: true},
	}
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			s := NewSCIMStore(tdb.open(t))
			ctx := store.WithTenant(t.Context(), "t1")
			for _, u := range users {
				if _, err := s.CreateUser(ctx, u); err != nil {
					t.Fatalf("CreateUser %s: %v", u.ID, err)
				}
			}
			// Another tenant's user must never match.
			if _, err := s.CreateUser(store.WithTenant(t.Context(), "t2"), &resource.User{ID: "o1", UserName: "ada@example.com"}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range tests {
				page := tc.page
				if page == (store.Page{}) {
					page = store.Page{StartIndex: 1, Count: 10}
				}
				name := fmt.Sprintf("%s %+v", tc.filter, page)
				e, err := filter.Parse(tc.filter)
				if err != nil {
					t.Fatalf("%s: %v", tc.filter, err)
				}
				// As the handler does before it queries: Validate turns
				// Entra's "True" into true (store.Query.Filter is validated).
				_ = filter.Validate(e, resource.DefaultRegistry().User)
				got, err := s.QueryUsers(ctx, store.Query{Filter: e, Page: page})
				if tc.unsupported {
					if !errors.Is(err, store.ErrUnsupported) {
						t.Errorf("%s: err %v, want store.ErrUnsupported", name, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				ids := []string{}
				for _, u := range got.Resources {
					ids = append(ids, u.ID)
				}
				if d := cmp.Diff(tc.wantIDs, ids); d != "" || got.TotalResults != tc.wantTotal {
					t.Errorf("%s: total %d, want %d; ids (-want +got):\n%s", name, got.TotalResults, tc.wantTotal, d)
				}
			}
		})
	}
}

// TestQueryGroupsInSQL checks Entra's group lookup, displayName eq with
// excludedAttributes=members, in SQL, and a members filter falling back.
func TestQueryGroupsInSQL(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			s := NewSCIMStore(tdb.open(t))
			ctx := store.WithTenant(t.Context(), "t1")
			if _, err := s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "ada@example.com"}); err != nil {
				t.Fatal(err)
			}
			for _, g := range []*resource.Group{
				{ID: "g1", DisplayName: "Engineering", ExternalID: "e1", Members: []resource.Member{{Value: "u1", Type: "User"}}},
				{ID: "g2", DisplayName: "Sales", ExternalID: "e2"},
			} {
				if _, err := s.CreateGroup(ctx, g); err != nil {
					t.Fatal(err)
				}
			}
			tests := []struct {
				filter      string
				members     store.Members
				want        []resource.Group // ID, DisplayName and Members compared
				unsupported bool
			}{
				{filter: `displayName eq "engineering"`, members: store.WithoutMembers, want: []resource.Group{{ID: "g1", DisplayName: "Engineering"}}},
				{filter: `displayName eq "ENGINEERING"`, want: []resource.Group{{ID: "g1", DisplayName: "Engineering",
					Members: []resource.Member{{Value: "u1", Type: "User"}}}}},
				{filter: `externalId eq "e2" or id eq "g1"`, members: store.WithoutMembers, want: []resource.Group{
					{ID: "g1", DisplayName: "Engineering"}, {ID: "g2", DisplayName: "Sales"}}},
				{filter: `members[value eq "u1"]`, unsupported: true},
			}
			for _, tc := range tests {
				e, err := filter.Parse(tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.QueryGroups(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 10}, Members: tc.members})
				if tc.unsupported {
					if !errors.Is(err, store.ErrUnsupported) {
						t.Errorf("%s: err %v, want store.ErrUnsupported", tc.filter, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", tc.filter, err)
					continue
				}
				var gs []resource.Group
				for _, g := range got.Resources {
					gs = append(gs, resource.Group{ID: g.ID, DisplayName: g.DisplayName, Members: g.Members})
				}
				if d := cmp.Diff(tc.want, gs); d != "" || got.TotalResults != len(tc.want) {
					t.Errorf("%s: total %d; groups (-want +got):\n%s", tc.filter, got.TotalResults, d)
				}
			}
		})
	}
}

// TestLookupsUseIndexes checks with EXPLAIN QUERY PLAN that SQLite answers
// the IdPs' lookups from the indexes, not by scanning the tenant's rows.
func TestLookupsUseIndexes(t *testing.T) {
	db := openTestDB(t, "memory")
	s := NewSCIMStore(db)
	tests := []struct {
		filter string
		rt     *resource.ResourceType
		cols   map[string]string
		folded map[string]string
		table  string
		index  string
	}{
		{`userName eq "a@example.com"`, resource.DefaultRegistry().User, userColumns, userFolded, "accounts", "sqlite_autoindex_accounts_2"},
		{`externalId eq "x"`, resource.DefaultRegistry().User, userColumns, userFolded, "accounts", "accounts_scim_external_id"},
		{`id eq "x"`, resource.DefaultRegistry().User, userColumns, userFolded, "accounts", "sqlite_autoindex_accounts_1"},
		{`displayName eq "Sales"`, resource.DefaultRegistry().Group, groupColumns, groupFolded, "teams", "teams_name_folded"},
	}
	for _, tc := range tests {
		e, err := filter.Parse(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := s.where(store.Query{Filter: e}, tc.rt, tc.cols, tc.folded)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		q := db.findQueries(tc.table, "id", "t1", where, args, Window{Limit: 1})
		if p := sqlitePlan(t, db, q.count, q.countArgs); !strings.Contains(p, "INDEX "+tc.index) {
			t.Errorf("%s: plan %q does not use index %s", tc.filter, p, tc.index)
		}
	}
}

// TestPagesUseTheSeqIndex checks with EXPLAIN QUERY PLAN that SQLite reads
// a page of a tenant's accounts or teams in list order from the
// (tenant_id, seq) index, rather than sorting every row of the tenant
// for each page (an import walk of 100,000 users did that for each page).
func TestPagesUseTheSeqIndex(t *testing.T) {
	db := openTestDB(t, "memory")
	for _, tc := range []struct {
		table, where, index string
		w                   Window
	}{
		{"accounts", scimVisible, "accounts_visible_seq", Window{Offset: 99900, Limit: 100}},
		{"teams", "", "teams_tenant_seq", Window{Offset: 99900, Limit: 100}},
		{"accounts", scimVisible, "accounts_visible_seq", Window{After: 99900, Limit: 100}},
		{"teams", "", "teams_tenant_seq", Window{After: 99900, Limit: 100}},
	} {
		q := db.findQueries(tc.table, "id", "t1", tc.where, nil, tc.w)
		p := sqlitePlan(t, db, q.page, q.pageArgs)
		if !strings.Contains(p, "INDEX "+tc.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s page: plan %q, want the index %s and no sort", tc.table, p, tc.index)
		}
	}
}

// TestDeepPagesSkipInTheIndex: a page at an offset (a list at a
// startIndex) steps over the rows before it in a covering index, so that
// it reads no row it skips, and then reads its own rows by primary key.
func TestDeepPagesSkipInTheIndex(t *testing.T) {
	db := openTestDB(t, "memory")
	for _, tc := range []struct{ table, where, index string }{
		{"accounts", scimVisible, "accounts_visible_seq"},
		{"teams", "", "teams_tenant_seq"},
	} {
		q := db.findQueries(tc.table, "id", "t1", tc.where, nil, Window{Offset: 99900, Limit: 100})
		p := sqlitePlan(t, db, q.page, q.pageArgs)
		if !strings.Contains(p, "COVERING INDEX "+tc.index) || !strings.Contains(p, "INTEGER PRIMARY KEY") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s page at offset 99900: plan %q, want the skip in the covering index %s and the rows by key", tc.table, p, tc.index)
		}
	}
}

// TestUnfilteredTotalsAreKept: the total of an unfiltered page of
// accounts (all, those SCIM sees, those it removed) is read from the one
// row of account_counts, not counted over the tenant's accounts, and it
// is the count after every kind of write: the data layer's inserts,
// archives and deletes, a rolled-back insert, and the app's own SQL that
// moves or deletes accounts, per tenant.
func TestUnfilteredTotalsAreKept(t *testing.T) {
	mem := openTestDB(t, "memory")
	q := mem.findQueries("accounts", "id", "t1", scimVisible, nil, Window{Offset: 10000, Limit: 100})
	if p := sqlitePlan(t, mem, q.count, q.countArgs); p != "SEARCH account_counts USING PRIMARY KEY (tenant_id=?)" {
		t.Errorf("count: plan %q, want one search of account_counts", p)
	}
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			ctx := t.Context()
			check := func(step string) {
				t.Helper()
				for _, tenant := range []string{"t1", "t2"} {
					for _, where := range []string{"", scimVisible, scimRemoved} {
						_, total, _, err := db.FindAccounts(ctx, tenant, where, nil, Window{})
						if err != nil {
							t.Fatal(err)
						}
						cond := "tenant_id = " + db.q("?")
						if where != "" {
							cond += " AND " + where
						}
						var want int
						if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts WHERE "+cond, tenant).Scan(&want); err != nil {
							t.Fatal(err)
						}
						if total != want {
							t.Errorf("%s: tenant %s, where %q: total %d, want %d", step, tenant, where, total, want)
						}
					}
				}
			}
			for i := range 5 {
				for _, tenant := range []string{"t1", "t2"} {
					if _, err := db.InsertAccount(ctx, Account{TenantID: tenant, ID: fmt.Sprint("a", i), Email: fmt.Sprintf("a%d@%s.example", i, tenant)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			check("five accounts each")
			if err := db.ArchiveAccount(ctx, "t1", "a0", 0, db.now()); err != nil {
				t.Fatal(err)
			}
			check("an archive")
			if err := db.DeleteAccount(ctx, "t1", "a1", 0); err != nil {
				t.Fatal(err)
			}
			check("a delete")
			_, err := db.InsertAccount(ctx, Account{TenantID: "t1", ID: "a1", Email: "a2@t1.example"})
			if !errors.Is(err, ErrEmailTaken) {
				t.Fatalf("InsertAccount of a taken email: %v, want ErrEmailTaken", err)
			}
			boom := errors.New("boom")
			if err := db.tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET tenant_id = 't2', id = 'moved' WHERE tenant_id = 't1' AND id = 'a2'`)); err != nil {
					return err
				}
				return boom
			}); !errors.Is(err, boom) {
				t.Fatalf("rolled-back move: %v", err)
			}
			check("a failed insert and a rolled-back move")
			for _, stmt := range []string{
				`UPDATE accounts SET tenant_id = 't2', id = 'moved' WHERE tenant_id = 't1' AND id = 'a2'`,
				`UPDATE accounts SET scim_removed_at = NULL, email_folded = 'back@t1.example' WHERE tenant_id = 't1' AND id = 'a0'`,
				`UPDATE accounts SET scim_removed_at = updated_at WHERE tenant_id = 't2' AND id = 'a3'`,
				`UPDATE accounts SET disabled = TRUE WHERE tenant_id = 't2'`,
				`DELETE FROM accounts WHERE tenant_id = 't2' AND id <> 'moved'`,
			} {
				if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
				check(stmt)
			}
		})
	}
}

// TestTeamsOfAPageReadByMember: the groups of a page of users are read
// from the memberships of those users alone: on SQLite from
// team_members_by_member; on PostgreSQL, with users in groups of 100,
// 1,000 and 10,000 (the side-by-side benchmark's), by an index scan of it
// per user, never a scan of every membership.
func TestTeamsOfAPageReadByMember(t *testing.T) {
	db := openTestDB(t, "memory")
	args := []any{"t1", false}
	for i := range 100 {
		args = append(args, fmt.Sprint("u", i))
	}
	p := sqlitePlan(t, db, db.teamsOfAccountsSQL(100), args)
	if !strings.Contains(p, "COVERING INDEX team_members_by_member (tenant_id=? AND member_id=?") {
		t.Errorf("plan %q, want the memberships by member from team_members_by_member", p)
	}

	pg := openTestDB(t, postgresSchema(t))
	for _, q := range []string{
		`INSERT INTO teams (tenant_id, id, name, name_folded, name_key, created_at, updated_at, version, scim_external_id, scim_extra)
			SELECT 't1', 'g' || n, 'G' || n, 'g' || n, 'g' || n, now(), now(), 1, '', '{}' FROM unnest(ARRAY[100, 1000, 10000]) n`,
		`INSERT INTO team_members (tenant_id, team_id, member_is_team, member_id)
			SELECT 't1', 'g' || n, false, 'u' || i FROM unnest(ARRAY[100, 1000, 10000]) n, generate_series(1, n) i`,
		`ANALYZE`,
	} {
		if _, err := pg.sql.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var ids []string
	for i := range 100 {
		ids = append(ids, fmt.Sprint("u", 5001+i))
	}
	teams, err := pg.TeamsOfAccounts(t.Context(), "t1", ids)
	if err != nil || len(teams) != 100 || len(teams["u5001"]) != 1 || teams["u5001"][0].ID != "g10000" {
		t.Fatalf("TeamsOfAccounts: %d accounts, u5001 in %+v, %v; want 100, each in g10000", len(teams), teams["u5001"], err)
	}
	// The generic plan, which a prepared statement settles on, and the
	// first custom one.
	conn, err := pg.sql.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, mode := range []string{"force_generic_plan", "force_custom_plan"} {
		if _, err := conn.ExecContext(t.Context(), "SET plan_cache_mode = "+mode); err != nil {
			t.Fatal(err)
		}
		// The page's teams statement, and the teams column of a GET's,
		// a PATCH's or a page's statement.
		for name, q := range map[string]struct {
			query string
			args  []any
		}{
			"teamsOfAccountsSQL": {pg.teamsOfAccountsSQL(100), []any{"t1", false, ids}},
			"pgTeamRefs": {"SELECT " + pgTeamRefs("a.tenant_id", "a.id") +
				" FROM (SELECT $1::text AS tenant_id, unnest($2::text[]) AS id) a", []any{"t1", ids}},
		} {
			rows, err := conn.QueryContext(t.Context(), "EXPLAIN "+q.query, q.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var l string
				if err := rows.Scan(&l); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, l)
			}
			rows.Close()
			if p := strings.Join(plan, "\n"); strings.Contains(p, "Seq Scan on team_members") || !strings.Contains(p, "using team_members_by_member") {
				t.Errorf("%s, %s: plan\n%s\nwant an index scan of team_members_by_member", name, mode, p)
			}
		}
	}
}

// sqlitePlan is SQLite's EXPLAIN QUERY PLAN of query, its steps' details
// joined with "; ".
func sqlitePlan(t *testing.T, db *DB, query string, args []any) string {
	t.Helper()
	rows, err := db.sql.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
