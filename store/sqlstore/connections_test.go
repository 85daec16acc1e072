package sqlstore_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/connection/conntest"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestConnectionsContract runs the connection store contract on SQLite and
// PostgreSQL.
func TestConnectionsContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			conntest.Run(t, func(t *testing.T) connection.Store { return d.new(t).Connections() })
		})
	}
}

// TestConnectionAuthPostgresOutage authenticates IdP requests with a
// Secret Token kept in PostgreSQL, which a proxy then cuts: the requests
// are 503 with Retry-After (never 401), and 200 again once it is back.
func TestConnectionAuthPostgresOutage(t *testing.T) {
	db, p := postgresBehindProxy(t)
	st := newStore(t, db, sqlstore.Postgres)
	m := connection.NewManager(st.Connections(), connection.Options{})
	ctx := context.Background()
	if _, err := m.Save(ctx, connection.Connection{Tenant: "tenant-a", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, "tenant-a", "Entra")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.ConnectionAuth(m, scim.ConnectionAuthOptions{}), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/Users", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("before the outage: %d %s", rec.Code, rec.Body)
	}
	p.Cut()
	if rec := get(); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("during the outage: %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Errorf("after the outage: %d %s", rec.Code, rec.Body)
	}
}

// BenchmarkConnectionsVerify is a token check on each dialect: one
// indexed, joined query per request.
func BenchmarkConnectionsVerify(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			m := connection.NewManager(d.new(b).Connections(), connection.Options{})
			if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
				b.Fatal(err)
			}
			secret, _, err := m.Issue(ctx, "t", "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := m.Verify(ctx, secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
