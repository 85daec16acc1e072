package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// ConnectionStore is the app's connection.Store: each tenant's SCIM
// connection and its Secret Tokens in the app's own tables
// scim_connections and scim_tokens (db.go), as an app that keeps
// everything in its database has them. It passes the library's contract
// kit, conntest.Run. A token is found by the hex SHA-256 of its secret
// through the unique index on scim_tokens.hash; the secret is never
// stored.
type ConnectionStore struct{ db *DB }

// NewConnectionStore returns the connection store over db.
func NewConnectionStore(db *DB) *ConnectionStore { return &ConnectionStore{db: db} }

// connErr translates the DB's errors into connection's sentinels, and a
// database that cannot answer into store.ErrUnavailable, which the SCIM
// handler answers with 503 (never 401: Entra quarantines a job whose
// token is refused).
func connErr(err error) error {
	switch {
	case err == nil:
		return nil
	case sqlstore.Unavailable(err):
		return fmt.Errorf("%w (%w)", store.ErrUnavailable, err)
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, ErrNoRows):
		return fmt.Errorf("%w (%w)", connection.ErrNotFound, err)
	}
	if _, ok := uniqueViolation(err); ok {
		return fmt.Errorf("%w (%w)", connection.ErrConflict, err)
	}
	return err
}

const connCols = `c.tenant_id, c.enabled, c.profile, c.delete_policy, c.scim_managed, c.dry_run, c.created_at, c.updated_at`

func scanConn(dst *connection.Connection) []any {
	return []any{&dst.Tenant, &dst.Enabled, (*string)(&dst.Profile), (*string)(&dst.DeletePolicy), &dst.SCIMManaged, &dst.DryRun,
		timeCol{&dst.Created}, timeCol{&dst.Updated}}
}

const tokenCols = `t.id, t.tenant_id, t.label, t.hint, t.hash, t.created_at, t.last_used, t.revoked_at`

// tokenRow scans one row of tokenCols.
type tokenRow struct {
	t        connection.Token
	hash     string
	lastUsed nullTime
	revoked  nullTime
}

func (r *tokenRow) dest() []any {
	return []any{&r.t.ID, &r.t.Tenant, &r.t.Label, &r.t.Hint, &r.hash, timeCol{&r.t.Created}, &r.lastUsed, &r.revoked}
}

func (r *tokenRow) token() (connection.Token, error) {
	h, err := hex.DecodeString(r.hash)
	if err != nil || len(h) != len(r.t.Hash) {
		return connection.Token{}, fmt.Errorf("db: token %s has a bad hash", r.t.ID)
	}
	copy(r.t.Hash[:], h)
	r.t.LastUsed, r.t.Revoked = r.lastUsed.t, r.revoked.t
	return r.t, nil
}

// nullTime scans a nullable timestamp column: the zero time for NULL.
type nullTime struct{ t time.Time }

// Scan implements sql.Scanner.
func (n *nullTime) Scan(src any) error {
	if src == nil {
		n.t = time.Time{}
		return nil
	}
	return timeCol{&n.t}.Scan(src)
}

// Connection implements connection.Store.
func (s *ConnectionStore) Connection(ctx context.Context, tenant string) (connection.Connection, error) {
	var c connection.Connection
	err := s.db.sql.QueryRowContext(ctx, s.db.q(`SELECT `+connCols+` FROM scim_connections c WHERE c.tenant_id = ?`), tenant).Scan(scanConn(&c)...)
	return c, connErr(err)
}

// PutConnection implements connection.Store: one upsert, so the last
// write wins.
func (s *ConnectionStore) PutConnection(ctx context.Context, c connection.Connection) error {
	db := s.db
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO scim_connections (tenant_id, enabled, profile, delete_policy,
		scim_managed, dry_run, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET enabled = excluded.enabled, profile = excluded.profile,
		delete_policy = excluded.delete_policy, scim_managed = excluded.scim_managed, dry_run = excluded.dry_run,
		created_at = excluded.created_at, updated_at = excluded.updated_at`),
		c.Tenant, c.Enabled, string(c.Profile), string(c.DeletePolicy), c.SCIMManaged, c.DryRun, db.connTimeArg(c.Created), db.connTimeArg(c.Updated))
	return connErr(err)
}

// nullConnTime is t as a nullable token time: NULL for the zero time.
func (db *DB) nullConnTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.connTimeArg(t)
}

// CreateToken implements connection.Store. The unique indexes on id and
// hash refuse a duplicate, also between replicas.
func (s *ConnectionStore) CreateToken(ctx context.Context, t connection.Token) error {
	db := s.db
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO scim_tokens (id, tenant_id, label, hint, hash, created_at, last_used, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), t.ID, t.Tenant, t.Label, t.Hint, hex.EncodeToString(t.Hash[:]),
		db.connTimeArg(t.Created), db.nullConnTime(t.LastUsed), db.nullConnTime(t.Revoked))
	return connErr(err)
}

// LookupToken implements connection.Store: one query, an exact match on
// the unique hash index joined with the tenant's connection.
func (s *ConnectionStore) LookupToken(ctx context.Context, h connection.Hash) (connection.Connection, connection.Token, error) {
	var c connection.Connection
	var r tokenRow
	err := s.db.sql.QueryRowContext(ctx, s.db.q(`SELECT `+connCols+`, `+tokenCols+` FROM scim_tokens t
		JOIN scim_connections c ON c.tenant_id = t.tenant_id WHERE t.hash = ?`), hex.EncodeToString(h[:])).
		Scan(append(scanConn(&c), r.dest()...)...)
	if err != nil {
		return connection.Connection{}, connection.Token{}, connErr(err)
	}
	t, err := r.token()
	return c, t, err
}

// Tokens implements connection.Store.
func (s *ConnectionStore) Tokens(ctx context.Context, tenant string) ([]connection.Token, error) {
	out, err := queryRows(ctx, s.db.sql, func(sc interface{ Scan(...any) error }) (connection.Token, error) {
		var r tokenRow
		if err := sc.Scan(r.dest()...); err != nil {
			return connection.Token{}, err
		}
		return r.token()
	}, s.db.q(`SELECT `+tokenCols+` FROM scim_tokens t WHERE t.tenant_id = ? ORDER BY t.created_at, t.id`), tenant)
	if out == nil && err == nil {
		out = []connection.Token{}
	}
	return out, connErr(err)
}

// RevokeToken implements connection.Store: the condition keeps the first
// revocation's time.
func (s *ConnectionStore) RevokeToken(ctx context.Context, tenant, id string, at time.Time) error {
	db := s.db
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE scim_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ?`),
		db.connTimeArg(at), tenant, id)
	if err != nil {
		return connErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return connErr(err)
	} else if n == 0 {
		return connection.ErrNotFound
	}
	return nil
}

// TouchTokens implements connection.Store, in one transaction; the
// condition on the stored time never moves it back, whatever another
// replica wrote.
func (s *ConnectionStore) TouchTokens(ctx context.Context, uses []connection.Use) error {
	db := s.db
	return connErr(db.tx(ctx, func(tx *sql.Tx) error {
		for _, u := range uses {
			at := db.connTimeArg(u.At)
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE scim_tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)`),
				at, u.ID, at); err != nil {
				return err
			}
		}
		return nil
	}))
}
