package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"               // database/sql driver "sqlite", pure Go

	"github.com/scimkit/scim/filter"
)

// This file is the app's existing data layer: tenants, accounts and teams
// in SQL tables, as a SaaS backend has them before anyone mentions SCIM.
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
//	tenants       id, name, scim_token_hash (hex SHA-256 of the Secret Token)
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

// Tenant is a customer organisation of the SaaS app.
type Tenant struct {
	ID   string
	Name string
	// SCIMTokenHash is the hex SHA-256 of the tenant's SCIM Secret Token,
	// or "" for none. The token itself is never stored.
	SCIMTokenHash string
}

// Account is a person who can sign in to a tenant. It is the app's own
// model, not SCIM's: SCIM's User is mapped onto it in scimstore.go.
type Account struct {
	ID       string
	TenantID string
	// Email is the login, unique per tenant ignoring case.
	Email      string
	FullName   string
	GivenName  string
	FamilyName string
	JobTitle   string
	Department string
	// ManagerID is the ID of another account of the tenant, or "".
	ManagerID string
	// Disabled accounts cannot sign in; they are kept, with their data.
	// An account provisioned by SCIM is disabled unless SCIMActive is
	// true: only active=true grants access, so an identity provider
	// that removes active from a deactivated user (an unassigned
	// attribute, RFC 7644 §3.5.2.2) does not give the access back.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version is incremented by every update (optimistic locking).
	Version int64

	// SCIMExternalID is the identity provider's id for the person (SCIM
	// externalId), kept so the IdP can find the account again.
	SCIMExternalID string
	// SCIMActive is SCIM's active as the identity provider set it: true,
	// false, or nil when unassigned (column scim_active, NULL). It is kept
	// apart from Disabled so that the IdP reads back what it wrote.
	SCIMActive *bool
	// SCIMExtra holds the SCIM attributes the app has no column for (phone
	// numbers, addresses, locale, ...), so that what the identity provider
	// wrote is what it reads back. Only the SCIM adapter interprets it.
	SCIMExtra json.RawMessage
}

// DisplayName is the name the app's UI shows for a.
func (a *Account) DisplayName() string {
	if a.FullName != "" {
		return a.FullName
	}
	if n := strings.TrimSpace(a.GivenName + " " + a.FamilyName); n != "" {
		return n
	}
	return a.Email
}

// Team is a named set of accounts of one tenant; the app grants access per
// team.
type Team struct {
	ID        string
	TenantID  string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64

	// Members are the member accounts and sub-teams, in the order they
	// were added. They live in the team_members table: the team's own row
	// does not hold them, and TeamByID loads them only when asked.
	Members []TeamMember

	SCIMExternalID string
	SCIMExtra      json.RawMessage

	// SharedName lets InsertTeam and UpdateTeam give the team a name
	// another team of the tenant has. Otherwise names are unique per
	// tenant, ignoring case, and a team written with SharedName does not
	// hold its name against them. It is not read back.
	SharedName bool
}

// TeamMember is a row of team_members: an account, or a sub-team whose
// members inherit the team's access.
type TeamMember struct {
	ID     string
	IsTeam bool
	// Display is the member's name as the identity provider sent it
	// (SCIM members[].display), "" for none. It is not part of the
	// member's identity: (ID, IsTeam) is.
	Display string
}

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
	sql     *sql.DB
	dialect dialect
	now     func() time.Time
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
	if db.sql, err = sql.Open(driverName, dsn); err != nil {
		return nil, fmt.Errorf("db: opening %s: %w", d, err)
	}
	if spec == "memory" {
		// Every connection to ":memory:" is a database of its own: keep
		// exactly one.
		db.sql.SetMaxOpenConns(1)
		db.sql.SetConnMaxLifetime(0)
		db.sql.SetConnMaxIdleTime(0)
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
	name TEXT NOT NULL,
	scim_token_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tenants_scim_token_hash ON tenants (scim_token_hash);
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
CREATE INDEX IF NOT EXISTS team_members_member ON team_members (tenant_id, member_id, member_is_team)
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
		return db.migrateFoldKeys(ctx, tx)
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
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.tenant, &r.id, &r.name); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
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

// emailKey is the key of the unique email index and of team names,
// filter.Fold, computed in Go rather than with lower(): SQLite's lower()
// folds ASCII only, PostgreSQL's depends on the database's locale. Two
// emails have the same key exactly when strings.EqualFold says they are
// equal, which is how SCIM compares userName (RFC 7643 §4.1.1, caseExact
// false) and what sqlstore.Translate compares email_folded with.
func emailKey(s string) string { return filter.Fold(s) }

// teamNameTaken reports whether a team other than id has the folded name
// and tm needs it to itself: it does not share names and does not have
// the name already (id is "" for an insert). The unique index on name_key
// settles two writes that both pass this check.
func (db *DB) teamNameTaken(ctx context.Context, tx *sql.Tx, tm Team, id, folded string) error {
	if tm.SharedName {
		return nil
	}
	var taken bool
	err := tx.QueryRowContext(ctx, db.q(`SELECT EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND name_folded = ? AND id <> ?)
		AND NOT EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND id = ? AND name_folded = ?)`),
		tm.TenantID, folded, id, tm.TenantID, id, folded).Scan(&taken)
	if err == nil && taken {
		err = ErrTeamNameTaken
	}
	return err
}

// nameKey is the name_key column of tm: its folded name, or NULL when it
// shares names.
func nameKey(tm Team, folded string) any {
	if tm.SharedName {
		return nil
	}
	return folded
}

// CreateTenant adds a tenant without a token, or renames it if it exists.
func (db *DB) CreateTenant(ctx context.Context, id, name string) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO tenants (id, name, scim_token_hash) VALUES (?, ?, '')
		ON CONFLICT (id) DO UPDATE SET name = excluded.name`), id, name)
	return err
}

// SetTenantTokenHashIf sets the hash of the tenant's Secret Token to
// hash if it is old, and returns ErrStaleVersion if it is not (another
// replica changed it) and ErrNoRows if there is no such tenant.
func (db *DB) SetTenantTokenHashIf(ctx context.Context, id, old, hash string) error {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE tenants SET scim_token_hash = ? WHERE id = ? AND scim_token_hash = ?`), hash, id, old)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		if _, err := db.TenantByID(ctx, id); err != nil {
			return err
		}
		return ErrStaleVersion
	}
	return nil
}

const tenantCols = `id, name, scim_token_hash`

// TenantByID returns the tenant, or ErrNoRows.
func (db *DB) TenantByID(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT `+tenantCols+` FROM tenants WHERE id = ?`), id).
		Scan(&t.ID, &t.Name, &t.SCIMTokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, ErrNoRows
	}
	return t, err
}

// TenantByTokenHash returns the tenant whose Secret Token has the hash, or
// ErrNoRows.
func (db *DB) TenantByTokenHash(ctx context.Context, hash string) (Tenant, error) {
	if hash == "" {
		return Tenant{}, ErrNoRows
	}
	var t Tenant
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT `+tenantCols+` FROM tenants WHERE scim_token_hash = ?`), hash).
		Scan(&t.ID, &t.Name, &t.SCIMTokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, ErrNoRows
	}
	return t, err
}

// Tenants returns every tenant in creation order.
func (db *DB) Tenants(ctx context.Context) ([]Tenant, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+tenantCols+` FROM tenants ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		if err := rows.Scan(&t.ID, &t.Name, &t.SCIMTokenHash); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// accountCols are the columns scanAccount reads, in order.
const accountCols = `tenant_id, id, email, given_name, family_name, full_name, job_title, department,
	manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra, scim_active`

// scanAccount reads one row of accountCols.
func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var extra string
	var active sql.NullBool
	err := row.Scan(&a.TenantID, &a.ID, &a.Email, &a.GivenName, &a.FamilyName, &a.FullName, &a.JobTitle, &a.Department,
		&a.ManagerID, &a.Disabled, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.Version, &a.SCIMExternalID, &extra, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNoRows
	}
	if extra != "" {
		a.SCIMExtra = json.RawMessage(extra)
	}
	if active.Valid {
		a.SCIMActive = &active.Bool
	}
	return a, err
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

// queryAccounts runs a SELECT of accountCols.
func (db *DB) queryAccounts(ctx context.Context, q querier, query string, args ...any) ([]Account, error) {
	return queryRows(ctx, q, scanAccount, query, args...)
}

// AccountByID returns the account, or ErrNoRows.
func (db *DB) AccountByID(ctx context.Context, tenantID, id string) (Account, error) {
	return scanAccount(db.sql.QueryRowContext(ctx,
		db.q(`SELECT `+accountCols+` FROM accounts WHERE tenant_id = ? AND id = ?`), tenantID, id))
}

// AccountByEmail returns the account whose login is email, ignoring case,
// or ErrNoRows. It reads the unique email index.
func (db *DB) AccountByEmail(ctx context.Context, tenantID, email string) (Account, error) {
	return scanAccount(db.sql.QueryRowContext(ctx,
		db.q(`SELECT `+accountCols+` FROM accounts WHERE tenant_id = ? AND email_folded = ?`), tenantID, emailKey(email)))
}

// AccountsByExternalID returns the accounts whose SCIMExternalID is extID
// (compared exactly), in creation order.
func (db *DB) AccountsByExternalID(ctx context.Context, tenantID, extID string) ([]Account, error) {
	return db.queryAccounts(ctx, db.sql,
		db.q(`SELECT `+accountCols+` FROM accounts WHERE tenant_id = ? AND scim_external_id = ? ORDER BY seq`), tenantID, extID)
}

// Accounts returns up to limit accounts of the tenant from offset in
// creation order, and the number of accounts.
func (db *DB) Accounts(ctx context.Context, tenantID string, offset, limit int) ([]Account, int, error) {
	return db.FindAccounts(ctx, tenantID, "", nil, offset, limit)
}

// FindAccounts returns up to limit accounts of the tenant from offset, in
// creation order, that satisfy the SQL condition where over the columns
// of accounts ("" for all), and the number of accounts that satisfy it.
// where takes args through the dialect's placeholders: "?" on SQLite,
// $2, $3, ... on PostgreSQL ($1 is the tenant; see WhereFirstArg).
func (db *DB) FindAccounts(ctx context.Context, tenantID, where string, args []any, offset, limit int) ([]Account, int, error) {
	count, page, args := db.find("accounts", accountCols, tenantID, where, args, offset, limit)
	var total int
	if err := db.sql.QueryRowContext(ctx, count, args[:len(args)-2]...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || offset >= total {
		return nil, total, nil
	}
	rows, err := db.queryAccounts(ctx, db.sql, page, args...)
	return rows, total, err
}

// WhereFirstArg is the number of the first placeholder of the where
// condition of FindAccounts and FindTeams on PostgreSQL.
const WhereFirstArg = 2

// find returns the COUNT(*) query and the page query of the rows of table
// in the tenant that satisfy where, and their arguments: the page query's;
// the count query takes all but the last two.
func (db *DB) find(table, cols, tenantID, where string, args []any, offset, limit int) (count, page string, all []any) {
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
	all = append(append([]any{tenantID}, args...), max(limit, 0), max(offset, 0))
	count = `SELECT COUNT(*) FROM ` + table + ` WHERE ` + cond
	page = `SELECT ` + cols + ` FROM ` + table + ` WHERE ` + cond +
		` ORDER BY seq LIMIT ` + ph(len(all)-1) + ` OFFSET ` + ph(len(all))
	return count, page, all
}

// InsertAccount inserts a new account with Version 1 and returns it. It
// returns ErrDuplicateKey if the ID exists and ErrEmailTaken if another
// account of the tenant has the email: the unique indexes decide, so two
// concurrent inserts of one email give one success.
func (db *DB) InsertAccount(ctx context.Context, a Account) (Account, error) {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.CreatedAt, a.UpdatedAt, a.Version = db.stamp(a.CreatedAt), db.stamp(a.UpdatedAt), 1
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name,
		family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version,
		scim_external_id, scim_extra, scim_active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.TenantID, a.ID, a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle,
		a.Department, a.ManagerID, a.Disabled, db.timeArg(a.CreatedAt), db.timeArg(a.UpdatedAt), a.Version,
		a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive))
	if err != nil {
		return Account{}, insertErr(err)
	}
	return a, nil
}

// nullBool is b as a nullable BOOLEAN column takes it: NULL for nil.
func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
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

// UpdateAccount replaces the row a.ID with a, keeping CreatedAt, and
// increments Version. If expectedVersion is not 0 and the row's Version
// differs, it returns ErrStaleVersion (UPDATE ... WHERE version = ?). It
// returns ErrNoRows if there is no such account and ErrEmailTaken if
// another account has the new email.
func (db *DB) UpdateAccount(ctx context.Context, a Account, expectedVersion int64) (Account, error) {
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = db.now()
	}
	a.UpdatedAt = db.stamp(a.UpdatedAt)
	row := db.sql.QueryRowContext(ctx, db.q(`UPDATE accounts SET email = ?, email_folded = ?, given_name = ?,
		family_name = ?, full_name = ?, job_title = ?, department = ?, manager_id = ?, disabled = ?,
		updated_at = ?, version = version + 1, scim_external_id = ?, scim_extra = ?, scim_active = ?
		WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
		RETURNING created_at, version`),
		a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle, a.Department, a.ManagerID,
		a.Disabled, db.timeArg(a.UpdatedAt), a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive),
		a.TenantID, a.ID, expectedVersion, expectedVersion)
	err := row.Scan(timeCol{&a.CreatedAt}, &a.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, db.versionErr(ctx, db.sql, "accounts", a.TenantID, a.ID)
	}
	if err != nil {
		return Account{}, insertErr(err)
	}
	return a, nil
}

// DeleteAccount deletes the account and its team memberships, bumping
// the version of each team it left, in one transaction. expectedVersion
// works as in UpdateAccount.
func (db *DB) DeleteAccount(ctx context.Context, tenantID, id string, expectedVersion int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM accounts WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)`),
			tenantID, id, expectedVersion, expectedVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.versionErr(ctx, tx, "accounts", tenantID, id)
		}
		return db.dropMember(ctx, tx, tenantID, TeamMember{ID: id})
	})
}

// dropMember deletes the rows of team_members that name m, bumping the
// version of each team m leaves.
func (db *DB) dropMember(ctx context.Context, tx *sql.Tx, tenantID string, m TeamMember) error {
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE teams SET version = version + 1, updated_at = ?
		WHERE tenant_id = ? AND id IN (SELECT team_id FROM team_members
			WHERE tenant_id = ? AND member_id = ? AND member_is_team = ?)`),
		db.timeArg(db.stamp(db.now())), tenantID, tenantID, m.ID, m.IsTeam); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND member_id = ? AND member_is_team = ?`),
		tenantID, m.ID, m.IsTeam)
	return err
}

// teamCols are the columns scanTeam reads, in order.
const teamCols = `tenant_id, id, name, created_at, updated_at, version, scim_external_id, scim_extra`

func scanTeam(row interface{ Scan(...any) error }) (Team, error) {
	var t Team
	var extra string
	err := row.Scan(&t.TenantID, &t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Version,
		&t.SCIMExternalID, &extra)
	if errors.Is(err, sql.ErrNoRows) {
		return Team{}, ErrNoRows
	}
	if extra != "" {
		t.SCIMExtra = json.RawMessage(extra)
	}
	return t, err
}

// queryTeams runs a SELECT of teamCols.
func (db *DB) queryTeams(ctx context.Context, q querier, query string, args ...any) ([]Team, error) {
	return queryRows(ctx, q, scanTeam, query, args...)
}

// TeamsOfAccount returns the teams the account belongs to, in team
// creation order, without their members. It reads the team_members index
// on the member.
func (db *DB) TeamsOfAccount(ctx context.Context, tenantID, accountID string) ([]Team, error) {
	return db.queryTeams(ctx, db.sql, db.q(`SELECT `+prefixed("t.", teamCols)+` FROM teams t
		JOIN team_members m ON m.tenant_id = t.tenant_id AND m.team_id = t.id
		WHERE m.tenant_id = ? AND m.member_id = ? AND m.member_is_team = ? ORDER BY t.seq`), tenantID, accountID, false)
}

// prefixed qualifies each column of cols with p.
func prefixed(p, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = p + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}

// members loads the members of team id in the order they were added.
func (db *DB) members(ctx context.Context, q querier, tenantID, id string) ([]TeamMember, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT member_id, member_is_team, display FROM team_members
		WHERE tenant_id = ? AND team_id = ? ORDER BY seq`), tenantID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TeamMember{}
	for rows.Next() {
		var m TeamMember
		if err := rows.Scan(&m.ID, &m.IsTeam, &m.Display); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// TeamByID returns the team, its members only if withMembers, or
// ErrNoRows.
func (db *DB) TeamByID(ctx context.Context, tenantID, id string, withMembers bool) (Team, error) {
	t, err := scanTeam(db.sql.QueryRowContext(ctx, db.q(`SELECT `+teamCols+` FROM teams WHERE tenant_id = ? AND id = ?`), tenantID, id))
	if err != nil || !withMembers {
		return t, err
	}
	t.Members, err = db.members(ctx, db.sql, tenantID, id)
	return t, err
}

// Teams returns up to limit teams from offset in creation order, with
// their members if withMembers, and the number of teams.
func (db *DB) Teams(ctx context.Context, tenantID string, offset, limit int, withMembers bool) ([]Team, int, error) {
	return db.FindTeams(ctx, tenantID, "", nil, offset, limit, withMembers)
}

// FindTeams is FindAccounts for teams, with their members if
// withMembers.
func (db *DB) FindTeams(ctx context.Context, tenantID, where string, args []any, offset, limit int, withMembers bool) ([]Team, int, error) {
	count, page, args := db.find("teams", teamCols, tenantID, where, args, offset, limit)
	var total int
	if err := db.sql.QueryRowContext(ctx, count, args[:len(args)-2]...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || offset >= total {
		return nil, total, nil
	}
	teams, err := db.queryTeams(ctx, db.sql, page, args...)
	if err != nil || !withMembers {
		return teams, total, err
	}
	for i := range teams {
		if teams[i].Members, err = db.members(ctx, db.sql, tenantID, teams[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return teams, total, nil
}

// checkMembers returns ErrNoSuchMember if a member of ms is not an
// account or a team of the tenant, as its IsTeam says (a team may contain
// itself). It runs inside the write's transaction, with the queries of
// MemberKinds: one per chunk of members, not one per member.
func (db *DB) checkMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	kinds, err := db.memberKinds(ctx, tx, tenantID, ids)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.IsTeam && m.ID == teamID {
			continue
		}
		if k := kinds[m.ID]; (m.IsTeam && !k.Team) || (!m.IsTeam && !k.Account) {
			return ErrNoSuchMember
		}
	}
	return nil
}

// MemberKind says whether an ID is that of an account, of a team, or of
// both, in one tenant.
type MemberKind struct {
	Account, Team bool
}

// kindsChunk is the most IDs one query of MemberKinds binds (twice).
const kindsChunk = 500

// MemberKinds returns what each of ids names in the tenant: an account, a
// team or both; IDs naming nothing are absent. It reads the accounts and
// teams primary keys, one query per 500 distinct IDs.
func (db *DB) MemberKinds(ctx context.Context, tenantID string, ids []string) (map[string]MemberKind, error) {
	return db.memberKinds(ctx, db.sql, tenantID, ids)
}

func (db *DB) memberKinds(ctx context.Context, q querier, tenantID string, ids []string) (map[string]MemberKind, error) {
	out := make(map[string]MemberKind)
	seen := make(map[string]bool, len(ids))
	uniq := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	for chunk := range slices.Chunk(uniq, kindsChunk) {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		args := make([]any, 0, 2+2*len(chunk))
		args = append(args, tenantID)
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, tenantID)
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := q.QueryContext(ctx, db.q(`SELECT id, FALSE FROM accounts WHERE tenant_id = ? AND id IN (`+marks+`)
			UNION ALL SELECT id, TRUE FROM teams WHERE tenant_id = ? AND id IN (`+marks+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var team bool
			if err := rows.Scan(&id, &team); err != nil {
				rows.Close()
				return nil, err
			}
			k := out[id]
			if team {
				k.Team = true
			} else {
				k.Account = true
			}
			out[id] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// insertMembers adds ms to team teamID after its current members; a
// member already there keeps its place and its display (ON CONFLICT DO
// NOTHING on the unique key).
func (db *DB) insertMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	for _, m := range ms {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO team_members (tenant_id, team_id, member_is_team, member_id, display)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), tenantID, teamID, m.IsTeam, m.ID, m.Display); err != nil {
			return err
		}
	}
	return nil
}

// setMembers makes ms the members of team teamID, keeping the insertion
// order of members that stay and giving them their display in ms. It
// returns ErrNoSuchMember if a member is not an account or a team of the
// tenant (a team may contain itself).
func (db *DB) setMembers(ctx context.Context, tx *sql.Tx, tenantID, teamID string, ms []TeamMember) error {
	if err := db.checkMembers(ctx, tx, tenantID, teamID, ms); err != nil {
		return err
	}
	old, err := db.members(ctx, tx, tenantID, teamID)
	if err != nil {
		return err
	}
	// The display of each member, the first one's when ms repeats a
	// member (as insertMembers keeps the first).
	type key struct {
		id     string
		isTeam bool
	}
	next := make(map[key]string, len(ms))
	for _, m := range ms {
		if _, ok := next[key{m.ID, m.IsTeam}]; !ok {
			next[key{m.ID, m.IsTeam}] = m.Display
		}
	}
	for _, m := range old {
		display, stays := next[key{m.ID, m.IsTeam}]
		query := `DELETE FROM team_members`
		args := []any{tenantID, teamID, m.IsTeam, m.ID}
		switch {
		case stays && display == m.Display:
			continue
		case stays:
			query = `UPDATE team_members SET display = ?`
			args = append([]any{display}, args...)
		}
		if _, err := tx.ExecContext(ctx, db.q(query+`
			WHERE tenant_id = ? AND team_id = ? AND member_is_team = ? AND member_id = ?`), args...); err != nil {
			return err
		}
	}
	return db.insertMembers(ctx, tx, tenantID, teamID, ms)
}

// InsertTeam inserts a new team with its members and Version 1. It returns
// ErrDuplicateKey if the ID exists, ErrTeamNameTaken if another team of the
// tenant has the name, ignoring case (unless tm.SharedName), and
// ErrNoSuchMember if a member is not an account of the tenant.
func (db *DB) InsertTeam(ctx context.Context, tm Team) (Team, error) {
	if tm.CreatedAt.IsZero() {
		tm.CreatedAt = db.now()
	}
	if tm.UpdatedAt.IsZero() {
		tm.UpdatedAt = tm.CreatedAt
	}
	tm.CreatedAt, tm.UpdatedAt, tm.Version = db.stamp(tm.CreatedAt), db.stamp(tm.UpdatedAt), 1
	folded := emailKey(tm.Name)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.teamNameTaken(ctx, tx, tm, "", folded); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO teams (tenant_id, id, name, created_at, updated_at, version,
			scim_external_id, scim_extra, name_folded, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			tm.TenantID, tm.ID, tm.Name, db.timeArg(tm.CreatedAt), db.timeArg(tm.UpdatedAt), tm.Version,
			tm.SCIMExternalID, string(tm.SCIMExtra), folded, nameKey(tm, folded)); err != nil {
			return insertErr(err)
		}
		if err := db.setMembers(ctx, tx, tm.TenantID, tm.ID, tm.Members); err != nil {
			return err
		}
		var err error
		tm.Members, err = db.members(ctx, tx, tm.TenantID, tm.ID)
		return err
	})
	if err != nil {
		return Team{}, err
	}
	return tm, nil
}

// UpdateTeam replaces the team's row and members, keeping CreatedAt.
// Errors are as for UpdateAccount and InsertTeam; a team that keeps its
// name (ignoring case) never gets ErrTeamNameTaken.
func (db *DB) UpdateTeam(ctx context.Context, tm Team, expectedVersion int64) (Team, error) {
	return db.updateTeam(ctx, tm, expectedVersion, true)
}

// UpdateTeamAttributes replaces the team's row, keeping CreatedAt and
// leaving team_members as it is: a rename costs the same whatever the
// size of the team. The team is returned without members. Errors are as
// for UpdateAccount.
func (db *DB) UpdateTeamAttributes(ctx context.Context, tm Team, expectedVersion int64) (Team, error) {
	return db.updateTeam(ctx, tm, expectedVersion, false)
}

func (db *DB) updateTeam(ctx context.Context, tm Team, expectedVersion int64, withMembers bool) (Team, error) {
	if tm.UpdatedAt.IsZero() {
		tm.UpdatedAt = db.now()
	}
	tm.UpdatedAt = db.stamp(tm.UpdatedAt)
	folded := emailKey(tm.Name)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.teamNameTaken(ctx, tx, tm, tm.ID, folded); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, db.q(`UPDATE teams SET name = ?, updated_at = ?, version = version + 1,
			scim_external_id = ?, scim_extra = ?, name_folded = ?,
			name_key = CASE WHEN name_folded = ? THEN name_key ELSE ? END
			WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
			RETURNING created_at, version`),
			tm.Name, db.timeArg(tm.UpdatedAt), tm.SCIMExternalID, string(tm.SCIMExtra), folded,
			folded, nameKey(tm, folded),
			tm.TenantID, tm.ID, expectedVersion, expectedVersion).Scan(timeCol{&tm.CreatedAt}, &tm.Version)
		if errors.Is(err, sql.ErrNoRows) {
			return db.versionErr(ctx, tx, "teams", tm.TenantID, tm.ID)
		}
		if err != nil {
			return insertErr(err)
		}
		if !withMembers {
			tm.Members = nil
			return nil
		}
		if err := db.setMembers(ctx, tx, tm.TenantID, tm.ID, tm.Members); err != nil {
			return err
		}
		tm.Members, err = db.members(ctx, tx, tm.TenantID, tm.ID)
		return err
	})
	if err != nil {
		return Team{}, err
	}
	return tm, nil
}

// DeleteTeam deletes the team, its members (ON DELETE CASCADE) and its
// memberships in other teams, bumping their versions. expectedVersion
// works as in UpdateAccount.
func (db *DB) DeleteTeam(ctx context.Context, tenantID, id string, expectedVersion int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// The team's own member rows go first: they would otherwise bump
		// the version of a team that is being deleted, itself.
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?
			AND EXISTS (SELECT 1 FROM teams WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?))`),
			tenantID, id, tenantID, id, expectedVersion, expectedVersion); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM teams WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)`),
			tenantID, id, expectedVersion, expectedVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.versionErr(ctx, tx, "teams", tenantID, id)
		}
		return db.dropMember(ctx, tx, tenantID, TeamMember{ID: id, IsTeam: true})
	})
}

// removeChunk is the most member IDs one DELETE of PatchTeamMembers
// binds, well under the bind-parameter limits of SQLite (32766) and
// PostgreSQL (65535).
const removeChunk = 1000

// PatchTeamMembers removes the members whose ID is in remove (accounts or
// sub-teams) and then adds the members of add, without reading the team's
// member list, and returns the team's new Version. Adding a present member
// and removing an absent one change nothing but the version. Errors are as
// for UpdateTeam: ErrNoRows, ErrStaleVersion (expectedVersion works as in
// UpdateAccount) and ErrNoSuchMember.
//
// Whatever the size of the team, it touches the team's row, one index
// entry per added member and the rows removed: the version bump comes
// first, and its row lock serialises concurrent patches of one team.
func (db *DB) PatchTeamMembers(ctx context.Context, tenantID, teamID string, add []TeamMember, remove []string, expectedVersion int64) (int64, error) {
	var version int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.q(`UPDATE teams SET version = version + 1, updated_at = ?
			WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
			RETURNING version`),
			db.timeArg(db.stamp(db.now())), tenantID, teamID, expectedVersion, expectedVersion).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return db.versionErr(ctx, tx, "teams", tenantID, teamID)
		}
		if err != nil {
			return err
		}
		for ids := range slices.Chunk(remove, removeChunk) {
			args := []any{tenantID, teamID}
			for _, id := range ids {
				args = append(args, id)
			}
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
			// Both kinds of member go. Naming member_is_team lets SQLite
			// look each ID up in the unique key rather than scan the
			// team's entries; PostgreSQL uses the member index.
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM team_members WHERE tenant_id = ? AND team_id = ?
				AND member_is_team IN (FALSE, TRUE) AND member_id IN (`+marks+`)`), args...); err != nil {
				return err
			}
		}
		if err := db.checkMembers(ctx, tx, tenantID, teamID, add); err != nil {
			return err
		}
		return db.insertMembers(ctx, tx, tenantID, teamID, add)
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}
