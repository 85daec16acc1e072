package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scimkit/scim/connection"
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// TestStrictRefusesUnknownAttributes: a connection with the Strict
// profile refuses an attribute the User schema does not define (400
// invalidSyntax naming it), in a POST body and a path-less PATCH value;
// the entra profile keeps it, as before. A PATCH path naming one is
// invalidPath under both.
func TestStrictRefusesUnknownAttributes(t *testing.T) {
	h := newConnHarness(t)
	entraTenant := uniqueTenant(t) + "-entra"
	entra := h.enable(entraTenant, connection.Entra)
	strict := h.enable(uniqueTenant(t)+"-strict", connection.Strict)
	const body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","favouriteColour":"red"}`
	res := h.do("POST", "/scim/v2/Users", entra, body).expect(t, http.StatusCreated)
	if got := res.json(t)["favouriteColour"]; got != "red" {
		t.Errorf("entra: favouriteColour = %v, want it kept", got)
	}
	id := res.json(t)["id"].(string)
	res = h.do("POST", "/scim/v2/Users", strict, body).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidSyntax" || !strings.Contains(fmt.Sprint(m["detail"]), `"favouriteColour"`) {
		t.Errorf("strict POST: %s, want invalidSyntax naming favouriteColour", res.body)
	}
	for _, tc := range []struct{ body, name string }{
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"b","name":{"givenName":"B","nick":"x"}}`, `"name.nick"`},
		{`{"userName":"b","emails":[{"value":"b@example.com","label":"home"}]}`, `"emails.label"`},
		{`{"userName":"b","` + enterpriseURN + `":{"shoeSize":9}}`, `"` + enterpriseURN + `:shoeSize"`},
	} {
		res = h.do("POST", "/scim/v2/Users", strict, tc.body).expect(t, http.StatusBadRequest)
		if m := res.json(t); m["scimType"] != "invalidSyntax" || !strings.Contains(fmt.Sprint(m["detail"]), tc.name) {
			t.Errorf("strict POST %s: %s, want invalidSyntax naming %s", tc.body, res.body, tc.name)
		}
	}
	strictUser := h.do("POST", "/scim/v2/Users", strict, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"s"}`).expect(t, http.StatusCreated).json(t)["id"].(string)
	patch := patchOp + `[{"op":"add","value":{"favouriteColour":"blue"}}]}`
	h.do("PATCH", "/scim/v2/Users/"+id, entra, patch).expect(t, http.StatusOK)
	res = h.do("PATCH", "/scim/v2/Users/"+strictUser, strict, patch).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidSyntax" || !strings.Contains(fmt.Sprint(m["detail"]), `"favouriteColour"`) {
		t.Errorf("strict PATCH: %s, want invalidSyntax naming favouriteColour", res.body)
	}
	pathed := patchOp + `[{"op":"add","path":"favouriteColour","value":"blue"}]}`
	if m := h.do("PATCH", "/scim/v2/Users/"+strictUser, strict, pathed).expect(t, http.StatusBadRequest).json(t); m["scimType"] != "invalidPath" {
		t.Errorf("strict PATCH with the path: %v, want invalidPath", m)
	}
	if m := h.do("PATCH", "/scim/v2/Users/"+id, entra, pathed).expect(t, http.StatusBadRequest).json(t); m["scimType"] != "invalidPath" {
		t.Errorf("entra PATCH with the path: %v, want invalidPath", m)
	}
	// A connection switched to strict can still patch and replace a user
	// that keeps an unknown attribute from before: only what the request
	// sends is refused.
	if _, err := h.m.Save(context.Background(), connection.Connection{Tenant: entraTenant, Enabled: true, Profile: connection.Strict}); err != nil {
		t.Fatal(err)
	}
	res = h.do("PATCH", "/scim/v2/Users/"+id, entra, patchOp+`[{"op":"replace","path":"title","value":"Boss"}]}`).expect(t, http.StatusOK)
	if m := res.json(t); m["title"] != "Boss" || m["favouriteColour"] != "blue" {
		t.Errorf("strict PATCH of a user with an unknown attribute: %s", res.body)
	}
}
