package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/internal/tcpproxy"
	"github.com/scimkit/scim/store/storetest"
)

// postgresBehindProxy returns a -store spec for a PostgreSQL schema of the
// test's own, reached through a loopback proxy the test can cut (the
// shared cluster keeps running).
func postgresBehindProxy(t *testing.T) (string, *tcpproxy.Proxy) {
	t.Helper()
	u, err := url.Parse(postgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	p, err := tcpproxy.Start(net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return u.String(), p
}

func restore(t *testing.T, p *tcpproxy.Proxy) func() {
	return func() {
		if err := p.Restore(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSCIMStoreUnavailable: the adapter wraps store.ErrUnavailable around
// its database's errors during an outage, as the contract asks.
func TestSCIMStoreUnavailable(t *testing.T) {
	spec, p := postgresBehindProxy(t)
	storetest.Unavailable(t, NewSCIMStore(openTestDB(t, spec)), p.Cut, restore(t, p))
}

// TestDatabaseOutageIs503 stops the app's database while an IdP
// provisions: every request, whose Secret Token the app looks up in that
// database, is 503 with Retry-After and never 401 (Entra quarantines a job
// whose credentials fail) nor 500, each logged at ERROR; once the database
// is back the same requests succeed, without a restart.
func TestDatabaseOutageIs503(t *testing.T) {
	spec, p := postgresBehindProxy(t)
	logs := &syncBuffer{} // the event drainer and the activity recorder log from their goroutines
	app, h, err := newApp(t.Context(), Config{
		Store:  spec,
		Token:  testToken,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Clock:  func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		app.Close()
	})
	c := newIdP(t, ts)
	created := c.do("POST", "/Users", `{"userName":"a@example.com"}`)
	c.want(created, http.StatusCreated, "create")
	id := created.object(t)["id"].(string)
	requests := [][3]string{
		{"GET", "/Users" + filterQuery(`userName eq "a@example.com"`), ""},
		{"POST", "/Users", `{"userName":"b@example.com"}`},
		{"GET", "/Users/" + id, ""},
		{"PATCH", "/Users/" + id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
		{"POST", "/Groups", `{"displayName":"Team"}`},
	}

	p.Cut()
	logs.Reset()
	for _, r := range requests {
		rep := c.do(r[0], r[1], r[2])
		if rep.status != http.StatusServiceUnavailable || rep.header.Get("Retry-After") == "" {
			t.Errorf("during the outage %s %s: %d Retry-After %q, want 503 with Retry-After; body %s", r[0], r[1], rep.status, rep.header.Get("Retry-After"), rep.body)
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n < len(requests) {
		t.Errorf("%d ERROR lines for %d failed requests:\n%s", n, len(requests), logs)
	}
	restore(t, p)()
	for _, r := range requests {
		var rep reply
		for range storetest.RecoveryAttempts {
			if rep = c.do(r[0], r[1], r[2]); rep.status != http.StatusServiceUnavailable {
				break
			}
		}
		if rep.status/100 != 2 {
			t.Errorf("after the outage %s %s: %d %s, want 2xx", r[0], r[1], rep.status, rep.body)
		}
	}
}

// TestTokenLookupFailureIs503 closes the app's database (SQLite): the
// token lookup fails, and that is 503, not 401; an unknown token is still
// 401.
func TestTokenLookupFailureIs503(t *testing.T) {
	app, ts := testServer(t)
	c := newIdP(t, ts)
	c.token = "not-the-token"
	c.want(c.do("GET", "/Users", ""), http.StatusUnauthorized, "unknown token")
	app.DB.Close()
	c.token = testToken
	rep := c.do("GET", "/Users", "")
	if rep.status != http.StatusServiceUnavailable || rep.header.Get("Retry-After") == "" {
		t.Errorf("database closed: %d Retry-After %q, want 503 with Retry-After; body %s", rep.status, rep.header.Get("Retry-After"), rep.body)
	}
}
