package main

import (
	"encoding/json"
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

// testToken is the demo tenant's Secret Token in tests, as -token fixes it
// for scripted runs.
const testToken = "test-secret-token"

// testNow is the app's clock in tests, so meta.created is known.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testServer starts the app on a fresh SQLite file behind
// httptest.NewServer, as an identity provider sees it.
func testServer(t *testing.T) (*App, *httptest.Server) {
	t.Helper()
	return startApp(t, "sqlite:"+filepath.Join(t.TempDir(), "saas.db"), testToken)
}

// startApp starts the app on the database store with the Secret Token
// token ("" for the stored one) behind httptest.NewServer. Cleanup stops
// the server and closes the database.
func startApp(t *testing.T, store, token string) (*App, *httptest.Server) {
	t.Helper()
	app, h, err := newApp(t.Context(), Config{
		Store:    store,
		Token:    token,
		AdminKey: testAdminKey,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:    func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatalf("newApp(%s): %v", store, err)
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

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// object decodes the body as a JSON object.
func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// idp sends requests the way an identity provider does: the Secret Token as
// a bearer token and SCIM JSON bodies.
type idp struct {
	t     *testing.T
	base  string // the Tenant URL
	token string
	ctype string // Content-Type of request bodies
}

func newIdP(t *testing.T, ts *httptest.Server) *idp {
	return &idp{t: t, base: ts.URL + "/scim/v2", token: testToken, ctype: "application/scim+json"}
}

// do sends method to the Tenant URL + path with body ("" for none).
func (c *idp) do(method, path, body string) reply {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// want fails the test unless r has status and, for a body, the SCIM
// content type.
func (c *idp) want(r reply, status int, what string) {
	c.t.Helper()
	if r.status != status {
		c.t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, r.body)
	}
	if len(r.body) > 0 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/scim+json") {
		c.t.Errorf("%s: Content-Type %q, want application/scim+json", what, r.header.Get("Content-Type"))
	}
}

// diffJSON fails the test if got (decoded JSON) differs from want, written
// as JSON text.
func diffJSON(t *testing.T, what string, want string, got any) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expected JSON: %v", what, err)
	}
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("%s: body differs (-want +got):\n%s", what, d)
	}
}

// readAll reads and closes a response body.
func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}
