package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// appRun is one start of the app on a database, stopped with stop.
type appRun struct {
	app *App
	ts  *httptest.Server
}

// start starts the app on store with Config.Token token.
func start(t *testing.T, store, token string) *appRun {
	t.Helper()
	app, h, err := newApp(t.Context(), Config{
		Store:  store,
		Token:  token,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatalf("newApp(%s): %v", store, err)
	}
	return &appRun{app: app, ts: httptest.NewServer(h)}
}

// stop shuts the server down and closes the database, as the process
// does on SIGTERM.
func (r *appRun) stop(t *testing.T) {
	t.Helper()
	r.ts.Close()
	if err := r.app.Close(); err != nil {
		t.Errorf("closing the app: %v", err)
	}
}

// client is an IdP that talks to this run with token.
func (r *appRun) client(t *testing.T, token string) *idp {
	c := newIdP(t, r.ts)
	c.token = token
	return c
}

// resource fetches path and returns its body decoded, with this run's
// base URL replaced by "BASE" so that bodies of two runs compare.
func (r *appRun) resource(t *testing.T, c *idp, path string) any {
	t.Helper()
	rep := c.do("GET", path, "")
	c.want(rep, http.StatusOK, "GET "+path)
	var v any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(rep.body), r.ts.URL, "BASE")), &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// TestRestart provisions a user and a group into the app on a SQLite file,
// stops it, and starts a new app on the same file: the user, the group,
// the membership and the Secret Token survive, and the token is not
// printed again. A third start with -token replaces the token.
func TestRestart(t *testing.T) {
	spec := "sqlite:" + filepath.Join(t.TempDir(), "data", "saas.db")

	first := start(t, spec, "")
	token := first.app.Token
	if len(token) < 40 {
		t.Fatalf("first start: Token %q, want a new random token", token)
	}
	c := first.client(t, token)
	r := c.do("POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "ada@example.com", "externalId": "00u1", "name": {"givenName": "Ada", "familyName": "Lovelace"},
		"emails": [{"value": "ada@example.com", "type": "work", "primary": true}], "active": true}`)
	c.want(r, http.StatusCreated, "POST /Users")
	uid, _ := r.object(t)["id"].(string)
	r = c.do("POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "Engineering", "externalId": "00g1", "members": [{"value": "`+uid+`"}]}`)
	c.want(r, http.StatusCreated, "POST /Groups")
	gid, _ := r.object(t)["id"].(string)
	paths := []string{
		"/Users/" + uid,
		"/Groups/" + gid,
		"/Users" + filterQuery(`userName eq "ADA@example.com"`),
		"/Users" + filterQuery(`externalId eq "00u1"`),
		"/Groups?excludedAttributes=members&" + filterQuery(`displayName eq "Engineering"`)[1:],
	}
	before := map[string]any{}
	for _, p := range paths {
		before[p] = first.resource(t, c, p)
	}
	first.stop(t)

	second := start(t, spec, "")
	t.Cleanup(func() { second.stop(t) })
	if second.app.Token != "" {
		t.Errorf("second start: Token %q, want \"\" (the stored token is kept and not printed)", second.app.Token)
	}
	c = second.client(t, token)
	for _, p := range paths {
		if d := cmp.Diff(before[p], second.resource(t, c, p)); d != "" {
			t.Errorf("GET %s after the restart differs (-before +after):\n%s", p, d)
		}
	}
	// The membership is in team_members, and User.groups derives from it.
	if team, err := second.app.DB.TeamByID(t.Context(), "acme", gid, true); err != nil ||
		!cmp.Equal(team.Members, []TeamMember{{ID: uid}}) {
		t.Errorf("team after the restart: %+v, %v; want member %s", team, err, uid)
	}
	wrong := second.client(t, "not-the-token")
	wrong.want(wrong.do("GET", "/Users", ""), http.StatusUnauthorized, "wrong token after the restart")
	second.stop(t)

	// -token replaces the stored token: the old one stops working.
	third := start(t, spec, "rotated-token")
	t.Cleanup(func() { third.stop(t) })
	if third.app.Token != "rotated-token" {
		t.Errorf("third start: Token %q, want the -token value", third.app.Token)
	}
	old := third.client(t, token)
	old.want(old.do("GET", "/Users/"+uid, ""), http.StatusUnauthorized, "old token after -token")
	c = third.client(t, "rotated-token")
	c.want(c.do("GET", "/Users/"+uid, ""), http.StatusOK, "new token")
}

// TestRestartMemory checks that -store memory keeps nothing: a second
// start is empty and makes a new token.
func TestRestartMemory(t *testing.T) {
	first := start(t, "memory", "")
	c := first.client(t, first.app.Token)
	c.want(c.do("POST", "/Users", `{"userName": "ada@example.com"}`), http.StatusCreated, "POST /Users")
	first.stop(t)

	second := start(t, "memory", "")
	t.Cleanup(func() { second.stop(t) })
	if second.app.Token == "" || second.app.Token == first.app.Token {
		t.Errorf("second start on memory: Token %q, want a new one", second.app.Token)
	}
	if accounts, n, err := second.app.DB.Accounts(t.Context(), "acme", 0, 10); err != nil || n != 0 {
		t.Errorf("second start on memory has accounts %+v, %v; want none", accounts, err)
	}
}

// TestOpenDBBadSpec checks the errors of -store values OpenDB refuses.
func TestOpenDBBadSpec(t *testing.T) {
	for _, spec := range []string{"", "sqlite:", "mysql://x", "sqlite:a.db?mode=ro", "/tmp/saas.db"} {
		db, err := OpenDB(t.Context(), spec, nil)
		if err == nil {
			db.Close()
			t.Errorf("OpenDB(%q): no error", spec)
		}
	}
}

// TestSetTenantTokenHashIf checks the conditional token write that keeps
// two replicas starting at once from each storing a random token.
func TestSetTenantTokenHashIf(t *testing.T) {
	db := openTestDB(t, "memory")
	if err := db.CreateTenant(t.Context(), "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tenant, old, hash string
		want              error
	}{
		{"acme", "", "h1", nil},
		{"acme", "", "h2", ErrStaleVersion}, // another replica stored h1 first
		{"acme", "h1", "h3", nil},
		{"nope", "", "h4", ErrNoRows},
	}
	for _, tc := range tests {
		if err := db.SetTenantTokenHashIf(t.Context(), tc.tenant, tc.old, tc.hash); !errors.Is(err, tc.want) {
			t.Errorf("SetTenantTokenHashIf(%s, %q, %q) = %v, want %v", tc.tenant, tc.old, tc.hash, err, tc.want)
		}
	}
	got, err := db.TenantByID(t.Context(), "acme")
	if err != nil || got != (Tenant{ID: "acme", Name: "Acme", SCIMTokenHash: "h3"}) {
		t.Errorf("tenant %+v, %v; want hash h3", got, err)
	}
	if got, err := db.TenantByTokenHash(t.Context(), "h3"); err != nil || got.ID != "acme" {
		t.Errorf("TenantByTokenHash(h3) = %+v, %v", got, err)
	}
}
