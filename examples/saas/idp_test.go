package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestJumpCloudTestConnection replays JumpCloud's Test Connection for a
// custom SCIM integration: it creates a test user with the admin's "Test
// User Email" and a test group, then deletes both
// (https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration).
// Nothing may be left behind in the app.
func TestJumpCloudTestConnection(t *testing.T) {
	app, ts := testServer(t)
	jc := newIdP(t, ts)
	jc.ctype = "application/json" // JumpCloud, like Okta's POSTs, sends plain JSON

	r := jc.do("GET", "/Users"+filterQuery(`userName eq "test-scim@example.com"`), "")
	jc.want(r, http.StatusOK, "lookup of the test user")
	diffJSON(t, "lookup of the test user", emptyList, r.object(t))

	r = jc.do("POST", "/Users", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName": "test-scim@example.com",
		"name": {"givenName": "Test", "familyName": "User"},
		"displayName": "Test User",
		"emails": [{"value": "test-scim@example.com", "type": "work", "primary": true}],
		"active": true
	}`)
	jc.want(r, http.StatusCreated, "POST test user")
	uid, _ := r.object(t)["id"].(string)

	r = jc.do("POST", "/Groups", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"displayName": "JumpCloud Test Group",
		"members": [{"value": "`+uid+`"}]
	}`)
	jc.want(r, http.StatusCreated, "POST test group")
	group := r.object(t)
	gid, _ := group["id"].(string)
	diffJSON(t, "test group members", `[{"value": "`+uid+`", "$ref": "`+jc.base+`/Users/`+uid+`", "type": "User"}]`, group["members"])

	// The user's groups are derived from the team membership.
	r = jc.do("GET", "/Users/"+uid, "")
	jc.want(r, http.StatusOK, "GET test user")
	diffJSON(t, "test user groups", `[{"value": "`+gid+`", "$ref": "`+jc.base+`/Groups/`+gid+`",
		"display": "JumpCloud Test Group", "type": "direct"}]`, r.object(t)["groups"])
	acct, err := app.DB.AccountByEmail(t.Context(), "acme", "TEST-SCIM@example.com")
	if err != nil || acct.ID != uid || acct.FullName != "Test User" {
		t.Errorf("account by email: %+v, %v; want the test user named \"Test User\"", acct, err)
	}

	// Deleting the user removes it from the team.
	r = jc.do("DELETE", "/Users/"+uid, "")
	if r.status != http.StatusNoContent {
		t.Fatalf("DELETE test user: %d %s", r.status, r.body)
	}
	if team, err := app.DB.TeamByID(t.Context(), "acme", gid, true); err != nil || len(team.Members) != 0 {
		t.Errorf("team after the member's deletion: %+v, %v; want no members", team, err)
	}
	r = jc.do("DELETE", "/Groups/"+gid, "")
	if r.status != http.StatusNoContent {
		t.Fatalf("DELETE test group: %d %s", r.status, r.body)
	}

	if accounts, n, err := app.DB.Accounts(t.Context(), "acme", 0, 10); err != nil || n != 0 {
		t.Errorf("accounts left after Test Connection: %+v, %v", accounts, err)
	}
	if teams, n, err := app.DB.Teams(t.Context(), "acme", 0, 10, false); err != nil || n != 0 {
		t.Errorf("teams left after Test Connection: %+v, %v", teams, err)
	}
}

// TestOktaListUsers checks Okta's "Test API Credentials" request,
// GET /Users?startIndex=1&count=2, and its import paging: integers for
// totalResults, itemsPerPage and startIndex, and a stable order across
// pages (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/).
func TestOktaListUsers(t *testing.T) {
	_, ts := testServer(t)
	okta := newIdP(t, ts)

	// With no users Okta still needs a full ListResponse.
	r := okta.do("GET", "/Users?startIndex=1&count=2", "")
	okta.want(r, http.StatusOK, "Test API Credentials, no users")
	diffJSON(t, "Test API Credentials, no users", emptyList, r.object(t))

	var ids []string
	for i := 1; i <= 5; i++ {
		r := okta.do("POST", "/Users", fmt.Sprintf(`{
			"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			"userName": "user%d@example.com",
			"name": {"givenName": "User", "familyName": "Number%d"},
			"emails": [{"primary": true, "value": "user%d@example.com", "type": "work"}],
			"displayName": "User %d",
			"locale": "en-US",
			"externalId": "00u%d",
			"groups": [],
			"password": "1mP0ssible!",
			"active": true
		}`, i, i, i, i, i))
		okta.want(r, http.StatusCreated, "Okta POST /Users")
		id, _ := r.object(t)["id"].(string)
		ids = append(ids, id)
	}

	r = okta.do("GET", "/Users?startIndex=1&count=2", "")
	okta.want(r, http.StatusOK, "Test API Credentials")
	page := r.object(t)
	head := map[string]any{"totalResults": page["totalResults"], "itemsPerPage": page["itemsPerPage"], "startIndex": page["startIndex"]}
	diffJSON(t, "Test API Credentials paging", `{"totalResults": 5, "itemsPerPage": 2, "startIndex": 1}`, head)
	// The numbers are JSON integers, not strings.
	if !strings.Contains(string(r.body), `"totalResults":5`) {
		t.Errorf("totalResults is not the integer 5: %s", r.body)
	}
	first := page["Resources"].([]any)[0].(map[string]any)
	diffJSON(t, "first user", `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
		"id": "`+ids[0]+`",
		"externalId": "00u1",
		"userName": "user1@example.com",
		"name": {"givenName": "User", "familyName": "Number1"},
		"displayName": "User 1",
		"locale": "en-US",
		"active": true,
		"emails": [{"value": "user1@example.com", "type": "work", "primary": true}],
		"meta": {
			"resourceType": "User",
			"created": "2026-01-02T03:04:05Z",
			"lastModified": "2026-01-02T03:04:05Z",
			"location": "`+okta.base+`/Users/`+ids[0]+`",
			"version": "W/\"1\""
		}
	}`, first)

	// Import: pages of 2 until totalResults, in creation order.
	var got []string
	for start := 1; start <= 5; start += 2 {
		r := okta.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=2", start), "")
		okta.want(r, http.StatusOK, "import page")
		for _, u := range r.object(t)["Resources"].([]any) {
			got = append(got, u.(map[string]any)["id"].(string))
		}
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Errorf("import pages give %q, want %q", got, ids)
	}
}

// TestAppRoutes checks the app's own routes next to the SCIM endpoint.
// The home page shows the signed-in admin's workspace, and nothing of
// any workspace without a session.
func TestAppRoutes(t *testing.T) {
	app, ts := testServer(t)
	if _, err := app.DB.InsertAccount(t.Context(), Account{ID: "a1", TenantID: "acme", Email: "ada@example.com", FullName: "Ada <Lovelace>", Department: "R&D"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, ts)
	b.key = app.AdminKey
	tests := []struct {
		path, ctype string
		signedIn    bool
		contains    []string
	}{
		{"/healthz", "text/plain", false, []string{"ok"}},
		{"/", "text/html", false, []string{"Open the sign-in link the server printed at startup"}},
		{"/", "text/html", true, []string{"Acme Corp", "ada@example.com", "Ada &lt;Lovelace&gt;", "R&amp;D", "active"}},
	}
	for _, tc := range tests {
		if tc.signedIn {
			b.signIn("")
		}
		p := b.get(tc.path)
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), tc.ctype) {
			t.Errorf("GET %s: %d %s", tc.path, p.status, p.header.Get("Content-Type"))
		}
		for _, s := range tc.contains {
			if !strings.Contains(p.body, s) {
				t.Errorf("GET %s: body lacks %q:\n%s", tc.path, s, p.body)
			}
		}
		if !tc.signedIn && strings.Contains(p.body, "ada@example.com") {
			t.Errorf("GET %s without a session shows a workspace's account", tc.path)
		}
	}
	// An unknown path under /scim/v2 is a SCIM 404, not the mux's text one.
	r := newIdP(t, ts).do("GET", "/Nope", "")
	if r.status != http.StatusNotFound || r.object(t)["status"] != "404" {
		t.Errorf("GET /scim/v2/Nope: %d %s", r.status, r.body)
	}
}
