package main

// Browser tests of the admin UI, in a real headless Chromium: an admin
// signs in with the link the server printed, sets up SCIM on the settings
// page, hands a Secret Token to an identity provider (played by HTTP
// requests in Entra's shapes), and sees what it provisioned in the app's
// pages and in the share dialog's typeahead; then rotates the token, turns
// on SCIM-managed mode, and a hostile page tries a cross-origin POST.
//
// The machinery (one Chromium, the app as a child process, bounded steps
// that wait for selectors) is in browser_helpers_test.go. Run
//
//	go test ./examples/saas -run TestBrowserScreenshot -update-screenshot
//
// to rewrite docs/settings-scim.png.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "TestBrowserScreenshot writes docs/settings-scim.png")

const (
	// browserAdminKey is the -admin-key of the app in the browser tests.
	browserAdminKey = "browser-test-admin-key"
	// browserDemoToken is the demo tenant's -token.
	browserDemoToken = "browser-test-demo-token"
	// managedMessage is what the users page says when SCIM-managed mode
	// refuses a local add or delete.
	managedMessage = "SCIM manages this directory: add and remove users in your identity provider."
)

// startAdminApp starts the app with the demo tenant's Secret Token fixed to
// browserDemoToken, and the extra flags args.
func startAdminApp(t *testing.T, args ...string) *saas {
	t.Helper()
	return startSaaS(t, browserAdminKey, append([]string{"-token", browserDemoToken}, args...)...)
}

// signIn opens the sign-in link in tab and checks that it lands on the
// demo workspace's SCIM settings page.
func signIn(t *testing.T, tab context.Context, s *saas) {
	t.Helper()
	resp := open(t, tab, s.SignIn, http.StatusOK)
	if got := location(t, tab).Path; got != "/settings/scim" {
		t.Fatalf("the sign-in link landed on %s (%s), want /settings/scim", got, resp.URL)
	}
	if got := text(t, tab, "h1"); got != "SCIM provisioning" {
		t.Fatalf("settings page heading %q, want %q", got, "SCIM provisioning")
	}
	if body := pageText(t, tab); !strings.Contains(body, "Acme Corp") {
		t.Fatalf("the settings page does not name the workspace Acme Corp:\n%s", body)
	}
}

// saveSettings clicks Save on the settings form and checks that the
// browser is back on the settings page with the flash "Saved".
func saveSettings(t *testing.T, tab context.Context) {
	t.Helper()
	resp := load(t, tab, "saving the SCIM settings", chromedp.Click(button(formXPath("scim-settings"), "Save")))
	if resp.Status != http.StatusOK || location(t, tab).Path != "/settings/scim" {
		t.Fatalf("after Save: %s with status %d, want /settings/scim with 200\n%s", resp.URL, resp.Status, pageText(t, tab))
	}
	if body := pageText(t, tab); !strings.Contains(body, "Saved") {
		t.Fatalf("after Save: no flash %q on the page:\n%s", "Saved", body)
	}
}

// setSCIMEnabled sets the "Enable SCIM" checkbox, saves, and checks the
// status line.
func setSCIMEnabled(t *testing.T, tab context.Context, on bool) {
	t.Helper()
	setChecked(t, tab, `#scim-settings input[name="enabled"]`, on)
	saveSettings(t, tab)
	want := "SCIM is disabled"
	if on {
		want = "SCIM is enabled"
	}
	if got := text(t, tab, "#scim-status"); got != want {
		t.Fatalf("#scim-status %q after saving enabled=%v, want %q", got, on, want)
	}
}

// generateToken fills the token form with label, clicks "Generate token"
// and returns the Secret Token the page shows once.
func generateToken(t *testing.T, tab context.Context, label string) string {
	t.Helper()
	labelField := chromedp.CSS(`#generate-token input[name="label"]`)
	do(t, tab, "typing the token's label", chromedp.SendKeys(labelField, label))
	resp := load(t, tab, "generating a token", chromedp.Click(button(formXPath("generate-token"), "Generate token")))
	if resp.Status != http.StatusOK {
		t.Fatalf("Generate token: status %d, want 200 (the page itself, not a redirect)", resp.Status)
	}
	if got := location(t, tab).Path; got != "/settings/scim/tokens" {
		t.Errorf("Generate token: the page is at %s, want the POST's answer at /settings/scim/tokens", got)
	}
	secret := text(t, tab, "#new-token")
	if secret == "" {
		t.Fatal("Generate token: #new-token is empty")
	}
	if !hasHeading(t, tab, "Secret Token") {
		t.Errorf("Generate token: no heading %q above the token", "Secret Token")
	}
	if body := pageText(t, tab); !strings.Contains(body, "Copy it now: it will not be shown again") {
		t.Errorf("Generate token: no %q warning:\n%s", "Copy it now: it will not be shown again", body)
	}
	return secret
}

// hasHeading reports whether the page has a heading reading h.
func hasHeading(t *testing.T, tab context.Context, h string) bool {
	t.Helper()
	return eval[bool](t, tab, "looking for the heading "+h,
		fmt.Sprintf(`[...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].some(h => h.innerText.trim() === %q)`, h))
}

// tokenEntry is a row of the token table.
type tokenEntry struct {
	ID string `json:"id"`
	// Cells: label, hint, created, last used, status, the Revoke form.
	Cells []string `json:"cells"`
	// Revoke is whether the row has a Revoke button.
	Revoke bool `json:"revoke"`
}

func (r tokenEntry) label() string    { return r.cell(0) }
func (r tokenEntry) hint() string     { return r.cell(1) }
func (r tokenEntry) lastUsed() string { return r.cell(3) }
func (r tokenEntry) status() string   { return r.cell(4) }

func (r tokenEntry) cell(i int) string {
	if i < len(r.Cells) {
		return r.Cells[i]
	}
	return ""
}

// settingsTokens reads the token table of the settings page.
func settingsTokens(t *testing.T, tab context.Context) []tokenEntry {
	t.Helper()
	return eval[[]tokenEntry](t, tab, "reading the token table", `[...document.querySelectorAll('#tokens tr[data-token-id]')].map(tr => ({
		id: tr.dataset.tokenId,
		cells: [...tr.cells].map(c => c.innerText.trim()),
		revoke: [...tr.querySelectorAll('button, input[type=submit]')].some(b => (b.innerText || b.value).trim() === 'Revoke'),
	}))`)
}

// hintOf is the hint the token table shows for secret.
func hintOf(secret string) string { return "…" + secret[len(secret)-4:] }

// rowOf returns the row of the token table whose hint is secret's.
func rowOf(t *testing.T, rows []tokenEntry, secret string) tokenEntry {
	t.Helper()
	for _, r := range rows {
		if r.hint() == hintOf(secret) {
			return r
		}
	}
	t.Fatalf("no row with the hint %q in the token table %+v", hintOf(secret), rows)
	return tokenEntry{}
}

// tableRows reads the cells of the rows of the table with the id that have
// cells (not the header row).
func tableRows(t *testing.T, tab context.Context, id string) [][]string {
	t.Helper()
	return eval[[][]string](t, tab, "reading the table #"+id, fmt.Sprintf(`[...document.querySelectorAll('#%s tr')]
		.map(tr => [...tr.querySelectorAll('td')].map(c => c.innerText.trim()))
		.filter(cells => cells.length > 0)`, id))
}

// rowWith returns the row of rows whose first cell is first, or nil.
func rowWith(rows [][]string, first string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == first {
			return r
		}
	}
	return nil
}

// person is a user the identity provider provisions.
type person struct {
	userName, given, family string
	active                  bool
}

func (p person) displayName() string { return p.given + " " + p.family }

// entraUser is the POST /Users body Microsoft Entra ID sends for p: the UPN
// as userName, the object id as externalId, the read-only meta, the
// enterprise extension.
func entraUser(p person) string {
	b, err := json.Marshal(map[string]any{
		"schemas": []string{
			"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId":  "entra-object-id-" + p.userName,
		"userName":    p.userName,
		"active":      p.active,
		"displayName": p.displayName(),
		"emails":      []map[string]any{{"primary": true, "type": "work", "value": p.userName}},
		"meta":        map[string]any{"resourceType": "User"},
		"name":        map[string]any{"formatted": p.displayName(), "familyName": p.family, "givenName": p.given},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "Sales"},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// entraGroup is the POST /Groups body Microsoft Entra ID sends, with the
// members given by id.
func entraGroup(name string, members ...string) string {
	ms := []map[string]any{}
	for _, id := range members {
		ms = append(ms, map[string]any{"value": id})
	}
	b, err := json.Marshal(map[string]any{
		"schemas": []string{
			"urn:ietf:params:scim:schemas:core:2.0:Group",
			"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
		"externalId":  "entra-group-" + name,
		"displayName": name,
		"meta":        map[string]any{"resourceType": "Group"},
		"members":     ms,
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// createUser provisions p through SCIM with token and returns its id.
func createUser(t *testing.T, s *saas, token string, p person) string {
	t.Helper()
	c := s.scim(t, token)
	r := c.do("POST", "/Users", entraUser(p))
	c.want(r, http.StatusCreated, "POST /Users "+p.userName)
	id, _ := r.object(t)["id"].(string)
	if id == "" {
		t.Fatalf("POST /Users %s returned no id:\n%s", p.userName, r.body)
	}
	return id
}

// createGroup provisions a group through SCIM with token and returns its
// id.
func createGroup(t *testing.T, s *saas, token, name string, members ...string) string {
	t.Helper()
	c := s.scim(t, token)
	r := c.do("POST", "/Groups", entraGroup(name, members...))
	c.want(r, http.StatusCreated, "POST /Groups "+name)
	id, _ := r.object(t)["id"].(string)
	if id == "" {
		t.Fatalf("POST /Groups %s returned no id:\n%s", name, r.body)
	}
	return id
}

// wantSCIMStatus fails the test unless a SCIM request with token answers
// want.
func wantSCIMStatus(t *testing.T, s *saas, token, what string, want int) {
	t.Helper()
	if got := s.status(t, token); got != want {
		t.Errorf("%s: GET /scim/v2/Users answered %d, want %d", what, got, want)
	}
}

// TestBrowserSignIn: the sign-in link signs the admin in to the demo
// workspace with a secure session cookie; a wrong key, an unknown
// workspace and a page without a session are refused; logging out ends the
// session. The settings page shows what the contract names.
func TestBrowserSignIn(t *testing.T) {
	tab := newTab(t)
	s := startAdminApp(t)

	// No session: every admin page sends the browser to the sign-in page.
	for _, p := range []string{"/settings/scim", "/users", "/groups", "/share"} {
		load(t, tab, "opening "+p+" signed out", chromedp.Navigate(s.URL+p))
		if got := location(t, tab).Path; got != "/login" {
			t.Errorf("%s without a session landed on %s, want /login", p, got)
		}
		if body := pageText(t, tab); !strings.Contains(body, "Open the sign-in link the server printed at startup") {
			t.Errorf("%s without a session: the sign-in page does not say how to sign in:\n%s", p, body)
		}
	}
	open(t, tab, s.URL+"/login?key=wrong-"+browserAdminKey, http.StatusForbidden)
	if body := pageText(t, tab); !strings.Contains(body, "Sign-in link is invalid") {
		t.Errorf("wrong key: the page does not say %q:\n%s", "Sign-in link is invalid", body)
	}
	open(t, tab, s.URL+"/login?key="+url.QueryEscape(browserAdminKey)+"&tenant=no-such-workspace", http.StatusNotFound)
	if c := browserSession(t, tab); c != nil {
		t.Errorf("refused sign-ins set a session cookie %+v", c)
	}

	signIn(t, tab, s)
	c := browserSession(t, tab)
	if c == nil {
		t.Fatal("no saas_session cookie after signing in")
	}
	if !c.HTTPOnly || c.SameSite != "Lax" || c.Secure {
		t.Errorf("saas_session: HttpOnly=%v SameSite=%q Secure=%v, want HttpOnly, SameSite=Lax and not Secure over plain HTTP",
			c.HTTPOnly, c.SameSite, c.Secure)
	}

	// The page: the status of the demo tenant's connection, the Tenant URL
	// built from the request's host, the settings form's fields with the
	// names the docs use, the links to the directory pages.
	if got := text(t, tab, "#scim-status"); got != "SCIM is enabled" {
		t.Errorf("#scim-status %q, want the demo tenant's connection enabled on first start", got)
	}
	if got := get(t, tab, "reading the Tenant URL", chromedp.Value(chromedp.CSS("#tenant-url"))); got != s.URL+"/scim/v2" {
		t.Errorf("Tenant URL %q, want %q", got, s.URL+"/scim/v2")
	}
	if !eval[bool](t, tab, "reading #tenant-url readonly", `document.querySelector("#tenant-url").readOnly`) {
		t.Error("#tenant-url is not readonly")
	}
	if got := text(t, tab, "#copy-tenant-url"); got != "Copy" {
		t.Errorf("#copy-tenant-url reads %q, want Copy", got)
	}
	body := pageText(t, tab)
	for _, want := range []string{"Tenant URL", "Enable SCIM", "Delete the user", "Deactivate and hide",
		"SCIM-managed: users and groups are added and removed only through the identity provider"} {
		if !strings.Contains(body, want) {
			t.Errorf("the settings page does not show %q:\n%s", want, body)
		}
	}
	type option struct {
		Value string `json:"value"`
		Label string `json:"label"`
	}
	options := eval[[]option](t, tab, "reading the profiles",
		`[...document.querySelectorAll('#scim-settings select[name="profile"] option')].map(o => ({value: o.value, label: o.innerText.trim()}))`)
	wantOptions := []option{{"entra", "Microsoft Entra ID"}, {"okta", "Okta"}, {"jumpcloud", "JumpCloud"}, {"onelogin", "OneLogin"},
		{"pingone", "PingOne"}, {"generic", "Other (all tolerances)"}, {"strict", "Strict (RFC only)"}}
	if !slices.Equal(options, wantOptions) {
		t.Errorf("profile options %v, want %v", options, wantOptions)
	}
	policies := eval[[]string](t, tab, "reading the DELETE policies",
		`[...document.querySelectorAll('#scim-settings input[type="radio"][name="delete_policy"]')].map(r => r.value)`)
	if !slices.Equal(policies, []string{"delete", "deactivate"}) {
		t.Errorf("delete_policy radios %v, want [delete deactivate]", policies)
	}
	type link struct {
		Href string `json:"href"`
		Text string `json:"text"`
	}
	links := eval[[]link](t, tab, "reading the links",
		`[...document.querySelectorAll('a')].map(a => ({href: a.getAttribute('href'), text: a.innerText.trim()}))`)
	for _, want := range []link{{"/users", "Users"}, {"/groups", "Groups"}, {"/share", "Share"}} {
		if !slices.Contains(links, want) {
			t.Errorf("no link %+v on the settings page (links: %+v)", want, links)
		}
	}

	// Logging out ends the session: the settings page sends to sign-in.
	if got := eval[int](t, tab, "logging out", `fetch("/logout", {method: "POST"}).then(r => r.status)`); got != http.StatusOK {
		t.Errorf("POST /logout: final status %d, want 200 (after its redirect)", got)
	}
	load(t, tab, "opening the settings after logout", chromedp.Navigate(s.URL+"/settings/scim"))
	if got := location(t, tab).Path; got != "/login" {
		t.Errorf("/settings/scim after logout landed on %s, want /login", got)
	}
}

// browserSession is the tab's saas_session cookie, or nil.
func browserSession(t *testing.T, tab context.Context) *network.Cookie {
	t.Helper()
	for _, c := range cookies(t, tab) {
		if c.Name == "saas_session" {
			return c
		}
	}
	return nil
}

// shareItem is an entry of the share dialog's results.
type shareItem struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Detail string `json:"detail"`
}

// shareResults reads the entries of #share-results: name is the text of
// the li without its <small>, detail the <small>'s.
func shareResults(t *testing.T, tab context.Context) []shareItem {
	t.Helper()
	items := eval[[]shareItem](t, tab, "reading #share-results", `[...document.querySelectorAll('#share-results li')].map(li => {
		const small = li.querySelector('small');
		const detail = small ? small.innerText.trim() : '';
		const name = li.innerText.trim();
		return {kind: li.dataset.kind, id: li.dataset.id, name: name.slice(0, name.length - detail.length).trim(), detail: detail};
	})`)
	sortItems(items)
	return items
}

func sortItems(items []shareItem) {
	slices.SortFunc(items, func(a, b shareItem) int { return strings.Compare(a.Kind+a.Name, b.Kind+b.Name) })
}

// TestBrowserProvisioning: the admin turns SCIM off and on (a token stops
// and starts working), generates a Secret Token, and what Entra provisions
// with it shows on the users and groups pages and in the share dialog,
// with JavaScript (the typeahead) and without (the GET form). Only the
// workspace's active users and its groups are offered.
func TestBrowserProvisioning(t *testing.T) {
	tab := newTab(t)
	s := startAdminApp(t, "-tenant", "globex=browser-test-globex-token")
	signIn(t, tab, s)

	// Disable: the demo token gets 401. Enable: 200 again.
	wantSCIMStatus(t, s, browserDemoToken, "demo token, SCIM enabled on first start", http.StatusOK)
	setSCIMEnabled(t, tab, false)
	wantSCIMStatus(t, s, browserDemoToken, "demo token, SCIM disabled", http.StatusUnauthorized)
	setSCIMEnabled(t, tab, true)
	wantSCIMStatus(t, s, browserDemoToken, "demo token, SCIM enabled again", http.StatusOK)

	token := generateToken(t, tab, "Entra ID")
	row := rowOf(t, settingsTokens(t, tab), token)
	if row.label() != "Entra ID" || row.lastUsed() != "never" || row.status() != "live" || !row.Revoke {
		t.Errorf("the new token's row %+v, want label Entra ID, last used never, live, with a Revoke button", row)
	}

	// Entra provisions with the new token.
	alice := person{"alice.archer@acme.example", "Alice", "Archer", true}
	bob := person{"bob.builder@acme.example", "Bob", "Builder", true}
	amy := person{"amy.adams@acme.example", "Amy", "Adams", true}
	alan := person{"alan.gone@acme.example", "Alan", "Gone", false} // deactivated: never offered
	aliceID := createUser(t, s, token, alice)
	bobID := createUser(t, s, token, bob)
	amyID := createUser(t, s, token, amy)
	createUser(t, s, token, alan)
	alphaID := createGroup(t, s, token, "Alpha Team", aliceID, bobID)
	createGroup(t, s, token, "Beta Team", amyID)
	// Another workspace's user and group, which acme must never see.
	createUser(t, s, "browser-test-globex-token", person{"alma.other@globex.example", "Alma", "Other", true})
	createGroup(t, s, "browser-test-globex-token", "Alumni")

	open(t, tab, s.URL+"/users", http.StatusOK)
	users := tableRows(t, tab, "users")
	for _, want := range [][]string{
		{alice.displayName(), alice.userName, "active"},
		{bob.displayName(), bob.userName, "active"},
		{alan.displayName(), alan.userName, "deactivated"},
	} {
		got := rowWith(users, want[0])
		if len(got) < 3 || !slices.Equal(got[:3], want) {
			t.Errorf("users page row for %s: %q, want %q (rows %q)", want[0], got, want, users)
		}
	}
	if rowWith(users, "Alma Other") != nil {
		t.Errorf("the users page shows another workspace's user: %q", users)
	}
	open(t, tab, s.URL+"/groups", http.StatusOK)
	groups := tableRows(t, tab, "groups")
	if got := rowWith(groups, "Alpha Team"); len(got) < 2 || got[1] != "2" {
		t.Errorf("groups page row for Alpha Team: %q, want member count 2 (rows %q)", got, groups)
	}
	if got := rowWith(groups, "Beta Team"); len(got) < 2 || got[1] != "1" {
		t.Errorf("groups page row for Beta Team: %q, want member count 1 (rows %q)", got, groups)
	}
	if rowWith(groups, "Alumni") != nil {
		t.Errorf("the groups page shows another workspace's group: %q", groups)
	}

	// The typeahead: typing "al" offers Alice and Alpha Team, not Amy
	// (offered for "a" only), not the deactivated Alan, not globex's Alma.
	want := []shareItem{
		{Kind: "group", ID: alphaID, Name: "Alpha Team", Detail: "group"},
		{Kind: "user", ID: aliceID, Name: alice.displayName(), Detail: alice.userName},
	}
	open(t, tab, s.URL+"/share", http.StatusOK)
	do(t, tab, "typing al in the share dialog",
		chromedp.SendKeys(chromedp.CSS("#share-search"), "al"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#share-results li[data-kind="user"][data-id=%q]`, aliceID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#share-results li[data-kind="group"][data-id=%q]`, alphaID))),
		chromedp.WaitNotPresent(chromedp.CSS(fmt.Sprintf(`#share-results li[data-id=%q]`, amyID))),
	)
	if got := shareResults(t, tab); !slices.Equal(got, want) {
		t.Errorf("typeahead for al: %+v, want %+v", got, want)
	}
	if got := location(t, tab); got.Path != "/share" || got.RawQuery != "" {
		t.Errorf("the typeahead navigated to %s: want it to fill the list in place", got)
	}
	// The endpoint behind it, from the page (with the session cookie).
	suggest := eval[[]shareItem](t, tab, "fetching /share/suggest?q=AL", `fetch("/share/suggest?q=AL").then(r => r.json())`)
	sortItems(suggest)
	for i := range suggest {
		if suggest[i].Kind == "group" {
			suggest[i].Detail = "group" // the JSON's detail of a group is free
		}
	}
	if !slices.Equal(suggest, want) {
		t.Errorf("/share/suggest?q=AL: %+v, want %+v (case-insensitive)", suggest, want)
	}

	// Without JavaScript: the same dialog is a GET form rendered by the
	// server.
	noJS := newTab(t)
	signIn(t, noJS, s)
	disableScripts(t, noJS)
	open(t, noJS, s.URL+"/share", http.StatusOK)
	resp := load(t, noJS, "submitting the share form without JavaScript",
		chromedp.SendKeys(chromedp.CSS("#share-search"), "al\n"))
	if got := location(t, noJS); resp.Status != http.StatusOK || got.Path != "/share" || got.Query().Get("q") != "al" {
		t.Errorf("the share form without JavaScript went to %s (status %d), want /share?q=al", got, resp.Status)
	}
	if got := shareResults(t, noJS); !slices.Equal(got, want) {
		t.Errorf("share form without JavaScript, q=al: %+v, want %+v", got, want)
	}
}

// TestBrowserTokenRotation: a second token works next to the first; after
// "Revoke" on the first, the first gets 401 and the second 200.
func TestBrowserTokenRotation(t *testing.T) {
	tab := newTab(t)
	s := startAdminApp(t)
	signIn(t, tab, s)

	first := generateToken(t, tab, "Entra ID")
	wantSCIMStatus(t, s, first, "first token", http.StatusOK)
	second := generateToken(t, tab, "Entra ID (rotated)")
	if second == first {
		t.Fatal("the second token is the first one")
	}
	wantSCIMStatus(t, s, first, "first token, second issued", http.StatusOK)
	wantSCIMStatus(t, s, second, "second token", http.StatusOK)

	rows := settingsTokens(t, tab)
	r1, r2 := rowOf(t, rows, first), rowOf(t, rows, second)
	if r1.status() != "live" || r2.status() != "live" || !r1.Revoke || !r2.Revoke || r1.ID == r2.ID {
		t.Fatalf("before revoking: rows %+v and %+v, want both live with Revoke buttons", r1, r2)
	}
	if r1.label() != "Entra ID" || r2.label() != "Entra ID (rotated)" {
		t.Errorf("labels %q and %q, want Entra ID and Entra ID (rotated)", r1.label(), r2.label())
	}

	resp := load(t, tab, "revoking the first token",
		chromedp.Click(button(fmt.Sprintf(`//table[@id="tokens"]//tr[@data-token-id=%q]`, r1.ID), "Revoke")))
	if resp.Status != http.StatusOK || location(t, tab).Path != "/settings/scim" {
		t.Errorf("after Revoke: %s with status %d, want the settings page", resp.URL, resp.Status)
	}
	if strings.Contains(pageText(t, tab), second) || exists(t, tab, "#new-token") {
		t.Error("the settings page shows a secret again after Revoke")
	}
	wantSCIMStatus(t, s, first, "first token, revoked", http.StatusUnauthorized)
	wantSCIMStatus(t, s, second, "second token, first revoked", http.StatusOK)

	rows = settingsTokens(t, tab)
	r1, r2 = rowOf(t, rows, first), rowOf(t, rows, second)
	if !strings.HasPrefix(r1.status(), "revoked ") || r1.Revoke {
		t.Errorf("revoked token's row %+v, want status \"revoked <time>\" and no Revoke button", r1)
	}
	if r2.status() != "live" || !r2.Revoke {
		t.Errorf("second token's row %+v, want live with a Revoke button", r2)
	}
}

// TestBrowserSCIMManaged: with SCIM-managed mode off, the app's own "Add
// user" and "Delete" work; with it on, both are refused with 409 and the
// message, and nothing changes, while SCIM still provisions.
func TestBrowserSCIMManaged(t *testing.T) {
	tab := newTab(t)
	s := startAdminApp(t)
	signIn(t, tab, s)
	alice := person{"alice.archer@acme.example", "Alice", "Archer", true}
	createUser(t, s, browserDemoToken, alice)

	addUser := func(email, name string) *network.Response {
		t.Helper()
		open(t, tab, s.URL+"/users", http.StatusOK)
		do(t, tab, "filling Add user",
			chromedp.SendKeys(chromedp.CSS(`#add-user input[name="email"]`), email),
			chromedp.SendKeys(chromedp.CSS(`#add-user input[name="name"]`), name))
		return load(t, tab, "clicking Add user", chromedp.Click(button(formXPath("add-user"), "Add user")))
	}
	deleteUser := func(display string) *network.Response {
		t.Helper()
		open(t, tab, s.URL+"/users", http.StatusOK)
		return load(t, tab, "clicking Delete for "+display, chromedp.Click(button(
			fmt.Sprintf(`//table[@id="users"]//tr[td[1][normalize-space()=%q]]`, display), "Delete")))
	}

	// Mode off: the local add and delete work.
	if resp := addUser("local.lee@acme.example", "Lee Local"); resp.Status != http.StatusOK {
		t.Fatalf("Add user with SCIM-managed off: status %d, want 200\n%s", resp.Status, pageText(t, tab))
	}
	if rowWith(tableRows(t, tab, "users"), "Lee Local") == nil {
		t.Fatalf("Add user with SCIM-managed off: Lee Local not listed: %q", tableRows(t, tab, "users"))
	}
	if resp := deleteUser("Lee Local"); resp.Status != http.StatusOK {
		t.Fatalf("Delete with SCIM-managed off: status %d, want 200\n%s", resp.Status, pageText(t, tab))
	}
	if rowWith(tableRows(t, tab, "users"), "Lee Local") != nil {
		t.Fatalf("Delete with SCIM-managed off: Lee Local still listed")
	}

	// Mode on.
	open(t, tab, s.URL+"/settings/scim", http.StatusOK)
	setChecked(t, tab, `#scim-settings input[name="scim_managed"]`, true)
	saveSettings(t, tab)
	if !get(t, tab, "reading scim_managed", chromedp.JavascriptAttribute[bool](chromedp.CSS(`#scim-settings input[name="scim_managed"]`), "checked")) {
		t.Fatal("scim_managed is not checked after saving it on")
	}

	resp := addUser("mallory@acme.example", "Mallory Local")
	if resp.Status != http.StatusConflict {
		t.Errorf("Add user with SCIM-managed on: status %d, want 409", resp.Status)
	}
	if got := text(t, tab, "#error"); got != managedMessage {
		t.Errorf("Add user with SCIM-managed on: #error %q, want %q", got, managedMessage)
	}
	resp = deleteUser(alice.displayName())
	if resp.Status != http.StatusConflict {
		t.Errorf("Delete with SCIM-managed on: status %d, want 409", resp.Status)
	}
	if got := text(t, tab, "#error"); got != managedMessage {
		t.Errorf("Delete with SCIM-managed on: #error %q, want %q", got, managedMessage)
	}
	open(t, tab, s.URL+"/users", http.StatusOK)
	users := tableRows(t, tab, "users")
	if rowWith(users, "Mallory Local") != nil || rowWith(users, alice.displayName()) == nil {
		t.Errorf("after the refused add and delete the users are %q, want Alice only", users)
	}
	// The identity provider still manages the directory.
	createUser(t, s, browserDemoToken, person{"bob.builder@acme.example", "Bob", "Builder", true})
	open(t, tab, s.URL+"/users", http.StatusOK)
	if rowWith(tableRows(t, tab, "users"), "Bob Builder") == nil {
		t.Error("a user provisioned through SCIM in SCIM-managed mode is not listed")
	}
}

// TestBrowserCrossOriginPost: a page on another origin of the same site
// (another port of 127.0.0.1, so the browser sends the SameSite=Lax session
// cookie) posts the app's forms: both posts are refused with 403 and
// change nothing. A scripted POST with a foreign Origin header is refused
// the same way.
func TestBrowserCrossOriginPost(t *testing.T) {
	tab := newTab(t)
	s := startAdminApp(t)
	signIn(t, tab, s)
	before := settingsTokens(t, tab)

	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Win a prize</title>
<form id="steal" method="post" action="%[1]s/settings/scim/tokens"><input name="label" value="evil"><button>Claim your prize</button></form>
<form id="off" method="post" action="%[1]s/settings/scim"><input type="hidden" name="profile" value="strict"><button>Unsubscribe</button></form>`, s.URL)
	}))
	defer evil.Close()

	for _, f := range []struct{ form, label string }{{"steal", "Claim your prize"}, {"off", "Unsubscribe"}} {
		open(t, tab, evil.URL, http.StatusOK)
		resp := load(t, tab, "posting the cross-origin form "+f.form, chromedp.Click(button(formXPath(f.form), f.label)))
		if resp.Status != http.StatusForbidden {
			t.Errorf("cross-origin POST (form %s): status %d at %s, want 403\n%s", f.form, resp.Status, resp.URL, pageText(t, tab))
		}
	}

	open(t, tab, s.URL+"/settings/scim", http.StatusOK)
	if got := text(t, tab, "#scim-status"); got != "SCIM is enabled" {
		t.Errorf("after the cross-origin POSTs: %q, want SCIM still enabled", got)
	}
	after := settingsTokens(t, tab)
	if len(after) != len(before) {
		t.Errorf("after the cross-origin POSTs the token table is %+v, was %+v", after, before)
	}
	wantSCIMStatus(t, s, browserDemoToken, "demo token after the cross-origin POSTs", http.StatusOK)

	c := browserSession(t, tab)
	if c == nil {
		t.Fatal("no session cookie")
	}
	status, body := s.post(t, "/settings/scim/tokens", c.Value, evil.URL, url.Values{"label": {"evil"}})
	if status != http.StatusForbidden {
		t.Errorf("POST /settings/scim/tokens with Origin %s: status %d, want 403\n%s", evil.URL, status, body)
	}
	open(t, tab, s.URL+"/settings/scim", http.StatusOK)
	if after := settingsTokens(t, tab); len(after) != len(before) {
		t.Errorf("after the scripted cross-origin POST the token table is %+v, was %+v", after, before)
	}
}

// TestBrowserScreenshot renders the settings page as a first start shows
// it after "Generate token": the new Secret Token and two tokens listed, checks that the image is a page and not
// a blank one, and with -update-screenshot writes it to
// docs/settings-scim.png, the image the README shows.
func TestBrowserScreenshot(t *testing.T) {
	tab := newTab(t)
	s := startSaaS(t, browserAdminKey) // the demo tenant gets a random token, labelled "demo"
	do(t, tab, "sizing the window", chromedp.EmulateViewport(1100, 800))
	signIn(t, tab, s)
	labels := []string{"Microsoft Entra ID", "Entra ID (rotation)"}
	for i := 0; len(settingsTokens(t, tab)) < 2 && i < len(labels); i++ {
		generateToken(t, tab, labels[i])
	}
	if n := len(settingsTokens(t, tab)); n != 2 || !exists(t, tab, "#new-token") {
		t.Fatalf("the page shows %d tokens (new token shown: %v), want two and the new one", n, exists(t, tab, "#new-token"))
	}
	shot := get(t, tab, "taking the screenshot", chromedp.FullScreenshot(100))
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 400 {
		t.Errorf("screenshot is %dx%d, want at least 1000x400", b.Dx(), b.Dy())
	}
	if n := colours(img); n < 8 {
		t.Errorf("the screenshot has %d colours: a blank page?", n)
	}
	if !*updateScreenshot {
		return
	}
	path := filepath.Join("..", "..", "docs", "settings-scim.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(shot))
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
