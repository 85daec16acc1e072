package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestAnchoredPagesExact pages users at offsets past the remembered
// positions (anchors.go, every 10th row here) after each kind of change
// that moves rows or not: appends, a user created with an earlier time
// than the others, one without a creation time, a delete, an app's own
// UPDATE of created and of tenant, and rows added past the last
// remembered one. Every page must be the one OFFSET reads from the
// table at that moment, with the table's count as total, on both
// dialects.
func TestAnchoredPagesExact(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			s := d.new(t)
			sqlstore.SetAnchorStep(s, 10)
			ctx := store.WithTenant(context.Background(), "t1")
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			seq := 0
			create := func(at time.Time) string {
				t.Helper()
				seq++
				id := fmt.Sprintf("u%04d", seq)
				u := &resource.User{ID: id, UserName: id + "@example.com"}
				u.Meta.Created, u.Meta.LastModified = at, at
				if _, err := s.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				return id
			}
			for i := range 95 {
				create(t0.Add(time.Duration(i) * time.Second))
			}
			ph := func(n int) string {
				if d.name == "Postgres" {
					return fmt.Sprint("$", n)
				}
				return "?"
			}
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := s.DB().ExecContext(ctx, query, args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			check := func(step string) {
				t.Helper()
				var n int
				if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM scim_users WHERE tenant = "+ph(1), "t1").Scan(&n); err != nil {
					t.Fatal(err)
				}
				for _, off := range []int{0, 9, 10, 13, 47, 89, 90, 94, n - 3, n - 1, n, n + 5} {
					rows, err := s.DB().QueryContext(ctx, "SELECT id FROM scim_users WHERE tenant = "+ph(1)+
						" ORDER BY COALESCE(created, ''), id LIMIT 7 OFFSET "+fmt.Sprint(max(off, 0)), "t1")
					if err != nil {
						t.Fatal(err)
					}
					var want []string
					for rows.Next() {
						var id string
						if err := rows.Scan(&id); err != nil {
							t.Fatal(err)
						}
						want = append(want, id)
					}
					rows.Close()
					l, err := s.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: off + 1, Count: 7}})
					if err != nil {
						t.Fatalf("%s: offset %d: %v", step, off, err)
					}
					var got []string
					for _, u := range l.Resources {
						got = append(got, u.ID)
					}
					if !slices.Equal(got, want) || l.TotalResults != n {
						t.Errorf("%s: offset %d: ids %v, total %d; want %v, %d", step, off, got, l.TotalResults, want, n)
					}
				}
			}
			check("first")
			if sqlstore.AnchorSets(s) != 1 {
				t.Fatalf("no positions remembered after pages past the first step")
			}
			for i := range 30 {
				create(t0.Add(time.Hour + time.Duration(i)*time.Second))
			}
			check("after appends")
			create(t0.Add(-time.Hour))
			check("after a user created before the others")
			create(time.Time{})
			check("after a user without a creation time")
			if err := s.DeleteUser(ctx, "u0040", ""); err != nil {
				t.Fatal(err)
			}
			check("after a delete")
			exec("UPDATE scim_users SET created = "+ph(1)+" WHERE id = "+ph(2), "2025-06-01T00:00:00.000000000Z", "u0070")
			check("after an UPDATE of created")
			exec("UPDATE scim_users SET tenant = "+ph(1)+" WHERE id = "+ph(2), "t2", "u0020")
			check("after a user moved to another tenant")
			for i := range 25 {
				create(t0.Add(2*time.Hour + time.Duration(i)*time.Second))
			}
			check("after rows added past the last remembered one")
		})
	}
}
