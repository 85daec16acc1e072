package scim_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store/memory"
)

// Register a custom extension schema with typed attributes, require it on
// every user, and serve Entra's custom attribute mappings: a create with
// the URN-prefixed keys, a PATCH with the URN path, a typed filter.
func ExampleConfig_userExtensions() {
	const acme = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
	var tokens scim.Tokens
	tokens.Add("token", "tenant")
	srv, err := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: tokens.Authenticate,
		NewID:        func() string { return "u1" },
		UserExtensions: []*resource.Schema{{ID: acme, Name: "AcmeUser", Attributes: []*resource.Attribute{
			{Name: "costCenter", Type: resource.TypeString, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
			{Name: "badgeNumber", Type: resource.TypeInteger, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
			{Name: "hired", Type: resource.TypeDateTime, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
			{Name: "level", Type: resource.TypeString, CanonicalValues: []string{"junior", "senior"}, CanonicalOnly: true},
		}}},
		RequiredExtensions: []string{acme},
	})
	if err != nil {
		panic(err)
	}
	do := func(method, path, body string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer token")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		out := rec.Body.String()
		if i := strings.Index(out, `,"meta"`); i > 0 {
			out = out[:i] + "}" // meta left out for brevity
		}
		fmt.Println(rec.Code, out)
	}
	do("POST", "/Users", `{"userName":"bjensen"}`) // the required extension is missing
	do("POST", "/Users", `{"userName":"bjensen","`+acme+`:costCenter":"Sales","`+acme+`:badgeNumber":10,"`+acme+`:hired":"2024-01-02T10:00:00+02:00"}`)
	do("PATCH", "/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"`+acme+`:badgeNumber","value":"11"}]}`)
	do("PATCH", "/Users/u1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"`+acme+`:level":"senior"}}]}`)
	// Integers compare as numbers (10 > 9), dateTimes as instants.
	do("GET", "/Users?attributes=userName&filter="+url.QueryEscape(acme+`:badgeNumber gt 9 and `+acme+`:hired lt "2024-01-02T08:30:00Z"`), "")
	// Output:
	// 400 {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"extension \"urn:ietf:params:scim:schemas:extension:acme:2.0:User\" is required for User: send at least one of its attributes"}
	// 201 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:acme:2.0:User"],"id":"u1","userName":"bjensen","urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCenter":"Sales","badgeNumber":10,"hired":"2024-01-02T10:00:00+02:00"}}
	// 400 {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"attribute \"urn:ietf:params:scim:schemas:extension:acme:2.0:User:badgeNumber\" must be an integer, not a string"}
	// 200 {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:acme:2.0:User"],"id":"u1","userName":"bjensen","urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCenter":"Sales","badgeNumber":10,"hired":"2024-01-02T10:00:00+02:00","level":"senior"}}
	// 200 {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"bjensen"}]}
}
