package scim_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
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

// queriersOnly offers the memory store's query fast paths but neither its
// member resolver nor its membership patcher, and counts the reads the
// handler makes to resolve members.
type queriersOnly struct {
	mem                       *memory.Store
	userQueries, groupQueries atomic.Int64
	userGets, groupGets       atomic.Int64
}

func (q *queriersOnly) GetUser(ctx context.Context, id string) (*resource.User, error) {
	q.userGets.Add(1)
	return q.mem.GetUser(ctx, id)
}
func (q *queriersOnly) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	return q.mem.CreateUser(ctx, u)
}
func (q *queriersOnly) ReplaceUser(ctx context.Context, u *resource.User, v string) (*resource.User, error) {
	return q.mem.ReplaceUser(ctx, u, v)
}
func (q *queriersOnly) DeleteUser(ctx context.Context, id, v string) error {
	return q.mem.DeleteUser(ctx, id, v)
}
func (q *queriersOnly) ListUsers(ctx context.Context, p store.Page) (store.UserList, error) {
	return q.mem.ListUsers(ctx, p)
}
func (q *queriersOnly) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	q.groupGets.Add(1)
	return q.mem.GetGroup(ctx, id, m)
}
func (q *queriersOnly) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	return q.mem.CreateGroup(ctx, g)
}
func (q *queriersOnly) ReplaceGroup(ctx context.Context, g *resource.Group, v string) (*resource.Group, error) {
	return q.mem.ReplaceGroup(ctx, g, v)
}
func (q *queriersOnly) DeleteGroup(ctx context.Context, id, v string) error {
	return q.mem.DeleteGroup(ctx, id, v)
}
func (q *queriersOnly) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	return q.mem.ListGroups(ctx, p, m)
}
func (q *queriersOnly) QueryUsers(ctx context.Context, qu store.Query) (store.UserList, error) {
	q.userQueries.Add(1)
	return q.mem.QueryUsers(ctx, qu)
}
func (q *queriersOnly) QueryGroups(ctx context.Context, qu store.Query) (store.GroupList, error) {
	q.groupQueries.Add(1)
	return q.mem.QueryGroups(ctx, qu)
}

// memberRefs returns the members of group id as value:type:$ref.
func memberRefs(t *testing.T, h *harness, id string) []string {
	t.Helper()
	res := h.do("GET", "/scim/v2/Groups/"+id+"?attributes=members", "").expect(t, http.StatusOK)
	var g struct {
		Members []struct {
			Value, Type string
			Ref         string `json:"$ref"`
		}
	}
	assert.NoError(t, jsonUnmarshal(res.body, &g))
	out := []string{}
	for _, m := range g.Members {
		out = append(out, m.Value+":"+m.Type+":"+strings.TrimPrefix(m.Ref, "http://scim.example.com/scim/v2"))
	}
	sort.Strings(out)
	return out
}

// A member must name a user or a group of the tenant; its type is what
// it names, and a type that contradicts it is 400 invalidValue, on every
// write (POST, PUT, PATCH through the fast path and through the
// read-modify-write), whatever fast paths the store has.
func TestMemberReferencesAreResolved(t *testing.T) {
	stores := map[string]func() store.Store{
		"memory":          func() store.Store { return memory.New() },
		"withoutQueriers": func() store.Store { return hiddenQuerier{memory.New()} },
		"queriersOnly":    func() store.Store { return &queriersOnly{mem: memory.New()} },
	}
	const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, func(c *scim.Config) { c.Store = newStore() })
			h.do("POST", "/scim/v2/Users", `{"userName":"a"}`).expect(t, http.StatusCreated)                                          // id-1
			h.do("POST", "/scim/v2/Users", `{"userName":"b"}`).expect(t, http.StatusCreated)                                          // id-2
			h.do("POST", "/scim/v2/Groups", `{"displayName":"Nested"}`).expect(t, http.StatusCreated)                                 // id-3
			h.do("POST", "/scim/v2/Users", `{"userName":"other"}`, "Authorization: Bearer other-token").expect(t, http.StatusCreated) // id-4, tenant B

			bad := []struct{ members, detail string }{
				{`[{"value":"id-1","type":"Group"}]`, `member "id-1" is a User, not a Group`},
				{`[{"value":"id-3","type":"User"}]`, `member "id-3" is a Group, not a User`},
				{`[{"value":"id-1"},{"value":"nobody"}]`, `member "nobody" is no user or group of this tenant`},
				{`[{"value":"id-4"}]`, `member "id-4" is no user or group of this tenant`},
			}
			for _, b := range bad {
				res := h.do("POST", "/scim/v2/Groups", `{"displayName":"Bad","members":`+b.members+`}`).expect(t, http.StatusBadRequest)
				assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", b.detail)))
			}
			// A type is optional, in any case; $ref follows from what the id
			// names, whatever the client sent.
			h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales","members":[{"value":"id-1","$ref":"https://evil.example/Groups/id-1"},{"value":"id-3"},{"value":"id-2","type":"user"}]}`).expect(t, http.StatusCreated) // id-5
			want := []string{"id-1:User:/Users/id-1", "id-2:User:/Users/id-2", "id-3:Group:/Groups/id-3"}
			assert.Equal(t, memberRefs(t, h, "id-5"), want)

			for _, b := range bad {
				res := h.do("PUT", "/scim/v2/Groups/id-5", `{"displayName":"Sales","members":`+b.members+`}`).expect(t, http.StatusBadRequest)
				assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", b.detail)))
				// Entra's add (the membership fast path when the store has one).
				res = h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"Add","path":"members","value":`+b.members+`}]}`).expect(t, http.StatusBadRequest)
				assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", b.detail)))
				// A replace of all members (the read-modify-write).
				res = h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"replace","path":"members","value":`+b.members+`}]}`).expect(t, http.StatusBadRequest)
				assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", b.detail)))
				// A rename with the add (read-modify-write as well).
				res = h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"replace","path":"displayName","value":"Sales 2"},{"op":"add","path":"members","value":`+b.members+`}]}`).expect(t, http.StatusBadRequest)
				assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", b.detail)))
			}
			assert.Equal(t, memberRefs(t, h, "id-5"), want)
			res := h.do("GET", "/scim/v2/Groups/id-5?attributes=displayName", "").expect(t, http.StatusOK)
			if m := res.json(t); m["displayName"] != "Sales" {
				t.Errorf("a refused PATCH renamed the group: %s", res.body)
			}

			// Changing a member's type to a contradicting one is refused too.
			res = h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"replace","path":"members[value eq \"id-1\"].type","value":"Group"}]}`).expect(t, http.StatusBadRequest)
			assert.JSONEqual(t, res.body, []byte(errorBody(400, "invalidValue", `member "id-1" is a User, not a Group`)))

			// Removing a member that is not there stays a no-op (Entra does it).
			h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"Remove","path":"members","value":[{"value":"nobody"}]}]}`).expect(t, http.StatusNoContent)
			h.do("PATCH", "/scim/v2/Groups/id-5", `{"Operations":[{"op":"remove","path":"members[value eq \"id-4\"]"}]}`).expect(t, http.StatusNoContent)
			// Good writes through each path.
			h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"Remove","path":"members","value":[{"value":"id-2"}]}]}`).expect(t, http.StatusNoContent)
			h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"Add","path":"members","value":[{"$ref":null,"value":"id-2","type":"USER"}]}]}`).expect(t, http.StatusNoContent)
			assert.Equal(t, memberRefs(t, h, "id-5"), want)
			h.do("PUT", "/scim/v2/Groups/id-5", `{"displayName":"Sales","members":[{"value":"id-3","type":"Group"},{"value":"id-5"}]}`).expect(t, http.StatusOK)
			assert.Equal(t, memberRefs(t, h, "id-5"), []string{"id-3:Group:/Groups/id-3", "id-5:Group:/Groups/id-5"})
			h.do("PATCH", "/scim/v2/Groups/id-5", patchOp+`[{"op":"replace","path":"members","value":[{"value":"id-2"}]},{"op":"replace","path":"displayName","value":"Sales 2"}]}`).expect(t, http.StatusNoContent)
			assert.Equal(t, memberRefs(t, h, "id-5"), []string{"id-2:User:/Users/id-2"})
			// The user shows the group.
			res = h.do("GET", "/scim/v2/Users/id-2?attributes=groups", "").expect(t, http.StatusOK)
			assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-2","groups":[{"value":"id-5","$ref":"http://scim.example.com/scim/v2/Groups/id-5","display":"Sales 2","type":"direct"}]}`))
		})
	}
}

// Without a MemberResolver, the handler resolves a request's members with
// "id eq" filters in chunks through the store's queriers, never one read
// per member.
func TestMemberResolutionIsBatched(t *testing.T) {
	qs := &queriersOnly{mem: memory.New()}
	h := newHarness(t, func(c *scim.Config) { c.Store = qs })
	const users = 250
	var members []string
	for i := 1; i <= users; i++ {
		h.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"userName":"u%d"}`, i)).expect(t, http.StatusCreated)
		members = append(members, fmt.Sprintf(`{"value":"id-%d"}`, i))
	}
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Nested"}`).expect(t, http.StatusCreated) // id-251
	members = append(members, `{"value":"id-251"}`)
	qs.userQueries.Store(0)
	qs.groupQueries.Store(0)
	qs.userGets.Store(0)
	qs.groupGets.Store(0)
	h.do("POST", "/scim/v2/Groups", `{"displayName":"Everyone","members":[`+strings.Join(members, ",")+`]}`).expect(t, http.StatusCreated)
	if n := qs.userGets.Load() + qs.groupGets.Load(); n != 0 {
		t.Errorf("%d GetUser/GetGroup calls to resolve members, want none", n)
	}
	// 251 ids: three chunks of users, then one of groups for the id that
	// is no user (the store checks the group's name itself).
	if u, g := qs.userQueries.Load(), qs.groupQueries.Load(); u != 3 || g != 1 {
		t.Errorf("%d user queries and %d group queries, want 3 and 1", u, g)
	}
	if got := memberRefs(t, h, "id-252"); len(got) != users+1 || !slices.Contains(got, "id-1:User:/Users/id-1") || !slices.Contains(got, "id-251:Group:/Groups/id-251") {
		t.Errorf("members: %d, %q ...", len(got), got[:min(3, len(got))])
	}
}

// attrsStore is the memory store with its group fast paths, counting the
// writes and the reads of members the handler makes.
type attrsStore struct {
	*countingStore
	mem                    *memory.Store
	replaces, attrReplaces atomic.Int64
}

func (a *attrsStore) ReplaceGroup(ctx context.Context, g *resource.Group, v string) (*resource.Group, error) {
	a.replaces.Add(1)
	return a.mem.ReplaceGroup(ctx, g, v)
}

func (a *attrsStore) ReplaceGroupAttributes(ctx context.Context, g *resource.Group, v string) (*resource.Group, error) {
	a.attrReplaces.Add(1)
	return a.mem.ReplaceGroupAttributes(ctx, g, v)
}

func (a *attrsStore) PatchMembers(ctx context.Context, id string, add []resource.Member, remove []string, v string) (string, error) {
	return a.mem.PatchMembers(ctx, id, add, remove, v)
}

func (a *attrsStore) ResolveMembers(ctx context.Context, ids []string) (map[string]store.MemberType, error) {
	return a.mem.ResolveMembers(ctx, ids)
}

// A group PATCH that does not touch members (a rename, externalId, an
// extension) neither reads nor writes them: it goes to
// ReplaceGroupAttributes, so it costs the same at 10 and 100,000 members.
func TestGroupPatchWithoutMembersLeavesThemAlone(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:acme:2.0:Group"
	ext := &resource.Schema{ID: urn, Name: "AcmeGroup", Attributes: []*resource.Attribute{
		{Name: "costCenter", Type: resource.TypeString, Mutability: resource.ReadWrite, Returned: resource.ReturnedDefault},
	}}
	for _, returns := range []bool{false, true} {
		t.Run(fmt.Sprintf("GroupPatchReturnsResource=%v", returns), func(t *testing.T) {
			mem := memory.New()
			as := &attrsStore{countingStore: &countingStore{Store: mem}, mem: mem}
			h := newHarness(t, func(c *scim.Config) {
				c.Store = as
				c.GroupExtensions = []*resource.Schema{ext}
				c.GroupPatchReturnsResource = returns
			})
			h.do("POST", "/scim/v2/Users", `{"userName":"a"}`).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Users", `{"userName":"b"}`).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"Nested"}`).expect(t, http.StatusCreated)
			created := h.do("POST", "/scim/v2/Groups", `{"displayName":"Sales","externalId":"e1","members":[{"value":"id-1"},{"value":"id-2"},{"value":"id-3"}]}`).expect(t, http.StatusCreated)
			want := []string{"id-1:User:/Users/id-1", "id-2:User:/Users/id-2", "id-3:Group:/Groups/id-3"}
			status := http.StatusNoContent
			if returns {
				status = http.StatusOK
			}
			etag := created.header.Get("ETag")
			for _, body := range []string{
				`{"Operations":[{"op":"Replace","path":"displayName","value":"Sales EMEA"}]}`,
				`{"Operations":[{"op":"replace","path":"externalId","value":"e2"}]}`,
				`{"Operations":[{"op":"replace","value":{"id":"id-4","displayName":"Sales APAC"}}]}`, // Okta's rename
				`{"Operations":[{"op":"add","path":"` + urn + `:costCenter","value":"42"}]}`,
				`{"Operations":[{"op":"replace","value":{"externalId":"e3","` + urn + `":{"costCenter":"43"}}}]}`,
				`{"Operations":[{"op":"remove","path":"externalId"}]}`,
			} {
				as.withMembers.Store(0)
				res := h.do("PATCH", "/scim/v2/Groups/id-4", body, "If-Match: "+etag).expect(t, status)
				if n := as.withMembers.Load(); n != 0 {
					t.Errorf("%s: members were read %d times", body, n)
				}
				if got := res.header.Get("ETag"); got == etag || got == "" {
					t.Errorf("%s: ETag %q, was %q", body, got, etag)
				}
				etag = res.header.Get("ETag")
				if returns && bytes.Contains(res.body, []byte("members")) {
					t.Errorf("%s: the response carries members: %s", body, res.body)
				}
			}
			if n := as.replaces.Load(); n != 0 {
				t.Errorf("ReplaceGroup called %d times, want 0", n)
			}
			if n := as.attrReplaces.Load(); n != 6 {
				t.Errorf("ReplaceGroupAttributes called %d times, want 6", n)
			}
			res := h.do("GET", "/scim/v2/Groups/id-4?excludedAttributes=members,meta", "").expect(t, http.StatusOK)
			assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","`+urn+`"],"id":"id-4","displayName":"Sales APAC","`+urn+`":{"costCenter":"43"}}`))
			assert.Equal(t, memberRefs(t, h, "id-4"), want)
			res = h.do("GET", "/scim/v2/Users/id-1?attributes=groups", "").expect(t, http.StatusOK)
			assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"id-1","groups":[{"value":"id-4","$ref":"http://scim.example.com/scim/v2/Groups/id-4","display":"Sales APAC","type":"direct"}]}`))

			// The usual answers: a stale If-Match is 412, a taken name 409, a
			// missing group 404, and asking for members returns them.
			h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","path":"displayName","value":"X"}]}`, "If-Match: "+created.header.Get("ETag")).expect(t, http.StatusPreconditionFailed)
			h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","path":"displayName","value":"NESTED"}]}`).expect(t, http.StatusConflict)
			h.do("PATCH", "/scim/v2/Groups/nope", `{"Operations":[{"op":"replace","path":"displayName","value":"X"}]}`).expect(t, http.StatusNotFound)
			res = h.do("PATCH", "/scim/v2/Groups/id-4?attributes=members", `{"Operations":[{"op":"replace","path":"displayName","value":"Sales"}]}`).expect(t, status)
			if returns {
				assert.JSONEqual(t, res.body, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"id-4","members":[
					{"value":"id-1","$ref":"http://scim.example.com/scim/v2/Users/id-1","type":"User"},
					{"value":"id-2","$ref":"http://scim.example.com/scim/v2/Users/id-2","type":"User"},
					{"value":"id-3","$ref":"http://scim.example.com/scim/v2/Groups/id-3","type":"Group"}]}`))
			}
			// Operations on members still take the member paths.
			as.attrReplaces.Store(0)
			h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","path":"displayName","value":"Sales 2"},{"op":"remove","path":"members[value eq \"id-2\"]"}]}`).expect(t, status)
			h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"replace","value":{"displayName":"Sales 3","Members":[{"value":"id-1"}]}}]}`).expect(t, status)
			h.do("PATCH", "/scim/v2/Groups/id-4", `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members"}]}`).expect(t, status)
			if n := as.attrReplaces.Load(); n != 0 {
				t.Errorf("ReplaceGroupAttributes called %d times for PATCHes of members", n)
			}
			assert.Equal(t, memberRefs(t, h, "id-4"), []string{})
		})
	}
}
