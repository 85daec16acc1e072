package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// oddGroupNames are display names that JSON must escape or that are not
// ASCII, for the groups column, which carries them as JSON.
var oddGroupNames = []string{
	`say "hi"`, `back\slash`, `\"`, `\u0041 stays as typed`, "tab\tand\nnewline", "ünïcødé 日本語 🙂",
	`[["g","x"]]`, `{"a":1}`, `'single'`, "null", "  spaces  ",
}

// TestUserGroupsColumn checks the groups a user's row brings with it
// (on PostgreSQL the groups column of GetUser, of list pages, of a sort
// in Go and of ReplaceUser's RETURNING, on SQLite the query after the
// row): none, one and many, in the order of the
// groups' creation then id (which here is not the order of their ids or
// names), with display names that need escaping.
func TestUserGroupsColumn(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			s := d.new(t)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			other := store.WithTenant(context.Background(), "tenant-b")
			for _, c := range []context.Context{ctx, other} {
				for _, id := range []string{"none", "one", "many"} {
					if _, err := s.CreateUser(c, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// 30 groups of "many", created in the reverse order of their
			// ids; two share a creation time (broken by id). "one" is in
			// the last.
			base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			want := map[string][]resource.GroupRef{}
			const n = 30
			for i := range n {
				g := &resource.Group{ID: fmt.Sprintf("g%02d", n-1-i), DisplayName: fmt.Sprintf("%s %d", oddGroupNames[i%len(oddGroupNames)], i),
					Members: []resource.Member{{Value: "many", Type: "User"}}}
				g.Meta.Created = base.Add(time.Duration(i) * time.Minute)
				if i == 7 {
					g.Meta.Created = base.Add(6 * time.Minute) // ties with group 6, whose id is larger
				}
				if i == n-1 {
					g.Members = append(g.Members, resource.Member{Value: "one", Type: "User"})
				}
				if _, err := s.CreateGroup(ctx, g); err != nil {
					t.Fatal(err)
				}
				ref := resource.GroupRef{Value: g.ID, Display: g.DisplayName, Type: "direct"}
				if i == 7 {
					want["many"] = append(want["many"][:6], ref, want["many"][6])
				} else {
					want["many"] = append(want["many"], ref)
				}
				if i == n-1 {
					want["one"] = []resource.GroupRef{ref}
				}
				// The same ids in the other tenant, with the other user:
				// none of them may show in tenant-a.
				if _, err := s.CreateGroup(other, &resource.Group{ID: g.ID, DisplayName: "other " + g.DisplayName,
					Members: []resource.Member{{Value: "none", Type: "User"}, {Value: "one", Type: "User"}}}); err != nil {
					t.Fatal(err)
				}
			}
			check := func(how string, u *resource.User) {
				t.Helper()
				if diff := cmp.Diff(want[u.ID], u.Groups); diff != "" {
					t.Errorf("%s: groups of %s (-want +got):\n%s", how, u.ID, diff)
				}
			}
			for _, id := range []string{"none", "one", "many"} {
				u, err := s.GetUser(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				check("GetUser", u)
				r, err := s.ReplaceUser(ctx, &resource.User{ID: id, UserName: id + "@example.com", DisplayName: "replaced"}, u.Meta.Version)
				if err != nil {
					t.Fatal(err)
				}
				check("ReplaceUser", r)
			}
			byEmails, err := filter.ParsePath("emails")
			if err != nil {
				t.Fatal(err)
			}
			byGroups, err := filter.ParsePath("groups")
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				how string
				q   store.Query
			}{
				{"a page", store.Query{Page: store.Page{StartIndex: 1, Count: 10}}},
				{"a page by index", store.Query{Page: store.Page{StartIndex: 2, Count: 1}}},
				{"a page sorted in Go", store.Query{SortBy: byEmails.Attr, Page: store.Page{StartIndex: 1, Count: 10}}},
				{"a page sorted in Go by groups", store.Query{SortBy: byGroups.Attr, Page: store.Page{StartIndex: 1, Count: 10}}},
			} {
				l, err := s.QueryUsers(ctx, q.q)
				if err != nil {
					t.Fatalf("%s: %v", q.how, err)
				}
				for _, u := range l.Resources {
					check(q.how, u)
				}
			}
			// A membership change committed before a write shows in the
			// row the write returns.
			v, err := s.PatchMembers(ctx, "g00", []resource.Member{{Value: "none", Type: "User"}}, nil, "")
			if err != nil || v == "" {
				t.Fatalf("PatchMembers: %q, %v", v, err)
			}
			g00 := want["many"][len(want["many"])-1]
			if g00.Value != "g00" {
				t.Fatalf("the last group of many is %s, not g00", g00.Value)
			}
			want["none"] = []resource.GroupRef{g00}
			r, err := s.ReplaceUser(ctx, &resource.User{ID: "none", UserName: "none@example.com"}, "")
			if err != nil {
				t.Fatal(err)
			}
			check("ReplaceUser after PatchMembers", r)
			// In a transaction, the write sees the transaction's own
			// change before it.
			err = s.InTx(ctx, func(ctx context.Context) error {
				if _, err := s.PatchMembers(ctx, "g00", nil, []string{"none"}, ""); err != nil {
					return err
				}
				want["none"] = nil
				r, err := s.ReplaceUser(ctx, &resource.User{ID: "none", UserName: "none@example.com"}, "")
				if err == nil {
					check("ReplaceUser after PatchMembers in its transaction", r)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPageGroupsOfOddIDs: a page's groups are found for users whose ids
// a PostgreSQL array literal must quote or escape (the ids travel as one
// text[] parameter there, users.go withGroups).
func TestPageGroupsOfOddIDs(t *testing.T) {
	ids := []string{`a"b`, `c\d`, `e,f`, `{g}`, `NULL`, ` h `, `ünï`, `""`, `\`}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			s := d.new(t)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			var ms []resource.Member
			for i, id := range ids {
				if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: fmt.Sprintf("user%d@example.com", i)}); err != nil {
					t.Fatal(err)
				}
				ms = append(ms, resource.Member{Value: id, Type: "User"})
			}
			if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g", DisplayName: "G", Members: ms}); err != nil {
				t.Fatal(err)
			}
			l, err := s.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: 1, Count: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Resources) != len(ids) {
				t.Fatalf("%d users, want %d", len(l.Resources), len(ids))
			}
			for _, u := range l.Resources {
				if want := []resource.GroupRef{{Value: "g", Display: "G", Type: "direct"}}; !cmp.Equal(u.Groups, want) {
					t.Errorf("user %q: groups %+v, want %+v", u.ID, u.Groups, want)
				}
			}
		})
	}
}
