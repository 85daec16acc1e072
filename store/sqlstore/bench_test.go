package sqlstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkPatchMembersAdd adds one member to a group of 100 and of
// 100,000 members: the cost must not grow with the group.
func BenchmarkPatchMembersAdd(b *testing.B) {
	for _, d := range dialects {
		for _, n := range []int{100, 100_000} {
			b.Run(fmt.Sprintf("%s/members=%d", d.name, n), func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b)
				ctx := store.WithTenant(context.Background(), "tenant-a")
				ms := make([]resource.Member, n)
				for i := range ms {
					ms[i] = resource.Member{Value: fmt.Sprintf("m%06d", i), Type: "User"}
				}
				if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Big", Members: ms}); err != nil {
					b.Fatalf("CreateGroup: %v", err)
				}
				i := 0
				for b.Loop() {
					i++
					add := []resource.Member{{Value: "new" + strconv.Itoa(i), Type: "User"}}
					if _, err := s.PatchMembers(ctx, "g1", add, nil, ""); err != nil {
						b.Fatalf("PatchMembers: %v", err)
					}
				}
			})
		}
	}
}

// BenchmarkPageGroups reads a page of 100 of 20,000 users on PostgreSQL,
// at the start (every user of the page in groups of 100, 1,000 and 10,000
// members) and at 5,001 (in the group of 10,000 only), with the users'
// groups as a column of the page's statement (column) or as a second
// statement (statement, what QueryUsers does for a page that is not a
// lookup).
func BenchmarkPageGroups(b *testing.B) {
	postgresDSN(b)
	s := dialects[1].new(b)
	bulkUsers(b, s, 20_000)
	ctx := store.WithTenant(context.Background(), "tenant-a")
	for _, n := range []int{100, 1_000, 10_000} {
		ms := make([]resource.Member, n)
		for i := range ms {
			ms[i] = resource.Member{Value: fmt.Sprintf("u%07d", i+1), Type: "User"}
		}
		if _, err := s.CreateGroup(ctx, &resource.Group{ID: fmt.Sprintf("g%d", n), DisplayName: fmt.Sprintf("Group %d", n), Members: ms}); err != nil {
			b.Fatalf("CreateGroup: %v", err)
		}
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	for _, column := range []bool{true, false} {
		for _, start := range []int{1, 5001} {
			name := map[bool]string{true: "column", false: "statement"}[column]
			b.Run(fmt.Sprintf("groups=%s/startIndex=%d", name, start), func(b *testing.B) {
				defer sqlstore.SetPageGroupsColumn(sqlstore.SetPageGroupsColumn(column))
				q := store.Query{Page: store.Page{StartIndex: start, Count: 100}}
				want := 3
				if start > 1 {
					want = 1
				}
				for b.Loop() {
					l, err := s.QueryUsers(ctx, q)
					if err != nil || len(l.Resources) != 100 || len(l.Resources[0].Groups) != want {
						b.Fatalf("QueryUsers: %v, %d users", err, len(l.Resources))
					}
				}
			})
		}
	}
}

// BenchmarkUserNameLookup answers Entra's `userName eq "…"` lookup through
// QueryUsers with 10,000 users, or 1,000,000 with SCIM_BENCH_LARGE=1. On
// PostgreSQL it also reports the database's own execution time (EXPLAIN
// ANALYZE) as db-ms/op.
func BenchmarkUserNameLookup(b *testing.B) {
	n := 10_000
	if os.Getenv("SCIM_BENCH_LARGE") == "1" {
		n = 1_000_000
	}
	for _, d := range dialects {
		b.Run(fmt.Sprintf("%s/users=%d", d.name, n), func(b *testing.B) {
			if d.name == "Postgres" {
				postgresDSN(b)
			}
			s := d.new(b)
			bulkUsers(b, s, n)
			ctx := store.WithTenant(context.Background(), "tenant-a")
			e, err := filter.Parse(fmt.Sprintf(`userName eq "USER%07d@example.com"`, n/2))
			if err != nil {
				b.Fatal(err)
			}
			q := store.Query{Filter: e, Page: store.Page{StartIndex: 1, Count: 100}}
			for b.Loop() {
				l, err := s.QueryUsers(ctx, q)
				if err != nil || l.TotalResults != 1 {
					b.Fatalf("QueryUsers: %v, %d results", err, l.TotalResults)
				}
			}
			if s.Dialect() == sqlstore.Postgres {
				b.ReportMetric(explainAnalyzeMS(b, s, ctx, q), "db-ms/op")
			}
		})
	}
}

// bulkUsers inserts n users in tenant-a with one INSERT ... SELECT over a
// generated series, then ANALYZE.
func bulkUsers(b testing.TB, s *sqlstore.Store, n int) {
	b.Helper()
	var series, num string
	if s.Dialect() == sqlstore.Postgres {
		series = "generate_series(1, " + strconv.Itoa(n) + ") AS g(i)"
		num = "lpad(i::text, 7, '0')"
	} else {
		series = "(WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " + strconv.Itoa(n) + ") SELECT i FROM c)"
		num = "printf('%07d', i)"
	}
	query := `INSERT INTO scim_users (tenant, id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified)
		SELECT 'tenant-a', 'u' || {n}, 'user' || {n} || '@example.com', 'user' || {n} || '@example.com', 'ext-' || {n}, NULL, NULL,
			'{"userName":"user' || {n} || '@example.com","externalId":"ext-' || {n} || '"}', 1,
			'2024-01-01T00:00:00.000000000Z', '2024-01-01T00:00:00.000000000Z'
		FROM ` + series
	if _, err := s.DB().Exec(strings.ReplaceAll(query, "{n}", num)); err != nil {
		b.Fatalf("bulk insert: %v", err)
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		b.Fatalf("ANALYZE: %v", err)
	}
}

// explainAnalyzeMS runs the page query of q under EXPLAIN ANALYZE and
// returns PostgreSQL's execution time in milliseconds.
func explainAnalyzeMS(b *testing.B, s *sqlstore.Store, ctx context.Context, q store.Query) float64 {
	b.Helper()
	query, args, err := sqlstore.SelectSQL(ctx, s, q, true)
	if err != nil {
		b.Fatal(err)
	}
	rows, err := s.DB().Query("EXPLAIN ANALYZE "+query, args...)
	if err != nil {
		b.Fatalf("EXPLAIN ANALYZE: %v", err)
	}
	defer rows.Close()
	ms := -1.0
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Execution Time: "); ok {
			ms, _ = strconv.ParseFloat(strings.TrimSuffix(v, " ms"), 64)
		}
	}
	return ms
}

// BenchmarkPatchRenameGroup renames a group of 10 and of 100,000 members
// through the handler's PATCH: with ReplaceGroupAttributes the cost must
// not grow with the group. The members are bulk-inserted.
func BenchmarkPatchRenameGroup(b *testing.B) {
	for _, d := range dialects {
		for _, n := range []int{10, 100_000} {
			b.Run(fmt.Sprintf("%s/members=%d", d.name, n), func(b *testing.B) {
				if d.name == "Postgres" {
					postgresDSN(b)
				}
				s := d.new(b)
				bulkUsers(b, s, n)
				ctx := store.WithTenant(context.Background(), "tenant-a")
				if _, err := s.CreateGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Big"}); err != nil {
					b.Fatalf("CreateGroup: %v", err)
				}
				bulkMembers(b, s, "g1", n)
				srv, err := scim.New(scim.Config{Store: s, Authenticate: func(r *http.Request) (context.Context, error) {
					return store.WithTenant(r.Context(), "tenant-a"), nil
				}})
				if err != nil {
					b.Fatal(err)
				}
				rename := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Big %d"}]}`
				i := 0
				for b.Loop() {
					i++
					req := httptest.NewRequest("PATCH", "/Groups/g1", strings.NewReader(fmt.Sprintf(rename, i)))
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusNoContent {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
				var members int
				if err := s.DB().QueryRow("SELECT COUNT(*) FROM scim_group_members WHERE group_id = 'g1'").Scan(&members); err != nil || members != n {
					b.Fatalf("after the renames: %v, %d members", err, members)
				}
			})
		}
	}
}

// bulkMembers makes the users of bulkUsers (u0000001 ...) the members of
// group id, with one INSERT ... SELECT, then ANALYZE.
func bulkMembers(b *testing.B, s *sqlstore.Store, id string, n int) {
	b.Helper()
	query := `INSERT INTO scim_group_members (tenant, group_id, member_id, member_type, display)
		SELECT 'tenant-a', '` + id + `', id, 'User', NULL FROM scim_users WHERE tenant = 'tenant-a' ORDER BY id LIMIT ` + strconv.Itoa(n)
	if _, err := s.DB().Exec(query); err != nil {
		b.Fatalf("bulk insert of members: %v", err)
	}
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		b.Fatalf("ANALYZE: %v", err)
	}
}
