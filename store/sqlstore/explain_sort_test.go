package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestSortedPagesSeekOnTheIndex asserts with EXPLAIN that a page under
// sortBy=userName, the first and one after a position near the end, in
// both directions, is a range scan of scim_users_user_name in the
// index's order: no sort of the tenant's rows, no rows skipped.
func TestSortedPagesSeekOnTheIndex(t *testing.T) {
	userName, err := filter.ParsePath("userName")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			s := d.new(t)
			fill(t, s, 2000)
			if _, err := s.DB().Exec("ANALYZE"); err != nil {
				t.Fatalf("ANALYZE: %v", err)
			}
			ctx := store.WithTenant(context.Background(), "tenant-a")
			for _, order := range []store.SortOrder{store.Ascending, store.Descending} {
				q := store.Query{SortBy: userName.Attr, SortOrder: order}
				q.Page = store.Page{StartIndex: 1900, Count: 1}
				deep, err := s.QueryUsers(ctx, q)
				if err != nil || deep.Next == "" {
					t.Fatalf("QueryUsers at 1900: Next %q, %v", deep.Next, err)
				}
				for _, p := range []store.Page{{StartIndex: 1, Count: 100}, {Count: 100, After: deep.Next, NoTotal: true}} {
					q.Page = p
					query, args, err := sqlstore.SelectSQL(ctx, s, q, true)
					if err != nil {
						t.Fatal(err)
					}
					plan := explain(t, s, query, args)
					index := "INDEX scim_users_user_name"
					if s.Dialect() == sqlstore.Postgres {
						index = `"Index Name": "scim_users_user_name"`
					}
					if !strings.Contains(plan, index) || sortsRows(s.Dialect(), plan) {
						t.Errorf("%v page %+v is not a range scan of scim_users_user_name in its order:\n%s\n%s", order, p, query, plan)
					}
					if p.After != "" && s.Dialect() == sqlstore.SQLite && !strings.Contains(plan, "(tenant=? AND user_name_folded") {
						t.Errorf("%v: the page after a position does not seek:\n%s", order, plan)
					}
				}
			}
		})
	}
}
