package scim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

var errDBDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// lookupServer is a Server whose Authenticate is BearerTokens over lookup,
// mounted at the root, with its log.
func lookupServer(t *testing.T, lookup func(ctx context.Context, token string) (string, bool, error)) (*scim.Server, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	srv, err := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: scim.BearerTokens(lookup),
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs
}

func get(h http.Handler, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "http://scim.example.com"+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestBearerTokensLookupFailureIs503: Entra quarantines a job whose
// credentials fail, so a token lookup that failed (the app's database is
// down) is 503 with Retry-After, logged at ERROR, and never 401; only a
// token the lookup does not know is 401.
func TestBearerTokensLookupFailureIs503(t *testing.T) {
	srv, logs := lookupServer(t, func(ctx context.Context, token string) (string, bool, error) {
		switch token {
		case "good":
			return "tenant-a", true, nil
		case "unknown":
			return "", false, nil
		}
		return "", false, fmt.Errorf("looking up token: %w", errDBDown)
	})
	if rec := get(srv, "/Users", "good"); rec.Code != http.StatusOK {
		t.Errorf("known token: %d %s", rec.Code, rec.Body)
	}
	for _, tok := range []string{"unknown", ""} {
		rec := get(srv, "/Users", tok)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("Retry-After") != "" {
			t.Errorf("token %q: %d Retry-After %q, want 401 without Retry-After", tok, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
	if logs.Len() != 0 {
		t.Errorf("a 401 was logged: %s", logs)
	}
	rec := get(srv, "/Users", "db-down")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("lookup failed: %d %s, want 503", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want the default 5", got)
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != "" {
		t.Errorf("WWW-Authenticate = %q on a 503", got)
	}
	if !strings.Contains(rec.Body.String(), `"status":"503"`) || strings.Contains(rec.Body.String(), "connection refused") {
		t.Errorf("body %s: want a SCIM 503 that does not leak the cause", rec.Body)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "connection refused") {
		t.Errorf("log %q: want the cause at ERROR", l)
	}
}

// TestAuthenticateHookErrors: the rule of BearerTokens holds for any
// Authenticate hook: ErrUnknownToken (wrapped or not) is 401, a *Error is
// answered as is, anything else is 503 with Retry-After.
func TestAuthenticateHookErrors(t *testing.T) {
	for _, tc := range []struct {
		err        error
		want       int
		retryAfter string
	}{
		{scim.ErrUnknownToken, 401, ""},
		{fmt.Errorf("token %q: %w", "x", scim.ErrUnknownToken), 401, ""},
		{scim.NewError(http.StatusForbidden, "", "tenant suspended"), 403, ""},
		{errDBDown, 503, "7"},
		{fmt.Errorf("tenants: %w", store.ErrUnavailable), 503, "7"},
		{context.DeadlineExceeded, 503, "7"},
	} {
		srv, err := scim.New(scim.Config{
			Store:        memory.New(),
			Authenticate: func(*http.Request) (context.Context, error) { return nil, tc.err },
			RetryAfter:   6500 * time.Millisecond, // rounded up to whole seconds
			Logger:       slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		rec := get(srv, "/Users", "x")
		if rec.Code != tc.want || rec.Header().Get("Retry-After") != tc.retryAfter {
			t.Errorf("Authenticate error %v: %d Retry-After %q, want %d %q", tc.err, rec.Code, rec.Header().Get("Retry-After"), tc.want, tc.retryAfter)
		}
	}
}

// downStore is a store whose backend cannot be reached.
type downStore struct{ store.Store }

func (downStore) GetUser(context.Context, string) (*resource.User, error) {
	return nil, fmt.Errorf("mystore: get user: %w (%w)", store.ErrUnavailable, errDBDown)
}

func (downStore) ListUsers(context.Context, store.Page) (store.UserList, error) {
	return store.UserList{}, fmt.Errorf("mystore: %w", store.ErrUnavailable)
}

// TestStoreUnavailableIs503: a store error wrapping store.ErrUnavailable is
// 503 with Retry-After (the IdP retries), the cause logged, not sent.
func TestStoreUnavailableIs503(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.Store = downStore{memory.New()} })
	for _, path := range []string{"/scim/v2/Users/abc", "/scim/v2/Users", `/scim/v2/Users?filter=userName%20eq%20%22x%22`} {
		res := h.do("GET", path, "").expect(t, http.StatusServiceUnavailable)
		if got := res.header.Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After = %q, want 5", path, got)
		}
		if strings.Contains(string(res.body), "connection refused") {
			t.Errorf("%s: body leaks the cause: %s", path, res.body)
		}
	}
	if got := scim.StatusOf(fmt.Errorf("x: %w", store.ErrUnavailable)); got != http.StatusServiceUnavailable {
		t.Errorf("StatusOf(ErrUnavailable) = %d", got)
	}
	if !strings.Contains(h.log.String(), "level=ERROR") || !strings.Contains(h.log.String(), "connection refused") {
		t.Errorf("log %q: want the cause at ERROR", h.log)
	}
	// WriteError, for the app's own middleware, sends the default too.
	rec := httptest.NewRecorder()
	scim.WriteError(rec, httptest.NewRequest("GET", "/", nil), store.ErrUnavailable)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" {
		t.Errorf("WriteError(ErrUnavailable): %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}
