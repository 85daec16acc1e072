package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
)

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

// emailKey is the key of the unique email index and of team names,
// filter.Fold, computed in Go rather than with lower(): SQLite's lower()
// folds ASCII only, PostgreSQL's depends on the database's locale. Two
// emails have the same key exactly when strings.EqualFold says they are
// equal, which is how SCIM compares userName (RFC 7643 §4.1.1, caseExact
// false) and what sqlstore.Translate compares email_folded with.
func emailKey(s string) string { return filter.Fold(s) }

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
	return find(ctx, db, "accounts", accountCols, scanAccount, tenantID, where, args, offset, limit)
}

// InsertAccount inserts a new account with Version 1 and returns it. It
// returns ErrDuplicateKey if the ID exists and ErrEmailTaken if another
// account of the tenant has the email: the unique indexes decide, so two
// concurrent inserts of one email give one success.
func (db *DB) InsertAccount(ctx context.Context, a Account) (Account, error) {
	a.CreatedAt, a.UpdatedAt, a.Version = db.created(a.CreatedAt, a.UpdatedAt)
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name,
		family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version,
		scim_external_id, scim_extra, scim_active, display_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.TenantID, a.ID, a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle,
		a.Department, a.ManagerID, a.Disabled, db.timeArg(a.CreatedAt), db.timeArg(a.UpdatedAt), a.Version,
		a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive), displayKey(&a))
	if err != nil {
		return Account{}, insertErr(err)
	}
	return a, nil
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
		updated_at = ?, version = version + 1, scim_external_id = ?, scim_extra = ?, scim_active = ?, display_folded = ?
		WHERE tenant_id = ? AND id = ? AND (? = 0 OR version = ?)
		RETURNING created_at, version`),
		a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle, a.Department, a.ManagerID,
		a.Disabled, db.timeArg(a.UpdatedAt), a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive), displayKey(&a),
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
		if err := db.deleteRow(ctx, tx, "accounts", tenantID, id, expectedVersion); err != nil {
			return err
		}
		return db.dropMember(ctx, tx, tenantID, TeamMember{ID: id})
	})
}
