package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"               // database/sql driver "sqlite", pure Go
)

// This file, with tenants.go, accounts.go and teams.go, is the app's
// existing data layer: tenants, accounts and teams in SQL tables, as a
// SaaS backend has them before anyone mentions SCIM. This file opens the
// database and holds the schema, its upgrades and the helpers the others
// share.
// It runs on an embedded SQLite file (no server to install) or on
// PostgreSQL: one schema, with the two dialects' small differences
// (placeholders, the auto-increment column, the timestamp type) in
// [dialect]. Nothing here imports the SCIM library but filter.Fold, the
// folding rule of its case-insensitive comparisons, which the app's own
// case-insensitive keys share (so that "the email is taken" and "userName
// eq finds it" agree); scimstore.go adapts the rest.
//
// The tables:
//
//	tenants       id, name
//	accounts      (tenant_id, id) unique; unique (tenant_id, email_folded),
//	              the login ignoring case; indexes (tenant_id, lower(email))
//	              and (tenant_id, scim_external_id) for lookups
//	teams         (tenant_id, id) unique; unique (tenant_id, name_key), the
//	              name ignoring case unless the team shares it; indexes
//	              (tenant_id, name_folded), (tenant_id, lower(name)) and
//	              (tenant_id, scim_external_id)
//	team_members  (tenant_id, team_id, member_is_team, member_id) unique,
//	              ON DELETE CASCADE from teams; index on the member;
//	              display, the name the identity provider gave the member
//
// and, in their own block below, the SCIM connections and their Secret
// Tokens (connections.go implements connection.Store over them):
//
//	scim_connections  tenant_id unique; enabled, profile, delete_policy,
//	                  scim_managed, created_at, updated_at
//	scim_tokens       id unique, hash unique (hex SHA-256 of the secret);
//	                  index (tenant_id, created_at, id) for the token list
//
// and, in the last block, the provisioning events and what the app does
// with them (events.go, signin.go, activity.go):
//
//	app_events          the outbox: each change event, written in the
//	                    transaction of the change; seq orders it
//	app_event_lease     the row naming the process that drains the outbox
//	app_event_receipts  (consumer, event_id) unique: the events a handler
//	                    has applied, so that a redelivery does nothing
//	app_events_pruned   per tenant, the last seq retention deleted
//	account_sessions    end users' sign-ins, by the SHA-256 of the cookie
//	account_codes       each account's one-time sign-in code
//	notices             messages for an account (event_id unique)
//	app_activity        the SCIM activity log (activity.Store)
//
// Every table has a seq column, an auto-increment key that lists rows in
// insertion order (created_at can tie, and can be set by the caller).
// Writes of accounts and teams are conditioned on the version read
// (UPDATE ... WHERE version = ?), the optimistic locking the SCIM adapter
// turns into 412 Precondition Failed.

// Errors of the data layer: a missing row, a unique-index violation or a
// lost optimistic-locking race, translated from the driver's errors. The
// SCIM adapter translates them into the store package's sentinels.
var (
	ErrNoRows        = errors.New("db: no rows")
	ErrEmailTaken    = errors.New("db: email already used in this tenant")
	ErrDuplicateKey  = errors.New("db: duplicate primary key")
	ErrStaleVersion  = errors.New("db: row was changed by someone else (version mismatch)")
	ErrNoSuchMember  = errors.New("db: team member is not an account of this tenant")
	ErrTeamNameTaken = errors.New("db: team name already used in this tenant")
)

// dialect is the SQL flavour of the database.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

func (d dialect) String() string {
	if d == postgresDialect {
		return "postgres"
	}
	return "sqlite"
}

// DB is the app's database. It is safe for concurrent use.
type DB struct {
	sql       *sql.DB
	dialect   dialect
	now       func() time.Time
	positions positions // of SCIM's users (positions.go)
}

// OpenDB opens the database named by spec and creates the app's tables if
// they are missing:
//
//	sqlite:PATH            a SQLite file, created if missing
//	memory                 an in-memory SQLite database, lost on exit
//	postgres://...         PostgreSQL (postgresql:// too), through pgx
//
// Timestamps come from now (nil means time.Now).
func OpenDB(ctx context.Context, spec string, now func() time.Time) (*DB, error) {
	if now == nil {
		now = time.Now
	}
	driverName, dsn, d, err := dataSource(spec)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: d, now: now}
	if d == sqliteDialect {
		// SQLite connections keep their prepared statements (stmtcache.go).
		db.sql = sql.OpenDB(stmtCacheConnector{dsn: dsn})
	} else if db.sql, err = sql.Open(driverName, dsn); err != nil {
		return nil, fmt.Errorf("db: opening %s: %w", d, err)
	}
	if spec == "memory" {
		// Every connection to ":memory:" is a database of its own: keep
		// exactly one.
		db.sql.SetMaxOpenConns(1)
		db.sql.SetConnMaxLifetime(0)
		db.sql.SetConnMaxIdleTime(0)
	} else {
		// database/sql keeps 2 idle connections by default: with a few
		// concurrent requests (an IdP's provisioning cycle, the drainer,
		// the admin pages) every other query would open a new connection,
		// on PostgreSQL a new server process. Keep as many idle as may be
		// open.
		db.sql.SetMaxOpenConns(16)
		db.sql.SetMaxIdleConns(16)
	}
	if err := db.createTables(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// dataSource returns the database/sql driver and data source names of
// spec (see OpenDB) and its dialect. For a SQLite file it creates the
// file's directory.
func dataSource(spec string) (driverName, dsn string, d dialect, err error) {
	switch {
	case spec == "memory":
		return "sqlite", "file::memory:?_pragma=foreign_keys(1)", sqliteDialect, nil
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return "", "", 0, fmt.Errorf("db: bad SQLite path %q", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", "", 0, fmt.Errorf("db: %w", err)
		}
		// WAL lets readers run while one connection writes; the busy
		// timeout and BEGIN IMMEDIATE make concurrent writers wait for
		// the lock instead of failing with SQLITE_BUSY.
		return "sqlite", "file:" + path +
			"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate", sqliteDialect, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return "pgx", spec, postgresDialect, nil
	}
	return "", "", 0, fmt.Errorf("db: unknown store %q: want sqlite:PATH, memory or postgres://...", spec)
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect is the SQL dialect of the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.String() }

// schema is the app's schema; SEQ and TIME are replaced per dialect.
// CREATE TABLE IF NOT EXISTS keeps the example short: a real app runs
// versioned migrations (store/sqlstore has an embedded, replica-safe
// runner to learn from).
const schema = `
CREATE TABLE IF NOT EXISTS tenants (
	seq SEQ,
	id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
	seq SEQ,
	tenant_id TEXT NOT NULL,
	id TEXT NOT NULL,
	email TEXT NOT NULL,
	email_folded TEXT NOT NULL,
	given_name TEXT NOT NULL,
	family_name TEXT NOT NULL,
	full_name TEXT NOT NULL,
	job_title TEXT NOT NULL,
	department TEXT NOT NULL,
	manager_id TEXT NOT NULL,
	disabled BOOLEAN NOT NULL,
	created_at TIME NOT NULL,
	updated_at TIME NOT NULL,
	version BIGINT NOT NULL,
	scim_external_id TEXT NOT NULL,
	scim_extra TEXT NOT NULL,
	scim_active BOOLEAN,
	CONSTRAINT accounts_id UNIQUE (tenant_id, id),
	CONSTRAINT accounts_email UNIQUE (tenant_id, email_folded)
);
CREATE INDEX IF NOT EXISTS accounts_email_lower ON accounts (tenant_id, lower(email));
CREATE INDEX IF NOT EXISTS accounts_scim_external_id ON accounts (tenant_id, scim_external_id);
CREATE INDEX IF NOT EXISTS accounts_tenant_seq ON accounts (tenant_id, seq);
CREATE TABLE IF NOT EXISTS teams (
	seq SEQ,
	tenant_id TEXT NOT NULL,
	id TEXT NOT NULL,
	name TEXT NOT NULL,
	created_at TIME NOT NULL,
	updated_at TIME NOT NULL,
	version BIGINT NOT NULL,
	scim_external_id TEXT NOT NULL,
	scim_extra TEXT NOT NULL,
	CONSTRAINT teams_id UNIQUE (tenant_id, id)
);
CREATE INDEX IF NOT EXISTS teams_name_lower ON teams (tenant_id, lower(name));
CREATE INDEX IF NOT EXISTS teams_scim_external_id ON teams (tenant_id, scim_external_id);
CREATE INDEX IF NOT EXISTS teams_tenant_seq ON teams (tenant_id, seq);
CREATE TABLE IF NOT EXISTS team_members (
	seq SEQ,
	tenant_id TEXT NOT NULL,
	team_id TEXT NOT NULL,
	member_is_team BOOLEAN NOT NULL,
	member_id TEXT NOT NULL,
	display TEXT NOT NULL DEFAULT '',
	CONSTRAINT team_members_id UNIQUE (tenant_id, team_id, member_is_team, member_id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS team_members_by_member ON team_members (tenant_id, member_id, member_is_team, team_id);
DROP INDEX IF EXISTS team_members_member
`

// addedColumns are the columns the schema gained after its first
// release. The CREATE TABLE statements above have them; a database
// created before has not, and createTables adds each, running its
// backfill once, over the rows there are then.
var addedColumns = []struct{ table, column, def, backfill string }{
	// Before scim_active the adapter read SCIM's active as NOT disabled.
	{"accounts", "scim_active", "BOOLEAN", "UPDATE accounts SET scim_active = NOT disabled"},
	{"team_members", "display", "TEXT NOT NULL DEFAULT ''", ""},
}

// createTables creates the schema in one transaction, and adds the
// addedColumns a database of an earlier release lacks. On PostgreSQL an
// advisory lock serialises replicas that start at once (concurrent CREATE
// TABLE IF NOT EXISTS can fail there); SQLite's BEGIN IMMEDIATE does the
// same.
func (db *DB) createTables(ctx context.Context) error {
	seq, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"
	if db.dialect == postgresDialect {
		seq, ts = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ"
	}
	ddl := strings.NewReplacer("SEQ", seq, "TIME", ts).Replace(schema)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if db.dialect == postgresDialect {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7243)"); err != nil {
				return err
			}
		}
		for _, stmt := range strings.Split(ddl, ";") {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("db: creating tables: %w", err)
			}
		}
		for _, c := range addedColumns {
			if err := db.addColumn(ctx, tx, c.table, c.column, c.def, c.backfill); err != nil {
				return fmt.Errorf("db: adding %s.%s: %w", c.table, c.column, err)
			}
		}
		if err := db.addRemovedColumn(ctx, tx); err != nil {
			return err
		}
		if err := db.createAccountCounts(ctx, tx); err != nil {
			return err
		}
		if err := db.migrateFoldKeys(ctx, tx); err != nil {
			return err
		}
		if err := db.createConnectionTables(ctx, tx, seq, ts); err != nil {
			return err
		}
		if err := db.createEventTables(ctx, tx, seq); err != nil {
			return err
		}
		return db.createShareIndexes(ctx, tx)
	})
}

// migrateFoldKeys brings a database created before the team name keys
// up to date, once (when teams has no name_folded column): it adds
// name_folded and name_key, recomputes every email_folded with
// filter.Fold (the earlier key took the orbit's smallest rune, so the
// Kelvin sign and k were two keys), and gives each team name to the
// oldest team that has it. Two accounts whose emails only filter.Fold
// finds equal are an error, and nothing changes.
func (db *DB) migrateFoldKeys(ctx context.Context, tx *sql.Tx) error {
	if has, err := db.hasColumn(ctx, tx, "teams", "name_folded"); err != nil || has {
		return err
	}
	for _, stmt := range []string{
		`ALTER TABLE teams ADD COLUMN name_folded TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE teams ADD COLUMN name_key TEXT`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: migrating: %w", err)
		}
	}
	type row struct{ tenant, id, name string }
	read := func(query string) ([]row, error) {
		return queryRows(ctx, tx, func(sc interface{ Scan(...any) error }) (r row, err error) {
			return r, sc.Scan(&r.tenant, &r.id, &r.name)
		}, query)
	}
	accounts, err := read(`SELECT tenant_id, id, email FROM accounts ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("db: migrating: %w", err)
	}
	type key struct{ tenant, folded string }
	seen := map[key]string{}
	for _, a := range accounts {
		k := key{a.tenant, emailKey(a.name)}
		if other, ok := seen[k]; ok {
			return fmt.Errorf("db: migrating: accounts %q and %q of tenant %q have one email ignoring case; change one", other, a.id, a.tenant)
		}
		seen[k] = a.id
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET email_folded = ? WHERE tenant_id = ? AND id = ?`), k.folded, a.tenant, a.id); err != nil {
			return fmt.Errorf("db: migrating: %w", err)
		}
	}
	teams, err := read(`SELECT tenant_id, id, name FROM teams ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("db: migrating: %w", err)
	}
	held := map[key]bool{}
	for _, t := range teams {
		k := key{t.tenant, emailKey(t.name)}
		var nameKey any
		if !held[k] {
			held[k], nameKey = true, k.folded
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE teams SET name_folded = ?, name_key = ? WHERE tenant_id = ? AND id = ?`),
			k.folded, nameKey, t.tenant, t.id); err != nil {
			return fmt.Errorf("db: migrating: %w", err)
		}
	}
	for _, stmt := range []string{
		`CREATE INDEX teams_name_folded ON teams (tenant_id, name_folded)`,
		`CREATE UNIQUE INDEX teams_name_key ON teams (tenant_id, name_key)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: migrating: %w", err)
		}
	}
	return nil
}

// addColumn adds column to table, and runs backfill (unless ""), if the
// table has no such column.
func (db *DB) addColumn(ctx context.Context, tx *sql.Tx, table, column, def, backfill string) error {
	if has, err := db.hasColumn(ctx, tx, table, column); err != nil || has {
		return err
	}
	if _, err := tx.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+column+` `+def); err != nil {
		return err
	}
	if backfill == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, backfill)
	return err
}

// hasColumn reports whether table has column.
func (db *DB) hasColumn(ctx context.Context, tx *sql.Tx, table, column string) (bool, error) {
	query := `SELECT COUNT(*) FROM pragma_table_info('` + table + `') WHERE name = ?`
	args := []any{column}
	if db.dialect == postgresDialect {
		query = `SELECT COUNT(*) FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`
		args = []any{table, column}
	}
	var n int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n > 0, err
}

// q rewrites the ? placeholders of query for the dialect: PostgreSQL
// numbers them ($1, $2, ...). No query of this file has a ? elsewhere.
func (db *DB) q(query string) string {
	if db.dialect != postgresDialect {
		return query
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(query, "?") {
		if strings.HasSuffix(part, "?") {
			n++
			b.WriteString(part[:len(part)-1] + "$" + strconv.Itoa(n))
		} else {
			b.WriteString(part)
		}
	}
	return b.String()
}

// tx runs fn in a transaction, committed if fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// timeArg is t as the dialect's timestamp column takes it: timestamptz on
// PostgreSQL, RFC 3339 text in UTC on SQLite (which has no time type).
func (db *DB) timeArg(t time.Time) any {
	if db.dialect == postgresDialect {
		return t.UTC()
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// stamp truncates t to the precision the database compares timestamps
// at, so that a row reads back as written and a filter on the time agrees
// with the database: microseconds on PostgreSQL (timestamptz),
// milliseconds on SQLite (julianday() of the text).
func (db *DB) stamp(t time.Time) time.Time {
	if db.dialect == postgresDialect {
		return t.Truncate(time.Microsecond).UTC()
	}
	return t.Truncate(time.Millisecond).UTC()
}

// timeCol scans a timestamp column of either dialect.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		*c.t = t
		return err
	case []byte:
		t, err := time.Parse(time.RFC3339Nano, string(v))
		*c.t = t
		return err
	}
	return fmt.Errorf("db: cannot scan %T into a time", src)
}

// uniqueViolation returns the constraint or index a unique violation
// names, and whether err is one: SQLSTATE 23505 on PostgreSQL,
// SQLITE_CONSTRAINT_UNIQUE on SQLite.
func uniqueViolation(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return pg.ConstraintName, true
	}
	const sqliteConstraintUnique = 2067
	var lite *sqlite.Error
	if errors.As(err, &lite) && lite.Code() == sqliteConstraintUnique {
		// SQLite names the columns: "UNIQUE constraint failed:
		// accounts.tenant_id, accounts.email_folded".
		if strings.Contains(lite.Error(), "email_folded") {
			return "accounts_email", true
		}
		if strings.Contains(lite.Error(), "teams.name_key") {
			return "teams_name_key", true
		}
		return "", true
	}
	return "", false
}

// insertErr translates the error of an INSERT or UPDATE of accounts or
// teams.
func insertErr(err error) error {
	if name, ok := uniqueViolation(err); ok {
		if name == "accounts_email" {
			return fmt.Errorf("%w (%w)", ErrEmailTaken, err)
		}
		if name == "teams_name_key" {
			return fmt.Errorf("%w (%w)", ErrTeamNameTaken, err)
		}
		return fmt.Errorf("%w (%w)", ErrDuplicateKey, err)
	}
	return err
}

// queryRows runs a SELECT, in the dialect's placeholders, and reads every
// row with scan. The rows are closed before it returns, so the caller may
// query again on the same connection (an in-memory database has one).
func queryRows[T any](ctx context.Context, q querier, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// WhereFirstArg is the number of the first placeholder of the where
// condition of FindAccounts and FindTeams on PostgreSQL.
const WhereFirstArg = 2

// Window is the page find reads: Limit rows from Offset in creation (seq)
// order, of the rows after the row of seq After when After > 0, so that a
// page deep in a walk costs what the first one does (the (tenant_id, seq)
// indexes give both; a page of SCIM's users at an offset starts after a
// remembered position, positions.go). NoTotal lets find skip the count
// when the page does not tell it, and answer -1.
type Window struct {
	Offset, Limit int
	After         int64
	NoTotal       bool
}

// find returns the rows (cols, read with scan) of table in the tenant
// that satisfy where (see FindAccounts) in w, the number of rows that
// satisfy it, and the seq of the last row returned when more follow (0
// on the last page). It reads one row more than w.Limit to know whether
// more follow; a page that is the last tells the total itself, so only a
// page with more after it (or one past the end) runs COUNT(*).
func find[T any](ctx context.Context, db *DB, table, cols string, scan func(interface{ Scan(...any) error }) (T, error),
	tenantID, where string, args []any, w Window,
) (rows []T, total int, next int64, err error) {
	known := -1 // the total, when the positions' check read it
	if table == "accounts" && where == scimVisible && len(args) == 0 {
		n, ok, err := db.seekVisible(ctx, tenantID, &w)
		if err != nil {
			return nil, 0, 0, err
		}
		if ok {
			known = n
		}
	}
	q := db.findQueries(table, cols, tenantID, where, args, w)
	if w.Limit > 0 {
		type row struct {
			seq int64
			v   T
		}
		found, err := queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
			r.v, err = scan(prefixScanner{sc, &r.seq})
			return r, err
		}, q.page, q.pageArgs...)
		if err != nil {
			return nil, 0, 0, err
		}
		more := len(found) > w.Limit
		if more {
			found = found[:w.Limit]
			next = found[len(found)-1].seq
		}
		rows = make([]T, len(found))
		for i := range found {
			rows[i] = found[i].v
		}
		if !more && w.After == 0 && (len(rows) > 0 || w.Offset == 0) {
			return rows, w.Offset + len(rows), 0, nil
		}
	}
	if known >= 0 {
		return rows, known, next, nil
	}
	if w.NoTotal {
		return rows, -1, next, nil
	}
	if err := db.sql.QueryRowContext(ctx, q.count, q.countArgs...).Scan(&total); err != nil {
		return nil, 0, 0, err
	}
	return rows, total, next, nil
}

// findQuery is the COUNT(*) query and the page query of find, with their
// arguments. The page query selects seq before the columns.
type findQuery struct {
	count, page         string
	countArgs, pageArgs []any
}

func (db *DB) findQueries(table, cols, tenantID, where string, args []any, w Window) findQuery {
	ph := func(n int) string {
		if db.dialect == postgresDialect {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	cond := `tenant_id = ` + ph(1)
	if where != "" {
		cond += ` AND (` + where + `)`
	}
	var q findQuery
	q.countArgs = append([]any{tenantID}, args...)
	q.count = `SELECT COUNT(*) FROM ` + table + ` WHERE ` + cond
	q.pageArgs = slices.Clone(q.countArgs)
	if c := countSQL(table, where); c != "" && len(args) == 0 {
		q.count = c + ph(1) // the count the database keeps
	}
	offset := max(w.Offset, 0)
	if w.After > 0 {
		q.pageArgs = append(q.pageArgs, w.After)
		cond += ` AND seq > ` + ph(len(q.pageArgs))
	}
	q.pageArgs = append(q.pageArgs, max(w.Limit, 0)+1, offset)
	window := ` ORDER BY seq LIMIT ` + ph(len(q.pageArgs)-1) + ` OFFSET ` + ph(len(q.pageArgs))
	if offset == 0 {
		q.page = `SELECT seq, ` + cols + ` FROM ` + table + ` WHERE ` + cond + window
		return q
	}
	// Deeper pages find their rows' seq first, stepping over the rows
	// before them in an index ((tenant_id, seq), or accounts_visible_seq
	// for an unfiltered list of users) without reading them, and then
	// read only the page's rows: the OFFSET of the whole row read every
	// row it skipped (TestDeepPagesSkipInTheIndex).
	q.page = `SELECT seq, ` + cols + ` FROM ` + table + ` WHERE seq IN (SELECT seq FROM ` + table + ` WHERE ` + cond + window + `) ORDER BY seq`
	return q
}

// nullBool is b as a nullable BOOLEAN column takes it: NULL for nil.
func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
}

// created returns the timestamps and the version of a row being inserted:
// created defaults to now and updated to created, both as the column keeps
// them (stamp), and the version is 1.
func (db *DB) created(created, updated time.Time) (time.Time, time.Time, int64) {
	if created.IsZero() {
		created = db.now()
	}
	if updated.IsZero() {
		updated = created
	}
	return db.stamp(created), db.stamp(updated), 1
}

// deleteRow deletes the row id of table in the tenant, if its version is
// expectedVersion (any when 0): versionErr when no row was deleted.
func (db *DB) deleteRow(ctx context.Context, tx *sql.Tx, table, tenantID, id string, expectedVersion int64) error {
	res, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+table+` WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)`),
		tenantID, id, expectedVersion, expectedVersion)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.versionErr(ctx, tx, table, tenantID, id)
	}
	return nil
}

// versionErr explains why a conditioned write of table's row changed
// nothing: ErrNoRows if the row is gone, else ErrStaleVersion.
func (db *DB) versionErr(ctx context.Context, q querier, table, tenantID, id string) error {
	var v int64
	err := q.QueryRowContext(ctx, db.q(`SELECT version FROM `+table+` WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNoRows
	case err != nil:
		return err
	}
	return ErrStaleVersion
}

// prefixed qualifies each column of cols with p.
func prefixed(p, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = p + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// ---- Accounts removed by SCIM (the DELETE policy "deactivate") ----
//
// accounts.scim_removed_at is when the identity provider deleted the
// account under the connection's DELETE policy "deactivate"
// (ArchiveAccount in accounts.go), NULL while SCIM sees the account. It is
// not in the schema above: addRemovedColumn adds it when a database is
// opened, new or created by an earlier release alike.

// addRemovedColumn adds accounts.scim_removed_at if it is missing.
func (db *DB) addRemovedColumn(ctx context.Context, tx *sql.Tx) error {
	ts := "TEXT"
	if db.dialect == postgresDialect {
		ts = "TIMESTAMPTZ"
	}
	if err := db.addColumn(ctx, tx, "accounts", "scim_removed_at", ts, ""); err != nil {
		return fmt.Errorf("db: adding accounts.scim_removed_at: %w", err)
	}
	// The accounts SCIM lists (scimVisible, an IS NULL the index
	// answers as an equality) in list order: a page's count is read from
	// this index alone and the rows its OFFSET skips are never fetched,
	// where accounts_tenant_seq fetched every row of the tenant to test
	// scim_removed_at (TestUnfilteredPagesReadTheVisibleIndex). SQLite
	// does not take a partial index without the column as covering.
	if _, err := tx.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS accounts_visible_seq ON accounts (tenant_id, scim_removed_at, seq)`); err != nil {
		return fmt.Errorf("db: creating accounts_visible_seq: %w", err)
	}
	return nil
}

// ---- The number of accounts of each tenant (account_counts) ----
//
// Every unfiltered list page of SCIM's users answers totalResults, and a
// COUNT(*) over the tenant's visible accounts, even from the index alone,
// read every entry of the tenant for each page: a quarter of the CPU of
// examples/saas under the side-by-side mixed load at 20,000 users on
// SQLite, and its most costly statement on PostgreSQL. account_counts
// keeps, per tenant, the number of accounts and of those SCIM sees
// (scimVisible), changed by triggers on accounts in the writing
// transaction: every path (the adapter, the app's own pages, an
// operator's SQL) and a rollback are counted right, and find reads the
// count in one row (countSQL). On PostgreSQL a tenant's count is split in
// slots, one per connection (its backend's pid modulo 64), summed on
// read, so that concurrent creates in one tenant do not queue on one
// locked row until each other's commit; a slot may go negative, only
// the sum is a count.

// accountCountTriggers are the triggers and functions that keep
// account_counts, per dialect. An UPDATE counts only when it moves an
// account to another tenant or in or out of SCIM's sight; moves counts
// the accounts SCIM saw that were deleted and every such UPDATE, on both
// tenants: the changes that shift remembered list positions
// (positions.go), where an insert adds at the end.
var accountCountTriggers = map[dialect][]string{
	sqliteDialect: {
		`CREATE TRIGGER account_counts_insert AFTER INSERT ON accounts BEGIN
			INSERT INTO account_counts (tenant_id, slot, accounts, visible, moves) VALUES (NEW.tenant_id, 0, 1, NEW.scim_removed_at IS NULL, 0)
				ON CONFLICT (tenant_id, slot) DO UPDATE SET accounts = accounts + excluded.accounts, visible = visible + excluded.visible;
		END`,
		`CREATE TRIGGER account_counts_delete AFTER DELETE ON accounts BEGIN
			UPDATE account_counts SET accounts = accounts - 1, visible = visible - (OLD.scim_removed_at IS NULL),
				moves = moves + (OLD.scim_removed_at IS NULL)
				WHERE tenant_id = OLD.tenant_id AND slot = 0;
		END`,
		`CREATE TRIGGER account_counts_update AFTER UPDATE OF tenant_id, scim_removed_at ON accounts
			WHEN OLD.tenant_id IS NOT NEW.tenant_id OR (OLD.scim_removed_at IS NULL) IS NOT (NEW.scim_removed_at IS NULL) BEGIN
			UPDATE account_counts SET accounts = accounts - 1, visible = visible - (OLD.scim_removed_at IS NULL), moves = moves + 1
				WHERE tenant_id = OLD.tenant_id AND slot = 0;
			INSERT INTO account_counts (tenant_id, slot, accounts, visible, moves) VALUES (NEW.tenant_id, 0, 1, NEW.scim_removed_at IS NULL, 1)
				ON CONFLICT (tenant_id, slot) DO UPDATE SET accounts = accounts + excluded.accounts, visible = visible + excluded.visible,
					moves = moves + excluded.moves;
		END`,
	},
	postgresDialect: {
		`CREATE FUNCTION account_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			DELETE FROM account_counts;
			RETURN NULL;
		END
		$$`,
		`CREATE FUNCTION account_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF TG_OP <> 'INSERT' THEN
				INSERT INTO account_counts AS c (tenant_id, slot, accounts, visible, moves)
					VALUES (OLD.tenant_id, pg_backend_pid() % 64, -1, -(OLD.scim_removed_at IS NULL)::int,
						(TG_OP = 'UPDATE' OR OLD.scim_removed_at IS NULL)::int)
					ON CONFLICT (tenant_id, slot) DO UPDATE SET accounts = c.accounts + EXCLUDED.accounts, visible = c.visible + EXCLUDED.visible,
						moves = c.moves + EXCLUDED.moves;
			END IF;
			IF TG_OP <> 'DELETE' THEN
				INSERT INTO account_counts AS c (tenant_id, slot, accounts, visible, moves)
					VALUES (NEW.tenant_id, pg_backend_pid() % 64, 1, (NEW.scim_removed_at IS NULL)::int, (TG_OP = 'UPDATE')::int)
					ON CONFLICT (tenant_id, slot) DO UPDATE SET accounts = c.accounts + EXCLUDED.accounts, visible = c.visible + EXCLUDED.visible,
						moves = c.moves + EXCLUDED.moves;
			END IF;
			RETURN NULL;
		END
		$$`,
		`CREATE TRIGGER account_counts_insert_delete AFTER INSERT OR DELETE ON accounts
			FOR EACH ROW EXECUTE FUNCTION account_counts_change()`,
		`CREATE TRIGGER account_counts_update AFTER UPDATE OF tenant_id, scim_removed_at ON accounts FOR EACH ROW
			WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR (OLD.scim_removed_at IS NULL) IS DISTINCT FROM (NEW.scim_removed_at IS NULL))
			EXECUTE FUNCTION account_counts_change()`,
		`CREATE TRIGGER account_counts_truncate AFTER TRUNCATE ON accounts
			FOR EACH STATEMENT EXECUTE FUNCTION account_counts_truncate()`,
	},
}

// createAccountCounts creates account_counts, its triggers and the
// counts of the accounts there are, once (when the table is missing).
// createTables holds the write lock (SQLite's BEGIN IMMEDIATE; on
// PostgreSQL, CREATE TRIGGER locks accounts against writes until the
// transaction commits), so the counts and the triggers together miss no
// account and count none twice.
func (db *DB) createAccountCounts(ctx context.Context, tx *sql.Tx) error {
	if has, err := db.hasColumn(ctx, tx, "account_counts", "visible"); err != nil || has {
		return err
	}
	stmts := []string{`CREATE TABLE account_counts (
		tenant_id TEXT NOT NULL,
		slot SMALLINT NOT NULL,
		accounts BIGINT NOT NULL,
		visible BIGINT NOT NULL,
		moves BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, slot)
	)`}
	if db.dialect == sqliteDialect {
		stmts[0] += " WITHOUT ROWID" // the rows are their key
	}
	stmts = append(stmts, accountCountTriggers[db.dialect]...)
	stmts = append(stmts, `INSERT INTO account_counts (tenant_id, slot, accounts, visible, moves)
		SELECT tenant_id, 0, COUNT(*), COUNT(*) - COUNT(scim_removed_at), 0 FROM accounts GROUP BY tenant_id`)
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: creating account_counts: %w", err)
		}
	}
	return nil
}

// countSQL is the statement that reads the number of the tenant's
// accounts that satisfy where from account_counts, when where is one it
// keeps: all of them, those SCIM sees, those it removed. Otherwise "".
func countSQL(table, where string) string {
	if table != "accounts" {
		return ""
	}
	n := map[string]string{
		"":          "accounts",
		scimVisible: "visible",
		scimRemoved: "accounts - visible",
	}[where]
	if n == "" {
		return ""
	}
	return `SELECT COALESCE(SUM(` + n + `), 0) FROM account_counts WHERE tenant_id = `
}

// ---- SCIM connections and Secret Tokens (connections.go) ----

// connectionSchema holds the SCIM connections and their Secret Tokens;
// SEQ, TIME are replaced as in schema. Token times are fixed-width text
// on SQLite (connTimeArg), so that they compare and sort as instants.
const connectionSchema = `
CREATE TABLE IF NOT EXISTS scim_connections (
	seq SEQ,
	tenant_id TEXT NOT NULL UNIQUE,
	enabled BOOLEAN NOT NULL,
	profile TEXT NOT NULL,
	delete_policy TEXT NOT NULL,
	scim_managed BOOLEAN NOT NULL,
	dry_run BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIME NOT NULL,
	updated_at TIME NOT NULL
);
CREATE TABLE IF NOT EXISTS scim_tokens (
	seq SEQ,
	id TEXT NOT NULL UNIQUE,
	tenant_id TEXT NOT NULL,
	label TEXT NOT NULL,
	hint TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE,
	created_at TIME NOT NULL,
	last_used TIME,
	revoked_at TIME
);
CREATE INDEX IF NOT EXISTS scim_tokens_tenant ON scim_tokens (tenant_id, created_at, id)
`

// createConnectionTables creates the connection tables, in createTables'
// transaction, and moves the Secret Tokens of a database of the release
// before them (one per tenant, as a hex SHA-256 in
// tenants.scim_token_hash) into scim_tokens: each becomes a live token
// labelled "migrated" (without a hint: the secret was never stored) of
// an enabled connection with the generic profile, which the identity
// provider keeps using unchanged. The column and its index are dropped,
// so this runs once.
func (db *DB) createConnectionTables(ctx context.Context, tx *sql.Tx, seq, ts string) error {
	ddl := strings.NewReplacer("SEQ", seq, "TIME", ts).Replace(connectionSchema)
	for _, stmt := range strings.Split(ddl, ";") {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: creating connection tables: %w", err)
		}
	}
	if err := db.addColumn(ctx, tx, "scim_connections", "dry_run", "BOOLEAN NOT NULL DEFAULT FALSE", ""); err != nil {
		return fmt.Errorf("db: adding scim_connections.dry_run: %w", err)
	}
	if has, err := db.hasColumn(ctx, tx, "tenants", "scim_token_hash"); err != nil || !has {
		return err
	}
	type old struct{ tenant, hash string }
	olds, err := queryRows(ctx, tx, func(sc interface{ Scan(...any) error }) (o old, err error) {
		return o, sc.Scan(&o.tenant, &o.hash)
	}, `SELECT id, scim_token_hash FROM tenants WHERE scim_token_hash <> '' ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("db: migrating tokens: %w", err)
	}
	now := db.now().UTC()
	for _, o := range olds {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO scim_connections (tenant_id, enabled, profile, delete_policy,
			scim_managed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO NOTHING`),
			o.tenant, true, "generic", "delete", false, db.connTimeArg(now), db.connTimeArg(now)); err != nil {
			return fmt.Errorf("db: migrating tokens: %w", err)
		}
		id := make([]byte, 12)
		rand.Read(id)
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO scim_tokens (id, tenant_id, label, hint, hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), hex.EncodeToString(id), o.tenant, "migrated", "", o.hash, db.connTimeArg(now)); err != nil {
			return fmt.Errorf("db: migrating tokens: %w", err)
		}
	}
	for _, stmt := range []string{`DROP INDEX IF EXISTS tenants_scim_token_hash`, `ALTER TABLE tenants DROP COLUMN scim_token_hash`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: migrating tokens: %w", err)
		}
	}
	return nil
}

// connTimeArg is t as the connection tables keep it: timestamptz on
// PostgreSQL; on SQLite, UTC text with exactly six fractional digits, so
// that text order is time order (RFC 3339 with trimmed zeros is not).
func (db *DB) connTimeArg(t time.Time) any {
	if db.dialect == postgresDialect {
		return t.UTC().Truncate(time.Microsecond)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
}

// ---- The share typeahead's keys and indexes (share.go) ----

// createShareIndexes adds accounts.display_folded, filter.Fold of the
// account's display name (InsertAccount and UpdateAccount write it),
// filling it for the accounts there are when it is new, and the indexes
// of the typeahead's prefix ranges: (tenant_id, key) for each folded
// column, COLLATE "C" on PostgreSQL (see share.go). On SQLite the
// existing (tenant_id, email_folded) and (tenant_id, name_folded)
// indexes serve, being in BINARY order already.
func (db *DB) createShareIndexes(ctx context.Context, tx *sql.Tx) error {
	has, err := db.hasColumn(ctx, tx, "accounts", "display_folded")
	if err != nil {
		return err
	}
	if !has {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE accounts ADD COLUMN display_folded TEXT NOT NULL DEFAULT ''`); err != nil {
			return fmt.Errorf("db: adding accounts.display_folded: %w", err)
		}
		accounts, err := queryRows(ctx, tx, func(sc interface{ Scan(...any) error }) (a Account, err error) {
			return a, sc.Scan(&a.TenantID, &a.ID, &a.FullName, &a.GivenName, &a.FamilyName, &a.Email)
		}, `SELECT tenant_id, id, full_name, given_name, family_name, email FROM accounts`)
		if err != nil {
			return fmt.Errorf("db: filling accounts.display_folded: %w", err)
		}
		for _, a := range accounts {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET display_folded = ? WHERE tenant_id = ? AND id = ?`),
				displayKey(&a), a.TenantID, a.ID); err != nil {
				return fmt.Errorf("db: filling accounts.display_folded: %w", err)
			}
		}
	}
	c := db.collateC()
	stmts := []string{`CREATE INDEX IF NOT EXISTS accounts_share_name ON accounts (tenant_id, display_folded` + c + `)`}
	if db.dialect == postgresDialect {
		stmts = append(stmts,
			`CREATE INDEX IF NOT EXISTS accounts_share_email ON accounts (tenant_id, email_folded`+c+`)`,
			`CREATE INDEX IF NOT EXISTS teams_share_name ON teams (tenant_id, name_folded`+c+`)`)
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: creating the share indexes: %w", err)
		}
	}
	return nil
}

// displayKey is the display_folded column of a: filter.Fold of the name
// the app shows for it, cut to its first maxKeyBytes bytes (at a rune
// boundary): a display name has no length limit, and a btree index entry
// has one (PostgreSQL's is about 2,700 bytes). The typeahead's query is
// shorter than the cut key, so a prefix of the key is a prefix of the
// name.
func displayKey(a *Account) string { return cutKey(emailKey(a.DisplayName())) }

// maxKeyBytes is the length of display_folded; see displayKey.
const maxKeyBytes = 256

// cutKey returns the first maxKeyBytes bytes of k, or fewer to end at a
// rune boundary: at least maxKeyBytes-3.
func cutKey(k string) string {
	if len(k) <= maxKeyBytes {
		return k
	}
	k = k[:maxKeyBytes]
	for i := 0; i < utf8.UTFMax && !utf8.ValidString(k); i++ {
		k = k[:len(k)-1]
	}
	return k
}

// ---- Provisioning events, account sessions, notices and the activity log ----
//
// The outbox app_events gets a row per change event of each SCIM write,
// inserted by the write's own transaction (writeOutbox, called by the
// data layer's write methods with the rows scimstore.go makes of
// store.EventsFrom), so that an event exists exactly when its change
// committed. events.go drains it and serves it as an event.Source; times
// of this block are Unix microseconds (BIGINT), the same on both
// dialects.

// eventSchema is the block's tables; SEQ is replaced as in schema.
const eventSchema = `
CREATE TABLE IF NOT EXISTS app_events (
	seq SEQ,
	id TEXT NOT NULL UNIQUE,
	tenant_id TEXT NOT NULL,
	resource_type TEXT NOT NULL,
	resource_id TEXT NOT NULL,
	type TEXT NOT NULL,
	version TEXT NOT NULL,
	payload TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	delivered_at BIGINT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS app_events_pending ON app_events (seq) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS app_events_tenant ON app_events (tenant_id, seq);
CREATE INDEX IF NOT EXISTS app_events_created ON app_events (created_at);
CREATE TABLE IF NOT EXISTS app_event_lease (
	name TEXT NOT NULL PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS app_event_receipts (
	consumer TEXT NOT NULL,
	event_id TEXT NOT NULL,
	applied_at BIGINT NOT NULL,
	PRIMARY KEY (consumer, event_id)
);
CREATE TABLE IF NOT EXISTS app_events_pruned (
	tenant_id TEXT NOT NULL PRIMARY KEY,
	through_seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS account_sessions (
	seq SEQ,
	id_hash TEXT NOT NULL UNIQUE,
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS account_sessions_account ON account_sessions (tenant_id, account_id);
CREATE TABLE IF NOT EXISTS account_codes (
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	code TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, account_id)
);
CREATE TABLE IF NOT EXISTS notices (
	seq SEQ,
	event_id TEXT NOT NULL UNIQUE,
	tenant_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	text TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS notices_account ON notices (tenant_id, account_id, seq);
CREATE TABLE IF NOT EXISTS app_activity (
	seq SEQ,
	tenant_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	idp TEXT NOT NULL,
	method TEXT NOT NULL,
	endpoint TEXT NOT NULL,
	search BOOLEAN NOT NULL,
	resource_id TEXT NOT NULL,
	outcome TEXT NOT NULL,
	status INTEGER NOT NULL,
	latency_ns BIGINT NOT NULL,
	scim_type TEXT NOT NULL,
	detail TEXT NOT NULL,
	quirks TEXT NOT NULL,
	request_id TEXT NOT NULL,
	user_agent TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS app_activity_tenant ON app_activity (tenant_id, at DESC, seq DESC);
CREATE INDEX IF NOT EXISTS app_activity_at ON app_activity (at)
`

// createEventTables creates the block's tables, in createTables'
// transaction.
func (db *DB) createEventTables(ctx context.Context, tx *sql.Tx, seq string) error {
	ddl := strings.ReplaceAll(eventSchema, "SEQ", seq)
	for _, stmt := range strings.Split(ddl, ";") {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("db: creating the event tables: %w", err)
		}
	}
	// A dry-run request's entry is marked and lists its would-be effects
	// (a JSON array of strings); added to databases made before them.
	for _, c := range [][2]string{{"dry_run", "BOOLEAN NOT NULL DEFAULT FALSE"}, {"effects", "TEXT NOT NULL DEFAULT ''"}} {
		if err := db.addColumn(ctx, tx, "app_activity", c[0], c[1], ""); err != nil {
			return fmt.Errorf("db: adding app_activity.%s: %w", c[0], err)
		}
	}
	return nil
}

// OutboxRow is one change event a write of accounts or teams records in
// app_events, in its own transaction. The data layer does not read
// Payload (the event as JSON, without its version); the version column
// gets the version the write gave the row.
type OutboxRow struct {
	ID, Tenant, ResourceType, ResourceID, Type string
	Payload                                    []byte
}

// micros is t as the block's BIGINT columns keep it.
func micros(t time.Time) int64 { return t.UnixMicro() }

// writeOutbox inserts rows into app_events with version ("" for a
// delete), as the last statements of the write's transaction tx: one
// INSERT per run of rows of one tenant (a write has one) and per
// outboxChunk rows. On PostgreSQL that INSERT first takes a transaction
// lock of the tenant (the CTE tenant_lock, which the join makes run
// before any row, and so before any seq is drawn), held until the
// commit: the tenant's writes that record events then commit in the
// order their seq values were drawn, so a reader that has seen seq n of
// a tenant never finds a smaller one of that tenant committed later
// (events.go's cursors rely on it). The rows get their seq values in
// their order: SQLite inserts VALUES in order, and PostgreSQL draws a
// volatile default after the ORDER BY. SQLite has one writer at a time.
func (db *DB) writeOutbox(ctx context.Context, tx *sql.Tx, rows []OutboxRow, version string) error {
	now := micros(db.now())
	for len(rows) > 0 {
		n := 1
		for n < len(rows) && n < outboxChunk && rows[n].Tenant == rows[0].Tenant {
			n++
		}
		query, args := db.outboxInsert(rows[:n], version, now)
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("db: writing the outbox: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// writeOneSQL is, on PostgreSQL, write (one INSERT or UPDATE of one row,
// with "?" placeholders for args, RETURNING cols, which include version)
// and the INSERT of the outbox rows out as one statement, which needs no
// BEGIN and COMMIT (two round trips of a write's four): WITH w AS
// (write), tenant_lock AS (...), e AS (INSERT INTO app_events ... FROM
// tenant_lock, w, ...) SELECT cols FROM w. The events' version is the
// one w returns, and they are written only when w wrote a row; the
// advisory lock is held to the statement's commit, as in writeOutbox. ok
// is false when out is not one INSERT's rows (more than outboxChunk, or
// several tenants): the caller then writes in a transaction.
func (db *DB) writeOneSQL(write string, args []any, cols string, out []OutboxRow) (query string, qargs []any, ok bool) {
	write = db.q(write)
	if len(out) == 0 {
		return write, args, true
	}
	if len(out) > outboxChunk {
		return "", nil, false
	}
	for _, r := range out {
		if r.Tenant != out[0].Tenant {
			return "", nil, false
		}
	}
	insert, qargs := pgOutboxInsert(out, slices.Clone(args), "w.version::text", ", w", micros(db.now()))
	return `WITH w AS (` + write + `), ` + insert + ` SELECT ` + cols + ` FROM w`, qargs, true
}

// pgOutboxInsert is, on PostgreSQL, the CTEs tenant_lock (the tenant's
// advisory lock, see writeOutbox) and e (the INSERT of rows, all of one
// tenant, into app_events) for a WITH clause, with their parameters
// numbered after args, which it returns extended: each row's version is
// the expression version, over the FROM items tenant_lock and from.
func pgOutboxInsert(rows []OutboxRow, args []any, version, from string, now int64) (string, []any) {
	args = append(args, rows[0].Tenant, now)
	tenant, at := len(args)-1, len(args)
	var q strings.Builder
	fmt.Fprintf(&q, `tenant_lock AS (SELECT pg_advisory_xact_lock(7244, hashtext($%d))),
		e AS (INSERT INTO app_events (id, tenant_id, resource_type, resource_id, type, version, payload, created_at)
			SELECT v.id, $%d, v.resource_type, v.resource_id, v.type, %s, v.payload, $%d::bigint
			FROM tenant_lock%s, (VALUES `, tenant, tenant, version, at, from)
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		p := len(args)
		fmt.Fprintf(&q, "(%d, $%d, $%d, $%d, $%d, $%d)", i, p+1, p+2, p+3, p+4, p+5)
		args = append(args, r.ID, r.ResourceType, r.ResourceID, r.Type, string(r.Payload))
	}
	q.WriteString(`) AS v (n, id, resource_type, resource_id, type, payload) ORDER BY v.n)`)
	return q.String(), args
}

// outboxChunk bounds the rows of one outbox INSERT (and so its
// parameters, of which SQLite takes at most 32,766).
const outboxChunk = 100

// outboxInsert is the INSERT of writeOutbox for rows, all of one tenant,
// and its arguments.
func (db *DB) outboxInsert(rows []OutboxRow, version string, now int64) (string, []any) {
	var q strings.Builder
	if db.dialect == postgresDialect {
		ctes, args := pgOutboxInsert(rows, []any{version}, "$1", "", now)
		return `WITH ` + ctes + ` SELECT`, args
	}
	args := make([]any, 0, 8*len(rows))
	q.WriteString(`INSERT INTO app_events (id, tenant_id, resource_type, resource_id, type, version, payload, created_at) VALUES `)
	for i, r := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, r.ID, r.Tenant, r.ResourceType, r.ResourceID, r.Type, version, string(r.Payload), now)
	}
	return q.String(), args
}
