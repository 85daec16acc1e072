package main

import (
	"testing"

	"github.com/scimkit/scim/scimtest"
)

// TestIdentityProviders replays every flow of scimtest (Entra in both PATCH
// formats, Okta OIN and AIW, JumpCloud, OneLogin, PingOne) against the app
// over a real listener, so the app's own store mapping is what is tested.
func TestIdentityProviders(t *testing.T) {
	_, ts := testServer(t)
	scimtest.Run(t, scimtest.Target{BaseURL: ts.URL + "/scim/v2", Token: testToken, Client: ts.Client()})
}
