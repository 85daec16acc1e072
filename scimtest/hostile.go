package scimtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
)

// HostileRequest is one request of a hostile client, replayed by
// [Hostile] on several servers.
type HostileRequest struct {
	// Method is the request method.
	Method string
	// Path is relative to the Tenant URL, e.g. "/Users/{user}", with
	// percent-escapes as sent on the wire ("/Users/%FF"). "{user}" and
	// "{group}" are replaced with the ids of the fixture user and group.
	Path string
	// RawQuery is the query string without "?", sent as is; the
	// placeholders of Path are replaced in it too.
	RawQuery string
	// Header is "Key: value" lines separated by "\n". Host, Authorization,
	// Content-Length and Transfer-Encoding are the harness's and dropped.
	Header string
	// Body is the request body; the placeholders are replaced in it.
	Body []byte
}

// Peer is one SCIM server [Hostile] compares, seen in process.
type Peer struct {
	// Name names the server in failures ("memory", "Postgres").
	Name string
	// Handler serves the requests.
	Handler http.Handler
	// Prefix is the path of the Tenant URL on Handler, e.g. "/scim/v2";
	// "" when the SCIM server is mounted at the root.
	Prefix string
	// NewTenant returns the Secret Token of a new, empty tenant: every
	// request is replayed in a tenant of its own, so that its answer does
	// not depend on the requests before it.
	NewTenant func() (token string, err error)
}

// StorePeer returns a Peer serving a scim.Server on st, mounted at the
// root, whose bearer token is the tenant's name: NewTenant returns a new
// name each call.
func StorePeer(name string, st store.Store) (Peer, error) {
	srv, err := scim.New(scim.Config{
		Store: st,
		Authenticate: scim.BearerTokens(func(_ context.Context, token string) (string, bool, error) {
			return token, true, nil
		}),
		Logger: discardLogger,
	})
	if err != nil {
		return Peer{}, err
	}
	var b [6]byte
	rand.Read(b[:])
	prefix := "hostile-" + hex.EncodeToString(b[:]) + "-"
	var n atomic.Int64
	return Peer{Name: name, Handler: srv, NewTenant: func() (string, error) {
		return prefix + strconv.FormatInt(n.Add(1), 10), nil
	}}, nil
}

var discardLogger = slog.New(slog.DiscardHandler)

// fixture is what each tenant holds before the hostile request.
const (
	fixtureUser  = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fixture@example.com","externalId":"fixture-ext","displayName":"Fixture User","emails":[{"value":"fixture@example.com","type":"work","primary":true}]}`
	fixtureGroup = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Fixture Group","members":[{"value":"{user}"}]}`
)

// Hostile replays req on every peer, each in a new tenant holding one user
// and one group, and fails t if a peer answers with a 5xx other than 501
// (an endpoint the server does not implement) or if the peers' statuses
// differ: every store must answer a hostile input the same, with a 4xx
// for the client's mistake. The operations of a BulkResponse are held to
// the same: no 5xx but 501, and the same statuses on every peer.
//
// A request that net/http's server would refuse before any handler runs
// (an unparseable request line or header) is skipped.
func Hostile(t testing.TB, peers []Peer, req HostileRequest) {
	t.Helper()
	type answer struct {
		status int
		ops    string // the statuses of a BulkResponse's operations
		body   string
	}
	answers := make([]answer, len(peers))
	for i, p := range peers {
		token, err := p.NewTenant()
		if err != nil {
			t.Fatalf("%s: new tenant: %v", p.Name, err)
		}
		user := fixtureCreate(t, p, token, "/Users", fixtureUser, "")
		group := fixtureCreate(t, p, token, "/Groups", fixtureGroup, user)
		fill := strings.NewReplacer("{user}", user, "{group}", group)
		target := p.Prefix + fill.Replace(req.Path)
		if req.RawQuery != "" {
			target += "?" + fill.Replace(req.RawQuery)
		}
		hr, ok := wireRequest(req.Method, target, req.Header, token, []byte(fill.Replace(string(req.Body))))
		if !ok {
			t.Skip("net/http refuses this request before any handler")
		}
		rec := httptest.NewRecorder()
		p.Handler.ServeHTTP(rec, hr)
		ops, failed := bulkStatuses(rec.Body.Bytes())
		if failed != "" {
			ops += " (" + failed + ")"
		}
		answers[i] = answer{rec.Code, ops, rec.Body.String()}
	}
	var bad []string
	for i, a := range answers {
		if a.status >= 500 && a.status != http.StatusNotImplemented {
			bad = append(bad, peers[i].Name+" answered "+strconv.Itoa(a.status))
		}
		if strings.Contains(a.ops, "(") {
			bad = append(bad, peers[i].Name+" answered a bulk operation with "+a.ops)
		}
		if a.status != answers[0].status || a.ops != answers[0].ops {
			bad = append(bad, fmt.Sprintf("%s answered %d %s, %s %d %s", peers[i].Name, a.status, a.ops, peers[0].Name, answers[0].status, answers[0].ops))
		}
	}
	if len(bad) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "hostile request %s\n", describe(req))
		for _, s := range bad {
			fmt.Fprintf(&b, "  %s\n", s)
		}
		for i, a := range answers {
			fmt.Fprintf(&b, "  %s: %d %.300s\n", peers[i].Name, a.status, a.body)
		}
		t.Error(b.String())
	}
}

// bulkStatuses returns the statuses of the operations of a BulkResponse,
// space-separated ("" for any other body), and the first that is a 5xx
// other than 501.
func bulkStatuses(body []byte) (ops, failed string) {
	var br struct {
		Schemas    []string
		Operations []struct{ Status string }
	}
	if json.Unmarshal(body, &br) != nil || len(br.Schemas) != 1 || br.Schemas[0] != scim.BulkResponseSchema {
		return "", ""
	}
	st := make([]string, len(br.Operations))
	for i, op := range br.Operations {
		st[i] = op.Status
		if strings.HasPrefix(op.Status, "5") && op.Status != "501" && failed == "" {
			failed = "operation " + strconv.Itoa(i+1) + ": " + op.Status
		}
	}
	return "[" + strings.Join(st, " ") + "]", failed
}

// describe prints req for a failure, long values shortened.
func describe(req HostileRequest) string {
	short := func(s string) string {
		if len(s) > 200 {
			return strconv.Quote(s[:200]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
		}
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s %s query %s header %s body %s", req.Method, short(req.Path), short(req.RawQuery), short(req.Header), short(string(req.Body)))
}

// fixtureCreate POSTs a fixture resource and returns its id.
func fixtureCreate(t testing.TB, p Peer, token, path, body, user string) string {
	t.Helper()
	body = strings.ReplaceAll(body, "{user}", user)
	hr, _ := wireRequest("POST", p.Prefix+path, "Content-Type: application/scim+json", token, []byte(body))
	rec := httptest.NewRecorder()
	p.Handler.ServeHTTP(rec, hr)
	var created struct{ ID string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &created) != nil || created.ID == "" {
		t.Fatalf("%s: creating the fixture %s: %d %s", p.Name, path, rec.Code, rec.Body)
	}
	return created.ID
}

// harnessHeaders are set by the harness, never by a HostileRequest.
var harnessHeaders = map[string]bool{"Host": true, "Authorization": true, "Content-Length": true, "Transfer-Encoding": true}

// wireRequest builds the server-side request net/http would hand a
// handler for these bytes on the wire, or reports false if net/http would
// refuse them.
func wireRequest(method, target, header, token string, body []byte) (*http.Request, bool) {
	var b bytes.Buffer
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: scim.example.com\r\n")
	for _, line := range strings.Split(header, "\n") {
		line = strings.TrimRight(line, "\r")
		k, _, ok := strings.Cut(line, ":")
		if !ok || harnessHeaders[http.CanonicalHeaderKey(strings.TrimSpace(k))] {
			continue
		}
		b.WriteString(line + "\r\n")
	}
	b.WriteString("Authorization: Bearer " + token + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil {
		return nil, false
	}
	// As net/http's server does: the client's address and a context.
	r.RemoteAddr = "192.0.2.1:1234"
	return r, true
}

// incompressible returns n bytes of letters and digits from a fixed
// pseudo-random sequence: a repeated byte would be compressed in a
// database index entry and stay under its row limit.
func incompressible(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = alphabet[x%uint32(len(alphabet))]
	}
	return string(b)
}

// FuzzHostile runs [Hostile] on peers as a Go fuzz test, seeded with
// [HostileSeeds]; its arguments are a HostileRequest's fields (method,
// path, raw query, header, body). Call it from a FuzzXxx function:
//
//	func FuzzHostile(f *testing.F) {
//		scimtest.FuzzHostile(f, []scimtest.Peer{memoryPeer, sqlitePeer})
//	}
//
// go test runs the seeds; go test -fuzz FuzzHostile explores from them.
func FuzzHostile(f *testing.F, peers []Peer) {
	for _, s := range HostileSeeds() {
		f.Add(s.Method, s.Path, s.RawQuery, s.Header, s.Body)
	}
	f.Fuzz(func(t *testing.T, method, path, rawQuery, header string, body []byte) {
		Hostile(t, peers, HostileRequest{Method: method, Path: path, RawQuery: rawQuery, Header: header, Body: body})
	})
}

// HostileSeeds returns the hostile inputs outside suites and hostile
// clients have sent: NUL in string values and filter literals, ids that
// are not valid UTF-8 or cannot be ids, values of 3,000 bytes in indexed
// attributes, lone surrogates, huge schemas arrays, deep JSON, odd
// paging and projection parameters, and bulk requests with operations
// outside /Users and /Groups, circular or undefined bulkId references,
// duplicate bulkIds and too many operations. Each seed is one
// HostileRequest.
func HostileSeeds() []HostileRequest {
	const ct = "Content-Type: application/scim+json"
	long := incompressible(3000)
	userWith := func(attr, value string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u@example.com",` + strconv.Quote(attr) + `:` + value + `}`)
	}
	userNamed := func(value string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":` + value + `}`)
	}
	patch := func(ops string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`)
	}
	bulk := func(ops ...string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + strings.Join(ops, ",") + `]}`)
	}
	search := func(filter string) []byte {
		return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":` + filter + `}`)
	}
	seeds := []HostileRequest{
		// NUL in string values.
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed(`"a\u0000b"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("displayName", `"\u0000"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("externalId", `"x\u0000"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("emails", `[{"value":"a\u0000@example.com"}]`)},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte(`{"displayName":"g\u0000"}`)},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte(`{"displayName":"g","members":[{"value":"\u0000"}]}`)},
		{Method: "PUT", Path: "/Users/{user}", Header: ct, Body: userNamed(`"fixture\u0000@example.com"`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(`{"op":"replace","path":"displayName","value":"\u0000"}`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(`{"op":"replace","value":{"userName":"\u0000"}}`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(`{"op":"replace","path":"emails[value eq \"a\u0000\"].value","value":"b@example.com"}`)},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"add","path":"members","value":[{"value":"\u0000"}]}`)},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"remove","path":"members[value eq \"\u0000\"]"}`)},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"replace","path":"displayName","value":"\u0000"}`)},
		// NUL in filter literals, escaped in the filter and raw in the URL.
		{Method: "GET", Path: "/Users", RawQuery: "filter=userName%20eq%20%22a%5Cu0000b%22"},
		{Method: "GET", Path: "/Users", RawQuery: "filter=userName%20eq%20%22a%00b%22"},
		{Method: "GET", Path: "/Users", RawQuery: "filter=externalId%20eq%20%22%5Cu0000%22"},
		{Method: "GET", Path: "/Users", RawQuery: "filter=emails.value%20co%20%22%5Cu0000%22"},
		{Method: "GET", Path: "/Groups", RawQuery: "filter=displayName%20eq%20%22%5Cu0000%22&excludedAttributes=members"},
		{Method: "GET", Path: "/Groups", RawQuery: "filter=members%5Bvalue%20eq%20%22%5Cu0000%22%5D"},
		{Method: "POST", Path: "/Users/.search", Header: ct, Body: search(`"userName sw \"\\u0000\""`)},
		{Method: "POST", Path: "/.search", Header: ct, Body: search(`"id eq \"\\u0000\""`)},
		// Ids in the path that are not valid UTF-8 or cannot be ids.
		{Method: "GET", Path: "/Users/%FF"},
		{Method: "GET", Path: "/Users/%C0%AF"},
		{Method: "GET", Path: "/Users/%ED%A0%80"},
		{Method: "GET", Path: "/Users/a%00b"},
		{Method: "DELETE", Path: "/Users/%FF"},
		{Method: "PUT", Path: "/Users/%FE%FF", Header: ct, Body: userNamed(`"u@example.com"`)},
		{Method: "PATCH", Path: "/Users/%ED%A0%80", Header: ct, Body: patch(`{"op":"replace","path":"active","value":false}`)},
		{Method: "GET", Path: "/Groups/%FF", RawQuery: "excludedAttributes=members"},
		{Method: "PATCH", Path: "/Groups/%C0%AF", Header: ct, Body: patch(`{"op":"add","path":"members","value":[{"value":"{user}"}]}`)},
		{Method: "DELETE", Path: "/Groups/%00"},
		{Method: "GET", Path: "/Users/" + strings.Repeat("a", 3000)},
		// Ids that are not valid UTF-8 inside filters and member values.
		{Method: "GET", Path: "/Users", RawQuery: "filter=id%20eq%20%22%FF%22"},
		{Method: "GET", Path: "/Users", RawQuery: "filter=userName%20eq%20%22%ED%A0%80%22"},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"add","path":"members","value":[{"value":"` + "\xff" + `"}]}`)},
		// 3,000-byte values of indexed attributes (a btree row holds about 2,700).
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed(`"` + long + `"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("displayName", `"`+long+`"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("externalId", `"`+long+`"`)},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte(`{"displayName":"` + long + `"}`)},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte(`{"displayName":"g","externalId":"` + long + `"}`)},
		{Method: "PUT", Path: "/Users/{user}", Header: ct, Body: userNamed(`"` + long + `"`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(`{"op":"replace","path":"externalId","value":"` + long + `"}`)},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"replace","path":"displayName","value":"` + long + `"}`)},
		{Method: "PATCH", Path: "/Groups/{group}", Header: ct, Body: patch(`{"op":"add","path":"members","value":[{"value":"` + long + `"}]}`)},
		{Method: "GET", Path: "/Users", RawQuery: "filter=userName%20eq%20%22" + long + "%22"},
		{Method: "GET", Path: "/Users", RawQuery: "filter=externalId%20eq%20%22" + long + "%22"},
		{Method: "GET", Path: "/Groups", RawQuery: "filter=displayName%20eq%20%22" + long + "%22"},
		// Lone surrogates and invalid UTF-8 in bodies.
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed(`"\ud800"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed(`"a\udfffb"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed(`"\udbff\udfff"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userNamed("\"\xff\xfe\"")},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("displayName", "\"\xed\xa0\x80\"")},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte("{\"displayName\":\"\xc0\xaf\"}")},
		{Method: "GET", Path: "/Users", RawQuery: "filter=userName%20eq%20%22%5Cud800%22"},
		// Huge schemas arrays, deep JSON.
		{Method: "POST", Path: "/Users", Header: ct, Body: []byte(`{"schemas":[` + strings.Repeat(`"urn:x",`, 50000) + `"urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"s@example.com"}`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: []byte(`{"schemas":[` + strings.Repeat(`"urn:ietf:params:scim:api:messages:2.0:PatchOp",`, 20000) + `"x"],"Operations":[]}`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("name", strings.Repeat("[", 100000)+strings.Repeat("]", 100000))},
		{Method: "POST", Path: "/Users", Header: ct, Body: userWith("urn:example:ext", strings.Repeat(`{"a":`, 50000)+"1"+strings.Repeat("}", 50000))},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(`{"op":"add","value":` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + `}`)},
		{Method: "POST", Path: "/Users/.search", Header: ct, Body: search(`"` + strings.Repeat("(", 5000) + `userName eq \"a\"` + strings.Repeat(")", 5000) + `"`)},
		{Method: "GET", Path: "/Users", RawQuery: "filter=" + strings.Repeat("not(", 500) + "active%20pr" + strings.Repeat(")", 500)},
		// Odd paging, sorting, projection and headers.
		{Method: "GET", Path: "/Users", RawQuery: "startIndex=99999999999999999999&count=-99999999999999999999"},
		{Method: "GET", Path: "/Users", RawQuery: "sortBy=%00&sortOrder=%FF"},
		// RFC 9865 cursors no server issued, and odd counts with them.
		{Method: "GET", Path: "/Users", RawQuery: "cursor=%00%FF&count=2"},
		{Method: "GET", Path: "/Users", RawQuery: "cursor=AQ&count=-1"},
		{Method: "GET", Path: "/Groups", RawQuery: "cursor=" + strings.Repeat("A", 20000)},
		{Method: "GET", Path: "/Users", RawQuery: "cursor=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA&count=99999999999999999999"},
		{Method: "POST", Path: "/.search", Header: ct, Body: []byte(`{"cursor":"` + strings.Repeat("_-", 3000) + `","count":1}`)},
		{Method: "POST", Path: "/Users/.search", Header: ct, Body: []byte(`{"cursor":7}`)},
		{Method: "GET", Path: "/Users", RawQuery: "sortBy=emails%5Bvalue%20eq%20%22x%22%5D"},
		{Method: "GET", Path: "/Users/{user}", RawQuery: "attributes=%00&excludedAttributes=%FF"},
		{Method: "GET", Path: "/Groups", RawQuery: "attributes=" + strings.Repeat("members,", 2000)},
		{Method: "PUT", Path: "/Users/{user}", Header: ct + "\nIf-Match: W/\"\x00\"", Body: userNamed(`"fixture@example.com"`)},
		{Method: "DELETE", Path: "/Users/{user}", Header: "If-Match: " + long},
		{Method: "GET", Path: "/Users/{user}", Header: "If-None-Match: *"},
		{Method: "POST", Path: "/Users", Header: "Content-Type: text/plain; charset=\xff", Body: userNamed(`"ct@example.com"`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: []byte(`{"userName":"dup@example.com","userName":"DUP@example.com"}`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: []byte(`{"userName":"fixture@example.com"}`)},
		{Method: "POST", Path: "/Users", Header: ct, Body: []byte(`{"userName":"FIXTURE@EXAMPLE.COM"}`)},
		{Method: "POST", Path: "/Groups", Header: ct, Body: []byte(`{"displayName":"fixture group"}`)},
		// Bulk: malformed and hostile requests and operations.
		{Method: "POST", Path: "/Bulk", Header: ct, Body: []byte(`{}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Bulk","bulkId":"b","data":` + string(bulk(`{"method":"DELETE","path":"/Users/{user}"}`)) + `}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"GET","path":"/Users/{user}"}`, `{"method":"POST","path":"/Users/.search","bulkId":"s","data":{}}`, `{"method":"POST","path":"/Me","bulkId":"m","data":{}}`, `{"method":"PATCH","path":"/Schemas/x","data":{}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Users","data":{"userName":"nobulkid@example.com"}}`, `{"method":"DELETE","path":"/Users/bulkId:nowhere"}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Groups","bulkId":"a","data":{"displayName":"A","members":[{"value":"bulkId:b"}]}}`, `{"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"B","members":[{"value":"bulkId:a"}]}}`, `{"method":"POST","path":"/Groups","bulkId":"c","data":{"displayName":"C","members":[{"value":"bulkId:c"},{"value":"bulkId:a"}]}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"PATCH","path":"/Groups/{group}","data":`+string(patch(`{"op":"add","path":"members","value":[{"value":"bulkId:u"}]}`))+`}`, `{"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"bulk@example.com"}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"DELETE","path":"/Users/%00"}`, `{"method":"DELETE","path":"/Users/%FF"}`, `{"method":"DELETE","path":"/Groups/`+long+`"}`, `{"method":"PUT","path":"/Users/{user}","version":"`+long+`","data":{"userName":"fixture@example.com"}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Users","bulkId":"d","data":"x"}`, `{"method":"PUT","path":"/Users/{user}","data":[1]}`, `{"method":"POST","path":"/Users","bulkId":"e","data":`+string(userNamed(`"`+long+`"`))+`}`, `{"method":"POST","path":"/Users","bulkId":"f","data":{"userName":"FIXTURE@EXAMPLE.COM"}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"a@example.com"}}`, `{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"b@example.com"}}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(`{"method":"POST","path":"/Users","bulkId":"x","data":` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + `}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: bulk(strings.TrimSuffix(strings.Repeat(`{"method":"DELETE","path":"/Users/x"},`, 1001), ","))},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1e400,"Operations":[]}`)},
		{Method: "POST", Path: "/Bulk", Header: ct, Body: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/{user}"`)},
		{Method: "PATCH", Path: "/Users/{user}", Header: ct, Body: patch(strings.TrimSuffix(strings.Repeat(`{"op":"add","path":"emails","value":[{"value":"e@example.com"}]},`, 1001), ","))},
	}
	return seeds
}
