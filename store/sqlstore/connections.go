package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scim/connection"
)

// Connections is a [connection.Store] in the store's database, in the
// tables scim_connections and scim_tokens (migration 0004; the
// dry_run column, migration 0008). Tokens are
// kept as the hex SHA-256 hash of the secret and found through a unique
// index on it; uniqueness of token IDs and hashes is the database's, so
// replicas sharing the database are safe. A token whose revoked column
// is not NULL is revoked, whatever the column holds: an UPDATE written by
// hand, such as SET revoked = now(), revokes too, and a value that is not
// a time reads back as revoked at the Unix epoch. Like the Store's, its
// errors wrap store.ErrUnavailable when the database cannot answer, and
// its calls join the transaction of [Store.InTx].
type Connections struct{ s *Store }

// Connections returns the connection store on s's database.
func (s *Store) Connections() *Connections { return &Connections{s: s} }

var _ connection.Store = (*Connections)(nil)

const connectionColumns = "c.tenant, c.enabled, c.profile, c.delete_policy, c.scim_managed, c.dry_run, c.created, c.updated"

const tokenColumns = "t.id, t.tenant, t.hash, t.label, t.hint, t.created, t.last_used, t.revoked"

// Connection implements [connection.Store].
func (cs *Connections) Connection(ctx context.Context, tenant string) (c connection.Connection, err error) {
	defer classify(&err)
	row := cs.s.q(ctx).QueryRowContext(ctx, cs.s.rebind("SELECT "+connectionColumns+" FROM scim_connections c WHERE c.tenant = $1"), tenant)
	c, err = scanConnection(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return connection.Connection{}, fmt.Errorf("sqlstore: connection of tenant %q: %w", tenant, connection.ErrNotFound)
	}
	return c, err
}

// PutConnection implements [connection.Store].
func (cs *Connections) PutConnection(ctx context.Context, c connection.Connection) (err error) {
	defer classify(&err)
	_, err = cs.s.q(ctx).ExecContext(ctx, cs.s.rebind(`INSERT INTO scim_connections
			(tenant, enabled, profile, delete_policy, scim_managed, dry_run, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (tenant) DO UPDATE SET enabled = excluded.enabled, profile = excluded.profile,
			delete_policy = excluded.delete_policy, scim_managed = excluded.scim_managed,
			dry_run = excluded.dry_run, created = excluded.created, updated = excluded.updated`),
		c.Tenant, c.Enabled, string(c.Profile), string(c.DeletePolicy), c.SCIMManaged, c.DryRun, timeText(c.Created), timeText(c.Updated))
	if err != nil {
		return fmt.Errorf("sqlstore: put connection: %w", err)
	}
	return nil
}

// CreateToken implements [connection.Store].
func (cs *Connections) CreateToken(ctx context.Context, t connection.Token) (err error) {
	defer classify(&err)
	_, err = cs.s.q(ctx).ExecContext(ctx, cs.s.rebind(`INSERT INTO scim_tokens
			(id, tenant, hash, label, hint, created, last_used, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`),
		t.ID, t.Tenant, hex.EncodeToString(t.Hash[:]), t.Label, t.Hint, timeText(t.Created), timeText(t.LastUsed), timeText(t.Revoked))
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("sqlstore: create token: %w: %w", connection.ErrConflict, err)
	case err != nil:
		return fmt.Errorf("sqlstore: create token: %w", err)
	}
	return nil
}

// LookupToken implements [connection.Store]: one indexed query joining
// the token to its connection.
func (cs *Connections) LookupToken(ctx context.Context, h connection.Hash) (c connection.Connection, t connection.Token, err error) {
	defer classify(&err)
	row := cs.s.q(ctx).QueryRowContext(ctx, cs.s.rebind("SELECT "+tokenColumns+", "+connectionColumns+
		" FROM scim_tokens t JOIN scim_connections c ON c.tenant = t.tenant WHERE t.hash = $1"), hex.EncodeToString(h[:]))
	var enabled, managed, dryRun bool
	var profile, policy string
	var created, updated sql.NullString
	t, err = scanToken(func(dest ...any) error {
		return row.Scan(append(dest, &c.Tenant, &enabled, &profile, &policy, &managed, &dryRun, &created, &updated)...)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return connection.Connection{}, connection.Token{}, fmt.Errorf("sqlstore: token: %w", connection.ErrNotFound)
	}
	if err != nil {
		return connection.Connection{}, connection.Token{}, err
	}
	c.Enabled, c.Profile, c.DeletePolicy, c.SCIMManaged, c.DryRun = enabled, connection.Profile(profile), connection.DeletePolicy(policy), managed, dryRun
	c.Created, c.Updated = parseTime(created), parseTime(updated)
	return c, t, nil
}

// Tokens implements [connection.Store].
func (cs *Connections) Tokens(ctx context.Context, tenant string) (ts []connection.Token, err error) {
	defer classify(&err)
	rows, err := cs.s.q(ctx).QueryContext(ctx, cs.s.rebind("SELECT "+tokenColumns+" FROM scim_tokens t WHERE t.tenant = $1 ORDER BY t.created, t.id"), tenant)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: tokens: %w", err)
	}
	defer rows.Close()
	ts = []connection.Token{}
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken implements [connection.Store].
func (cs *Connections) RevokeToken(ctx context.Context, tenant, id string, at time.Time) (err error) {
	defer classify(&err)
	res, err := cs.s.q(ctx).ExecContext(ctx, cs.s.rebind("UPDATE scim_tokens SET revoked = COALESCE(revoked, $1) WHERE tenant = $2 AND id = $3"),
		timeText(at), tenant, id)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: revoke token: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlstore: token %q of tenant %q: %w", id, tenant, connection.ErrNotFound)
	}
	return nil
}

// TouchTokens implements [connection.Store], in one transaction; the
// condition on last_used keeps a replica's older use from moving it back.
func (cs *Connections) TouchTokens(ctx context.Context, uses []connection.Use) (err error) {
	defer classify(&err)
	return cs.s.write(ctx, func(ctx context.Context, q querier) error {
		stmt := cs.s.rebind("UPDATE scim_tokens SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used < $1)")
		for _, u := range uses {
			if _, err := q.ExecContext(ctx, stmt, timeText(u.At), u.ID); err != nil {
				return fmt.Errorf("sqlstore: touch tokens: %w", err)
			}
		}
		return nil
	})
}

func scanConnection(scan func(dest ...any) error) (connection.Connection, error) {
	var c connection.Connection
	var profile, policy string
	var created, updated sql.NullString
	if err := scan(&c.Tenant, &c.Enabled, &profile, &policy, &c.SCIMManaged, &c.DryRun, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, err
		}
		return c, fmt.Errorf("sqlstore: connection: %w", err)
	}
	c.Profile, c.DeletePolicy = connection.Profile(profile), connection.DeletePolicy(policy)
	c.Created, c.Updated = parseTime(created), parseTime(updated)
	return c, nil
}

func scanToken(scan func(dest ...any) error) (connection.Token, error) {
	var t connection.Token
	var hash string
	var created, lastUsed, revoked sql.NullString
	if err := scan(&t.ID, &t.Tenant, &hash, &t.Label, &t.Hint, &created, &lastUsed, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, err
		}
		return t, fmt.Errorf("sqlstore: token: %w", err)
	}
	b, err := hex.DecodeString(hash)
	if err != nil || len(b) != len(t.Hash) {
		return t, fmt.Errorf("sqlstore: token %q: stored hash is not hex SHA-256", t.ID)
	}
	copy(t.Hash[:], b)
	t.Created, t.LastUsed, t.Revoked = parseTime(created), parseTime(lastUsed), parseRevoked(revoked)
	return t, nil
}

// revokedAtUnknownTime is the Revoked of a token whose revoked column
// holds a value that is not a time: the token is revoked all the same.
var revokedAtUnknownTime = time.Unix(0, 0).UTC()

// revokedLayouts are the text forms of a time that parseRevoked reads:
// the store's layout, RFC 3339, PostgreSQL's timestamptz cast to text
// (now() assigned to the column) and SQLite's CURRENT_TIMESTAMP. When
// parsing, Go accepts fractional seconds after the seconds of each.
var revokedLayouts = []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z07", "2006-01-02 15:04:05"}

// parseRevoked reads the revoked column and fails closed: any non-NULL
// value revokes the token, so that a hand-written UPDATE (an operator
// revoking tokens with SQL during an incident) can never leave a token
// live because its time is not in the store's layout.
func parseRevoked(v sql.NullString) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	for _, layout := range revokedLayouts {
		if t, err := time.Parse(layout, v.String); err == nil && !t.IsZero() {
			return t.UTC()
		}
	}
	return revokedAtUnknownTime
}
