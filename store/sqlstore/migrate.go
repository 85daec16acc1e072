package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrations holds the schema, one directory per dialect, one file per
// version named NNNN_description.sql. A file is applied once, in its own
// transaction, and recorded in scim_schema_migrations. A line "-- go:NAME"
// in a file runs the Go step NAME (see goSteps) at that point, in the
// same transaction.
//
//go:embed migrations
var migrations embed.FS

// migrationLockKey is the pg_advisory_lock key that serialises migrations
// of replicas starting at once ("scimkit" in ASCII).
const migrationLockKey = 0x7363696d6b6974

type migration struct {
	version int
	name    string
	parts   []part
}

// part is one piece of a migration: SQL, or the name of a Go step.
type part struct {
	sql, goStep string
}

// goSteps are the steps of migrations that SQL cannot express.
var goSteps = map[string]func(s *Store, ctx context.Context, q querier) error{
	"refold": (*Store).refold,
	"rejson": (*Store).rejson,
}

// parseMigration splits the text of a migration at its "-- go:NAME"
// lines.
func parseMigration(name, text string) ([]part, error) {
	var parts []part
	var cur strings.Builder
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			parts = append(parts, part{sql: cur.String()})
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		step, ok := strings.CutPrefix(strings.TrimSpace(line), "-- go:")
		if !ok {
			cur.WriteString(line)
			continue
		}
		if goSteps[step] == nil {
			return nil, fmt.Errorf("sqlstore: migration %s: unknown Go step %q", name, step)
		}
		flush()
		parts = append(parts, part{goStep: step})
	}
	flush()
	return parts, nil
}

// apply runs the parts of m on q.
func (s *Store) apply(ctx context.Context, q querier, m migration) error {
	for _, p := range m.parts {
		var err error
		if p.goStep != "" {
			err = goSteps[p.goStep](s, ctx, q)
		} else {
			_, err = q.ExecContext(ctx, p.sql)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *Store) migrations() ([]migration, error) {
	dir := path.Join("migrations", s.dialect.String())
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("sqlstore: migration file %q is not named NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(migrations, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migrations: %w", err)
		}
		parts, err := parseMigration(name, string(b))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, parts: parts})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction, and records them in the table scim_schema_migrations. It is
// safe when several replicas start at once: on PostgreSQL it holds a
// session advisory lock (pg_advisory_lock) while it works, on SQLite it
// works inside a BEGIN IMMEDIATE transaction, which takes the database's
// write lock. New calls it unless given [WithoutMigrate].
//
// Migration 0002 recomputes the folded userName and displayName columns
// with filter.Fold (the earlier ones were strings.ToLower) in Go, so it
// must run through Migrate. It fails, changing nothing, if two users of a
// tenant have userNames that only filter.Fold finds equal (such as "sam"
// and "ſam"); the error names them, and the app renames one and migrates
// again. Groups that share a displayName are kept, and the oldest holds
// the name.
func (s *Store) Migrate(ctx context.Context) (err error) {
	defer classify(&err)
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == Postgres {
		return s.migratePostgres(ctx, conn, ms)
	}
	return s.migrateSQLite(ctx, conn, ms)
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS scim_schema_migrations (
	version integer PRIMARY KEY,
	name    text NOT NULL,
	applied text NOT NULL
)`

func (s *Store) migratePostgres(ctx context.Context, conn *sql.Conn, ms []migration) (err error) {
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockKey)); err != nil {
		return fmt.Errorf("sqlstore: migrate: lock: %w", err)
	}
	defer func() {
		// The unlock must run even when ctx is done.
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockKey)); uerr != nil && err == nil {
			err = fmt.Errorf("sqlstore: migrate: unlock: %w", uerr)
		}
	}()
	pending, err := pendingMigrations(ctx, conn, ms)
	if err != nil {
		return err
	}
	for _, m := range pending {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		if err := s.applyAndRecord(ctx, tx, m); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (s *Store) migrateSQLite(ctx context.Context, conn *sql.Conn, ms []migration) (err error) {
	// database/sql cannot start an IMMEDIATE transaction, so the statements
	// go through one connection by hand.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlstore: migrate: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	pending, err := pendingMigrations(ctx, conn, ms)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := s.applyAndRecord(ctx, conn, m); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlstore: migrate: commit: %w", err)
	}
	done = true
	return nil
}

// pendingMigrations creates scim_schema_migrations if need be and returns
// the migrations of ms it does not record, in order.
func pendingMigrations(ctx context.Context, conn *sql.Conn, ms []migration) ([]migration, error) {
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, m := range ms {
		if !applied[m.version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// applyAndRecord applies m and records it in scim_schema_migrations, in
// the caller's transaction.
func (s *Store) applyAndRecord(ctx context.Context, q querier, m migration) error {
	if err := s.apply(ctx, q, m); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, s.rebind("INSERT INTO scim_schema_migrations (version, name, applied) VALUES ($1, $2, $3)"),
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
	}
	return nil
}

func appliedVersions(ctx context.Context, conn *sql.Conn) (map[int]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT version FROM scim_schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlstore: migrate: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}
