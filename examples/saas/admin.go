package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// This file is the admin sign-in: the one-time link /login?key=KEY the
// server prints at startup, server-side sessions and the CSRF
// protection of every form. The pages are in pages.go.

// sessionCookie is the name of the session cookie.
const sessionCookie = "saas_session"

// sessionLifetime is how long a sign-in lasts.
const sessionLifetime = 12 * time.Hour

// session is a signed-in admin: the workspace (tenant) every page shows,
// and the flash message the next page shows once.
type session struct {
	tenant  string
	expires time.Time
	flash   string
}

// sessions keeps the sessions in memory, by a random 256-bit ID that is
// the cookie's value: nothing about the session is in the cookie. An
// in-memory map suits the example (one process; a restart signs everyone
// out); an app with replicas keeps them in its database.
type sessions struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*session
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

// start makes a session for tenant and returns its ID.
func (s *sessions) start(tenant string) string {
	var b [32]byte
	rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.m { // drop expired sessions now and then
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = &session{tenant: tenant, expires: now.Add(sessionLifetime)}
	return id
}

// get returns the live session id, or nil.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok || s.now().After(v.expires) {
		delete(s.m, id)
		return nil
	}
	return v
}

// end deletes the session id.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// setFlash sets the message the session's next page shows.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[id]; ok {
		v.flash = msg
	}
}

// takeFlash returns the session's flash message and clears it.
func (s *sessions) takeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok {
		return ""
	}
	msg := v.flash
	v.flash = ""
	return msg
}

// adminKey is the signed-in admin's context value.
type adminKey struct{}

// admin is what a handler behind requireAdmin knows: the session and
// its workspace.
type admin struct {
	sessionID string
	tenant    Tenant
}

// adminFrom returns the request's admin (requireAdmin put it there).
func adminFrom(ctx context.Context) admin {
	a, _ := ctx.Value(adminKey{}).(admin)
	return a
}

// secureCookies reports whether the session cookie gets Secure: when the
// request came over TLS, or the app is served at an https base URL (a
// TLS proxy in front).
func (a *App) secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(a.baseURL, "https://")
}

// login signs the admin in with the link printed at startup:
// GET /login?key=KEY[&tenant=ID]. A wrong or missing key is 403 (the key
// is compared in constant time, and checked before the tenant so that
// the page tells nothing about tenants); an unknown tenant is 404.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	if key == "" {
		a.render(w, r, http.StatusForbidden, "login", pageData{Title: "Sign in", Heading: "Sign in",
			Error: "Sign-in link is invalid: it has no key."})
		return
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(a.AdminKey)) != 1 {
		a.log.WarnContext(r.Context(), "admin sign-in refused: wrong key")
		a.render(w, r, http.StatusForbidden, "login", pageData{Title: "Sign in", Heading: "Sign-in link is invalid"})
		return
	}
	id := r.URL.Query().Get("tenant")
	if id == "" {
		id = a.demo.ID
	}
	t, err := a.DB.TenantByID(r.Context(), id)
	if errors.Is(err, ErrNoRows) {
		a.render(w, r, http.StatusNotFound, "login", pageData{Title: "Sign in", Heading: "No such workspace",
			Error: "There is no workspace " + id + "."})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// A new session at every sign-in, so a session ID planted before it
	// is worth nothing.
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.sessions.end(c.Value)
	}
	sid := a.sessions.start(t.ID)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.secureCookies(r), MaxAge: int(sessionLifetime / time.Second)})
	a.log.InfoContext(r.Context(), "admin signed in", slog.String("tenant", t.ID))
	http.Redirect(w, r, "/settings/scim", http.StatusSeeOther)
}

// logout ends the session: POST /logout.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.sessions.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: a.secureCookies(r), MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// currentAdmin returns the request's session and workspace, and whether
// there is a live session.
func (a *App) currentAdmin(r *http.Request) (admin, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return admin{}, false, nil
	}
	s := a.sessions.get(c.Value)
	if s == nil {
		return admin{}, false, nil
	}
	t, err := a.DB.TenantByID(r.Context(), s.tenant)
	if err != nil {
		return admin{}, false, err
	}
	return admin{sessionID: c.Value, tenant: t}, true, nil
}

// requireAdmin serves h to a signed-in admin only: without a session a
// GET is sent to /login (303), any other method is 401.
func (a *App) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ad, ok, err := a.currentAdmin(r)
		switch {
		case err != nil:
			a.fail(w, r, err)
		case !ok && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		case !ok:
			a.render(w, r, http.StatusUnauthorized, "login", pageData{Title: "Sign in", Heading: "Sign in"})
		default:
			h(w, r.WithContext(context.WithValue(r.Context(), adminKey{}, ad)))
		}
	}
}

// routes registers the app's pages on mux. Every POST goes through
// http.CrossOriginProtection, which refuses a request the browser marks
// as cross-origin (Sec-Fetch-Site, else Origin against Host): a form on
// another site cannot post to them with the admin's cookie. The base URL,
// when set, is a trusted origin (a TLS proxy may rewrite Host).
func (a *App) routes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	if a.baseURL != "" {
		if err := cop.AddTrustedOrigin(a.baseURL); err != nil {
			a.log.Warn("base URL is not a trusted origin", slog.Any("err", err))
		}
	}
	protect := func(h http.HandlerFunc) http.Handler { return cop.Handler(a.requireAdmin(h)) }
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.Handle("POST /logout", cop.Handler(http.HandlerFunc(a.logout)))
	mux.Handle("GET /settings/scim", protect(a.settingsPage))
	mux.Handle("POST /settings/scim", protect(a.saveSettings))
	mux.Handle("POST /settings/scim/tokens", protect(a.generateToken))
	mux.Handle("POST /settings/scim/tokens/{id}/revoke", protect(a.revokeToken))
	mux.Handle("GET /users", protect(a.usersPage))
	mux.Handle("POST /users", protect(a.addUser))
	mux.Handle("POST /users/{id}/delete", protect(a.deleteUser))
	mux.Handle("GET /groups", protect(a.groupsPage))
	mux.Handle("GET /share", protect(a.sharePage))
	mux.Handle("GET /share/suggest", protect(a.shareSuggest))
	mux.Handle("GET /settings/scim/activity", protect(a.activityPage))
	// The end users' sign-in (signin.go): its forms are protected as the
	// admin's are, without an admin session.
	mux.HandleFunc("GET /account/login", a.accountLoginPage)
	mux.Handle("POST /account/login", cop.Handler(http.HandlerFunc(a.accountLogin)))
	mux.HandleFunc("GET /account", a.accountPage)
	mux.Handle("POST /account/logout", cop.Handler(http.HandlerFunc(a.accountLogout)))
}
