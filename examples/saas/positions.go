package main

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Remembered list positions of SCIM's users.
//
// An IdP's list at a startIndex far into the tenant's accounts (a client
// jumping to a page, or a walk whose previous page another replica
// served) is read with OFFSET, which steps over every account before the
// page: on PostgreSQL, under the side-by-side mixed load at 20,000 users,
// 47 ms per page, more than half of the database's time, because every
// account it steps over is fetched from the table to see whether the
// snapshot sees it. The DB therefore remembers, per tenant, the seq of
// every positionStep-th account SCIM sees, in list (seq) order, and
// reads such a page after the position before it (Window.After), so that
// it steps over fewer than positionStep accounts.
//
// A remembered position is exact or unused. account_counts tells
// whether they still hold, in the one statement that also reads the
// page's total (checkPositions): moves is unchanged (no account SCIM saw
// was deleted, archived, restored or moved between tenants since they
// were taken), and the accounts after the last remembered one grew by
// exactly as many as the tenant's visible accounts did (every account
// added since lies after it: a transaction that took a lower seq and
// committed later fails this). Both read the database, so they see every
// replica's writes. They are taken (takePositions, one read of the
// tenant's visible seqs in order, in one statement with the counts) when
// a page finds none that hold, at most once a second per tenant (a
// tenant whose accounts keep moving pages by OFFSET meanwhile), and
// extended over the accounts added after the last one once a step of
// them has been.

// positionStep is the distance between remembered positions, the most
// accounts a page steps over; positionTenants bounds the tenants
// remembered (their positions, and when they were taken).
const (
	positionStep    = 100
	positionTenants = 256
)

// positionRetake is how soon positions that stopped holding are taken
// again for a tenant; tests set it to 0.
var positionRetake = time.Second

// positionSet is the remembered positions of one tenant's visible
// accounts: seqs[i] is the seq of the account at 0-based position
// (i+1)*positionStep-1, when there were visible such accounts and
// account_counts' moves was moves.
type positionSet struct {
	visible, moves int64
	seqs           []int64
}

// last is the seq of the last remembered account, 0 for none.
func (p *positionSet) last() int64 {
	if len(p.seqs) == 0 {
		return 0
	}
	return p.seqs[len(p.seqs)-1]
}

// tail is how many visible accounts followed the last remembered one.
func (p *positionSet) tail() int64 { return p.visible - int64(len(p.seqs))*positionStep }

// positions holds a DB's remembered positions.
type positions struct {
	mu    sync.Mutex
	sets  map[string]*positionSet
	taken map[string]time.Time // when each tenant's were last taken
}

// seekVisible rewrites w, a window at an offset of SCIM's users of the
// tenant, to start after the remembered position before it, and returns
// the tenant's number of visible accounts; ok is false when no position
// holds (w is then as given, to be read by OFFSET).
func (db *DB) seekVisible(ctx context.Context, tenantID string, w *Window) (total int, ok bool, err error) {
	if w.After != 0 || w.Offset < positionStep || w.Limit <= 0 {
		return 0, false, nil
	}
	p := &db.positions
	p.mu.Lock()
	set := p.sets[tenantID]
	p.mu.Unlock()
	if set != nil {
		visible, moves, tail, err := db.checkPositions(ctx, tenantID, set.last())
		if err != nil {
			return 0, false, err
		}
		switch {
		case moves != set.moves || tail != set.tail()+visible-set.visible:
			set = nil
		case tail >= positionStep:
			// Accounts were added: remember positions among them.
			if set, err = db.takePositions(ctx, tenantID, set); err != nil {
				return 0, false, err
			}
		case visible != set.visible:
			set = &positionSet{visible: visible, moves: moves, seqs: set.seqs}
		}
		if set == nil {
			p.mu.Lock()
			delete(p.sets, tenantID)
			p.mu.Unlock()
		}
	}
	if set == nil {
		p.mu.Lock()
		recent := time.Since(p.taken[tenantID]) < positionRetake
		if !recent {
			if p.taken == nil || len(p.taken) >= positionTenants {
				p.taken = map[string]time.Time{}
			}
			p.taken[tenantID] = time.Now()
		}
		p.mu.Unlock()
		if recent {
			return 0, false, nil
		}
		if set, err = db.takePositions(ctx, tenantID, nil); err != nil || set == nil {
			return 0, false, err
		}
	}
	p.mu.Lock()
	if p.sets == nil || len(p.sets) >= positionTenants {
		p.sets = map[string]*positionSet{}
	}
	p.sets[tenantID] = set
	p.mu.Unlock()
	if i := min(w.Offset/positionStep, len(set.seqs)); i > 0 {
		w.After, w.Offset = set.seqs[i-1], w.Offset-i*positionStep
	}
	return int(set.visible), true, nil
}

// checkPositions reads, in one statement (one snapshot), the tenant's
// visible accounts and moves from account_counts and how many visible
// accounts follow seq.
func (db *DB) checkPositions(ctx context.Context, tenantID string, seq int64) (visible, moves, tail int64, err error) {
	err = db.sql.QueryRowContext(ctx, db.q(`SELECT (SELECT COUNT(*) FROM accounts WHERE tenant_id = ? AND `+scimVisible+` AND seq > ?),
		COALESCE(SUM(visible), 0), COALESCE(SUM(moves), 0) FROM account_counts WHERE tenant_id = ?`),
		tenantID, seq, tenantID).Scan(&tail, &visible, &moves)
	return visible, moves, tail, err
}

// takePositions reads the seq of every positionStep-th visible account
// of the tenant after the last of from (all of them when from is nil),
// in one statement with the counts they are checked against, and returns
// from's positions and those, or nil when from no longer holds.
func (db *DB) takePositions(ctx context.Context, tenantID string, from *positionSet) (*positionSet, error) {
	if from == nil {
		from = &positionSet{}
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT c.visible, c.moves, k.seq, k.n, k.total
		FROM (SELECT COALESCE(SUM(visible), 0) AS visible, COALESCE(SUM(moves), 0) AS moves FROM account_counts WHERE tenant_id = ?) c
		LEFT JOIN (SELECT seq, n, total FROM (SELECT seq, ROW_NUMBER() OVER (ORDER BY seq) AS n, COUNT(*) OVER () AS total
				FROM accounts WHERE tenant_id = ? AND `+scimVisible+` AND seq > ?) v
			WHERE n % `+strconv.Itoa(positionStep)+` = 0 OR n = total) k ON TRUE
		ORDER BY k.seq`), tenantID, tenantID, from.last())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := &positionSet{seqs: slices.Clip(from.seqs)}
	var tail int64
	for rows.Next() {
		var seq, n, total *int64
		if err := rows.Scan(&set.visible, &set.moves, &seq, &n, &total); err != nil {
			return nil, err
		}
		if seq != nil {
			tail = *total
			if *n%positionStep == 0 {
				set.seqs = append(set.seqs, *seq)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if from.seqs != nil && (set.moves != from.moves || tail != from.tail()+set.visible-from.visible) {
		return nil, nil
	}
	return set, nil
}
