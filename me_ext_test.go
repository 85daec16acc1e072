package scim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// TestMe: /Me is 501 in SCIM form for credentials that identify no user
// (an identity provider's token), and, for a request whose Authenticate
// hook names the user with scim.WithMe, GET, PATCH, PUT and DELETE of that
// user of the request's tenant, answered as /Users/{id} is (RFC 7644
// §3.11). POST /Me is 501, /Me/x is 404, and a user of another tenant is
// not found.
func TestMe(t *testing.T) {
	st := memory.New()
	ann, err := st.CreateUser(store.WithTenant(context.Background(), "acme"), &resource.User{ID: "ann-1", UserName: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := st.CreateUser(store.WithTenant(context.Background(), "globex"), &resource.User{ID: "bob-1", UserName: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scim.New(scim.Config{Store: st, Authenticate: func(r *http.Request) (context.Context, error) {
		ctx := store.WithTenant(r.Context(), "acme")
		switch r.Header.Get("Authorization") {
		case "Bearer ann":
			return scim.WithMe(ctx, ann.ID), nil
		case "Bearer bob-in-acme": // a subject the tenant has no user for
			return scim.WithMe(ctx, bob.ID), nil
		}
		return ctx, nil // the IdP's token: no user
	}})
	if err != nil {
		t.Fatal(err)
	}
	do := func(token, method, path, body string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	scimError := func(w *httptest.ResponseRecorder, status int) {
		t.Helper()
		var e struct {
			Schemas []string
			Status  string
		}
		if w.Code != status || json.Unmarshal(w.Body.Bytes(), &e) != nil || len(e.Schemas) != 1 ||
			e.Schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || e.Status != strconv.Itoa(status) {
			t.Errorf("status %d, body %s; want a SCIM error %d", w.Code, w.Body, status)
		}
	}
	scimError(do("idp", "GET", "/Me", ""), http.StatusNotImplemented)
	scimError(do("ann", "POST", "/Me", `{"userName":"x"}`), http.StatusNotImplemented)
	scimError(do("ann", "GET", "/Me/x", ""), http.StatusNotFound)
	scimError(do("bob-in-acme", "GET", "/Me", ""), http.StatusNotFound)

	w := do("ann", "GET", "/Me", "")
	var got resource.User
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.ID != ann.ID || got.UserName != "ann@example.com" ||
		!strings.HasSuffix(got.Meta.Location, "/Users/"+ann.ID) {
		t.Fatalf("GET /Me: %d %s", w.Code, w.Body)
	}
	w = do("ann", "PATCH", "/Me", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Ann"}]}`)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"displayName":"Ann"`) {
		t.Fatalf("PATCH /Me: %d %s", w.Code, w.Body)
	}
	if u, err := st.GetUser(store.WithTenant(context.Background(), "acme"), ann.ID); err != nil || u.DisplayName != "Ann" {
		t.Errorf("after PATCH /Me the user is %+v, %v", u, err)
	}
	if w = do("ann", "PUT", "/Me", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com","title":"CTO"}`); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"title":"CTO"`) {
		t.Fatalf("PUT /Me: %d %s", w.Code, w.Body)
	}
	if w = do("ann", "DELETE", "/Me", ""); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE /Me: %d %s", w.Code, w.Body)
	}
	scimError(do("ann", "GET", "/Me", ""), http.StatusNotFound)
	if _, err := st.GetUser(store.WithTenant(context.Background(), "globex"), bob.ID); err != nil {
		t.Errorf("globex's user after acme's /Me requests: %v", err)
	}
}
