package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/activity/activitytest"
)

// TestActivityContract runs the activity store contract on SQLite and
// PostgreSQL.
func TestActivityContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			activitytest.Run(t, func(t *testing.T, r activity.Retention) activity.Store {
				return d.new(t).Activity().WithRetention(r)
			})
		})
	}
}

// TestActivityRetentionDeletesRows: the bounds are not only hidden from
// List but deleted, so the table stays bounded: beyond the count by the
// next Append of the tenant, past the age by it or by Prune.
func TestActivityRetentionDeletesRows(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			st := d.new(t)
			now := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
			log := st.Activity().WithRetention(activity.Retention{MaxEntries: 10, MaxAge: time.Hour, Now: func() time.Time { return now }})
			rows := func(tenant string) int {
				t.Helper()
				var n int
				if err := st.DB().QueryRowContext(ctx, "SELECT count(*) FROM scim_activity WHERE tenant = '"+tenant+"'").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			batch := func(tenant string, n int, at time.Time) []activity.Entry {
				var es []activity.Entry
				for i := range n {
					es = append(es, activity.Entry{Time: at.Add(time.Duration(i) * time.Millisecond), Tenant: tenant, IdP: "okta",
						Method: "GET", Endpoint: "Users", Outcome: activity.OK, Status: 200})
				}
				return es
			}
			if err := log.Append(ctx, append(batch("a", 25, now.Add(-time.Minute)), batch("b", 3, now.Add(-30*time.Minute))...)); err != nil {
				t.Fatal(err)
			}
			if got := rows("a"); got != 10 {
				t.Errorf("tenant a after 25 entries: %d rows, want 10", got)
			}
			if got := rows("b"); got != 3 {
				t.Errorf("tenant b after 3 entries: %d rows, want 3", got)
			}
			now = now.Add(45 * time.Minute) // b's entries have expired; a's have not
			if err := log.Append(ctx, batch("a", 1, now)); err != nil {
				t.Fatal(err)
			}
			if got := rows("b"); got != 3 {
				t.Errorf("tenant b after a's Append: %d rows, want 3 (only Prune reaches it)", got)
			}
			if err := log.Prune(ctx); err != nil {
				t.Fatal(err)
			}
			if got := rows("b"); got != 0 {
				t.Errorf("tenant b after Prune: %d rows, want 0", got)
			}
			if got := rows("a"); got != 10 {
				t.Errorf("tenant a after Prune: %d rows, want 10", got)
			}
		})
	}
}
