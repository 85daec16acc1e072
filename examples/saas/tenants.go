package main

import (
	"context"
	"database/sql"
	"errors"
)

// Tenant is a customer organisation of the SaaS app.
type Tenant struct {
	ID   string
	Name string
	// SCIMTokenHash is the hex SHA-256 of the tenant's SCIM Secret Token,
	// or "" for none. The token itself is never stored.
	SCIMTokenHash string
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

func scanTenant(row interface{ Scan(...any) error }) (t Tenant, err error) {
	return t, row.Scan(&t.ID, &t.Name, &t.SCIMTokenHash)
}

// tenantWhere returns the tenant whose column col is v, or ErrNoRows.
func (db *DB) tenantWhere(ctx context.Context, col, v string) (Tenant, error) {
	t, err := scanTenant(db.sql.QueryRowContext(ctx, db.q(`SELECT `+tenantCols+` FROM tenants WHERE `+col+` = ?`), v))
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, ErrNoRows
	}
	return t, err
}

// TenantByID returns the tenant, or ErrNoRows.
func (db *DB) TenantByID(ctx context.Context, id string) (Tenant, error) {
	return db.tenantWhere(ctx, "id", id)
}

// TenantByTokenHash returns the tenant whose Secret Token has the hash, or
// ErrNoRows.
func (db *DB) TenantByTokenHash(ctx context.Context, hash string) (Tenant, error) {
	if hash == "" {
		return Tenant{}, ErrNoRows
	}
	return db.tenantWhere(ctx, "scim_token_hash", hash)
}

// Tenants returns every tenant in creation order.
func (db *DB) Tenants(ctx context.Context) ([]Tenant, error) {
	return queryRows(ctx, db.sql, scanTenant, `SELECT `+tenantCols+` FROM tenants ORDER BY seq`)
}
