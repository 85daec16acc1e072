package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared statements on SQLite
//
// A statement sent as text through database/sql is prepared, run and
// finalized each time; on SQLite preparing is parsing and planning in the
// process (modernc.org/sqlite compiles the C library to Go), which was
// 12% of a create's CPU without the outbox and 20% with it, and a third
// of a lookup's. PostgreSQL's drivers keep their own per-connection cache
// of prepared statements (pgx's default mode), so only SQLite gets this
// one.
//
// A statement is prepared (as a *sql.Stmt of the database, which
// database/sql prepares again on each connection that runs it) on its
// second sighting, so that text seen once (a filter no one repeats) costs
// nothing, and the cache holds at most maxStmts statements: once full it
// admits no more, so a flood of distinct filters cannot evict the
// store's own statements, which come first. Nothing is ever closed before
// the database is, so a statement handed out is never closed under its
// user.
//
// A statement first repeated inside a transaction is not prepared there:
// preparing on the database needs a connection of its own, which a pool
// limited to one connection (SetMaxOpenConns(1), common with SQLite)
// would never give while the transaction holds it. It is prepared after
// the transaction ends, on the connection it gave back.

// maxStmts bounds the prepared statements of a store; maxSeen bounds the
// texts seen once, which are forgotten together when it is reached.
const (
	maxStmts = 256
	maxSeen  = 4096
)

// stmtCache is a store's prepared statements; nil (PostgreSQL) prepares
// nothing.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	seen  map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, seen: map[string]bool{}}
}

// lookup returns the prepared statement of query, or nil, and whether
// query is due to be prepared (its second sighting, with room left).
func (c *stmtCache) lookup(query string) (st *sql.Stmt, due bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[query]; st != nil {
		return st, false
	}
	if len(c.stmts) >= maxStmts {
		return nil, false
	}
	if c.seen[query] {
		return nil, true
	}
	if len(c.seen) >= maxSeen {
		clear(c.seen)
	}
	c.seen[query] = true
	return nil, false
}

// prepare prepares query on the database, outside any transaction. A
// failure (a statement SQLite cannot prepare alone, a closed database)
// leaves the text to run unprepared, as before.
func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.stmts[query]; old != nil { // prepared meanwhile by another caller
		st.Close()
		return old
	}
	if len(c.stmts) >= maxStmts {
		st.Close()
		return nil
	}
	c.stmts[query] = st
	delete(c.seen, query)
	return st
}

// dbQuerier runs the statements of a Store outside transactions through
// its cache.
type dbQuerier struct {
	db *sql.DB
	c  *stmtCache
}

func (q dbQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	st, due := q.c.lookup(query)
	if due {
		st = q.c.prepare(ctx, query)
	}
	return st
}

func (q dbQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.db.ExecContext(ctx, query, args...)
}

func (q dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.db.QueryContext(ctx, query, args...)
}

func (q dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}

// txQuerier runs the statements of one transaction through the cache:
// a prepared statement is bound to the transaction once (tx.StmtContext,
// which reuses what its connection has prepared), and texts due to be
// prepared are remembered for after the transaction.
type txQuerier struct {
	tx *sql.Tx
	c  *stmtCache
	p  *txPrepared
}

// txPrepared is what one transaction bound and left to prepare. A
// transaction's statements run one at a time, but a querier is copied
// into every call, so this is shared by pointer.
type txPrepared struct {
	mu    sync.Mutex
	bound map[string]*sql.Stmt
	due   []string
}

func (q txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	q.p.mu.Lock()
	defer q.p.mu.Unlock()
	if st := q.p.bound[query]; st != nil {
		return st
	}
	st, due := q.c.lookup(query)
	if due {
		q.p.due = append(q.p.due, query)
		return nil
	}
	if st == nil {
		return nil
	}
	st = q.tx.StmtContext(ctx, st)
	if q.p.bound == nil {
		q.p.bound = map[string]*sql.Stmt{}
	}
	q.p.bound[query] = st
	return st
}

func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// txq returns the querier of tx: tx itself without a cache.
func (s *Store) txq(tx *sql.Tx, p *txPrepared) querier {
	if s.stmts == nil {
		return tx
	}
	return txQuerier{tx: tx, c: s.stmts, p: p}
}

// prepareDue prepares what a finished transaction left due.
func (s *Store) prepareDue(ctx context.Context, p *txPrepared) {
	if s.stmts == nil || p == nil {
		return
	}
	p.mu.Lock()
	due := p.due
	p.due = nil
	p.mu.Unlock()
	for _, q := range due {
		s.stmts.prepare(ctx, q)
	}
}
