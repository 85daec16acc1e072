package scim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
)

// FuzzHandler sends arbitrary requests to a server holding one user and
// one group: whatever the input, the answer is never a 5xx, and every body
// is a SCIM JSON document (DEVELOPERS.md: bad input gets a SCIM error
// envelope, never a panic or a 500).
func FuzzHandler(f *testing.F) {
	for _, s := range []struct{ method, target, body string }{
		{"GET", `/Users?filter=userName eq "bjensen@example.com"`, ""},
		{"GET", `/Users?filter=emails[type eq "work"].value co "@"&sortBy=name.familyName&sortOrder=descending&startIndex=0&count=-1`, ""},
		{"GET", `/Groups/g1?excludedAttributes=members&attributes=displayName`, ""},
		{"POST", "/Users", bjensen},
		{"POST", "/Groups", `{"displayName":"x","members":[{"value":"u1","$ref":null}]}`},
		{"PUT", "/Users/u1", `{"userName":"b","active":"False","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"u1"}}`},
		{"PATCH", "/Users/u1", `{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x@y"},{"op":"add","value":{"name.givenName":"G"}}]}`},
		{"PATCH", "/Groups/g1", `{"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]}`},
		{"POST", "/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"id pr","count":1}`},
		{"DELETE", "/Groups/g1", ""},
		{"GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", ""},
		{"GET", "/Users?count=1&cursor", ""},
		{"GET", "/Users?count=1&cursor=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA", ""},
		{"POST", "/.search", `{"cursor":"","count":1}`},
	} {
		f.Add(s.method, s.target, s.body)
	}
	f.Fuzz(func(t *testing.T, method, target, body string) {
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD":
		default:
			method = "GET"
		}
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		srv, err := scim.New(scim.Config{Store: memory.New(), Authenticate: scim.NoAuthentication, NewID: func() string { return "x" }})
		if err != nil {
			t.Fatal(err)
		}
		for _, setup := range []struct{ path, body string }{{"/Users", `{"userName":"bjensen@example.com"}`}, {"/Groups", `{"displayName":"g"}`}} {
			req := httptest.NewRequest("POST", setup.path, strings.NewReader(setup.body))
			srv.ServeHTTP(httptest.NewRecorder(), req)
		}
		req, err := http.NewRequest(method, "http://example.com"+target, strings.NewReader(body))
		if err != nil {
			return // not a request net/http would deliver
		}
		req.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q %q: %d %s", method, target, body, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusNoContent || rec.Code == http.StatusNotModified || method == "HEAD" {
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/scim+json; charset=utf-8" {
			t.Fatalf("%s %q: Content-Type %q", method, target, ct)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q %q: body is not JSON: %s", method, target, body, rec.Body)
		}
	})
}
