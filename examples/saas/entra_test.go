package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Request bodies from Microsoft's tutorial "Develop and plan provisioning
// for a SCIM endpoint in Microsoft Entra ID"
// (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
const (
	// entraUserName is the UPN of the tutorial's test user.
	entraUserName = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"

	// entraCreateUser is the tutorial's POST /Users body: the read-only
	// meta and the empty roles of the current example, and the explicit
	// nulls (addresses, phoneNumbers, title, manager) of the older one.
	// department carries a value, as Entra's default mapping sends it for
	// a user who has one.
	entraCreateUser = `{
		"schemas": [
			"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
		"active": true,
		"addresses": null,
		"emails": [{
			"primary": true,
			"type": "work",
			"value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
		}],
		"meta": {"resourceType": "User"},
		"name": {
			"formatted": "givenName familyName",
			"familyName": "familyName",
			"givenName": "givenName"
		},
		"phoneNumbers": null,
		"title": null,
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
			"department": "Sales",
			"manager": null
		},
		"roles": []
	}`

	// entraCreateGroup is the tutorial's POST /Groups body, with
	// Microsoft's non-SCIM ADSCIM schema URI in schemas.
	entraCreateGroup = `{
		"schemas": [
			"urn:ietf:params:scim:schemas:core:2.0:Group",
			"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
		"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
		"displayName": "displayName",
		"meta": {"resourceType": "Group"}
	}`

	// emptyList is the answer to a filter that matches nothing: 200 and an
	// empty ListResponse, never 404 (Entra quarantines the job on a 404;
	// docs/idp-compatibility.md#empty-list).
	emptyList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`
)

// filterQuery returns "?filter=<f>" URL-encoded, as Entra sends it.
func filterQuery(f string) string { return "?filter=" + url.QueryEscape(f) }

// TestEntraProvisioningCycle replays the Microsoft Entra ID create flow
// against the app, exactly as Microsoft documents it, and checks both the
// SCIM responses and the app's own tables.
func TestEntraProvisioningCycle(t *testing.T) {
	app, ts := testServer(t)
	entra := newIdP(t, ts)

	// Without the Secret Token: 401 in SCIM form, with the challenge.
	anon := *entra
	anon.token = ""
	r := anon.do("GET", "/Users"+filterQuery(`userName eq "x"`), "")
	entra.want(r, http.StatusUnauthorized, "request without token")
	if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
	}
	body := r.object(t)
	if body["status"] != "401" || !hasSchema(body, "urn:ietf:params:scim:api:messages:2.0:Error") {
		t.Errorf("401 body %s, want a SCIM Error with status \"401\"", r.body)
	}

	// Test Connection: a user that cannot exist, by the matching attribute.
	// The Tenant URL may carry the aadOptscim062020 flag, which Entra keeps
	// on every request.
	for _, q := range []string{
		filterQuery(`userName eq "8c0bb1c4-7e5e-4b0c-a0c9-2d2b7e1f3a77"`),
		filterQuery(`userName eq "8c0bb1c4-7e5e-4b0c-a0c9-2d2b7e1f3a77"`) + "&aadOptscim062020",
		"?aadOptscim062020&" + filterQuery(`userName eq "8c0bb1c4-7e5e-4b0c-a0c9-2d2b7e1f3a77"`)[1:],
	} {
		r := entra.do("GET", "/Users"+q, "")
		entra.want(r, http.StatusOK, "Test Connection "+q)
		if got := string(r.body); got != emptyList {
			t.Errorf("Test Connection %s:\n got %s\nwant %s", q, got, emptyList)
		}
	}

	// Matching: Entra looks the user up by userName, then externalId.
	for _, f := range []string{`userName eq "` + entraUserName + `"`, `externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`} {
		r := entra.do("GET", "/Users"+filterQuery(f), "")
		entra.want(r, http.StatusOK, "lookup before create")
		diffJSON(t, "lookup before create "+f, emptyList, r.object(t))
	}

	// No match: POST /Users.
	r = entra.do("POST", "/Users", entraCreateUser)
	entra.want(r, http.StatusCreated, "POST /Users")
	user := r.object(t)
	id, _ := user["id"].(string)
	if id == "" {
		t.Fatalf("POST /Users returned no id:\n%s", r.body)
	}
	location := entra.base + "/Users/" + id
	if got := r.header.Get("Location"); got != location {
		t.Errorf("Location %q, want %q", got, location)
	}
	if got := r.header.Get("ETag"); got != `W/"1"` {
		t.Errorf("ETag %q, want W/\"1\"", got)
	}
	// The nulls and the empty roles are unassigned values: not echoed.
	// The read-only meta is the server's; groups is empty and omitted.
	wantUser := `{
		"schemas": [
			"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"id": "` + id + `",
		"externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
		"name": {
			"formatted": "givenName familyName",
			"familyName": "familyName",
			"givenName": "givenName"
		},
		"active": true,
		"emails": [{
			"value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com",
			"type": "work",
			"primary": true
		}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
		"meta": {
			"resourceType": "User",
			"created": "2026-01-02T03:04:05Z",
			"lastModified": "2026-01-02T03:04:05Z",
			"location": "` + location + `",
			"version": "W/\"1\""
		}
	}`
	diffJSON(t, "POST /Users", wantUser, user)

	// Entra caches the id and reads the user by it.
	r = entra.do("GET", "/Users/"+id, "")
	entra.want(r, http.StatusOK, "GET /Users/{id}")
	diffJSON(t, "GET /Users/{id}", wantUser, r.object(t))

	// The lookups now find it, userName in any case (caseExact false).
	for _, f := range []string{
		`userName eq "` + entraUserName + `"`,
		`userName eq "` + strings.ToUpper(entraUserName) + `"`,
		`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`,
	} {
		r := entra.do("GET", "/Users"+filterQuery(f), "")
		entra.want(r, http.StatusOK, "lookup after create")
		diffJSON(t, "lookup after create "+f, `{
			"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
			"totalResults": 1, "itemsPerPage": 1, "startIndex": 1,
			"Resources": [`+wantUser+`]}`, r.object(t))
	}
	// A second POST of the same userName, in another case, is a conflict.
	r = entra.do("POST", "/Users", strings.Replace(entraCreateUser, entraUserName, strings.ToLower(entraUserName), 1))
	entra.want(r, http.StatusConflict, "POST /Users again")
	if got := r.object(t)["scimType"]; got != "uniqueness" {
		t.Errorf("duplicate POST scimType %v, want uniqueness", got)
	}

	// The app's own tables hold the account: the mapping worked.
	acct, err := app.DB.AccountByID(t.Context(), "acme", id)
	if err != nil {
		t.Fatalf("account %s not in the app's DB: %v", id, err)
	}
	gotAcct := map[string]any{
		"Email": acct.Email, "GivenName": acct.GivenName, "FamilyName": acct.FamilyName,
		"FullName": acct.FullName, "DisplayName": acct.DisplayName(), "JobTitle": acct.JobTitle,
		"Department": acct.Department, "ManagerID": acct.ManagerID, "Disabled": acct.Disabled,
		"SCIMExternalID": acct.SCIMExternalID, "Version": float64(acct.Version),
	}
	diffJSON(t, "the account row", `{
		"Email": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
		"GivenName": "givenName", "FamilyName": "familyName",
		"FullName": "", "DisplayName": "givenName familyName", "JobTitle": "",
		"Department": "Sales", "ManagerID": "", "Disabled": false,
		"SCIMExternalID": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "Version": 1}`, gotAcct)

	// Groups: look up by displayName without members, then create.
	groupLookup := "/Groups?excludedAttributes=members&" + filterQuery(`displayName eq "displayName"`)[1:]
	r = entra.do("GET", groupLookup, "")
	entra.want(r, http.StatusOK, "group lookup before create")
	diffJSON(t, "group lookup before create", emptyList, r.object(t))

	r = entra.do("POST", "/Groups", entraCreateGroup)
	entra.want(r, http.StatusCreated, "POST /Groups")
	group := r.object(t)
	gid, _ := group["id"].(string)
	glocation := entra.base + "/Groups/" + gid
	if got := r.header.Get("Location"); gid == "" || got != glocation {
		t.Errorf("POST /Groups: id %q, Location %q", gid, got)
	}
	// The ADSCIM URI is not a schema the server has: schemas lists only
	// the core Group schema.
	wantGroup := `{
		"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
		"id": "` + gid + `",
		"externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
		"displayName": "displayName",
		"meta": {
			"resourceType": "Group",
			"created": "2026-01-02T03:04:05Z",
			"lastModified": "2026-01-02T03:04:05Z",
			"location": "` + glocation + `",
			"version": "W/\"1\""
		}
	}`
	diffJSON(t, "POST /Groups", wantGroup, group)

	r = entra.do("GET", groupLookup, "")
	entra.want(r, http.StatusOK, "group lookup after create")
	diffJSON(t, "group lookup after create", `{
		"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
		"totalResults": 1, "itemsPerPage": 1, "startIndex": 1,
		"Resources": [`+wantGroup+`]}`, r.object(t))
	if team, err := app.DB.TeamByID(t.Context(), "acme", gid, true); err != nil || team.Name != "displayName" || len(team.Members) != 0 {
		t.Errorf("team row: %+v, %v; want team \"displayName\" without members", team, err)
	}

	// Hard delete (30 days after the soft delete in Entra): 204, then 404.
	r = entra.do("DELETE", "/Users/"+id, "")
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("DELETE /Users/{id}: %d %q, want 204 and no body", r.status, r.body)
	}
	r = entra.do("GET", "/Users/"+id, "")
	entra.want(r, http.StatusNotFound, "GET after DELETE")
	notFound := r.object(t)
	if notFound["status"] != "404" || !hasSchema(notFound, "urn:ietf:params:scim:api:messages:2.0:Error") ||
		!strings.Contains(notFound["detail"].(string), id) {
		t.Errorf("404 body %s, want a SCIM Error naming the id", r.body)
	}
	if _, err := app.DB.AccountByID(t.Context(), "acme", id); err == nil {
		t.Error("the account is still in the app's DB after DELETE")
	}

	r = entra.do("DELETE", "/Groups/"+gid, "")
	if r.status != http.StatusNoContent {
		t.Errorf("DELETE /Groups/{id}: %d, want 204", r.status)
	}
	r = entra.do("GET", "/Groups/"+gid, "")
	entra.want(r, http.StatusNotFound, "GET group after DELETE")
}

// hasSchema reports whether the decoded SCIM body lists urn in schemas.
func hasSchema(body map[string]any, urn string) bool {
	ss, _ := body["schemas"].([]any)
	for _, s := range ss {
		if s == urn {
			return true
		}
	}
	return false
}
