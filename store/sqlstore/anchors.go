package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"

	"github.com/scimkit/scim/store"
)

// List positions (anchors)
//
// A page of the default order at startIndex without a position to seek
// from (a client jumping to a page, or a walk whose previous page another
// replica served) is read with OFFSET, which steps over every row before
// it: at a million users a page near the end stepped over a million
// index entries. The store therefore remembers, per tenant and resource
// type, the key (creation time and id) of every 100th row in the
// default order, and reads such a page by keyset from the anchor before
// it, stepping over fewer than anchorStep rows.
//
// Remembered positions are exact, never approximate: they are used only
// while the database's own bookkeeping (scim_counts, migrations 0012 and
// 0013) shows that no row was removed or moved since they were taken
// (removed unchanged) and that every row added since lies after the last
// row then (n grew by exactly the number of rows after that row). New
// users and groups get the current time as their creation time, so in
// the usual case they are added at the end and the positions stay good;
// a delete, a row created with an earlier time (an app's import, a
// replica whose clock is behind), or an app's own SQL moving rows makes
// the next such page take them afresh. Both checks read the database, so
// they see every replica's writes, and once anchorRefresh rows were
// added the check that finds them good moves the last row to the current
// one, so the rows it counts stay few.
//
// They are taken as far as they are needed, not all at once: a page at
// an offset past the remembered ones reads the keys from the last
// remembered row to a little past its offset (anchorAhead rows, or as
// many as are remembered, whichever is more), in one statement over the
// order's index that costs one to three times what reading that page by
// OFFSET from there would (BenchmarkPositionTake). A walk from the start
// therefore takes them in a handful of reads that double each time, and
// a client jumping to the end of a million users pays about one OFFSET
// page once, not for every row's key while the other clients' deep pages
// wait or step over every row themselves. One request of a tenant takes them at a time; a page
// within anchorAhead rows of the furthest remembered position seeks from
// it and steps over the rest with OFFSET meanwhile, and one further waits
// for the take and then extends them itself if it must. Filtered queries
// and sortBy do not use them.

// anchorStep is the distance between remembered positions, and so the
// most rows a page steps over; anchorAhead is how many rows past a
// page's offset a take reads at least; anchorRefresh is how many rows
// may be added after the last row before a check moves the last row to
// the current one (each check counts them); maxAnchorSets bounds the
// tenants and types remembered; maxAnchorWaits is how many takes a page
// waits for before it reads by OFFSET.
//
// The last row is not moved on every check: two creates in flight at
// once have their creation times in one order and may commit in the
// other, so a last row moved to the first commit's is followed by a row
// before it, and the positions no longer hold. Under the side-by-side
// mixed load at a million users (8 clients, one in ten requests a POST),
// moving it at each check had the positions taken afresh after most
// creates: x0.08 of the floor's throughput.
const (
	defaultAnchorStep  = 100
	defaultAnchorAhead = 10_000
	anchorRefresh      = 2_000
	maxAnchorSets      = 256
	maxAnchorWaits     = 4
)

// seekKey is a row's key in the default order: created as stored ("" for
// NULL) and id.
type seekKey struct{ created, id string }

// anchorSet is the remembered positions of one tenant's rows of one
// type: keys[i] is the key of the row at 0-based position
// (i+1)*step-1, last the key of the last row, when there were n rows and
// removed was as read. The keys may end before the last row; verified
// says a take read to the last row and found it at position n-1 (the
// kept count is the rows'), which a page past the keys among the rows
// added after the last (offset >= n) relies on. A set is not changed
// once stored: a take or a check stores a new one.
type anchorSet struct {
	n, removed int64
	keys       []seekKey
	last       seekKey
	verified   bool
}

// covers reports whether set has the positions a page at offset seeks
// from.
func (set *anchorSet) covers(offset, step int) bool {
	if int64(offset) >= set.n {
		return set.verified
	}
	return offset/step <= len(set.keys)
}

// anchors holds a Store's remembered positions.
type anchors struct {
	step, ahead int
	mu          sync.Mutex
	sets        map[string]*anchorSet
	building    map[string]chan struct{} // closed when the take ends
}

func newAnchors() *anchors {
	return &anchors{step: defaultAnchorStep, ahead: defaultAnchorAhead, sets: map[string]*anchorSet{}, building: map[string]chan struct{}{}}
}

func anchorKey(table, tenant string) string { return table + "\x00" + tenant }

// replace stores set for key if the stored one is still old.
func (a *anchors) replace(key string, old, set *anchorSet) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sets[key] != old {
		return
	}
	if set == nil {
		delete(a.sets, key)
		return
	}
	if old == nil && len(a.sets) >= maxAnchorSets {
		clear(a.sets)
	}
	a.sets[key] = set
}

// anchorPage rewrites p, a page of the default order without a filter
// or a position at an offset of at least one step, to seek from the
// remembered position before it, and returns the tenant's total. ok is
// false when there is none that holds, and p is then left as it was.
func (s *Store) anchorPage(ctx context.Context, db querier, p *plan) (total int, ok bool, err error) {
	a := s.anchors
	if a == nil || !p.seek || !p.unfiltered || p.after != "" || p.offset < a.step || p.limit <= 0 {
		return 0, false, nil
	}
	tenant := store.TenantFrom(ctx)
	key := anchorKey(p.table, tenant)
	for waits := 0; ; waits++ {
		a.mu.Lock()
		set := a.sets[key]
		a.mu.Unlock()
		if set != nil {
			now, n, err := s.anchorCheck(ctx, db, p.table, tenant, set)
			if err != nil {
				return 0, false, err
			}
			if now != set {
				a.replace(key, set, now)
				set = now
			}
			if set != nil && set.covers(p.offset, a.step) {
				s.seekFrom(p, set, a.step)
				return int(n), true, nil
			}
			total = int(n)
		}
		a.mu.Lock()
		if taking := a.building[key]; taking != nil {
			a.mu.Unlock()
			// Another request takes them. A page near the furthest
			// position steps over the rest with OFFSET; one further
			// waits for the take (which costs about what its own OFFSET
			// would) rather than step over the same rows beside it.
			reach := 0
			if set != nil {
				reach = len(set.keys) * a.step
			}
			if near := p.offset-reach < a.ahead; near || waits >= maxAnchorWaits {
				if set == nil || int64(p.offset) >= set.n {
					return 0, false, nil
				}
				s.seekFrom(p, set, a.step)
				return total, true, nil
			}
			select {
			case <-taking:
				continue
			case <-ctx.Done():
				return 0, false, ctx.Err()
			}
		}
		taking := make(chan struct{})
		a.building[key] = taking
		a.mu.Unlock()
		defer func() {
			a.mu.Lock()
			delete(a.building, key)
			a.mu.Unlock()
			close(taking)
		}()
		// Read to anchorAhead rows past the offset, or twice as far as
		// they reach, whichever is further.
		upTo := int64(p.offset) + int64(a.ahead)
		if set != nil {
			upTo = max(upTo, 2*int64(len(set.keys)*a.step))
		}
		taken, n, err := s.takeAnchors(ctx, p.table, tenant, set, a.step, upTo)
		if err != nil {
			return 0, false, err
		}
		a.replace(key, set, taken)
		if taken == nil || !taken.covers(p.offset, a.step) {
			return 0, false, nil
		}
		s.seekFrom(p, taken, a.step)
		return int(n), true, nil
	}
}

// seekFrom makes p read from the remembered position before its offset.
func (s *Store) seekFrom(p *plan, set *anchorSet, step int) {
	var from seekKey
	if int64(p.offset) >= set.n {
		from, p.offset = set.last, p.offset-int(set.n) // among the rows added after the last
	} else {
		i := min(p.offset/step, len(set.keys))
		if i == 0 {
			return
		}
		from, p.offset = set.keys[i-1], p.offset-i*step
	}
	b := &builder{dialect: s.dialect, base: len(p.args)}
	p.after = s.afterCond(b, from.created, from.id)
	p.afterArgs = len(b.args)
	p.args = append(p.args[:len(p.args):len(p.args)], b.args...)
}

// lastRowSQL is the two scalar subqueries of the key (created as
// ordered, and id) of the tenant's ($1) last row in the default order,
// which lastRow scans.
func lastRowSQL(table string) string {
	last := func(col string) string {
		return "(SELECT " + col + " FROM " + table + " t WHERE t.tenant = $1 ORDER BY COALESCE(t.created, '') DESC, t.id DESC LIMIT 1)"
	}
	return last("COALESCE(t.created, '')") + ", " + last("t.id")
}

// lastRow is the destination of lastRowSQL's columns: NULL when the
// tenant has no rows.
type lastRow struct{ created, id sql.NullString }

func (l *lastRow) key() seekKey { return seekKey{l.created.String, l.id.String} }

// anchorCheck reads, in one statement, the tenant's kept count and
// removals, the number of its rows after set's last row and the key of
// its last row now. It returns set if the positions still hold, nil if
// they do not, and a copy whose last row and count are the current ones
// once anchorRefresh rows were added after its last row; and the kept
// count.
func (s *Store) anchorCheck(ctx context.Context, db querier, table, tenant string, set *anchorSet) (_ *anchorSet, n int64, err error) {
	b := &builder{dialect: s.dialect, base: 2}
	cond := s.afterCond(b, set.last.created, set.last.id) // numbered after $1 and $2, with no "$" on SQLite
	query := s.rebind(keptCountSQL(", (SELECT COUNT(*) FROM " + table + " t WHERE t.tenant = $1 AND " + cond + "), " + lastRowSQL(table)))
	args := append([]any{tenant, resourceTypeOf(table)}, b.args...)
	var removed, tail int64
	var last lastRow
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n, &removed, &tail, &last.created, &last.id); err != nil {
		return nil, 0, fmt.Errorf("sqlstore: positions: %w", err)
	}
	switch {
	case removed != set.removed || n != set.n+tail || n == 0:
		return nil, n, nil
	case tail < anchorRefresh:
		return set, n, nil
	}
	now := *set
	now.n, now.last = n, last.key()
	return &now, n, nil
}

// takeAnchors returns the positions of the tenant's rows up to 0-based
// position upTo, or to the last row if that is nearer: from's, if they
// still hold in the snapshot the take reads, and the keys of every
// step-th row after them, with the counts. It returns nil for a tenant
// with no rows, or whose kept count does not match its rows (an app that
// applies the schema itself without migration 0012's back-fill), which
// then pages by OFFSET. total is the kept count.
func (s *Store) takeAnchors(ctx context.Context, table, tenant string, from *anchorSet, step int, upTo int64) (set *anchorSet, total int64, err error) {
	err = s.snapshot(ctx, func(q querier) error {
		set = nil
		if from != nil {
			if from, total, err = s.anchorCheck(ctx, q, table, tenant, from); err != nil {
				return err
			}
		}
		if from == nil {
			from = &anchorSet{}
			var last lastRow
			query := s.rebind(keptCountSQL(", " + lastRowSQL(table)))
			if err := q.QueryRowContext(ctx, query, tenant, resourceTypeOf(table)).Scan(&from.n, &from.removed, &last.created, &last.id); err != nil {
				return err
			}
			if total = from.n; from.n == 0 || !last.id.Valid {
				return nil
			}
			from.last = last.key()
		}
		set = from
		have := len(from.keys)
		toEnd := upTo >= from.n-1
		want := (upTo+1)/int64(step) - int64(have) // positions to read
		if toEnd && from.verified || !toEnd && want <= 0 {
			return nil // they reach that far already
		}
		var start seekKey // before every row: ids are not empty
		if have > 0 {
			start = from.keys[have-1]
		}
		keys, err := s.stepKeys(ctx, q, table, tenant, start, step, want, toEnd)
		if err != nil {
			return err
		}
		set = &anchorSet{n: from.n, removed: from.removed, keys: append(slices.Clip(from.keys), keys...), last: from.last}
		if !toEnd {
			return nil
		}
		// Read to the end: the rows after the last position must be
		// those the kept count says.
		if len(set.keys) > 0 {
			start = set.keys[len(set.keys)-1]
		}
		b := &builder{dialect: s.dialect, base: 1}
		var rest int64
		query := "SELECT COUNT(*) FROM " + table + " t WHERE t.tenant = $1 AND " + s.afterCond(b, start.created, start.id)
		if err := q.QueryRowContext(ctx, s.rebind(query), append([]any{tenant}, b.args...)...).Scan(&rest); err != nil {
			return err
		}
		if int64(len(set.keys)*step)+rest != from.n {
			set = nil // the kept count is not the rows' (fewer, or more)
			return nil
		}
		set.verified = true
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: positions: %w", err)
	}
	return set, total, nil
}

// stepKeys reads, in one statement, the keys of the step-th row after
// start in the default order, of the step-th after that, and so on: want
// of them, or to the last row if all is set. Each is found by an index
// range from the one before that steps over step-1 entries (LIMIT 1
// OFFSET step-1). BenchmarkPositionTake, at 200,000 users: numbering
// every row with ROW_NUMBER() instead made the take 5.3 times as slow on
// SQLite (265 against 50 ms; the OFFSET page to the end is 20 ms), 1.1
// times on PostgreSQL.
func (s *Store) stepKeys(ctx context.Context, q querier, table, tenant string, start seekKey, step int, want int64, all bool) ([]seekKey, error) {
	b := &builder{dialect: s.dialect, base: 1}
	c, id := b.arg(start.created), b.arg(start.id)
	from := c + ", " + id
	if s.dialect == Postgres {
		// The recursive term's columns are of the stored collation.
		from = "CAST(" + c + ` AS text) COLLATE "C", CAST(` + id + ` AS text) COLLATE "C"`
	}
	more := ""
	if !all {
		more = " AND a.k < " + b.arg(want)
	}
	query := `WITH RECURSIVE a(c, id, k) AS (
		SELECT ` + from + `, 0
		UNION ALL
		SELECT COALESCE(u.created, ''), u.id, a.k + 1 FROM a JOIN ` + table + ` u ON u.tenant = $1 AND u.id = (
			SELECT t.id FROM ` + table + ` t WHERE t.tenant = $1 AND ` + s.afterExpr("a.c", "a.id") + `
			ORDER BY ` + seekOrder + ` LIMIT 1 OFFSET ` + b.arg(step-1) + `)` + more + `
	) SELECT c, id FROM a WHERE k > 0 ORDER BY k`
	rows, err := q.QueryContext(ctx, s.rebind(query), append([]any{tenant}, b.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []seekKey
	for rows.Next() {
		var k seekKey
		if err := rows.Scan(&k.created, &k.id); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// afterCond is the condition of the rows after (created, id) in the
// default order, with its arguments added to b.
func (s *Store) afterCond(b *builder, created, id string) string {
	c := b.arg(created)
	return s.afterExpr(c, b.arg(id))
}

// afterExpr is the condition of the rows after the key whose created
// and id are the SQL expressions c and id.
func (s *Store) afterExpr(c, id string) string {
	if s.dialect == Postgres {
		// A row comparison is an index condition of the btree.
		return "(" + seekOrder + ") > (" + c + ", " + id + ")"
	}
	// SQLite's planner does not turn the row value into a range of the
	// expression index: the first term bounds the range, the second drops
	// the rows of the position's own creation time up to its id.
	const key = "COALESCE(t.created, '')"
	return "(" + key + " >= " + c + " AND (" + key + " > " + c + " OR t.id > " + id + "))"
}
