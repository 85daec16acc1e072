package activity_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/store/memory"
)

// An app wires a Recorder as the handler's Observe and shows the tenant's
// log, newest first, on its settings page; FailuresOnly is the page's
// "failures" filter and the cursor its "older" link.
func Example() {
	log := activity.NewMemoryStore(activity.Retention{}) // or sqlstore's Store.Activity()
	rec := activity.NewRecorder(log, activity.Options{})
	var tokens scim.Tokens
	tokens.Add("secret-token", "acme")
	srv, _ := scim.New(scim.Config{Store: memory.New(), Authenticate: tokens.Authenticate, Observe: rec.Observe,
		Logger: slog.New(slog.DiscardHandler)})

	for _, body := range []string{`{"userName":"ada"}`, `{"userName":"ada"}`, `{"userName":"bob","active":"True"}`} {
		r := httptest.NewRequest("POST", "/Users", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer secret-token")
		r.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
		srv.ServeHTTP(httptest.NewRecorder(), r)
	}
	_ = rec.Flush(context.Background())

	page, next, _ := log.List(context.Background(), "acme", activity.Filter{Limit: 2})
	for _, e := range page {
		fmt.Println(e.IdP, e.Method, e.Target(), e.Status, e.Outcome, e.ScimType, e.Quirks)
	}
	older, _, _ := log.List(context.Background(), "acme", activity.Filter{Before: next})
	fmt.Println("older:", len(older))
	failures, _, _ := log.List(context.Background(), "acme", activity.Filter{FailuresOnly: true})
	fmt.Println("failures:", len(failures), failures[0].Detail != "")
	_ = rec.Close(context.Background())
	// Output:
	// okta POST /Users 201 ok  [entra-bool-strings]
	// okta POST /Users 409 client_error uniqueness []
	// older: 1
	// failures: 1 true
}
