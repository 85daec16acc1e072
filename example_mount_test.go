package scim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// Mount the server under an app's existing mux at /scim/v2, with one
// bearer token per tenant, and replay Entra's Test Connection request.
func Example_mount() {
	var tokens scim.Tokens
	tokens.Add("secret-token-for-acme", "acme") // the Secret Token pasted into the IdP

	srv, err := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: tokens.Authenticate,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))

	// Entra's Test Connection: a filter on a random userName must answer 200
	// with an empty ListResponse.
	req := httptest.NewRequest("GET", `/scim/v2/Users?filter=userName+eq+%22e3b0c442-98fc-1c14%22`, nil)
	req.Header.Set("Authorization", "Bearer secret-token-for-acme")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 application/scim+json; charset=utf-8
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}
}

// Create a user as Entra does, with the enterprise extension, and read back
// the 201 response.
func Example_createUser() {
	var tokens scim.Tokens
	tokens.Add("t0ken", "acme")
	srv, _ := scim.New(scim.Config{
		Store:        memory.New(),
		Authenticate: tokens.Authenticate,
		Clock:        func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) },
		NewID:        func() string { return "2819c223" },
		BaseURL:      func(*http.Request) string { return "https://app.example.com/scim/v2" },
	})
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2","userName":"Test_User_1@contoso.com","active":true,
		"emails":[{"primary":true,"type":"work","value":"Test_User_1@contoso.com"}],
		"meta":{"resourceType":"User"},"name":{"familyName":"User","givenName":"Test"},"roles":[],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`
	req := httptest.NewRequest("POST", "/Users", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	fmt.Println(rec.Body.String())
	// Output:
	// 201 https://app.example.com/scim/v2/Users/2819c223
	// {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"2819c223","externalId":"0a21f0f2","userName":"Test_User_1@contoso.com","name":{"familyName":"User","givenName":"Test"},"active":true,"emails":[{"value":"Test_User_1@contoso.com","type":"work","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"},"meta":{"resourceType":"User","created":"2026-05-01T12:00:00Z","lastModified":"2026-05-01T12:00:00Z","location":"https://app.example.com/scim/v2/Users/2819c223","version":"W/\"1\""}}
}
