package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/scimtest"
)

// TestOktaEntitlementDiscovery replays Okta's entitlement management
// against the app: GET /ResourceTypes, /Schemas, /Roles and
// /Entitlements with startIndex=1&count=100, then role and entitlement
// assignments through PATCH and PUT, an unknown role or entitlement
// refused with 400 invalidValue, on SQLite and PostgreSQL.
func TestOktaEntitlementDiscovery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "saas.db") }},
		{"Postgres", postgresSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := startApp(t, tc.store(t), testToken)
			target := scimtest.Target{BaseURL: ts.URL + "/scim/v2", Token: testToken, Client: ts.Client()}
			got := scimtest.OktaEntitlements(t, target)
			want := scimtest.Entitlements{"Role": {"admin", "member", "viewer"}, "Entitlement": {"billing", "api-access"}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("discovered (-want +got):\n%s", d)
			}

			req, _ := http.NewRequest("GET", ts.URL+"/scim/v2/Roles?startIndex=1&count=100", nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			res, err := ts.Client().Do(req)
			assert.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			base := ts.URL + "/scim/v2/Roles/"
			assert.JSONEqual(t, body, []byte(strings.ReplaceAll(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"itemsPerPage":3,"startIndex":1,"Resources":[
				{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"admin","displayName":"Administrator","description":"Manages the workspace, its members and billing","meta":{"resourceType":"Role","location":"BASEadmin"}},
				{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"member","displayName":"Member","description":"Creates and edits the workspace's content","meta":{"resourceType":"Role","location":"BASEmember"}},
				{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"viewer","displayName":"Viewer","description":"Reads the workspace's content","meta":{"resourceType":"Role","location":"BASEviewer"}}]}`, "BASE", base)))
		})
	}
}
