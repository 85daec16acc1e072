package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

const sortURN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

// sortRegistry registers an extension with an attribute of each type a
// sort can push down.
func sortRegistry(tb testing.TB) *resource.Registry {
	tb.Helper()
	reg, err := resource.NewRegistry([]*resource.Schema{{ID: sortURN, Name: "Acme", Attributes: []*resource.Attribute{
		{Name: "level", Type: resource.TypeInteger},
		{Name: "score", Type: resource.TypeDecimal},
		{Name: "since", Type: resource.TypeDateTime},
		{Name: "dept", Type: resource.TypeString},
		{Name: "nick", Type: resource.TypeString},
		{Name: "code", Type: resource.TypeString, CaseExact: true},
		{Name: "flag", Type: resource.TypeBoolean},
		{Name: "office", Type: resource.TypeComplex, SubAttributes: []*resource.Attribute{
			{Name: "floor", Type: resource.TypeInteger}, {Name: "building", Type: resource.TypeString}}},
	}}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

// sortUsers are the edge values: missing and null values, equal keys,
// negative numbers, integers on both sides of 2^53 (equal as float64, as
// filter.Sort compares them) and of int64, decimals close together,
// instants written with different offsets and finer than microseconds,
// mixed case, the Kelvin sign, and non-ASCII strings (dept is ASCII
// only, nick is not).
var sortUsers = []struct{ userName, title, ext string }{
	{"bob", "Engineer", `{"level":10,"score":1000.5,"since":"2024-01-02T10:00:00+02:00","dept":"Sales","nick":"Émile","code":"AB","flag":true,"office":{"floor":3,"building":"HQ"}}`},
	{"Alice", "engineer", `{"level":9,"score":999.75,"since":"2024-01-02T08:00:00.0000001Z","dept":"sales","nick":"émile","code":"ab","flag":false,"office":{"floor":12}}`},
	{"alice2", "", `{"level":100,"score":2e3,"since":"2023-12-31T23:00:00-05:00","dept":"Ops","nick":"Straße","code":"Ab"}`},
	{"Zed", "Manager", `{"level":9007199254740993,"score":0.1,"since":"2024-01-02T08:00:00Z","dept":"OPS","nick":"STRASSE","code":"é"}`},
	{"émile", "manager", `{"level":9007199254740992,"score":-0.5,"since":"2024-01-02T08:00:00.000001Z","dept":"\u212Aelvin","nick":"kelvin","code":"É"}`},
	{"yan", "Director", `{"level":-9223372036854775808,"score":0.30000000000000004,"since":"2024-01-02T09:00:00.000000000+01:00","dept":"kelvin","nick":"zoë"}`},
	{"Xavier", "", `{"level":9223372036854775807,"score":0.3,"dept":"Sales","flag":true}`},
	{"walt", "", `{"level":10,"score":-0.0,"since":"2024-01-02T08:00:00.0000001Z","dept":"","office":{"building":"Annex"}}`},
	{"vera", "", `{"level":null,"score":1e300,"dept":null}`},
	{"Ursula", "Engineer", `{"level":-1,"score":1000.5}`},
	{"tom", "", `{}`},
	{"sam", "", ``},
}

// sortCases are the sorts of the differential test; pushed says on which
// dialects the store must order in SQL ("both", "pg", or "" for Go).
var sortCases = []struct {
	by     string
	pushed string
}{
	{"userName", "both"},
	{"id", "both"},
	{"externalId", "both"},
	{"meta.created", "both"},
	{"meta.lastModified", "both"},
	{"displayName", "both"},
	{"title", "both"},
	{"active", "both"},
	{"name.familyName", "both"},
	{"emails", ""},
	{"level", "both"},
	{"score", "both"},
	{"since", "pg"},
	{"dept", "both"},
	{"nick", "both"}, // pushed, then sent to Go by its check
	{"code", "both"},
	{"flag", "both"},
	{"office.floor", "both"},
	{"office.building", "both"},
}

// loadSortUsers creates sortUsers, with creation times that tie for two
// users (broken by id) and none for one, and returns them as stored.
func loadSortUsers(t *testing.T, ctx context.Context, s *sqlstore.Store, reg *resource.Registry) []*resource.User {
	t.Helper()
	var all []*resource.User
	for i, su := range sortUsers {
		body := fmt.Sprintf(`{"userName":%q,"displayName":%q,"name":{"familyName":%q},"emails":[{"value":"%s@example.com"}]`,
			su.userName, su.title, su.title, strings.ToLower(su.userName))
		if su.title != "" {
			body += fmt.Sprintf(`,"title":%q,"externalId":%q,"active":%v`, su.title, su.title, i%2 == 0)
		}
		if su.ext != "" {
			body += fmt.Sprintf(`,%q:%s`, sortURN, su.ext)
		}
		u, err := reg.DecodeUser([]byte(body + "}"))
		if err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
		u.ID = fmt.Sprintf("u%02d", (i*7)%len(sortUsers)) // ids not in creation order
		switch i {
		case 3:
			u.Meta.Created = at("2024-01-01T00:00:00Z").Add(timeStep(2)) // the time of user 2
		case 5:
			// no creation time
		default:
			u.Meta.Created = at("2024-01-01T00:00:00Z").Add(timeStep(i))
		}
		u.Meta.LastModified = at("2024-06-01T00:00:00Z").Add(timeStep(i % 3))
		if _, err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// All users in the default order, as the store reads them.
	l, err := s.QueryUsers(ctx, store.Query{ResourceType: reg.User, Page: store.Page{StartIndex: 1, Count: 100}})
	if err != nil {
		t.Fatal(err)
	}
	all = l.Resources
	if len(all) != len(sortUsers) {
		t.Fatalf("%d users stored, want %d", len(all), len(sortUsers))
	}
	return all
}

// TestSortAgreesWithFilterSort is the differential test of sortBy pushed
// down to SQL: for each sort and direction, the ids of the store's answer
// are in filter.Sort's order over the same users in the default order,
// the sorts marked pushed are ordered in SQL, and every page of
// startIndex paging is the matching slice.
func TestSortAgreesWithFilterSort(t *testing.T) {
	reg := sortRegistry(t)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			ctx := store.WithTenant(context.Background(), "t1")
			all := loadSortUsers(t, ctx, s, reg)
			for _, c := range sortCases {
				for _, by := range []string{c.by, sortURN + ":" + c.by} {
					path, err := filter.ParsePath(by)
					if err != nil {
						t.Fatal(err)
					}
					if by != c.by && !strings.Contains(sortUsers[0].ext, `"`+strings.Split(c.by, ".")[0]+`"`) {
						continue // a core attribute
					}
					for _, order := range []store.SortOrder{store.Ascending, store.Descending} {
						label := fmt.Sprintf("%s %v", by, order)
						want := slices.Clone(all)
						if err := filter.Sort(reg.User, want, path.Attr, order == store.Descending); err != nil {
							t.Fatalf("%s: filter.Sort: %v", label, err)
						}
						q := store.Query{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: store.Page{StartIndex: 1, Count: 100}}
						pushed, err := sqlstore.SortPushed(ctx, s, q, true)
						if err != nil {
							t.Fatal(err)
						}
						if must := c.pushed == "both" || (c.pushed == "pg" && d.name == "Postgres"); pushed != must {
							t.Errorf("%s: ordered in SQL %v, want %v", label, pushed, must)
						}
						l, err := s.QueryUsers(ctx, q)
						if err != nil {
							t.Fatalf("%s: %v", label, err)
						}
						if got := userIDList(l.Resources); !slices.Equal(got, userIDList(want)) {
							t.Errorf("%s:\n SQL         %q\n filter.Sort %q", label, got, userIDList(want))
						}
						for start := 1; start <= len(all); start += 5 {
							q.Page = store.Page{StartIndex: start, Count: 5}
							l, err := s.QueryUsers(ctx, q)
							if err != nil {
								t.Fatalf("%s %+v: %v", label, q.Page, err)
							}
							if got, w := userIDList(l.Resources), userIDList(want[start-1:min(start+4, len(want))]); !slices.Equal(got, w) || l.TotalResults != len(all) {
								t.Errorf("%s %+v: %q (total %d), want %q", label, q.Page, got, l.TotalResults, w)
							}
						}
					}
				}
			}
		})
	}
}

// TestSortWalkByPosition walks every sort by position, 2 users a page,
// from the first page and from a page reached by startIndex: the pages
// give filter.Sort's order with no user twice; the sorts on a column set
// Next; a position is refused by another sort or direction, and a
// tampered one is store.ErrInvalidPosition.
func TestSortWalkByPosition(t *testing.T) {
	reg := sortRegistry(t)
	seeks := map[string]bool{"userName": true, "id": true, "externalId": true, "meta.created": true, "meta.lastModified": true, "active": true}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			ctx := store.WithTenant(context.Background(), "t1")
			all := loadSortUsers(t, ctx, s, reg)
			for _, c := range sortCases {
				path, _ := filter.ParsePath(c.by)
				for _, order := range []store.SortOrder{store.Ascending, store.Descending} {
					label := fmt.Sprintf("%s %v", c.by, order)
					want := slices.Clone(all)
					if err := filter.Sort(reg.User, want, path.Attr, order == store.Descending); err != nil {
						t.Fatal(err)
					}
					for _, start := range []int{1, 4} {
						var got []string
						p := store.Page{StartIndex: start, Count: 2}
						for round := 0; ; round++ {
							if round > len(all) {
								t.Fatalf("%s: the walk does not end", label)
							}
							l, err := s.QueryUsers(ctx, store.Query{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: p})
							if err != nil {
								t.Fatalf("%s %+v: %v", label, p, err)
							}
							got = append(got, userIDList(l.Resources)...)
							if round == 0 && (l.Next != "") != seeks[c.by] {
								t.Errorf("%s: Next %q, want a position %v", label, l.Next, seeks[c.by])
							}
							if l.Next == "" {
								break
							}
							if p.NoTotal && l.TotalResults != -1 && l.TotalResults != len(all) {
								t.Errorf("%s: TotalResults %d", label, l.TotalResults)
							}
							p = store.Page{Count: 2, After: l.Next, NoTotal: round%2 == 1}
						}
						if !seeks[c.by] {
							continue
						}
						if w := userIDList(want[start-1:]); !slices.Equal(got, w) {
							t.Errorf("%s from %d: the walk gives %q, want %q", label, start, got, w)
						}
					}
					if !seeks[c.by] {
						continue
					}
					first, err := s.QueryUsers(ctx, store.Query{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: store.Page{StartIndex: 1, Count: 2}})
					if err != nil {
						t.Fatal(err)
					}
					if first.Next == "" {
						t.Errorf("%s: no position on the first page", label)
						continue
					}
					other := store.Ascending + store.Descending - order
					bad := []store.Query{
						{ResourceType: reg.User, SortBy: path.Attr, SortOrder: other, Page: store.Page{Count: 2, After: first.Next}},
						{ResourceType: reg.User, Page: store.Page{Count: 2, After: first.Next}},
						{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: store.Page{Count: 2, After: first.Next[:len(first.Next)-1] + "\xff"}},
						{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: store.Page{Count: 2, After: first.Next[:len(first.Next)/2]}},
						{ResourceType: reg.User, SortBy: path.Attr, SortOrder: order, Page: store.Page{Count: 2, After: "2024 u01"}},
					}
					if c.by != "userName" {
						userName, _ := filter.ParsePath("userName")
						bad = append(bad, store.Query{ResourceType: reg.User, SortBy: userName.Attr, SortOrder: order, Page: store.Page{Count: 2, After: first.Next}})
					}
					for i, q := range bad {
						if _, err := s.QueryUsers(ctx, q); !errors.Is(err, store.ErrInvalidPosition) {
							if i == 2 && err == nil {
								continue // the last byte of the id changed: a valid position
							}
							t.Errorf("%s: bad position %d: %v, want ErrInvalidPosition", label, i, err)
						}
					}
				}
			}
		})
	}
}

func userIDList(us []*resource.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}
