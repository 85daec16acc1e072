package scimtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Schema URNs (RFC 7643 §8.7.1, RFC 7644 §3.4.2, §3.5.2, §3.12).
const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	listSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// flow is one IdP flow in progress: the test, the IdP's client, and the
// helpers that send a request and check the answer.
type flow struct {
	t tester
	c *client
}

// suffix returns 8 random hex digits, so flows can share a server.
func suffix() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// guid returns a random RFC 9562 version 4 UUID, as Entra's Test
// Connection sends.
func guid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// send is client.do.
func (f *flow) send(method, path, query string, body []byte) *response {
	f.t.Helper()
	return f.c.do(method, path, query, body)
}

// status fails the flow unless r answered one of want: what follows a
// request that did not do its job would only repeat the failure.
func (f *flow) status(r *response, what string, want ...int) {
	f.t.Helper()
	if !slices.Contains(want, r.status) {
		f.t.Fatalf("%s: %s\n  expected status: %v\n  actual status: %d\n  response body: %s", what, r, want, r.status, r.body)
	}
	if r.status == http.StatusNoContent || len(r.body) == 0 {
		return
	}
	ct := r.header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "application/scim+json" && (f.c.strictCT || mt != "application/json") {
		f.t.Errorf("%s: %s\n  expected Content-Type: application/scim+json\n  actual: %q", what, r, ct)
	}
}

// object decodes r's body as a JSON object, numbers as json.Number.
func (f *flow) object(r *response, what string) map[string]any {
	f.t.Helper()
	var m map[string]any
	if err := decode(r.body, &m); err != nil || m == nil {
		f.t.Fatalf("%s: %s\n  expected a JSON object\n  actual: %s (%v)", what, r, r.body, err)
	}
	return m
}

// decode is json.Unmarshal with UseNumber, so that "1" and 1 differ.
func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// field returns the value at the keys of obj, nil if absent. Keys match
// case-insensitively, as attribute names do (RFC 7643 §2.1).
func field(obj any, keys ...string) any {
	v := obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		var next any
		found := false
		for mk, mv := range m {
			if strings.EqualFold(mk, k) {
				next, found = mv, true
				break
			}
		}
		if !found {
			return nil
		}
		v = next
	}
	return v
}

// equal reports, with the request, got != want. want is a JSON literal.
func (f *flow) equal(r *response, what string, got any, want string) bool {
	f.t.Helper()
	var w any
	if err := decode([]byte(want), &w); err != nil {
		f.t.Errorf("scimtest: bad expected JSON %s: %v", want, err)
		return false
	}
	if reflect.DeepEqual(got, w) {
		return true
	}
	f.t.Errorf("%s: %s\n  expected: %s\n  actual:   %s", what, r, want, show(got))
	return false
}

// fields checks several fields of obj: path (dot-separated, the enterprise
// URN written as "ent") and expected JSON literal, with "<absent>" for a
// field that must not be there.
func (f *flow) fields(r *response, what string, obj map[string]any, checks ...string) {
	f.t.Helper()
	for i := 0; i+1 < len(checks); i += 2 {
		var keys []string
		for _, k := range strings.Split(checks[i], ".") {
			if k == "ent" {
				k = enterpriseSchema
			}
			keys = append(keys, k)
		}
		got := field(obj, keys...)
		if checks[i+1] == absent {
			if got != nil {
				f.t.Errorf("%s: %s\n  expected %s to be absent\n  actual: %s", what, r, checks[i], show(got))
			}
			continue
		}
		f.equal(r, what+": "+checks[i], got, checks[i+1])
	}
}

// absent marks, in fields, an attribute that must not be returned.
const absent = "<absent>"

// show renders a decoded value for a message.
func show(v any) string {
	if v == nil {
		return "<absent>"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// id returns obj's "id", failing the flow if it has none.
func (f *flow) id(r *response, what string, obj map[string]any) string {
	f.t.Helper()
	s, _ := obj["id"].(string)
	if s == "" {
		f.t.Fatalf("%s: %s\n  expected a non-empty id\n  actual body: %s", what, r, r.body)
	}
	return s
}

// jsonString quotes s as a JSON literal, for expected values.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// list is a decoded ListResponse (RFC 7644 §3.4.2).
type list struct {
	total, start, items int
	resources           []map[string]any
}

// list checks that r is a ListResponse (RFC 7644 §3.4.2): the schema URN,
// totalResults, startIndex and itemsPerPage as JSON integers (Okta refuses
// strings, OKTA-REF), Resources present even when empty (Entra and Okta
// refuse a missing one), and itemsPerPage equal to the resources returned.
func (f *flow) list(r *response, what string) list {
	f.t.Helper()
	f.status(r, what, http.StatusOK)
	obj := f.object(r, what)
	f.equal(r, what+": schemas", obj["schemas"], `["`+listSchema+`"]`)
	var l list
	for _, n := range []struct {
		key string
		dst *int
	}{{"totalResults", &l.total}, {"startIndex", &l.start}, {"itemsPerPage", &l.items}} {
		num, ok := obj[n.key].(json.Number)
		v, err := strconv.Atoi(string(num))
		if !ok || err != nil {
			f.t.Errorf("%s: %s\n  expected %s to be a JSON integer\n  actual: %s", what, r, n.key, show(obj[n.key]))
			continue
		}
		*n.dst = v
	}
	res, ok := obj["Resources"].([]any)
	if !ok {
		f.t.Fatalf("%s: %s\n  expected a Resources array\n  actual: %s", what, r, show(obj["Resources"]))
	}
	for _, x := range res {
		m, ok := x.(map[string]any)
		if !ok {
			f.t.Fatalf("%s: %s\n  expected resources to be objects\n  actual: %s", what, r, show(x))
		}
		l.resources = append(l.resources, m)
	}
	if l.items != len(l.resources) {
		f.t.Errorf("%s: %s\n  expected itemsPerPage to equal the %d resources returned\n  actual: %d", what, r, len(l.resources), l.items)
	}
	return l
}

// ids returns the ids of l's resources in order.
func (l list) ids() []string {
	var out []string
	for _, m := range l.resources {
		s, _ := m["id"].(string)
		out = append(out, s)
	}
	return out
}

// findOne checks that l holds exactly one resource, with id want, and
// returns it.
func (f *flow) findOne(r *response, what string, l list, want string) map[string]any {
	f.t.Helper()
	if l.total != 1 || len(l.resources) != 1 {
		f.t.Fatalf("%s: %s\n  expected exactly one match, id %q\n  actual: totalResults %d, ids %q", what, r, want, l.total, l.ids())
	}
	f.equal(r, what+": id", l.resources[0]["id"], jsonString(want))
	return l.resources[0]
}

// none checks that l is the empty ListResponse Entra's Test Connection and
// matching expect (MS-TUT; a 404 quarantines the job, MS-QUAR).
func (f *flow) none(r *response, what string, l list) {
	f.t.Helper()
	if l.total != 0 || len(l.resources) != 0 {
		f.t.Errorf("%s: %s\n  expected no match\n  actual: totalResults %d, ids %q", what, r, l.total, l.ids())
	}
}

// filterQuery is a filter with the IdP's extra parameters.
func filterQuery(filter string, extra ...string) string {
	return query(append([]string{"filter", filter}, extra...)...)
}

// errorBody checks an RFC 7644 §3.12 error response: the Error schema,
// status as a string equal to the HTTP status, the scimType when want is
// not empty, and a detail (the Okta spec test checks schemas and detail).
func (f *flow) errorBody(r *response, what string, scimType string) {
	f.t.Helper()
	obj := f.object(r, what)
	f.fields(r, what, obj, "schemas", `["`+errorSchema+`"]`, "status", jsonString(strconv.Itoa(r.status)))
	if scimType != "" {
		f.fields(r, what, obj, "scimType", jsonString(scimType))
	}
	if d, _ := obj["detail"].(string); d == "" {
		f.t.Errorf("%s: %s\n  expected a detail\n  actual body: %s", what, r, r.body)
	}
}

// createUser POSTs body to /Users, checks 201 and returns the response,
// the resource and its id; the user is deleted when the flow ends.
func (f *flow) createUser(what string, body []byte) (*response, map[string]any, string) {
	f.t.Helper()
	return f.create(what, "/Users", body)
}

// createGroup is createUser for /Groups.
func (f *flow) createGroup(what string, body []byte) (*response, map[string]any, string) {
	f.t.Helper()
	return f.create(what, "/Groups", body)
}

func (f *flow) create(what, path string, body []byte) (*response, map[string]any, string) {
	f.t.Helper()
	r := f.send("POST", path, "", body)
	f.status(r, what, http.StatusCreated)
	obj := f.object(r, what)
	id := f.id(r, what, obj)
	f.cleanup(path + "/" + id)
	return r, obj, id
}

// cleanup deletes path when the flow ends; 404 means the flow deleted it
// already.
func (f *flow) cleanup(path string) {
	f.t.Cleanup(func() {
		r := f.c.do("DELETE", path, "", nil)
		if r.status != http.StatusNoContent && r.status != http.StatusNotFound {
			f.t.Errorf("cleanup: %s\n  expected status 204 or 404\n  actual: %d %s", r, r.status, r.body)
		}
	})
}

// get GETs path (with query) and returns the resource.
func (f *flow) get(what, path, q string) (*response, map[string]any) {
	f.t.Helper()
	r := f.send("GET", path, q, nil)
	f.status(r, what, http.StatusOK)
	return r, f.object(r, what)
}

// gone checks that path answers 404 with an error body (RFC 7644 §3.12).
func (f *flow) gone(what, path string) {
	f.t.Helper()
	r := f.send("GET", path, "", nil)
	f.status(r, what, http.StatusNotFound)
	f.errorBody(r, what, "")
}

// del DELETEs path and checks 204 then 404 on GET (RFC 7644 §3.6).
func (f *flow) del(what, path string) {
	f.t.Helper()
	r := f.send("DELETE", path, "", nil)
	f.status(r, what, http.StatusNoContent)
	f.gone(what+", then GET", path)
}

// patch PATCHes path with body, accepting 200 with the resource or 204
// (Entra and Okta accept both, MS-TUT, OKTA-REF), then GETs the resource.
// check runs on the 200 body, if any, and on the GET.
func (f *flow) patch(what, path string, body []byte, check func(r *response, what string, obj map[string]any)) {
	f.t.Helper()
	r := f.send("PATCH", path, "", body)
	f.status(r, what, http.StatusOK, http.StatusNoContent)
	if r.status == http.StatusOK && check != nil {
		check(r, what+" (response)", f.object(r, what))
	}
	g, obj := f.get(what+", then GET", path, "")
	if check != nil {
		check(g, what+", then GET", obj)
	}
}

// put PUTs body to path, checks 200, and runs check on the response and on
// a GET after it.
func (f *flow) put(what, path string, body []byte, check func(r *response, what string, obj map[string]any)) {
	f.t.Helper()
	r := f.send("PUT", path, "", body)
	f.status(r, what, http.StatusOK)
	check(r, what+" (response)", f.object(r, what))
	g, obj := f.get(what+", then GET", path, "")
	check(g, what+", then GET", obj)
}

// members GETs group id and checks that its members are exactly want
// (member values, in any order).
func (f *flow) members(what, id string, want ...string) {
	f.t.Helper()
	r, obj := f.get(what+": GET group", "/Groups/"+id, "")
	var got []string
	ms, _ := field(obj, "members").([]any)
	for _, m := range ms {
		v, _ := field(m, "value").(string)
		got = append(got, v)
	}
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		f.t.Errorf("%s: %s\n  expected members: %q\n  actual members:   %q", what, r, w, got)
	}
}

// userVars returns the names for a new user: unique userName and
// externalId, fixed name parts.
func userVars(idp string) vars {
	s := suffix()
	return vars{
		"userName":   "scimtest-" + idp + "-" + s + "@example.com",
		"email":      "scimtest-" + idp + "-" + s + "@example.com",
		"externalId": "ext-" + idp + "-" + s,
		"givenName":  "Given" + s,
		"familyName": "Family" + s,
		"password":   "pw-" + guid(),
	}
}
