package sqlstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/connection/conntest"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
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
	// The pool may hold a connection per concurrent use (the token's
	// last use is written in the background) that died in the outage;
	// each is dropped by the call that meets it, as an IdP's retry does.
	var rec *httptest.ResponseRecorder
	for range storetest.RecoveryAttempts {
		if rec = get(); rec.Code != http.StatusServiceUnavailable {
			break
		}
	}
	if rec.Code != http.StatusOK {
		t.Errorf("after the outage: %d %s", rec.Code, rec.Body)
	}
}

// TestConnectionsRevokedBySQL: an operator who revokes Secret Tokens with
// SQL during an incident writes the database's own time format, not the
// store's layout. Any non-NULL revoked value revokes the token (a value
// that cannot be read back never makes a revoked token live again), and
// its time is read when it is a time.
func TestConnectionsRevokedBySQL(t *testing.T) {
	exprs := map[sqlstore.Dialect][]struct {
		sql  string
		want time.Time // zero: any time
	}{
		sqlstore.Postgres: {
			{"now()", time.Time{}},
			{"'2026-01-02 03:04:05+00'", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			{"'2026-01-02 08:34:05.25+05:30'", time.Date(2026, 1, 2, 3, 4, 5, 250_000_000, time.UTC)},
			{"'2026-01-02T03:04:05Z'", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			{"'yes'", time.Time{}},
			{"''", time.Time{}},
		},
		sqlstore.SQLite: {
			{"CURRENT_TIMESTAMP", time.Time{}},
			{"datetime('now')", time.Time{}},
			{"'2026-01-02 03:04:05'", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
			{"'2026-01-02T03:04:05.5Z'", time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.UTC)},
			{"'yes'", time.Time{}},
			{"''", time.Time{}},
		},
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			st := d.new(t)
			m := connection.NewManager(st.Connections(), connection.Options{})
			if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
				t.Fatal(err)
			}
			for _, e := range exprs[st.Dialect()] {
				secret, tok, err := m.Issue(ctx, "t", e.sql)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := st.DB().ExecContext(ctx, "UPDATE scim_tokens SET revoked = "+e.sql+" WHERE id = '"+tok.ID+"'"); err != nil {
					t.Fatalf("revoked = %s: %v", e.sql, err)
				}
				if _, _, err := m.Verify(ctx, secret); !errors.Is(err, connection.ErrRevoked) {
					t.Errorf("revoked = %s: Verify error %v, want ErrRevoked", e.sql, err)
				}
			}
			toks, err := m.Tokens(ctx, "t")
			if err != nil {
				t.Fatal(err)
			}
			revoked := map[string]time.Time{}
			for _, tok := range toks {
				revoked[tok.Label] = tok.Revoked
			}
			for _, e := range exprs[st.Dialect()] {
				switch got := revoked[e.sql]; {
				case got.IsZero():
					t.Errorf("revoked = %s: Tokens says the token is live", e.sql)
				case !e.want.IsZero() && !got.Equal(e.want):
					t.Errorf("revoked = %s: Revoked %v, want %v", e.sql, got, e.want)
				}
			}
		})
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
