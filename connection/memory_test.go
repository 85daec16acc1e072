package connection_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/connection/conntest"
	"github.com/scimkit/scim/quirk"
)

func TestMemoryStoreContract(t *testing.T) {
	conntest.Run(t, func(t *testing.T) connection.Store { return connection.NewMemoryStore() })
}

// countingStore counts the writes of last use.
type countingStore struct {
	*connection.MemoryStore
	touches atomic.Int64
}

func (s *countingStore) TouchTokens(ctx context.Context, uses []connection.Use) error {
	s.touches.Add(1)
	return s.MemoryStore.TouchTokens(ctx, uses)
}

// TestVerifyDoesNotWritePerRequest verifies 1,000 requests of 10 tokens
// within one touch interval: one batch of writes, not 1,000.
func TestVerifyDoesNotWritePerRequest(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{MemoryStore: connection.NewMemoryStore()}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := connection.NewManager(st, connection.Options{Now: func() time.Time { return now }})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for i := range 10 {
		s, _, err := m.Issue(ctx, "t", fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, s)
	}
	for i := range 1000 {
		if _, _, err := m.Verify(ctx, secrets[i%10]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := st.touches.Load(); n < 1 || n > 2 {
		t.Errorf("%d writes of last use for 1,000 requests, want 1 or 2 (the background flush and Flush)", n)
	}
	ts, err := m.Tokens(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if !tok.LastUsed.Equal(now) {
			t.Errorf("token %s LastUsed %v, want %v", tok.Label, tok.LastUsed, now)
		}
	}
}

func TestProfileQuirks(t *testing.T) {
	for _, p := range connection.Profiles {
		want := quirk.All
		if p == connection.Strict {
			want = 0
		}
		if got := p.Quirks(); got != want {
			t.Errorf("%s.Quirks() = %b, want %b", p, got, want)
		}
		if q, err := connection.ParseProfile(string(p)); err != nil || q != p {
			t.Errorf("ParseProfile(%q) = %q, %v", p, q, err)
		}
	}
	if _, err := connection.ParseProfile("azure"); err == nil {
		t.Error(`ParseProfile("azure") = nil error`)
	}
}

func TestSaveDefaultsAndRefusals(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := connection.NewManager(connection.NewMemoryStore(), connection.Options{Now: func() time.Time { return now }})
	c, err := m.Save(ctx, connection.Connection{Tenant: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != connection.Generic || c.DeletePolicy != connection.Delete || !c.Created.Equal(now) || !c.Updated.Equal(now) {
		t.Errorf("Save of a new connection = %+v, want generic, delete, created and updated now", c)
	}
	now = now.Add(time.Hour)
	c.Enabled = true
	c, err = m.Save(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Created.Equal(now.Add(-time.Hour)) || !c.Updated.Equal(now) {
		t.Errorf("Save of an existing connection = %+v, want Created kept, Updated now", c)
	}
	for _, bad := range []connection.Connection{{}, {Tenant: "t", Profile: "azure"}, {Tenant: "t", DeletePolicy: "hide"}} {
		if _, err := m.Save(ctx, bad); err == nil {
			t.Errorf("Save(%+v) = nil error, want ErrInvalid", bad)
		}
	}
}

// BenchmarkVerify is the per-request cost of a token check on the memory
// store: hash, lookup, constant-time compare, last-use bookkeeping.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	m := connection.NewManager(connection.NewMemoryStore(), connection.Options{})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "t", Enabled: true}); err != nil {
		b.Fatal(err)
	}
	secret, _, err := m.Issue(ctx, "t", "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := m.Verify(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
