package scimtest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

const testToken = "scimtest-secret"

// newServer returns the library's own server over the memory store with a
// bearer token, mounted under /scim/v2 of a mux as the README shows.
func newServer(t *testing.T) http.Handler {
	t.Helper()
	var tokens scim.Tokens
	tokens.Add(testToken, "tenant-a")
	srv, err := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: tokens.Authenticate,
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return mux
}

// allFlows are the names of every flow Run runs.
var allFlows = []string{
	"Entra/aadOptscim062020/disable_enable", "Entra/aadOptscim062020/groups", "Entra/aadOptscim062020/manager",
	"Entra/aadOptscim062020/provision_user", "Entra/aadOptscim062020/test_connection", "Entra/aadOptscim062020/update_user",
	"Entra/aadOptscim062020/work_address",
	"Entra/default/disable_enable", "Entra/default/groups", "Entra/default/manager", "Entra/default/provision_user",
	"Entra/default/test_connection", "Entra/default/update_user", "Entra/default/work_address",
	"JumpCloud/group_takeover", "JumpCloud/manual_import", "JumpCloud/test_connection",
	"Okta/AIW/group_push", "Okta/AIW/user_lifecycle", "Okta/OIN/group_push", "Okta/OIN/test_connection", "Okta/OIN/user_lifecycle",
	"OneLogin/group_membership", "PingOne/filter_casing",
}

// TestRun runs every flow against the library's server over the memory
// store, in process and over a real listener.
func TestRun(t *testing.T) {
	h := newServer(t)
	t.Run("in_process", func(t *testing.T) {
		Run(t, Target{Handler: h, BaseURL: "http://app.example.com/scim/v2", Token: testToken})
	})
	t.Run("listener", func(t *testing.T) {
		ts := httptest.NewServer(h)
		defer ts.Close()
		Run(t, Target{BaseURL: ts.URL + "/scim/v2", Token: testToken, Client: ts.Client()})
	})
}

// TestEachIdPFunction checks that Run runs every flow, and that each
// exported IdP function runs on its own.
func TestEachIdPFunction(t *testing.T) {
	target := Target{Handler: newServer(t), BaseURL: "http://app.example.com/scim/v2", Token: testToken}
	rec := record(func(t tester) { run(t, target) })
	var names []string
	for n := range rec.leaves() {
		names = append(names, n)
	}
	if d := cmp.Diff(allFlows, names, cmpSorted); d != "" {
		t.Errorf("flows run by Run (-want +got):\n%s", d)
	}
	if f := rec.failedFlows(); len(f) != 0 {
		t.Errorf("failed flows: %q", f)
	}
	for _, idp := range []struct {
		name string
		run  func(*testing.T, Target)
	}{{"Entra", Entra}, {"Okta", Okta}, {"JumpCloud", JumpCloud}, {"OneLogin", OneLogin}, {"PingOne", PingOne}} {
		t.Run(idp.name, func(t *testing.T) { idp.run(t, target) })
	}
}

// cmpSorted compares string slices ignoring order.
var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })
