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
// transaction, and recorded in scim_schema_migrations.
//
//go:embed migrations
var migrations embed.FS

// migrationLockKey is the pg_advisory_lock key that serialises migrations
// of replicas starting at once ("scimkit" in ASCII).
const migrationLockKey = 0x7363696d6b6974

type migration struct {
	version int
	name    string
	sql     string
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
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
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
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO scim_schema_migrations (version, name, applied) VALUES ($1, $2, $3)",
			m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
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
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := conn.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO scim_schema_migrations (version, name, applied) VALUES (?1, ?2, ?3)",
			m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlstore: migrate: commit: %w", err)
	}
	done = true
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
