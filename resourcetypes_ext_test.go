package scim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/patch"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// staticSource serves fixed resources read-only, in the order given.
type staticSource struct {
	objs []*resource.Object
	// err, when set, is returned by every call.
	err error
	// gets counts GetResource calls.
	mu   sync.Mutex
	gets []string
}

func (s *staticSource) GetResource(_ context.Context, id string) (*resource.Object, error) {
	s.mu.Lock()
	s.gets = append(s.gets, id)
	s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	for _, o := range s.objs {
		if o.ID == id {
			return o, nil
		}
	}
	return nil, store.ErrNotFound
}

func (s *staticSource) ListResources(_ context.Context, p store.Page) (scim.CustomList, error) {
	if s.err != nil {
		return scim.CustomList{}, s.err
	}
	from := min(p.StartIndex-1, len(s.objs))
	to := min(from+p.Count, len(s.objs))
	return scim.CustomList{Resources: s.objs[from:to], TotalResults: len(s.objs)}, nil
}

func obj(id, attrs string) *resource.Object {
	return &resource.Object{ID: id, Attributes: json.RawMessage(attrs)}
}

// oktaRoles are the app's roles, as Okta's guide shows a role: an id and a
// displayName.
func oktaRoles() *staticSource {
	return &staticSource{objs: []*resource.Object{
		obj("admin", `{"displayName":"Administrator","description":"Manages the workspace"}`),
		obj("member", `{"displayName":"Member"}`),
		obj("viewer", `{"displayName":"Viewer"}`),
	}}
}

func oktaEntitlements() *staticSource {
	return &staticSource{objs: []*resource.Object{
		obj("billing", `{"displayName":"Billing","type":"Permission"}`),
		obj("api-access", `{"displayName":"API access","type":"License"}`),
	}}
}

func withOktaTypes(roles, ents scim.CustomSource) func(*scim.Config) {
	return func(c *scim.Config) {
		c.ResourceTypes = []scim.CustomType{
			{Type: scim.OktaRoleType(), Source: roles, Assigns: scim.AssignsRoles},
			{Type: scim.OktaEntitlementType(), Source: ents, Assigns: scim.AssignsEntitlements},
		}
	}
}

func TestCustomTypesInDiscovery(t *testing.T) {
	profile := &resource.Schema{ID: "urn:acme:scim:schemas:extension:app:1.0:Profile", Name: "Profile",
		Attributes: []*resource.Attribute{{Name: "tier", Type: resource.TypeString}}}
	ents := scim.OktaEntitlementType()
	h := newHarness(t, func(c *scim.Config) {
		c.ResourceTypes = []scim.CustomType{
			{Type: scim.OktaRoleType(), Source: oktaRoles()},
			{Type: ents, Source: oktaEntitlements()},
			// Okta's guide: a Profile type sharing the Entitlement schema, with an extension.
			{Type: &resource.ResourceType{ID: "Profile", Name: "Profile", Endpoint: "/Profiles", Schema: ents.Schema,
				Extensions: []resource.SchemaExtension{{Schema: profile, Required: true}}}, Source: &staticSource{}},
		}
	})
	var lr struct {
		TotalResults int
		Resources    []struct{ ID, Endpoint, Schema string }
	}
	res := h.do("GET", "/scim/v2/ResourceTypes", "").expect(t, http.StatusOK)
	assert.NoError(t, json.Unmarshal(res.body, &lr))
	assert.Equal(t, lr.TotalResults, 5)
	var got []string
	for _, r := range lr.Resources {
		got = append(got, r.ID+" "+r.Endpoint+" "+r.Schema)
	}
	assert.Equal(t, got, []string{
		"User /Users " + resource.UserSchema,
		"Group /Groups " + resource.GroupSchema,
		"Role /Roles " + scim.OktaRoleSchema,
		"Entitlement /Entitlements " + scim.OktaEntitlementSchema,
		"Profile /Profiles " + scim.OktaEntitlementSchema,
	})
	res = h.do("GET", "/scim/v2/ResourceTypes/profile", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"Profile","name":"Profile",
		"endpoint":"/Profiles","schema":"urn:okta:scim:schemas:core:1.0:Entitlement",
		"schemaExtensions":[{"schema":"urn:acme:scim:schemas:extension:app:1.0:Profile","required":true}],
		"meta":{"resourceType":"ResourceType","location":"http://scim.example.com/scim/v2/ResourceTypes/Profile"}}`))

	var sl struct {
		TotalResults int
		Resources    []struct{ ID string }
	}
	res = h.do("GET", "/scim/v2/Schemas", "").expect(t, http.StatusOK)
	assert.NoError(t, json.Unmarshal(res.body, &sl))
	var ids []string
	for _, s := range sl.Resources {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, ids, []string{resource.UserSchema, resource.GroupSchema, resource.EnterpriseUserSchema,
		scim.OktaRoleSchema, scim.OktaEntitlementSchema, profile.ID})
	assert.Equal(t, sl.TotalResults, 6)
	res = h.do("GET", "/scim/v2/Schemas/"+scim.OktaRoleSchema, "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Schema"],"id":"urn:okta:scim:schemas:core:1.0:Role",
		"name":"Role","description":"Okta Identity Governance role","attributes":[
		{"name":"displayName","type":"string","multiValued":false,"description":"The role's name, shown in Okta","required":true,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none"},
		{"name":"description","type":"string","multiValued":false,"description":"What the role grants","required":false,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"none"}],
		"meta":{"resourceType":"Schema","location":"http://scim.example.com/scim/v2/Schemas/urn:okta:scim:schemas:core:1.0:Role"}}`))
}

func TestCustomTypeReadOnly(t *testing.T) {
	h := newHarness(t, withOktaTypes(oktaRoles(), oktaEntitlements()))
	// Okta's import: every role, page by page.
	res := h.do("GET", "/scim/v2/Roles?startIndex=1&count=100", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"itemsPerPage":3,"startIndex":1,"Resources":[
		{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"admin","displayName":"Administrator","description":"Manages the workspace","meta":{"resourceType":"Role","location":"http://scim.example.com/scim/v2/Roles/admin"}},
		{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"member","displayName":"Member","meta":{"resourceType":"Role","location":"http://scim.example.com/scim/v2/Roles/member"}},
		{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"viewer","displayName":"Viewer","meta":{"resourceType":"Role","location":"http://scim.example.com/scim/v2/Roles/viewer"}}]}`))

	page := func(path string) []string {
		t.Helper()
		var lr struct {
			TotalResults, ItemsPerPage, StartIndex int
			Resources                              []struct{ ID string }
		}
		assert.NoError(t, json.Unmarshal(h.do("GET", path, "").expect(t, http.StatusOK).body, &lr))
		out := []string{fmt.Sprintf("total=%d items=%d start=%d", lr.TotalResults, lr.ItemsPerPage, lr.StartIndex)}
		for _, r := range lr.Resources {
			out = append(out, r.ID)
		}
		return out
	}
	assert.Equal(t, page("/scim/v2/roles?startIndex=2&count=1"), []string{"total=3 items=1 start=2", "member"})
	assert.Equal(t, page("/scim/v2/ROLES?startIndex=4"), []string{"total=3 items=0 start=4"})
	assert.Equal(t, page(`/scim/v2/Roles?filter=displayName+sw+%22m%22`), []string{"total=1 items=1 start=1", "member"})
	assert.Equal(t, page(`/scim/v2/Roles?filter=id+eq+%22viewer%22+or+description+pr`), []string{"total=2 items=2 start=1", "admin", "viewer"})
	assert.Equal(t, page(`/scim/v2/Roles?sortBy=displayName&sortOrder=descending&count=2`), []string{"total=3 items=2 start=1", "viewer", "member"})
	assert.Equal(t, page(`/scim/v2/Entitlements?filter=type+eq+%22license%22`), []string{"total=1 items=1 start=1", "api-access"})

	res = h.do("GET", "/scim/v2/Roles?attributes=displayName&filter=id+eq+%22admin%22", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[
		{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"admin","displayName":"Administrator"}]}`))
	res = h.do("POST", "/scim/v2/Roles/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"displayName eq \"viewer\"","excludedAttributes":["meta"]}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[
		{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"viewer","displayName":"Viewer"}]}`))

	res = h.do("GET", "/scim/v2/Roles/admin", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:okta:scim:schemas:core:1.0:Role"],"id":"admin","displayName":"Administrator","description":"Manages the workspace","meta":{"resourceType":"Role","location":"http://scim.example.com/scim/v2/Roles/admin"}}`))

	res = h.do("GET", "/scim/v2/Roles/nobody", "").expect(t, http.StatusNotFound)
	assert.JSONEqual(t, res.body, []byte(errorBody(404, "", `Role "nobody" not found`)))
	h.do("GET", "/scim/v2/Roles/a%00b", "").expect(t, http.StatusNotFound)
	res = h.do("GET", "/scim/v2/Roles?filter=nosuch+eq+1", "").expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidFilter" {
		t.Errorf("unknown attribute in filter: %s", res.body)
	}
	h.do("GET", "/scim/v2/Roles?sortBy=nosuch", "").expect(t, http.StatusBadRequest)

	// Read-only: every write is 405 with the methods there are.
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "/scim/v2/Roles", "GET"},
		{"PUT", "/scim/v2/Roles/admin", "GET"},
		{"PATCH", "/scim/v2/Roles/admin", "GET"},
		{"DELETE", "/scim/v2/Roles/admin", "GET"},
		{"GET", "/scim/v2/Roles/.search", "POST"},
	} {
		res := h.do(c.method, c.path, `{}`).expect(t, http.StatusMethodNotAllowed)
		if got := res.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow = %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	h.do("GET", "/scim/v2/Roles/admin/x", "").expect(t, http.StatusNotFound)
	h.do("GET", "/scim/v2/Licenses", "").expect(t, http.StatusNotFound)
}

func TestCustomTypeSourceErrors(t *testing.T) {
	down := &staticSource{err: fmt.Errorf("db: %w", store.ErrUnavailable)}
	h := newHarness(t, withOktaTypes(down, oktaEntitlements()))
	res := h.do("GET", "/scim/v2/Roles", "").expect(t, http.StatusServiceUnavailable)
	if res.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	h.do("GET", "/scim/v2/Roles/admin", "").expect(t, http.StatusServiceUnavailable)
}

// rwSource is a read-write source of versioned resources.
type rwSource struct {
	mu   sync.Mutex
	objs map[string]*resource.Object
	n    int
}

func (s *rwSource) GetResource(_ context.Context, id string) (*resource.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.objs[id]; ok {
		c := *o
		return &c, nil
	}
	return nil, store.ErrNotFound
}

func (s *rwSource) ListResources(_ context.Context, p store.Page) (scim.CustomList, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.objs))
	for id := range s.objs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	from := min(p.StartIndex-1, len(ids))
	to := min(from+p.Count, len(ids))
	var out []*resource.Object
	for _, id := range ids[from:to] {
		c := *s.objs[id]
		out = append(out, &c)
	}
	return scim.CustomList{Resources: out, TotalResults: len(ids)}, nil
}

func (s *rwSource) put(o *resource.Object) *resource.Object {
	s.n++
	c := *o
	c.Meta.Version = fmt.Sprint(s.n)
	s.objs[o.ID] = &c
	r := c
	return &r
}

func (s *rwSource) CreateResource(_ context.Context, o *resource.Object) (*resource.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objs == nil {
		s.objs = map[string]*resource.Object{}
	}
	return s.put(o), nil
}

func (s *rwSource) ReplaceResource(_ context.Context, o *resource.Object, version string) (*resource.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.objs[o.ID]
	if !ok {
		return nil, store.ErrNotFound
	}
	if version != "" && version != old.Meta.Version {
		return nil, store.ErrPreconditionFailed
	}
	return s.put(o), nil
}

// PatchResource applies replace operations on displayName only: enough
// to show the handler's part.
func (s *rwSource) PatchResource(_ context.Context, id string, ops []patch.Op, version string) (*resource.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.objs[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	if version != "" && version != old.Meta.Version {
		return nil, store.ErrPreconditionFailed
	}
	c := *old
	for _, op := range ops {
		if op.Op != "replace" || !strings.EqualFold(op.Path, "displayName") {
			return nil, &resource.Error{ScimType: resource.ScimTypeInvalidPath, Detail: "only displayName can be replaced"}
		}
		c.Attributes = json.RawMessage(`{"displayName":` + string(op.Value) + `}`)
	}
	return s.put(&c), nil
}

func (s *rwSource) DeleteResource(_ context.Context, id, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.objs[id]
	if !ok {
		return store.ErrNotFound
	}
	if version != "" && version != old.Meta.Version {
		return store.ErrPreconditionFailed
	}
	delete(s.objs, id)
	return nil
}

func TestCustomTypeReadWrite(t *testing.T) {
	src := &rwSource{}
	rt := &resource.ResourceType{ID: "License", Name: "License", Endpoint: "/Licenses", Schema: &resource.Schema{
		ID: "urn:acme:scim:schemas:core:1.0:License", Name: "License",
		Attributes: []*resource.Attribute{
			{Name: "displayName", Type: resource.TypeString, Required: true},
			{Name: "seats", Type: resource.TypeInteger},
			{Name: "sku", Type: resource.TypeString, Mutability: resource.Immutable},
		}}}
	h := newHarness(t, func(c *scim.Config) { c.ResourceTypes = []scim.CustomType{{Type: rt, Source: src}} })

	res := h.do("POST", "/scim/v2/Licenses", `{"schemas":["urn:acme:scim:schemas:core:1.0:License"],"id":"chosen","displayName":"Pro","Seats":10,"sku":"P-1","note":"kept"}`).expect(t, http.StatusCreated)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:acme:scim:schemas:core:1.0:License"],"id":"id-1","displayName":"Pro","seats":10,"sku":"P-1","note":"kept",
		"meta":{"resourceType":"License","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T03:04:05Z","location":"http://scim.example.com/scim/v2/Licenses/id-1","version":"W/\"1\""}}`))
	assert.Equal(t, res.header.Get("Location"), "http://scim.example.com/scim/v2/Licenses/id-1")
	assert.Equal(t, res.header.Get("ETag"), `W/"1"`)

	res = h.do("POST", "/scim/v2/Licenses", `{"seats":3}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidValue" || !strings.Contains(m["detail"].(string), "displayName") {
		t.Errorf("missing required displayName: %s", res.body)
	}
	res = h.do("POST", "/scim/v2/Licenses", `{"displayName":"X","seats":"ten"}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidValue" {
		t.Errorf("string for an integer: %s", res.body)
	}
	h.do("POST", "/scim/v2/Licenses", `{"schemas":["urn:other"],"displayName":"X"}`).expect(t, http.StatusBadRequest)
	h.do("POST", "/scim/v2/Licenses", `[`).expect(t, http.StatusBadRequest)

	h.do("PUT", "/scim/v2/Licenses/id-1", `{"displayName":"Pro+","seats":12,"sku":"P-1"}`, `If-Match: W/"7"`).expect(t, http.StatusPreconditionFailed)
	res = h.do("PUT", "/scim/v2/Licenses/id-1", `{"displayName":"Pro+","seats":12,"sku":"P-2"}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "mutability" {
		t.Errorf("immutable sku changed: %s", res.body)
	}
	res = h.do("PUT", "/scim/v2/licenses/id-1", `{"displayName":"Pro+","seats":12,"sku":"P-1"}`, `If-Match: W/"1"`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:acme:scim:schemas:core:1.0:License"],"id":"id-1","displayName":"Pro+","seats":12,"sku":"P-1",
		"meta":{"resourceType":"License","created":"2026-01-02T03:04:05Z","lastModified":"2026-01-02T03:04:05Z","location":"http://scim.example.com/scim/v2/Licenses/id-1","version":"W/\"2\""}}`))
	h.do("PUT", "/scim/v2/Licenses/nope", `{"displayName":"X"}`).expect(t, http.StatusNotFound)

	res = h.do("PATCH", "/scim/v2/Licenses/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Team"}]}`).expect(t, http.StatusOK)
	if m := res.json(t); m["displayName"] != "Team" || res.header.Get("ETag") != `W/"3"` {
		t.Errorf("PATCH: %s %v", res.body, res.header)
	}
	res = h.do("PATCH", "/scim/v2/Licenses/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"seats","value":1}]}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidPath" {
		t.Errorf("source's refusal: %s", res.body)
	}
	h.do("PATCH", "/scim/v2/Licenses/id-1", `{"Operations":[{"op":"frobnicate"}]}`).expect(t, http.StatusBadRequest)
	h.do("PATCH", "/scim/v2/Licenses/nope", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`).expect(t, http.StatusNotFound)

	res = h.do("GET", "/scim/v2/Licenses?filter=seats+gt+5", "").expect(t, http.StatusOK)
	if m := res.json(t); m["totalResults"] != float64(0) {
		t.Errorf("seats was patched away: %s", res.body) // the source's PATCH keeps displayName only
	}
	h.do("GET", "/scim/v2/Licenses/id-1", "", `If-None-Match: W/"3"`).expect(t, http.StatusNotModified)
	h.do("DELETE", "/scim/v2/Licenses/id-1", "", `If-Match: W/"1"`).expect(t, http.StatusPreconditionFailed)
	h.do("DELETE", "/scim/v2/Licenses/id-1", "").expect(t, http.StatusNoContent)
	h.do("GET", "/scim/v2/Licenses/id-1", "").expect(t, http.StatusNotFound)
	h.do("DELETE", "/scim/v2/Licenses/id-1", "").expect(t, http.StatusNotFound)
}

func TestCustomTypeCollisionsRefusedByNew(t *testing.T) {
	src := &staticSource{}
	rt := func(id, endpoint, schema string) *resource.ResourceType {
		return &resource.ResourceType{ID: id, Name: id, Endpoint: endpoint,
			Schema: &resource.Schema{ID: schema, Attributes: []*resource.Attribute{{Name: "displayName", Type: resource.TypeString}}}}
	}
	role := scim.OktaRoleType()
	shared := scim.OktaEntitlementType()
	for _, c := range []struct {
		name  string
		types []scim.CustomType
		err   string // "" for accepted
	}{
		{"Users endpoint", []scim.CustomType{{Type: rt("Person", "/users", "urn:a"), Source: src}}, `endpoint "/users" is a built-in endpoint`},
		{"Schemas endpoint", []scim.CustomType{{Type: rt("S", "/Schemas", "urn:a"), Source: src}}, "built-in endpoint"},
		{"Bulk endpoint", []scim.CustomType{{Type: rt("B", "/bulk", "urn:a"), Source: src}}, "built-in endpoint"},
		{"Me endpoint", []scim.CustomType{{Type: rt("M", "/ME", "urn:a"), Source: src}}, "built-in endpoint"},
		{"search endpoint", []scim.CustomType{{Type: rt("M", "/.search", "urn:a"), Source: src}}, "one path segment"},
		{"nested endpoint", []scim.CustomType{{Type: rt("M", "/a/b", "urn:a"), Source: src}}, "one path segment"},
		{"no slash", []scim.CustomType{{Type: rt("M", "Roles", "urn:a"), Source: src}}, "one path segment"},
		{"User id", []scim.CustomType{{Type: rt("user", "/People", "urn:a"), Source: src}}, `collides with the built-in type "User"`},
		{"User schema", []scim.CustomType{{Type: rt("P", "/People", resource.UserSchema), Source: src}}, "is a built-in schema"},
		{"same endpoint", []scim.CustomType{{Type: role, Source: src}, {Type: rt("R2", "/roles", "urn:a"), Source: src}}, `same endpoint`},
		{"same id", []scim.CustomType{{Type: role, Source: src}, {Type: rt("role", "/R2", "urn:a"), Source: src}}, "same ID or Name"},
		{"schema twice", []scim.CustomType{{Type: rt("A", "/A", "urn:x"), Source: src}, {Type: rt("B", "/B", "URN:X"), Source: src}}, "declared twice"},
		{"no source", []scim.CustomType{{Type: role}}, "needs a Type and a Source"},
		{"bad assigns", []scim.CustomType{{Type: role, Source: src, Assigns: "groups"}}, "Assigns must be"},
		{"bad schema", []scim.CustomType{{Type: rt("A", "/A", ""), Source: src}}, "not a URN"},
		{"shared schema", []scim.CustomType{{Type: shared, Source: src}, {Type: &resource.ResourceType{ID: "License", Name: "License", Endpoint: "/Licenses", Schema: shared.Schema}, Source: src}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := scim.New(scim.Config{Store: newHarness(t, nil).store, Authenticate: scim.NoAuthentication, ResourceTypes: c.types})
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("New: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("New: %v, want an error containing %q", err, c.err)
			}
		})
	}
}

// TestRoleAssignmentsOutsideTheDeclaredSet: Okta assigns a role by its id
// (the value of the user's roles); a value no declared type has is 400
// invalidValue on POST, PUT and PATCH, and nothing is written.
func TestRoleAssignmentsOutsideTheDeclaredSet(t *testing.T) {
	roles, ents := oktaRoles(), oktaEntitlements()
	h := newHarness(t, withOktaTypes(roles, ents))
	invalid := func(res *response, detail string) {
		t.Helper()
		res.expect(t, http.StatusBadRequest)
		assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", detail)))
	}
	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","active":true`
	invalid(h.do("POST", "/scim/v2/Users", user+`,"roles":[{"value":"member","display":"Member"},{"value":"root","display":"Root"}]}`),
		`roles[1].value "root" is not the id of any resource of /Roles, which list the values this service provider accepts`)
	invalid(h.do("POST", "/scim/v2/Users", user+`,"roles":[{"value":"Admin"}]}`),
		`roles[0].value "Admin" is not the id of any resource of /Roles, which list the values this service provider accepts`)
	invalid(h.do("POST", "/scim/v2/Users", user+`,"roles":[{"display":"Admin"}]}`),
		`roles[0].value is required: it names the Role assigned`)
	invalid(h.do("POST", "/scim/v2/Users", user+`,"entitlements":[{"value":"admin","type":"Permission"}]}`),
		`entitlements[0].value "admin" is not the id of any resource of /Entitlements, which list the values this service provider accepts`)
	h.do("GET", "/scim/v2/Users?filter=userName+eq+%22bjensen@example.com%22", "").expect(t, http.StatusOK)
	if res := h.do("GET", "/scim/v2/Users", "").json(t); res["totalResults"] != float64(0) {
		t.Fatalf("a refused POST created a user: %v", res)
	}

	res := h.do("POST", "/scim/v2/Users", user+`,"roles":[{"value":"member","display":"Member"}],"entitlements":[{"value":"api-access","display":"API access","type":"License"}]}`).expect(t, http.StatusCreated)
	id := res.json(t)["id"].(string)

	// Okta's assignment of a role (its workshop shows a PUT; a PATCH add is the RFC's form).
	res = h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"value":"admin","display":"Administrator"}]}]}`).expect(t, http.StatusOK)
	assert.Equal(t, rolesOf(t, res), []string{"member", "admin"})
	invalid(h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"value":"superuser","display":"Superuser"}]}]}`),
		`roles[2].value "superuser" is not the id of any resource of /Roles, which list the values this service provider accepts`)
	invalid(h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"roles[value eq \"admin\"].value","value":"owner"}]}`),
		`roles[1].value "owner" is not the id of any resource of /Roles, which list the values this service provider accepts`)
	invalid(h.do("PUT", "/scim/v2/Users/"+id, user+`,"roles":[{"value":"viewer"},{"value":"ghost"}]}`),
		`roles[1].value "ghost" is not the id of any resource of /Roles, which list the values this service provider accepts`)
	res = h.do("PUT", "/scim/v2/Users/"+id, user+`,"roles":[{"value":"viewer"},{"value":"admin"}]}`).expect(t, http.StatusOK)
	assert.Equal(t, rolesOf(t, res), []string{"viewer", "admin"})
	res = h.do("GET", "/scim/v2/Users/"+id, "").expect(t, http.StatusOK)
	assert.Equal(t, rolesOf(t, res), []string{"viewer", "admin"})

	// The app withdraws "admin": its holder can still be deactivated and
	// updated, but not given it again once it is gone.
	roles.objs = slices.DeleteFunc(slices.Clone(roles.objs), func(o *resource.Object) bool { return o.ID == "admin" })
	roles.gets = nil
	h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`).expect(t, http.StatusOK)
	assert.Equal(t, roles.gets, []string(nil))
	h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"roles[value eq \"admin\"]"}]}`).expect(t, http.StatusOK)
	invalid(h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"value":"admin"}]}]}`),
		`roles[1].value "admin" is not the id of any resource of /Roles, which list the values this service provider accepts`)

	// A source that is down is 503, never a 400 or a write.
	roles.err = store.ErrUnavailable
	h.do("PATCH", "/scim/v2/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"value":"member"}]}]}`).expect(t, http.StatusServiceUnavailable)
}

func rolesOf(t *testing.T, res *response) []string {
	t.Helper()
	var u struct{ Roles []struct{ Value string } }
	assert.NoError(t, json.Unmarshal(res.body, &u))
	var out []string
	for _, r := range u.Roles {
		out = append(out, r.Value)
	}
	return out
}

// TestRolesWithoutDeclarationAreFree: without a type assigning roles, any
// value is accepted, as before; a type that does not assign leaves them
// free too.
func TestRolesWithoutDeclarationAreFree(t *testing.T) {
	for name, mod := range map[string]func(*scim.Config){
		"no types": nil,
		"types not assigning": func(c *scim.Config) {
			c.ResourceTypes = []scim.CustomType{{Type: scim.OktaRoleType(), Source: oktaRoles()}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, mod)
			res := h.do("POST", "/scim/v2/Users", `{"userName":"a","roles":[{"value":"anything"}],"entitlements":[{"value":"whatever"}]}`).expect(t, http.StatusCreated)
			assert.Equal(t, rolesOf(t, res), []string{"anything"})
		})
	}
}

// querySource answers queries itself, or ErrUnsupported for sorted ones.
type querySource struct {
	*staticSource
	queries []store.Query
}

func (q *querySource) QueryResources(ctx context.Context, query store.Query) (scim.CustomList, error) {
	q.queries = append(q.queries, query)
	if !query.SortBy.IsZero() {
		return scim.CustomList{}, store.ErrUnsupported
	}
	return scim.CustomList{Resources: q.objs[:1], TotalResults: 42}, nil
}

func TestCustomQuerier(t *testing.T) {
	src := &querySource{staticSource: oktaRoles()}
	h := newHarness(t, withOktaTypes(src, oktaEntitlements()))
	res := h.do("GET", "/scim/v2/Roles?filter=displayName+eq+%22x%22&startIndex=3&count=1", "").expect(t, http.StatusOK)
	if m := res.json(t); m["totalResults"] != float64(42) || m["startIndex"] != float64(3) {
		t.Errorf("querier's answer: %s", res.body)
	}
	if len(src.queries) != 1 || src.queries[0].Filter == nil || src.queries[0].ResourceType.ID != "Role" || src.queries[0].Page != (store.Page{StartIndex: 3, Count: 1}) {
		t.Errorf("query = %+v", src.queries)
	}
	res = h.do("GET", "/scim/v2/Roles?sortBy=displayName", "").expect(t, http.StatusOK)
	if m := res.json(t); m["totalResults"] != float64(3) {
		t.Errorf("fallback after ErrUnsupported: %s", res.body)
	}
}

func TestCustomSourceNotFoundIsNotAServerError(t *testing.T) {
	src := &staticSource{err: fmt.Errorf("lookup: %w", store.ErrNotFound)}
	h := newHarness(t, withOktaTypes(src, oktaEntitlements()))
	h.do("GET", "/scim/v2/Roles/x", "").expect(t, http.StatusNotFound)
	res := h.do("POST", "/scim/v2/Users", `{"userName":"a","roles":[{"value":"x"}]}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidValue" {
		t.Errorf("%s", res.body)
	}
	if !errors.Is(src.err, store.ErrNotFound) {
		t.Fatal("unreachable")
	}
}

// TestCustomTypesInDryRun: a dry-run connection reads custom types as
// always, its writes to them are 501 with nothing asked of the source, and
// its user writes are checked against the declared roles as without dry
// run.
func TestCustomTypesInDryRun(t *testing.T) {
	src := &rwSource{}
	src.CreateResource(context.Background(), obj("r1", `{"displayName":"One"}`))
	h := newHarness(t, func(c *scim.Config) {
		c.Authenticate = func(r *http.Request) (context.Context, error) {
			ctx := store.WithTenant(r.Context(), "tenant-a")
			return connection.NewContext(ctx, connection.Connection{Tenant: "tenant-a", Enabled: true, DryRun: true}), nil
		}
		c.ResourceTypes = []scim.CustomType{{Type: scim.OktaRoleType(), Source: src, Assigns: scim.AssignsRoles}}
	})
	h.do("GET", "/scim/v2/Roles/r1", "").expect(t, http.StatusOK)
	h.do("POST", "/scim/v2/Roles", `{"displayName":"Two"}`).expect(t, http.StatusNotImplemented)
	h.do("PUT", "/scim/v2/Roles/r1", `{"displayName":"Uno"}`).expect(t, http.StatusNotImplemented)
	h.do("PATCH", "/scim/v2/Roles/r1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`).expect(t, http.StatusNotImplemented)
	h.do("DELETE", "/scim/v2/Roles/r1", "").expect(t, http.StatusNotImplemented)
	h.do("POST", "/scim/v2/Roles", `{"seats":1}`).expect(t, http.StatusBadRequest) // validated first
	assert.Equal(t, len(src.objs), 1)
	assert.JSONEqual(t, src.objs["r1"].Attributes, []byte(`{"displayName":"One"}`))

	h.do("POST", "/scim/v2/Users", `{"userName":"a","roles":[{"value":"r2"}]}`).expect(t, http.StatusBadRequest)
	h.do("POST", "/scim/v2/Users", `{"userName":"a","roles":[{"value":"r1"}]}`).expect(t, http.StatusCreated)
}
