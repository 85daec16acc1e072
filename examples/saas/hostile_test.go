package main

import (
	"context"
	"github.com/scimkit/scim/internal/pgtest"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim/scimtest"
)

// saasPeer is the whole app on the database spec, as a scimtest.Peer:
// each NewTenant adds a tenant with a SCIM connection and a Secret
// Token of its own.
func saasPeer(f *testing.F, name, spec string) scimtest.Peer {
	f.Helper()
	app, h, err := newApp(context.Background(), Config{Store: spec, Token: testToken, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatalf("newApp(%s): %v", name, err)
	}
	f.Cleanup(func() { app.Close() })
	var n atomic.Int64
	return scimtest.Peer{Name: name, Handler: h, Prefix: "/scim/v2", NewTenant: func() (string, error) {
		id := "hostile-" + strconv.FormatInt(n.Add(1), 10)
		token := "token-" + id
		return token, app.AddTenant(context.Background(), ScriptedTenant{ID: id, Token: token})
	}}
}

// FuzzHostile replays hostile requests (scimtest.HostileSeeds and what the
// fuzzer derives from them) on the app over its own store, on SQLite and,
// when SCIM_TEST_POSTGRES_DSN is set (CI sets it), on PostgreSQL: no 5xx,
// and the same status from both.
func FuzzHostile(f *testing.F) {
	peers := []scimtest.Peer{saasPeer(f, "SQLite", "sqlite:"+filepath.Join(f.TempDir(), "saas.db"))}
	if os.Getenv(pgtest.EnvDSN) != "" || os.Getenv("CI") == "true" {
		peers = append(peers, saasPeer(f, "Postgres", postgresSchemaTB(f)))
	}
	scimtest.FuzzHostile(f, peers)
}
