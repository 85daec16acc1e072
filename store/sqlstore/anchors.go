package sqlstore

import (
	"context"
	"fmt"
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
// they see every replica's writes.
//
// Taking them is one read of the tenant's keys in order (a window
// function over the order's index), in a snapshot with the counts; it is
// taken when a page at startIndex > anchorStep finds none that hold, and
// retaken once more than anchorMaxTail rows were added after them.
// Filtered queries and sortBy do not use them.

// anchorStep is the distance between remembered positions, and so the
// most rows a page steps over; anchorMaxTail is how many rows may be
// added after the last remembered row before the positions are taken
// again; maxAnchorSets bounds the tenants and types remembered.
const (
	defaultAnchorStep = 100
	anchorMaxTail     = 20_000
	maxAnchorSets     = 256
)

// seekKey is a row's key in the default order: created as stored ("" for
// NULL) and id.
type seekKey struct{ created, id string }

// anchorSet is the remembered positions of one tenant's rows of one
// type: keys[i] is the key of the row at 0-based position
// (i+1)*step-1, last the key of the last row, when there were n rows and
// removed was as read.
type anchorSet struct {
	n, removed int64
	keys       []seekKey
	last       seekKey
}

// anchors holds a Store's remembered positions.
type anchors struct {
	step     int
	mu       sync.Mutex
	sets     map[string]*anchorSet
	building map[string]bool
}

func newAnchors() *anchors {
	return &anchors{step: defaultAnchorStep, sets: map[string]*anchorSet{}, building: map[string]bool{}}
}

func anchorKey(table, tenant string) string { return table + "\x00" + tenant }

// anchorPage rewrites p, a page of the default order without a filter
// or a position at an offset of at least one step, to seek from the
// remembered position before it, and returns the tenant's total. ok is
// false when there is none that holds (taking them afresh when no other
// request is), and p is then left as it was.
func (s *Store) anchorPage(ctx context.Context, db querier, p *plan) (total int, ok bool, err error) {
	a := s.anchors
	if a == nil || !p.seek || !p.unfiltered || p.after != "" || p.offset < a.step || p.limit <= 0 {
		return 0, false, nil
	}
	tenant := store.TenantFrom(ctx)
	key := anchorKey(p.table, tenant)
	a.mu.Lock()
	set := a.sets[key]
	a.mu.Unlock()
	if set != nil {
		n, removed, tail, err := s.anchorCheck(ctx, db, p.table, tenant, set.last)
		if err != nil {
			return 0, false, err
		}
		if removed == set.removed && n == set.n+tail && tail <= anchorMaxTail {
			s.seekFrom(p, set, a.step)
			return int(n), true, nil
		}
	}
	a.mu.Lock()
	if a.building[key] {
		a.mu.Unlock()
		return 0, false, nil // another request takes them: page by OFFSET meanwhile
	}
	a.building[key] = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.building, key)
		a.mu.Unlock()
	}()
	if set, err = s.takeAnchors(ctx, p.table, tenant, a.step); err != nil || set == nil {
		return 0, false, err
	}
	a.mu.Lock()
	if len(a.sets) >= maxAnchorSets {
		clear(a.sets)
	}
	a.sets[key] = set
	a.mu.Unlock()
	s.seekFrom(p, set, a.step)
	return int(set.n), true, nil
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

// anchorCheck reads, in one statement, the tenant's kept count and
// removals and the number of its rows after last.
func (s *Store) anchorCheck(ctx context.Context, db querier, table, tenant string, last seekKey) (n, removed, tail int64, err error) {
	b := &builder{dialect: s.dialect, base: 2}
	cond := s.afterCond(b, last.created, last.id) // numbered after $1 and $2, with no "$" on SQLite
	query := s.rebind(keptCountSQL(", (SELECT COUNT(*) FROM " + table + " t WHERE t.tenant = $1 AND " + cond + ")"))
	args := append([]any{tenant, resourceTypeOf(table)}, b.args...)
	if err := db.QueryRowContext(ctx, query, args...).Scan(&n, &removed, &tail); err != nil {
		return 0, 0, 0, fmt.Errorf("sqlstore: positions: %w", err)
	}
	return n, removed, tail, nil
}

// takeAnchors reads the keys of every step-th row of the tenant's rows
// and the last one, with the counts, in one snapshot. It returns nil for
// a tenant whose kept count does not match its rows (an app that applies
// the schema itself without migration 0012's back-fill), which then pages
// by OFFSET.
func (s *Store) takeAnchors(ctx context.Context, table, tenant string, step int) (set *anchorSet, err error) {
	err = s.snapshot(ctx, func(q querier) error {
		n, removed, err := s.keptCount(ctx, q, table, tenant)
		if err != nil {
			return err
		}
		// The rows numbered a multiple of step, and those from the kept
		// count n on: the last row when the count is right, and any rows
		// past it when it is not. No COUNT(*) OVER (): a window over the
		// whole partition makes SQLite buffer every row before the first
		// (at a million users the take cost seconds, 31% of the CPU of the
		// side-by-side mixed load that had to take them).
		rows, err := q.QueryContext(ctx, s.rebind(`SELECT c, id, rn FROM (
			SELECT COALESCE(t.created, '') AS c, t.id, ROW_NUMBER() OVER (ORDER BY `+seekOrder+`) AS rn
			FROM `+table+` t WHERE t.tenant = $1) w
			WHERE rn % $2 = 0 OR rn >= $3 ORDER BY rn`), tenant, step, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		set = &anchorSet{n: n, removed: removed}
		var maxRN int64
		for rows.Next() {
			var k seekKey
			var rn int64
			if err := rows.Scan(&k.created, &k.id, &rn); err != nil {
				return err
			}
			if rn%int64(step) == 0 && rn <= n {
				set.keys = append(set.keys, k)
			}
			if rn == n {
				set.last = k
			}
			maxRN = rn
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 || maxRN != n {
			set = nil // the kept count is not the rows' (fewer, or more)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: positions: %w", err)
	}
	return set, nil
}

// afterCond is the condition of the rows after (created, id) in the
// default order, with its arguments added to b.
func (s *Store) afterCond(b *builder, created, id string) string {
	if s.dialect == Postgres {
		// A row comparison is an index condition of the btree.
		return "(" + seekOrder + ") > (" + b.arg(created) + ", " + b.arg(id) + ")"
	}
	// SQLite's planner does not turn the row value into a range of the
	// expression index: the first term bounds the range, the second drops
	// the rows of the position's own creation time up to its id.
	const key = "COALESCE(t.created, '')"
	c := b.arg(created)
	return "(" + key + " >= " + c + " AND (" + key + " > " + c + " OR t.id > " + b.arg(id) + "))"
}
