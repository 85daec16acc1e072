package main

import (
	"context"
	"database/sql"
	"errors"
)

// Tenant is a customer organisation of the SaaS app, a workspace. Its
// SCIM connection and Secret Tokens are in scim_connections and
// scim_tokens (connections.go).
type Tenant struct {
	ID   string
	Name string
}

// CreateTenant adds a tenant, or renames it if it exists.
func (db *DB) CreateTenant(ctx context.Context, id, name string) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO tenants (id, name) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name`), id, name)
	return err
}

const tenantCols = `id, name`

func scanTenant(row interface{ Scan(...any) error }) (t Tenant, err error) {
	return t, row.Scan(&t.ID, &t.Name)
}

// TenantByID returns the tenant, or ErrNoRows.
func (db *DB) TenantByID(ctx context.Context, id string) (Tenant, error) {
	t, err := scanTenant(db.sql.QueryRowContext(ctx, db.q(`SELECT `+tenantCols+` FROM tenants WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, ErrNoRows
	}
	return t, err
}

// Tenants returns every tenant in creation order.
func (db *DB) Tenants(ctx context.Context) ([]Tenant, error) {
	return queryRows(ctx, db.sql, scanTenant, `SELECT `+tenantCols+` FROM tenants ORDER BY seq`)
}
