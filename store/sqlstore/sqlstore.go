package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/store"
)

// Dialect is the SQL dialect of the database behind a Store.
type Dialect uint8

// Supported dialects.
const (
	// Postgres is PostgreSQL 12 or later, through any database/sql driver
	// (github.com/jackc/pgx/v5/stdlib is the tested one).
	Postgres Dialect = iota + 1
	// SQLite is SQLite 3.38 or later (JSON functions built in), through any
	// database/sql driver (modernc.org/sqlite is the tested one).
	SQLite
)

// String returns "postgres" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Store is a [store.Store] on a SQL database. It also implements
// [store.UserQuerier], [store.GroupQuerier], [store.GroupMemberPatcher],
// [store.GroupAttributesReplacer], [store.MemberResolver],
// [store.GroupStreamer] and
// [store.EventWriter] (its outbox, [Store.Outbox]), and runs
// an app's work and its own in one transaction with [Store.InTx]. It is
// safe for concurrent use, also by several processes sharing one database.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	outbox  *Outbox    // nil without WithOutbox
	stmts   *stmtCache // SQLite's prepared statements (stmtcache.go); nil on PostgreSQL
	anchors *anchors   // remembered list positions (anchors.go)
}

// Option configures a Store.
type Option func(*config)

type config struct {
	now       func() time.Time
	noMigrate bool
	outbox    bool          // WithOutbox
	retention time.Duration // WithOutboxRetention
}

// WithClock sets the clock used for Meta.LastModified of groups whose
// membership changes without a ReplaceGroup (PatchMembers, DeleteUser).
// Defaults to time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithoutMigrate makes New skip [Store.Migrate], for apps that apply the
// schema themselves (the migrations are in this package's migrations
// directory) or call Migrate with a context of their own.
func WithoutMigrate() Option {
	return func(c *config) { c.noMigrate = true }
}

// New returns a Store on db, whose driver speaks dialect, and applies the
// pending migrations (see [Store.Migrate]) unless [WithoutMigrate] is
// given. The caller opens db with its driver (sql.Open("pgx", dsn),
// sql.Open("sqlite", path)) and closes it after the last use of the store.
func New(db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if dialect != Postgres && dialect != SQLite {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", dialect)
	}
	c := config{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	s := &Store{db: db, dialect: dialect, now: c.now, anchors: newAnchors()}
	if dialect == SQLite {
		s.stmts = newStmtCache(db)
	}
	if c.outbox {
		s.outbox = newOutbox(s, c.retention)
	}
	if !c.noMigrate {
		if err := s.Migrate(context.Background()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DB returns the database the store works on.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txKey keys the transaction of one Store in a context; its value is a
// *txState.
type txKey struct{ s *Store }

// txState is a transaction of InTx, and whether it wrote change events
// (so that the commit wakes the outbox's drainers).
type txState struct {
	tx       *sql.Tx
	events   atomic.Bool
	prepared txPrepared // statements bound, and due to be prepared (stmtcache.go)
}

// querier returns the querier of the transaction.
func (st *txState) querier(s *Store) querier { return s.txq(st.tx, &st.prepared) }

// InTx runs fn in one database transaction,
// committed when fn returns nil and rolled back otherwise. Every call of
// this store with the context fn is given (or one derived from it) is part
// of the transaction. A nested InTx joins the outer transaction.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	defer classify(&err)
	if _, ok := ctx.Value(txKey{s}).(*txState); ok {
		return fn(ctx)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	st := &txState{tx: tx}
	defer s.prepareDue(ctx, &st.prepared)
	if err := fn(context.WithValue(ctx, txKey{s}, st)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", mapErr(err))
	}
	if st.events.Load() {
		s.outbox.wake.broadcast()
	}
	return nil
}

// q returns the transaction carried by ctx, or the database.
func (s *Store) q(ctx context.Context) querier {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		return st.querier(s)
	}
	if s.stmts != nil {
		return dbQuerier{db: s.db, c: s.stmts}
	}
	return s.db
}

// write runs fn in the context's transaction, or in a new one; fn's
// context carries the transaction.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, q querier) error) error {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		return fn(ctx, st.querier(s))
	}
	return s.InTx(ctx, func(ctx context.Context) error { return fn(ctx, s.q(ctx)) })
}

// writeOne is write for a write that, on PostgreSQL, is one statement
// when it succeeds (ReplaceUser's UPDATE, its change events folded into
// it by a WITH): outside a transaction it runs that statement on its own,
// committed by the database, without BEGIN and COMMIT, two round trips of
// the three. A statement is atomic by itself, so the write and its events
// still commit together or not at all. fn's context carries no
// transaction; a statement it runs after a failed write (telling a
// missing row from a stale version) reads on its own. Inside a
// transaction, on SQLite, and with more events than one statement takes,
// it is write.
func (s *Store) writeOne(ctx context.Context, fn func(ctx context.Context, q querier) error) error {
	if _, ok := ctx.Value(txKey{s}).(*txState); ok || s.dialect != Postgres || len(store.EventsFrom(ctx)) > eventRowChunk {
		return s.write(ctx, fn)
	}
	if err := fn(ctx, s.db); err != nil {
		return err
	}
	if s.outbox != nil && len(store.EventsFrom(ctx)) > 0 {
		s.outbox.wake.broadcast()
	}
	return nil
}

// sqlStater is implemented by PostgreSQL driver errors (pgx's
// *pgconn.PgError, lib/pq's *pq.Error has Code instead, see below).
type sqlStater interface{ SQLState() string }

// retrier is implemented by pgx's errors for a statement it did not send
// to the server (SafeToRetry).
type retrier interface{ SafeToRetry() bool }

// coder is implemented by modernc.org/sqlite's *sqlite.Error: the extended
// result code.
type coder interface{ Code() int }

// SQLite extended result codes for constraint violations.
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// isUniqueViolation reports whether err is a unique or primary key
// violation: SQLSTATE 23505 on PostgreSQL, SQLITE_CONSTRAINT_UNIQUE or
// SQLITE_CONSTRAINT_PRIMARYKEY on SQLite. The driver packages are not
// imported: their error types are recognised by method, and by message as
// a last resort.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var st sqlStater
	if errors.As(err, &st) && st.SQLState() == "23505" {
		return true
	}
	var c coder
	if errors.As(err, &c) {
		if code := c.Code(); code == sqliteConstraintUnique || code == sqliteConstraintPrimaryKey {
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// mapErr turns a unique violation into store.ErrConflict, keeping the
// driver error in the chain.
func mapErr(err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// ph returns the placeholder of the n-th (1-based) bind parameter:
// $n on PostgreSQL, ?n on SQLite (which binds ?NNN by number, so a
// parameter may be used twice).
func (s *Store) ph(n int) string {
	if s.dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?" + strconv.Itoa(n)
}

// rebind rewrites the $n placeholders of a fixed statement for the
// dialect.
func (s *Store) rebind(query string) string {
	if s.dialect == Postgres {
		return query
	}
	return strings.ReplaceAll(query, "$", "?")
}

// timeLayout is the stored form of times: UTC, fixed width, so that
// comparing the text compares the instants.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// timeText returns the stored form of t, or nil for the zero time.
func timeText(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// parseTime reads a stored time back.
func parseTime(v sql.NullString) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, v.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// nullStr returns s, or nil for "" (an unassigned attribute, RFC 7643 §2.5).
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func versionText(v int64) string { return strconv.FormatInt(v, 10) }

// parseVersion parses a version the store issued; any other non-empty
// string matches no stored version.
func parseVersion(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
