package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// membersUnsupported is a store whose group querier, like many an app's,
// cannot filter on members: it answers store.ErrUnsupported for any filter
// that mentions them, and the handler falls back to listing.
type membersUnsupported struct{ *memory.Store }

func (m membersUnsupported) QueryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	if mentionsMembers(q.Filter) || q.SortBy.Is("members", q.SortBy.Sub) {
		return store.GroupList{}, store.ErrUnsupported
	}
	return m.Store.QueryGroups(ctx, q)
}

func mentionsMembers(e filter.Expr) bool {
	switch x := e.(type) {
	case *filter.Compare:
		return x.Path.Is("members", x.Path.Sub)
	case *filter.ValuePath:
		return x.Path.Is("members", "")
	case *filter.Logical:
		return mentionsMembers(x.Left) || mentionsMembers(x.Right)
	case *filter.Not:
		return mentionsMembers(x.X)
	}
	return false
}

// Entra checks membership with `id eq "G" and members.value eq "U"` and
// excludedAttributes=members; the projection shapes the answer, never
// what the filter sees. Every projection gives the same matches on a
// store that filters members itself, one that cannot (ErrUnsupported) and
// one without a querier.
func TestMembersFilterIgnoresProjection(t *testing.T) {
	stores := map[string]func() store.Store{
		"fast":            func() store.Store { return memory.New() },
		"unsupported":     func() store.Store { return membersUnsupported{memory.New()} },
		"withoutQueriers": func() store.Store { return hiddenQuerier{memory.New()} },
	}
	filters := []struct {
		filter string
		ids    []string
	}{
		{`id eq "id-4" and members.value eq "id-1"`, []string{"id-4"}},
		{`id eq "id-4" and members.value eq "id-2"`, []string{}},
		{`members[value eq "id-2"]`, []string{"id-5"}},
		{`members.value eq "id-1"`, []string{"id-4", "id-5"}},
		{`members.value eq "id-1" and not (members.value eq "id-2")`, []string{"id-4"}},
		{`members pr`, []string{"id-4", "id-5"}},
		{`not (members pr)`, []string{"id-6"}},
	}
	projections := []string{"", "excludedAttributes=members", "attributes=id", "attributes=displayName",
		"attributes=members", "excludedAttributes=displayName", "attributes=members.value", "excludedAttributes=members.display"}
	bodies := map[string][]byte{}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(c *scim.Config) { c.Store = newStore() })
			for _, u := range []string{"a", "b", "c"} {
				h.do("POST", "/scim/v2/Users", `{"userName":"`+u+`"}`).expect(t, http.StatusCreated)
			}
			h.do("POST", "/scim/v2/Groups", `{"displayName":"One","members":[{"value":"id-1"},{"value":"id-3"}]}`).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"Two","members":[{"value":"id-2"},{"value":"id-1"}]}`).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"None"}`).expect(t, http.StatusCreated)
			for _, f := range filters {
				for _, p := range projections {
					for _, sort := range []string{"", "&sortBy=members.value", "&sortBy=members.value&sortOrder=descending"} {
						q := "/scim/v2/Groups?filter=" + url.QueryEscape(f.filter) + sort
						if p != "" {
							q += "&" + p
						}
						res := h.do("GET", q, "").expect(t, http.StatusOK)
						var list struct {
							TotalResults int
							Resources    []struct{ ID string }
						}
						assert.NoError(t, jsonUnmarshal(res.body, &list))
						ids := []string{}
						for _, r := range list.Resources {
							ids = append(ids, r.ID)
						}
						if sort == "" {
							assert.Equal(t, ids, f.ids, cmpopts.EquateEmpty())
						}
						if list.TotalResults != len(f.ids) {
							t.Errorf("%s: totalResults %d, want %d", q, list.TotalResults, len(f.ids))
						}
						if want, ok := bodies[q]; ok {
							assert.JSONEqual(t, res.body, want, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "version" }))
						} else {
							bodies[q] = res.body
						}
					}
				}
			}
			// Sorting by members.value orders by the first member: One
			// (id-1) before Two (id-2), and Two first descending.
			res := h.do("GET", "/scim/v2/Groups?filter=members+pr&sortBy=members.value&excludedAttributes=members&attributes=id", "").expect(t, http.StatusOK)
			assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"itemsPerPage":2,"startIndex":1,
				"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-4"},{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-5"}]}`))
			res = h.do("GET", "/scim/v2/Groups?filter=members+pr&sortBy=members.value&sortOrder=descending&excludedAttributes=members&attributes=id", "").expect(t, http.StatusOK)
			assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"itemsPerPage":2,"startIndex":1,
				"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-5"},{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-4"}]}`))
			// The root search applies the same rule.
			res = h.do("POST", "/scim/v2/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"id eq \"id-4\" and members.value eq \"id-1\"","excludedAttributes":["members"],"attributes":["id"]}`).expect(t, http.StatusOK)
			if m := res.json(t); m["totalResults"] != 1.0 {
				t.Errorf("/.search: %s", res.body)
			}
		})
	}
}
