package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// Entra's default-mode user update: capitalised ops and "False" as a string
// (Microsoft Learn, "Known issues and resolutions with SCIM 2.0 protocol
// compliance", without feature flag).
func TestPatchUserEntraDefaultMode(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	res := h.do("PATCH", "/scim/v2/Users/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"active","value":"False"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"babs@example.com"},
		{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Tours"},
		{"op":"Add","path":"addresses[type eq \"work\"].country","value":"Australia"}]}`).expect(t, http.StatusOK)
	m := res.json(t)
	assert.Equal(t, m["active"], any(false))
	assert.Equal(t, m["emails"], any([]any{map[string]any{"value": "babs@example.com", "type": "work", "primary": true}}))
	assert.Equal(t, m["addresses"], any([]any{map[string]any{"type": "work", "country": "Australia"}}))
	assert.Equal(t, m[resource.EnterpriseUserSchema], any(map[string]any{"department": "Tours"}))
	if res.header.Get("ETag") != m["meta"].(map[string]any)["version"] {
		t.Errorf("ETag %q does not mirror meta.version", res.header.Get("ETag"))
	}
	// Re-enable, honouring attributes on the response.
	res = h.do("PATCH", "/scim/v2/Users/id-1?attributes=active", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","active":true}`))
}

func TestPatchErrors(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	created := h.do("GET", "/scim/v2/Users/id-1", "").expect(t, http.StatusOK)
	for _, tc := range []struct{ name, body, scimType string }{
		{"bad path", `{"Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}`, "invalidPath"},
		{"unknown op", `{"Operations":[{"op":"frobnicate","path":"title","value":"x"}]}`, "invalidSyntax"},
		{"remove userName", `{"Operations":[{"op":"remove","path":"userName"}]}`, "mutability"},
		{"wrong type", `{"Operations":[{"op":"replace","path":"active","value":{"a":1}}]}`, "invalidValue"},
		{"not JSON", `{"Operations":`, "invalidSyntax"},
	} {
		res := h.do("PATCH", "/scim/v2/Users/id-1", tc.body).expect(t, http.StatusBadRequest)
		if m := res.json(t); m["scimType"] != tc.scimType {
			t.Errorf("%s: %s", tc.name, res.body)
		}
	}
	// A failed PATCH changed nothing.
	after := h.do("GET", "/scim/v2/Users/id-1", "").expect(t, http.StatusOK)
	assert.JSONEqual(t, after.body, created.body)
	h.do("PATCH", "/scim/v2/Users/nope", `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`).expect(t, http.StatusNotFound)
	// Stale If-Match: 412.
	h.do("PATCH", "/scim/v2/Users/id-1", `{"Operations":[{"op":"replace","path":"title","value":"x"}]}`, `If-Match: W/"stale"`).expect(t, http.StatusPreconditionFailed)
	// Too many operations.
	h2 := newHarness(t, func(c *scim.Config) { c.MaxPatchOperations = 2 })
	h2.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	ops := strings.Repeat(`{"op":"replace","path":"title","value":"x"},`, 3)
	res := h2.do("PATCH", "/scim/v2/Users/id-1", `{"Operations":[`+strings.TrimSuffix(ops, ",")+`]}`).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidValue" {
		t.Errorf("too many ops: %s", res.body)
	}
}

// patchingStore is countingStore that also exposes the memory store's
// membership fast path, and counts its use.
type patchingStore struct {
	*countingStore
	mp    store.GroupMemberPatcher
	calls atomic.Int64
}

func (p *patchingStore) PatchMembers(ctx context.Context, id string, add []resource.Member, remove []string, version string) (string, error) {
	p.calls.Add(1)
	return p.mp.PatchMembers(ctx, id, add, remove, version)
}

func groupMembers(t *testing.T, h *harness, id string) []string {
	t.Helper()
	res := h.do("GET", "/scim/v2/Groups/"+id+"?attributes=members", "").expect(t, http.StatusOK)
	var g struct{ Members []struct{ Value string } }
	assert.NoError(t, jsonUnmarshal(res.body, &g))
	out := []string{}
	for _, m := range g.Members {
		out = append(out, m.Value)
	}
	sort.Strings(out)
	return out
}

// Entra's membership PATCHes (MS tutorial): add with "$ref": null, remove
// by value array; Okta's rename-with-every-change and filter-path removal.
func TestPatchGroupMembershipUsesFastPath(t *testing.T) {
	mem := memory.New()
	ps := &patchingStore{countingStore: &countingStore{Store: mem}, mp: mem}
	h := newHarness(t, func(c *scim.Config) { c.Store = ps })
	for _, u := range []string{"a", "b", "c"} {
		h.do("POST", "/scim/v2/Users", `{"userName":"`+u+`"}`).expect(t, http.StatusCreated)
	}
	g := h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales","members":[]}`).expect(t, http.StatusCreated)
	ps.withMembers.Store(0)

	res := h.do("PATCH", "/scim/v2/Groups/id-4", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"id-1"},{"$ref":null,"value":"id-2"},{"$ref":null,"value":"id-3"}]}]}`).expect(t, http.StatusNoContent)
	if len(res.body) != 0 || res.header.Get("ETag") == g.header.Get("ETag") || res.header.Get("ETag") == "" {
		t.Errorf("204 body %q, ETag %q (was %q)", res.body, res.header.Get("ETag"), g.header.Get("ETag"))
	}
	h.do("PATCH", "/scim/v2/Groups/id-4", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"id-2"}]}]}`).expect(t, http.StatusNoContent)
	// Okta: rename to the same name plus a filter-path removal and an add of a present member.
	h.do("PATCH", "/scim/v2/Groups/id-4", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"replace","value":{"id":"id-4","displayName":"Sales"}},
		{"op":"remove","path":"members[value eq \"id-3\"]"},
		{"op":"add","path":"members","value":[{"value":"id-1","display":"a"}]}]}`).expect(t, http.StatusNoContent)
	if n := ps.withMembers.Load(); n != 0 {
		t.Errorf("the group's members were loaded %d times by membership PATCHes", n)
	}
	if n := ps.calls.Load(); n != 3 {
		t.Errorf("PatchMembers called %d times, want 3", n)
	}
	assert.Equal(t, groupMembers(t, h, "id-4"), []string{"id-1"})

	// A real rename goes through the general path and keeps members.
	h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","value":{"id":"id-4","displayName":"Sales EMEA"}}]}`).expect(t, http.StatusNoContent)
	res = h.do("GET", "/scim/v2/Groups/id-4?excludedAttributes=members", "").expect(t, http.StatusOK)
	if m := res.json(t); m["displayName"] != "Sales EMEA" {
		t.Errorf("rename: %s", res.body)
	}
	assert.Equal(t, groupMembers(t, h, "id-4"), []string{"id-1"})
	// Renaming onto another group's name is a 409.
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Support"}`).expect(t, http.StatusCreated)
	h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","path":"displayName","value":"support"}]}`).expect(t, http.StatusConflict)
	// Okta's "push now" of an empty group.
	h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","path":"members","value":[]}]}`).expect(t, http.StatusNoContent)
	assert.Equal(t, groupMembers(t, h, "id-4"), []string{})
}

func TestPatchGroupCanReturnTheGroup(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.GroupPatchReturnsResource = true })
	h.do("POST", "/scim/v2/Users", `{"userName":"a"}`).expect(t, http.StatusCreated)
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales"}`).expect(t, http.StatusCreated)
	res := h.do("PATCH", "/scim/v2/Groups/id-2", `{"Operations":[{"op":"add","path":"members","value":[{"value":"id-1"}]}]}`).expect(t, http.StatusOK)
	m := res.json(t)
	if m["displayName"] != "Sales" || m["members"] != nil {
		t.Errorf("PATCH response should be the group without members: %s", res.body)
	}
	res = h.do("PATCH", "/scim/v2/Groups/id-2?attributes=members", `{"Operations":[{"op":"replace","path":"displayName","value":"Sales 2"}]}`).expect(t, http.StatusOK)
	assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-2","members":[{"value":"id-1","$ref":"http://scim.example.com/scim/v2/Users/id-1","type":"User"}]}`))
}

// Eight workers add 50 different members to one group at once, with and
// without the store's membership fast path: all 50 end up in the group.
func TestConcurrentMemberAddsLoseNothing(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fastPath=%v", fast), func(t *testing.T) {
			h := newHarness(t, func(c *scim.Config) {
				if !fast {
					c.Store = hiddenQuerier{memory.New()} // no GroupMemberPatcher: read-modify-write with retries
				}
			})
			var want []string
			for i := 1; i <= 50; i++ {
				h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"member-%02d"}`, i)).expect(t, http.StatusCreated)
				want = append(want, fmt.Sprintf("id-%d", i))
			}
			sort.Strings(want)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"All"}`).expect(t, http.StatusCreated) // id-51
			jobs := make(chan string)
			var wg sync.WaitGroup
			var failures atomic.Int64
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for id := range jobs {
						res := h.do("PATCH", "/scim/v2/Groups/id-51", `{"Operations":[{"op":"Add","path":"members","value":[{"value":"`+id+`"}]}]}`)
						if res.status != http.StatusNoContent {
							failures.Add(1)
						}
					}
				}()
			}
			for _, id := range want {
				jobs <- id
			}
			close(jobs)
			wg.Wait()
			if n := failures.Load(); n != 0 {
				t.Errorf("%d PATCHes failed", n)
			}
			assert.Equal(t, groupMembers(t, h, "id-51"), want)
		})
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestPatchUserNameOntoAnotherIs409(t *testing.T) {
	h := newHarness(t, nil)
	h.do("POST", "/scim/v2/Users", `{"userName":"ada"}`).expect(t, http.StatusCreated)
	h.do("POST", "/scim/v2/Users", `{"userName":"grace"}`).expect(t, http.StatusCreated)
	res := h.do("PATCH", "/scim/v2/Users/id-2", `{"Operations":[{"op":"replace","path":"userName","value":"ADA"}]}`).expect(t, http.StatusConflict)
	assert.JSONEqual(t, res.body, []byte(errorBody(409, "uniqueness", `a user with userName "ADA" already exists in this tenant`)))
}

func TestDisableQuirksIsPerServer(t *testing.T) {
	strict := newHarness(t, func(c *scim.Config) { c.DisableQuirks = quirk.OpCase | quirk.BoolStrings })
	tolerant := newHarness(t, nil)
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	for _, h := range []*harness{strict, tolerant} {
		h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	}
	res := strict.do("PATCH", "/scim/v2/Users/id-1", body).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidSyntax" {
		t.Errorf("strict server: %s", res.body)
	}
	res = tolerant.do("PATCH", "/scim/v2/Users/id-1", body).expect(t, http.StatusOK)
	if m := res.json(t); m["active"] != false {
		t.Errorf("tolerant server: %s", res.body)
	}
}

// TestPatchPathHonoursFilterLimits: a PATCH path, value filter included,
// is parsed with Config.FilterLimits like a list filter.
func TestPatchPathHonoursFilterLimits(t *testing.T) {
	h := newHarness(t, func(c *scim.Config) { c.FilterLimits = filter.Limits{MaxClauses: 2} })
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	body := `{"Operations":[{"op":"replace","path":"emails[type eq \"a\" or type eq \"b\" or type eq \"work\"].value","value":"x@example.com"}]}`
	res := h.do("PATCH", "/scim/v2/Users/id-1", body).expect(t, http.StatusBadRequest)
	if m := res.json(t); m["scimType"] != "invalidPath" {
		t.Errorf("PATCH: %s", res.body)
	}
	d := newHarness(t, nil)
	d.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	d.do("PATCH", "/scim/v2/Users/id-1", body).expect(t, http.StatusOK)
}
