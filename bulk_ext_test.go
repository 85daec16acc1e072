package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// bulkBackends are the stores the /Bulk tests run on.
var bulkBackends = []struct {
	name string
	new  func(t *testing.T) store.Store
}{
	{"memory", func(t *testing.T) store.Store { return memory.New() }},
	{"sqlite", func(t *testing.T) store.Store { return openSQLStore(t, sqliteTestDB(t), sqlstore.SQLite) }},
}

// eachBulkBackend runs f on a harness over each backend.
func eachBulkBackend(t *testing.T, mod func(*scim.Config), f func(t *testing.T, h *harness)) {
	for _, b := range bulkBackends {
		t.Run(b.name, func(t *testing.T) {
			h := newHarness(t, func(c *scim.Config) {
				c.Store = b.new(t)
				if mod != nil {
					mod(c)
				}
			})
			f(t, h)
		})
	}
}

// bulkResult is one entry of a BulkResponse's Operations.
type bulkResult struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Location string          `json:"location,omitempty"`
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response,omitempty"`
}

// scimType returns the scimType of a failed operation's response.
func (r bulkResult) scimType(t *testing.T) string {
	t.Helper()
	if r.Response == nil {
		return ""
	}
	var e struct {
		Status   string `json:"status"`
		ScimType string `json:"scimType"`
	}
	if err := json.Unmarshal(r.Response, &e); err != nil {
		t.Fatalf("response of %s is not a SCIM error: %v: %s", r.Method, err, r.Response)
	}
	if e.Status != r.Status {
		t.Errorf("response status %q, operation status %q", e.Status, r.Status)
	}
	return e.ScimType
}

const bulkRequestHead = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],`

// bulk posts a BulkRequest with operations ops (JSON objects) and returns
// the results; the answer must be a 200 BulkResponse.
func (h *harness) bulk(t *testing.T, extra string, ops ...string) []bulkResult {
	t.Helper()
	res := h.do("POST", "/scim/v2/Bulk", bulkRequestHead+extra+`"Operations":[`+strings.Join(ops, ",")+`]}`).expect(t, http.StatusOK)
	var br struct {
		Schemas    []string     `json:"schemas"`
		Operations []bulkResult `json:"Operations"`
	}
	if err := json.Unmarshal(res.body, &br); err != nil {
		t.Fatalf("not a BulkResponse: %v: %s", err, res.body)
	}
	assert.Equal(t, br.Schemas, []string{"urn:ietf:params:scim:api:messages:2.0:BulkResponse"})
	if br.Operations == nil {
		t.Fatalf("BulkResponse without Operations: %s", res.body)
	}
	return br.Operations
}

// statuses returns "STATUS scimType" of each result.
func statuses(t *testing.T, rs []bulkResult) []string {
	t.Helper()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = strings.TrimSpace(r.Status + " " + r.scimType(t))
	}
	return out
}

func userOp(bulkID, userName string) string {
	return `{"method":"POST","path":"/Users","bulkId":"` + bulkID + `","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName + `"}}`
}

func groupOp(bulkID, name string, members ...string) string {
	ms := make([]string, len(members))
	for i, m := range members {
		ms[i] = `{"value":"` + m + `"}`
	}
	return `{"method":"POST","path":"/Groups","bulkId":"` + bulkID + `","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + name + `","members":[` + strings.Join(ms, ",") + `]}}`
}

// memberIDs returns the member ids of group id, read through GET.
func (h *harness) memberIDs(t *testing.T, id string) []string {
	t.Helper()
	var g struct {
		Members []struct{ Value string } `json:"members"`
	}
	res := h.do("GET", "/scim/v2/Groups/"+id, "").expect(t, http.StatusOK)
	if err := json.Unmarshal(res.body, &g); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, m := range g.Members {
		ids = append(ids, m.Value)
	}
	return ids
}

// total returns the totalResults of GET path.
func (h *harness) total(t *testing.T, path string) float64 {
	t.Helper()
	return h.do("GET", "/scim/v2"+path, "").expect(t, http.StatusOK).json(t)["totalResults"].(float64)
}

// TestBulkRFCExampleUserAndGroup is RFC 7644 §3.7.2's example: the group
// that references the user by bulkId comes first and waits for the user;
// a later PATCH names the group by bulkId in its path and adds a second
// user by bulkId in its value.
func TestBulkRFCExampleUserAndGroup(t *testing.T) {
	eachBulkBackend(t, nil, func(t *testing.T, h *harness) {
		rs := h.bulk(t, "",
			groupOp("ytrewq", "Tour Guides", "bulkId:qwerty"),
			userOp("qwerty", "alice@example.com"),
			`{"method":"PATCH","path":"/Groups/bulkId:ytrewq","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
				"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:zxcvb"}]}]}}`,
			userOp("zxcvb", "bob@example.com"),
		)
		// The user is created first (id-1), the group after it (id-2), the
		// PATCH after the second user (id-3); answered in request order.
		assert.Equal(t, rs, []bulkResult{
			{Method: "POST", BulkID: "ytrewq", Version: rs[0].Version, Location: "http://scim.example.com/scim/v2/Groups/id-2", Status: "201"},
			{Method: "POST", BulkID: "qwerty", Version: rs[1].Version, Location: "http://scim.example.com/scim/v2/Users/id-1", Status: "201"},
			{Method: "PATCH", Version: rs[2].Version, Location: "http://scim.example.com/scim/v2/Groups/id-2", Status: "204"},
			{Method: "POST", BulkID: "zxcvb", Version: rs[3].Version, Location: "http://scim.example.com/scim/v2/Users/id-3", Status: "201"},
		})
		for i, r := range rs {
			if !strings.HasPrefix(r.Version, `W/"`) {
				t.Errorf("operation %d: version %q, want the ETag", i, r.Version)
			}
		}
		assert.Equal(t, h.memberIDs(t, "id-2"), []string{"id-1", "id-3"})
		// The version is the resource's ETag: the PATCH's is the group's now.
		if got := h.do("GET", "/scim/v2/Groups/id-2", "").expect(t, http.StatusOK).header.Get("ETag"); got != rs[2].Version {
			t.Errorf("group ETag %q, PATCH result version %q", got, rs[2].Version)
		}
	})
}

// TestBulkCircularReference is RFC 7644 §3.7.1's example: two groups that
// are each other's member. The service provider may refuse them with 409;
// nothing is created, an operation that references one of them is 400
// invalidValue (its reference cannot be resolved), and the others run.
func TestBulkCircularReference(t *testing.T) {
	eachBulkBackend(t, nil, func(t *testing.T, h *harness) {
		rs := h.bulk(t, "",
			groupOp("qwerty", "Group A", "bulkId:ytrewq"),
			groupOp("ytrewq", "Group B", "bulkId:qwerty"),
			groupOp("self", "Group S", "bulkId:self"),
			groupOp("after", "Group C", "bulkId:qwerty"),
			userOp("u", "carol@example.com"),
		)
		assert.Equal(t, statuses(t, rs), []string{"409", "409", "409", "400 invalidValue", "201"})
		for _, r := range rs[:4] {
			if r.Location != "" || r.Version != "" {
				t.Errorf("failed POST %s has location %q version %q", r.BulkID, r.Location, r.Version)
			}
		}
		if !strings.Contains(string(rs[0].Response), "circular") || !strings.Contains(string(rs[3].Response), `bulkId:qwerty`) {
			t.Errorf("details do not say why: %s / %s", rs[0].Response, rs[3].Response)
		}
		assert.Equal(t, h.total(t, "/Groups"), 0.0)
		assert.Equal(t, h.total(t, "/Users"), 1.0)
	})
}

// TestBulkFailOnErrors: with failOnErrors N the operations after the
// N-th error are neither run nor reported (RFC 7644 §3.7.3); without it
// every operation runs.
func TestBulkFailOnErrors(t *testing.T) {
	eachBulkBackend(t, nil, func(t *testing.T, h *harness) {
		h.do("POST", "/scim/v2/Users", `{"userName":"taken@example.com"}`).expect(t, http.StatusCreated)
		ops := []string{
			userOp("a", "taken@example.com"),
			userOp("b", "TAKEN@example.com"),
			userOp("c", "fresh@example.com"),
		}
		rs := h.bulk(t, `"failOnErrors":1,`, ops...)
		assert.Equal(t, statuses(t, rs), []string{"409 uniqueness"})
		assert.Equal(t, rs[0].BulkID, "a")
		rs = h.bulk(t, `"failOnErrors":2,`, ops...)
		assert.Equal(t, statuses(t, rs), []string{"409 uniqueness", "409 uniqueness"})
		assert.Equal(t, h.total(t, "/Users"), 1.0)
		rs = h.bulk(t, `"failOnErrors":3,`, ops...)
		assert.Equal(t, statuses(t, rs), []string{"409 uniqueness", "409 uniqueness", "201"})
		rs = h.bulk(t, "", userOp("d", "taken@example.com"), userOp("e", "other@example.com"))
		assert.Equal(t, statuses(t, rs), []string{"409 uniqueness", "201"})
		assert.Equal(t, h.total(t, "/Users"), 3.0)
	})
}

// TestBulkOperationsLikeSingleRequests: each operation takes the path of
// its single request: PUT, PATCH (Entra's "False", Okta's group rename
// and member add), DELETE, version as If-Match, and their refusals.
func TestBulkOperationsLikeSingleRequests(t *testing.T) {
	eachBulkBackend(t, nil, func(t *testing.T, h *harness) {
		rs := h.bulk(t, "", userOp("u1", "dave@example.com"), groupOp("g1", "Okta Group"))
		assert.Equal(t, statuses(t, rs), []string{"201", "201"})
		uv, gv := rs[0].Version, rs[1].Version
		rs = h.bulk(t, "",
			// Entra's deactivation, with the user's version.
			`{"method":"PATCH","path":"/Users/id-1","version":`+jsonString(uv)+`,"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}}`,
			// The same version again: stale now.
			`{"method":"PUT","path":"/Users/id-1","version":`+jsonString(uv)+`,"data":{"userName":"dave@example.com"}}`,
			// Okta's Group Push: rename to the same name and add a member.
			`{"method":"PATCH","path":"/Groups/id-2","version":`+jsonString(gv)+`,"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"replace","value":{"id":"id-2","displayName":"Okta Group"}},{"op":"add","path":"members","value":[{"value":"id-1","display":"dave@example.com"}]}]}}`,
			`{"method":"PATCH","path":"/Groups/id-2","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"nobody"}]}]}}`,
			`{"method":"DELETE","path":"/Users/nobody"}`,
			`{"method":"PUT","path":"/Groups/id-2","data":{"displayName":"Renamed","members":[{"value":"id-1"}]}}`,
			`{"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"eve@example.com","active":"maybe"}}`,
			`{"method":"POST","path":"/Users","bulkId":"y"}`,
		)
		assert.Equal(t, statuses(t, rs), []string{"200", "412", "204", "400 invalidValue", "404", "200", "400 invalidValue", "400 invalidSyntax"})
		assert.Equal(t, rs[4].Location, "http://scim.example.com/scim/v2/Users/nobody")
		u := h.do("GET", "/scim/v2/Users/id-1", "").expect(t, http.StatusOK).json(t)
		assert.Equal(t, u["active"], any(false))
		assert.Equal(t, h.memberIDs(t, "id-2"), []string{"id-1"})
		assert.Equal(t, h.do("GET", "/scim/v2/Groups/id-2", "").expect(t, http.StatusOK).json(t)["displayName"], any("Renamed"))
		rs = h.bulk(t, "", `{"method":"DELETE","path":"/Users/id-1"}`, `{"method":"delete","path":"/groups/id-2","bulkId":"echoed"}`)
		assert.Equal(t, rs, []bulkResult{
			{Method: "DELETE", Location: "http://scim.example.com/scim/v2/Users/id-1", Status: "204"},
			{Method: "DELETE", BulkID: "echoed", Location: "http://scim.example.com/scim/v2/Groups/id-2", Status: "204"},
		})
		assert.Equal(t, h.total(t, "/Users")+h.total(t, "/Groups"), 0.0)
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBulkHostileOperations: an operation that is not a POST, PUT, PATCH
// or DELETE of /Users or /Groups, a POST without bulkId, or a reference
// to a bulkId no POST of the request defines fails on its own with 400
// invalidValue, and the operations around it run.
func TestBulkHostileOperations(t *testing.T) {
	for _, op := range []string{
		`{"method":"GET","path":"/Users/id-1"}`,
		`{"method":"HEAD","path":"/Users"}`,
		`{"method":"FOO","path":"/Users","bulkId":"f"}`,
		`{"path":"/Users","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"POST","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"POST","path":"/Schemas","bulkId":"f","data":{}}`,
		`{"method":"POST","path":"/ServiceProviderConfig","bulkId":"f","data":{}}`,
		`{"method":"POST","path":"/Bulk","bulkId":"f","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[]}}`,
		`{"method":"POST","path":"/Me","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"POST","path":"/Users/.search","bulkId":"f","data":{}}`,
		`{"method":"POST","path":"/.search","bulkId":"f","data":{}}`,
		`{"method":"POST","path":"/Users/id-1","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"POST","path":"https://evil.example.com/Users","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"POST","path":"/Users?attributes=id","bulkId":"f","data":{"userName":"x"}}`,
		`{"method":"PUT","path":"/Users","data":{"userName":"x"}}`,
		`{"method":"PATCH","path":"/Groups/","data":{}}`,
		`{"method":"DELETE","path":"/Users/id-1/x"}`,
		`{"method":"DELETE","path":"/Users/%zz"}`,
		`{"method":"DELETE","path":"/../Users/id-1"}`,
		`{"method":"POST","path":"/Users","data":{"userName":"nobulkid@example.com"}}`,
		`{"method":"POST","path":"/Users","bulkId":"","data":{"userName":"nobulkid@example.com"}}`,
		`{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"G","members":[{"value":"bulkId:nowhere"}]}}`,
		`{"method":"DELETE","path":"/Users/bulkId:nowhere"}`,
		`{"method":"PATCH","path":"/Users/bulkId:","data":{}}`,
	} {
		t.Run(op, func(t *testing.T) {
			h := newHarness(t, nil)
			rs := h.bulk(t, "", userOp("before", "before@example.com"), op, userOp("after", "after@example.com"))
			assert.Equal(t, statuses(t, rs), []string{"201", "400 invalidValue", "201"})
			assert.Equal(t, h.total(t, "/Users"), 2.0)
			assert.Equal(t, h.total(t, "/Groups"), 0.0)
		})
	}
}

// TestBulkRefusedRequests: a request that is not a BulkRequest, or is
// over a limit, is refused as a whole and runs nothing.
func TestBulkRefusedRequests(t *testing.T) {
	const limit = 2000
	many := make([]string, 1001)
	for i := range many {
		many[i] = userOp(fmt.Sprint("b", i), fmt.Sprintf("u%d@example.com", i))
	}
	big := bulkRequestHead + `"Operations":[` + userOp("b", "big@example.com"+strings.Repeat(" ", limit)) + `]}`
	for _, c := range []struct {
		name     string
		body     string
		status   int
		scimType string
		detail   string
		hdr      []string
	}{
		{"malformed JSON", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`, 400, "invalidSyntax", "malformed JSON", nil},
		{"not an object", `[]`, 400, "invalidSyntax", "BulkRequest", nil},
		{"no schemas", `{"Operations":[` + userOp("a", "a@example.com") + `]}`, 400, "invalidSyntax", "schemas", nil},
		{"PatchOp schemas", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`, 400, "invalidSyntax", "schemas", nil},
		{"no Operations", bulkRequestHead + `"failOnErrors":1}`, 400, "invalidSyntax", "Operations", nil},
		{"Operations not an array", bulkRequestHead + `"Operations":{}}`, 400, "invalidSyntax", "Operations", nil},
		{"operation not an object", bulkRequestHead + `"Operations":[` + userOp("a", "a@example.com") + `,"DELETE /Users/x"]}`, 400, "invalidSyntax", "operation 2", nil},
		{"method not a string", bulkRequestHead + `"Operations":[{"method":1,"path":"/Users"}]}`, 400, "invalidSyntax", "method", nil},
		{"path not a string", bulkRequestHead + `"Operations":[{"method":"DELETE","path":["/Users/x"]}]}`, 400, "invalidSyntax", "path", nil},
		{"bulkId not a string", bulkRequestHead + `"Operations":[{"method":"POST","path":"/Users","bulkId":7,"data":{}}]}`, 400, "invalidSyntax", "bulkId", nil},
		{"version not a string", bulkRequestHead + `"Operations":[{"method":"DELETE","path":"/Users/x","version":3}]}`, 400, "invalidSyntax", "version", nil},
		{"failOnErrors zero", bulkRequestHead + `"failOnErrors":0,"Operations":[]}`, 400, "invalidValue", "failOnErrors", nil},
		{"failOnErrors negative", bulkRequestHead + `"failOnErrors":-1,"Operations":[]}`, 400, "invalidValue", "failOnErrors", nil},
		{"failOnErrors fraction", bulkRequestHead + `"failOnErrors":1.5,"Operations":[]}`, 400, "invalidValue", "failOnErrors", nil},
		{"failOnErrors string", bulkRequestHead + `"failOnErrors":"1","Operations":[]}`, 400, "invalidValue", "failOnErrors", nil},
		{"failOnErrors huge", bulkRequestHead + `"failOnErrors":1e400,"Operations":[]}`, 400, "invalidValue", "failOnErrors", nil},
		{"duplicate bulkId", bulkRequestHead + `"Operations":[` + userOp("a", "a@example.com") + `,` + userOp("b", "b@example.com") + `,` + userOp("a", "c@example.com") + `]}`, 400, "invalidValue", `"a"`, nil},
		{"too many operations", bulkRequestHead + `"Operations":[` + strings.Join(many, ",") + `]}`, 413, "", "maxOperations (1000)", nil},
		{"over maxPayloadSize", big, 413, "", fmt.Sprintf("maxPayloadSize (%d)", limit), nil},
		{"over maxPayloadSize, chunked", big, 413, "", fmt.Sprintf("maxPayloadSize (%d)", limit), []string{"Transfer-Encoding: chunked"}},
		{"Content-Type", bulkRequestHead + `"Operations":[]}`, 415, "", "Content-Type", []string{"Content-Type: text/plain"}},
		{"empty body", ``, 400, "invalidSyntax", "empty", []string{"Content-Type: application/scim+json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(cfg *scim.Config) {
				cfg.MaxBodyBytes = 100 // each operation's data stays within it
				if strings.HasPrefix(c.name, "over maxPayloadSize") {
					cfg.MaxBulkPayloadBytes = limit
				}
			})
			var res *response
			if len(c.hdr) == 1 && c.hdr[0] == "Transfer-Encoding: chunked" {
				res = h.doUnsized("/scim/v2/Bulk", c.body).expect(t, c.status)
			} else {
				res = h.do("POST", "/scim/v2/Bulk", c.body, c.hdr...).expect(t, c.status)
			}
			e := res.json(t)
			assert.Equal(t, e["status"], any(fmt.Sprint(c.status)))
			if got, _ := e["scimType"].(string); got != c.scimType {
				t.Errorf("scimType %q, want %q", got, c.scimType)
			}
			if d, _ := e["detail"].(string); !strings.Contains(d, c.detail) {
				t.Errorf("detail %q does not mention %q", d, c.detail)
			}
			assert.Equal(t, h.total(t, "/Users"), 0.0)
		})
	}
}

// doUnsized posts body without a Content-Length, as a chunked body is.
func (h *harness) doUnsized(path, body string) *response {
	req := httptest.NewRequest("POST", "http://scim.example.com"+path, io.NopCloser(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// TestBulkPayloadLimitIsNotMaxBodyBytes: a /Bulk body may be larger than
// MaxBodyBytes, up to MaxBulkPayloadBytes; each operation's data is still
// held to MaxBodyBytes, as its single request is.
func TestBulkPayloadLimitIsNotMaxBodyBytes(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.MaxBodyBytes = 200 })
	ops := make([]string, 20)
	for i := range ops {
		ops[i] = userOp(fmt.Sprint("b", i), fmt.Sprintf("u%d@example.com", i))
	}
	ops = append(ops, userOp("long", strings.Repeat("x", 300)+"@example.com"))
	rs := h.bulk(t, "", ops...)
	want := make([]string, 21)
	for i := range want {
		want[i] = "201"
	}
	want[20] = "413"
	assert.Equal(t, statuses(t, rs), want)
	assert.Equal(t, h.total(t, "/Users"), 20.0)
}

// TestBulkRoutes: /Bulk is POST only, and has no sub-paths.
func TestBulkRoutes(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("GET", "/scim/v2/Bulk", "").expect(t, http.StatusMethodNotAllowed)
	assert.Equal(t, res.header.Get("Allow"), "POST")
	h.do("POST", "/scim/v2/Bulk/x", bulkRequestHead+`"Operations":[]}`).expect(t, http.StatusNotFound)
	rs := h.bulk(t, "")
	assert.Equal(t, len(rs), 0)
	assert.Equal(t, len(h.bulk(t, `"failOnErrors":1,`, userOp("a", "a@example.com"))), 1)
	// Keys are case-insensitive (RFC 7643 §2.1).
	res = h.do("POST", "/scim/v2/bulk", `{"SCHEMAS":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"operations":[{"Method":"POST","Path":"/Users","BULKID":"k","Data":{"userName":"k@example.com"}}]}`).expect(t, http.StatusOK)
	if !strings.Contains(string(res.body), `"status":"201"`) {
		t.Errorf("lower-case keys: %s", res.body)
	}
}

// TestBulkServiceProviderConfig: the bulk block says what /Bulk enforces.
func TestBulkServiceProviderConfig(t *testing.T) {
	for _, c := range []struct {
		mod  func(*scim.Config)
		want string
	}{
		{nil, `{"supported":true,"maxOperations":1000,"maxPayloadSize":1048576}`},
		{func(c *scim.Config) { c.MaxBulkOperations, c.MaxBulkPayloadBytes = 10, 5000 }, `{"supported":true,"maxOperations":10,"maxPayloadSize":5000}`},
	} {
		h := newHarness(t, c.mod)
		var spc struct{ Bulk json.RawMessage }
		assert.NoError(t, json.Unmarshal(h.do("GET", "/scim/v2/ServiceProviderConfig", "").expect(t, http.StatusOK).body, &spc))
		assert.JSONEqual(t, spc.Bulk, []byte(c.want))
	}
	for _, c := range []scim.Config{{MaxBulkOperations: -1}, {MaxBulkPayloadBytes: -1}} {
		c.Store, c.Authenticate = memory.New(), scim.NoAuthentication
		if _, err := scim.New(c); err == nil {
			t.Errorf("New accepted %+v", c)
		}
	}
}

// TestBulkMaxOperationsConfigured: exactly MaxBulkOperations operations
// run; one more is 413 before any runs.
func TestBulkMaxOperationsConfigured(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.MaxBulkOperations = 3 })
	ops := []string{userOp("a", "a@example.com"), userOp("b", "b@example.com"), userOp("c", "c@example.com"), userOp("d", "d@example.com")}
	h.do("POST", "/scim/v2/Bulk", bulkRequestHead+`"Operations":[`+strings.Join(ops, ",")+`]}`).expect(t, http.StatusRequestEntityTooLarge)
	assert.Equal(t, h.total(t, "/Users"), 0.0)
	assert.Equal(t, statuses(t, h.bulk(t, "", ops[:3]...)), []string{"201", "201", "201"})
}

// TestBulkEventsPerOperation: each operation's change events are those of
// its single request (its method, the bulk request's id), delivered by
// whichever deliverer the store has.
func TestBulkEventsPerOperation(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Okta}, nil)
			body := bulkRequestHead + `"Operations":[` + groupOp("g", "Team", "bulkId:u") + `,
				{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"frank@example.com","active":true}},
				{"method":"PATCH","path":"/Users/bulkId:u","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}},
				{"method":"PATCH","path":"/Groups/bulkId:g","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"id-1\"]"}]}},
				{"method":"DELETE","path":"/Users/bulkId:u"},
				{"method":"DELETE","path":"/Users/bulkId:u"}]}`
			req := httptest.NewRequest("POST", "http://scim.example.com/Bulk", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/scim+json")
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, req)
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"404"`) {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			evs := h.next()
			got := make([]string, len(evs))
			for i, e := range evs {
				got[i] = e.Method + " " + describe(e)
				if e.Request == "" || e.Request != evs[0].Request || e.Tenant != "acme" || e.Profile != "okta" {
					t.Errorf("event %d: request %q tenant %q profile %q", i, e.Request, e.Tenant, e.Profile)
				}
			}
			assert.Equal(t, got, []string{
				"POST user.created id-1 [active userName]",
				"POST group.created id-2 [displayName]",
				"POST group.members_added id-2 members=[id-1]",
				"PATCH user.deactivated id-1",
				"PATCH group.members_removed id-2 members=[id-1]",
				"DELETE user.deleted id-1",
			})
		})
	}
}

// TestBulkObservedPerOperation: Config.Observe sees the /Bulk request and
// each operation as a request of its own, with the operation's method,
// endpoint, id, status and error, and the tolerances it needed.
func TestBulkObservedPerOperation(t *testing.T) {
	var mu sync.Mutex
	var obs []string
	h := newHarness(t, func(c *scim.Config) {
		c.Observe = func(ctx context.Context, o scim.Observation) {
			mu.Lock()
			defer mu.Unlock()
			if scim.RequestID(ctx) == "" || o.RequestID != scim.RequestID(ctx) {
				t.Errorf("observation without the request id: %+v", o)
			}
			obs = append(obs, strings.TrimSpace(fmt.Sprint(o.Method, " ", o.Endpoint, " ", o.ID, " ", o.Status, " ", o.ScimType, " ", o.Quirks.Names(), " ", o.Tenant)))
		}
	})
	h.bulk(t, "", userOp("u", "gina@example.com"),
		`{"method":"PATCH","path":"/Users/bulkId:u","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}}`,
		`{"method":"DELETE","path":"/Groups/none"}`, `{"method":"GET","path":"/Users"}`)
	assert.Equal(t, obs, []string{
		"POST Users  201  [] tenant-a",
		"PATCH Users id-1 200  [op-case entra-bool-strings] tenant-a",
		"DELETE Groups none 404  [] tenant-a",
		"POST Bulk  200  [] tenant-a",
	})
}

// cancellingStore cancels the request's context once a user is created.
type cancellingStore struct {
	*memory.Store
	cancel context.CancelFunc
}

func (s *cancellingStore) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	defer s.cancel()
	return s.Store.CreateUser(ctx, u)
}

// TestBulkStopsWhenTheContextEnds: operations after the request's context
// ended are not run and not reported.
func TestBulkStopsWhenTheContextEnds(t *testing.T) {
	st := &cancellingStore{Store: memory.New()}
	srv, err := scim.New(scim.Config{Store: st, Authenticate: func(r *http.Request) (context.Context, error) {
		ctx, cancel := context.WithCancel(store.WithTenant(r.Context(), "t"))
		st.cancel = cancel
		return ctx, nil
	}})
	assert.NoError(t, err)
	req := httptest.NewRequest("POST", "/Bulk", strings.NewReader(bulkRequestHead+`"Operations":[`+userOp("a", "a@example.com")+`,`+userOp("b", "b@example.com")+`]}`))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	var br struct{ Operations []bulkResult }
	if err := json.Unmarshal(rec.Body.Bytes(), &br); err != nil {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	assert.Equal(t, statuses(t, br.Operations), []string{"201"})
	l, err := st.Store.ListUsers(store.WithTenant(context.Background(), "t"), store.Page{})
	assert.NoError(t, err)
	assert.Equal(t, l.TotalResults, 1)
}

// TestBulkDryRun: under a connection in dry-run mode each operation is
// answered as it would be and nothing is written; each has an activity
// entry of its own with its would-be effects. A resource a POST of the
// request would create is not there for a later operation.
func TestBulkDryRun(t *testing.T) {
	for _, b := range dryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := newDryServer(t, b, true, connection.Delete)
			before := s.snapshot()
			s.nextID = "id-9"
			res := s.send("POST", "/Bulk", bulkRequestHead+`"Operations":[
				{"method":"PATCH","path":"/Users/id-1","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}},
				{"method":"POST","path":"/Users","bulkId":"new","data":`+entraUser("new@contoso.com", "ext-9")+`},
				{"method":"PATCH","path":"/Groups/id-3","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"bulkId:new"}]}]}},
				{"method":"POST","path":"/Users","bulkId":"dup","data":`+entraUser("EXISTING@contoso.com", "ext-8")+`},
				{"method":"DELETE","path":"/Users/id-2"}]}`, http.StatusOK)
			assert.Equal(t, res.header.Get(scim.DryRunHeader), "true")
			var br struct{ Operations []bulkResult }
			assert.NoError(t, json.Unmarshal(res.body, &br))
			assert.Equal(t, statuses(t, br.Operations), []string{"200", "201", "400 invalidValue", "409 uniqueness", "204"})
			assert.Equal(t, br.Operations[1].Location, "http://scim.example.com/Users/id-9")
			assert.Equal(t, s.snapshot(), before)
			if evs := s.events(); len(evs) != 0 {
				t.Errorf("dry run delivered %d events", len(evs))
			}
			es := s.entries()
			var got []string
			for _, e := range es[len(es)-6:] {
				if !e.DryRun {
					t.Errorf("entry %s %s is not a dry run", e.Method, e.Target())
				}
				got = append(got, fmt.Sprint(e.Method, " ", e.Endpoint, " ", e.ResourceID, " ", e.Status, " ", e.Effects))
			}
			assert.Equal(t, got, []string{
				"PATCH Users id-1 200 [user.deactivated id-1]",
				"POST Users  201 [user.created id-9]",
				"PATCH Groups id-3 400 []",
				"POST Users  409 []",
				"DELETE Users id-2 204 [user.deleted id-2]",
				"POST Bulk  200 []",
			})
		})
	}
}

// BenchmarkBulk measures a /Bulk request of 1000 operations on the memory
// store: 1000 user POSTs; and 1000 group POSTs each naming the next one's
// group by bulkId, so that every operation waits for a later one (the
// request runs them last to first).
func BenchmarkBulk(b *testing.B) {
	for _, shape := range []string{"users", "reverse-chain"} {
		b.Run(shape, func(b *testing.B) {
			srv, err := scim.New(scim.Config{Store: memory.New(), Authenticate: func(r *http.Request) (context.Context, error) {
				return store.WithTenant(r.Context(), "t"), nil
			}})
			assert.NoError(b, err)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				ops := make([]string, 1000)
				for i := range ops {
					n++
					if shape == "users" {
						ops[i] = userOp(fmt.Sprint("b", i), fmt.Sprintf("u%d@example.com", n))
					} else if i < len(ops)-1 {
						ops[i] = groupOp(fmt.Sprint("g", i), fmt.Sprint("group ", n), fmt.Sprint("bulkId:g", i+1))
					} else {
						ops[i] = groupOp(fmt.Sprint("g", i), fmt.Sprint("group ", n))
					}
				}
				body := bulkRequestHead + `"Operations":[` + strings.Join(ops, ",") + `]}`
				req := httptest.NewRequest("POST", "/Bulk", strings.NewReader(body))
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != 200 || strings.Count(rec.Body.String(), `"status":"201"`) != 1000 {
					b.Fatalf("%d %.300s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// TestBulkTenantIsolation: a bulk request's operations are its tenant's:
// on another tenant's ids they answer what they answer for an id nobody
// has, another tenant's user is no member, and the other tenant's
// resources are unchanged.
func TestBulkTenantIsolation(t *testing.T) {
	eachBulkBackend(t, nil, func(t *testing.T, h *harness) {
		asB := "Authorization: Bearer other-token"
		h.do("POST", "/scim/v2/Users", `{"userName":"b@example.com"}`, asB).expect(t, http.StatusCreated)                      // id-1
		h.do("POST", "/scim/v2/Groups", `{"displayName":"B","members":[{"value":"id-1"}]}`, asB).expect(t, http.StatusCreated) // id-2
		before := h.do("GET", "/scim/v2/Groups/id-2", "", asB).body
		userBefore := h.do("GET", "/scim/v2/Users/id-1", "", asB).body
		ops := func(user, group string) []string {
			return []string{
				`{"method":"PUT","path":"/Users/` + user + `","data":{"userName":"hijacked@example.com"}}`,
				`{"method":"PATCH","path":"/Users/` + user + `","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}}`,
				`{"method":"PATCH","path":"/Groups/` + group + `","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members"}]}}`,
				`{"method":"DELETE","path":"/Groups/` + group + `"}`,
				`{"method":"DELETE","path":"/Users/` + user + `"}`,
			}
		}
		got := h.bulk(t, "", ops("id-1", "id-2")...)
		want := h.bulk(t, "", ops("nobody", "nobody")...)
		assert.Equal(t, statuses(t, got), []string{"404", "404", "404", "404", "404"})
		for i := range got {
			g := strings.ReplaceAll(strings.ReplaceAll(string(got[i].Response), "id-1", "nobody"), "id-2", "nobody")
			if g != string(want[i].Response) {
				t.Errorf("operation %d: B's id answers %s, an unknown id %s", i, got[i].Response, want[i].Response)
			}
		}
		rs := h.bulk(t, "", `{"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"Stolen","members":[{"value":"id-1"}]}}`)
		assert.Equal(t, statuses(t, rs), []string{"400 invalidValue"})
		assert.Equal(t, string(h.do("GET", "/scim/v2/Groups/id-2", "", asB).body), string(before))
		assert.Equal(t, string(h.do("GET", "/scim/v2/Users/id-1", "", asB).body), string(userBefore))
		assert.Equal(t, h.total(t, "/Users")+h.total(t, "/Groups"), 0.0)
	})
}
