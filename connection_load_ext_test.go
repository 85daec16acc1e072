package scim_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// replica is one instance of an app: its own Manager and SCIM server,
// listening on loopback, over the deployment's shared storage.
type replica struct {
	m   *connection.Manager
	url string // the server's base URL
}

// storage is what a replica works on: the resource store and the
// connection store.
type storage struct {
	st store.Store
	cs connection.Store
}

// deployments are two replicas over one storage: one memory store shared
// by both, or one SQLite file or PostgreSQL schema that each replica
// opens with its own *sql.DB.
var deployments = []struct {
	name string
	open func(t *testing.T) [2]storage
}{
	{"memory", func(t *testing.T) (r [2]storage) {
		st, cs := memory.New(), connection.NewMemoryStore()
		r[0].st, r[0].cs, r[1].st, r[1].cs = st, cs, st, cs
		return r
	}},
	{"SQLite", func(t *testing.T) (r [2]storage) {
		path := filepath.Join(t.TempDir(), "scim.db")
		for i := range r {
			st := openSQLStore(t, sqliteFile(t, path), sqlstore.SQLite)
			r[i].st, r[i].cs = st, st.Connections()
		}
		return r
	}},
	{"PostgreSQL", func(t *testing.T) (r [2]storage) {
		dsn := postgresTestSchema(t)
		for i := range r {
			st := openSQLStore(t, postgresTestDB(t, dsn), sqlstore.Postgres)
			r[i].st, r[i].cs = st, st.Connections()
		}
		return r
	}},
}

// startReplicas opens the deployment's two replicas, each serving SCIM at
// the root of a loopback listener with scim.ConnectionAuth over its own
// Manager. The Managers' recorded uses are flushed at cleanup.
func startReplicas(t *testing.T, open func(t *testing.T) [2]storage) [2]replica {
	t.Helper()
	var reps [2]replica
	for i, s := range open(t) {
		m := connection.NewManager(s.cs, connection.Options{})
		srv, err := scim.New(scim.Config{
			Store:        s.st,
			Authenticate: scim.ConnectionAuth(m, scim.ConnectionAuthOptions{Logger: slog.New(slog.DiscardHandler)}),
			Logger:       slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(func() {
			ts.Close()
			if err := m.Flush(context.Background()); err != nil {
				t.Errorf("replica %d: Flush: %v", i, err)
			}
		})
		reps[i] = replica{m: m, url: ts.URL}
	}
	return reps
}

// status sends GET path with token to the replica and returns the status.
func (r replica) status(t *testing.T, path, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", r.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestTokenRotationUnderLoad rotates a Secret Token while four clients
// send requests over loopback HTTP to two replicas (two Managers and
// servers over one memory store, SQLite file or PostgreSQL schema), half
// with the old token and half with the new one, issued through the other
// replica. The old token is revoked through replica 0: every request with
// it answered before Revoke begins succeeds, every one sent after it
// returns is 401 on both replicas, the new token never fails, and no
// request sees a 5xx. The load is bounded: 4 clients of 300 requests each.
func TestTokenRotationUnderLoad(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) { testTokenRotationUnderLoad(t, startReplicas(t, d.open)) })
	}
}

func testTokenRotationUnderLoad(t *testing.T, reps [2]replica) {
	ctx := context.Background()
	tenant := randomTenant("rotation")
	if _, err := reps[0].m.Save(ctx, connection.Connection{Tenant: tenant, Enabled: true, Profile: connection.Entra}); err != nil {
		t.Fatal(err)
	}
	old, oldTok, err := reps[0].m.Issue(ctx, tenant, "IdP")
	if err != nil {
		t.Fatal(err)
	}
	fresh, freshTok, err := reps[1].m.Issue(ctx, tenant, "rotated")
	if err != nil {
		t.Fatal(err)
	}

	const clients, perClient, revokeAfter = 4, 300, 400
	var sent atomic.Int64
	var revoking, revoked atomic.Bool // Revoke has begun; Revoke has returned
	var revokeOnce sync.Once
	type result struct {
		replica                        int
		old, beforeRevoke, afterRevoke bool
		status                         int
	}
	results := make([][]result, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{}
			for i := range perClient {
				if sent.Add(1) == revokeAfter {
					revokeOnce.Do(func() {
						revoking.Store(true)
						if err := reps[0].m.Revoke(ctx, tenant, oldTok.ID); err != nil {
							t.Error(err)
						}
						revoked.Store(true)
					})
				}
				// Every client sends both tokens to both replicas.
				rep, useOld := i%2, (i+c)%2 == 0
				tok := fresh
				if useOld {
					tok = old
				}
				after := revoked.Load() // sent after Revoke returned
				req, _ := http.NewRequest("GET", reps[rep].url+`/Users?filter=userName+eq+"nobody@example.com"`, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				before := !revoking.Load() // answered before Revoke began
				results[c] = append(results[c], result{replica: rep, old: useOld, beforeRevoke: before, afterRevoke: after, status: res.StatusCode})
			}
		}()
	}
	wg.Wait()
	var oldBefore, oldAfter [2]int
	newOK := 0
	for _, rs := range results {
		for _, r := range rs {
			switch {
			case r.status >= 500:
				t.Errorf("replica %d: a request answered %d", r.replica, r.status)
			case !r.old && r.status != http.StatusOK:
				t.Errorf("replica %d: the new token got %d", r.replica, r.status)
			case !r.old:
				newOK++
			case r.beforeRevoke && r.status != http.StatusOK:
				t.Errorf("replica %d: the old token got %d before it was revoked", r.replica, r.status)
			case r.afterRevoke && r.status != http.StatusUnauthorized:
				t.Errorf("replica %d: the old token got %d after it was revoked", r.replica, r.status)
			case r.afterRevoke:
				oldAfter[r.replica]++
			case r.beforeRevoke:
				oldBefore[r.replica]++
			}
			// A request in flight while Revoke ran may get either.
		}
	}
	for i := range reps {
		if oldBefore[i] == 0 || oldAfter[i] == 0 {
			t.Errorf("replica %d: old token %d ok before and %d refused after revocation: the run did not cover rotation", i, oldBefore[i], oldAfter[i])
		}
	}
	if newOK != clients*perClient/2 {
		t.Errorf("new token ok %d times, want %d", newOK, clients*perClient/2)
	}

	// The store holds what happened: the old token revoked, both used.
	for _, r := range reps {
		if err := r.m.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	toks, err := reps[1].m.Tokens(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || toks[0].ID != oldTok.ID || toks[1].ID != freshTok.ID {
		t.Fatalf("Tokens = %+v, want the old then the new", toks)
	}
	if toks[0].Live() || !toks[1].Live() {
		t.Errorf("old token revoked at %v, new one at %v: want only the old revoked", toks[0].Revoked, toks[1].Revoked)
	}
	if toks[0].LastUsed.IsZero() || toks[1].LastUsed.IsZero() {
		t.Errorf("last used: old %v, new %v; want both recorded", toks[0].LastUsed, toks[1].LastUsed)
	}
}

// TestTokenRevokedOnOneReplicaIsRefusedOnTheOther: two replicas (two
// Managers) over one storage. A token issued through one is accepted by
// the other; revoked through one, it is refused by both on the next
// request; a connection disabled through one is refused by the other,
// and accepted again once enabled.
func TestTokenRevokedOnOneReplicaIsRefusedOnTheOther(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			reps := startReplicas(t, d.open)
			tenant := randomTenant("replicas")
			if _, err := reps[0].m.Save(ctx, connection.Connection{Tenant: tenant, Enabled: true, Profile: connection.Okta}); err != nil {
				t.Fatal(err)
			}
			old, oldTok, err := reps[0].m.Issue(ctx, tenant, "IdP")
			if err != nil {
				t.Fatal(err)
			}
			const path = "/Users"
			expect := func(rep int, token string, want int) {
				t.Helper()
				if got := reps[rep].status(t, path, token); got != want {
					t.Errorf("replica %d: %d, want %d", rep, got, want)
				}
			}
			expect(1, old, http.StatusOK)
			expect(0, old, http.StatusOK)
			fresh, _, err := reps[1].m.Issue(ctx, tenant, "rotated")
			if err != nil {
				t.Fatal(err)
			}
			expect(0, fresh, http.StatusOK)

			if err := reps[0].m.Revoke(ctx, tenant, oldTok.ID); err != nil {
				t.Fatal(err)
			}
			expect(1, old, http.StatusUnauthorized)
			expect(0, old, http.StatusUnauthorized)
			expect(1, fresh, http.StatusOK)
			expect(0, fresh, http.StatusOK)

			c, err := reps[1].m.Connection(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			c.Enabled = false
			if _, err := reps[1].m.Save(ctx, c); err != nil {
				t.Fatal(err)
			}
			expect(0, fresh, http.StatusUnauthorized)
			c.Enabled = true
			if _, err := reps[1].m.Save(ctx, c); err != nil {
				t.Fatal(err)
			}
			expect(0, fresh, http.StatusOK)
			expect(0, old, http.StatusUnauthorized)
		})
	}
}
