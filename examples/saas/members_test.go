package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/sqlspy"
)

// startSpiedApp starts the app on the database store, as startApp does,
// with every statement it sends to the database going through log. The
// event drainer does not run: its statements are not the request's, and
// the database handle is swapped under it.
func startSpiedApp(t *testing.T, store string, log *sqlspy.Log) (*App, *httptest.Server) {
	t.Helper()
	app, h, err := newApp(t.Context(), Config{
		Store:          store,
		Token:          testToken,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:          func() time.Time { return testNow },
		NoEventDrainer: true,
	})
	if err != nil {
		t.Fatalf("newApp(%s): %v", store, err)
	}
	// The same database through the spying driver, swapped in before the
	// server serves anything.
	_, dsn, _, err := dataSource(store)
	if err != nil {
		t.Fatal(err)
	}
	plain := app.DB.sql
	app.DB.sql = sqlspy.Open(plain.Driver(), dsn, log)
	plain.Close()
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		if err := app.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	return app, ts
}

// TestEntraMemberPatchReadsNoMembers sends Entra's member add and remove
// PATCHes for a team of 2,000 accounts through the app's handler and checks
// every statement the app sends to the database: the only one naming
// team_members is the INSERT or the DELETE of the one member. The team's
// member list is never read, so the cost does not grow with the team.
func TestEntraMemberPatchReadsNoMembers(t *testing.T) {
	const teamSize = 2000
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
			// The accounts and the team are written through the data layer:
			// 2,000 POSTs would only make the test slower.
			team := Team{ID: "big-team", TenantID: "acme", Name: "Everyone"}
			for i := range teamSize + 1 {
				a := Account{ID: fmt.Sprintf("acct-%04d", i), TenantID: "acme", Email: fmt.Sprintf("user%04d@example.com", i)}
				if _, err := app.DB.InsertAccount(ctx, a); err != nil {
					t.Fatalf("InsertAccount: %v", err)
				}
				if i < teamSize {
					team.Members = append(team.Members, TeamMember{ID: a.ID})
				}
			}
			if _, err := app.DB.InsertTeam(ctx, team); err != nil {
				t.Fatalf("InsertTeam: %v", err)
			}
			newcomer := fmt.Sprintf("acct-%04d", teamSize)

			entra := newIdP(t, ts)
			for _, step := range []struct {
				op          string
				member      string
				wantSQL     []string // the statements naming team_members, by their first words
				wantMembers int
			}{
				{"Add", newcomer, []string{"INSERT INTO team_members"}, teamSize + 1},
				{"Remove", "acct-0000", []string{"DELETE FROM team_members"}, teamSize},
			} {
				// Microsoft's tutorial's member PATCH bodies (MS-TUT).
				body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
					"Operations":[{"op":"` + step.op + `","path":"members","value":[{"$ref":null,"value":"` + step.member + `"}]}]}`
				stop := log.Record()
				r := entra.do("PATCH", "/Groups/"+team.ID, body)
				queries := stop()
				entra.want(r, 204, step.op+" member PATCH")
				var got []string
				for _, q := range queries {
					if strings.Contains(q, "team_members") {
						got = append(got, strings.Join(strings.Fields(q)[:3], " "))
					}
				}
				if d := cmp.Diff(step.wantSQL, got); d != "" {
					t.Errorf("%s member PATCH: statements naming team_members (-want +got):\n%s\nall statements:\n%s",
						step.op, d, strings.Join(queries, "\n"))
				}
				stored, err := app.DB.TeamByID(ctx, "acme", team.ID, true)
				if err != nil {
					t.Fatalf("TeamByID: %v", err)
				}
				if len(stored.Members) != step.wantMembers {
					t.Errorf("after the %s member PATCH the team has %d members, want %d", step.op, len(stored.Members), step.wantMembers)
				}
			}
		})
	}
}
