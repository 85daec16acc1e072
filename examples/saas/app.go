package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/scimkit/scim"
)

// Config configures the app.
type Config struct {
	// Store names the database (see OpenDB): "sqlite:PATH", "memory" or
	// "postgres://...". "" means "memory".
	Store string
	// DemoTenant is the tenant created at startup; its ID is what the SCIM
	// handler's context carries.
	DemoTenant Tenant
	// Token is the demo tenant's Secret Token. "" keeps the token the
	// database has for the tenant, or makes a random one if it has none; a
	// token different from the stored one replaces it.
	Token string
	// Logger receives the app's and the SCIM handler's logs; nil means
	// slog.Default().
	Logger *slog.Logger
	// Clock is the app's clock; nil means time.Now.
	Clock func() time.Time
}

// App is the running application: its database and the SCIM server.
type App struct {
	DB   *DB
	SCIM *scim.Server
	// Token is the demo tenant's Secret Token when this start set it (the
	// tenant is new, or Config.Token was given), and "" when the tenant
	// kept the token of an earlier start: the database has only its hash.
	Token string

	log *slog.Logger
}

// newApp opens the database and builds the app; it returns it with its
// root handler: the app's own routes and the SCIM 2.0 endpoint at
// /scim/v2. Close the app to close the database.
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
	db, err := OpenDB(ctx, cfg.Store, cfg.Clock)
	if err != nil {
		return nil, nil, err
	}
	token, err := setUpTenant(ctx, db, cfg.DemoTenant, cfg.Token)
	if err != nil {
		db.Close()
		return nil, nil, err
	}

	srv, err := scim.New(scim.Config{
		Store: NewSCIMStore(db),
		// One Secret Token per tenant: the token the tenant's admin pastes
		// into the identity provider tells the handler whose directory a
		// request writes to. The tenants table keeps only the token's
		// SHA-256 hash, looked up through an index; a real app would keep
		// several per tenant, so that an admin can rotate them.
		Authenticate: scim.BearerTokens(func(ctx context.Context, token string) (string, bool, error) {
			t, err := db.TenantByTokenHash(ctx, tokenHash(token))
			switch {
			case errors.Is(err, ErrNoRows):
				return "", false, nil // no such token: 401
			case err != nil:
				// The database failed (down, busy): 503 with Retry-After,
				// never 401, which would make Entra quarantine the job.
				return "", false, err
			}
			return t.ID, true, nil
		}),
		Logger: cfg.Logger,
		Clock:  cfg.Clock,
	})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	app := &App{DB: db, SCIM: srv, Token: token, log: cfg.Logger}

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

// Close closes the app's database.
func (a *App) Close() error { return a.DB.Close() }

// tokenHash is the form in which the tenants table keeps a Secret Token:
// its SHA-256 (scim.HashToken), in hex.
func tokenHash(token string) string {
	h := scim.HashToken(token)
	return hex.EncodeToString(h[:])
}

// setUpTenant creates or renames the tenant and settles its Secret Token:
// token if not "", else the stored one, else a new random one. It returns
// the token if this call stored it, and "" if the tenant keeps the token
// of an earlier start, which only the identity provider knows now.
func setUpTenant(ctx context.Context, db *DB, t Tenant, token string) (string, error) {
	if err := db.CreateTenant(ctx, t.ID, t.Name); err != nil {
		return "", err
	}
	stored, err := db.TenantByID(ctx, t.ID)
	if err != nil {
		return "", err
	}
	switch {
	case token == "" && stored.SCIMTokenHash != "":
		return "", nil
	case token == "":
		// First start: a random token, stored only if no other replica
		// starting at the same time stored one first.
		token = newToken()
		err := db.SetTenantTokenHashIf(ctx, t.ID, "", tokenHash(token))
		if errors.Is(err, ErrStaleVersion) {
			return "", nil
		}
		return token, err
	case tokenHash(token) == stored.SCIMTokenHash:
		return token, nil
	}
	return token, db.SetTenantTokenHashIf(ctx, t.ID, stored.SCIMTokenHash, tokenHash(token))
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
{{range .Accounts}}<tr><td>{{.DisplayName}}</td><td>{{.Email}}</td><td>{{.JobTitle}}</td><td>{{.Department}}</td><td>{{index $names .ManagerID}}</td><td>{{.Status}}</td></tr>
{{else}}<tr><td colspan="6">no accounts yet</td></tr>
{{end}}</table>
<h3>Teams</h3>
<ul>{{range .Teams}}<li>{{.Name}}: {{len .Members}} members</li>{{else}}<li>no teams yet</li>{{end}}</ul>
{{end}}
`))

// home is the app's own page: every tenant's accounts and teams, read
// from the app's tables, which SCIM writes to.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	data, err := a.homeData(r.Context())
	if err != nil {
		a.log.ErrorContext(r.Context(), "reading the home page's data", slog.Any("err", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := homePage.Execute(w, data); err != nil {
		a.log.ErrorContext(r.Context(), "rendering home page", slog.Any("err", err))
	}
}

// homeData reads what the home page shows: the first 1000 accounts and
// teams of each tenant.
func (a *App) homeData(ctx context.Context) (homeData, error) {
	var data homeData
	tenants, err := a.DB.Tenants(ctx)
	if err != nil {
		return data, err
	}
	for _, t := range tenants {
		v := tenantView{Tenant: t, Names: map[string]string{}}
		if v.Accounts, _, err = a.DB.Accounts(ctx, t.ID, 0, 1000); err != nil {
			return data, err
		}
		if v.Teams, _, err = a.DB.Teams(ctx, t.ID, 0, 1000, true); err != nil {
			return data, err
		}
		for _, acc := range v.Accounts {
			v.Names[acc.ID] = acc.DisplayName()
		}
		data.Tenants = append(data.Tenants, v)
	}
	return data, nil
}
