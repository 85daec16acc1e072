package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

const testToken = "s3cret-token"

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// harness runs a Server mounted at /scim/v2 of a stdlib mux.
type harness struct {
	t     *testing.T
	srv   *scim.Server
	h     http.Handler
	store store.Store
	log   *bytes.Buffer
}

func newHarness(t *testing.T, mod func(*scim.Config)) *harness {
	t.Helper()
	var n atomic.Int64
	var tokens scim.Tokens
	tokens.Add(testToken, "tenant-a")
	tokens.Add("other-token", "tenant-b")
	logs := &bytes.Buffer{}
	cfg := scim.Config{
		Store:        memory.New(),
		Authenticate: tokens.Authenticate,
		Clock:        func() time.Time { return testNow },
		NewID:        func() string { return fmt.Sprintf("id-%d", n.Add(1)) },
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := scim.New(cfg)
	assert.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", srv))
	return &harness{t: t, srv: srv, h: mux, store: cfg.Store, log: logs}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request with the test token; hdr is "Key: value" pairs.
func (h *harness) do(method, path, body string, hdr ...string) *response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://scim.example.com"+path, rd)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for _, kv := range hdr {
		k, v, _ := strings.Cut(kv, ": ")
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// expect checks status and that the response is application/scim+json.
func (r *response) expect(t *testing.T, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	if status != http.StatusNoContent && status != http.StatusNotModified {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			t.Errorf("Content-Type = %q, want application/scim+json", ct)
		}
	}
	return r
}

func errorBody(status int, scimType, detail string) string {
	b, _ := json.Marshal(map[string]any{
		"schemas": []string{scim.ErrorSchema}, "status": fmt.Sprint(status), "scimType": scimType, "detail": detail,
	})
	if scimType == "" {
		var m map[string]any
		json.Unmarshal(b, &m)
		delete(m, "scimType")
		b, _ = json.Marshal(m)
	}
	return string(b)
}

const bjensen = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","externalId":"bjensen","name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,"emails":[{"value":"bjensen@example.com","type":"work","primary":true}]}`

func TestCreateUserAnswers201WithLocationETagAndMeta(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	const loc = "http://scim.example.com/scim/v2/Users/id-1"
	if got := res.header.Get("Location"); got != loc {
		t.Errorf("Location = %q, want %q", got, loc)
	}
	m := res.json(t)
	meta := m["meta"].(map[string]any)
	if got := res.header.Get("ETag"); got == "" || got != meta["version"] {
		t.Errorf("ETag %q does not mirror meta.version %v", got, meta["version"])
	}
	assert.JSONEqual(t, res.body, []byte(`{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"id":"id-1","externalId":"bjensen","userName":"bjensen@example.com",
		"name":{"givenName":"Barbara","familyName":"Jensen"},"active":true,
		"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],
		"meta":{"resourceType":"User","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T03:04:05Z",
		        "location":"`+loc+`","version":`+mustJSON(meta["version"])+`}}`))

	// GET by id returns the same representation.
	got := h.do("GET", "/scim/v2/Users/id-1", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, got.body, res.body)
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestUserNameUniqueCaseInsensitivelyPerTenant(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	res := h.do("POST", "/scim/v2/Users", strings.Replace(bjensen, "bjensen@example.com", "BJensen@Example.COM", 1)).expect(t, http.StatusConflict)
	assert.JSONEqual(t, res.body, []byte(errorBody(409, "uniqueness", `a user with userName "BJensen@Example.COM" already exists in this tenant`)))
	// Another tenant may use the same userName.
	h.do("POST", "/scim/v2/Users", bjensen, "Authorization: Bearer other-token").expect(t, http.StatusCreated)
	// And cannot see tenant-a's user.
	res = h.do("GET", "/scim/v2/Users/id-1", "", "Authorization: Bearer other-token").expect(t, http.StatusNotFound)
	assert.JSONEqual(t, res.body, []byte(errorBody(404, "", `User "id-1" not found`)))
}

func TestUnknownPathAndWrongMethodAnswerInSCIMForm(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("GET", "/scim/v2/Widgets", "").expect(t, http.StatusNotFound)
	assert.JSONEqual(t, res.body, []byte(errorBody(404, "", "no SCIM endpoint at /Widgets")))
	res = h.do("DELETE", "/scim/v2/Users", "").expect(t, http.StatusMethodNotAllowed)
	assert.JSONEqual(t, res.body, []byte(errorBody(405, "", "DELETE is not allowed on /Users")))
	if got := res.header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow = %q", got)
	}
	res = h.do("GET", "/scim/v2/Bulk", "").expect(t, http.StatusMethodNotAllowed)
	assert.JSONEqual(t, res.body, []byte(errorBody(405, "", "GET is not allowed on /Bulk")))
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, nil)
	for _, hdr := range []string{"Authorization: ", "Authorization: Bearer wrong", "Authorization: Basic dXNlcjpwYXNz"} {
		res := h.do("GET", "/scim/v2/Users", "", hdr).expect(t, http.StatusUnauthorized)
		assert.JSONEqual(t, res.body, []byte(errorBody(401, "", "authentication failed: send the Secret Token as 'Authorization: Bearer <token>'")))
		if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
			t.Errorf("%s: WWW-Authenticate = %q", hdr, got)
		}
	}
	// The scheme is case-insensitive.
	h.do("GET", "/scim/v2/Users", "", "Authorization: bearer "+testToken).expect(t, http.StatusOK)
}

func TestTokenRotation(t *testing.T) {
	var tokens scim.Tokens
	tokens.Add("old", "t1")
	tokens.Add("new", "t1")
	if tn, ok := tokens.Tenant("new"); !ok || tn != "t1" {
		t.Fatalf("Tenant(new) = %q, %v", tn, ok)
	}
	tokens.Revoke("old")
	if _, ok := tokens.Tenant("old"); ok {
		t.Fatal("revoked token still live")
	}
	if tn, ok := tokens.Tenant("new"); !ok || tn != "t1" {
		t.Fatalf("Tenant(new) after revoking old = %q, %v", tn, ok)
	}
}

func TestContentTypes(t *testing.T) {
	h := newHarness(t, nil)
	for i, ct := range []string{"application/scim+json", "application/json", "application/json; charset=utf-8", "application/scim+json;charset=UTF-8"} {
		body := strings.ReplaceAll(bjensen, "bjensen", fmt.Sprintf("user%d", i))
		h.do("POST", "/scim/v2/Users", body, "Content-Type: "+ct).expect(t, http.StatusCreated)
	}
	res := h.do("POST", "/scim/v2/Users", bjensen, "Content-Type: text/plain").expect(t, http.StatusUnsupportedMediaType)
	assert.JSONEqual(t, res.body, []byte(errorBody(415, "", `Content-Type must be application/scim+json or application/json, not "text/plain"`)))
}

func TestBadBodies(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		name, body string
		status     int
		scimType   string
	}{
		{"malformed JSON", `{"userName":`, 400, "invalidSyntax"},
		{"not an object", `[1,2]`, 400, "invalidSyntax"},
		{"wrong type", `{"userName":"x","active":"maybe"}`, 400, "invalidValue"},
		{"userName missing", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"}`, 400, "invalidValue"},
		{"invalid UTF-8", "{\"userName\":\"\xff\xfe\"}", 400, ""},
		{"deep nesting", `{"userName":"x","urn:x:y":` + strings.Repeat(`[`, 10000) + strings.Repeat(`]`, 10000) + `}`, 400, ""},
		{"empty", ``, 400, "invalidSyntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do("POST", "/scim/v2/Users", tc.body, "Content-Type: application/scim+json").expect(t, tc.status)
			m := res.json(t)
			if m["status"] != fmt.Sprint(tc.status) {
				t.Errorf("status in body = %v", m["status"])
			}
			if tc.scimType != "" && m["scimType"] != tc.scimType {
				t.Errorf("scimType = %v, want %s", m["scimType"], tc.scimType)
			}
			if m["detail"] == "" || m["detail"] == nil {
				t.Errorf("no detail: %s", res.body)
			}
		})
	}
}

func TestOversizedBodyIsRefusedUnparsed(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.MaxBodyBytes = 1 << 20 })
	big := `{"userName":"x","displayName":"` + strings.Repeat("a", 5<<20) + `"}`
	res := h.do("POST", "/scim/v2/Users", big).expect(t, http.StatusRequestEntityTooLarge)
	assert.JSONEqual(t, res.body, []byte(errorBody(413, "", "request body larger than 1048576 bytes")))

	// Without a Content-Length (chunked) the reader stops at the limit.
	req := httptest.NewRequest("POST", "/scim/v2/Users", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: status %d: %s", rec.Code, rec.Body)
	}
}

func TestListPagingPerRFC7644(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.MaxResults = 3 })
	for i := 1; i <= 5; i++ {
		h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"u%d"}`, i)).expect(t, http.StatusCreated)
	}
	type page struct {
		Total, Items, Start int
		Names               []string
	}
	get := func(query string) page {
		t.Helper()
		res := h.do("GET", "/scim/v2/Users?attributes=userName"+query, "").expect(t, http.StatusOK)
		var lr struct {
			Schemas      []string
			TotalResults int
			ItemsPerPage int
			StartIndex   int
			Resources    []struct{ UserName string }
		}
		if err := json.Unmarshal(res.body, &lr); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(res.body, []byte(`"Resources":[`)) {
			t.Errorf("%s: Resources missing: %s", query, res.body)
		}
		p := page{lr.TotalResults, lr.ItemsPerPage, lr.StartIndex, []string{}}
		for _, r := range lr.Resources {
			p.Names = append(p.Names, r.UserName)
		}
		return p
	}
	for _, tc := range []struct {
		query string
		want  page
	}{
		{"", page{5, 3, 1, []string{"u1", "u2", "u3"}}}, // MaxResults is the default page size
		{"&startIndex=4", page{5, 2, 4, []string{"u4", "u5"}}},
		{"&startIndex=2&count=2", page{5, 2, 2, []string{"u2", "u3"}}},
		{"&count=0", page{5, 0, 1, []string{}}},
		{"&count=-4", page{5, 0, 1, []string{}}},
		{"&startIndex=0&count=1", page{5, 1, 1, []string{"u1"}}},
		{"&startIndex=-3&count=1", page{5, 1, 1, []string{"u1"}}},
		{"&count=100", page{5, 3, 1, []string{"u1", "u2", "u3"}}}, // capped at MaxResults
		{"&startIndex=9", page{5, 0, 9, []string{}}},
		{"&filter=userName+eq+%22nobody%22", page{0, 0, 1, []string{}}},
		{"&aadOptscim062020", page{5, 3, 1, []string{"u1", "u2", "u3"}}},
	} {
		assert.Equal(t, get(tc.query), tc.want)
	}
	for _, q := range []string{"?count=abc", "?startIndex=1.5"} {
		res := h.do("GET", "/scim/v2/Users"+q, "").expect(t, http.StatusBadRequest)
		if m := res.json(t); m["scimType"] != "invalidValue" {
			t.Errorf("%s: %s", q, res.body)
		}
	}
}

func TestEmptyListResponseIsExact(t *testing.T) {
	h := newHarness(t, nil)
	res := h.do("GET", `/scim/v2/Users?filter=userName+eq+%2263e0e4a4-7d0f-4a5e-9d4b-3f1b1f3c2a11%22`, "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]}`))
}

func TestInvalidFilter(t *testing.T) {
	h := newHarness(t, nil)
	for _, f := range []string{`userName+eq`, `userName+zz+%22x%22`, `nosuchattr+eq+%22x%22`, `(userName+eq+%22x%22`} {
		res := h.do("GET", "/scim/v2/Users?filter="+f, "").expect(t, http.StatusBadRequest)
		if m := res.json(t); m["scimType"] != "invalidFilter" {
			t.Errorf("%s: %s", f, res.body)
		}
	}
	long := strings.Repeat(`userName eq "x" or `, 2000) + `userName eq "y"`
	req := "/scim/v2/Users?filter=" + strings.ReplaceAll(strings.ReplaceAll(long, " ", "+"), `"`, "%22")
	res := h.do("GET", req, "").expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidFilter" {
		t.Errorf("long filter: %s", res.body)
	}
}

func TestProjection(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	res := h.do("GET", "/scim/v2/Users/id-1?attributes=userName,name.givenName", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","userName":"bjensen@example.com","name":{"givenName":"Barbara"}}`))
	res = h.do("GET", "/scim/v2/Users?filter=userName+eq+%22BJENSEN@example.com%22&excludedAttributes=emails,meta,name", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,
		"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","externalId":"bjensen","userName":"bjensen@example.com","active":true}]}`))
}

// countingStore records whether groups were read with members.
type countingStore struct {
	store.Store
	withMembers atomic.Int64
}

func (c *countingStore) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	if m == store.WithMembers {
		c.withMembers.Add(1)
	}
	return c.Store.GetGroup(ctx, id, m)
}

func (c *countingStore) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	if m == store.WithMembers {
		c.withMembers.Add(1)
	}
	return c.Store.ListGroups(ctx, p, m)
}

func TestExcludedMembersAreNotLoaded(t *testing.T) {
	cs := &countingStore{Store: memory.New()}
	h := newHarness(t, func(c *scim.Config) { c.Store = cs })
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	h.do("POST", "/scim/v2/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[{"value":"id-1"}]}`).expect(t, http.StatusCreated)
	cs.withMembers.Store(0)
	res := h.do("GET", "/scim/v2/Groups/id-2?excludedAttributes=members", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-2","displayName":"Sales",
		"meta":{"resourceType":"Group","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T03:04:05Z","location":"http://scim.example.com/scim/v2/Groups/id-2","version":`+mustJSON(res.json(t)["meta"].(map[string]any)["version"])+`}}`))
	// The fallback list path (no GroupQuerier) must not load members either.
	res = h.do("GET", "/scim/v2/Groups?excludedAttributes=members&filter=displayName+eq+%22sales%22", "").expect(t, http.StatusOK)
	if m := res.json(t); m["totalResults"] != 1.0 || bytes.Contains(res.body, []byte("members")) {
		t.Errorf("list: %s", res.body)
	}
	if n := cs.withMembers.Load(); n != 0 {
		t.Errorf("members were loaded %d times", n)
	}
	// Without the exclusion they are returned, with $ref.
	res = h.do("GET", "/scim/v2/Groups/id-2", "").expect(t, http.StatusOK)
	got := res.json(t)["members"]
	assert.Equal(t, got, any([]any{map[string]any{"value": "id-1", "$ref": "http://scim.example.com/scim/v2/Users/id-1"}}), cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "type" || k == "display" }))
	// And the user shows the group.
	res = h.do("GET", "/scim/v2/Users/id-1?attributes=groups", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","groups":[{"value":"id-2","$ref":"http://scim.example.com/scim/v2/Groups/id-2","display":"Sales","type":"direct"}]}`))
}

func TestGroupDisplayNameUniqueness(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
	res := h.do("POST", "/scim/v2/Groups", `{"displayName":"SALES"}`).expect(t, http.StatusConflict)
	assert.JSONEqual(t, res.body, []byte(errorBody(409, "uniqueness", `a group with displayName "SALES" already exists in this tenant`)))
	h2 := newHarness(t, func(c *scim.Config) { c.AllowDuplicateGroupNames = true })
	h2.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
	h2.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
}

func TestPutAndETags(t *testing.T) {
	h := newHarness(t, nil)
	created := h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	tag := created.header.Get("ETag")
	// If-None-Match with the current version: 304.
	h.do("GET", "/scim/v2/Users/id-1", "", "If-None-Match: "+tag).expect(t, http.StatusNotModified)
	// Okta PUT: read-only id, meta and groups in the body; active omitted keeps the user active.
	put := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","userName":"bjensen@example.com","name":{"givenName":"Babs","familyName":"Jensen"},"groups":[],"meta":{"resourceType":"User"}}`
	res := h.do("PUT", "/scim/v2/Users/id-1", put, "If-Match: "+tag).expect(t, http.StatusOK)
	m := res.json(t)
	if m["active"] != true || m["name"].(map[string]any)["givenName"] != "Babs" || m["emails"] != nil || m["externalId"] != nil {
		t.Errorf("PUT result: %s", res.body)
	}
	newTag := res.header.Get("ETag")
	if newTag == tag {
		t.Error("version did not change")
	}
	// The old tag is now stale: 412 on PUT and DELETE.
	res = h.do("PUT", "/scim/v2/Users/id-1", put, "If-Match: "+tag).expect(t, http.StatusPreconditionFailed)
	assert.JSONEqual(t, res.body, []byte(errorBody(412, "", "resource version does not match If-Match")))
	h.do("DELETE", "/scim/v2/Users/id-1", "", "If-Match: "+tag).expect(t, http.StatusPreconditionFailed)
	// active:false in a PUT deactivates (Okta AIW).
	res = h.do("PUT", "/scim/v2/Users/id-1", strings.Replace(put, `"groups":[]`, `"active":false`, 1)).expect(t, http.StatusOK)
	if res.json(t)["active"] != false {
		t.Errorf("not deactivated: %s", res.body)
	}
	h.do("DELETE", "/scim/v2/Users/id-1", "", "If-Match: "+res.header.Get("ETag")).expect(t, http.StatusNoContent)
	h.do("GET", "/scim/v2/Users/id-1", "").expect(t, http.StatusNotFound)
	h.do("PUT", "/scim/v2/Users/nope", put).expect(t, http.StatusNotFound)
	h.do("DELETE", "/scim/v2/Users/nope", "").expect(t, http.StatusNotFound)
}

// failingStore fails or panics on every user read.
type failingStore struct {
	store.Store
	panics bool
}

func (f failingStore) GetUser(ctx context.Context, id string) (*resource.User, error) {
	if f.panics {
		panic("boom")
	}
	return nil, errors.New("db: connection refused to 10.0.0.7")
}

func TestUnexpectedErrorsAre500WithoutLeakingCause(t *testing.T) {
	for _, panics := range []bool{false, true} {
		h := newHarness(t, func(c *scim.Config) { c.Store = failingStore{Store: memory.New(), panics: panics} })
		res := h.do("GET", "/scim/v2/Users/x", "").expect(t, http.StatusInternalServerError)
		assert.JSONEqual(t, res.body, []byte(errorBody(500, "", "internal server error")))
		want := "connection refused"
		if panics {
			want = "boom"
		}
		if !strings.Contains(h.log.String(), want) {
			t.Errorf("cause not logged: %s", h.log)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", scim.NewError(409, scim.ScimTypeUniqueness, "taken"))
	var e *scim.Error
	if !errors.As(err, &e) || e.Status != 409 {
		t.Fatalf("errors.As: %v", err)
	}
	if !errors.Is(err, scim.NewError(409, scim.ScimTypeUniqueness, "")) {
		t.Error("Is ignoring detail failed")
	}
	if errors.Is(err, scim.NewError(409, scim.ScimTypeUniqueness, "other")) {
		t.Error("Is with a different detail matched")
	}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{store.ErrNotFound, 404}, {fmt.Errorf("x: %w", store.ErrConflict), 409}, {store.ErrPreconditionFailed, 412},
		{&resource.Error{ScimType: "invalidValue", Detail: "x"}, 400}, {errors.New("?"), 500},
	} {
		if got := scim.StatusOf(tc.err); got != tc.want {
			t.Errorf("StatusOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	rec := httptest.NewRecorder()
	scim.WriteError(rec, httptest.NewRequest("GET", "/", nil), scim.NewError(403, "", "tenant suspended"))
	if rec.Code != 403 || rec.Header().Get("Content-Type") != "application/scim+json; charset=utf-8" {
		t.Errorf("WriteError: %d %v", rec.Code, rec.Header())
	}
	assert.JSONEqual(t, rec.Body.Bytes(), []byte(errorBody(403, "", "tenant suspended")))
}

func TestMountingUnderChiAndBaseURL(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.TrustForwardedHeaders = true })
	r := chi.NewRouter()
	r.Mount("/api/scim", http.StripPrefix("/api/scim", h.srv))
	req := httptest.NewRequest("POST", "http://app.example.com/api/scim/Users", strings.NewReader(bjensen))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("chi: %d %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Location"); got != "https://app.example.com/api/scim/Users/id-1" {
		t.Errorf("Location under chi = %q", got)
	}

	// A configured BaseURL wins.
	h2 := newHarness(t, func(c *scim.Config) {
		c.BaseURL = func(*http.Request) string { return "https://public.example.com/scim/v2/" }
	})
	res := h2.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	if got := res.header.Get("Location"); got != "https://public.example.com/scim/v2/Users/id-1" {
		t.Errorf("Location with BaseURL = %q", got)
	}
}

func TestDiscoveryEndpoints(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.MaxResults = 50 })
	res := h.do("GET", "/scim/v2/ServiceProviderConfig", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
		"patch":{"supported":true},"bulk":{"supported":true,"maxOperations":1000,"maxPayloadSize":1048576},
		"filter":{"supported":true,"maxResults":50},"changePassword":{"supported":false},"sort":{"supported":true},"etag":{"supported":true},
		"authenticationSchemes":[{"type":"oauthbearertoken","name":"OAuth Bearer Token","description":"Authentication with a bearer token (the Secret Token of the identity provider's provisioning settings)","primary":true}],
		"pagination":{"cursor":true,"index":true,"defaultPaginationMethod":"index","defaultPageSize":50,"maxPageSize":50,"cursorTimeout":3600},
		"meta":{"resourceType":"ServiceProviderConfig","location":"http://scim.example.com/scim/v2/ServiceProviderConfig"}}`))

	res = h.do("GET", "/scim/v2/ResourceTypes/User", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"User","name":"User","endpoint":"/Users",
		"description":"User Account","schema":"urn:ietf:params:scim:schemas:core:2.0:User",
		"schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}],
		"meta":{"resourceType":"ResourceType","location":"http://scim.example.com/scim/v2/ResourceTypes/User"}}`),
		cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "description" }))

	res = h.do("GET", "/scim/v2/Schemas", "").expect(t, http.StatusOK)
	var lr struct {
		TotalResults int
		Resources    []struct {
			ID         string
			Attributes []struct {
				Name, Mutability, Returned string
				CaseExact                  bool
			}
		}
	}
	assert.NoError(t, json.Unmarshal(res.body, &lr))
	var ids []string
	attrs := map[string]string{}
	for _, s := range lr.Resources {
		ids = append(ids, s.ID)
		for _, a := range s.Attributes {
			attrs[a.Name] = a.Mutability + "/" + a.Returned + fmt.Sprintf("/%v", a.CaseExact)
		}
	}
	assert.Equal(t, ids, []string{resource.UserSchema, resource.EnterpriseUserSchema, resource.GroupSchema}, cmpopts.SortSlices(func(a, b string) bool { return a < b }))
	assert.Equal(t, lr.TotalResults, 3)
	for name, want := range map[string]string{"userName": "readWrite/default/false", "password": "writeOnly/never/false", "groups": "readOnly/default/false"} {
		if attrs[name] != want {
			t.Errorf("schema attribute %s = %q, want %q", name, attrs[name], want)
		}
	}
	res = h.do("GET", "/scim/v2/Schemas/"+resource.EnterpriseUserSchema, "").expect(t, http.StatusOK)
	if m := res.json(t); m["id"] != resource.EnterpriseUserSchema {
		t.Errorf("schema by id: %s", res.body)
	}
	h.do("GET", "/scim/v2/Schemas/urn:nope", "").expect(t, http.StatusNotFound)
}

// hiddenQuerier hides the memory store's fast paths, forcing the
// library's fallback.
type hiddenQuerier struct{ store.Store }

func TestFallbackQueryMatchesFastPath(t *testing.T) {
	fast := newHarness(t, nil)
	slow := newHarness(t, func(c *scim.Config) { c.Store = hiddenQuerier{memory.New()} })
	for _, h := range []*harness{fast, slow} {
		for i := 1; i <= 7; i++ {
			active := i%2 == 0
			h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"user%d","active":%v,"title":"t%d"}`, i, active, 8-i)).expect(t, http.StatusCreated)
		}
	}
	for _, q := range []string{
		"?filter=active+eq+true", "?filter=active+eq+true&startIndex=2&count=1", "?sortBy=title", "?sortBy=title&sortOrder=descending&count=3",
		"?filter=userName+sw+%22USER%22&startIndex=3&count=2", "?filter=not+(userName+eq+%22user3%22)&count=0",
	} {
		a := fast.do("GET", "/scim/v2/Users"+q, "").expect(t, http.StatusOK)
		b := slow.do("GET", "/scim/v2/Users"+q, "").expect(t, http.StatusOK)
		assert.JSONEqual(t, b.body, a.body, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "version" }))
	}
}

func TestSearchEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
	res := h.do("POST", "/scim/v2/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["userName"],"filter":"userName eq \"bjensen@example.com\"","startIndex":1,"count":10}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,
		"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","userName":"bjensen@example.com"}]}`))
	res = h.do("POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["id"]}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"itemsPerPage":2,"startIndex":1,
		"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1"},{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-2"}]}`))
	res = h.do("POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":["id"],"startIndex":2}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"itemsPerPage":1,"startIndex":2,
		"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-2"}]}`))
	h.do("POST", "/scim/v2/Users/.search", `{"schemas":["urn:wrong"]}`).expect(t, http.StatusBadRequest)
	h.do("GET", "/scim/v2/Users/.search", "").expect(t, http.StatusMethodNotAllowed)
}

func TestCustomExtensionFilterReachesStore(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:acme:2.0:User"
	ext := &resource.Schema{ID: urn, Name: "AcmeUser", Attributes: []*resource.Attribute{
		{Name: "badge", Type: resource.TypeString, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
	}}
	h := newHarness(t, func(c *scim.Config) { c.UserExtensions = []*resource.Schema{ext} })
	h.do("POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+urn+`"],"userName":"a","`+urn+`":{"badge":"42"}}`).expect(t, http.StatusCreated)
	h.do("POST", "/scim/v2/Users", `{"userName":"b","`+urn+`:badge":"7"}`).expect(t, http.StatusCreated)
	res := h.do("GET", "/scim/v2/Users?attributes=userName&filter="+urn+":badge+eq+%2242%22", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,
		"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","userName":"a"}]}`))
	res = h.do("GET", "/scim/v2/Users/id-2", "").expect(t, http.StatusOK)
	if m := res.json(t); fmt.Sprint(m[urn]) != "map[badge:7]" {
		t.Errorf("extension not returned: %s", res.body)
	}
}

func TestPutChangingAnImmutableAttributeIs400Mutability(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:acme:2.0:User"
	ext := &resource.Schema{ID: urn, Name: "AcmeUser", Attributes: []*resource.Attribute{
		{Name: "hireNumber", Type: resource.TypeString, Mutability: resource.Immutable, Returned: resource.ReturnedDefault},
	}}
	h := newHarness(t, func(c *scim.Config) { c.UserExtensions = []*resource.Schema{ext} })
	h.do("POST", "/scim/v2/Users", `{"userName":"a","`+urn+`":{"hireNumber":"7"}}`).expect(t, http.StatusCreated)
	// The same value is fine.
	h.do("PUT", "/scim/v2/Users/id-1", `{"userName":"a","title":"CTO","`+urn+`":{"hireNumber":"7"}}`).expect(t, http.StatusOK)
	res := h.do("PUT", "/scim/v2/Users/id-1", `{"userName":"a","`+urn+`":{"hireNumber":"8"}}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "mutability" {
		t.Errorf("PUT changing an immutable attribute: %s", res.body)
	}
	res = h.do("GET", "/scim/v2/Users/id-1?attributes="+urn+":hireNumber,title", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+urn+`"],"id":"id-1","title":"CTO","`+urn+`":{"hireNumber":"7"}}`))
}
