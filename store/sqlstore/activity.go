package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/activity"
)

// Activity is an [activity.Store] in the store's database, in the table
// scim_activity (migration 0006; dry_run and effects, migration
// 0008, effects as a JSON array of strings). Retention is enforced in Append: in
// the same transaction as the batch's rows, each tenant of the batch
// loses its rows older than MaxAge and those beyond its MaxEntries
// newest, both found through the index on (tenant, at DESC, id DESC);
// Prune deletes the expired rows of every tenant through the index on
// at. Replicas appending to one tenant at the same moment may leave it
// more than MaxEntries rows (each counts the rows committed before it)
// until its next Append. Like the Store's, its errors wrap
// store.ErrUnavailable when the database cannot answer, and its calls
// join the transaction of [Store.InTx].
type Activity struct {
	s   *Store
	ret activity.Retention
}

var (
	_ activity.Store  = (*Activity)(nil)
	_ activity.Pruner = (*Activity)(nil)
)

// Activity returns the activity log on s's database, with the default
// retention (10,000 entries and 30 days per tenant, on the store's
// clock, see [WithClock]).
func (s *Store) Activity() *Activity {
	return (&Activity{s: s}).WithRetention(activity.Retention{})
}

// WithRetention returns the log with retention r; its zero fields are
// the defaults, and a nil Now is the store's clock.
func (a *Activity) WithRetention(r activity.Retention) *Activity {
	if r.Now == nil {
		r.Now = a.s.now
	}
	return &Activity{s: a.s, ret: r.WithDefaults()}
}

const activityColumns = "id, tenant, at, idp, method, endpoint, search, resource_id, outcome, status, latency_ns, scim_type, detail, quirks, request_id, user_agent, dry_run, effects"

// activityChunk is the most rows one INSERT writes (17 parameters each,
// far below either database's limit).
const activityChunk = 200

// Append implements [activity.Store].
func (a *Activity) Append(ctx context.Context, entries []activity.Entry) (err error) {
	defer classify(&err)
	if len(entries) == 0 {
		return nil
	}
	err = a.s.write(ctx, func(ctx context.Context, q querier) error {
		for start := 0; start < len(entries); start += activityChunk {
			chunk := entries[start:min(start+activityChunk, len(entries))]
			var sb strings.Builder
			sb.WriteString("INSERT INTO scim_activity (tenant, at, idp, method, endpoint, search, resource_id, outcome, status, latency_ns, scim_type, detail, quirks, request_id, user_agent, dry_run, effects) VALUES ")
			args := make([]any, 0, 17*len(chunk))
			for i, e := range chunk {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteByte('(')
				effects, err := effectsText(e.Effects)
				if err != nil {
					return err
				}
				for j := range 17 {
					if j > 0 {
						sb.WriteString(", ")
					}
					sb.WriteString("$" + strconv.Itoa(len(args)+j+1))
				}
				sb.WriteByte(')')
				args = append(args, e.Tenant, e.Time.UnixMicro(), e.IdP, e.Method, e.Endpoint, e.Search, e.ResourceID,
					string(e.Outcome), e.Status, int64(e.Latency), e.ScimType, e.Detail, strings.Join(e.Quirks, ","), e.RequestID, e.UserAgent, e.DryRun, effects)
			}
			if _, err := q.ExecContext(ctx, a.s.rebind(sb.String()), args...); err != nil {
				return fmt.Errorf("sqlstore: append activity: %w", err)
			}
		}
		return a.retain(ctx, q, entries)
	})
	return err
}

// retain deletes, for each tenant of entries, its expired rows and those
// beyond its newest MaxEntries.
func (a *Activity) retain(ctx context.Context, q querier, entries []activity.Entry) error {
	cutoff := a.ret.Cutoff().UnixMicro()
	all := " OFFSET $2"
	if a.s.dialect == SQLite {
		all = " LIMIT -1 OFFSET $2"
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Tenant] {
			continue
		}
		seen[e.Tenant] = true
		if _, err := q.ExecContext(ctx, a.s.rebind("DELETE FROM scim_activity WHERE tenant = $1 AND at < $2"), e.Tenant, cutoff); err != nil {
			return fmt.Errorf("sqlstore: activity retention: %w", err)
		}
		if _, err := q.ExecContext(ctx, a.s.rebind(`DELETE FROM scim_activity WHERE id IN (
			SELECT id FROM scim_activity WHERE tenant = $1 ORDER BY at DESC, id DESC`+all+`)`), e.Tenant, a.ret.MaxEntries); err != nil {
			return fmt.Errorf("sqlstore: activity retention: %w", err)
		}
	}
	return nil
}

// Prune implements [activity.Pruner].
func (a *Activity) Prune(ctx context.Context) (err error) {
	defer classify(&err)
	if _, err := a.s.q(ctx).ExecContext(ctx, a.s.rebind("DELETE FROM scim_activity WHERE at < $1"), a.ret.Cutoff().UnixMicro()); err != nil {
		return fmt.Errorf("sqlstore: prune activity: %w", err)
	}
	return nil
}

// List implements [activity.Store]: one indexed query for the page and
// one entry more, which says whether a next page exists.
func (a *Activity) List(ctx context.Context, tenant string, f activity.Filter) (out []activity.Entry, next activity.Cursor, err error) {
	defer classify(&err)
	limit := f.LimitOf()
	query := "SELECT " + activityColumns + " FROM scim_activity WHERE tenant = $1 AND at >= $2"
	args := []any{tenant, a.ret.Cutoff().UnixMicro()}
	if f.FailuresOnly {
		query += " AND outcome <> 'ok'"
	}
	if f.Before != "" {
		t, seq, err := activity.ParseCursor(f.Before)
		if err != nil {
			return nil, "", err
		}
		query += " AND (at, id) < ($3, $4)"
		args = append(args, t.UnixMicro(), seq)
	}
	query += " ORDER BY at DESC, id DESC LIMIT " + strconv.Itoa(limit+1)
	rows, err := a.s.q(ctx).QueryContext(ctx, a.s.rebind(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlstore: list activity: %w", err)
	}
	defer rows.Close()
	out = []activity.Entry{}
	var lastID, lastAt int64
	for rows.Next() {
		var e activity.Entry
		var id, at, latency int64
		var outcome, quirks, effects string
		if err := rows.Scan(&id, &e.Tenant, &at, &e.IdP, &e.Method, &e.Endpoint, &e.Search, &e.ResourceID, &outcome,
			&e.Status, &latency, &e.ScimType, &e.Detail, &quirks, &e.RequestID, &e.UserAgent, &e.DryRun, &effects); err != nil {
			return nil, "", fmt.Errorf("sqlstore: list activity: %w", err)
		}
		if len(out) == limit {
			next = activity.MakeCursor(time.UnixMicro(lastAt), lastID)
			break
		}
		e.Time, e.Outcome, e.Latency = time.UnixMicro(at).UTC(), activity.Outcome(outcome), time.Duration(latency)
		if quirks != "" {
			e.Quirks = strings.Split(quirks, ",")
		}
		if effects != "" {
			if err := json.Unmarshal([]byte(effects), &e.Effects); err != nil {
				return nil, "", fmt.Errorf("sqlstore: list activity: effects of entry %d: %w", id, err)
			}
		}
		out = append(out, e)
		lastID, lastAt = id, at
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlstore: list activity: %w", err)
	}
	return out, next, nil
}

// effectsText is the effects column of an entry: its Effects as a JSON
// array of strings, "" for none.
func effectsText(effects []string) (string, error) {
	if len(effects) == 0 {
		return "", nil
	}
	b, err := json.Marshal(effects)
	if err != nil {
		return "", fmt.Errorf("sqlstore: append activity: effects: %w", err)
	}
	return string(b), nil
}
