package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// testCase is one rule of the contract, run on a fresh store.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run checks the store returned by newStore against the contract of package
// store, in subtests named Group/Case (Users/Create_duplicate_userName,
// PatchMembers/Agrees_with_replace, ...). newStore is called once per case
// and must return an empty store; see the package documentation for the
// other preconditions.
//
// A store that writes change events (store.EventWriter) is also checked by
// the Events group, which reads what it recorded through the source opts
// give ([WithEventSource]) or the store itself when it is an
// event.Source.
func Run(t *testing.T, newStore func(t *testing.T) store.Store, opts ...Option) {
	t.Helper()
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	groups := []struct {
		name  string
		cases []testCase
	}{
		{"Users", userCases},
		{"Groups", groupCases},
		{"Membership", membershipCases},
		{"Tenants", tenantCases},
		{"Query", append(append(queryCases[:len(queryCases):len(queryCases)], memberQueryCases...), everyAttributeCases...)},
		{"PatchMembers", patchCases},
		{"MemberReferences", referenceCases},
		{"ReplaceGroupAttributes", attributeCases},
		{"Identity", identityCases},
		{"RoundTrip", roundTripCases},
		{"Extensions", extensionCases},
		{"Archive", archiveCases},
		{"Paging", pagingCases},
		{"StreamGroup", streamCases},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					s := newStore(t)
					if s == nil {
						t.Fatal("newStore returned nil")
					}
					checkEmpty(t, s)
					c.run(t, s)
				})
			}
		})
	}
	t.Run("Events", func(t *testing.T) { runEvents(t, newStore, cfg) })
}

// Tenant contexts used by the cases.
func ctxA(t *testing.T) context.Context { return store.WithTenant(t.Context(), "tenant-a") }
func ctxB(t *testing.T) context.Context { return store.WithTenant(t.Context(), "tenant-b") }

func checkEmpty(t *testing.T, s store.Store) {
	t.Helper()
	for _, ctx := range []context.Context{t.Context(), ctxA(t), ctxB(t)} {
		ul, err := s.ListUsers(ctx, store.Page{StartIndex: 1, Count: 1})
		if err != nil {
			t.Fatalf("ListUsers on a new store: %v", err)
		}
		gl, err := s.ListGroups(ctx, store.Page{StartIndex: 1, Count: 1}, store.WithoutMembers)
		if err != nil {
			t.Fatalf("ListGroups on a new store: %v", err)
		}
		if ul.TotalResults != 0 || gl.TotalResults != 0 {
			t.Fatalf("newStore must return an empty store; tenant %q has %d users and %d groups",
				store.TenantFrom(ctx), ul.TotalResults, gl.TotalResults)
		}
	}
}

// Fixed times: stores keep Meta.Created and Meta.LastModified as given.
var (
	created  = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	modified = time.Date(2024, 3, 2, 17, 45, 0, 0, time.UTC)
)

func boolPtr(b bool) *bool { return &b }

// fullUser returns a user with every attribute of the typed resource set.
func fullUser(id, userName string) *resource.User {
	return &resource.User{
		ID:         id,
		ExternalID: "ext-" + id,
		UserName:   userName,
		Name: &resource.Name{
			Formatted: "Ms. Barbara J Jensen III", FamilyName: "Jensen", GivenName: "Barbara",
			MiddleName: "Jane", HonorificPrefix: "Ms.", HonorificSuffix: "III",
		},
		DisplayName:       "Babs Jensen",
		NickName:          "Babs",
		ProfileURL:        "https://login.example.com/bjensen",
		Title:             "Tour Guide",
		UserType:          "Employee",
		PreferredLanguage: "en-US",
		Locale:            "en-US",
		Timezone:          "America/Los_Angeles",
		Active:            boolPtr(true),
		Emails: []resource.MultiValue{
			{Value: userName, Type: "work", Primary: boolPtr(true)},
			{Value: "babs@jensen.org", Type: "home", Primary: boolPtr(false)}, // false is a value (RFC 7643 §2.5)
		},
		PhoneNumbers:     []resource.MultiValue{{Value: "555-555-8377", Type: "work"}},
		IMs:              []resource.MultiValue{{Value: "someaimhandle", Type: "aim"}},
		Photos:           []resource.MultiValue{{Value: "https://photos.example.com/profilephoto/72930000000Ccne/F", Type: "photo"}},
		Addresses:        []resource.Address{{StreetAddress: "100 Universal City Plaza", Locality: "Hollywood", Region: "CA", PostalCode: "91608", Country: "USA", Type: "work", Primary: boolPtr(true)}},
		Entitlements:     []resource.MultiValue{{Value: "Tour Guide Manager"}},
		Roles:            []resource.MultiValue{{Value: "Tour Guide", Display: "Guide"}},
		X509Certificates: []resource.MultiValue{{Value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}},
		Enterprise: &resource.EnterpriseUser{
			EmployeeNumber: "701984", CostCenter: "4130", Organization: "Universal Studios",
			Division: "Theme Park", Department: "Tour Operations",
			Manager: &resource.Manager{Value: "26118915-6090-4610-87e4-49d8ca9f808d", DisplayName: "John Smith"},
		},
		Extensions: map[string]json.RawMessage{"urn:example:params:scim:schemas:extension:acme:2.0:User": json.RawMessage(`{"badge":"42"}`)},
		Extra:      map[string]json.RawMessage{"customField": json.RawMessage(`"kept"`)},
		Meta:       resource.Meta{ResourceType: "User", Created: created, LastModified: modified, Location: "https://example.com/v2/Users/" + id},
	}
}

// plainUser returns a user with only an id and a userName.
func plainUser(id, userName string) *resource.User {
	return &resource.User{ID: id, UserName: userName, Meta: resource.Meta{ResourceType: "User", Created: created, LastModified: created}}
}

func newGroup(id, displayName string, memberIDs ...string) *resource.Group {
	g := &resource.Group{
		ID: id, ExternalID: "ext-" + id, DisplayName: displayName,
		Extra: map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)},
		Meta:  resource.Meta{ResourceType: "Group", Created: created, LastModified: modified, Location: "https://example.com/v2/Groups/" + id},
	}
	for _, m := range memberIDs {
		g.Members = append(g.Members, member(m))
	}
	return g
}

func member(id string) resource.Member {
	return resource.Member{Value: id, Display: "display " + id, Type: "User"}
}

// normUser returns a copy of u for comparison: Meta.Version and the
// handler-owned Meta.Location and Meta.ResourceType cleared, and Groups
// sorted by value with Ref ignored and an empty Type as "direct". Active is
// compared as is: an unassigned Active is not true.
func normUser(u *resource.User) *resource.User {
	if u == nil {
		return nil
	}
	c := *u
	c.Meta.Version, c.Meta.Location, c.Meta.ResourceType = "", "", ""
	c.Groups = nil
	for _, r := range u.Groups {
		r.Ref = ""
		if r.Type == "" {
			r.Type = "direct"
		}
		c.Groups = append(c.Groups, r)
	}
	sort.Slice(c.Groups, func(i, j int) bool { return c.Groups[i].Value < c.Groups[j].Value })
	return &c
}

// normGroup returns a copy of g for comparison: Meta.Version,
// Meta.Location and Meta.ResourceType cleared, and Members sorted by value
// with Ref ignored (the handler fills it).
func normGroup(g *resource.Group) *resource.Group {
	if g == nil {
		return nil
	}
	c := *g
	c.Meta.Version, c.Meta.Location, c.Meta.ResourceType = "", "", ""
	c.Members = nil
	for _, m := range g.Members {
		m.Ref = ""
		c.Members = append(c.Members, m)
	}
	sort.Slice(c.Members, func(i, j int) bool { return c.Members[i].Value < c.Members[j].Value })
	return &c
}

// wantUser is what a store returns for u: u itself, with groups derived.
func wantUser(u *resource.User, groups ...resource.GroupRef) *resource.User {
	c := *u
	c.Groups = groups
	return normUser(&c)
}

func ref(id, display string) resource.GroupRef {
	return resource.GroupRef{Value: id, Display: display, Type: "direct"}
}

// Helpers that fail the test on error.

func mustCreateUser(t *testing.T, ctx context.Context, s store.Store, u *resource.User) *resource.User {
	t.Helper()
	got, err := s.CreateUser(ctx, u)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", u.ID, err)
	}
	if got == nil || got.Meta.Version == "" {
		t.Fatalf("CreateUser(%q) returned %+v, want a user with Meta.Version set", u.ID, got)
	}
	return got
}

func mustCreateGroup(t *testing.T, ctx context.Context, s store.Store, g *resource.Group) *resource.Group {
	t.Helper()
	got, err := s.CreateGroup(ctx, g)
	if err != nil {
		t.Fatalf("CreateGroup(%q): %v", g.ID, err)
	}
	if got == nil || got.Meta.Version == "" {
		t.Fatalf("CreateGroup(%q) returned %+v, want a group with Meta.Version set", g.ID, got)
	}
	return got
}

func mustGetUser(t *testing.T, ctx context.Context, s store.Store, id string) *resource.User {
	t.Helper()
	u, err := s.GetUser(ctx, id)
	if err != nil {
		t.Fatalf("GetUser(%q): %v", id, err)
	}
	return u
}

func mustGetGroup(t *testing.T, ctx context.Context, s store.Store, id string) *resource.Group {
	t.Helper()
	g, err := s.GetGroup(ctx, id, store.WithMembers)
	if err != nil {
		t.Fatalf("GetGroup(%q): %v", id, err)
	}
	return g
}

// wantErr fails unless err matches target with errors.Is.
func wantErr(t *testing.T, op string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", op, err, target)
	}
}

func checkUser(t *testing.T, op string, want, got *resource.User) {
	t.Helper()
	if d := diff(want, normUser(got)); d != "" {
		t.Errorf("%s: user differs:\n%s", op, d)
	}
}

func checkGroup(t *testing.T, op string, want, got *resource.Group) {
	t.Helper()
	if d := diff(normGroup(want), normGroup(got)); d != "" {
		t.Errorf("%s: group differs:\n%s", op, d)
	}
}

// listAllUsers reads every user of the tenant in pages of 4.
func listAllUsers(t *testing.T, ctx context.Context, s store.Store) []*resource.User {
	t.Helper()
	var all []*resource.User
	for start := 1; ; start += 4 {
		l, err := s.ListUsers(ctx, store.Page{StartIndex: start, Count: 4})
		if err != nil {
			t.Fatalf("ListUsers(%d, 4): %v", start, err)
		}
		all = append(all, l.Resources...)
		if len(l.Resources) == 0 || start+4 > l.TotalResults {
			if len(all) != l.TotalResults {
				t.Fatalf("ListUsers pages hold %d users, TotalResults is %d", len(all), l.TotalResults)
			}
			return all
		}
	}
}

// bothMembers is both ways of reading a group.
var bothMembers = []store.Members{store.WithMembers, store.WithoutMembers}

// listAllGroups reads every group of the tenant in pages of 4.
func listAllGroups(t *testing.T, ctx context.Context, s store.Store, m store.Members) []*resource.Group {
	t.Helper()
	var all []*resource.Group
	for start := 1; ; start += 4 {
		l, err := s.ListGroups(ctx, store.Page{StartIndex: start, Count: 4}, m)
		if err != nil {
			t.Fatalf("ListGroups(%d, 4): %v", start, err)
		}
		all = append(all, l.Resources...)
		if len(l.Resources) == 0 || start+4 > l.TotalResults {
			if len(all) != l.TotalResults {
				t.Fatalf("ListGroups pages hold %d groups, TotalResults is %d", len(all), l.TotalResults)
			}
			return all
		}
	}
}

func userIDs(us []*resource.User) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	return ids
}

func groupIDs(gs []*resource.Group) []string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids
}

// window returns the bounds of page p over n items, as RFC 7644 §3.4.2.4
// and store.Page define them.
func window(n int, p store.Page) (lo, hi int) {
	lo = min(max(p.StartIndex, 1)-1, n)
	hi = min(lo+max(p.Count, 0), n)
	return lo, hi
}

// userT shortens signatures.
type userT = resource.User

// userQuerier returns the store's UserQuerier or skips the test.
func userQuerier(t *testing.T, s store.Store) store.UserQuerier {
	t.Helper()
	q, ok := s.(store.UserQuerier)
	if !ok {
		t.Skip("the store does not implement store.UserQuerier")
	}
	return q
}

// groupQuerier returns the store's GroupQuerier or skips the test.
func groupQuerier(t *testing.T, s store.Store) store.GroupQuerier {
	t.Helper()
	q, ok := s.(store.GroupQuerier)
	if !ok {
		t.Skip("the store does not implement store.GroupQuerier")
	}
	return q
}
