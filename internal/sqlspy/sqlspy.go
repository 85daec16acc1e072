// Package sqlspy is a test aid: a database/sql connector whose
// connections record every statement they are sent, so that a test can
// count what one request costs the database. It wraps any driver whose
// connections implement the context interfaces (modernc.org/sqlite and
// pgx do).
package sqlspy

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
)

// Log records the statements sent through the connections of a
// [Connector] while it is recording. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	on   bool
	stmt []string
}

func (l *Log) add(query string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.stmt = append(l.stmt, query)
	}
}

// Record starts recording and returns the function that stops it and
// returns the statements recorded since, in the order they were sent.
func (l *Log) Record() (stop func() []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on, l.stmt = true, nil
	return func() []string {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.on = false
		return l.stmt
	}
}

// Open returns a database over the driver drv and dsn whose statements
// go through log. A transaction's start is recorded as "BEGIN".
func Open(drv driver.Driver, dsn string, log *Log) *sql.DB {
	return sql.OpenDB(connector{drv: drv, dsn: dsn, log: log})
}

type connector struct {
	drv driver.Driver
	dsn string
	log *Log
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return spyConn{Conn: conn, log: c.log}, nil
}

func (c connector) Driver() driver.Driver { return c.drv }

// spyConn forwards to the driver's connection.
type spyConn struct {
	driver.Conn
	log *Log
}

// A prepared statement is recorded each time it runs, not when it is
// prepared: what a test counts is the statements a request runs, whether
// the store sends them as text or prepared them before.
func (c spyConn) Prepare(query string) (driver.Stmt, error) {
	st, err := c.Conn.Prepare(query)
	if err != nil {
		return nil, err
	}
	return spyStmt{Stmt: st, conn: c.Conn, query: query, log: c.log}, nil
}

func (c spyConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return spyStmt{Stmt: st, conn: c.Conn, query: query, log: c.log}, nil
}

// spyStmt forwards to the driver's statement, recording each run.
type spyStmt struct {
	driver.Stmt
	conn  driver.Conn
	query string
	log   *Log
}

func (s spyStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.log.add(s.query)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the driver has no context variant
}

func (s spyStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.log.add(s.query)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // the driver has no context variant
}

// values are args for a driver's statement without the context methods.
func values(args []driver.NamedValue) []driver.Value {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	return vals
}

// CheckNamedValue converts arguments as the driver would without the
// spy: by its statement's checker, else its connection's (database/sql
// asks the statement's alone when it has one).
func (s spyStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	if c, ok := s.conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// CheckNamedValue converts arguments for statements run on the
// connection as the driver's connection would (pgx takes a []string for
// a text[] parameter, which database/sql's default converter refuses).
func (c spyConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c spyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.log.add(query)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c spyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.log.add(query)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c spyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.log.add("BEGIN")
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// WithoutSubqueries returns the statement q without its parenthesised
// SELECTs (scalar subqueries, a CTE's reads), so that a test counting
// statements by the table they name sees the statement's own.
func WithoutSubqueries(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if q[i] == '(' && len(q) >= i+7 && strings.EqualFold(q[i+1:i+7], "SELECT") {
			depth := 0
			for ; i < len(q); i++ {
				if q[i] == '(' {
					depth++
				} else if q[i] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
