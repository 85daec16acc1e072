// Command saas is a small multi-tenant SaaS app that identity providers
// (Microsoft Entra ID, Okta, JumpCloud) provision through SCIM 2.0. It is
// the example to copy from when adding SCIM to an existing Go backend.
//
// What it shows:
//
//   - db.go, tenants.go, accounts.go, teams.go: the app's own data layer,
//     accounts and teams per tenant in SQL tables (SQLite or PostgreSQL
//     through database/sql), which knows nothing about SCIM; db.go opens
//     the database and holds the schema.
//   - scimstore.go: the adapter that implements store.Store over that
//     data layer, with the attribute mapping documented in one table; it
//     passes the library's conformance kit (storetest.Run) and runs
//     filters on mapped columns in SQL (sqlstore.Translate), so the
//     "userName eq" and "externalId eq" lookups IdPs send use indexes;
//     member PATCHes go to its PatchMembers, which adds or removes the
//     members concerned without reading the team's member list.
//   - app.go: mounting the SCIM handler at /scim/v2 next to the app's own
//     routes on a stdlib http.ServeMux, with one Secret Token per tenant,
//     kept in the tenants table as a SHA-256 hash.
//   - main.go: startup, flags, structured logs, the HTTP server's timeouts
//     (slow clients are disconnected) and graceful shutdown.
//
// Run it:
//
//	go run ./examples/saas
//
// It keeps its data in the SQLite file saas.db in the working directory,
// created on first start; no database server is needed. On first start it
// creates a demo tenant and prints the Tenant URL and the Secret Token to
// paste into the identity provider's provisioning settings. Later starts
// reuse the tenant and its token (only its hash is stored, so it is not
// printed again); -token sets a new one. Flags (or environment variables):
//
//	-addr  SAAS_ADDR   listen address (default 127.0.0.1:8080)
//	-store SAAS_STORE  sqlite:PATH (default sqlite:saas.db), memory (an
//	                   in-memory SQLite database, lost on exit) or
//	                   postgres://user:pass@host/db (PostgreSQL)
//	-token SAAS_TOKEN  the demo tenant's Secret Token (default: the stored
//	                   one, or a random one on first start)
//
// Try it with curl:
//
//	curl -H "Authorization: Bearer $TOKEN" 'http://127.0.0.1:8080/scim/v2/Users?filter=userName%20eq%20%22a%40example.com%22'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], log); err != nil {
		log.Error("saas: exiting", slog.Any("err", err))
		os.Exit(1)
	}
}

// envOr returns the environment variable key, or def if it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// run parses flags, starts the server and serves until SIGINT or SIGTERM.
func run(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("saas", flag.ContinueOnError)
	addr := fs.String("addr", envOr("SAAS_ADDR", "127.0.0.1:8080"), "listen address (env SAAS_ADDR)")
	storeSpec := fs.String("store", envOr("SAAS_STORE", "sqlite:saas.db"), "database: sqlite:PATH, memory or postgres://... (env SAAS_STORE)")
	token := fs.String("token", envOr("SAAS_TOKEN", ""), "Secret Token of the demo tenant; the stored one, or random on first start, if empty (env SAAS_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	demo := Tenant{ID: "acme", Name: "Acme Corp"}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, handler, err := newApp(ctx, Config{Store: *storeSpec, DemoTenant: demo, Token: *token, Logger: log})
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	tenantURL := "http://" + ln.Addr().String() + "/scim/v2"
	secret := app.Token
	if secret == "" {
		secret = "(unchanged: printed when it was set; start with -token to set a new one)"
	}
	fmt.Printf("SCIM 2.0 provisioning for tenant %q\n  Tenant URL:   %s\n  Secret Token: %s\n", demo.Name, tenantURL, secret)
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("tenant_url", tenantURL),
		slog.String("store", storeName(*storeSpec)))

	srv := newHTTPServer(handler, log, DefaultTimeouts)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// storeName is the -store flag for the log: a PostgreSQL URL without its
// password.
func storeName(spec string) string {
	if u, err := url.Parse(spec); err == nil && u.User != nil {
		return u.Redacted()
	}
	return spec
}

// Timeouts bound how long a client may hold a connection; see
// newHTTPServer.
type Timeouts struct {
	// ReadHeader is the time a client has to send a request's headers.
	ReadHeader time.Duration
	// Read is the time to read a whole request, headers and body: a SCIM
	// body is at most scim.Config.MaxBodyBytes (1 MiB by default).
	Read time.Duration
	// Write is the time from the end of the headers to the end of the
	// response: it must exceed the slowest request the store serves (a
	// full page of a list, a PUT of a large group).
	Write time.Duration
	// Idle is how long a keep-alive connection may wait for its next
	// request; identity providers reuse connections between requests.
	Idle time.Duration
}

// DefaultTimeouts are the app's: a slow or silent client is disconnected
// after at most 10 s without headers, 30 s without the rest of its
// request, and 120 s idle between requests.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second}

// newHTTPServer is the app's HTTP server for h. Every timeout is set: with
// http.ListenAndServe's zero values, a client that sends its headers or
// its body slowly, or never, holds its connection (and a goroutine) open
// forever.
func newHTTPServer(h http.Handler, log *slog.Logger, t Timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
