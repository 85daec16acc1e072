package main

import (
	stdcmp "cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/sqlspy"
)

// TestStatementsPerRequest counts the statements each of the identity
// providers' frequent requests sends to the database (by the first table
// each names): a lookup is one page query and the teams of what it found
// (teams joined with team_members), after the first request's token
// lookup (the app trusts a verified token for verifyCache); a page of users
// reads the teams of all of them in one query, not one per user, and a
// page of groups their members in one query. Only the first page of a
// walk that does not tell its total itself (one with more after it) also
// counts; the walk's next pages seek and repeat that total. (The activity log's
// writes are the Recorder's, batched off the request path.)
func TestStatementsPerRequest(t *testing.T) {
	const users, pageSize = 150, 100
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{"Postgres", postgresSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &sqlspy.Log{}
			app, ts := startSpiedApp(t, tc.store(t), log)
			ctx := t.Context()
			team := Team{ID: "team-1", TenantID: "acme", Name: "Everyone"}
			for i := range users {
				a := Account{ID: fmt.Sprintf("acct-%04d", i), TenantID: "acme", Email: fmt.Sprintf("user%04d@example.com", i)}
				if _, err := app.DB.InsertAccount(ctx, a); err != nil {
					t.Fatalf("InsertAccount: %v", err)
				}
				team.Members = append(team.Members, TeamMember{ID: a.ID})
			}
			if _, err := app.DB.InsertTeam(ctx, team); err != nil {
				t.Fatalf("InsertTeam: %v", err)
			}
			for i := range 3 {
				if _, err := app.DB.InsertTeam(ctx, Team{ID: fmt.Sprintf("team-x%d", i), TenantID: "acme", Name: fmt.Sprintf("Team %d", i),
					Members: []TeamMember{{ID: "acct-0001"}, {ID: "acct-0002"}}}); err != nil {
					t.Fatalf("InsertTeam: %v", err)
				}
			}
			entra := newIdP(t, ts)
			for _, step := range []struct {
				name, path string
				want       []string // the statements, by the tables they read or write
				pg         []string // on PostgreSQL, when not want
				items      int      // resources in the ListResponse; -1 for a single resource
				method     string   // GET when empty
				body       string
				status     int // 200 when 0
			}{
				// The first request looks the Secret Token up; the
				// others are within verifyCache of it (the test's clock
				// stands still) and do not. On PostgreSQL the users'
				// teams are a column of the page's statement (accounts.go
				// FindAccountsTeams), on SQLite one more statement for
				// the page.
				{"Entra's lookup, a hit", `/Users?filter=userName+eq+%22user0007@example.com%22`, []string{"scim_tokens", "accounts", "teams"}, []string{"scim_tokens", "accounts"}, 1, "", "", 0},
				{"Entra's lookup, a miss", `/Users?filter=userName+eq+%22nobody@example.com%22`, []string{"accounts"}, nil, 0, "", "", 0},
				// A page with more after it: its total from the one row
				// the database keeps (account_counts), not a COUNT(*).
				{"a full page of users", `/Users?startIndex=1&count=100`, []string{"accounts", "account_counts", "teams"}, []string{"accounts", "account_counts"}, pageSize, "", "", 0},
				// The next page of a startIndex walk seeks after the previous page's
				// last row (the handler's seek cache) and repeats the total the
				// walk counted: no COUNT.
				{"the next page of users", `/Users?startIndex=101&count=100`, []string{"accounts", "teams"}, []string{"accounts"}, users - pageSize, "", "", 0},
				{"a page of groups with members", `/Groups?count=100`, []string{"teams", "team_members"}, nil, 4, "", "", 0},
				// On PostgreSQL a user's teams are a column of its
				// account's row (accounts.go AccountTeams).
				{"GET a user", `/Users/acct-0001`, []string{"accounts", "teams"}, []string{"accounts"}, -1, "", "", 0},
				// The read the PATCH applies to, and the conditional
				// UPDATE with its outbox rows, which on PostgreSQL also
				// returns the teams after the write (UpdateAccountTeams)
				// and is one statement; on SQLite the teams are read
				// after the transaction.
				{"Entra's PATCH", `/Users/acct-0001`, []string{"accounts", "teams", "accounts", "app_events", "teams"}, []string{"accounts", "accounts"}, -1, "PATCH",
					`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, 0},
				// A new account is in no team: its create reads none. On
				// PostgreSQL the INSERT and the outbox's are one statement
				// (db.go writeOneSQL), without BEGIN and COMMIT.
				{"POST a user", `/Users`, []string{"accounts", "app_events"}, []string{"accounts"}, -1, "POST",
					`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","active":true}`, 201},
			} {
				stop := log.Record()
				r := entra.do(stdcmp.Or(step.method, "GET"), step.path, step.body)
				queries := stop()
				entra.want(r, stdcmp.Or(step.status, 200), step.name)
				var got []string
				for _, q := range queries {
					// The activity log is written by the Recorder's
					// goroutine (its transactions' BEGIN too) and a
					// token's last use at most once a minute: neither is
					// the request's.
					if tb := firstTable(q); tb != "app_activity" && tb != "BEGIN" && !strings.HasPrefix(q, "UPDATE scim_tokens") {
						got = append(got, tb)
					}
				}
				// On PostgreSQL the outbox's per-tenant advisory lock,
				// which orders a tenant's events, is taken by the
				// outbox's INSERT itself (writeOutbox in db.go).
				want := step.want
				if tc.name == "Postgres" && step.pg != nil {
					want = step.pg
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s: statements by table (-want +got):\n%s\nall statements:\n%s", step.name, d, strings.Join(queries, "\n"))
				}
				if step.items >= 0 {
					if n := len(r.object(t)["Resources"].([]any)); n != step.items {
						t.Errorf("%s: %d resources, want %d", step.name, n, step.items)
					}
				}
			}
			// A user read, and a user written, with its teams in the
			// statement (PostgreSQL) or after it (SQLite): the teams it
			// is in, in team creation order.
			for _, r := range []reply{
				entra.do("GET", "/Users/acct-0001", ""),
				entra.do("PATCH", "/Users/acct-0001", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Engineer"}]}`),
			} {
				entra.want(r, 200, "a user with its teams")
				var got []string
				for _, g := range r.object(t)["groups"].([]any) {
					g := g.(map[string]any)
					got = append(got, g["value"].(string)+"="+g["display"].(string))
				}
				if want := []string{"team-1=Everyone", "team-x0=Team 0", "team-x1=Team 1", "team-x2=Team 2"}; !slices.Equal(got, want) {
					t.Errorf("the user's groups are %v, want %v", got, want)
				}
			}
			// The batched reads give each user its own teams.
			r := entra.do("GET", `/Users?startIndex=1&count=3&attributes=groups`, "")
			entra.want(r, 200, "page with groups")
			for i, res := range r.object(t)["Resources"].([]any) {
				want := 1
				if i > 0 {
					want = 4
				}
				if n := len(res.(map[string]any)["groups"].([]any)); n != want {
					t.Errorf("user %d of the page is in %d groups, want %d: %v", i, n, want, res)
				}
			}
		})
	}
}

// firstTable is the table a statement names first after FROM, INTO or
// UPDATE outside its scalar subqueries (a user's teams column), or the
// statement's first word.
func firstTable(q string) string {
	f := strings.Fields(sqlspy.WithoutSubqueries(q))
	for i, w := range f {
		w = strings.TrimLeft(w, "(")
		if (strings.EqualFold(w, "FROM") || strings.EqualFold(w, "INTO") || strings.EqualFold(w, "UPDATE")) && i+1 < len(f) {
			return strings.Trim(f[i+1], "(),")
		}
	}
	if len(f) > 0 {
		return f[0]
	}
	return ""
}
