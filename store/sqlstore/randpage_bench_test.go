package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// Issue 13's "mixed" workload at 20,000 users: a tenant of randPageUsers
// users, the first randPageMembers of them (in creation order) members of
// one group, as the side-by-side harness leaves them after its membership
// workload.
const (
	randPageUsers   = 20_000
	randPageMembers = 10_000
	randPageCount   = 100
)

// BenchmarkQueryUsersRandomPage reads pages of 100 users at a
// pseudo-random startIndex through Store.QueryUsers, as the handler asks
// for a page the seek cache does not know (an offset page with its total
// and its users' groups). SQLite is not ANALYZEd, as no app's database
// is; PostgreSQL is vacuumed and analyzed, as autovacuum would have done
// after the load (the visibility map lets it plan index-only scans).
func BenchmarkQueryUsersRandomPage(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			if d.name == "Postgres" {
				postgresDSN(b)
			}
			s := d.new(b)
			randPageTenant(b, s, s.Dialect() == sqlstore.Postgres)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			rt := resource.DefaultRegistry().User
			r := rand.New(rand.NewPCG(13, 100))
			for b.Loop() {
				start := 1 + r.IntN(randPageUsers-randPageCount+1)
				l, err := s.QueryUsers(ctx, store.Query{ResourceType: rt, Page: store.Page{StartIndex: start, Count: randPageCount}})
				if err != nil || l.TotalResults != randPageUsers || len(l.Resources) != randPageCount {
					b.Fatalf("QueryUsers at %d: %v, total %d, %d users", start, err, l.TotalResults, len(l.Resources))
				}
				if in := start <= randPageMembers; in != (len(l.Resources[0].Groups) == 1) {
					b.Fatalf("QueryUsers at %d: the first user's groups are %v", start, l.Resources[0].Groups)
				}
			}
		})
	}
}

// randPageTenant loads the tenant of BenchmarkQueryUsersRandomPage with
// INSERT ... SELECT statements of 5,000 rows: users u0000001 ... created
// one nanosecond apart in id order, and group "big" with the first
// randPageMembers of them. analyze runs VACUUM ANALYZE after.
func randPageTenant(tb testing.TB, s *sqlstore.Store, analyze bool) {
	tb.Helper()
	bulkTenant(tb, s, randPageUsers, analyze)
}

// bulkTenant is randPageTenant with users users.
func bulkTenant(tb testing.TB, s *sqlstore.Store, users int, analyze bool) {
	tb.Helper()
	db := s.DB()
	num := func(width int) string {
		if s.Dialect() == sqlstore.Postgres {
			return "lpad(i::text, " + strconv.Itoa(width) + ", '0')"
		}
		return "printf('%0" + strconv.Itoa(width) + "d', i)"
	}
	series := func(lo, hi int) string {
		if s.Dialect() == sqlstore.Postgres {
			return fmt.Sprintf("generate_series(%d, %d) AS g(i)", lo, hi)
		}
		return fmt.Sprintf("(WITH RECURSIVE c(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM c WHERE i < %d) SELECT i FROM c)", lo, hi)
	}
	const batch = 5_000
	for lo := 1; lo <= users; lo += batch {
		query := `INSERT INTO scim_users (tenant, id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified)
			SELECT 'tenant-a', 'u' || {n}, 'user' || {n} || '@example.com', 'user' || {n} || '@example.com', 'ext-' || {n}, NULL, NULL,
				'{"userName":"user' || {n} || '@example.com","externalId":"ext-' || {n} || '"}', 1,
				'2024-01-01T00:00:00.' || {ns} || 'Z', '2024-01-01T00:00:00.' || {ns} || 'Z'
			FROM ` + series(lo, min(lo+batch-1, users))
		query = strings.NewReplacer("{n}", num(7), "{ns}", num(9)).Replace(query)
		if _, err := db.Exec(query); err != nil {
			tb.Fatalf("bulk insert of users: %v", err)
		}
	}
	ctx := store.WithTenant(context.Background(), "tenant-a")
	if _, err := s.CreateGroup(ctx, &resource.Group{ID: "big", DisplayName: "Big"}); err != nil {
		tb.Fatalf("CreateGroup: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO scim_group_members (tenant, group_id, member_id, member_type, display)
		SELECT tenant, 'big', id, 'User', NULL FROM scim_users WHERE tenant = 'tenant-a' ORDER BY id LIMIT ` + strconv.Itoa(randPageMembers)); err != nil {
		tb.Fatalf("bulk insert of members: %v", err)
	}
	if analyze {
		// The tables by name: the database holds other tests' schemas.
		if _, err := db.Exec("VACUUM ANALYZE scim_users, scim_groups, scim_group_members"); err != nil {
			tb.Fatalf("VACUUM ANALYZE: %v", err)
		}
	}
}

// BenchmarkConcurrentCreates creates users from 8 goroutines at once, all
// in one tenant or each in a tenant of its own: the ratio of the two is
// what the one count row per tenant and type (migration 0012) costs
// concurrent creates of one tenant, which wait there for each other's
// commit on PostgreSQL (SQLite serializes every write anyway).
func BenchmarkConcurrentCreates(b *testing.B) {
	for _, d := range dialects {
		for _, one := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/oneTenant=%v", d.name, one), func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b)
				var worker atomic.Int64
				b.SetParallelism(4) // 8 goroutines on 2 cores
				b.RunParallel(func(pb *testing.PB) {
					w := worker.Add(1)
					tenant := "tenant-a"
					if !one {
						tenant = "tenant-" + strconv.FormatInt(w, 10)
					}
					ctx := store.WithTenant(context.Background(), tenant)
					for i := 0; pb.Next(); i++ {
						id := fmt.Sprintf("w%d-%d", w, i)
						if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
							b.Errorf("CreateUser: %v", err)
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkPositionTake reads, at 200,000 users, the page of 100 at the
// end with no position remembered, so that the store takes them all
// (anchors.go: one recursive statement that steps from each position to
// the next with LIMIT 1 OFFSET 99, and the count of the rows after the
// last), beside the two statements it is measured against: the same
// page by OFFSET (what a take should cost about), and the one statement
// that numbers every row with ROW_NUMBER() and keeps every 100th, which
// the take was before.
func BenchmarkPositionTake(b *testing.B) {
	const users = 200_000
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			if d.name == "Postgres" {
				postgresDSN(b)
			}
			s := d.new(b)
			bulkTenant(b, s, users, s.Dialect() == sqlstore.Postgres)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			rt := resource.DefaultRegistry().User
			ph := "?"
			if s.Dialect() == sqlstore.Postgres {
				ph = "$1"
			}
			rows := func(b *testing.B, want int, query string) {
				rows, err := s.DB().QueryContext(ctx, query, "tenant-a")
				if err != nil {
					b.Fatal(err)
				}
				defer rows.Close()
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Err(); err != nil || n != want {
					b.Fatalf("%d rows, %v; want %d", n, err, want)
				}
			}
			b.Run("take", func(b *testing.B) {
				for b.Loop() {
					sqlstore.ForgetAnchors(s)
					l, err := s.QueryUsers(ctx, store.Query{ResourceType: rt, Page: store.Page{StartIndex: users - 99, Count: 100}})
					if err != nil || len(l.Resources) != 100 || l.TotalResults != users {
						b.Fatalf("QueryUsers: %v, %d users of %d", err, len(l.Resources), l.TotalResults)
					}
					if keys, verified := sqlstore.AnchorKeys(s, "tenant-a"); keys != users/100 || !verified {
						b.Fatalf("%d positions taken, to the end %v", keys, verified)
					}
				}
			})
			b.Run("offsetPage", func(b *testing.B) {
				for b.Loop() {
					rows(b, 100, "SELECT id FROM scim_users t WHERE t.tenant = "+ph+
						" ORDER BY COALESCE(t.created, ''), t.id LIMIT 100 OFFSET "+strconv.Itoa(users-100))
				}
			})
			b.Run("rowNumber", func(b *testing.B) {
				for b.Loop() {
					rows(b, users/100, `SELECT c, id, rn FROM (
						SELECT COALESCE(t.created, '') AS c, t.id, ROW_NUMBER() OVER (ORDER BY COALESCE(t.created, ''), t.id) AS rn
						FROM scim_users t WHERE t.tenant = `+ph+`) w WHERE rn % 100 = 0 ORDER BY rn`)
				}
			})
		})
	}
}
