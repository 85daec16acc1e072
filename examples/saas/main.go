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
//   - connections.go: the tenants' SCIM connections and Secret Tokens in
//     the app's own tables (scim_connections, scim_tokens), a
//     connection.Store that passes the library's contract kit
//     (conntest.Run); a token of the release before them (one per tenant,
//     tenants.scim_token_hash) is migrated into a live token labelled
//     "migrated".
//   - app.go: mounting the SCIM handler at /scim/v2 next to the app's own
//     pages on a stdlib http.ServeMux, authenticated by
//     scim.ConnectionAuth over a connection.Manager: each request's token
//     names its tenant's connection, whose IdP profile applies.
//   - admin.go, pages.go, templates/: the admin sign-in (a link printed at
//     startup, server-side sessions, http.CrossOriginProtection on every
//     form) and the pages: the SCIM settings page /settings/scim (enable
//     SCIM, the Tenant URL, the IdP profile, generate and revoke Secret
//     Tokens, the DELETE policy, SCIM-managed mode), the provisioned
//     /users and /groups, where SCIM-managed mode refuses the app's own
//     add and delete.
//   - events.go: what the app does when the directory changes. The
//     adapter is a store.EventWriter: each SCIM write records its change
//     events in the outbox table app_events in its own transaction; a
//     drainer (one per process, and one at a time over a database: the
//     holder of the lease row app_event_lease) delivers them in order, at
//     least once, to the app's handler, which ends every session of an
//     account whose user is deactivated or deleted and queues a welcome
//     notice for a created one, each once per event id however often it
//     is delivered (app_event_receipts). Outbox serves the events as an
//     event.Source, for polling.
//   - signin.go: the end users' sign-in, POST /account/login with the
//     email and the one-time code of the link the admin's users page
//     shows (/account/login?code=...), sessions in account_sessions (the
//     cookie saas_account, HttpOnly, SameSite=Lax), and GET /account,
//     "Signed in as NAME" with the account's notices.
//   - activity.go: the SCIM activity log in app_activity, an
//     activity.Store filled by an activity.Recorder as the handler's
//     Observe, and the admin's Activity page /settings/scim/activity
//     (newest first, "Failures only", "Older"): each request the IdP
//     sent, its status and outcome, the tolerances that fired and the
//     error detail; never a token.
//   - share.go: what the app does with what SCIM provisions, a share
//     dialog (/share) with a typeahead over the workspace's active users
//     and its groups, a prefix match answered from indexes.
//   - main.go: startup, flags, structured logs, the HTTP server's timeouts
//     (slow clients are disconnected) and graceful shutdown.
//
// Run it:
//
//	go run ./examples/saas
//
// It keeps its data in the SQLite file saas.db in the working directory,
// created on first start; no database server is needed. On first start it
// creates a demo tenant (Acme Corp, "acme") with an enabled SCIM
// connection and prints the Tenant URL and the Secret Token to paste into
// the identity provider's provisioning settings. Later starts keep the
// tokens (only their hashes are stored, so they are not printed again).
// Every start prints an admin sign-in link, Admin sign-in:
// http://ADDR/login?key=KEY, which opens the demo tenant's SCIM settings
// page (add &tenant=ID for another workspace); generate, list and revoke
// tokens there. Flags (or environment variables):
//
//	-addr      SAAS_ADDR       listen address (default 127.0.0.1:8080)
//	-store     SAAS_STORE      sqlite:PATH (default sqlite:saas.db), memory
//	                           (an in-memory SQLite database, lost on exit)
//	                           or postgres://user:pass@host/db (PostgreSQL)
//	-token     SAAS_TOKEN      a Secret Token of the demo tenant, made live
//	                           (labelled "scripted") if it is not; other
//	                           tokens stay live until revoked (default: the
//	                           stored ones, or a random one on first start)
//	-tenant    SAAS_TENANTS    ID=TOKEN, repeatable (the variable holds
//	                           them space-separated): a tenant ID, named ID,
//	                           with an enabled SCIM connection and TOKEN as
//	                           a live Secret Token, for black-box suites
//	-admin-key SAAS_ADMIN_KEY  the key of the sign-in link (default: random
//	                           32 bytes, base64url, new at each start)
//	-base-url  SAAS_BASE_URL   the app's public URL behind a TLS proxy or a
//	                           tunnel (https://host): the Tenant URL shown
//	                           and SCIM's locations use it
//
// and, to find where the server's time goes, two profiling flags (off by
// default; neither has an environment variable, so a deployment does not
// turn them on by accident):
//
//	-cpuprofile FILE  a CPU profile of the whole run, written to FILE at
//	                  the SIGINT/SIGTERM shutdown (go tool pprof FILE)
//	-pprof ADDR       net/http/pprof at http://ADDR/debug/pprof/, on a
//	                  listener of its own, e.g. 127.0.0.1:6060: never on
//	                  the app's address, where the IdPs and the users are;
//	                  refused unless ADDR is a loopback address. Its URL
//	                  is printed at startup ("pprof: http://...").
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
	httppprof "net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
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
	token := fs.String("token", envOr("SAAS_TOKEN", ""), "a Secret Token of the demo tenant, made live if it is not; if empty, the stored ones, or a random one on first start (env SAAS_TOKEN)")
	adminKey := fs.String("admin-key", envOr("SAAS_ADMIN_KEY", ""), "key of the admin sign-in link /login?key=KEY; random at each start if empty (env SAAS_ADMIN_KEY)")
	baseURL := fs.String("base-url", envOr("SAAS_BASE_URL", ""), "public URL of the app behind a TLS proxy or tunnel, e.g. https://saas.example.com (env SAAS_BASE_URL)")
	var tenants tenantFlags
	if v := os.Getenv("SAAS_TENANTS"); v != "" {
		for _, f := range strings.Fields(v) {
			if err := tenants.Set(f); err != nil {
				return fmt.Errorf("SAAS_TENANTS: %w", err)
			}
		}
	}
	fs.Var(&tenants, "tenant", "ID=TOKEN: a tenant ID with an enabled SCIM connection and TOKEN as a Secret Token; repeatable (env SAAS_TENANTS, space-separated)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to `FILE` at shutdown")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on the loopback address `ADDR` (e.g. 127.0.0.1:6060), apart from -addr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if *pprofAddr != "" {
		closePprof, err := servePprof(*pprofAddr, log)
		if err != nil {
			return err
		}
		defer closePprof()
	}

	demo := Tenant{ID: "acme", Name: "Acme Corp"}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, handler, err := newApp(ctx, Config{Store: *storeSpec, DemoTenant: demo, Token: *token, Tenants: tenants,
		AdminKey: *adminKey, BaseURL: *baseURL, Logger: log})
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	appURL := "http://" + ln.Addr().String()
	if *baseURL != "" {
		appURL = strings.TrimSuffix(*baseURL, "/")
	}
	tenantURL := appURL + "/scim/v2"
	secret := app.Token
	if secret == "" {
		secret = "(unchanged: printed when it was made; generate another on the settings page)"
	}
	fmt.Printf("SCIM 2.0 provisioning for tenant %q\n  Tenant URL:   %s\n  Secret Token: %s\n", demo.Name, tenantURL, secret)
	for _, t := range tenants {
		fmt.Printf("  Tenant %q: the Secret Token given with -tenant\n", t.ID)
	}
	fmt.Printf("Admin sign-in: %s/login?key=%s\n", appURL, url.QueryEscape(app.AdminKey))
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

// startCPUProfile starts the -cpuprofile profile into path; stop ends
// it and closes the file, at shutdown.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// servePprof serves net/http/pprof's handlers on addr, a loopback
// address, until close: profiles and goroutine dumps show the app's
// internals and cost CPU, so they are for whoever is on the machine, not
// on the app's own listener. It prints the URL as "pprof: URL".
func servePprof(addr string, log *slog.Logger) (close func(), err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("-pprof %q: want a loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", httppprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	// A CPU profile or a trace runs as long as its ?seconds= asks: no
	// write timeout.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	fmt.Printf("pprof: http://%s/debug/pprof/\n", ln.Addr())
	return func() { srv.Close() }, nil
}

// tenantFlags are the -tenant ID=TOKEN flags.
type tenantFlags []ScriptedTenant

// String implements flag.Value.
func (f *tenantFlags) String() string {
	ids := make([]string, len(*f))
	for i, t := range *f {
		ids[i] = t.ID + "=…"
	}
	return strings.Join(ids, " ")
}

// Set implements flag.Value: one ID=TOKEN.
func (f *tenantFlags) Set(v string) error {
	id, token, ok := strings.Cut(v, "=")
	if !ok || id == "" || token == "" {
		return fmt.Errorf("-tenant %q: want ID=TOKEN", v)
	}
	*f = append(*f, ScriptedTenant{ID: id, Token: token})
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
