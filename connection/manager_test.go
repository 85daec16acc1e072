package connection_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
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

// TestTokensListsUsesBeingFlushed: while the background flush writes a
// use, Tokens still reports it (the use is neither pending nor stored).
func TestTokensListsUsesBeingFlushed(t *testing.T) {
	ctx := context.Background()
	st := &slowTouchStore{MemoryStore: connection.NewMemoryStore(), started: make(chan struct{}), release: make(chan struct{})}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
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
