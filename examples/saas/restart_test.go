package main

import (
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim/connection"
)

// appRun is one start of the app on a database, stopped with stop.
type appRun struct {
	app *App
	ts  *httptest.Server
}

// start starts the app on store with Config.Token token.
func start(t *testing.T, store, token string) *appRun {
	t.Helper()
	app, h, err := newApp(t.Context(), Config{
		Store:  store,
		Token:  token,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:  func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatalf("newApp(%s): %v", store, err)
	}
	return &appRun{app: app, ts: httptest.NewServer(h)}
}

// stop shuts the server down and closes the database, as the process
// does on SIGTERM.
func (r *appRun) stop(t *testing.T) {
	t.Helper()
	r.ts.Close()
	if err := r.app.Close(); err != nil {
		t.Errorf("closing the app: %v", err)
	}
}

// client is an IdP that talks to this run with token.
func (r *appRun) client(t *testing.T, token string) *idp {
	c := newIdP(t, r.ts)
	c.token = token
	return c
}

// resource fetches path and returns its body decoded, with this run's
// base URL replaced by "BASE" so that bodies of two runs compare.
func (r *appRun) resource(t *testing.T, c *idp, path string) any {
	t.Helper()
	rep := c.do("GET", path, "")
	c.want(rep, http.StatusOK, "GET "+path)
	var v any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(rep.body), r.ts.URL, "BASE")), &v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return v
}

// TestRestart provisions a user and a group into the app on a SQLite file,
// stops it, and starts a new app on the same file: the user, the group,
// the membership and the Secret Token survive, and the token is not
// printed again. A third start with -token adds a token: both work
// until the old one is revoked.
func TestRestart(t *testing.T) {
	spec := "sqlite:" + filepath.Join(t.TempDir(), "data", "saas.db")

	first := start(t, spec, "")
	token := first.app.Token
	if len(token) < 40 {
		t.Fatalf("first start: Token %q, want a new random token", token)
	}
	c := first.client(t, token)
	r := c.do("POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "ada@example.com", "externalId": "00u1", "name": {"givenName": "Ada", "familyName": "Lovelace"},
		"emails": [{"value": "ada@example.com", "type": "work", "primary": true}], "active": true}`)
	c.want(r, http.StatusCreated, "POST /Users")
	uid, _ := r.object(t)["id"].(string)
	r = c.do("POST", "/Groups", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "Engineering", "externalId": "00g1", "members": [{"value": "`+uid+`"}]}`)
	c.want(r, http.StatusCreated, "POST /Groups")
	gid, _ := r.object(t)["id"].(string)
	paths := []string{
		"/Users/" + uid,
		"/Groups/" + gid,
		"/Users" + filterQuery(`userName eq "ADA@example.com"`),
		"/Users" + filterQuery(`externalId eq "00u1"`),
		"/Groups?excludedAttributes=members&" + filterQuery(`displayName eq "Engineering"`)[1:],
	}
	before := map[string]any{}
	for _, p := range paths {
		before[p] = first.resource(t, c, p)
	}
	first.stop(t)

	second := start(t, spec, "")
	t.Cleanup(func() { second.stop(t) })
	if second.app.Token != "" {
		t.Errorf("second start: Token %q, want \"\" (the stored token is kept and not printed)", second.app.Token)
	}
	c = second.client(t, token)
	for _, p := range paths {
		if d := cmp.Diff(before[p], second.resource(t, c, p)); d != "" {
			t.Errorf("GET %s after the restart differs (-before +after):\n%s", p, d)
		}
	}
	// The membership is in team_members, and User.groups derives from it.
	if team, err := second.app.DB.TeamByID(t.Context(), "acme", gid, true); err != nil ||
		!cmp.Equal(team.Members, []TeamMember{{ID: uid}}) {
		t.Errorf("team after the restart: %+v, %v; want member %s", team, err, uid)
	}
	wrong := second.client(t, "not-the-token")
	wrong.want(wrong.do("GET", "/Users", ""), http.StatusUnauthorized, "wrong token after the restart")
	second.stop(t)

	// -token adds a live token; the old one works until it is revoked
	// (rotation without downtime), then it is refused.
	third := start(t, spec, "rotated-token")
	t.Cleanup(func() { third.stop(t) })
	if third.app.Token != "rotated-token" {
		t.Errorf("third start: Token %q, want the -token value", third.app.Token)
	}
	old := third.client(t, token)
	old.want(old.do("GET", "/Users/"+uid, ""), http.StatusOK, "old token after -token, before revoking it")
	c = third.client(t, "rotated-token")
	c.want(c.do("GET", "/Users/"+uid, ""), http.StatusOK, "new token")
	toks, err := third.app.Conns.Tokens(t.Context(), "acme")
	labels := map[string]string{}
	for _, tok := range toks {
		labels[tok.Label] = tok.ID
	}
	if err != nil || len(toks) != 2 || labels["demo"] == "" || labels["scripted"] == "" {
		t.Fatalf("tokens after -token: %+v, %v; want the first start's (demo) and -token's (scripted)", toks, err)
	}
	if err := third.app.Conns.Revoke(t.Context(), "acme", labels["demo"]); err != nil {
		t.Fatal(err)
	}
	old.want(old.do("GET", "/Users/"+uid, ""), http.StatusUnauthorized, "old token once revoked")
	c.want(c.do("GET", "/Users/"+uid, ""), http.StatusOK, "new token after revoking the old")
}

// TestRestartMemory checks that -store memory keeps nothing: a second
// start is empty and makes a new token.
func TestRestartMemory(t *testing.T) {
	first := start(t, "memory", "")
	c := first.client(t, first.app.Token)
	c.want(c.do("POST", "/Users", `{"userName": "ada@example.com"}`), http.StatusCreated, "POST /Users")
	first.stop(t)

	second := start(t, "memory", "")
	t.Cleanup(func() { second.stop(t) })
	if second.app.Token == "" || second.app.Token == first.app.Token {
		t.Errorf("second start on memory: Token %q, want a new one", second.app.Token)
	}
	if accounts, n, err := second.app.DB.Accounts(t.Context(), "acme", 0, 10); err != nil || n != 0 {
		t.Errorf("second start on memory has accounts %+v, %v; want none", accounts, err)
	}
}

// TestOpenDBBadSpec checks the errors of -store values OpenDB refuses.
func TestOpenDBBadSpec(t *testing.T) {
	for _, spec := range []string{"", "sqlite:", "mysql://x", "sqlite:a.db?mode=ro", "/tmp/saas.db"} {
		db, err := OpenDB(t.Context(), spec, nil)
		if err == nil {
			db.Close()
			t.Errorf("OpenDB(%q): no error", spec)
		}
	}
}

// TestMigrateTokens starts the app on a database of the release that
// kept one Secret Token per tenant as a hash in tenants.scim_token_hash:
// each becomes a live token labelled "migrated" of an enabled connection,
// the identity providers' tokens keep working for their own tenants, the
// column is gone, and a restart migrates nothing twice.
func TestMigrateTokens(t *testing.T) {
	for _, st := range testStores {
		t.Run(st.name, func(t *testing.T) {
			spec := st.spec(t)
			driverName, dsn, d, err := dataSource(spec)
			if err != nil {
				t.Fatal(err)
			}
			seq, ts, now := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "'2025-06-01T00:00:00Z'"
			if d == postgresDialect {
				seq, ts, now = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ", "'2025-06-01T00:00:00Z'::timestamptz"
			}
			old, err := sql.Open(driverName, dsn)
			if err != nil {
				t.Fatal(err)
			}
			hash := func(secret string) string { h := connection.HashSecret(secret); return hex.EncodeToString(h[:]) }
			stmts := strings.Split(strings.NewReplacer("SEQ", seq, "TIME", ts, "NOW", now).Replace(schemaV1), ";")
			stmts = append(stmts,
				`CREATE INDEX tenants_scim_token_hash ON tenants (scim_token_hash)`,
				`UPDATE tenants SET scim_token_hash = '`+hash("acme-old-secret")+`' WHERE id = 'acme'`,
				`INSERT INTO tenants (id, name, scim_token_hash) VALUES ('globex', 'Globex', '`+hash("globex-old-secret")+`')`,
				`INSERT INTO tenants (id, name, scim_token_hash) VALUES ('initech', 'Initech', '')`)
			for _, stmt := range stmts {
				if _, err := old.Exec(stmt); err != nil {
					t.Fatalf("old schema: %v\n%s", err, stmt)
				}
			}
			old.Close()

			for run := range 2 {
				r := start(t, spec, "")
				if r.app.Token != "" {
					t.Errorf("run %d: Token %q, want \"\" (acme has its migrated token)", run, r.app.Token)
				}
				acme := r.client(t, "acme-old-secret")
				rep := acme.do("GET", "/Users", "")
				acme.want(rep, http.StatusOK, "acme's old token")
				if n := rep.object(t)["totalResults"]; n != 2.0 {
					t.Errorf("run %d: acme's old token lists %v users, want acme's 2", run, n)
				}
				globex := r.client(t, "globex-old-secret")
				rep = globex.do("GET", "/Users", "")
				globex.want(rep, http.StatusOK, "globex's old token")
				if n := rep.object(t)["totalResults"]; n != 0.0 {
					t.Errorf("run %d: globex's old token lists %v users, want none (acme's are not globex's)", run, n)
				}
				for tenant, want := range map[string]int{"acme": 1, "globex": 1, "initech": 0} {
					toks, err := r.app.Conns.Tokens(t.Context(), tenant)
					if err != nil || len(toks) != want || (want == 1 && (toks[0].Label != "migrated" || !toks[0].Live() || toks[0].Hint != "")) {
						t.Errorf("run %d: tokens of %s = %+v, %v; want %d live token labelled migrated, without hint", run, tenant, toks, err, want)
					}
				}
				if c, err := r.app.Conns.Connection(t.Context(), "globex"); err != nil || !c.Enabled || c.Profile != connection.Generic {
					t.Errorf("run %d: globex's connection = %+v, %v; want enabled, generic", run, c, err)
				}
				var n int
				if err := r.app.DB.tx(t.Context(), func(tx *sql.Tx) error {
					has, err := r.app.DB.hasColumn(t.Context(), tx, "tenants", "scim_token_hash")
					if has {
						n = 1
					}
					return err
				}); err != nil || n != 0 {
					t.Errorf("run %d: tenants.scim_token_hash still there (%v)", run, err)
				}
				r.stop(t)
			}
		})
	}
}

// TestScriptedTenants starts the app as -tenant a=tok1 -tenant b=tok2
// does: two tenants, each with its token and an enabled connection,
// isolated from each other and from the demo tenant; a restart with the
// same flags keeps them, and a token of another tenant is refused at
// startup.
func TestScriptedTenants(t *testing.T) {
	spec := "sqlite:" + filepath.Join(t.TempDir(), "saas.db")
	cfg := Config{Store: spec, Token: testToken, Tenants: []ScriptedTenant{{"a", "tok1"}, {"b", "tok2"}},
		Logger: slog.New(slog.DiscardHandler), Clock: func() time.Time { return testNow }}
	for run := range 2 {
		app, h, err := newApp(t.Context(), cfg)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		ts := httptest.NewServer(h)
		r := &appRun{app: app, ts: ts}
		a, b := r.client(t, "tok1"), r.client(t, "tok2")
		rep := a.do("POST", "/Users", `{"userName": "ada-`+strconv.Itoa(run)+`@a.example"}`)
		a.want(rep, http.StatusCreated, "POST /Users as a")
		id := rep.object(t)["id"].(string)
		b.want(b.do("GET", "/Users/"+id, ""), http.StatusNotFound, "a's user read with b's token")
		rep = b.do("GET", "/Users", "")
		b.want(rep, http.StatusOK, "b lists")
		if n := rep.object(t)["totalResults"]; n != 0.0 {
			t.Errorf("run %d: b sees %v users, want 0", run, n)
		}
		rep = a.do("GET", "/Users", "")
		if n := rep.object(t)["totalResults"]; n != float64(run+1) {
			t.Errorf("run %d: a sees %v users, want %d", run, n, run+1)
		}
		demo := r.client(t, testToken)
		if rep := demo.do("GET", "/Users", ""); rep.object(t)["totalResults"] != 0.0 {
			t.Errorf("run %d: acme sees %v users, want 0", run, rep.object(t)["totalResults"])
		}
		for _, tenant := range []string{"a", "b"} {
			tn, err := app.DB.TenantByID(t.Context(), tenant)
			toks, terr := app.Conns.Tokens(t.Context(), tenant)
			c, cerr := app.Conns.Connection(t.Context(), tenant)
			if err != nil || tn.Name != tenant || terr != nil || len(toks) != 1 || toks[0].Label != "scripted" || cerr != nil || !c.Enabled {
				t.Errorf("run %d: tenant %s = %+v %v, tokens %+v %v, connection %+v %v", run, tenant, tn, err, toks, terr, c, cerr)
			}
		}
		r.stop(t)
	}
	cfg.Tenants = []ScriptedTenant{{"c", "tok1"}}
	if app, _, err := newApp(t.Context(), cfg); err == nil {
		app.Close()
		t.Errorf("-tenant c=tok1, a's token: started, want an error")
	}
}
