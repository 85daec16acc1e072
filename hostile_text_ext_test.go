package scim_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestHostileTextAnswers400Everywhere replays what outside suites sent:
// text POST refuses is refused by PUT, PATCH values and member values and
// filters too, with the same status and scimType, and nothing is stored.
func TestHostileTextAnswers400Everywhere(t *testing.T) {
	h := newHarness(t, nil)
	u := h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated).json(t)
	id := u["id"].(string)
	g := h.do("POST", "/scim/v2/Groups", `{"displayName":"G"}`).expect(t, http.StatusCreated).json(t)
	gid := g["id"].(string)
	patch := func(op string) string { return `{"Operations":[` + op + `]}` }
	long := strings.Repeat("a", 1025)
	tests := []struct {
		name, method, path, body, scimType string
	}{
		{"POST NUL", "POST", "/scim/v2/Users", `{"userName":"a\u0000b"}`, "invalidValue"},
		{"PUT NUL", "PUT", "/scim/v2/Users/" + id, `{"userName":"b","displayName":"\u0000"}`, "invalidValue"},
		{"PATCH NUL", "PATCH", "/scim/v2/Users/" + id, patch(`{"op":"replace","path":"displayName","value":"x\u0000"}`), "invalidValue"},
		{"PATCH lone surrogate", "PATCH", "/scim/v2/Users/" + id, patch(`{"op":"replace","path":"displayName","value":"\ud800"}`), "invalidSyntax"},
		{"PATCH raw 0xFF", "PATCH", "/scim/v2/Users/" + id, patch("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"\xff\"}"), "invalidSyntax"},
		{"PATCH member surrogate", "PATCH", "/scim/v2/Groups/" + gid, patch(`{"op":"add","path":"members","value":[{"value":"\udc00"}]}`), "invalidSyntax"},
		{"PATCH member NUL", "PATCH", "/scim/v2/Groups/" + gid, patch(`{"op":"add","path":"members","value":[{"value":"\u0000"}]}`), "invalidValue"},
		{"filter NUL", "GET", "/scim/v2/Users?filter=" + `userName%20eq%20%22%5Cu0000%22`, "", "invalidFilter"},
		{"POST long userName", "POST", "/scim/v2/Users", `{"userName":"` + long + `"}`, "invalidValue"},
		{"POST long externalId", "POST", "/scim/v2/Users", `{"userName":"c","externalId":"` + long + `"}`, "invalidValue"},
		{"POST long group name", "POST", "/scim/v2/Groups", `{"displayName":"` + long + `"}`, "invalidValue"},
		{"PATCH long userName", "PATCH", "/scim/v2/Users/" + id, patch(`{"op":"replace","path":"userName","value":"` + long + `"}`), "invalidValue"},
		{"POST 1001 schemas", "POST", "/scim/v2/Users", `{"userName":"d","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"` + strings.Repeat(`,"urn:x"`, 1000) + `]}`, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.body).expect(t, http.StatusBadRequest).json(t)
			if r["scimType"] != tt.scimType {
				t.Errorf("scimType = %v, want %s", r["scimType"], tt.scimType)
			}
		})
	}
	got := h.do("GET", "/scim/v2/Users/"+id, "").expect(t, http.StatusOK).json(t)
	if got["userName"] != "bjensen@example.com" || got["displayName"] != nil {
		t.Errorf("user changed: %v", got)
	}
	if m := h.do("GET", "/scim/v2/Groups/"+gid, "").expect(t, http.StatusOK).json(t)["members"]; m != nil {
		t.Errorf("group members = %v", m)
	}
}

// TestPrimaryFalseRoundTrips: "primary": false is stored and returned.
func TestPrimaryFalseRoundTrips(t *testing.T) {
	h := newHarness(t, nil)
	u := h.do("POST", "/scim/v2/Users", `{"userName":"p","emails":[{"value":"a@x","primary":true},{"value":"b@x","primary":false}],
		"phoneNumbers":[{"value":"1","primary":false}],"addresses":[{"country":"NL","primary":false}]}`).expect(t, http.StatusCreated).json(t)
	got := h.do("GET", "/scim/v2/Users/"+u["id"].(string), "").expect(t, http.StatusOK).json(t)
	emails := got["emails"].([]any)
	if emails[1].(map[string]any)["primary"] != false || got["phoneNumbers"].([]any)[0].(map[string]any)["primary"] != false ||
		got["addresses"].([]any)[0].(map[string]any)["primary"] != false {
		t.Errorf("primary false lost: %v", got)
	}
}
