package connection_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/internal/testclock"
)

// lookupCounter counts the token lookups of a memory store.
type lookupCounter struct {
	*connection.MemoryStore
	lookups atomic.Int64
}

func (s *lookupCounter) LookupToken(ctx context.Context, h connection.Hash) (connection.Connection, connection.Token, error) {
	s.lookups.Add(1)
	return s.MemoryStore.LookupToken(ctx, h)
}

// TestVerifySkipsTheStoreForImpossibleSecrets: a secret that no token can
// have (empty, over MaxSecretLen, not visible ASCII) is refused without a
// lookup, and any other one, issued or imported, is looked up.
func TestVerifySkipsTheStoreForImpossibleSecrets(t *testing.T) {
	ctx := context.Background()
	st := &lookupCounter{MemoryStore: connection.NewMemoryStore()}
	m := connection.NewManager(st, connection.Options{})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Import(ctx, "t", "scripted", "demo-token"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", strings.Repeat("a", connection.MaxSecretLen+1), "two words", "caf\u00e9", "nul\x00"} {
		if _, _, err := m.Verify(ctx, bad); !errors.Is(err, connection.ErrUnknownToken) {
			t.Errorf("Verify(%.20q) = %v, want ErrUnknownToken", bad, err)
		}
	}
	if n := st.lookups.Load(); n != 0 {
		t.Errorf("%d lookups for impossible secrets, want 0", n)
	}
	if _, _, err := m.Verify(ctx, "demo-token"); err != nil {
		t.Errorf("Verify(imported demo-token) = %v", err)
	}
	if _, _, err := m.Verify(ctx, "demo-tokem"); !errors.Is(err, connection.ErrUnknownToken) {
		t.Errorf("Verify(near miss) = %v, want ErrUnknownToken", err)
	}
	if n := st.lookups.Load(); n != 2 {
		t.Errorf("%d lookups for two well-formed secrets, want 2", n)
	}
}

// slowTouchStore holds TouchTokens until released.
type slowTouchStore struct {
	*connection.MemoryStore
	started, release chan struct{}
}

func (s *slowTouchStore) TouchTokens(ctx context.Context, uses []connection.Use) error {
	close(s.started)
	<-s.release
	return s.MemoryStore.TouchTokens(ctx, uses)
}

// usedToken returns a Manager over st, at the time now, with tenant t's
// connection and one token, verified once (its use not yet written).
func usedToken(t *testing.T, st connection.Store, now time.Time) *connection.Manager {
	t.Helper()
	ctx := context.Background()
	m := connection.NewManager(st, connection.Options{Now: func() time.Time { return now }})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, "t", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTokensListsUsesBeingFlushed: while the background flush writes a
// use, Tokens still reports it (the use is neither pending nor stored).
func TestTokensListsUsesBeingFlushed(t *testing.T) {
	ctx := context.Background()
	st := &slowTouchStore{MemoryStore: connection.NewMemoryStore(), started: make(chan struct{}), release: make(chan struct{})}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := usedToken(t, st, now)
	<-st.started // the background flush is writing the use
	ts, err := m.Tokens(ctx, "t")
	close(st.release)
	if err != nil || len(ts) != 1 || !ts[0].LastUsed.Equal(now) {
		t.Errorf("Tokens during the flush = %+v, %v; want LastUsed %v", ts, err, now)
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// staleReadStore's Tokens reads the tokens, then waits for release
// before it answers; its TouchTokens waits for that read to have begun.
type staleReadStore struct {
	*connection.MemoryStore
	reading, release chan struct{}
}

func (s *staleReadStore) Tokens(ctx context.Context, tenant string) ([]connection.Token, error) {
	ts, err := s.MemoryStore.Tokens(ctx, tenant)
	close(s.reading)
	<-s.release
	return ts, err
}

func (s *staleReadStore) TouchTokens(ctx context.Context, uses []connection.Use) error {
	<-s.reading
	return s.MemoryStore.TouchTokens(ctx, uses)
}

// TestTokensListsUsesFlushedDuringTheRead: a flush that writes a use and
// forgets it while Tokens reads the store (the read saw the store before
// the write) does not hide the use.
func TestTokensListsUsesFlushedDuringTheRead(t *testing.T) {
	ctx := context.Background()
	st := &staleReadStore{MemoryStore: connection.NewMemoryStore(), reading: make(chan struct{}), release: make(chan struct{})}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := usedToken(t, st, now)
	type result struct {
		ts  []connection.Token
		err error
	}
	got := make(chan result)
	go func() {
		ts, err := m.Tokens(ctx, "t")
		got <- result{ts, err}
	}()
	if err := m.Flush(ctx); err != nil { // done once the use is written and forgotten
		t.Fatal(err)
	}
	close(st.release)
	r := <-got
	if r.err != nil || len(r.ts) != 1 || !r.ts[0].LastUsed.Equal(now) {
		t.Errorf("Tokens while a flush wrote the use = %+v, %v; want LastUsed %v", r.ts, r.err, now)
	}
}

// TestVerifyCache: with Options.VerifyCache a verified token is trusted
// without a store lookup for that long; revoking it or disabling its
// connection through the same Manager refuses it at once, through another
// Manager (another replica) once the cached answer is older than
// VerifyCache. Without it every Verify looks the token up.
func TestVerifyCache(t *testing.T) {
	ctx := context.Background()
	// Verify's background flush of a use reads the clock too.
	clk := testclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	clock := clk.Now
	st := &lookupCounter{MemoryStore: connection.NewMemoryStore()}
	m := connection.NewManager(st, connection.Options{Now: clock, VerifyCache: 5 * time.Second})
	other := connection.NewManager(st, connection.Options{Now: clock})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	issue := func() (string, connection.Token) {
		t.Helper()
		secret, tok, err := m.Issue(ctx, "t", "Entra")
		if err != nil {
			t.Fatal(err)
		}
		return secret, tok
	}
	verify := func(step, secret string, want error, lookups int64) {
		t.Helper()
		before := st.lookups.Load()
		c, _, err := m.Verify(ctx, secret)
		if !errors.Is(err, want) || (want == nil && c.Tenant != "t") {
			t.Errorf("%s: Verify = %q, %v; want tenant t, %v", step, c.Tenant, err, want)
		}
		if n := st.lookups.Load() - before; n != lookups {
			t.Errorf("%s: %d lookups, want %d", step, n, lookups)
		}
	}
	secret, tok := issue()
	verify("first use", secret, nil, 1)
	verify("cached", secret, nil, 0)
	clk.Add(4 * time.Second)
	verify("4 s later", secret, nil, 0)
	if err := m.Revoke(ctx, "t", tok.ID); err != nil {
		t.Fatal(err)
	}
	verify("revoked here", secret, connection.ErrRevoked, 1)

	secret, tok = issue()
	verify("a new token", secret, nil, 1)
	if err := other.Revoke(ctx, "t", tok.ID); err != nil {
		t.Fatal(err)
	}
	verify("revoked by another replica, within the cache", secret, nil, 0)
	clk.Add(5 * time.Second)
	verify("revoked by another replica, after the cache", secret, connection.ErrRevoked, 1)

	secret, _ = issue()
	verify("a third token", secret, nil, 1)
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: false}); err != nil {
		t.Fatal(err)
	}
	verify("disabled here", secret, connection.ErrDisabled, 1)

	plain := connection.NewManager(st, connection.Options{Now: clock})
	if _, err := plain.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		before := st.lookups.Load()
		if _, _, err := plain.Verify(ctx, secret); err != nil || st.lookups.Load()-before != 1 {
			t.Errorf("without VerifyCache, use %d: %v, %d lookups; want 1", i, err, st.lookups.Load()-before)
		}
	}
}
