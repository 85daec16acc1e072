package conntest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
)

// clock is a settable clock for a Manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newManager(t *testing.T, s connection.Store) (*connection.Manager, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	m := connection.NewManager(s, connection.Options{Now: clk.now})
	if _, err := m.Save(ctx, connection.Connection{Tenant: "tenant-a", Enabled: true, Profile: connection.Entra}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return m, clk
}

var managerCases = []testCase{
	{"Issue_verify_rotate_revoke", func(t *testing.T, s connection.Store) {
		m, _ := newManager(t, s)
		old, oldTok, err := m.Issue(ctx, "tenant-a", "first")
		noErr(t, "Issue", err)
		if !strings.HasPrefix(old, connection.SecretPrefix) || oldTok.Hint != old[len(old)-4:] {
			t.Errorf("secret %q, hint %q: want the prefix and the last 4 characters", old, oldTok.Hint)
		}
		c, tok, err := m.Verify(ctx, old)
		noErr(t, "Verify(old)", err)
		if c.Tenant != "tenant-a" || c.Profile != connection.Entra || tok.ID != oldTok.ID || tok.Label != "first" {
			t.Errorf("Verify(old) = %+v, %+v", c, tok)
		}
		fresh, freshTok, err := m.Issue(ctx, "tenant-a", "second")
		noErr(t, "Issue second", err)
		for _, s := range []string{old, fresh} {
			if _, _, err := m.Verify(ctx, s); err != nil {
				t.Errorf("Verify before revoking the old token: %v", err)
			}
		}
		noErr(t, "Revoke(old)", m.Revoke(ctx, "tenant-a", oldTok.ID))
		if _, _, err := m.Verify(ctx, old); !errors.Is(err, connection.ErrUnknownToken) {
			t.Errorf("Verify(revoked) = %v, want ErrUnknownToken", err)
		}
		if _, tok, err := m.Verify(ctx, fresh); err != nil || tok.ID != freshTok.ID {
			t.Errorf("Verify(new) after revoking the old = %+v, %v", tok, err)
		}
	}},
	{"Unknown_and_malformed_secrets", func(t *testing.T, s connection.Store) {
		m, _ := newManager(t, s)
		secret, _, err := m.Issue(ctx, "tenant-a", "t")
		noErr(t, "Issue", err)
		last := "A"
		if strings.HasSuffix(secret, "A") {
			last = "B"
		}
		for _, bad := range []string{"", "scim_", secret[:len(secret)-1] + last, secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
			_, _, err := m.Verify(ctx, bad)
			if !errors.Is(err, connection.ErrUnknownToken) {
				t.Errorf("Verify(%q) = %v, want ErrUnknownToken", bad, err)
			}
			if err != nil && len(bad) > 8 && strings.Contains(err.Error(), bad) {
				t.Errorf("error %q contains the secret", err)
			}
		}
	}},
	{"Disabled_connection_is_ErrDisabled", func(t *testing.T, s connection.Store) {
		m, _ := newManager(t, s)
		secret, _, err := m.Issue(ctx, "tenant-a", "t")
		noErr(t, "Issue", err)
		c, err := m.Connection(ctx, "tenant-a")
		noErr(t, "Connection", err)
		c.Enabled = false
		_, err = m.Save(ctx, c)
		noErr(t, "Save(disabled)", err)
		got, _, err := m.Verify(ctx, secret)
		if !errors.Is(err, connection.ErrDisabled) || !errors.Is(err, connection.ErrUnknownToken) || got.Tenant != "tenant-a" {
			t.Errorf("Verify on a disabled connection = %+v, %v; want the connection and ErrDisabled", got, err)
		}
	}},
	{"Issue_needs_a_connection", func(t *testing.T, s connection.Store) {
		m, _ := newManager(t, s)
		_, _, err := m.Issue(ctx, "nobody", "t")
		wantErr(t, "Issue(nobody)", err, connection.ErrNotFound)
	}},
	{"Last_use_written_in_batches", func(t *testing.T, s connection.Store) {
		m, clk := newManager(t, s)
		secret, tok, err := m.Issue(ctx, "tenant-a", "t")
		noErr(t, "Issue", err)
		for range 5 {
			if _, _, err := m.Verify(ctx, secret); err != nil {
				t.Fatal(err)
			}
		}
		noErr(t, "Flush", m.Flush(ctx))
		stored, err := s.Tokens(ctx, "tenant-a")
		noErr(t, "Tokens", err)
		if len(stored) != 1 || !stored[0].LastUsed.Equal(t0) {
			t.Fatalf("stored tokens after Flush = %+v, want LastUsed %v", stored, t0)
		}
		clk.advance(30 * time.Second)
		if _, _, err := m.Verify(ctx, secret); err != nil {
			t.Fatal(err)
		}
		noErr(t, "Flush", m.Flush(ctx))
		stored, _ = s.Tokens(ctx, "tenant-a")
		if !stored[0].LastUsed.Equal(t0) {
			t.Errorf("a use within the touch interval was written: LastUsed %v, want %v", stored[0].LastUsed, t0)
		}
		clk.advance(31 * time.Second)
		if _, _, err := m.Verify(ctx, secret); err != nil {
			t.Fatal(err)
		}
		listed, err := m.Tokens(ctx, "tenant-a")
		noErr(t, "Manager.Tokens", err)
		if want := t0.Add(61 * time.Second); len(listed) != 1 || listed[0].ID != tok.ID || !listed[0].LastUsed.Equal(want) || listed[0].Hash != (connection.Hash{}) {
			t.Errorf("Manager.Tokens = %+v, want LastUsed %v (the pending use) and no hash", listed, want)
		}
		noErr(t, "Flush", m.Flush(ctx))
		stored, _ = s.Tokens(ctx, "tenant-a")
		if want := t0.Add(61 * time.Second); !stored[0].LastUsed.Equal(want) {
			t.Errorf("stored LastUsed after the interval = %v, want %v", stored[0].LastUsed, want)
		}
	}},
}
