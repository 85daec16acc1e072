package main

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testAdminKey is the admin key in the UI tests, as -admin-key fixes it.
const testAdminKey = "test-admin-key"

// uiServer starts the app on a fresh SQLite file with the admin key
// fixed and the scripted tenant "globex" (token "globex-token") besides
// the demo tenant.
func uiServer(t *testing.T, mod func(*Config)) (*App, *httptest.Server) {
	t.Helper()
	cfg := Config{
		Store:    "sqlite:" + filepath.Join(t.TempDir(), "saas.db"),
		Token:    testToken,
		Tenants:  []ScriptedTenant{{ID: "globex", Token: "globex-token"}},
		AdminKey: testAdminKey,
		Logger:   slog.New(slog.DiscardHandler),
		Clock:    func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	app, h, err := newApp(t.Context(), cfg)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		if err := app.Close(); err != nil {
			t.Errorf("closing the app: %v", err)
		}
	})
	return app, ts
}

// browser is a cookie-keeping client that does not follow redirects, so
// that a test sees each 303.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	key  string // the admin key signIn uses
}

func newBrowser(t *testing.T, ts *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: ts.URL, key: testAdminKey, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response read in full.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// get fetches path.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "none")
	return b.do(req)
}

// post submits a form to path as a browser does from one of the app's
// pages: same origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	return b.postFrom(path, form, "same-origin", b.base)
}

// postFrom submits a form with the Sec-Fetch-Site and Origin headers a
// browser sends ("" for none).
func (b *browser) postFrom(path string, form url.Values, site, origin string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

// signIn opens the sign-in link for tenant ("" for the default).
func (b *browser) signIn(tenant string) {
	b.t.Helper()
	path := "/login?key=" + url.QueryEscape(b.key)
	if tenant != "" {
		path += "&tenant=" + url.QueryEscape(tenant)
	}
	p := b.get(path)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/settings/scim" {
		b.t.Fatalf("sign-in: %d to %q, want 303 to /settings/scim\n%s", p.status, p.header.Get("Location"), p.body)
	}
}

// want fails unless p has status and its body every string of contains.
func (p page) want(t *testing.T, what string, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: body lacks %q\n%s", what, s, p.body)
		}
	}
}

// lacks fails if p's body has any of the strings.
func (p page) lacks(t *testing.T, what string, strs ...string) {
	t.Helper()
	for _, s := range strs {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: body has %q, want it not to", what, s)
		}
	}
}

var (
	newTokenRe = regexp.MustCompile(`<code id="new-token">([^<]+)</code>`)
	tokenRowRe = regexp.MustCompile(`(?s)<tr data-token-id="([0-9a-f]+)">(.*?)</tr>`)
)

// tokenRows returns the token table's rows, by token ID, as text.
func tokenRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range tokenRowRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " "))
	}
	return out
}

// generate generates a token labelled label on the settings page and
// returns its secret and ID.
func (b *browser) generate(label string) (secret, id string) {
	b.t.Helper()
	p := b.post("/settings/scim/tokens", url.Values{"label": {label}})
	p.want(b.t, "generate token", http.StatusOK, "<h2>Secret Token</h2>", "Copy it now: it will not be shown again")
	if cc := p.header.Get("Cache-Control"); cc != "no-store" {
		b.t.Errorf("generate token: Cache-Control %q, want no-store", cc)
	}
	m := newTokenRe.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("generate token: no #new-token\n%s", p.body)
	}
	secret = html.UnescapeString(m[1])
	for tid, row := range tokenRows(p.body) {
		if strings.Contains(row, label) && strings.Contains(row, "…"+secret[len(secret)-4:]) {
			id = tid
		}
	}
	if id == "" {
		b.t.Fatalf("generate token: no row labelled %q with hint …%s\n%s", label, secret[len(secret)-4:], p.body)
	}
	return secret, id
}

// saveSettings posts the settings form.
func (b *browser) saveSettings(enabled bool, profile, policy string, managed bool) {
	b.t.Helper()
	f := url.Values{"profile": {profile}, "delete_policy": {policy}}
	if enabled {
		f.Set("enabled", "on")
	}
	if managed {
		f.Set("scim_managed", "on")
	}
	p := b.post("/settings/scim", f)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/settings/scim" {
		b.t.Fatalf("save settings: %d to %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
}

// scimStatus returns the status of GET /scim/v2/Users with token.
func scimStatus(t *testing.T, ts *httptest.Server, token string) int {
	t.Helper()
	c := newIdP(t, ts)
	c.token = token
	return c.do("GET", "/Users", "").status
}

// TestSignIn checks the sign-in link: the right key signs in to the demo
// workspace (or ?tenant=), a wrong or missing key is 403, an unknown
// workspace 404; pages without a session send a GET to /login and refuse
// a POST with 401; the cookie is HttpOnly and SameSite=Lax; logout ends
// the session.
func TestSignIn(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)

	p := b.get("/settings/scim")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Errorf("settings without a session: %d to %q, want 303 to /login", p.status, p.header.Get("Location"))
	}
	b.get("/login").want(t, "GET /login", http.StatusForbidden, "Open the sign-in link the server printed at startup", "Sign-in link is invalid")
	b.get("/login?key=wrong").want(t, "wrong key", http.StatusForbidden, "Sign-in link is invalid", "Open the sign-in link the server printed at startup")
	b.get("/login?key=wrong&tenant=nope").want(t, "wrong key, unknown tenant", http.StatusForbidden, "Sign-in link is invalid")
	b.get("/login?key="+testAdminKey+"&tenant=nope").want(t, "unknown tenant", http.StatusNotFound)
	b.post("/settings/scim", url.Values{"profile": {"generic"}, "delete_policy": {"delete"}}).want(t, "POST without a session", http.StatusUnauthorized)
	for _, path := range []string{"/users", "/groups", "/share", "/share/suggest?q=a"} {
		if p := b.get(path); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
			t.Errorf("GET %s without a session: %d to %q, want 303 to /login", path, p.status, p.header.Get("Location"))
		}
	}

	p = b.get("/login?key=" + testAdminKey)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/settings/scim" {
		t.Fatalf("sign-in: %d to %q", p.status, p.header.Get("Location"))
	}
	resp := &http.Response{Header: p.header}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || len(cookie.Value) != 43 {
		t.Errorf("session cookie %+v: want saas_session, HttpOnly, SameSite=Lax, not Secure over http, a 256-bit ID", cookie)
	}
	b.get("/settings/scim").want(t, "settings page", http.StatusOK, "<h1>SCIM provisioning</h1>", "Acme Corp", `id="scim-status"`, "SCIM is enabled")

	if p := b.post("/logout", nil); p.status != http.StatusSeeOther {
		t.Errorf("logout: %d", p.status)
	}
	if p := b.get("/settings/scim"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Errorf("settings after logout: %d to %q, want 303 to /login", p.status, p.header.Get("Location"))
	}
	// The old session ID is dead even if a client keeps sending it.
	req, _ := http.NewRequest("GET", ts.URL+"/settings/scim", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie.Value})
	if p := b.do(req); p.status != http.StatusSeeOther {
		t.Errorf("settings with the ended session's ID: %d, want 303", p.status)
	}

	b.signIn("globex")
	b.get("/settings/scim").want(t, "globex's settings", http.StatusOK, "globex")
}

// TestCrossOriginPostRefused: a form on another site posting to the
// app with the admin's cookie is refused with 403 and changes nothing,
// whether the browser marks it with Sec-Fetch-Site or only with Origin.
func TestCrossOriginPostRefused(t *testing.T) {
	app, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	off := url.Values{"profile": {"strict"}, "delete_policy": {"delete"}}
	for _, tc := range []struct{ site, origin string }{
		{"cross-site", "https://evil.example"},
		{"same-site", "http://sub.127.0.0.1.example"},
		{"", "https://evil.example"},
	} {
		b.postFrom("/settings/scim", off, tc.site, tc.origin).want(t, "cross-origin POST /settings/scim "+tc.site, http.StatusForbidden)
		b.postFrom("/settings/scim/tokens", url.Values{"label": {"evil"}}, tc.site, tc.origin).want(t, "cross-origin generate", http.StatusForbidden)
		b.postFrom("/users", url.Values{"email": {"evil@example.com"}}, tc.site, tc.origin).want(t, "cross-origin add user", http.StatusForbidden)
	}
	c, err := app.Conns.Connection(t.Context(), "acme")
	if err != nil || !c.Enabled || c.Profile != "generic" {
		t.Errorf("connection after refused posts: %+v, %v; want it unchanged (enabled, generic)", c, err)
	}
	if toks, _ := app.Conns.Tokens(t.Context(), "acme"); len(toks) != 1 {
		t.Errorf("acme has %d tokens after a refused generate, want 1", len(toks))
	}
	if _, n, _ := app.DB.Accounts(t.Context(), "acme", 0, 10); n != 0 {
		t.Errorf("acme has %d accounts after a refused add, want 0", n)
	}
	// The same form from the app's own page is accepted.
	b.saveSettings(true, "strict", "delete", false)
}

// TestGenerateToken: the secret is shown once, in #new-token, on a 200
// page; the settings page shows it no more but lists the token (label,
// hint, created, never used, live); it works for SCIM at once, and its
// last use is then listed.
func TestGenerateToken(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	secret, id := b.generate("Entra production")
	if !strings.HasPrefix(secret, "scim_") || len(secret) != 48 {
		t.Errorf("secret %q: want scim_ and 43 characters", secret)
	}
	p := b.get("/settings/scim")
	p.want(t, "settings after generating", http.StatusOK, `data-token-id="`+id+`"`)
	p.lacks(t, "settings after generating", secret, `id="new-token"`)
	row := tokenRows(p.body)[id]
	for _, s := range []string{"Entra production", "…" + secret[len(secret)-4:], "2026-01-02 03:04 UTC", "never", "live", "Revoke"} {
		if !strings.Contains(row, s) {
			t.Errorf("token row %q lacks %q", row, s)
		}
	}
	if st := scimStatus(t, ts, secret); st != http.StatusOK {
		t.Errorf("new token: SCIM answers %d, want 200", st)
	}
	row = tokenRows(b.get("/settings/scim").body)[id]
	if strings.Contains(row, "never") || strings.Count(row, "2026-01-02 03:04 UTC") != 2 {
		t.Errorf("token row after a use %q: want created and last used at the clock's time", row)
	}
}

// TestRevokeToken: rotation on the settings page. Two tokens work; the
// revoked one is refused with 401 from the next request, listed as
// revoked without a Revoke button, and the other keeps working.
func TestRevokeToken(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	old, oldID := b.generate("old")
	fresh, _ := b.generate("new")
	for _, s := range []string{old, fresh, testToken} {
		if st := scimStatus(t, ts, s); st != http.StatusOK {
			t.Errorf("before revoking: %d, want 200", st)
		}
	}
	p := b.post("/settings/scim/tokens/"+oldID+"/revoke", nil)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/settings/scim" {
		t.Fatalf("revoke: %d to %q", p.status, p.header.Get("Location"))
	}
	if st := scimStatus(t, ts, old); st != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", st)
	}
	if st := scimStatus(t, ts, fresh); st != http.StatusOK {
		t.Errorf("other token after the revocation: %d, want 200", st)
	}
	p = b.get("/settings/scim")
	p.want(t, "settings after revoking", http.StatusOK, "Token revoked")
	row := tokenRows(p.body)[oldID]
	if !strings.Contains(row, "revoked 2026-01-02 03:04 UTC") || strings.Contains(row, "Revoke") {
		t.Errorf("revoked token's row %q: want \"revoked <time>\" and no Revoke button", row)
	}
	b.post("/settings/scim/tokens/nope/revoke", nil).want(t, "revoke an unknown token", http.StatusNotFound)
}

// TestDisableEnable: turning SCIM off refuses every token of the
// workspace with 401 (other workspaces unaffected); turning it on
// restores them.
func TestDisableEnable(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	second, _ := b.generate("second")
	b.saveSettings(false, "generic", "delete", false)
	b.get("/settings/scim").want(t, "settings, disabled", http.StatusOK, "Saved", "SCIM is disabled")
	for _, s := range []string{testToken, second} {
		if st := scimStatus(t, ts, s); st != http.StatusUnauthorized {
			t.Errorf("token of a disabled connection: %d, want 401", st)
		}
	}
	if st := scimStatus(t, ts, "globex-token"); st != http.StatusOK {
		t.Errorf("another workspace's token while acme is disabled: %d, want 200", st)
	}
	b.saveSettings(true, "generic", "delete", false)
	p := b.get("/settings/scim")
	p.want(t, "settings, enabled", http.StatusOK, "SCIM is enabled")
	p.lacks(t, "flash shown once", "Saved</p>\n<p class=\"flash\"")
	for _, s := range []string{testToken, second} {
		if st := scimStatus(t, ts, s); st != http.StatusOK {
			t.Errorf("token after enabling again: %d, want 200", st)
		}
	}
	if b.get("/settings/scim").body != "" && strings.Contains(b.get("/settings/scim").body, `id="flash"`) {
		t.Errorf("the flash is shown again")
	}
}

// TestSettingsForm checks the form's fields and that what is saved is
// what the page shows; a profile or policy the form does not offer is
// 400 and changes nothing.
func TestSettingsForm(t *testing.T) {
	app, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	p := b.get("/settings/scim")
	p.want(t, "settings", http.StatusOK, `<form id="scim-settings" method="post" action="/settings/scim">`,
		`name="enabled"`, "Enable SCIM", `name="profile"`,
		`<option value="entra">Microsoft Entra ID</option>`, `<option value="okta">Okta</option>`,
		`<option value="jumpcloud">JumpCloud</option>`, `<option value="onelogin">OneLogin</option>`,
		`<option value="pingone">PingOne</option>`, `<option value="generic" selected>Other (all tolerances)</option>`,
		`<option value="strict">Strict (RFC only)</option>`,
		`name="delete_policy" value="delete" checked> Delete the user`, `name="delete_policy" value="deactivate"> Deactivate and hide`,
		`name="scim_managed"`, "SCIM-managed: users and groups are added and removed only through the identity provider",
		`<button type="submit">Save</button>`, "Tenant URL", `<input id="tenant-url" readonly value="`+ts.URL+`/scim/v2"`,
		`id="copy-tenant-url"`, `<form id="generate-token" method="post" action="/settings/scim/tokens">`, `name="label"`,
		"Generate token", `<table id="tokens">`, `<a href="/users">Users</a>`, `<a href="/groups">Groups</a>`, `<a href="/share">Share</a>`)
	b.saveSettings(true, "okta", "deactivate", true)
	c, err := app.Conns.Connection(t.Context(), "acme")
	if err != nil || !c.Enabled || c.Profile != "okta" || c.DeletePolicy != "deactivate" || !c.SCIMManaged {
		t.Errorf("saved connection %+v, %v", c, err)
	}
	b.get("/settings/scim").want(t, "settings after save", http.StatusOK, `<option value="okta" selected>Okta</option>`,
		`value="deactivate" checked> Deactivate and hide`, `name="scim_managed" value="on" checked>`)
	for _, f := range []url.Values{
		{"profile": {"azure"}, "delete_policy": {"delete"}},
		{"profile": {"generic"}, "delete_policy": {"shred"}},
		{},
	} {
		b.post("/settings/scim", f).want(t, "bad settings "+f.Encode(), http.StatusBadRequest)
	}
	if c2, _ := app.Conns.Connection(t.Context(), "acme"); c2.Profile != "okta" {
		t.Errorf("profile after refused saves: %s, want okta", c2.Profile)
	}
}

// TestStrictProfileApplied: the profile chosen on the settings page
// selects the tolerances of the workspace's SCIM requests: strict refuses
// Entra's "active": "True" (a string), generic accepts it.
func TestStrictProfileApplied(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	c := newIdP(t, ts)
	body := func(n string) string {
		return `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "` + n + `@example.com", "active": "True"}`
	}
	c.want(c.do("POST", "/Users", body("generic")), http.StatusCreated, "generic profile, active \"True\"")
	b.saveSettings(true, "strict", "delete", false)
	rep := c.do("POST", "/Users", body("strict"))
	c.want(rep, http.StatusBadRequest, "strict profile, active \"True\"")
	g := newIdP(t, ts)
	g.token = "globex-token"
	g.want(g.do("POST", "/Users", body("globex")), http.StatusCreated, "another workspace keeps its generic profile")
	b.saveSettings(true, "entra", "delete", false)
	c.want(c.do("POST", "/Users", body("entra")), http.StatusCreated, "entra profile, active \"True\"")
}

// TestSCIMManagedRefusesLocalAddDelete: with SCIM-managed mode on, the
// app's own add and delete are refused with 409 and the message, and
// change nothing; SCIM still provisions; with it off they work.
func TestSCIMManagedRefusesLocalAddDelete(t *testing.T) {
	app, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	c := newIdP(t, ts)
	rep := c.do("POST", "/Users", `{"userName": "ada@example.com", "displayName": "Ada Lovelace", "active": true}`)
	c.want(rep, http.StatusCreated, "provision ada")
	ada := rep.object(t)["id"].(string)

	b.saveSettings(true, "generic", "delete", true)
	const msg = `<p class="error" id="error" role="alert">SCIM manages this directory: add and remove users in your identity provider.</p>`
	b.post("/users", url.Values{"email": {"bob@example.com"}, "name": {"Bob"}}).want(t, "add user, SCIM-managed", http.StatusConflict, msg, `id="users"`)
	b.post("/users/"+ada+"/delete", nil).want(t, "delete user, SCIM-managed", http.StatusConflict, msg)
	if _, n, _ := app.DB.Accounts(t.Context(), "acme", 0, 10); n != 1 {
		t.Errorf("acme has %d accounts after refused add and delete, want 1 (ada)", n)
	}
	c.want(c.do("POST", "/Users", `{"userName": "carol@example.com"}`), http.StatusCreated, "SCIM adds while SCIM-managed")

	b.saveSettings(true, "generic", "delete", false)
	p := b.post("/users", url.Values{"email": {"bob@example.com"}, "name": {"Bob Builder"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/users" {
		t.Fatalf("add user: %d to %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	b.get("/users").want(t, "users after add", http.StatusOK, "User added", "Bob Builder", "bob@example.com")
	b.post("/users", url.Values{"email": {"BOB@example.com"}}).want(t, "add a taken email", http.StatusConflict, "already has the email")
	b.post("/users", url.Values{"email": {"not an email"}}).want(t, "add a bad email", http.StatusBadRequest)
	if p := b.post("/users/"+ada+"/delete", nil); p.status != http.StatusSeeOther {
		t.Fatalf("delete user: %d\n%s", p.status, p.body)
	}
	c.want(c.do("GET", "/Users/"+ada, ""), http.StatusNotFound, "ada after the local delete")
	b.post("/users/"+ada+"/delete", nil).want(t, "delete a deleted user", http.StatusNotFound)
}

// TestUsersAndGroupsPages: the pages list what SCIM provisioned into the
// workspace: users with name, email and status, groups with member
// counts.
func TestUsersAndGroupsPages(t *testing.T) {
	_, ts := uiServer(t, nil)
	b := newBrowser(t, ts)
	b.signIn("")
	c := newIdP(t, ts)
	rep := c.do("POST", "/Users", `{"userName": "alice@example.com", "name": {"givenName": "Alice", "familyName": "Liddell"}, "active": true}`)
	c.want(rep, http.StatusCreated, "provision alice")
	alice := rep.object(t)["id"].(string)
	c.want(c.do("POST", "/Users", `{"userName": "bob@example.com", "displayName": "Bob <b>", "active": false}`), http.StatusCreated, "provision bob")
	c.want(c.do("POST", "/Groups", `{"displayName": "Wonderland & Co", "members": [{"value": "`+alice+`"}]}`), http.StatusCreated, "provision group")
	p := b.get("/users")
	p.want(t, "users", http.StatusOK, `<table id="users">`, `<form id="add-user" method="post" action="/users">`, `name="email"`, `name="name"`, "Add user",
		`<tr data-user-id="`+alice+`"><td class="name">Alice Liddell</td><td class="email">alice@example.com</td><td class="status">active</td>`,
		`action="/users/`+alice+`/delete"><button type="submit">Delete</button>`,
		`<td class="name">Bob &lt;b&gt;</td><td class="email">bob@example.com</td><td class="status">deactivated</td>`)
	b.get("/groups").want(t, "groups", http.StatusOK, `<table id="groups">`, `<td class="name">Wonderland &amp; Co</td><td class="members">1</td>`)
}

// TestPagesTenantIsolation: the acme admin sees only acme's users,
// groups, tokens and matches, and cannot revoke another workspace's token
// or delete its users by ID.
func TestPagesTenantIsolation(t *testing.T) {
	app, ts := uiServer(t, nil)
	g := newIdP(t, ts)
	g.token = "globex-token"
	rep := g.do("POST", "/Users", `{"userName": "alan@globex.example", "displayName": "Alan Globex", "active": true}`)
	g.want(rep, http.StatusCreated, "provision globex's user")
	alan := rep.object(t)["id"].(string)
	g.want(g.do("POST", "/Groups", `{"displayName": "Globex admins"}`), http.StatusCreated, "provision globex's group")
	gtoks, err := app.Conns.Tokens(t.Context(), "globex")
	if err != nil || len(gtoks) != 1 {
		t.Fatalf("globex tokens %+v, %v", gtoks, err)
	}

	b := newBrowser(t, ts)
	b.signIn("")
	for _, path := range []string{"/", "/users", "/groups", "/settings/scim", "/share?q=al", "/share?q=glo", "/share/suggest?q=al", "/share/suggest?q=globex"} {
		p := b.get(path)
		p.want(t, "acme's "+path, http.StatusOK)
		p.lacks(t, "acme's "+path, "Alan Globex", "alan@globex.example", "Globex admins", alan, gtoks[0].ID)
	}
	b.post("/settings/scim/tokens/"+gtoks[0].ID+"/revoke", nil).want(t, "acme revokes globex's token", http.StatusNotFound)
	if st := scimStatus(t, ts, "globex-token"); st != http.StatusOK {
		t.Errorf("globex's token after acme's attempt: %d, want 200", st)
	}
	b.post("/users/"+alan+"/delete", nil).want(t, "acme deletes globex's user", http.StatusNotFound)
	g.want(g.do("GET", "/Users/"+alan, ""), http.StatusOK, "globex's user after acme's attempt")

	gb := newBrowser(t, ts)
	gb.signIn("globex")
	gb.get("/users").want(t, "globex's users", http.StatusOK, "Alan Globex")
	gb.get("/share/suggest?q=glo").want(t, "globex's typeahead", http.StatusOK, `"name":"Globex admins"`)
}

// TestTenantURL: the Tenant URL is built from the request's Host, or is
// the -base-url's, which SCIM's locations use too.
func TestTenantURL(t *testing.T) {
	_, ts := uiServer(t, func(c *Config) { c.BaseURL = "https://saas.example.com/" })
	b := newBrowser(t, ts)
	b.signIn("")
	b.get("/settings/scim").want(t, "settings", http.StatusOK, `<input id="tenant-url" readonly value="https://saas.example.com/scim/v2"`)
	c := newIdP(t, ts)
	rep := c.do("POST", "/Users", `{"userName": "ada@example.com"}`)
	c.want(rep, http.StatusCreated, "POST /Users")
	if loc := rep.header.Get("Location"); !strings.HasPrefix(loc, "https://saas.example.com/scim/v2/Users/") {
		t.Errorf("Location %q, want under the base URL", loc)
	}
	// Behind the TLS proxy the browser's origin is the base URL's.
	if p := b.postFrom("/settings/scim", url.Values{"profile": {"okta"}, "delete_policy": {"delete"}, "enabled": {"on"}}, "", "https://saas.example.com"); p.status != http.StatusSeeOther {
		t.Errorf("POST from the base URL's origin: %d, want 303", p.status)
	}
	if _, _, err := newApp(t.Context(), Config{BaseURL: "saas.example.com/app"}); err == nil {
		t.Errorf("base URL without scheme, with a path: no error")
	}
}
