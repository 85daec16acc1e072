package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// This file is the SCIM activity log in the app's own table app_activity
// (ActivityStore, an activity.Store that passes activitytest.Run on
// SQLite and PostgreSQL), which an activity.Recorder fills as the SCIM
// handler's Config.Observe (app.go), and the admin's Activity page,
// GET /settings/scim/activity.

// ActivityStore is an activity.Store over app_activity. Times are Unix
// microseconds; entries are ordered by (at, seq), newest first, and the
// cursor is activity.MakeCursor of the last entry of a page. Retention is
// enforced in Append, in the batch's transaction: each tenant of the
// batch loses its rows older than MaxAge and those beyond its newest
// MaxEntries; Prune deletes every tenant's expired rows.
//
// The rows beyond MaxEntries are found by walking the tenant's index
// past its newest MaxEntries, a cost that grows with MaxEntries (10,000
// by default), and the Recorder appends a batch for every few requests.
// So Append deletes them every capSlack entries a tenant appends in this
// process (and at its first Append of the tenant), not at every Append,
// and List reads only the newest MaxEntries: what the log shows is the
// same, and the table keeps at most capSlack rows more per tenant and
// replica for a while.
type ActivityStore struct {
	db  *DB
	ret activity.Retention

	mu    sync.Mutex
	since map[string]int // per tenant, entries appended since its last deletion beyond MaxEntries
}

// capSlack is how many entries a tenant appends between two deletions of
// its entries beyond MaxEntries: a tenth of MaxEntries, at least 1.
func (s *ActivityStore) capSlack() int { return max(1, s.ret.MaxEntries/10) }

var (
	_ activity.Store  = (*ActivityStore)(nil)
	_ activity.Pruner = (*ActivityStore)(nil)
)

// NewActivityStore returns the activity log on db with retention r (its
// zero fields are the defaults: 10,000 entries and 30 days per tenant).
func NewActivityStore(db *DB, r activity.Retention) *ActivityStore {
	if r.Now == nil {
		r.Now = db.now
	}
	return &ActivityStore{db: db, ret: r.WithDefaults(), since: map[string]int{}}
}

// activityErr wraps store.ErrUnavailable around an error that says the
// database cannot answer now, as the contract asks.
func activityErr(err error) error {
	if err != nil && sqlstore.Unavailable(err) {
		return fmt.Errorf("%w (%w)", store.ErrUnavailable, err)
	}
	return err
}

// Append implements activity.Store.
func (s *ActivityStore) Append(ctx context.Context, entries []activity.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	db := s.db
	// The tenants whose entries beyond MaxEntries this batch deletes.
	batch := map[string]int{}
	for _, e := range entries {
		batch[e.Tenant]++
	}
	s.mu.Lock()
	trim := map[string]bool{}
	for t, n := range batch {
		since, seen := s.since[t]
		trim[t] = !seen || since+n >= s.capSlack()
	}
	s.mu.Unlock()
	err := activityErr(db.tx(ctx, func(tx *sql.Tx) error {
		for _, e := range entries {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_activity (tenant_id, at, idp, method, endpoint, search,
				resource_id, outcome, status, latency_ns, scim_type, detail, quirks, request_id, user_agent, dry_run, effects)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				e.Tenant, e.Time.UnixMicro(), e.IdP, e.Method, e.Endpoint, e.Search, e.ResourceID, string(e.Outcome),
				e.Status, int64(e.Latency), e.ScimType, e.Detail, strings.Join(e.Quirks, ","), e.RequestID, e.UserAgent,
				e.DryRun, effectsCol(e.Effects)); err != nil {
				return fmt.Errorf("activity: append: %w", err)
			}
		}
		cutoff := s.ret.Cutoff().UnixMicro()
		all := " OFFSET ?"
		if db.dialect == sqliteDialect {
			all = " LIMIT -1 OFFSET ?"
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if seen[e.Tenant] {
				continue
			}
			seen[e.Tenant] = true
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM app_activity WHERE tenant_id = ? AND at < ?`), e.Tenant, cutoff); err != nil {
				return fmt.Errorf("activity: retention: %w", err)
			}
			if !trim[e.Tenant] {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM app_activity WHERE seq IN (
				SELECT seq FROM app_activity WHERE tenant_id = ? ORDER BY at DESC, seq DESC`+all+`)`), e.Tenant, s.ret.MaxEntries); err != nil {
				return fmt.Errorf("activity: retention: %w", err)
			}
		}
		return nil
	}))
	if err != nil {
		return err
	}
	s.mu.Lock()
	for t, n := range batch {
		if trim[t] {
			s.since[t] = 0
		} else {
			s.since[t] += n
		}
	}
	s.mu.Unlock()
	return nil
}

// Prune implements activity.Pruner.
func (s *ActivityStore) Prune(ctx context.Context) error {
	_, err := s.db.sql.ExecContext(ctx, s.db.q(`DELETE FROM app_activity WHERE at < ?`), s.ret.Cutoff().UnixMicro())
	return activityErr(err)
}

// List implements activity.Store: one indexed query for the page and one
// entry more, which says whether there is a next page, after one that
// finds the oldest of the tenant's newest MaxEntries, below which the
// page does not go (Append deletes the rows below it only every
// capSlack entries).
func (s *ActivityStore) List(ctx context.Context, tenant string, f activity.Filter) ([]activity.Entry, activity.Cursor, error) {
	limit := f.LimitOf()
	cutoff := s.ret.Cutoff().UnixMicro()
	query := `SELECT seq, tenant_id, at, idp, method, endpoint, search, resource_id, outcome, status, latency_ns, scim_type,
		detail, quirks, request_id, user_agent, dry_run, effects FROM app_activity WHERE tenant_id = ? AND at >= ?`
	args := []any{tenant, cutoff}
	var oldestAt, oldestSeq int64
	err := s.db.sql.QueryRowContext(ctx, s.db.q(`SELECT at, seq FROM app_activity WHERE tenant_id = ? AND at >= ?
		ORDER BY at DESC, seq DESC LIMIT 1 OFFSET ?`), tenant, cutoff, s.ret.MaxEntries-1).Scan(&oldestAt, &oldestSeq)
	switch {
	case err == nil:
		query += ` AND (at > ? OR (at = ? AND seq >= ?))`
		args = append(args, oldestAt, oldestAt, oldestSeq)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, "", activityErr(fmt.Errorf("activity: list: %w", err))
	}
	if f.FailuresOnly {
		query += ` AND outcome <> 'ok'`
	}
	if f.Before != "" {
		t, seq, err := activity.ParseCursor(f.Before)
		if err != nil {
			return nil, "", err
		}
		query += ` AND (at < ? OR (at = ? AND seq < ?))`
		args = append(args, t.UnixMicro(), t.UnixMicro(), seq)
	}
	query += ` ORDER BY at DESC, seq DESC LIMIT ` + strconv.Itoa(limit+1)
	type row struct {
		seq, at int64
		e       activity.Entry
	}
	rows, err := queryRows(ctx, s.db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
		var latency int64
		var outcome, quirks, effects string
		err = sc.Scan(&r.seq, &r.e.Tenant, &r.at, &r.e.IdP, &r.e.Method, &r.e.Endpoint, &r.e.Search, &r.e.ResourceID, &outcome,
			&r.e.Status, &latency, &r.e.ScimType, &r.e.Detail, &quirks, &r.e.RequestID, &r.e.UserAgent, &r.e.DryRun, &effects)
		r.e.Time, r.e.Outcome, r.e.Latency = time.UnixMicro(r.at).UTC(), activity.Outcome(outcome), time.Duration(latency)
		if quirks != "" {
			r.e.Quirks = strings.Split(quirks, ",")
		}
		if err == nil && effects != "" {
			err = json.Unmarshal([]byte(effects), &r.e.Effects)
		}
		return r, err
	}, s.db.q(query), args...)
	if err != nil {
		return nil, "", activityErr(fmt.Errorf("activity: list: %w", err))
	}
	out := make([]activity.Entry, 0, min(len(rows), limit))
	var next activity.Cursor
	for i, r := range rows {
		if i == limit {
			last := rows[i-1]
			next = activity.MakeCursor(time.UnixMicro(last.at), last.seq)
			break
		}
		out = append(out, r.e)
	}
	return out, next, nil
}

// effectsCol is the effects column of an entry's would-be effects: a JSON
// array of strings, "" for none.
func effectsCol(effects []string) string {
	if len(effects) == 0 {
		return ""
	}
	b, _ := json.Marshal(effects) // strings always encode
	return string(b)
}

// activityView is the Activity page.
type activityView struct {
	Entries      []activity.Entry
	FailuresOnly bool
	// Older is the cursor of the next page, "" on the last page.
	Older activity.Cursor
}

// activityPage is GET /settings/scim/activity[?failures=1][&before=CURSOR]:
// the workspace's SCIM requests, newest first, 50 a page. A malformed
// cursor is 400.
func (a *App) activityPage(w http.ResponseWriter, r *http.Request) {
	ad := adminFrom(r.Context())
	q := r.URL.Query()
	f := activity.Filter{FailuresOnly: q.Get("failures") == "1", Before: activity.Cursor(q.Get("before"))}
	entries, next, err := a.Activity.List(r.Context(), ad.tenant.ID, f)
	if errors.Is(err, activity.ErrInvalidCursor) {
		a.render(w, r, http.StatusBadRequest, "login", pageData{Title: "Bad request", Heading: "This page link is not valid",
			Error: "The link to older entries is malformed."})
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := &activityView{Entries: entries, FailuresOnly: f.FailuresOnly, Older: next}
	a.render(w, r, http.StatusOK, "activity", pageData{Title: "SCIM activity", Activity: v})
}
