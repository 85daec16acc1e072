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
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// connHarness is a SCIM server authenticated by scim.ConnectionAuth,
// mounted twice: /scim/v2 (the tenant is the token's) and
// /t/{tenant}/scim/v2 (the token must be the path tenant's).
type connHarness struct {
	t    *testing.T
	m    *connection.Manager
	cs   connection.Store
	h    http.Handler
	log  *bytes.Buffer
	fail *failingConnStore
}

// failingConnStore fails every lookup with store.ErrUnavailable while down.
type failingConnStore struct {
	connection.Store
	down bool
}

func (s *failingConnStore) LookupToken(ctx context.Context, h connection.Hash) (connection.Connection, connection.Token, error) {
	if s.down {
		return connection.Connection{}, connection.Token{}, fmt.Errorf("connection store: %w", store.ErrUnavailable)
	}
	return s.Store.LookupToken(ctx, h)
}

func newConnHarness(t *testing.T) *connHarness {
	t.Helper()
	fs := &failingConnStore{Store: connection.NewMemoryStore()}
	m := connection.NewManager(fs, connection.Options{})
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	byToken := newConnServer(t, m, scim.ConnectionAuthOptions{Logger: log}, log)
	byPath := newConnServer(t, m, scim.ConnectionAuthOptions{Logger: log, Tenant: func(r *http.Request) string { return r.PathValue("tenant") }}, log)
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", byToken))
	mux.HandleFunc("/t/{tenant}/scim/v2/", func(w http.ResponseWriter, r *http.Request) {
		http.StripPrefix("/t/"+r.PathValue("tenant")+"/scim/v2", byPath).ServeHTTP(w, r)
	})
	return &connHarness{t: t, m: m, cs: fs, h: mux, log: logs, fail: fs}
}

var connUsers = memory.New()

func newConnServer(t *testing.T, m *connection.Manager, opts scim.ConnectionAuthOptions, log *slog.Logger) *scim.Server {
	t.Helper()
	srv, err := scim.New(scim.Config{Store: connUsers, Authenticate: scim.ConnectionAuth(m, opts), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// enable saves an enabled connection of tenant with profile and issues a
// token for it.
func (h *connHarness) enable(tenant string, p connection.Profile) string {
	h.t.Helper()
	if _, err := h.m.Save(context.Background(), connection.Connection{Tenant: tenant, Enabled: true, Profile: p}); err != nil {
		h.t.Fatal(err)
	}
	secret, _, err := h.m.Issue(context.Background(), tenant, "IdP")
	if err != nil {
		h.t.Fatal(err)
	}
	return secret
}

func (h *connHarness) do(method, path, token, body string) *response {
	h.t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, "http://scim.example.com"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
	} else {
		req = httptest.NewRequest(method, "http://scim.example.com"+path, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func uniqueTenant(t *testing.T) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + fmt.Sprint(time.Now().UnixNano())
}

func TestConnectionAuthIssuedTokenIsAccepted(t *testing.T) {
	h := newConnHarness(t)
	tenant := uniqueTenant(t)
	tok := h.enable(tenant, connection.Entra)
	h.do("POST", "/scim/v2/Users", tok, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}`).expect(t, http.StatusCreated)
	res := h.do("GET", `/scim/v2/Users?filter=userName+eq+"ada@example.com"`, tok, "").expect(t, http.StatusOK)
	if n := res.json(t)["totalResults"]; n != 1.0 {
		t.Errorf("totalResults = %v, want 1", n)
	}
	// The user is in the connection's tenant and no other.
	other := h.enable(uniqueTenant(t)+"-other", connection.Entra)
	res = h.do("GET", `/scim/v2/Users?filter=userName+eq+"ada@example.com"`, other, "").expect(t, http.StatusOK)
	if n := res.json(t)["totalResults"]; n != 0.0 {
		t.Errorf("another tenant's token sees %v users, want 0", n)
	}
}

func TestConnectionAuthRotationAndRevocation(t *testing.T) {
	h := newConnHarness(t)
	tenant := uniqueTenant(t)
	old := h.enable(tenant, connection.Okta)
	fresh, _, err := h.m.Issue(context.Background(), tenant, "rotated")
	if err != nil {
		t.Fatal(err)
	}
	h.do("GET", "/scim/v2/Users", old, "").expect(t, http.StatusOK)
	h.do("GET", "/scim/v2/Users", fresh, "").expect(t, http.StatusOK)
	toks, err := h.m.Tokens(context.Background(), tenant)
	if err != nil || len(toks) != 2 {
		t.Fatalf("Tokens = %+v, %v", toks, err)
	}
	if err := h.m.Revoke(context.Background(), tenant, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	res := h.do("GET", "/scim/v2/Users", old, "").expect(t, http.StatusUnauthorized)
	if res.header.Get("WWW-Authenticate") == "" || res.header.Get("Retry-After") != "" {
		t.Errorf("revoked token: headers %v, want WWW-Authenticate and no Retry-After", res.header)
	}
	h.do("GET", "/scim/v2/Users", fresh, "").expect(t, http.StatusOK)
	h.do("GET", "/scim/v2/Users", "", "").expect(t, http.StatusUnauthorized)
	h.do("GET", "/scim/v2/Users", "scim_not-a-token", "").expect(t, http.StatusUnauthorized)
}

func TestConnectionAuthDisabledConnectionIs401AndLogged(t *testing.T) {
	h := newConnHarness(t)
	tenant := uniqueTenant(t)
	tok := h.enable(tenant, connection.Entra)
	c, err := h.m.Connection(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	c.Enabled = false
	if _, err := h.m.Save(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	res := h.do("GET", "/scim/v2/Users", tok, "").expect(t, http.StatusUnauthorized)
	if strings.Contains(string(res.body), "disabled") {
		t.Errorf("the 401 body says why: %s", res.body)
	}
	if logs := h.log.String(); !strings.Contains(logs, "disabled") || !strings.Contains(logs, tenant) {
		t.Errorf("the log does not say the connection is disabled:\n%s", logs)
	}
	if strings.Contains(h.log.String(), tok) {
		t.Error("the log contains the secret")
	}
}

func TestConnectionAuthPathTenant(t *testing.T) {
	h := newConnHarness(t)
	a, b := uniqueTenant(t)+"-a", uniqueTenant(t)+"-b"
	tokA, tokB := h.enable(a, connection.Entra), h.enable(b, connection.Entra)
	h.do("POST", "/t/"+a+"/scim/v2/Users", tokA, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"grace@example.com"}`).expect(t, http.StatusCreated)
	res := h.do("GET", "/t/"+a+"/scim/v2/Users", tokA, "").expect(t, http.StatusOK)
	if n := res.json(t)["totalResults"]; n != 1.0 {
		t.Errorf("tenant a's path: totalResults %v, want 1", n)
	}
	h.do("GET", "/t/"+a+"/scim/v2/Users", tokB, "").expect(t, http.StatusUnauthorized)
	h.do("GET", "/t/"+b+"/scim/v2/Users", tokA, "").expect(t, http.StatusUnauthorized)
	if !strings.Contains(h.log.String(), "another tenant") {
		t.Errorf("the log does not say the token is another tenant's:\n%s", h.log.String())
	}
}

func TestConnectionAuthStoreFailureIs503(t *testing.T) {
	h := newConnHarness(t)
	tok := h.enable(uniqueTenant(t), connection.Entra)
	h.fail.down = true
	res := h.do("GET", "/scim/v2/Users", tok, "").expect(t, http.StatusServiceUnavailable)
	if res.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if strings.Contains(h.log.String(), tok) {
		t.Error("the log contains the secret")
	}
	h.fail.down = false
	h.do("GET", "/scim/v2/Users", tok, "").expect(t, http.StatusOK)
}

// TestConnectionAuthProfileSelectsQuirks sends Entra's "active":"True"
// to a connection of profile entra (accepted) and one of profile strict
// (refused, as RFC 7643 reads it).
func TestConnectionAuthProfileSelectsQuirks(t *testing.T) {
	h := newConnHarness(t)
	entra := h.enable(uniqueTenant(t)+"-entra", connection.Entra)
	strict := h.enable(uniqueTenant(t)+"-strict", connection.Strict)
	const body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alan@example.com","active":"True"}`
	res := h.do("POST", "/scim/v2/Users", entra, body).expect(t, http.StatusCreated)
	if got := res.json(t)["active"]; got != true {
		t.Errorf("entra: active = %v, want true", got)
	}
	res = h.do("POST", "/scim/v2/Users", strict, body).expect(t, http.StatusBadRequest)
	if got := res.json(t)["scimType"]; got != "invalidValue" {
		t.Errorf("strict: scimType %v, want invalidValue", got)
	}
}

// TestConnectionInContext: the app reads the request's connection.
func TestConnectionInContext(t *testing.T) {
	fs := connection.NewMemoryStore()
	m := connection.NewManager(fs, connection.Options{})
	if _, err := m.Save(context.Background(), connection.Connection{Tenant: "t1", Enabled: true, Profile: connection.OneLogin, SCIMManaged: true}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := m.Issue(context.Background(), "t1", "x")
	if err != nil {
		t.Fatal(err)
	}
	auth := scim.ConnectionAuth(m, scim.ConnectionAuthOptions{})
	req := httptest.NewRequest("GET", "/Users", nil)
	req.Header.Set("Authorization", "bearer "+secret)
	ctx, err := auth(req)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := connection.FromContext(ctx)
	if !ok || c.Tenant != "t1" || c.Profile != connection.OneLogin || !c.SCIMManaged || store.TenantFrom(ctx) != "t1" {
		t.Errorf("context: connection %+v (%v), tenant %q", c, ok, store.TenantFrom(ctx))
	}
	if !errors.Is(connection.ErrUnknownToken, scim.ErrUnknownToken) || !errors.Is(scim.ErrUnknownToken, connection.ErrUnknownToken) {
		t.Error("scim.ErrUnknownToken and connection.ErrUnknownToken do not match")
	}
}
