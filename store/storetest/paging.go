package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store"
)

// pagingCases check "Positions (seek paging)" of the store contract on a
// querier. A store that never sets Next passes them: it pages by index.
var pagingCases = []testCase{
	{"Users_walk_by_position_agrees_with_one_page", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		for _, f := range userFilters {
			var e filter.Expr
			if f != "" {
				e = mustParse(t, f)
			}
			if _, err := q.QueryUsers(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 1}}); errors.Is(err, store.ErrUnsupported) {
				continue // the handler's fallback answers it, by offset
			}
			query := func(p store.Page) ([]string, int, string) {
				l, err := q.QueryUsers(ctx, store.Query{Filter: e, Page: p})
				if err != nil {
					t.Fatalf("QueryUsers(%q, %+v): %v", f, p, err)
				}
				return userIDs(l.Resources), l.TotalResults, l.Next
			}
			walk(t, "users "+f, query)
		}
	}},
	{"Groups_walk_by_position_agrees_with_one_page", func(t *testing.T, s store.Store) {
		q := groupQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		for _, f := range groupFilters {
			var e filter.Expr
			if f != "" {
				e = mustParse(t, f)
			}
			if _, err := q.QueryGroups(ctx, store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 1}}); errors.Is(err, store.ErrUnsupported) {
				continue
			}
			for _, m := range bothMembers {
				query := func(p store.Page) ([]string, int, string) {
					l, err := q.QueryGroups(ctx, store.Query{Filter: e, Page: p, Members: m})
					if err != nil {
						t.Fatalf("QueryGroups(%q, %+v): %v", f, p, err)
					}
					return groupIDs(l.Resources), l.TotalResults, l.Next
				}
				walk(t, fmt.Sprintf("groups %s %v", f, m), query)
			}
		}
	}},
	{"Users_walk_by_position_under_sortBy_agrees_with_one_page", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		for _, by := range []string{"userName", "id", "meta.created", "externalId", "title", "emails"} {
			path, err := filter.ParsePath(by)
			if err != nil {
				t.Fatal(err)
			}
			for _, order := range []store.SortOrder{store.Ascending, store.Descending} {
				sq := store.Query{SortBy: path.Attr, SortOrder: order, Page: store.Page{StartIndex: 1, Count: 1}}
				if _, err := q.QueryUsers(ctx, sq); errors.Is(err, store.ErrUnsupported) {
					continue
				}
				query := func(p store.Page) ([]string, int, string) {
					sq.Page = p
					l, err := q.QueryUsers(ctx, sq)
					if err != nil {
						t.Fatalf("QueryUsers(sortBy %s %v, %+v): %v", by, order, p, err)
					}
					return userIDs(l.Resources), l.TotalResults, l.Next
				}
				walk(t, fmt.Sprintf("users sortBy %s %v", by, order), query)
			}
		}
	}},
	{"Walk_by_position_while_users_change", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		var initial []string
		for i := range 40 {
			u := plainUser(fmt.Sprintf("w%02d", i), fmt.Sprintf("walker%02d", i))
			u.Meta.Created = created.Add(time.Duration(i) * time.Second)
			mustCreateUser(t, ctx, s, u)
			initial = append(initial, u.ID)
		}
		seen, deleted := map[string]int{}, map[string]bool{}
		p := store.Page{StartIndex: 1, Count: 4}
		for round := 0; ; round++ {
			if round > 40 {
				t.Fatal("the walk does not end")
			}
			l, err := q.QueryUsers(ctx, store.Query{Page: p})
			if err != nil {
				t.Fatalf("QueryUsers(%+v): %v", p, err)
			}
			for _, u := range l.Resources {
				seen[u.ID]++
			}
			if l.Next == "" {
				if round == 0 {
					t.Skip("the store does not seek")
				}
				break
			}
			// A user seen, one not seen yet, and a new one after the
			// others in creation time.
			for _, id := range initial {
				if seen[id] > 0 && !deleted[id] {
					mustDeleteUser(t, ctx, s, id)
					deleted[id] = true
					break
				}
			}
			for i := len(initial) - 1; i >= 0; i-- {
				if id := initial[i]; seen[id] == 0 && !deleted[id] {
					mustDeleteUser(t, ctx, s, id)
					deleted[id] = true
					break
				}
			}
			u := plainUser(fmt.Sprintf("n%02d", round), fmt.Sprintf("newcomer%02d", round))
			u.Meta.Created = created.Add(time.Hour + time.Duration(round)*time.Second)
			mustCreateUser(t, ctx, s, u)
			p = store.Page{Count: 4, After: l.Next, NoTotal: true}
		}
		for _, id := range initial {
			if seen[id] > 1 || (seen[id] == 0 && !deleted[id]) {
				t.Errorf("%s, deleted %v, seen %d times, want once", id, deleted[id], seen[id])
			}
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("%s seen %d times", id, n)
			}
		}
	}},
	{"Position_of_a_deleted_user_still_seeks", func(t *testing.T, s store.Store) {
		q := userQuerier(t, s)
		ctx := ctxA(t)
		loadCorpus(t, ctx, s)
		first, err := q.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: 1, Count: 3}})
		if err != nil {
			t.Fatal(err)
		}
		if first.Next == "" {
			t.Skip("the store does not seek")
		}
		all, err := q.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: 1, Count: 100}})
		if err != nil {
			t.Fatal(err)
		}
		mustDeleteUser(t, ctx, s, first.Resources[2].ID)
		next, err := q.QueryUsers(ctx, store.Query{Page: store.Page{Count: 3, After: first.Next}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := userIDs(next.Resources), userIDs(all.Resources[3:6]); !slices.Equal(got, want) {
			t.Errorf("after the deleted last user of page 1: %v, want %v", got, want)
		}
		if next.TotalResults != 11 {
			t.Errorf("TotalResults = %d, want 11 (NoTotal not set)", next.TotalResults)
		}
	}},
}

// walk pages through query by 3 by position, and checks the pages against
// one page of everything: the same resources in the same order, Next
// exactly on the pages that have more after them and each at most
// store.MaxPositionBytes long, and TotalResults exact or, with NoTotal,
// -1.
func walk(t *testing.T, label string, query func(store.Page) ([]string, int, string)) {
	t.Helper()
	want, total, next := query(store.Page{StartIndex: 1, Count: 1000})
	if next != "" {
		t.Errorf("%s: Next %q on a page holding every match", label, next)
	}
	var got []string
	seeks := false
	p := store.Page{StartIndex: 1, Count: 3}
	for round := 0; ; round++ {
		if round > len(want)+1 {
			t.Fatalf("%s: the walk does not end", label)
		}
		ids, n, next := query(p)
		got = append(got, ids...)
		if n != total && !(p.NoTotal && n == -1) {
			t.Errorf("%s, page %d: TotalResults %d, want %d", label, round, n, total)
		}
		if len(next) > store.MaxPositionBytes {
			t.Errorf("%s: a position of %d bytes", label, len(next))
		}
		if next == "" {
			break
		}
		seeks = true
		if len(ids) != p.Count {
			t.Errorf("%s, page %d: %d resources and a Next", label, round, len(ids))
		}
		p = store.Page{Count: 3, After: next, NoTotal: round%2 == 0}
	}
	if !seeks {
		want = want[:min(3, len(want))] // the first page is all a store that cannot seek gives here
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: the pages give %v, want %v", label, got, want)
	}
}

// mustDeleteUser deletes the user id.
func mustDeleteUser(t *testing.T, ctx context.Context, s store.Store, id string) {
	t.Helper()
	if err := s.DeleteUser(ctx, id, ""); err != nil {
		t.Fatalf("DeleteUser(%q): %v", id, err)
	}
}
