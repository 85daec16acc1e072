// Package conntest checks a connection.Store against the contract stated
// on [connection.Store], as store/storetest does for resource stores. Run
// it from the store's tests:
//
//	func TestContract(t *testing.T) {
//		conntest.Run(t, func(t *testing.T) connection.Store { return newStore(t) })
//	}
//
// newStore must return an empty store each time it is called.
package conntest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
)

type testCase struct {
	name string
	run  func(t *testing.T, s connection.Store)
}

// Run runs the contract's cases, each on a fresh store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) connection.Store) {
	t.Helper()
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Connections", connectionCases},
		{"Tokens", tokenCases},
		{"Manager", managerCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := newStore(t)
					if s == nil {
						t.Fatal("newStore returned nil")
					}
					c.run(t, s)
				})
			}
		})
	}
}

// t0 has microseconds, the precision a store must keep.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func sameConnection(t *testing.T, what string, got, want connection.Connection) {
	t.Helper()
	if got.Tenant != want.Tenant || got.Enabled != want.Enabled || got.Profile != want.Profile ||
		got.DeletePolicy != want.DeletePolicy || got.SCIMManaged != want.SCIMManaged || got.DryRun != want.DryRun ||
		!got.Created.Equal(want.Created) || !got.Updated.Equal(want.Updated) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func sameToken(t *testing.T, what string, got, want connection.Token) {
	t.Helper()
	if got.ID != want.ID || got.Tenant != want.Tenant || got.Label != want.Label || got.Hint != want.Hint ||
		got.Hash != want.Hash || !got.Created.Equal(want.Created) || !got.LastUsed.Equal(want.LastUsed) ||
		!got.Revoked.Equal(want.Revoked) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func conn(tenant string) connection.Connection {
	return connection.Connection{Tenant: tenant, Enabled: true, Profile: connection.Entra, DeletePolicy: connection.Deactivate,
		SCIMManaged: true, Created: at(0), Updated: at(1)}
}

func token(id, tenant string, created time.Time) connection.Token {
	return connection.Token{ID: id, Tenant: tenant, Label: "label " + id, Hint: id[len(id)-1:] + "xyz",
		Created: created, Hash: connection.HashSecret("secret of " + id)}
}

var ctx = context.Background()

var connectionCases = []testCase{
	{"Unknown_is_ErrNotFound", func(t *testing.T, s connection.Store) {
		_, err := s.Connection(ctx, "nobody")
		wantErr(t, "Connection(nobody)", err, connection.ErrNotFound)
	}},
	{"Put_then_get_every_field", func(t *testing.T, s connection.Store) {
		c := conn("tenant-a")
		noErr(t, "PutConnection", s.PutConnection(ctx, c))
		got, err := s.Connection(ctx, "tenant-a")
		noErr(t, "Connection", err)
		sameConnection(t, "Connection(tenant-a)", got, c)
		off := connection.Connection{Tenant: "tenant-b", Profile: connection.Strict, DeletePolicy: connection.Delete, Created: at(2), Updated: at(2)}
		noErr(t, "PutConnection(b)", s.PutConnection(ctx, off))
		got, err = s.Connection(ctx, "tenant-b")
		noErr(t, "Connection(b)", err)
		sameConnection(t, "Connection(tenant-b), every flag false", got, off)
	}},
	{"Put_replaces_only_its_tenant", func(t *testing.T, s connection.Store) {
		a, b := conn("tenant-a"), conn("tenant-b")
		noErr(t, "Put a", s.PutConnection(ctx, a))
		noErr(t, "Put b", s.PutConnection(ctx, b))
		a.Enabled, a.Profile, a.SCIMManaged, a.DeletePolicy, a.Updated = false, connection.Okta, false, connection.Delete, at(9)
		noErr(t, "Put a again", s.PutConnection(ctx, a))
		got, err := s.Connection(ctx, "tenant-a")
		noErr(t, "Connection(a)", err)
		sameConnection(t, "replaced connection", got, a)
		got, err = s.Connection(ctx, "tenant-b")
		noErr(t, "Connection(b)", err)
		sameConnection(t, "other tenant's connection", got, b)
	}},
	{"DryRun_round_trip", func(t *testing.T, s connection.Store) {
		a := conn("tenant-a")
		a.DryRun = true
		noErr(t, "Put a (dry run)", s.PutConnection(ctx, a))
		noErr(t, "Put b", s.PutConnection(ctx, conn("tenant-b")))
		got, err := s.Connection(ctx, "tenant-a")
		noErr(t, "Connection(a)", err)
		sameConnection(t, "connection in dry run", got, a)
		tok := token("tok-dry", "tenant-a", at(3))
		noErr(t, "CreateToken", s.CreateToken(ctx, tok))
		got, _, err = s.LookupToken(ctx, tok.Hash)
		noErr(t, "LookupToken", err)
		sameConnection(t, "LookupToken's connection in dry run", got, a)
		got, err = s.Connection(ctx, "tenant-b")
		noErr(t, "Connection(b)", err)
		sameConnection(t, "other tenant's connection, not in dry run", got, conn("tenant-b"))
		a.DryRun, a.Updated = false, at(5)
		noErr(t, "Put a (dry run off)", s.PutConnection(ctx, a))
		got, err = s.Connection(ctx, "tenant-a")
		noErr(t, "Connection(a) after dry run off", err)
		sameConnection(t, "connection with dry run turned off", got, a)
		got, _, err = s.LookupToken(ctx, tok.Hash)
		noErr(t, "LookupToken after dry run off", err)
		sameConnection(t, "LookupToken's connection with dry run turned off", got, a)
	}},
}

// withTokens stores connections for tenant-a and tenant-b and tokens
// a1, a2 (tenant-a) and b1 (tenant-b).
func withTokens(t *testing.T, s connection.Store) map[string]connection.Token {
	t.Helper()
	noErr(t, "Put a", s.PutConnection(ctx, conn("tenant-a")))
	noErr(t, "Put b", s.PutConnection(ctx, conn("tenant-b")))
	ts := map[string]connection.Token{
		"a1": token("a1", "tenant-a", at(5)),
		"a2": token("a2", "tenant-a", at(3)),
		"b1": token("b1", "tenant-b", at(4)),
	}
	for _, id := range []string{"a1", "a2", "b1"} {
		noErr(t, "CreateToken "+id, s.CreateToken(ctx, ts[id]))
	}
	return ts
}

var tokenCases = []testCase{
	{"Lookup_by_hash_returns_token_and_connection", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		c, tok, err := s.LookupToken(ctx, ts["a1"].Hash)
		noErr(t, "LookupToken(a1)", err)
		sameToken(t, "token a1", tok, ts["a1"])
		sameConnection(t, "connection of a1", c, conn("tenant-a"))
		c, tok, err = s.LookupToken(ctx, ts["b1"].Hash)
		noErr(t, "LookupToken(b1)", err)
		sameToken(t, "token b1", tok, ts["b1"])
		if c.Tenant != "tenant-b" {
			t.Errorf("connection of b1 is %q, want tenant-b", c.Tenant)
		}
	}},
	{"Unknown_hash_is_ErrNotFound", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		h := ts["a1"].Hash
		h[31] ^= 1 // one bit off
		_, _, err := s.LookupToken(ctx, h)
		wantErr(t, "LookupToken(a1's hash with one bit changed)", err, connection.ErrNotFound)
		_, _, err = s.LookupToken(ctx, connection.Hash{})
		wantErr(t, "LookupToken(zero hash)", err, connection.ErrNotFound)
	}},
	{"Token_without_connection_is_not_found", func(t *testing.T, s connection.Store) {
		tok := token("x1", "tenant-x", at(0))
		noErr(t, "CreateToken", s.CreateToken(ctx, tok))
		_, _, err := s.LookupToken(ctx, tok.Hash)
		wantErr(t, "LookupToken of a tenant without connection", err, connection.ErrNotFound)
	}},
	{"Duplicate_ID_or_hash_is_ErrConflict", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		dupID := token("a1", "tenant-a", at(7))
		dupID.Hash = connection.HashSecret("another secret")
		wantErr(t, "CreateToken(same ID)", s.CreateToken(ctx, dupID), connection.ErrConflict)
		dupHash := token("zz", "tenant-b", at(7))
		dupHash.Hash = ts["a1"].Hash
		wantErr(t, "CreateToken(same hash)", s.CreateToken(ctx, dupHash), connection.ErrConflict)
		got, err := s.Tokens(ctx, "tenant-b")
		noErr(t, "Tokens(b)", err)
		if len(got) != 1 {
			t.Errorf("tenant-b has %d tokens after the refused create, want 1", len(got))
		}
	}},
	{"Concurrent_creates_of_one_hash_give_one_token", func(t *testing.T, s connection.Store) {
		noErr(t, "Put a", s.PutConnection(ctx, conn("tenant-a")))
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok := token(fmt.Sprintf("c%d", i), "tenant-a", at(i))
				tok.Hash = connection.HashSecret("one secret")
				errs[i] = s.CreateToken(ctx, tok)
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, connection.ErrConflict):
				t.Errorf("create %d: %v, want nil or ErrConflict", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d creates succeeded, want 1", ok)
		}
	}},
	{"Tokens_lists_the_tenant's_oldest_first", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		same := token("a0", "tenant-a", at(5)) // created with a1: ID decides
		noErr(t, "CreateToken a0", s.CreateToken(ctx, same))
		got, err := s.Tokens(ctx, "tenant-a")
		noErr(t, "Tokens(a)", err)
		want := []connection.Token{ts["a2"], same, ts["a1"]}
		if len(got) != len(want) {
			t.Fatalf("Tokens(a) = %d tokens, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			sameToken(t, fmt.Sprintf("Tokens(a)[%d]", i), got[i], want[i])
		}
		got, err = s.Tokens(ctx, "nobody")
		noErr(t, "Tokens(nobody)", err)
		if len(got) != 0 {
			t.Errorf("Tokens(nobody) = %+v, want none", got)
		}
	}},
	{"Revoke_keeps_the_first_time_and_is_per_tenant", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		noErr(t, "RevokeToken(a1)", s.RevokeToken(ctx, "tenant-a", "a1", at(10)))
		noErr(t, "RevokeToken(a1) again", s.RevokeToken(ctx, "tenant-a", "a1", at(20)))
		wantErr(t, "RevokeToken of another tenant's token", s.RevokeToken(ctx, "tenant-b", "a2", at(10)), connection.ErrNotFound)
		wantErr(t, "RevokeToken(unknown)", s.RevokeToken(ctx, "tenant-a", "nope", at(10)), connection.ErrNotFound)
		_, tok, err := s.LookupToken(ctx, ts["a1"].Hash)
		noErr(t, "LookupToken(revoked a1)", err)
		want := ts["a1"]
		want.Revoked = at(10)
		sameToken(t, "revoked a1", tok, want)
		_, tok, err = s.LookupToken(ctx, ts["a2"].Hash)
		noErr(t, "LookupToken(a2)", err)
		sameToken(t, "a2 stays live", tok, ts["a2"])
	}},
	{"Touch_moves_LastUsed_forward_only", func(t *testing.T, s connection.Store) {
		ts := withTokens(t, s)
		noErr(t, "TouchTokens", s.TouchTokens(ctx, []connection.Use{{ID: "a1", At: at(30)}, {ID: "b1", At: at(31)}, {ID: "unknown", At: at(30)}}))
		noErr(t, "TouchTokens earlier", s.TouchTokens(ctx, []connection.Use{{ID: "a1", At: at(20)}}))
		got, err := s.Tokens(ctx, "tenant-a")
		noErr(t, "Tokens(a)", err)
		wantA1, wantA2 := ts["a1"], ts["a2"]
		wantA1.LastUsed = at(30)
		if len(got) != 2 {
			t.Fatalf("Tokens(a) = %+v", got)
		}
		sameToken(t, "a2, not touched", got[0], wantA2)
		sameToken(t, "a1, touched at 30 then 20", got[1], wantA1)
		_, b1, err := s.LookupToken(ctx, ts["b1"].Hash)
		noErr(t, "LookupToken(b1)", err)
		if !b1.LastUsed.Equal(at(31)) {
			t.Errorf("b1.LastUsed = %v, want %v", b1.LastUsed, at(31))
		}
	}},
}
