package main

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// Prepared statements on SQLite
//
// database/sql sends a statement given as text to the driver as text,
// and modernc.org/sqlite parses and plans it each time, then throws the
// plan away: for a SCIM write that was about a seventh of the process's
// CPU. The app's statements are a few dozen fixed texts, so each SQLite
// connection keeps its own prepared statements, keyed by text
// (stmtCacheConn): the data layer's code stays plain tx.ExecContext, in
// a transaction or not, and the cache lives below database/sql, where a
// connection is used by one caller at a time, so it needs no lock and
// never waits for a second connection (which a pool of one, as the
// "memory" store has, would never give).
//
// A text is prepared on its second sighting on a connection, so that a
// statement run once (the schema, a rare search) is not kept, and a
// connection keeps at most maxConnStmts statements: once full it admits
// no more, so a stream of distinct texts (IN lists of every length)
// cannot push out the hot statements, which come first. A statement
// whose rows are still being read is not shared: a second use of its
// text meanwhile runs as text. PostgreSQL needs none of this: pgx keeps
// a cache of prepared statements per connection itself.

// maxConnStmts bounds the prepared statements of a connection; maxConnSeen
// bounds the texts seen once, forgotten together when it is reached.
const (
	maxConnStmts = 128
	maxConnSeen  = 1024
)

// stmtCacheDriver opens SQLite connections that keep their prepared
// statements (see above).
type stmtCacheDriver struct{ base driver.Driver }

// Open implements driver.Driver.
func (d stmtCacheDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &stmtCacheConn{Conn: c, stmts: map[string]*cachedStmt{}, seen: map[string]bool{}}, nil
}

// stmtCacheConn is a SQLite connection with its prepared statements.
// database/sql calls it from one goroutine at a time.
type stmtCacheConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
	seen  map[string]bool
}

// cachedStmt is a prepared statement of a connection; busy while rows it
// returned are open.
type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

// stmt returns the prepared statement of query, preparing it on its
// second sighting, or nil to run query as text.
func (c *stmtCacheConn) stmt(ctx context.Context, query string) *cachedStmt {
	if s := c.stmts[query]; s != nil {
		if s.busy {
			return nil
		}
		return s
	}
	if len(c.stmts) >= maxConnStmts {
		return nil
	}
	if !c.seen[query] {
		if len(c.seen) >= maxConnSeen {
			clear(c.seen)
		}
		c.seen[query] = true
		return nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil // run as text, which reports the error if there is one
	}
	delete(c.seen, query)
	s := &cachedStmt{st: st}
	c.stmts[query] = s
	return s
}

// ExecContext implements driver.ExecerContext.
func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.st.(driver.StmtExecContext).ExecContext(ctx, args)
	}
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

// QueryContext implements driver.QueryerContext.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if s := c.stmt(ctx, query); s != nil {
		rows, err := s.st.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err != nil {
			return nil, err
		}
		s.busy = true
		return &cachedRows{Rows: rows, s: s}, nil
	}
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

// PrepareContext implements driver.ConnPrepareContext: a statement the
// caller prepares is its own, not the cache's.
func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

// BeginTx implements driver.ConnBeginTx.
func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// Ping implements driver.Pinger.
func (c *stmtCacheConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *stmtCacheConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close closes the connection's statements, then the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for _, s := range c.stmts {
		errs = append(errs, s.st.Close())
	}
	clear(c.stmts)
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cachedRows are the rows of a cached statement, which they give back
// when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}

// stmtCacheConnector opens the connections of a SQLite database (dsn)
// through stmtCacheDriver.
type stmtCacheConnector struct{ dsn string }

// Connect implements driver.Connector.
func (c stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	return c.Driver().Open(c.dsn)
}

// Driver implements driver.Connector: the tests that count statements
// open their own connections through it.
func (stmtCacheConnector) Driver() driver.Driver { return stmtCacheDriver{base: &sqlite.Driver{}} }
