package scim_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/quirk"
)

// quirkHarness is a server whose Authenticate hook turns off, for one
// request, the tolerances named by its X-Quirks-Off header (a number),
// with scim.WithQuirks; requests without it get the server's default.
func quirkHarness(t *testing.T) *harness {
	return newHarness(t, func(c *scim.Config) {
		auth := c.Authenticate
		c.Authenticate = func(r *http.Request) (context.Context, error) {
			ctx, err := auth(r)
			if err != nil {
				return ctx, err
			}
			if v := r.Header.Get("X-Quirks-Off"); v != "" {
				n, _ := strconv.ParseUint(v, 10, 32)
				ctx = scim.WithQuirks(ctx, quirk.All.Without(quirk.Set(n)))
			}
			return ctx, nil
		}
	})
}

// quirkRequest is one request that needs a tolerance.
type quirkRequest struct {
	where        string // decoding, PATCH or filter
	method, path string
	body         string
	on           int    // status with the tolerance on
	off          int    // status with it off
	offScimType  string // scimType with it off, when off is 400
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`

// TestQuirksPerRequest: for every tolerance, each request that needs it
// succeeds with it on, and on the same server a request whose
// Authenticate hook turned it off with scim.WithQuirks gets the strict
// answer, everywhere the tolerance applies (decoding, PATCH, filters).
func TestQuirksPerRequest(t *testing.T) {
	user := "/scim/v2/Users/id-1"
	group := "/scim/v2/Groups/id-2"
	cases := []struct {
		name string
		q    quirk.Set
		reqs []quirkRequest
	}{
		{"OpCase", quirk.OpCase, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"Replace","path":"title","value":"Boss"}]}`, on: 200, off: 400, offScimType: "invalidSyntax"}}},
		{"KeyCase", quirk.KeyCase, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"replace","path":"title","value":"Boss"}]}`, on: 200, off: 400, offScimType: "invalidSyntax"}}},
		{"MissingSchemas", quirk.MissingSchemas, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: `{"Operations":[{"op":"replace","path":"title","value":"Boss"}]}`, on: 200, off: 400, offScimType: "invalidSyntax"}}},
		{"EmptyOperations", quirk.EmptyOperations, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[]}`, on: 200, off: 400, offScimType: "invalidSyntax"}}},
		{"BoolStrings", quirk.BoolStrings, []quirkRequest{
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","active":"True","emails":[{"value":"a@b.c","primary":"true"}]}`, on: 201, off: 400, offScimType: "invalidValue"},
			{where: "decoding", method: "PUT", path: user, body: `{"userName":"bjensen@example.com","active":"False"}`, on: 200, off: 400, offScimType: "invalidValue"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"replace","path":"active","value":"False"}]}`, on: 200, off: 400, offScimType: "invalidValue"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"emails[type eq \"other\" and primary eq \"True\"].value","value":"o@b.c"}]}`, on: 200, off: 400, offScimType: "noTarget"},
			{where: "filter", method: "GET", path: `/scim/v2/Users?filter=active+eq+%22True%22`, on: 200, off: 400, offScimType: "invalidFilter"},
			{where: "filter", method: "GET", path: `/scim/v2/Users?filter=emails%5Bprimary+eq+%22true%22%5D`, on: 200, off: 400, offScimType: "invalidFilter"},
			{where: "filter", method: "POST", path: "/scim/v2/.search", body: `{"filter":"active eq \"False\""}`, on: 200, off: 400, offScimType: "invalidFilter"},
		}},
		{"PathlessPaths", quirk.PathlessPaths, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"replace","value":{"name.givenName":"Kkom"}}]}`, on: 200, off: 400, offScimType: "invalidPath"}}},
		{"RemoveByValue", quirk.RemoveByValue, []quirkRequest{
			// Off, RFC 7644 §3.5.2.2 removes every member: still 204.
			{where: "PATCH", method: "PATCH", path: group, body: patchOp + `[{"op":"Remove","path":"members","value":[{"value":"nobody"}]}]}`, on: 204, off: 204}}},
		{"CreateOnNoMatch", quirk.CreateOnNoMatch, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"addresses[type eq \"t{{n}}\"].country","value":"AU"}]}`, on: 200, off: 400, offScimType: "noTarget"}}},
		{"ManagerString", quirk.ManagerString, []quirkRequest{
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m-1"}}`, on: 201, off: 400, offScimType: "invalidValue"},
			{where: "decoding", method: "PUT", path: user, body: `{"userName":"bjensen@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":""}`, on: 200, off: 400, offScimType: "invalidValue"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"manager","value":"m-1"}]}`, on: 200, off: 400, offScimType: "invalidValue"}}},
		{"UnwrapArray", quirk.UnwrapArray, []quirkRequest{
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","name":[{"givenName":"B"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"m-1"}]}}`, on: 201, off: 400, offScimType: "invalidValue"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"manager","value":[{"value":"m-2"}]}]}`, on: 200, off: 400, offScimType: "invalidValue"}}},
		{"LoneObject", quirk.LoneObject, []quirkRequest{
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","emails":{"type":"work","value":"w@b.c"}}`, on: 201, off: 400, offScimType: "invalidValue"},
			{where: "decoding", method: "POST", path: "/scim/v2/Groups", body: `{"displayName":"G{{n}}","members":{"value":"id-1"}}`, on: 201, off: 400, offScimType: "invalidValue"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"replace","path":"emails","value":{"type":"work","value":"w@b.c"}}]}`, on: 200, off: 400, offScimType: "invalidValue"}}},
		{"RoleStrings", quirk.RoleStrings, []quirkRequest{
			// Off, the string is stored as sent.
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"roles","value":[{"value":"{\"id\":\"r1\",\"value\":\"25\",\"displayName\":\"Role\"}"}]}]}`, on: 200, off: 200}}},
		{"ReadOnlyValues", quirk.ReadOnlyValues, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"replace","value":{"meta":{"resourceType":"Person"},"title":"T"}}]}`, on: 200, off: 400, offScimType: "mutability"}}},
		{"IdempotentRemove", quirk.IdempotentRemove, []quirkRequest{
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"remove","path":"emails[value eq \"absent@b.c\"]"}]}`, on: 200, off: 400, offScimType: "noTarget"}}},
		{"UnknownAttributes", quirk.UnknownAttributes, []quirkRequest{
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","favouriteColour":"red"}`, on: 201, off: 400, offScimType: "invalidSyntax"},
			{where: "decoding", method: "POST", path: "/scim/v2/Users", body: `{"userName":"new-{{n}}","name":{"givenName":"A","nick":"x"}}`, on: 201, off: 400, offScimType: "invalidSyntax"},
			{where: "decoding", method: "PUT", path: user, body: `{"userName":"bjensen@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"shoeSize":9}}`, on: 200, off: 400, offScimType: "invalidSyntax"},
			{where: "decoding", method: "POST", path: "/scim/v2/Groups", body: `{"displayName":"G{{n}}","members":[{"value":"id-1","label":"x"}]}`, on: 201, off: 400, offScimType: "invalidSyntax"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","value":{"favouriteColour":"red"}}]}`, on: 200, off: 400, offScimType: "invalidSyntax"},
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"name","value":{"nick":"x"}}]}`, on: 200, off: 400, offScimType: "invalidSyntax"},
			{where: "PATCH", method: "PATCH", path: group, body: patchOp + `[{"op":"add","path":"members","value":[{"value":"id-1","label":"x"}]}]}`, on: 204, off: 400, offScimType: "invalidSyntax"},
			// A path naming an undefined attribute is invalidPath either way.
			{where: "PATCH", method: "PATCH", path: user, body: patchOp + `[{"op":"add","path":"favouriteColour","value":"red"}]}`, on: 400, off: 400, offScimType: "invalidPath"}}},
	}
	covered := quirk.Set(0)
	for _, tc := range cases {
		covered |= tc.q
		t.Run(tc.name, func(t *testing.T) {
			h := quirkHarness(t)
			h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"G","members":[{"value":"id-1"}]}`).expect(t, http.StatusCreated)
			for i, rq := range tc.reqs {
				// {{n}} makes each request's new values its own.
				on := h.do(rq.method, rq.path, replaceN(rq.body, 2*i))
				if on.status != rq.on {
					t.Errorf("%s %s %s with %s on: status %d, want %d; %s", rq.where, rq.method, rq.path, tc.name, on.status, rq.on, on.body)
				}
				off := h.do(rq.method, rq.path, replaceN(rq.body, 2*i+1), "X-Quirks-Off: "+strconv.FormatUint(uint64(tc.q), 10))
				if off.status != rq.off {
					t.Errorf("%s %s %s with %s off: status %d, want %d; %s", rq.where, rq.method, rq.path, tc.name, off.status, rq.off, off.body)
					continue
				}
				if rq.offScimType != "" {
					if m := off.json(t); m["scimType"] != rq.offScimType {
						t.Errorf("%s %s %s with %s off: %s, want scimType %s", rq.where, rq.method, rq.path, tc.name, off.body, rq.offScimType)
					}
				}
			}
		})
	}
	if covered != quirk.All {
		t.Errorf("tolerances without a case: %b", quirk.All&^covered)
	}
}

func replaceN(s string, n int) string { return strings.ReplaceAll(s, "{{n}}", strconv.Itoa(n)) }
