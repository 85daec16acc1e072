package main

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// entraDeactivate is Entra's deactivation PATCH: "Replace" capitalised
// and the boolean as the string "False".
const entraDeactivate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	"Operations":[{"op":"Replace","path":"active","value":"False"}]}`

// entraReactivate is the same PATCH giving access back.
const entraReactivate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	"Operations":[{"op":"Replace","path":"active","value":"True"}]}`

// eventStores are the databases the end-to-end event tests run on.
var eventStores = []struct {
	name string
	spec func(t *testing.T) string
}{
	{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
	{"Postgres", postgresSchema},
}

// manualDrain makes uiServer's app leave the outbox to the test's
// Drainer.Drain calls.
func manualDrain(spec string) func(*Config) {
	return func(c *Config) {
		c.Store = spec
		c.NoEventDrainer = true
	}
}

// drain delivers the outbox and fails the test on an error.
func drain(t *testing.T, app *App) int {
	t.Helper()
	n, err := app.Drainer.Drain(t.Context())
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	return n
}

// sessions returns how many sessions the acme account id has.
func sessionCount(t *testing.T, app *App, id string) int {
	t.Helper()
	n, err := app.DB.SessionCount(t.Context(), "acme", id)
	if err != nil {
		t.Fatalf("SessionCount: %v", err)
	}
	return n
}

var signInLinkRe = regexp.MustCompile(`href="/account/login\?code=([^"]+)"`)

// signInCode returns the sign-in code the admin's users page shows for
// the account id.
func (b *browser) signInCode(id string) string {
	b.t.Helper()
	p := b.get("/users")
	p.want(b.t, "users page", http.StatusOK, "Sign-in link")
	row := regexp.MustCompile(`(?s)<tr data-user-id="` + regexp.QuoteMeta(id) + `">(.*?)</tr>`).FindStringSubmatch(p.body)
	if row == nil {
		b.t.Fatalf("users page has no row for %s\n%s", id, p.body)
	}
	m := signInLinkRe.FindStringSubmatch(row[1])
	if m == nil {
		b.t.Fatalf("users page: no sign-in link for %s\n%s", id, row[1])
	}
	return html.UnescapeString(m[1])
}

// accountSignIn signs the end user in with the link's code and email.
func (b *browser) accountSignIn(code, email string) {
	b.t.Helper()
	p := b.get("/account/login?code=" + url.QueryEscape(code))
	p.want(b.t, "sign-in form", http.StatusOK, `name="code"`, `value="`+code+`"`)
	p = b.post("/account/login", url.Values{"code": {code}, "email": {email}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/account" {
		b.t.Fatalf("account sign-in: %d to %q, want 303 to /account\n%s", p.status, p.header.Get("Location"), p.body)
	}
}

// wantSignedOut fails unless GET /account sends the browser to sign in.
func (b *browser) wantSignedOut(what string) {
	b.t.Helper()
	p := b.get("/account")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/account/login" {
		b.t.Fatalf("%s: GET /account %d to %q, want 303 to /account/login\n%s", what, p.status, p.header.Get("Location"), p.body)
	}
}

// eventOf returns the event of type typ of resource id that the outbox
// holds for acme (the first one).
func eventOf(t *testing.T, app *App, typ event.Type, id string) event.Event {
	t.Helper()
	evs, _, err := app.Outbox.After(t.Context(), "acme", "", event.MaxLimit)
	if err != nil {
		t.Fatalf("Outbox.After: %v", err)
	}
	for _, e := range evs {
		if e.Type == typ && e.ResourceID == id {
			return e
		}
	}
	t.Fatalf("no %s event of %s in the outbox: %v", typ, id, evs)
	return event.Event{}
}

// TestDeprovisionEndsSessions is issue 11's end-to-end case: an account
// signed in to the app loses its session when Entra deactivates its user,
// through the event the drainer delivers (not through the store code);
// the same for a DELETE; and a redelivered event changes nothing.
func TestDeprovisionEndsSessions(t *testing.T) {
	for _, st := range eventStores {
		t.Run(st.name, func(t *testing.T) {
			app, ts := uiServer(t, manualDrain(st.spec(t)))
			entra := newIdP(t, ts)
			admin := newBrowser(t, ts)
			admin.signIn("")

			r := entra.do("POST", "/Users", entraCreateUser)
			entra.want(r, http.StatusCreated, "POST /Users")
			id := r.object(t)["id"].(string)
			if n := drain(t, app); n != 1 {
				t.Errorf("Drain after the create delivered %d events, want 1 (user.created)", n)
			}

			user := newBrowser(t, ts)
			user.wantSignedOut("before signing in")
			user.accountSignIn(admin.signInCode(id), entraUserName)
			user.get("/account").want(t, "signed in", http.StatusOK, "Signed in as <strong>givenName familyName</strong>",
				"Welcome, givenName familyName")
			if n := sessionCount(t, app, id); n != 1 {
				t.Fatalf("sessions after sign-in: %d, want 1", n)
			}

			// Entra deactivates the user. The session stays until the
			// event is delivered: the store does not touch sessions.
			r = entra.do("PATCH", "/Users/"+id, entraDeactivate)
			entra.want(r, http.StatusOK, "deactivating PATCH")
			if n := sessionCount(t, app, id); n != 1 {
				t.Fatalf("sessions after the PATCH, before delivery: %d, want 1 (revocation is the event handler's)", n)
			}
			if n := drain(t, app); n != 1 {
				t.Errorf("Drain after the PATCH delivered %d events, want 1 (user.deactivated)", n)
			}
			if n := sessionCount(t, app, id); n != 0 {
				t.Errorf("sessions after user.deactivated was delivered: %d, want 0", n)
			}
			user.wantSignedOut("after the deactivation")
			// A deactivated account cannot sign in again.
			p := user.post("/account/login", url.Values{"code": {"anything"}, "email": {entraUserName}})
			p.want(t, "sign-in of a deactivated account", http.StatusUnauthorized, "not valid")

			// Redelivery: Entra gives the access back, the account signs in
			// again, and the old deactivation event arrives once more (a
			// crash after its effect, before it was marked delivered): it
			// must not end the new session.
			entra.want(entra.do("PATCH", "/Users/"+id, entraReactivate), http.StatusOK, "reactivating PATCH")
			drain(t, app)
			user.accountSignIn(admin.signInCode(id), entraUserName)
			deactivated := eventOf(t, app, event.UserDeactivated, id)
			created := eventOf(t, app, event.UserCreated, id)
			for range 2 {
				for _, e := range []event.Event{deactivated, created} {
					if err := app.handleEvent(t.Context(), nil, e); err != nil {
						t.Fatalf("redelivering %s: %v", e.Type, err)
					}
				}
			}
			if _, err := app.DB.sql.Exec(`UPDATE app_events SET delivered_at = NULL`); err != nil {
				t.Fatal(err)
			}
			if n := drain(t, app); n != 3 {
				t.Errorf("Drain of the whole outbox again delivered %d events, want 3 (created, deactivated, reactivated)", n)
			}
			if n := sessionCount(t, app, id); n != 1 {
				t.Errorf("sessions after the deactivation was redelivered: %d, want 1 (the new one)", n)
			}
			p = user.get("/account")
			p.want(t, "signed in after the redeliveries", http.StatusOK, "Signed in as")
			if n := strings.Count(p.body, "Welcome, givenName familyName"); n != 1 {
				t.Errorf("the account has %d welcome notices after user.created was delivered 4 times, want 1", n)
			}

			// Entra deletes the user: the same, from user.deleted.
			r = entra.do("DELETE", "/Users/"+id, "")
			entra.want(r, http.StatusNoContent, "DELETE")
			if n := sessionCount(t, app, id); n != 1 {
				t.Fatalf("sessions after the DELETE, before delivery: %d, want 1", n)
			}
			if n := drain(t, app); n != 1 {
				t.Errorf("Drain after the DELETE delivered %d events, want 1 (user.deleted)", n)
			}
			if n := sessionCount(t, app, id); n != 0 {
				t.Errorf("sessions after user.deleted was delivered: %d, want 0", n)
			}
			user.wantSignedOut("after the DELETE")
		})
	}
}

// TestAccountSessionRefusedWhenInactive: GET /account refuses the
// session of an account that is not active even before any event is
// delivered, and a wrong email or a used code does not sign in.
func TestAccountSessionRefusedWhenInactive(t *testing.T) {
	app, ts := uiServer(t, manualDrain("sqlite:"+filepath.Join(t.TempDir(), "saas.db")))
	entra := newIdP(t, ts)
	admin := newBrowser(t, ts)
	admin.signIn("")
	r := entra.do("POST", "/Users", entraCreateUser)
	entra.want(r, http.StatusCreated, "POST /Users")
	id := r.object(t)["id"].(string)

	user := newBrowser(t, ts)
	code := admin.signInCode(id)
	user.post("/account/login", url.Values{"code": {code}, "email": {"someone.else@example.com"}}).
		want(t, "sign-in with another email", http.StatusUnauthorized)
	user.accountSignIn(code, strings.ToUpper(entraUserName)) // the login ignores case
	user.post("/account/login", url.Values{"code": {code}, "email": {entraUserName}}).
		want(t, "the same code again", http.StatusUnauthorized)
	if next := admin.signInCode(id); next == code {
		t.Errorf("the users page shows the used code %q again", code)
	}
	cookie := ""
	for _, c := range user.c.Jar.Cookies(mustURL(t, ts.URL)) {
		if c.Name == accountCookie {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatalf("no %s cookie after sign-in", accountCookie)
	}
	var hashed int
	if err := app.DB.sql.QueryRow(app.DB.q(`SELECT COUNT(*) FROM account_sessions WHERE id_hash = ?`), hashSession(cookie)).Scan(&hashed); err != nil || hashed != 1 {
		t.Errorf("account_sessions rows by the cookie's hash: %d (%v), want 1", hashed, err)
	}
	var clear int
	if err := app.DB.sql.QueryRow(app.DB.q(`SELECT COUNT(*) FROM account_sessions WHERE id_hash = ?`), cookie).Scan(&clear); err != nil || clear != 0 {
		t.Errorf("account_sessions rows holding the cookie in clear: %d (%v), want 0", clear, err)
	}

	entra.want(entra.do("PATCH", "/Users/"+id, entraDeactivate), http.StatusOK, "deactivating PATCH")
	user.wantSignedOut("inactive account, event not delivered yet")
}

// TestSessionCookieAttributes: the end user's cookie is HttpOnly and
// SameSite=Lax.
func TestSessionCookieAttributes(t *testing.T) {
	_, ts := uiServer(t, manualDrain("sqlite:"+filepath.Join(t.TempDir(), "saas.db")))
	entra := newIdP(t, ts)
	admin := newBrowser(t, ts)
	admin.signIn("")
	r := entra.do("POST", "/Users", entraCreateUser)
	entra.want(r, http.StatusCreated, "POST /Users")
	code := admin.signInCode(r.object(t)["id"].(string))
	user := newBrowser(t, ts)
	p := user.post("/account/login", url.Values{"code": {code}, "email": {entraUserName}})
	set := p.header.Get("Set-Cookie")
	for _, want := range []string{accountCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	// A cross-site form cannot sign anyone in.
	p = user.postFrom("/account/login", url.Values{"code": {code}, "email": {entraUserName}}, "cross-site", "https://evil.example")
	if p.status != http.StatusForbidden {
		t.Errorf("cross-site POST /account/login: %d, want 403", p.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOutboxSurvivesRestart: an event committed with its change is
// delivered after a restart when the process stopped before delivering
// it (a handler failed, as if the process had died between the first
// handler's effect and the mark), and applied once by the idempotent
// handler although it ran twice.
func TestOutboxSurvivesRestart(t *testing.T) {
	for _, st := range eventStores {
		t.Run(st.name, func(t *testing.T) {
			spec := st.spec(t)
			var failing atomic.Bool
			failing.Store(true)
			var seen []event.Type
			forward := event.HandlerFunc(func(_ context.Context, e event.Event) error {
				if failing.Load() {
					return errors.New("the webhook is down")
				}
				seen = append(seen, e.Type)
				return nil
			})
			start := func() (*App, http.Handler) {
				app, h, err := newApp(t.Context(), Config{Store: spec, Token: testToken, AdminKey: testAdminKey,
					Logger: slog.New(slog.DiscardHandler), Clock: func() time.Time { return testNow },
					NoEventDrainer: true, Events: forward})
				if err != nil {
					t.Fatalf("newApp: %v", err)
				}
				return app, h
			}
			app, h := start()
			ts := httptest.NewServer(h)
			entra := newIdP(t, ts)
			r := entra.do("POST", "/Users", entraCreateUser)
			entra.want(r, http.StatusCreated, "POST /Users")
			id := r.object(t)["id"].(string)
			entra.want(entra.do("PATCH", "/Users/"+id, entraDeactivate), http.StatusOK, "PATCH")
			if n, err := app.Drainer.Drain(t.Context()); err == nil || n != 0 {
				t.Fatalf("Drain with a failing handler: %d delivered, error %v; want 0 and the handler's error", n, err)
			}
			var attempts int
			var lastErr string
			if err := app.DB.sql.QueryRow(`SELECT attempts, last_error FROM app_events ORDER BY seq LIMIT 1`).Scan(&attempts, &lastErr); err != nil {
				t.Fatal(err)
			}
			if attempts != 1 || !strings.Contains(lastErr, "the webhook is down") {
				t.Errorf("first event after a failed delivery: attempts %d, last_error %q", attempts, lastErr)
			}
			ts.Close()
			if err := app.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			failing.Store(false)
			app, _ = start()
			defer app.Close()
			if n := drain(t, app); n != 2 {
				t.Errorf("Drain after the restart delivered %d events, want 2", n)
			}
			if want := []event.Type{event.UserCreated, event.UserDeactivated}; !slices.Equal(seen, want) {
				t.Errorf("delivered after the restart: %v, want %v", seen, want)
			}
			notices, err := app.DB.Notices(t.Context(), "acme", id)
			if err != nil || len(notices) != 1 || notices[0] != "Welcome, givenName familyName" {
				t.Errorf("notices: %q (%v), want one welcome although user.created reached the app's handler twice", notices, err)
			}
			if n := drain(t, app); n != 0 {
				t.Errorf("a second Drain delivered %d events, want 0", n)
			}
		})
	}
}

// TestOneDrainerHoldsTheLease: of two drainers on one database (two
// replicas), one delivers while it holds the lease; the other takes over
// when it is released, or when it has expired.
func TestOneDrainerHoldsTheLease(t *testing.T) {
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			now := testNow
			db.now = func() time.Time { return now }
			s := NewSCIMStore(db)
			var got [2][]string
			mk := func(i int) *Drainer {
				return NewDrainer(db, slog.New(slog.DiscardHandler), event.HandlerFunc(func(_ context.Context, e event.Event) error {
					got[i] = append(got[i], e.ResourceID)
					return nil
				}))
			}
			a, b := mk(0), mk(1)
			write := func(id string) {
				ctx := store.WithTenant(t.Context(), "acme")
				ctx = store.WithEvents(ctx, []event.Event{{ID: event.NewID(), Tenant: "acme", ResourceType: event.User,
					ResourceID: id, Type: event.UserUpdated}})
				if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
					t.Fatalf("CreateUser: %v", err)
				}
			}
			write("u1")
			if n, err := a.Drain(t.Context()); err != nil || n != 1 {
				t.Fatalf("a.Drain: %d, %v; want 1", n, err)
			}
			write("u2")
			if n, err := b.Drain(t.Context()); err != nil || n != 0 {
				t.Fatalf("b.Drain while a holds the lease: %d, %v; want 0", n, err)
			}
			a.Stop() // gives the lease back
			if n, err := b.Drain(t.Context()); err != nil || n != 1 {
				t.Fatalf("b.Drain after a released the lease: %d, %v; want 1", n, err)
			}
			write("u3")
			if n, err := a.Drain(t.Context()); err != nil || n != 0 {
				t.Fatalf("a.Drain while b holds the lease: %d, %v; want 0", n, err)
			}
			now = now.Add(leaseFor + time.Second) // b died: its lease expires
			if n, err := a.Drain(t.Context()); err != nil || n != 1 {
				t.Fatalf("a.Drain after b's lease expired: %d, %v; want 1", n, err)
			}
			if !slices.Equal(got[0], []string{"u1", "u3"}) || !slices.Equal(got[1], []string{"u2"}) {
				t.Errorf("delivered by a %v and by b %v, want [u1 u3] and [u2]", got[0], got[1])
			}
		})
	}
}
