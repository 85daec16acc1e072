package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPagesAtAStartIndexSeek: a page of SCIM's users at an offset starts
// after the remembered position before it (it steps over fewer than
// positionStep accounts) while the positions hold, and every page and
// total is the one OFFSET reads, after inserts, archives, deletes, the
// app's own SQL restoring an account, moving one to another tenant, or
// removing one and restoring another in one statement (the counts are
// then as they were: moves tells), and, on PostgreSQL, an insert that
// took a lower seq and committed after the positions were taken (the
// accounts after the last position tell).
func TestPagesAtAStartIndexSeek(t *testing.T) {
	defer func(d time.Duration) { positionRetake = d }(positionRetake)
	positionRetake = 0
	for _, tdb := range testDBs {
		t.Run(tdb.name, func(t *testing.T) {
			db := tdb.open(t)
			ctx := t.Context()
			n := 0
			insert := func(k int) {
				t.Helper()
				for range k {
					n++
					if _, err := db.InsertAccount(ctx, Account{TenantID: "t1", ID: fmt.Sprintf("a%04d", n), Email: fmt.Sprintf("a%04d@example.com", n)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// ids is what OFFSET reads: the condition is not the one
			// find seeks or counts for.
			ids := func(tenant string, w Window) ([]string, int) {
				t.Helper()
				rows, total, _, err := db.FindAccounts(ctx, tenant, scimVisible+" AND id <> ''", nil, w)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, a := range rows {
					out = append(out, a.ID)
				}
				return out, total
			}
			check := func(step string) {
				t.Helper()
				for _, tenant := range []string{"t1", "t2"} {
					for _, off := range []int{0, 99, 100, 101, 250, 499, 500, 777, 1049, 1050, 1100, 1234, 1300, 1350, 1400, 5000} {
						w := Window{Offset: off, Limit: 30}
						rows, total, _, err := db.FindAccounts(ctx, tenant, scimVisible, nil, w)
						if err != nil {
							t.Fatal(err)
						}
						var got []string
						for _, a := range rows {
							got = append(got, a.ID)
						}
						want, wantTotal := ids(tenant, w)
						if d := cmp.Diff(want, got); d != "" || total != wantTotal {
							t.Errorf("%s: tenant %s, offset %d: total %d, want %d; ids (-want +got):\n%s", step, tenant, off, total, wantTotal, d)
						}
					}
				}
			}
			insert(1150)
			check("1150 accounts")
			seek := func(step string, off int) {
				t.Helper()
				w := Window{Offset: off, Limit: 30}
				if _, ok, err := db.seekVisible(ctx, "t1", &w); err != nil || !ok || w.After == 0 || w.Offset >= positionStep {
					t.Errorf("%s: page at %d: %+v, ok %v, %v; want a seek after a position", step, off, w, ok, err)
				}
			}
			seek("1150 accounts", 777)
			insert(120)
			check("120 more")
			seek("120 more", 1234)
			if err := db.ArchiveAccount(ctx, "t1", "a0010", 0, db.now()); err != nil {
				t.Fatal(err)
			}
			check("an archive")
			if err := db.DeleteAccount(ctx, "t1", "a0500", 0); err != nil {
				t.Fatal(err)
			}
			check("a delete")
			for _, stmt := range []string{
				`UPDATE accounts SET scim_removed_at = NULL, email_folded = 'back@example.com' WHERE tenant_id = 't1' AND id = 'a0010'`,
				`UPDATE accounts SET tenant_id = 't2' WHERE tenant_id = 't1' AND id IN ('a0100', 'a0200', 'a0300')`,
				// One account leaves and another comes back: the counts
				// are as they were.
				`UPDATE accounts SET scim_removed_at = updated_at, email_folded = 'SCIM-REMOVED a0650' WHERE tenant_id = 't1' AND id = 'a0650'`,
				`UPDATE accounts SET scim_removed_at = CASE id WHEN 'a0020' THEN updated_at END,
					email_folded = CASE id WHEN 'a0020' THEN 'SCIM-REMOVED a0020' ELSE 'a0650@example.com' END
					WHERE tenant_id = 't1' AND id IN ('a0020', 'a0650')`,
			} {
				if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
				check(stmt)
			}
			seek("the app's SQL", 777)
			if db.dialect != postgresDialect {
				return
			}
			// A transaction takes a seq, others commit 150 accounts after
			// it and a page takes positions over them, then it commits:
			// its account lies before positions taken without it.
			tx, err := db.sql.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name,
				family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version,
				scim_external_id, scim_extra, scim_active, display_folded)
				SELECT tenant_id, 'late', 'late@example.com', 'late@example.com', given_name, family_name, full_name, job_title,
				department, manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra, scim_active, display_folded
				FROM accounts WHERE tenant_id = 't1' AND id = 'a0001'`)); err != nil {
				t.Fatal(err)
			}
			insert(150)
			seek("before the late commit", 1350)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			check("the late commit")
			all, _ := ids("t1", Window{Limit: 2000})
			if i := slices.Index(all, "late"); i < 0 || i > 1300 {
				t.Errorf("the late account is at %d of %d, want it before the last 150", i, len(all))
			}
		})
	}
}
