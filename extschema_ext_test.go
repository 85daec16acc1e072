package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// acmeURN is the custom extension the tests of this file register, with an
// attribute of every RFC 7643 type and characteristic.
const acmeURN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

// acmeSchema returns the acme extension: every RFC 7643 §2.3 type, complex
// and multi-valued attributes, and every mutability, returned and
// uniqueness value.
func acmeSchema() *resource.Schema {
	var rw func(a *resource.Attribute) *resource.Attribute
	rw = func(a *resource.Attribute) *resource.Attribute {
		if a.Mutability == "" {
			a.Mutability = resource.ReadWrite
		}
		if a.Returned == "" {
			a.Returned = resource.ReturnedDefault
		}
		if a.Uniqueness == "" {
			a.Uniqueness = resource.UniquenessNone
		}
		for _, s := range a.SubAttributes {
			rw(s)
		}
		return a
	}
	return &resource.Schema{ID: acmeURN, Name: "AcmeUser", Description: "Acme's user attributes", Attributes: []*resource.Attribute{
		rw(&resource.Attribute{Name: "costCenter", Type: resource.TypeString, Description: "Cost center"}),
		rw(&resource.Attribute{Name: "code", Type: resource.TypeString, CaseExact: true, Uniqueness: resource.UniquenessServer}),
		rw(&resource.Attribute{Name: "level", Type: resource.TypeString, CanonicalValues: []string{"junior", "senior", "principal"}, CanonicalOnly: true}),
		rw(&resource.Attribute{Name: "shirt", Type: resource.TypeString, CanonicalValues: []string{"S", "M", "L"}}),
		rw(&resource.Attribute{Name: "remote", Type: resource.TypeBoolean}),
		rw(&resource.Attribute{Name: "badgeNumber", Type: resource.TypeInteger}),
		rw(&resource.Attribute{Name: "salary", Type: resource.TypeDecimal}),
		rw(&resource.Attribute{Name: "hired", Type: resource.TypeDateTime}),
		rw(&resource.Attribute{Name: "homepage", Type: resource.TypeReference, ReferenceTypes: []string{"external"}}),
		rw(&resource.Attribute{Name: "buddy", Type: resource.TypeReference, ReferenceTypes: []string{"User"}}),
		rw(&resource.Attribute{Name: "badgePhoto", Type: resource.TypeBinary}),
		rw(&resource.Attribute{Name: "office", Type: resource.TypeComplex, SubAttributes: []*resource.Attribute{
			{Name: "building", Type: resource.TypeString, Required: true},
			{Name: "floor", Type: resource.TypeInteger},
		}}),
		rw(&resource.Attribute{Name: "tags", Type: resource.TypeString, MultiValued: true, CaseExact: true}),
		rw(&resource.Attribute{Name: "projects", Type: resource.TypeComplex, MultiValued: true, SubAttributes: []*resource.Attribute{
			{Name: "name", Type: resource.TypeString, Required: true},
			{Name: "role", Type: resource.TypeString, CanonicalValues: []string{"lead", "member"}},
			{Name: "since", Type: resource.TypeDateTime},
			{Name: "hours", Type: resource.TypeInteger},
			{Name: "primary", Type: resource.TypeBoolean},
		}}),
		rw(&resource.Attribute{Name: "internalId", Type: resource.TypeString, Mutability: resource.ReadOnly}),
		rw(&resource.Attribute{Name: "hireNumber", Type: resource.TypeString, Mutability: resource.Immutable, Returned: resource.ReturnedAlways}),
		rw(&resource.Attribute{Name: "pin", Type: resource.TypeString, Mutability: resource.WriteOnly, Returned: resource.ReturnedNever}),
		rw(&resource.Attribute{Name: "notes", Type: resource.TypeString, Returned: resource.ReturnedRequest}),
	}}
}

// acmeHarness is a server registering acme on the store of b.
func acmeHarness(t *testing.T, b backend, mod func(*scim.Config)) *harness {
	t.Helper()
	st, _ := b.open(t)
	return newHarness(t, func(c *scim.Config) {
		c.Store = st
		c.UserExtensions = []*resource.Schema{acmeSchema()}
		if mod != nil {
			mod(c)
		}
	})
}

// acmeUsers are POSTed in this order, ids id-1 ... id-5.
var acmeUsers = []string{
	`{"userName":"u1","` + acmeURN + `":{"costCenter":"Sales","code":"AB","level":"senior","remote":true,"badgeNumber":10,"salary":1000.5,
		"hired":"2024-01-02T10:00:00+02:00","homepage":"https://acme.example/u1","badgePhoto":"aGVsbG8=","office":{"building":"HQ","floor":3},
		"tags":["Red","blue"],"projects":[{"name":"Apollo","role":"lead","since":"2023-05-01T00:00:00Z","hours":40,"primary":true},{"name":"Zeus","hours":5}],
		"hireNumber":"H1","pin":"1234","notes":"n1"}}`,
	`{"userName":"u2","` + acmeURN + `":{"costCenter":"sales","code":"ab","level":"junior","remote":false,"badgeNumber":9,"salary":999.75,
		"hired":"2024-01-02T09:30:00Z","office":{"building":"Annex","floor":12},"tags":["red"],
		"projects":[{"name":"apollo","role":"member","since":"2024-02-01T00:00:00Z","hours":8}]}}`,
	`{"userName":"u3","` + acmeURN + `:costCenter":"Ops","` + acmeURN + `:badgeNumber":100,"` + acmeURN + `:salary":2e3,
		"` + acmeURN + `:hired":"2023-12-31T23:00:00-05:00"}`,
	`{"userName":"u4","` + acmeURN + `":{"costCenter":"Straße","badgeNumber":-1,"salary":0.1,"projects":[{"name":"Hermes","hours":100}]}}`,
	`{"userName":"u5"}`,
}

func acmeCreate(t *testing.T, h *harness) {
	t.Helper()
	for _, u := range acmeUsers {
		h.do("POST", "/scim/v2/Users", u).expect(t, http.StatusCreated)
	}
}

// listIDs returns the ids a list request answers, in order.
func listIDs(t *testing.T, h *harness, query string) ([]string, *response) {
	t.Helper()
	res := h.do("GET", "/scim/v2/Users?"+query, "")
	if res.status != http.StatusOK {
		return nil, res
	}
	var l struct {
		TotalResults int
		Resources    []struct{ ID string }
	}
	if err := json.Unmarshal(res.body, &l); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, r := range l.Resources {
		ids = append(ids, r.ID)
	}
	if l.TotalResults != len(ids) {
		t.Errorf("%s: totalResults %d, %d resources", query, l.TotalResults, len(ids))
	}
	return ids, res
}

func TestExtensionSchemaDiscovery(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) {
		c.UserExtensions = []*resource.Schema{acmeSchema()}
		c.RequiredExtensions = []string{acmeURN}
	})
	res := h.do("GET", "/scim/v2/Schemas/"+acmeURN, "").expect(t, http.StatusOK)
	var got map[string]any
	json.Unmarshal(res.body, &got)
	attrs, _ := got["attributes"].([]any)
	if len(attrs) != len(acmeSchema().Attributes) {
		t.Fatalf("/Schemas lists %d attributes, want %d: %s", len(attrs), len(acmeSchema().Attributes), res.body)
	}
	byName := map[string]map[string]any{}
	for _, a := range attrs {
		m := a.(map[string]any)
		byName[m["name"].(string)] = m
	}
	check := func(name, key string, want any) {
		t.Helper()
		if g := fmt.Sprint(byName[name][key]); g != fmt.Sprint(want) {
			t.Errorf("%s.%s = %s, want %v", name, key, g, want)
		}
	}
	check("costCenter", "type", "string")
	check("code", "caseExact", true)
	check("code", "uniqueness", "server")
	check("level", "canonicalValues", []string{"junior", "senior", "principal"})
	check("remote", "type", "boolean")
	check("badgeNumber", "type", "integer")
	check("salary", "type", "decimal")
	check("hired", "type", "dateTime")
	check("homepage", "referenceTypes", []string{"external"})
	check("badgePhoto", "type", "binary")
	check("office", "type", "complex")
	check("tags", "multiValued", true)
	check("projects", "multiValued", true)
	check("internalId", "mutability", "readOnly")
	check("hireNumber", "mutability", "immutable")
	check("hireNumber", "returned", "always")
	check("pin", "mutability", "writeOnly")
	check("pin", "returned", "never")
	check("notes", "returned", "request")
	subs, _ := byName["projects"]["subAttributes"].([]any)
	if len(subs) != 5 || fmt.Sprint(subs[0].(map[string]any)["required"]) != "true" || subs[2].(map[string]any)["type"] != "dateTime" {
		t.Errorf("projects.subAttributes: %v", subs)
	}
	if _, ok := byName["level"]["canonicalOnly"]; ok {
		t.Errorf("/Schemas advertises a non-RFC characteristic: %v", byName["level"])
	}

	res = h.do("GET", "/scim/v2/ResourceTypes/User", "").expect(t, http.StatusOK)
	type ext struct {
		Schema   string
		Required bool
	}
	var rt struct{ SchemaExtensions []ext }
	json.Unmarshal(res.body, &rt)
	assert.Equal(t, rt.SchemaExtensions, []ext{{resource.EnterpriseUserSchema, false}, {acmeURN, true}})
}

func TestExtensionRequired(t *testing.T) {
	if _, err := scim.New(scim.Config{Store: nil, UserExtensions: []*resource.Schema{acmeSchema()}, RequiredExtensions: []string{"urn:nope"}}); err == nil {
		t.Errorf("New with an unregistered required extension: no error")
	}
	h := newHarness(t, func(c *scim.Config) {
		c.UserExtensions = []*resource.Schema{acmeSchema()}
		c.RequiredExtensions = []string{acmeURN}
	})
	res := h.do("POST", "/scim/v2/Users", `{"userName":"a"}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidValue" {
		t.Errorf("create without the required extension: %s", res.body)
	}
	h.do("POST", "/scim/v2/Users", `{"userName":"a","`+acmeURN+`":{}}`).expect(t, http.StatusBadRequest)
	h.do("POST", "/scim/v2/Users", `{"userName":"a","`+acmeURN+`:costCenter":"x"}`).expect(t, http.StatusCreated)
	// Removing the whole extension, or its last attribute, is refused too.
	h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"remove","path":"`+acmeURN+`"}`)).expect(t, http.StatusBadRequest)
	h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"remove","path":"`+acmeURN+`:costCenter"}`)).expect(t, http.StatusBadRequest)
	h.do("PUT", "/scim/v2/Users/id-1", `{"userName":"a"}`).expect(t, http.StatusBadRequest)
	h.do("GET", "/scim/v2/Users/id-1?attributes="+acmeURN+":costCenter", "").expect(t, http.StatusOK)
}

func patchBody(ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

func TestExtensionValidation(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.UserExtensions = []*resource.Schema{acmeSchema()} })
	bad := map[string]string{
		"string for integer":      `{"badgeNumber":"10"}`,
		"1.5 for integer":         `{"badgeNumber":1.5}`,
		"1e3 for integer":         `{"badgeNumber":1e3}`,
		"integer out of range":    `{"badgeNumber":99999999999999999999}`,
		"string for decimal":      `{"salary":"1.5"}`,
		"number for string":       `{"costCenter":5}`,
		"bool for string":         `{"costCenter":true}`,
		"not RFC 3339":            `{"hired":"2024-01-02 10:00:00"}`,
		"date only":               `{"hired":"2024-01-02"}`,
		"number for dateTime":     `{"hired":1700000000}`,
		"relative external ref":   `{"homepage":"/relative/path"}`,
		"not a URI":               `{"homepage":"https://exa mple.com/"}`,
		"not base64":              `{"badgePhoto":"%%%"}`,
		"string for complex":      `{"office":"HQ"}`,
		"missing required sub":    `{"office":{"floor":2}}`,
		"missing required in mv":  `{"projects":[{"hours":2}]}`,
		"integer sub as string":   `{"office":{"building":"HQ","floor":"2"}}`,
		"dateTime sub wrong":      `{"projects":[{"name":"x","since":"yesterday"}]}`,
		"not canonical":           `{"level":"intern"}`,
		"number in string array":  `{"tags":["a",1]}`,
		"object for simple array": `{"tags":[{"value":"a"}]}`,
		"string for boolean":      `{"remote":"yes"}`,
	}
	for name, ext := range bad {
		res := h.do("POST", "/scim/v2/Users", `{"userName":"`+url.PathEscape(name)+`","`+acmeURN+`":`+ext+`}`)
		if res.status != http.StatusBadRequest || res.json(t)["scimType"] != "invalidValue" {
			t.Errorf("%s: %s answers %d %s, want 400 invalidValue", name, ext, res.status, res.body)
		}
	}
	good := map[string]string{
		"canonical in other case": `{"level":"Senior"}`,
		"non-canonical suggested": `{"shirt":"XXL"}`,
		"relative User ref":       `{"buddy":"../Users/id-9"}`,
		"integer as -0":           `{"badgeNumber":0}`,
		"decimal integer":         `{"salary":12}`,
		"Entra bool string":       `{"remote":"True"}`,
		"read-only ignored":       `{"internalId":"forged","costCenter":"x"}`,
	}
	for name, ext := range good {
		res := h.do("POST", "/scim/v2/Users", `{"userName":"`+url.PathEscape(name)+`","`+acmeURN+`":`+ext+`}`)
		if res.status != http.StatusCreated {
			t.Errorf("%s: %s answers %d %s, want 201", name, ext, res.status, res.body)
			continue
		}
		if m := res.json(t); name == "read-only ignored" && fmt.Sprint(m[acmeURN]) != "map[costCenter:x]" {
			t.Errorf("read-only attribute kept: %s", res.body)
		} else if name == "Entra bool string" && fmt.Sprint(m[acmeURN]) != "map[remote:true]" {
			t.Errorf("Entra's \"True\": %s", res.body)
		}
	}
}

func TestExtensionReturned(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.UserExtensions = []*resource.Schema{acmeSchema()} })
	acmeCreate(t, h)
	get := func(q string) map[string]any {
		t.Helper()
		m := h.do("GET", "/scim/v2/Users/id-1"+q, "").expect(t, http.StatusOK).json(t)
		ext, _ := m[acmeURN].(map[string]any)
		return ext
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	all := []string{"badgeNumber", "badgePhoto", "code", "costCenter", "hireNumber", "hired", "homepage", "level", "office", "projects", "remote", "salary", "tags"}
	assert.Equal(t, keys(get("")), all)
	assert.Equal(t, keys(get("?attributes=userName")), []string{"hireNumber"})
	assert.Equal(t, keys(get("?attributes="+acmeURN+":notes")), []string{"hireNumber", "notes"})
	// Naming the extension returns its default attributes: a "request"
	// one is returned when it is named itself (RFC 7643 §7).
	assert.Equal(t, keys(get("?attributes="+acmeURN)), all)
	assert.Equal(t, keys(get("?attributes="+acmeURN+":pin")), []string{"hireNumber"})
	assert.Equal(t, keys(get("?excludedAttributes="+acmeURN+":hireNumber,"+acmeURN+":costCenter")), slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "costCenter" }))
	if p := get("?attributes=" + acmeURN + ":projects.name"); fmt.Sprint(p["projects"]) != "[map[name:Apollo] map[name:Zeus]]" {
		t.Errorf("projects.name: %v", p)
	}
	// In lists alike.
	res := h.do("GET", "/scim/v2/Users?filter=userName+eq+%22u1%22&attributes="+acmeURN+":notes", "").expect(t, http.StatusOK)
	if !strings.Contains(string(res.body), `"notes":"n1"`) || !strings.Contains(string(res.body), `"hireNumber":"H1"`) || strings.Contains(string(res.body), `"costCenter"`) {
		t.Errorf("list with attributes: %s", res.body)
	}
	res = h.do("GET", "/scim/v2/Users?filter=userName+eq+%22u1%22", "").expect(t, http.StatusOK)
	if strings.Contains(string(res.body), `"notes"`) || strings.Contains(string(res.body), `"pin"`) {
		t.Errorf("list returns a request or never attribute: %s", res.body)
	}
	// pin is never returned, nor filterable.
	h.do("GET", "/scim/v2/Users?filter="+acmeURN+":pin+pr", "").expect(t, http.StatusBadRequest)
}

func TestExtensionImmutableAndReadOnly(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.UserExtensions = []*resource.Schema{acmeSchema()} })
	acmeCreate(t, h)
	// hireNumber may be set once (u2 has none), then never changed.
	h.do("PATCH", "/scim/v2/Users/id-2", patchBody(`{"op":"add","path":"`+acmeURN+`:hireNumber","value":"H2"}`)).expect(t, http.StatusOK)
	for _, op := range []string{
		`{"op":"replace","path":"` + acmeURN + `:hireNumber","value":"H3"}`,
		`{"op":"remove","path":"` + acmeURN + `:hireNumber"}`,
		`{"op":"replace","value":{"` + acmeURN + `:hireNumber":"H3"}}`,
	} {
		res := h.do("PATCH", "/scim/v2/Users/id-2", patchBody(op)).expect(t, http.StatusBadRequest)
		if res.json(t)["scimType"] != "mutability" {
			t.Errorf("%s: %s", op, res.body)
		}
	}
	// A read-only attribute in a PATCH is refused; in a PUT it is ignored.
	res := h.do("PATCH", "/scim/v2/Users/id-2", patchBody(`{"op":"replace","path":"`+acmeURN+`:internalId","value":"x"}`)).expect(t, http.StatusBadRequest)
	if res.json(t)["scimType"] != "mutability" {
		t.Errorf("PATCH of a read-only attribute: %s", res.body)
	}
}

// TestExtensionFilterAndSort runs typed filters and sorts on every store.
func TestExtensionFilterAndSort(t *testing.T) {
	cases := []struct {
		filter string
		want   []string
	}{
		{`costCenter eq "SALES"`, []string{}}, // the enterprise costCenter: extensions in registration order
		{`badgeNumber ge 10`, []string{"id-1", "id-3"}},
		{acmeURN + `:costCenter eq "sales"`, []string{"id-1", "id-2"}},
		{acmeURN + `:costCenter ne "sales"`, []string{"id-3", "id-4", "id-5"}},
		{acmeURN + `:costCenter co "AL"`, []string{"id-1", "id-2"}},
		{acmeURN + `:costCenter sw "o"`, []string{"id-3"}},
		{acmeURN + `:costCenter ew "SSE"`, []string{}},
		{acmeURN + `:costCenter ew "ẞE"`, []string{"id-4"}},
		{acmeURN + `:costCenter gt "ops"`, []string{"id-1", "id-2", "id-4"}},
		{acmeURN + `:costCenter pr`, []string{"id-1", "id-2", "id-3", "id-4"}},
		{acmeURN + `:code eq "AB"`, []string{"id-1"}},
		{acmeURN + `:code co "b"`, []string{"id-2"}},
		{acmeURN + `:code lt "a"`, []string{"id-1"}},
		{acmeURN + `:remote eq true`, []string{"id-1"}},
		{acmeURN + `:remote eq "False"`, []string{"id-2"}},
		{acmeURN + `:remote ne true`, []string{"id-2", "id-3", "id-4", "id-5"}},
		{acmeURN + `:badgeNumber gt 9`, []string{"id-1", "id-3"}},
		{acmeURN + `:badgeNumber ge 10`, []string{"id-1", "id-3"}},
		{acmeURN + `:badgeNumber lt 10`, []string{"id-2", "id-4"}},
		{acmeURN + `:badgeNumber eq 100`, []string{"id-3"}},
		{acmeURN + `:badgeNumber eq 1e2`, []string{"id-3"}},
		{acmeURN + `:badgeNumber le -1`, []string{"id-4"}},
		{acmeURN + `:badgeNumber gt 9.5`, []string{"id-1", "id-3"}},
		{acmeURN + `:salary gt 999.8`, []string{"id-1", "id-3"}},
		{acmeURN + `:salary eq 2000`, []string{"id-3"}},
		{acmeURN + `:salary lt 1`, []string{"id-4"}},
		{acmeURN + `:salary eq 0.1`, []string{"id-4"}},
		{acmeURN + `:hired gt "2024-01-02T08:00:00Z"`, []string{"id-2"}},
		{acmeURN + `:hired eq "2024-01-02T08:00:00Z"`, []string{"id-1"}},
		{acmeURN + `:hired lt "2024-01-01T00:00:00Z"`, []string{}},
		{acmeURN + `:hired le "2024-01-01T04:00:00Z"`, []string{"id-3"}},
		{acmeURN + `:hired pr`, []string{"id-1", "id-2", "id-3"}},
		{acmeURN + `:homepage sw "https://acme"`, []string{"id-1"}},
		{acmeURN + `:office.building eq "hq"`, []string{"id-1"}},
		{acmeURN + `:office.floor gt 3`, []string{"id-2"}},
		{acmeURN + `:office pr`, []string{"id-1", "id-2"}},
		{acmeURN + `:tags eq "red"`, []string{"id-2"}},
		{acmeURN + `:tags eq "Red"`, []string{"id-1"}},
		{acmeURN + `:tags pr`, []string{"id-1", "id-2"}},
		{acmeURN + `:projects.name eq "APOLLO"`, []string{"id-1", "id-2"}},
		{acmeURN + `:projects[name eq "apollo" and role eq "lead"]`, []string{"id-1"}},
		{acmeURN + `:projects[hours gt 10]`, []string{"id-1", "id-4"}},
		{acmeURN + `:projects[since ge "2024-01-01T00:00:00Z"]`, []string{"id-2"}},
		{acmeURN + `:projects[primary eq true]`, []string{"id-1"}},
		{acmeURN + `:projects.hours ge 100`, []string{"id-4"}},
		{acmeURN + `:projects pr`, []string{"id-1", "id-2", "id-4"}},
		{`not (` + acmeURN + `:badgeNumber gt 9) and ` + acmeURN + `:badgeNumber pr`, []string{"id-2", "id-4"}},
		{acmeURN + `:costCenter eq "STRASSE"`, []string{}},
		{acmeURN + `:costCenter eq "straße"`, []string{"id-4"}},
	}
	sorts := []struct {
		by   string
		desc bool
		want []string
	}{
		{acmeURN + ":costCenter", false, []string{"id-3", "id-1", "id-2", "id-4", "id-5"}},
		{acmeURN + ":code", false, []string{"id-1", "id-2", "id-3", "id-4", "id-5"}},
		{acmeURN + ":badgeNumber", false, []string{"id-4", "id-2", "id-1", "id-3", "id-5"}},
		{acmeURN + ":badgeNumber", true, []string{"id-5", "id-3", "id-1", "id-2", "id-4"}},
		{acmeURN + ":salary", false, []string{"id-4", "id-2", "id-1", "id-3", "id-5"}},
		{acmeURN + ":hired", false, []string{"id-3", "id-1", "id-2", "id-4", "id-5"}},
		{acmeURN + ":remote", false, []string{"id-2", "id-1", "id-3", "id-4", "id-5"}},
		{acmeURN + ":office.floor", false, []string{"id-1", "id-2", "id-3", "id-4", "id-5"}},
		{acmeURN + ":projects.hours", false, []string{"id-2", "id-1", "id-4", "id-3", "id-5"}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := acmeHarness(t, b, nil)
			acmeCreate(t, h)
			for _, c := range cases {
				ids, res := listIDs(t, h, "filter="+url.QueryEscape(c.filter))
				if ids == nil {
					t.Errorf("filter %s: %d %s", c.filter, res.status, res.body)
				} else if !slices.Equal(ids, c.want) {
					t.Errorf("filter %s: %q, want %q", c.filter, ids, c.want)
				}
			}
			for _, s := range sorts {
				q := "sortBy=" + url.QueryEscape(s.by)
				if s.desc {
					q += "&sortOrder=descending"
				}
				ids, res := listIDs(t, h, q)
				if ids == nil {
					t.Errorf("sortBy %s: %d %s", s.by, res.status, res.body)
				} else if !slices.Equal(ids, s.want) {
					t.Errorf("sortBy %s desc %v: %q, want %q", s.by, s.desc, ids, s.want)
				}
			}
			// Operators that do not fit the type are 400 invalidFilter.
			for _, f := range []string{acmeURN + `:badgeNumber co "1"`, acmeURN + `:badgeNumber eq "10"`, acmeURN + `:hired eq "yesterday"`,
				acmeURN + `:remote gt true`, acmeURN + `:office eq "HQ"`, acmeURN + `:hired sw "2024"`} {
				res := h.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(f), "")
				if res.status != http.StatusBadRequest || res.json(t)["scimType"] != "invalidFilter" {
					t.Errorf("filter %s: %d %s, want 400 invalidFilter", f, res.status, res.body)
				}
			}
		})
	}
}

// TestExtensionPatch patches every kind of extension attribute by its URN
// path, by a value filter and path-less, as Entra sends custom attribute
// mappings.
func TestExtensionPatch(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := acmeHarness(t, b, nil)
			acmeCreate(t, h)
			ext := func(id string) string {
				t.Helper()
				m := h.do("GET", "/scim/v2/Users/"+id+"?attributes="+acmeURN, "").expect(t, http.StatusOK).json(t)
				b, _ := json.Marshal(m[acmeURN])
				return string(b)
			}
			patch := func(id string, status int, ops ...string) {
				t.Helper()
				h.do("PATCH", "/scim/v2/Users/"+id, patchBody(ops...)).expect(t, status)
			}
			patch("id-5", http.StatusOK,
				`{"op":"add","path":"`+acmeURN+`:costCenter","value":"R&D"}`,
				`{"op":"add","path":"`+acmeURN+`:badgeNumber","value":7}`,
				`{"op":"add","path":"`+acmeURN+`:salary","value":10.25}`,
				`{"op":"add","path":"`+acmeURN+`:hired","value":"2025-06-01T12:00:00Z"}`,
				`{"op":"add","path":"`+acmeURN+`:remote","value":"False"}`,
				`{"op":"add","path":"`+acmeURN+`:office.building","value":"HQ"}`,
				`{"op":"add","path":"`+acmeURN+`:tags","value":["a"]}`,
				`{"op":"add","path":"`+acmeURN+`:tags","value":"b"}`,
				`{"op":"add","path":"`+acmeURN+`:projects","value":[{"name":"P1","hours":1},{"name":"P2","hours":2}]}`,
				`{"op":"replace","path":"`+acmeURN+`:projects[name eq \"p2\"].hours","value":20}`,
				`{"op":"remove","path":"`+acmeURN+`:projects[name eq \"P1\"]"}`,
			)
			assert.JSONEqual(t, []byte(ext("id-5")), []byte(`{"costCenter":"R&D","badgeNumber":7,"salary":10.25,"hired":"2025-06-01T12:00:00Z","remote":false,
				"office":{"building":"HQ"},"tags":["a","b"],"projects":[{"name":"P2","hours":20}]}`))
			// Entra's custom attribute mappings: path-less values keyed by the
			// URN-prefixed attribute, with its string booleans and the URN.
			patch("id-5", http.StatusOK,
				`{"op":"Replace","value":{"`+acmeURN+`:costCenter":"Ops","`+acmeURN+`:remote":"True","`+acmeURN+`:badgeNumber":8}}`,
				`{"op":"Add","value":{"`+acmeURN+`":{"salary":11,"office":{"floor":2}}}}`,
			)
			assert.JSONEqual(t, []byte(ext("id-5")), []byte(`{"costCenter":"Ops","badgeNumber":8,"salary":11,"hired":"2025-06-01T12:00:00Z","remote":true,
				"office":{"building":"HQ","floor":2},"tags":["a","b"],"projects":[{"name":"P2","hours":20}]}`))
			// Wrong types are refused with nothing written.
			for _, op := range []string{
				`{"op":"replace","path":"` + acmeURN + `:badgeNumber","value":"8"}`,
				`{"op":"replace","path":"` + acmeURN + `:badgeNumber","value":1.5}`,
				`{"op":"replace","path":"` + acmeURN + `:hired","value":"June"}`,
				`{"op":"replace","value":{"` + acmeURN + `:salary":"x"}}`,
				`{"op":"add","path":"` + acmeURN + `:projects","value":[{"hours":3}]}`,
				`{"op":"remove","path":"` + acmeURN + `:office.building"}`,
				`{"op":"replace","path":"` + acmeURN + `:level","value":"intern"}`,
			} {
				res := h.do("PATCH", "/scim/v2/Users/id-5", patchBody(op))
				if res.status != http.StatusBadRequest || res.json(t)["scimType"] != "invalidValue" {
					t.Errorf("%s: %d %s, want 400 invalidValue", op, res.status, res.body)
				}
			}
			patch("id-5", http.StatusOK, `{"op":"remove","path":"`+acmeURN+`:office"}`, `{"op":"replace","path":"`+acmeURN+`:tags","value":["b"]}`)
			assert.JSONEqual(t, []byte(ext("id-5")), []byte(`{"costCenter":"Ops","badgeNumber":8,"salary":11,"hired":"2025-06-01T12:00:00Z","remote":true,
				"tags":["b"],"projects":[{"name":"P2","hours":20}]}`))
			// The new values are found by typed filters on every store.
			ids, res := listIDs(t, h, "filter="+url.QueryEscape(acmeURN+`:badgeNumber eq 8 and `+acmeURN+`:projects[hours ge 20]`))
			if !slices.Equal(ids, []string{"id-5"}) {
				t.Errorf("after PATCH: %q %s", ids, res.body)
			}
		})
	}
}

// TestExtensionWritesKeepStoredValues: a PATCH keeps the attributes that
// responses leave out (returned never and request) and the read-only ones
// the app set through its store; a PUT keeps the read-only ones.
func TestExtensionWritesKeepStoredValues(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := acmeHarness(t, b, nil)
			acmeCreate(t, h)
			ctx := store.WithTenant(t.Context(), "tenant-a")
			stored := func() map[string]any {
				t.Helper()
				u, err := h.store.GetUser(ctx, "id-1")
				assert.NoError(t, err)
				var m map[string]any
				assert.NoError(t, json.Unmarshal(u.Extensions[acmeURN], &m))
				return m
			}
			// The app sets its read-only attribute.
			u, err := h.store.GetUser(ctx, "id-1")
			assert.NoError(t, err)
			var m map[string]any
			json.Unmarshal(u.Extensions[acmeURN], &m)
			m["internalId"] = "app-7"
			u.Extensions[acmeURN], _ = json.Marshal(m)
			_, err = h.store.ReplaceUser(ctx, u, u.Meta.Version)
			assert.NoError(t, err)

			h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"replace","path":"`+acmeURN+`:costCenter","value":"Legal"}`)).expect(t, http.StatusOK)
			if m := stored(); m["pin"] != "1234" || m["notes"] != "n1" || m["internalId"] != "app-7" || m["costCenter"] != "Legal" {
				t.Errorf("after PATCH: %v", m)
			}
			// A PATCH of a write-only attribute alone is a change.
			h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"replace","path":"`+acmeURN+`:pin","value":"9999"}`)).expect(t, http.StatusOK)
			if m := stored(); m["pin"] != "9999" {
				t.Errorf("PATCH of pin not written: %v", m)
			}
			// The same read-only value is accepted, another is mutability.
			h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"replace","path":"`+acmeURN+`:internalId","value":"app-7"}`)).expect(t, http.StatusOK)
			res := h.do("PATCH", "/scim/v2/Users/id-1", patchBody(`{"op":"remove","path":"`+acmeURN+`:internalId"}`)).expect(t, http.StatusBadRequest)
			if res.json(t)["scimType"] != "mutability" {
				t.Errorf("remove of a read-only attribute: %s", res.body)
			}
			// A PUT ignores a read-only value and keeps the stored one.
			h.do("PUT", "/scim/v2/Users/id-1", `{"userName":"u1","`+acmeURN+`":{"internalId":"forged","hireNumber":"H1","costCenter":"X"}}`).expect(t, http.StatusOK)
			if m := stored(); m["internalId"] != "app-7" || m["costCenter"] != "X" || m["pin"] != nil {
				t.Errorf("after PUT: %v", m)
			}
			h.do("PUT", "/scim/v2/Users/id-1", `{"userName":"u1","`+acmeURN+`:hireNumber":"H1"}`).expect(t, http.StatusOK)
			if m := stored(); fmt.Sprint(m) != "map[hireNumber:H1 internalId:app-7]" {
				t.Errorf("after PUT without the extension: %v", m)
			}
		})
	}
}
