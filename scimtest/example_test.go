package scimtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store/memory"
)

// An app replays every identity provider against the handler it serves in
// production, from its own test file (app_scim_test.go):
//
//	func TestSCIM(t *testing.T) { ... }
//
// The body is compiled here, not run: it needs the *testing.T of a test.
func ExampleRun() {
	testSCIM := func(t *testing.T) {
		var tokens scim.Tokens
		tokens.Add("test-token", "tenant-1")
		srv, err := scim.New(scim.Config{
			Store:        memory.New(), // the app's own store.Store
			Authenticate: tokens.Authenticate,
		})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux() // the app's router
		mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))

		// Every flow of every IdP, in process: the Tenant URL is the
		// address the app would give an administrator.
		scimtest.Run(t, scimtest.Target{Handler: mux, BaseURL: "https://app.example.com/scim/v2", Token: "test-token"})

		// Or only the IdPs the app's customers use, over a real listener.
		ts := httptest.NewServer(mux)
		defer ts.Close()
		target := scimtest.Target{BaseURL: ts.URL + "/scim/v2", Token: "test-token", Client: ts.Client()}
		t.Run("Entra", func(t *testing.T) { scimtest.Entra(t, target) })
		t.Run("Okta", func(t *testing.T) { scimtest.Okta(t, target) })
	}
	_ = testSCIM
}
