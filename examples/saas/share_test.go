package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrefixRange checks the typeahead's range: the folded prefix and the
// smallest string above every string that starts with it.
func TestPrefixRange(t *testing.T) {
	tests := []struct {
		q, lo, hi string
		hasUpper  bool
	}{
		{"al", "al", "am", true},
		{"  AL ", "al", "am", true},
		{"\u212Aa", "ka", "kb", true}, // the Kelvin sign folds to k
		{"Ås", "ås", "åt", true},
		{"a\U0010FFFF", "a\U0010FFFF", "b", true},
		{"\U0010FFFF", "\U0010FFFF", "", false},
		{"a\uD7FF", "a\uD7FF", "a\uE000", true},
		{"a%_", "a%_", "a%`", true}, // no LIKE: wildcards are plain bytes
	}
	for _, tc := range tests {
		lo, hi, hasUpper, ok := prefixRange(tc.q)
		if !ok || lo != tc.lo || hi != tc.hi || hasUpper != tc.hasUpper {
			t.Errorf("prefixRange(%q) = %q, %q, %v, %v; want %q, %q, %v, true", tc.q, lo, hi, hasUpper, ok, tc.lo, tc.hi, tc.hasUpper)
		}
	}
	for _, q := range []string{"", "   ", "\x00", strings.Repeat("a", maxShareQuery+1)} {
		if _, _, _, ok := prefixRange(q); ok {
			t.Errorf("prefixRange(%.10q): ok, want nothing to match", q)
		}
	}
}

// shareFixture fills tenant t1 (and t2, which t1 must never see).
func shareFixture(t *testing.T, db *DB) {
	t.Helper()
	ctx := t.Context()
	accounts := []Account{
		{ID: "u1", TenantID: "t1", Email: "alice@example.com", GivenName: "Alice", FamilyName: "Liddell"},
		{ID: "u2", TenantID: "t1", Email: "alfred@example.com", FullName: "Bob Builder"}, // matches "al" by email
		{ID: "u3", TenantID: "t1", Email: "albert@example.com", FullName: "Albert Gone", Disabled: true},
		{ID: "u4", TenantID: "t1", Email: "asa@example.com", FullName: "Åsa Öberg"},
		{ID: "u5", TenantID: "t1", Email: "kai@example.com", FullName: "\u212Aai Kelvin"},
		{ID: "u6", TenantID: "t1", Email: "zed@example.com", FullName: strings.Repeat("Long ", 700)}, // 3,500 bytes
		{ID: "u7", TenantID: "t1", Email: "percent@example.com", FullName: "a%b"},
		{ID: "x1", TenantID: "t2", Email: "alan@other.example", FullName: "Alan Other"},
	}
	for _, a := range accounts {
		a.SCIMExtra = json.RawMessage(`{}`)
		if _, err := db.InsertAccount(ctx, a); err != nil {
			t.Fatalf("InsertAccount(%s): %v", a.ID, err)
		}
	}
	for _, tm := range []Team{{ID: "g1", TenantID: "t1", Name: "Alpha team"}, {ID: "g2", TenantID: "t1", Name: "Beta"},
		{ID: "g3", TenantID: "t2", Name: "Alpha elsewhere"}} {
		tm.SCIMExtra = json.RawMessage(`{}`)
		if _, err := db.InsertTeam(ctx, tm); err != nil {
			t.Fatalf("InsertTeam(%s): %v", tm.ID, err)
		}
	}
	// A rename is seen: the key follows UpdateAccount.
	a, err := db.AccountByID(ctx, "t1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	a.FullName = "Alice Pleasance Liddell"
	if _, err := db.UpdateAccount(ctx, a, 0); err != nil {
		t.Fatal(err)
	}
}

// TestShareSuggestions: a prefix match on display name, email and group
// name, ignoring case as filter.Fold does, of the tenant's active users
// and its groups, at most the limit.
func TestShareSuggestions(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			shareFixture(t, db)
			type hit struct{ Kind, ID, Name, Detail string }
			tests := []struct {
				q    string
				want []hit
			}{
				{"AL", []hit{{"user", "u1", "Alice Pleasance Liddell", "alice@example.com"}, {"group", "g1", "Alpha team", "group"},
					{"user", "u2", "Bob Builder", "alfred@example.com"}}},
				{"alice p", []hit{{"user", "u1", "Alice Pleasance Liddell", "alice@example.com"}}},
				{"åS", []hit{{"user", "u4", "Åsa Öberg", "asa@example.com"}}},
				{"ÖBERG", nil}, // a prefix, not a word match
				{"kA", []hit{{"user", "u5", "\u212Aai Kelvin", "kai@example.com"}}},
				{"long long", []hit{{"user", "u6", strings.Repeat("Long ", 700), "zed@example.com"}}},
				{"a%", []hit{{"user", "u7", "a%b", "percent@example.com"}}},
				{"beta", []hit{{"group", "g2", "Beta", "group"}}},
				{"albert", nil}, // deactivated
				{"alan", nil},   // another tenant's
				{"", nil},
			}
			for _, tc := range tests {
				got, err := db.ShareSuggestions(t.Context(), "t1", tc.q, 10)
				if err != nil {
					t.Fatalf("%q: %v", tc.q, err)
				}
				var hits []hit
				for _, s := range got {
					hits = append(hits, hit{s.Kind, s.ID, s.Name, s.Detail})
				}
				if d := cmp.Diff(tc.want, hits); d != "" {
					t.Errorf("ShareSuggestions(%q) (-want +got):\n%s", tc.q, d)
				}
			}
			for i := range 12 {
				if _, err := db.InsertAccount(t.Context(), Account{ID: fmt.Sprint("m", i), TenantID: "t1",
					Email: fmt.Sprintf("m%02d@example.com", i), FullName: fmt.Sprintf("Many %02d", i), SCIMExtra: json.RawMessage(`{}`)}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db.ShareSuggestions(t.Context(), "t1", "m", 10)
			if err != nil || len(got) != 10 || got[0].Name != "Many 00" || got[9].Name != "Many 09" {
				t.Errorf("ShareSuggestions(m) = %d matches %+v, %v; want Many 00 to Many 09", len(got), got, err)
			}
		})
	}
}

// TestSharePage: without JavaScript, GET /share?q= renders the matches;
// the typeahead's JSON has the same, at most 10, of the workspace only.
func TestSharePage(t *testing.T) {
	app, ts := uiServer(t, nil)
	shareFixture(t, app.DB)
	for _, tm := range []Team{{ID: "acme-g", TenantID: "acme", Name: "Alumni"}} {
		tm.SCIMExtra = json.RawMessage(`{}`)
		if _, err := app.DB.InsertTeam(t.Context(), tm); err != nil {
			t.Fatal(err)
		}
	}
	c := newIdP(t, ts)
	c.want(c.do("POST", "/Users", `{"userName": "alan@acme.example", "displayName": "Alan <Turing>", "active": true}`), http.StatusCreated, "provision alan")
	b := newBrowser(t, ts)
	b.signIn("")
	p := b.get("/share?q=al")
	p.want(t, "share page", http.StatusOK, `<input id="share-search" name="q" value="al"`, `<ul id="share-results">`,
		`data-kind="user" data-id="`, `>Alan &lt;Turing&gt; <small>alan@acme.example</small></li>`,
		`<li data-kind="group" data-id="acme-g">Alumni <small>group</small></li>`)
	p.lacks(t, "share page", "Alice") // t1's
	p = b.get("/share/suggest?q=AL")
	p.want(t, "suggest", http.StatusOK)
	if ct := p.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("suggest: Content-Type %q", ct)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(p.body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["kind"] != "user" || got[0]["name"] != "Alan <Turing>" || got[0]["detail"] != "alan@acme.example" ||
		got[1]["kind"] != "group" || got[1]["id"] != "acme-g" || got[1]["name"] != "Alumni" || got[1]["detail"] != "group" {
		t.Errorf("suggest AL = %s", p.body)
	}
	if p := b.get("/share/suggest?q="); p.body != "[]\n" {
		t.Errorf("suggest of nothing = %q, want []", p.body)
	}
}

// explain returns the plan of query with args on one connection of db:
// EXPLAIN QUERY PLAN on SQLite; on PostgreSQL EXPLAIN with sequential
// scans priced out, as for a large table (a small one is scanned
// whatever its indexes), so that a plan without the index means the
// index cannot answer the query.
func explain(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	ctx := t.Context()
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if db.dialect == postgresDialect {
		prefix = "EXPLAIN "
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(context.Background(), "RESET enable_seqscan")
	}
	rows, err := conn.QueryContext(ctx, prefix+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(plan, "; ")
}

// TestShareUsesIndexes checks with EXPLAIN that both dialects answer
// each of the typeahead's queries by a range on an index (tenant_id,
// folded key), in the index's order (no sort), with PostgreSQL's
// comparisons in the index's "C" collation.
func TestShareUsesIndexes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		open  func(t *testing.T) *DB
		index [3]string
	}{
		{"SQLite", func(t *testing.T) *DB { return openTestDB(t, "sqlite:"+filepath.Join(t.TempDir(), "saas.db")) },
			[3]string{"accounts_share_name", "sqlite_autoindex_accounts_2", "teams_name_folded"}},
		{"Postgres", func(t *testing.T) *DB { return openTestDB(t, postgresSchema(t)) },
			[3]string{"accounts_share_name", "accounts_share_email", "teams_share_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			shareFixture(t, db)
			byName, byEmail, groups := db.shareQueries(true)
			for i, q := range []struct {
				sql  string
				args []any
			}{
				{byName, []any{"t1", "al", "am", false, 10}},
				{byEmail, []any{"t1", "al", "am", false, 10}},
				{groups, []any{"t1", "al", "am", 10}},
			} {
				plan := explain(t, db, q.sql, q.args...)
				want := "INDEX " + tc.index[i] + " (tenant_id=? AND "
				if db.dialect == postgresDialect {
					want = "Index Scan using " + tc.index[i]
				}
				if !strings.Contains(plan, want) || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort") {
					t.Errorf("query %d: plan %q, want %q without a sort", i, plan, want)
				}
			}
		})
	}
}

// BenchmarkShareSuggest is the typeahead (three index ranges, LIMIT 10
// each) at 100,000 users and 1,000 groups in one workspace, and at 1,000
// users for comparison: the cost does not grow with the workspace. On a
// SQLite file and on PostgreSQL (when SCIM_TEST_POSTGRES_DSN is set). It
// runs only with -bench.
func BenchmarkShareSuggest(b *testing.B) {
	for _, tc := range []struct {
		name string
		spec func(b *testing.B) string
	}{
		{"SQLite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "saas.db") }},
		{"Postgres", func(b *testing.B) string { return postgresSchemaTB(b) }},
	} {
		for _, users := range []int{1_000, 100_000} {
			b.Run(fmt.Sprintf("%s/users=%d", tc.name, users), func(b *testing.B) {
				db, err := OpenDB(b.Context(), tc.spec(b), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				fillShareBench(b, db, users, users/100)
				byName, _, _ := db.shareQueries(true)
				if db.dialect == sqliteDialect {
					var id, parent, notused int
					var plan string
					if err := db.sql.QueryRowContext(b.Context(), "EXPLAIN QUERY PLAN "+byName, "big", "al", "am", false, 10).
						Scan(&id, &parent, &notused, &plan); err != nil || !strings.Contains(plan, "accounts_share_name") {
						b.Fatalf("plan after ANALYZE %q, %v; want the index", plan, err)
					}
				}
				queries := []string{"al", "Ma", "jo", "smi", "e", "zz", "gr", "Team 1"}
				for i := 0; b.Loop(); i++ {
					res, err := db.ShareSuggestions(b.Context(), "big", queries[i%len(queries)], maxSuggestions)
					if err != nil || (i%len(queries) == 0 && len(res) != maxSuggestions) {
						b.Fatalf("%q: %d matches, %v", queries[i%len(queries)], len(res), err)
					}
				}
			})
		}
	}
}

// fillShareBench inserts users accounts and teams teams into tenant
// "big" in multi-row INSERTs, with the columns InsertAccount writes.
func fillShareBench(b *testing.B, db *DB, users, teams int) {
	b.Helper()
	ctx := b.Context()
	first := []string{"Alice", "Alan", "Maria", "Mark", "John", "Joan", "Grace", "Emma", "Ethan", "Olivia", "Noah", "Liam", "Zoe", "Ada", "Ken"}
	last := []string{"Smith", "Jones", "Garcia", "Miller", "Davis", "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright"}
	now := db.timeArg(testNow)
	const batch = 200
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < users; start += batch {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name, family_name, full_name, job_title,
				department, manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra, display_folded) VALUES `)
			var args []any
			for i := start; i < min(start+batch, users); i++ {
				if i > start {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?, ?, 1, '', '{}', ?)")
				a := Account{GivenName: first[i%len(first)], FamilyName: fmt.Sprintf("%s%d", last[i/len(first)%len(last)], i)}
				a.Email = strings.ToLower(a.GivenName+"."+a.FamilyName) + "@big.example"
				args = append(args, "big", fmt.Sprintf("u%06d", i), a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, "",
					i%10 == 0, now, now, displayKey(&a))
			}
			if _, err := tx.ExecContext(ctx, db.q(sb.String()), args...); err != nil {
				return err
			}
		}
		for i := range teams {
			name := fmt.Sprintf("Team %d", i)
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO teams (tenant_id, id, name, name_folded, name_key, created_at, updated_at,
				version, scim_external_id, scim_extra) VALUES (?, ?, ?, ?, ?, ?, ?, 1, '', '{}')`),
				"big", fmt.Sprintf("g%04d", i), name, emailKey(name), emailKey(name), now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
