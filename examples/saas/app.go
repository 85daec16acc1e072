package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/event"
)

// Config configures the app.
type Config struct {
	// Store names the database (see OpenDB): "sqlite:PATH", "memory" or
	// "postgres://...". "" means "memory".
	Store string
	// DemoTenant is the tenant created at startup (Acme Corp, "acme",
	// when its ID is ""), with an enabled SCIM connection (profile
	// generic) when it has none.
	DemoTenant Tenant
	// Token is a Secret Token of the demo tenant, made live (labelled
	// "scripted") if it is not yet. "" keeps the tokens the tenant has,
	// or issues a random one if it has none.
	Token string
	// Tenants are more tenants to create at startup, each named by its
	// ID, with an enabled SCIM connection when it has none and its Token
	// live, labelled "scripted" (the -tenant ID=TOKEN flag).
	Tenants []ScriptedTenant
	// AdminKey is the key of the admin sign-in link /login?key=KEY. ""
	// means a random one (App.AdminKey).
	AdminKey string
	// BaseURL is the app's public URL (https://host, no path), when it
	// is served behind a TLS proxy or a tunnel: the settings page's
	// Tenant URL and the SCIM responses' locations are built from it.
	// "" means from each request's Host.
	BaseURL string
	// Logger receives the app's and the SCIM handler's logs; nil means
	// slog.Default().
	Logger *slog.Logger
	// Clock is the app's clock; nil means time.Now.
	Clock func() time.Time
	// Events, if set, is called with every provisioning event after the
	// app's own handler (events.go), by the drainer: at least once, in
	// order, so it must be idempotent by event ID.
	Events event.Handler
	// NoEventDrainer leaves the outbox to App.Drainer.Drain calls (tests,
	// a job) instead of the background drainer.
	NoEventDrainer bool
}

// ScriptedTenant is a tenant made at startup with a fixed Secret Token,
// for black-box test suites (see Config.Tenants).
type ScriptedTenant struct {
	ID, Token string
}

// App is the running application: its database, the tenants' SCIM
// connections and the SCIM server.
type App struct {
	DB    *DB
	SCIM  *scim.Server
	Conns *connection.Manager
	// Token is the demo tenant's Secret Token when this start set it (the
	// tenant had no token and one was issued, or Config.Token was given),
	// and "" when the tenant kept the tokens of an earlier start: the
	// database has only their hashes.
	Token string
	// AdminKey is the key of the admin sign-in link.
	AdminKey string
	// Drainer delivers the provisioning events of the outbox to the
	// app's handler (events.go); Outbox serves them as an event.Source.
	Drainer *Drainer
	Outbox  Outbox
	// Activity is the SCIM activity log (activity.go), which Recorder
	// fills as the SCIM handler's Observe.
	Activity *ActivityStore
	Recorder *activity.Recorder

	demo      Tenant
	baseURL   string
	log       *slog.Logger
	sessions  *sessions
	connStore connection.Store
}

// AddTenant creates the tenant st.ID, named st.ID, with an enabled SCIM
// connection if it has none and st.Token a live Secret Token labelled
// "scripted" (see Config.Tenants).
func (a *App) AddTenant(ctx context.Context, st ScriptedTenant) error {
	if st.ID == "" || st.Token == "" {
		return fmt.Errorf("tenant %q: want ID=TOKEN, both non-empty", st.ID)
	}
	if _, err := setUpTenant(ctx, a.DB, a.connStore, a.Conns, Tenant{ID: st.ID, Name: st.ID}, st.Token, false); err != nil {
		return fmt.Errorf("tenant %q: %w", st.ID, err)
	}
	return nil
}

// verifyCache is how long the app trusts a verified Secret Token
// (connection.Options.VerifyCache).
const verifyCache = 2 * time.Second

// newApp opens the database and builds the app; it returns it with its
// root handler: the app's own pages and the SCIM 2.0 endpoint at
// /scim/v2. Close the app to record the tokens' last use and close the
// database.
func newApp(ctx context.Context, cfg Config) (*App, http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DemoTenant.ID == "" {
		cfg.DemoTenant = Tenant{ID: "acme", Name: "Acme Corp"}
	}
	if cfg.Store == "" {
		cfg.Store = "memory"
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.AdminKey == "" {
		cfg.AdminKey = randomKey()
	}
	baseURL := strings.TrimSuffix(cfg.BaseURL, "/")
	if baseURL != "" {
		if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return nil, nil, fmt.Errorf("base URL %q: want http(s)://host[:port], without a path", cfg.BaseURL)
		}
	}
	db, err := OpenDB(ctx, cfg.Store, cfg.Clock)
	if err != nil {
		return nil, nil, err
	}
	cstore := NewConnectionStore(db)
	// A verified Secret Token is trusted for two seconds without a
	// lookup: a token revoked or a connection disabled on the settings
	// page of this process is refused at once, on another replica within
	// two seconds.
	conns := connection.NewManager(cstore, connection.Options{Now: cfg.Clock, VerifyCache: verifyCache})
	token, err := setUpTenant(ctx, db, cstore, conns, cfg.DemoTenant, cfg.Token, true)
	if err != nil {
		db.Close()
		return nil, nil, err
	}

	app := &App{DB: db, Conns: conns, Token: token, AdminKey: cfg.AdminKey, Outbox: Outbox{db},
		demo: cfg.DemoTenant, baseURL: baseURL, log: cfg.Logger, sessions: newSessions(cfg.Clock), connStore: cstore}
	handlers := []event.Handler{appEvents{app}}
	if cfg.Events != nil {
		handlers = append(handlers, cfg.Events)
	}
	app.Drainer = NewDrainer(db, cfg.Logger, handlers...)
	app.Activity = NewActivityStore(db, activity.Retention{})
	app.Recorder = activity.NewRecorder(app.Activity, activity.Options{Logger: cfg.Logger, Now: cfg.Clock})
	scimStore := NewSCIMStore(db)
	scimStore.wake = app.Drainer.Wake

	scfg := scim.Config{
		Store: scimStore,
		// The Secret Token the tenant's admin pastes into the identity
		// provider names the tenant's connection: ConnectionAuth verifies
		// it (scim_tokens keeps only its SHA-256, found through a unique
		// index), refuses a revoked token or a disabled connection with
		// 401, answers a database failure with 503 (never 401, which
		// would make Entra quarantine the job), and applies the
		// connection's IdP profile to the request.
		Authenticate: scim.ConnectionAuth(conns, scim.ConnectionAuthOptions{Logger: cfg.Logger}),
		Logger:       cfg.Logger,
		Clock:        cfg.Clock,
		// Every answered request is recorded in the tenant's activity log
		// (app_activity), shown on /settings/scim/activity: never the
		// token, never a body.
		Observe: app.Recorder.Observe,
		// The app's roles and entitlements, at /Roles and /Entitlements
		// (roles.go).
		ResourceTypes: resourceTypes(),
	}
	if baseURL != "" {
		scfg.BaseURL = func(*http.Request) string { return baseURL + "/scim/v2" }
	}
	srv, err := scim.New(scfg)
	if err != nil {
		app.Recorder.Close(ctx)
		db.Close()
		return nil, nil, err
	}
	app.SCIM = srv
	for _, st := range cfg.Tenants {
		if err := app.AddTenant(ctx, st); err != nil {
			app.Recorder.Close(ctx)
			db.Close()
			return nil, nil, err
		}
	}
	if !cfg.NoEventDrainer {
		app.Drainer.Start()
	}

	mux := http.NewServeMux()
	app.routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	// The SCIM handler serves paths relative to where it is mounted. Its
	// requests carry a bearer token, not a cookie, so they need no CSRF
	// protection; every other POST goes through app.protect.
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return app, app.logRequests(mux), nil
}

// Close stops the event drainer (undelivered events stay in the outbox
// for the next start), writes the activity entries the Recorder holds and
// the tokens' last uses the connection Manager holds, and closes the
// app's database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.Drainer.Stop()
	err := a.Recorder.Close(ctx)
	err = errors.Join(err, a.Conns.Flush(ctx))
	return errors.Join(err, a.DB.Close())
}

// setUpTenant creates or renames the tenant, gives it an enabled SCIM
// connection with the generic profile if it has none (an existing one is
// kept as its admin left it), and settles its Secret Token: token, if not
// "", is made a live token labelled "scripted" unless it is one already;
// with token "" and issue, a tenant without tokens gets a random one. It
// returns the token if this call set it or token was given, and "" if
// the tenant keeps the tokens of an earlier start, which only the
// identity provider knows now. Other tokens are never revoked: rotation
// is the settings page's.
func setUpTenant(ctx context.Context, db *DB, cs connection.Store, m *connection.Manager, t Tenant, token string, issue bool) (string, error) {
	if err := db.CreateTenant(ctx, t.ID, t.Name); err != nil {
		return "", err
	}
	if _, err := m.Connection(ctx, t.ID); errors.Is(err, connection.ErrNotFound) {
		if _, err := m.Save(ctx, connection.Connection{Tenant: t.ID, Enabled: true, Profile: connection.Generic}); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	if token != "" {
		return token, importToken(ctx, cs, m, t.ID, token)
	}
	if !issue {
		return "", nil
	}
	tokens, err := m.Tokens(ctx, t.ID)
	if err != nil || len(tokens) > 0 {
		return "", err
	}
	// First start: a random token. Two replicas starting at once on an
	// empty database may each issue one; both are live and listed on
	// the settings page.
	secret, _, err := m.Issue(ctx, t.ID, "demo")
	return secret, err
}

// importToken makes secret a live token of the tenant labelled
// "scripted", unless it is one already. A secret that is a revoked token,
// or another tenant's, is an error: it cannot be made live for this one.
// It looks the token up in the store, not with Verify, so that a
// restart does not count as a use of the token.
func importToken(ctx context.Context, cs connection.Store, m *connection.Manager, tenant, secret string) error {
	_, err := m.Import(ctx, tenant, "scripted", secret)
	if !errors.Is(err, connection.ErrConflict) {
		return err
	}
	_, tok, err := cs.LookupToken(ctx, connection.HashSecret(secret))
	switch {
	case err != nil:
		return err
	case tok.Tenant != tenant:
		return errors.New("the Secret Token given is another tenant's")
	case !tok.Live():
		return errors.New("the Secret Token given was revoked; choose another")
	}
	return nil
}

// randomKey returns 32 random bytes in base64url, for the admin key.
func randomKey() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request. It logs the path, never the
// Authorization header.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Duration("took", time.Since(start)))
	})
}
