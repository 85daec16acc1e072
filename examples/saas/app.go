package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/scimkit/scim"
)

// Config configures the app.
type Config struct {
	// DemoTenant is the tenant created at startup; its ID is what the SCIM
	// handler's context carries.
	DemoTenant Tenant
	// Token is the demo tenant's Secret Token; "" means a random one.
	Token string
	// Logger receives the app's and the SCIM handler's logs; nil means
	// slog.Default().
	Logger *slog.Logger
	// Clock is the app's clock; nil means time.Now.
	Clock func() time.Time
}

// App is the running application: its database, the SCIM tokens of its
// tenants and the SCIM server.
type App struct {
	DB     *DB
	Tokens *scim.Tokens
	SCIM   *scim.Server
	// Token is the demo tenant's Secret Token.
	Token string

	log *slog.Logger
}

// newApp builds the app and returns it with its root handler: the app's own
// routes and the SCIM 2.0 endpoint at /scim/v2.
func newApp(cfg Config) (*App, http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DemoTenant.ID == "" {
		cfg.DemoTenant = Tenant{ID: "acme", Name: "Acme Corp"}
	}
	if cfg.Token == "" {
		cfg.Token = newToken()
	}
	db := NewDB(cfg.Clock)
	db.CreateTenant(cfg.DemoTenant.ID, cfg.DemoTenant.Name)

	// One Secret Token per tenant: the token the tenant's admin pastes into
	// the identity provider tells the handler whose directory a request
	// writes to. A real app keeps the hashes in its database (scim.HashToken,
	// scim.BearerTokens) and lets each tenant's admin rotate them.
	tokens := new(scim.Tokens)
	tokens.Add(cfg.Token, cfg.DemoTenant.ID)

	srv, err := scim.New(scim.Config{
		Store:        NewSCIMStore(db),
		Authenticate: tokens.Authenticate,
		Logger:       cfg.Logger,
		Clock:        cfg.Clock,
	})
	if err != nil {
		return nil, nil, err
	}
	app := &App{DB: db, Tokens: tokens, SCIM: srv, Token: cfg.Token, log: cfg.Logger}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", app.home)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	// The SCIM handler serves paths relative to where it is mounted.
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return app, app.logRequests(mux), nil
}

// newToken returns a random Secret Token: 32 bytes, base64url.
func newToken() string {
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

// homeData is what the home page shows.
type homeData struct {
	Tenants []tenantView
}

type tenantView struct {
	Tenant
	Accounts []Account
	Teams    []Team
	Names    map[string]string // account id -> display name
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<title>SaaS example</title>
<h1>Accounts by tenant</h1>
<p>Provision them with SCIM 2.0 at <code>/scim/v2</code>.</p>
{{range .Tenants}}
<h2>{{.Name}} <small>({{.ID}})</small></h2>
<table border="1" cellpadding="4">
<tr><th>Name</th><th>Email (login)</th><th>Title</th><th>Department</th><th>Manager</th><th>Status</th></tr>
{{$names := .Names}}
{{range .Accounts}}<tr><td>{{.DisplayName}}</td><td>{{.Email}}</td><td>{{.JobTitle}}</td><td>{{.Department}}</td><td>{{index $names .ManagerID}}</td><td>{{if .Disabled}}disabled{{else}}active{{end}}</td></tr>
{{else}}<tr><td colspan="6">no accounts yet</td></tr>
{{end}}</table>
<h3>Teams</h3>
<ul>{{range .Teams}}<li>{{.Name}}: {{len .Members}} members</li>{{else}}<li>no teams yet</li>{{end}}</ul>
{{end}}
`))

// home is the app's own page: every tenant's accounts and teams, read
// from the app's tables, which SCIM writes to.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	var data homeData
	for _, t := range a.DB.Tenants() {
		v := tenantView{Tenant: t, Names: map[string]string{}}
		v.Accounts, _ = a.DB.Accounts(t.ID, 0, 1000)
		v.Teams, _ = a.DB.Teams(t.ID, 0, 1000, true)
		for _, acc := range v.Accounts {
			v.Names[acc.ID] = acc.DisplayName()
		}
		data.Tenants = append(data.Tenants, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := homePage.Execute(w, data); err != nil {
		a.log.ErrorContext(r.Context(), "rendering home page", slog.Any("err", err))
	}
}
