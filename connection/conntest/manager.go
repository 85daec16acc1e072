package conntest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/internal/testclock"
)

func newManager(t *testing.T, s connection.Store) (*connection.Manager, *testclock.Clock) {
	t.Helper()
	clk := testclock.New(t0)
	m := connection.NewManager(s, connection.Options{Now: clk.Now})
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
	{"Import_verifies_a_secret_made_elsewhere", func(t *testing.T, s connection.Store) {
		m, _ := newManager(t, s)
		for _, secret := range []string{"demo-token", "tok1", "a-migrated-secret-of-another-shape", strings.Repeat("x", connection.MaxSecretLen)} {
			tok, err := m.Import(ctx, "tenant-a", "scripted", secret)
			noErr(t, "Import", err)
			if tok.Tenant != "tenant-a" || tok.Label != "scripted" || tok.ID == "" || !tok.Created.Equal(t0) || tok.Hash != (connection.Hash{}) {
				t.Errorf("Import(%.20q) = %+v, want tenant-a, label scripted, an ID, created now and no hash", secret, tok)
			}
			if len(secret) < 16 && tok.Hint != "" {
				t.Errorf("Import(%q): hint %q reveals too much of a short secret, want none", secret, tok.Hint)
			}
			if len(secret) >= 16 && tok.Hint != secret[len(secret)-4:] {
				t.Errorf("Import(%.20q): hint %q, want the last 4 characters", secret, tok.Hint)
			}
			c, got, err := m.Verify(ctx, secret)
			if err != nil || c.Tenant != "tenant-a" || got.ID != tok.ID {
				t.Errorf("Verify(imported %.20q) = %+v, %+v, %v; want the imported token", secret, c, got, err)
			}
		}
		noErr(t, "Revoke", m.Revoke(ctx, "tenant-a", mustToken(t, m, "tok1").ID))
		if _, _, err := m.Verify(ctx, "tok1"); !errors.Is(err, connection.ErrRevoked) {
			t.Errorf("Verify(revoked imported token) = %v, want ErrRevoked", err)
		}
		_, err := m.Import(ctx, "tenant-a", "again", "demo-token")
		wantErr(t, "Import of a secret that is already a token", err, connection.ErrConflict)
		for _, bad := range []string{"", strings.Repeat("x", connection.MaxSecretLen+1), "has space", "tab\there", "nul\x00"} {
			_, err := m.Import(ctx, "tenant-a", "bad", bad)
			wantErr(t, fmt.Sprintf("Import(%.20q)", bad), err, connection.ErrInvalid)
		}
		_, err = m.Import(ctx, "nobody", "t", "secret-of-nobody")
		wantErr(t, "Import for a tenant without connection", err, connection.ErrNotFound)
		if _, _, err := m.Verify(ctx, strings.Repeat("x", connection.MaxSecretLen+1)); !errors.Is(err, connection.ErrUnknownToken) {
			t.Errorf("Verify(over-long secret) = %v, want ErrUnknownToken", err)
		}
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
		clk.Add(30 * time.Second)
		if _, _, err := m.Verify(ctx, secret); err != nil {
			t.Fatal(err)
		}
		noErr(t, "Flush", m.Flush(ctx))
		stored, _ = s.Tokens(ctx, "tenant-a")
		if !stored[0].LastUsed.Equal(t0) {
			t.Errorf("a use within the touch interval was written: LastUsed %v, want %v", stored[0].LastUsed, t0)
		}
		clk.Add(31 * time.Second)
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

// mustToken returns the tenant-a token the secret verifies as.
func mustToken(t *testing.T, m *connection.Manager, secret string) connection.Token {
	t.Helper()
	_, tok, err := m.Verify(ctx, secret)
	noErr(t, "Verify", err)
	return tok
}
