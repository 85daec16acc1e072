package main

import (
	"path/filepath"
	"testing"

	"github.com/scimkit/scim/scimtest"
)

// TestIdentityProviders replays every flow of scimtest (Entra in both PATCH
// formats, Okta OIN and AIW, JumpCloud, OneLogin, PingOne) against the app
// over a real listener, so the app's own store mapping is what is tested:
// on a SQLite file, and on PostgreSQL when SCIM_TEST_POSTGRES_DSN is set.
func TestIdentityProviders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{"Postgres", postgresSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := startApp(t, tc.store(t), testToken)
			scimtest.Run(t, scimtest.Target{BaseURL: ts.URL + "/scim/v2", Token: testToken, Client: ts.Client()})
		})
	}
}
