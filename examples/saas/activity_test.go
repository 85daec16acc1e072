package main

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/activity/activitytest"
)

// TestActivityContract runs the library's activity-log contract kit on
// the app's own table, on each database.
func TestActivityContract(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			activitytest.Run(t, func(t *testing.T, r activity.Retention) activity.Store {
				return NewActivityStore(tdb.open(t), r)
			})
		})
	}
}

// TestActivityCapSlack: Append deletes a tenant's entries beyond
// MaxEntries only every capSlack entries, and List shows the newest
// MaxEntries all the same, while the table keeps at most capSlack more.
func TestActivityCapSlack(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			s := NewActivityStore(db, activity.Retention{MaxEntries: 50, Now: func() time.Time { return testNow }})
			if s.capSlack() != 5 {
				t.Fatalf("capSlack %d, want 5", s.capSlack())
			}
			for i := range 83 {
				e := activity.Entry{Time: testNow.Add(-time.Hour + time.Duration(i)*time.Second), Tenant: "acme", IdP: "entra",
					Method: "GET", Endpoint: "Users", Outcome: activity.OK, Status: 200, RequestID: fmt.Sprintf("req-%d", i)}
				if err := s.Append(t.Context(), []activity.Entry{e}); err != nil {
					t.Fatalf("Append %d: %v", i, err)
				}
				var rows int
				if err := db.sql.QueryRow(`SELECT COUNT(*) FROM app_activity`).Scan(&rows); err != nil {
					t.Fatal(err)
				}
				if rows > 50+s.capSlack() {
					t.Fatalf("after %d appends the table has %d rows, want at most %d", i+1, rows, 50+s.capSlack())
				}
				var got []string
				for f := (activity.Filter{Limit: 20}); ; {
					page, next, err := s.List(t.Context(), "acme", f)
					if err != nil {
						t.Fatalf("List: %v", err)
					}
					for _, e := range page {
						got = append(got, e.RequestID)
					}
					if next == "" {
						break
					}
					f.Before = next
				}
				var want []string
				for j := i; j >= 0 && j > i-50; j-- {
					want = append(want, fmt.Sprintf("req-%d", j))
				}
				if !slices.Equal(got, want) {
					t.Fatalf("after %d appends List gives %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

var activityRowRe = regexp.MustCompile(`(?s)<tr data-status="(\d+)">(.*?)</tr>`)

// activityRows returns the Activity table's rows: status and the row's
// text.
func activityRows(t *testing.T, body string) [][2]string {
	t.Helper()
	if !strings.Contains(body, `<table id="activity">`) {
		t.Fatalf("no activity table\n%s", body)
	}
	var out [][2]string
	for _, m := range activityRowRe.FindAllStringSubmatch(body, -1) {
		text := html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " "))
		out = append(out, [2]string{m[1], strings.Join(strings.Fields(text), " ")})
	}
	return out
}

// TestActivityPage: Entra's requests appear on the acme admin's Activity
// page, newest first, with the tolerances that fired, the failure filter
// keeps the failures, "Older" pages through the rest, and neither the
// other workspace's requests nor any token appear.
func TestActivityPage(t *testing.T) {
	app, ts := uiServer(t, nil)
	entra := newIdP(t, ts)
	r := entra.do("POST", "/Users", entraCreateUser)
	entra.want(r, http.StatusCreated, "POST /Users")
	id := r.object(t)["id"].(string)
	entra.want(entra.do("PATCH", "/Users/"+id, entraDeactivate), http.StatusOK, "PATCH")
	entra.want(entra.do("POST", "/Users", entraCreateUser), http.StatusConflict, "POST /Users again")
	globex := newIdP(t, ts)
	globex.token = "globex-token"
	globex.want(globex.do("GET", "/Users/globex-only-id", ""), http.StatusNotFound, "globex GET")
	if err := app.Recorder.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}

	admin := newBrowser(t, ts)
	admin.signIn("")
	admin.get("/settings/scim").want(t, "settings page", http.StatusOK, `href="/settings/scim/activity"`)
	p := admin.get("/settings/scim/activity")
	p.want(t, "activity page", http.StatusOK)
	p.lacks(t, "activity page", testToken, "globex-token", "globex-only-id")
	rows := activityRows(t, p.body)
	if len(rows) != 3 {
		t.Fatalf("activity rows: %q, want 3", rows)
	}
	want := []struct{ status, contains string }{
		{"409", "POST /Users 409 client_error"},
		{"200", "PATCH /Users/" + id + " 200 ok"},
		{"201", "POST /Users 201 ok"},
	}
	for i, w := range want {
		if rows[i][0] != w.status || !strings.Contains(rows[i][1], w.contains) {
			t.Errorf("row %d: %q, want status %s and %q", i, rows[i], w.status, w.contains)
		}
	}
	if !strings.Contains(rows[1][1], "op-case") || !strings.Contains(rows[1][1], "entra-bool-strings") {
		t.Errorf("the PATCH row %q lacks the tolerances op-case and entra-bool-strings", rows[1][1])
	}
	if !strings.Contains(rows[0][1], "uniqueness:") {
		t.Errorf("the 409 row %q lacks its scimType and detail", rows[0][1])
	}

	failures := activityRows(t, admin.get("/settings/scim/activity?failures=1").body)
	if len(failures) != 1 || failures[0][0] != "409" {
		t.Errorf("failures only: %q, want the 409", failures)
	}

	// The globex admin sees globex's request only.
	other := newBrowser(t, ts)
	other.signIn("globex")
	p = other.get("/settings/scim/activity")
	p.lacks(t, "globex's activity", id, testToken, "globex-token")
	if rows := activityRows(t, p.body); len(rows) != 1 || rows[0][0] != "404" || !strings.Contains(rows[0][1], "GET /Users/globex-only-id") {
		t.Errorf("globex's activity: %q, want its 404 only", rows)
	}

	// More than a page: "Older" shows the rest, each entry once.
	for i := range 60 {
		entra.want(entra.do("GET", fmt.Sprintf("/Users/missing-%02d", i), ""), http.StatusNotFound, "GET")
	}
	if err := app.Recorder.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	seen := map[string]bool{}
	path, pages := "/settings/scim/activity", 0
	olderRe := regexp.MustCompile(`<a id="older" href="([^"]+)">Older</a>`)
	for path != "" {
		p := admin.get(path)
		p.want(t, path, http.StatusOK)
		for _, row := range activityRows(t, p.body) {
			key := row[1][strings.Index(row[1], " UTC ")+5:]
			if seen[key] && strings.Contains(key, "missing-") {
				t.Errorf("page %d shows %q again", pages, key)
			}
			seen[key] = true
		}
		pages++
		path = ""
		if m := olderRe.FindStringSubmatch(p.body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	missing := 0
	for k := range seen {
		if strings.Contains(k, "missing-") {
			missing++
		}
	}
	if pages != 2 || missing != 60 {
		t.Errorf("paging: %d pages, %d of the 60 GETs, want 2 pages and all 60", pages, missing)
	}

	if p := admin.get("/settings/scim/activity?before=not-a-cursor"); p.status != http.StatusBadRequest {
		t.Errorf("a malformed cursor: %d, want 400", p.status)
	}
	anon := newBrowser(t, ts)
	if p := anon.get("/settings/scim/activity"); p.status != http.StatusSeeOther {
		t.Errorf("the Activity page without an admin session: %d, want 303 to sign in", p.status)
	}
}

// TestDryRunFromSettings: the admin turns on "Dry run" on the settings
// page; Entra's create is then answered 201 as usual, no account is made,
// and the Activity page shows the request as a dry run with its would-be
// effect. Turned off again, the same request creates the account.
func TestDryRunFromSettings(t *testing.T) {
	app, ts := uiServer(t, nil)
	admin := newBrowser(t, ts)
	admin.signIn("")
	save := func(dry bool) {
		f := url.Values{"enabled": {"on"}, "profile": {"entra"}, "delete_policy": {"delete"}}
		if dry {
			f.Set("dry_run", "on")
		}
		if p := admin.post("/settings/scim", f); p.status != http.StatusSeeOther {
			t.Fatalf("save settings: %d\n%s", p.status, p.body)
		}
	}
	save(true)
	admin.get("/settings/scim").want(t, "settings", http.StatusOK, `name="dry_run" value="on" checked>`)
	entra := newIdP(t, ts)
	r := entra.do("POST", "/Users", entraCreateUser)
	entra.want(r, http.StatusCreated, "dry-run POST /Users")
	if got := r.header.Get("X-SCIM-Dry-Run"); got != "true" {
		t.Errorf("X-SCIM-Dry-Run = %q, want true", got)
	}
	if accounts, total, err := app.DB.Accounts(t.Context(), "acme", 0, 10); err != nil || total != 0 {
		t.Fatalf("accounts after a dry-run create: %d %v, %v; want none", total, accounts, err)
	}
	if err := app.Recorder.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows := activityRows(t, admin.get("/settings/scim/activity").body)
	if len(rows) == 0 || rows[0][0] != "201" || !strings.Contains(rows[0][1], "user.created") {
		t.Errorf("newest activity row %v; want the dry-run 201 with its would-be user.created", rows)
	}
	save(false)
	entra.want(entra.do("POST", "/Users", entraCreateUser), http.StatusCreated, "POST /Users")
	if _, total, err := app.DB.Accounts(t.Context(), "acme", 0, 10); err != nil || total != 1 {
		t.Errorf("accounts after dry run was turned off: %d, %v; want 1", total, err)
	}
}
