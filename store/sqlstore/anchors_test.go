package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
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
// dialects, whether the positions are taken all at once or a step past
// each page.
func TestAnchoredPagesExact(t *testing.T) {
	for _, d := range dialects {
		for _, ahead := range []int{1000, 10} {
			t.Run(fmt.Sprintf("%s/ahead=%d", d.name, ahead), func(t *testing.T) {
				if d.name == "Postgres" {
					postgresDSN(t)
				}
				testAnchoredPagesExact(t, d.new(t), d.name, ahead)
			})
		}
	}
}

func testAnchoredPagesExact(t *testing.T, s *sqlstore.Store, dialect string, ahead int) {
	sqlstore.SetAnchorStep(s, 10)
	sqlstore.SetAnchorAhead(s, ahead)
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
		if dialect == "Postgres" {
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
}

// TestAnchorsTakenAsFarAsNeeded shows that the positions are read only as
// far as a page needs (a step of rows past its offset here, or twice as
// far as they reached), that a page among the rows added after the last
// reads them to the end, and that pages read at random offsets by eight
// clients while a ninth adds users, each client taking or extending the
// positions or seeking from the furthest one another is extending, are
// each the rows at that offset.
func TestAnchorsTakenAsFarAsNeeded(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "Postgres" {
				postgresDSN(t)
			}
			s := d.new(t)
			sqlstore.SetAnchorStep(s, 10)
			sqlstore.SetAnchorAhead(s, 10)
			ctx := store.WithTenant(context.Background(), "t1")
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			const users = 1000
			create := func(i int) {
				t.Helper()
				id := fmt.Sprintf("u%05d", i)
				u := &resource.User{ID: id, UserName: id + "@example.com"}
				u.Meta.Created = t0.Add(time.Duration(i) * time.Millisecond)
				u.Meta.LastModified = u.Meta.Created
				if _, err := s.CreateUser(ctx, u); err != nil {
					t.Error(err)
				}
			}
			for i := range users {
				create(i)
			}
			page := func(off int) ([]string, int, error) {
				l, err := s.QueryUsers(ctx, store.Query{Page: store.Page{StartIndex: off + 1, Count: 5}})
				if err != nil {
					return nil, 0, err
				}
				var ids []string
				for _, u := range l.Resources {
					ids = append(ids, u.ID)
				}
				return ids, l.TotalResults, nil
			}
			want := func(off int) []string {
				var ids []string
				for i := off; i < min(off+5, users); i++ {
					ids = append(ids, fmt.Sprintf("u%05d", i))
				}
				return ids
			}
			for _, c := range []struct {
				off, keys int
				verified  bool
			}{
				{100, 11, false}, // to offset 110: positions 9, 19, ..., 109
				{50, 11, false},  // within them: nothing read
				{125, 22, false}, // twice as far as they reached: to 220
				{505, 51, false}, // to 515
				{users - 2, 100, true},
				{users + 3, 100, true},
			} {
				got, total, err := page(c.off)
				if err != nil || !slices.Equal(got, want(c.off)) || total != users {
					t.Errorf("page at %d: %v, total %d, %v; want %v, %d", c.off, got, total, err, want(c.off), users)
				}
				if keys, verified := sqlstore.AnchorKeys(s, "t1"); keys != c.keys || verified != c.verified {
					t.Errorf("after the page at %d: %d positions, to the end %v; want %d, %v", c.off, keys, verified, c.keys, c.verified)
				}
			}

			// Forgotten (a delete), then taken again by concurrent pages.
			if err := s.DeleteUser(ctx, "u00000", ""); err != nil {
				t.Fatal(err)
			}
			create(0) // at its old position again: the rows are as before, the positions are not
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 50 {
					create(users + i)
				}
			})
			for c := range 8 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(c), 13))
					for range 40 {
						off := 10 + r.IntN(users-15)
						got, total, err := page(off)
						if err != nil || !slices.Equal(got, want(off)) || total < users {
							t.Errorf("client %d: page at %d: %v, total %d, %v; want %v", c, off, got, total, err, want(off))
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
