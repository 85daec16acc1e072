package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/connection"
)

// This file is the app's pages for a signed-in admin (admin.go signs
// them in): the SCIM settings page, the users and groups SCIM
// provisioned, and the share dialog's typeahead (share.go). They are
// server-rendered html/template pages (templates/), plain forms that work
// without JavaScript; scripts only copy to the clipboard and fill the
// typeahead.

//go:embed templates/*.html
var templateFS embed.FS

// pages are the parsed pages, each with the layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"stamp":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"seconds": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"join":    strings.Join,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "home", "settings", "users", "groups", "share", "account", "activity"} {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return out
}()

// pageData is what every page gets; each page reads its own field.
type pageData struct {
	Title, Heading string
	SignedIn       bool
	Workspace      Tenant
	Flash, Error   string

	Home     *homeView
	Settings *settingsView
	Users    *usersView
	Groups   []groupRow
	Share    *shareView
	Account  *accountView
	Activity *activityView
}

// render writes page with status. The signed-in admin's workspace and
// flash message are filled in.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, page string, data pageData) {
	if ad := adminFrom(r.Context()); ad.sessionID != "" {
		data.SignedIn, data.Workspace = true, ad.tenant
		if data.Flash == "" {
			data.Flash = a.sessions.takeFlash(ad.sessionID)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show tokens and directories: no cache keeps them.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pages[page].ExecuteTemplate(w, "layout", data); err != nil {
		a.log.ErrorContext(r.Context(), "rendering page", slog.String("page", page), slog.Any("err", err))
	}
}

// fail answers a failure of the app (its database) with 503 when the
// database cannot be reached and 500 otherwise, the cause in the log.
func (a *App) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if errors.Is(connErr(err), errUnavailable) {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	a.log.ErrorContext(r.Context(), "page failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	http.Error(w, http.StatusText(status), status)
}

// flashAndRedirect shows msg on the next page, after a 303 to path
// (post/redirect/get: a reload does not post again).
func (a *App) flashAndRedirect(w http.ResponseWriter, r *http.Request, path, msg string) {
	a.sessions.setFlash(adminFrom(r.Context()).sessionID, msg)
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// homeView is the home page of a signed-in admin: the workspace's first
// 1000 accounts and teams.
type homeView struct {
	Accounts []Account
	Teams    []Team
	Names    map[string]string // account id -> display name
}

// home is the app's front page: for a signed-in admin, the workspace's
// accounts and teams; else how to sign in. It never shows another
// workspace's data.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	ad, ok, err := a.currentAdmin(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		a.render(w, r, http.StatusOK, "home", pageData{Title: "Home"})
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), adminKey{}, ad))
	v := &homeView{Names: map[string]string{}}
	if v.Accounts, _, err = a.DB.Accounts(r.Context(), ad.tenant.ID, 0, 1000); err != nil {
		a.fail(w, r, err)
		return
	}
	if v.Teams, _, err = a.DB.Teams(r.Context(), ad.tenant.ID, 0, 1000, true); err != nil {
		a.fail(w, r, err)
		return
	}
	for _, acc := range v.Accounts {
		v.Names[acc.ID] = acc.DisplayName()
	}
	a.render(w, r, http.StatusOK, "home", pageData{Title: ad.tenant.Name, Home: v})
}

// profileLabels are the settings page's names of the IdP profiles.
var profileLabels = map[connection.Profile]string{
	connection.Entra:     "Microsoft Entra ID",
	connection.Okta:      "Okta",
	connection.JumpCloud: "JumpCloud",
	connection.OneLogin:  "OneLogin",
	connection.PingOne:   "PingOne",
	connection.Generic:   "Other (all tolerances)",
	connection.Strict:    "Strict (RFC only)",
}

type profileOption struct {
	Value, Label string
	Selected     bool
}

// settingsView is the SCIM settings page.
type settingsView struct {
	Conn      connection.Connection
	Profiles  []profileOption
	TenantURL string
	Tokens    []connection.Token
	// NewToken is the secret just generated, shown once.
	NewToken string
}

// connectionOf returns the tenant's connection; a tenant without one
// (created by the app, never set up) reads as disabled with the
// defaults.
func (a *App) connectionOf(ctx context.Context, tenant string) (connection.Connection, error) {
	c, err := a.Conns.Connection(ctx, tenant)
	if errors.Is(err, connection.ErrNotFound) {
		return connection.Connection{Tenant: tenant, Profile: connection.Generic, DeletePolicy: connection.Delete}, nil
	}
	return c, err
}

// tenantURL is the URL an admin pastes into the identity provider: the
// base URL if the app has one, else built from the request.
func (a *App) tenantURL(r *http.Request) string {
	if a.baseURL != "" {
		return a.baseURL + "/scim/v2"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/scim/v2"
}

// renderSettings renders the settings page, with newToken shown once if
// not "".
func (a *App) renderSettings(w http.ResponseWriter, r *http.Request, newToken string) {
	ad := adminFrom(r.Context())
	c, err := a.connectionOf(r.Context(), ad.tenant.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tokens, err := a.Conns.Tokens(r.Context(), ad.tenant.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := &settingsView{Conn: c, TenantURL: a.tenantURL(r), Tokens: tokens, NewToken: newToken}
	for _, p := range connection.Profiles {
		v.Profiles = append(v.Profiles, profileOption{Value: string(p), Label: profileLabels[p], Selected: p == c.Profile})
	}
	a.render(w, r, http.StatusOK, "settings", pageData{Title: "SCIM provisioning", Settings: v})
}

// settingsPage is GET /settings/scim.
func (a *App) settingsPage(w http.ResponseWriter, r *http.Request) { a.renderSettings(w, r, "") }

// saveSettings is POST /settings/scim: enable or disable SCIM, the IdP
// profile, the DELETE policy and SCIM-managed mode, then 303 back.
func (a *App) saveSettings(w http.ResponseWriter, r *http.Request) {
	ad := adminFrom(r.Context())
	profile, err := connection.ParseProfile(r.PostFormValue("profile"))
	policy := connection.DeletePolicy(r.PostFormValue("delete_policy"))
	if err != nil || !policy.Valid() {
		a.render(w, r, http.StatusBadRequest, "login", pageData{Title: "Bad request", Heading: "The settings form was not valid",
			Error: "Choose one of the identity providers and one of the DELETE policies."})
		return
	}
	c, err := a.connectionOf(r.Context(), ad.tenant.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	c.Enabled = r.PostFormValue("enabled") != ""
	c.SCIMManaged = r.PostFormValue("scim_managed") != ""
	c.DryRun = r.PostFormValue("dry_run") != ""
	c.Profile, c.DeletePolicy = profile, policy
	if _, err := a.Conns.Save(r.Context(), c); err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.InfoContext(r.Context(), "SCIM settings saved", slog.String("tenant", c.Tenant), slog.Bool("enabled", c.Enabled),
		slog.String("profile", string(c.Profile)), slog.String("delete_policy", string(c.DeletePolicy)), slog.Bool("scim_managed", c.SCIMManaged), slog.Bool("dry_run", c.DryRun))
	a.flashAndRedirect(w, r, "/settings/scim", "Saved")
}

// maxLabel bounds a token's label, in bytes.
const maxLabel = 100

// generateToken is POST /settings/scim/tokens: it issues a Secret Token
// and answers with the settings page showing it once (200, not a
// redirect, so that it is in no URL and no history entry; the page is
// no-store). The workspace gets a disabled connection first if it has
// none.
func (a *App) generateToken(w http.ResponseWriter, r *http.Request) {
	ad := adminFrom(r.Context())
	label := strings.TrimSpace(r.PostFormValue("label"))
	if label == "" {
		label = "Token"
	}
	if len(label) > maxLabel || !utf8.ValidString(label) {
		label = strings.ToValidUTF8(label, "")
		for len(label) > maxLabel {
			_, n := utf8.DecodeLastRuneInString(label)
			label = label[:len(label)-n]
		}
	}
	if _, err := a.Conns.Connection(r.Context(), ad.tenant.ID); errors.Is(err, connection.ErrNotFound) {
		if _, err := a.Conns.Save(r.Context(), connection.Connection{Tenant: ad.tenant.ID}); err != nil {
			a.fail(w, r, err)
			return
		}
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	secret, tok, err := a.Conns.Issue(r.Context(), ad.tenant.ID, label)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.InfoContext(r.Context(), "Secret Token issued", slog.String("tenant", ad.tenant.ID), slog.String("token", tok.ID))
	a.renderSettings(w, r, secret)
}

// revokeToken is POST /settings/scim/tokens/{id}/revoke: the token is
// refused from the next request on. A token of another workspace is 404.
func (a *App) revokeToken(w http.ResponseWriter, r *http.Request) {
	ad := adminFrom(r.Context())
	id := r.PathValue("id")
	err := a.Conns.Revoke(r.Context(), ad.tenant.ID, id)
	if errors.Is(err, connection.ErrNotFound) {
		a.render(w, r, http.StatusNotFound, "login", pageData{Title: "Not found", Heading: "No such token",
			Error: "This workspace has no such token."})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.log.InfoContext(r.Context(), "Secret Token revoked", slog.String("tenant", ad.tenant.ID), slog.String("token", id))
	a.flashAndRedirect(w, r, "/settings/scim", "Token revoked")
}

// usersPageSize is how many users the users page lists.
const usersPageSize = 500

// usersView is the users page.
type usersView struct {
	Accounts    []Account
	Total       int
	SCIMManaged bool
	// Codes are the active accounts' one-time sign-in codes, by account
	// ID (signin.go), for their "sign-in link" column.
	Codes map[string]string
}

// scimManagedMessage is the refusal of a local add or delete while SCIM
// manages the directory.
const scimManagedMessage = "SCIM manages this directory: add and remove users in your identity provider."

// renderUsers renders the users page with status and errMsg.
func (a *App) renderUsers(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ad := adminFrom(r.Context())
	c, err := a.connectionOf(r.Context(), ad.tenant.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	accounts, total, err := a.DB.Accounts(r.Context(), ad.tenant.ID, 0, usersPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	codes, err := a.DB.SignInCodes(r.Context(), ad.tenant.ID, accounts)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, status, "users", pageData{Title: "Users", Error: errMsg,
		Users: &usersView{Accounts: accounts, Total: total, SCIMManaged: c.SCIMManaged, Codes: codes}})
}

// usersPage is GET /users.
func (a *App) usersPage(w http.ResponseWriter, r *http.Request) {
	a.renderUsers(w, r, http.StatusOK, "")
}

// scimManaged reports whether the workspace's directory is SCIM-managed;
// if it is, it answers 409 with the users page and the message.
func (a *App) refuseIfSCIMManaged(w http.ResponseWriter, r *http.Request) bool {
	c, err := a.connectionOf(r.Context(), adminFrom(r.Context()).tenant.ID)
	if err != nil {
		a.fail(w, r, err)
		return true
	}
	if c.SCIMManaged {
		a.renderUsers(w, r, http.StatusConflict, scimManagedMessage)
		return true
	}
	return false
}

// addUser is POST /users: the app's own "add user", refused while SCIM
// manages the directory.
func (a *App) addUser(w http.ResponseWriter, r *http.Request) {
	if a.refuseIfSCIMManaged(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	name := strings.TrimSpace(r.PostFormValue("name"))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 || len(name) > 200 || !utf8.ValidString(name) {
		a.renderUsers(w, r, http.StatusBadRequest, "Enter an email address (and a name of at most 200 characters).")
		return
	}
	_, err := a.DB.InsertAccount(r.Context(), Account{ID: newAccountID(), TenantID: adminFrom(r.Context()).tenant.ID,
		Email: email, FullName: name, SCIMExtra: json.RawMessage(`{}`)})
	if errors.Is(err, ErrEmailTaken) {
		a.renderUsers(w, r, http.StatusConflict, "A user of this workspace already has the email "+email+".")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.flashAndRedirect(w, r, "/users", "User added")
}

// deleteUser is POST /users/{id}/delete: the app's own "delete user",
// refused while SCIM manages the directory. A user of another workspace
// is 404.
func (a *App) deleteUser(w http.ResponseWriter, r *http.Request) {
	if a.refuseIfSCIMManaged(w, r) {
		return
	}
	err := a.DB.DeleteAccount(r.Context(), adminFrom(r.Context()).tenant.ID, r.PathValue("id"), 0)
	if errors.Is(err, ErrNoRows) {
		a.renderUsers(w, r, http.StatusNotFound, "This workspace has no such user.")
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.flashAndRedirect(w, r, "/users", "User deleted")
}

// groupsPage is GET /groups: the workspace's teams and their member
// counts.
func (a *App) groupsPage(w http.ResponseWriter, r *http.Request) {
	groups, err := a.DB.teamRows(r.Context(), adminFrom(r.Context()).tenant.ID, usersPageSize)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "groups", pageData{Title: "Groups", Groups: groups})
}

// shareView is the share dialog: the query and its matches.
type shareView struct {
	Query   string
	Results []Suggestion
}

// sharePage is GET /share[?q=...]: the share dialog, with the matches of
// q rendered on the server (the form works without JavaScript).
func (a *App) sharePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	res, err := a.DB.ShareSuggestions(r.Context(), adminFrom(r.Context()).tenant.ID, q, maxSuggestions)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "share", pageData{Title: "Share workbook", Share: &shareView{Query: q, Results: res}})
}

// shareSuggest is GET /share/suggest?q=...: the typeahead's JSON, the
// same matches as the share page.
func (a *App) shareSuggest(w http.ResponseWriter, r *http.Request) {
	res, err := a.DB.ShareSuggestions(r.Context(), adminFrom(r.Context()).tenant.ID, r.URL.Query().Get("q"), maxSuggestions)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if res == nil {
		res = []Suggestion{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(res)
}
