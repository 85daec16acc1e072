package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
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
	// SCIMRemovedAt is when the identity provider deleted the account
	// under the connection's DELETE policy "deactivate" (ArchiveAccount),
	// zero while SCIM sees it. A removed account is kept, disabled, as the
	// app's record: SCIM no longer sees it, its email no longer holds the
	// login (another account may take it), and UpdateAccount and
	// DeleteAccount answer ErrNoRows for it.
	SCIMRemovedAt time.Time
}

// Status is the account's state as the app's pages show it.
func (a *Account) Status() string {
	switch {
	case !a.SCIMRemovedAt.IsZero():
		return "deactivated (removed by SCIM)"
	case a.Disabled:
		return "deactivated"
	}
	return "active"
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
	manager_id, disabled, created_at, updated_at, version, scim_external_id, scim_extra, scim_active, scim_removed_at`

// scanAccount reads one row of accountCols.
func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var extra string
	var active sql.NullBool
	err := row.Scan(&a.TenantID, &a.ID, &a.Email, &a.GivenName, &a.FamilyName, &a.FullName, &a.JobTitle, &a.Department,
		&a.ManagerID, &a.Disabled, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.Version, &a.SCIMExternalID, &extra, &active,
		nullTimeCol{&a.SCIMRemovedAt})
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

// AccountTeams returns the account with id, as AccountByID does, and the
// teams it is a member of, in team creation order, holding only their
// ID, TenantID and Name: on PostgreSQL in one statement (the teams a
// column of the account's row), on SQLite in two, which in process cost
// less than the one with a subquery.
func (db *DB) AccountTeams(ctx context.Context, tenantID, id string) (Account, []Team, error) {
	if db.dialect != postgresDialect {
		a, err := db.AccountByID(ctx, tenantID, id)
		if err != nil {
			return Account{}, nil, err
		}
		teams, err := db.TeamsOfAccount(ctx, tenantID, id)
		return a, teams, err
	}
	var teams []byte
	a, err := scanAccount(suffixScanner{db.sql.QueryRowContext(ctx, `SELECT `+accountCols+`, `+pgTeamRefs("a.tenant_id", "a.id")+
		` FROM accounts a WHERE tenant_id = $1 AND id = $2`, tenantID, id), &teams})
	if err != nil {
		return Account{}, nil, err
	}
	refs, err := decodeTeamRefs(tenantID, teams)
	return a, refs, err
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
	rows, total, _, err := db.FindAccounts(ctx, tenantID, "", nil, Window{Offset: offset, Limit: limit})
	return rows, total, err
}

// FindAccounts returns the accounts of the tenant in window w, in
// creation order, that satisfy the SQL condition where over the columns
// of accounts ("" for all), the number of accounts that satisfy it, and
// the seq to continue after when more follow (see find). where takes
// args through the dialect's placeholders: "?" on SQLite, $2, $3, ... on
// PostgreSQL ($1 is the tenant; see WhereFirstArg).
func (db *DB) FindAccounts(ctx context.Context, tenantID, where string, args []any, w Window) ([]Account, int, int64, error) {
	return find(ctx, db, "accounts", accountCols, scanAccount, tenantID, where, args, w)
}

// FindAccountsTeams is FindAccounts that also returns the teams of each
// account found, by account ID, as AccountTeams does: on PostgreSQL as a
// column of the page's statement, on SQLite by TeamsOfAccounts.
func (db *DB) FindAccountsTeams(ctx context.Context, tenantID, where string, args []any, w Window) ([]Account, map[string][]Team, int, int64, error) {
	if db.dialect != postgresDialect {
		rows, total, next, err := db.FindAccounts(ctx, tenantID, where, args, w)
		if err != nil || len(rows) == 0 {
			return rows, nil, total, next, err
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		teams, err := db.TeamsOfAccounts(ctx, tenantID, ids)
		return rows, teams, total, next, err
	}
	type withTeams struct {
		a     Account
		teams []Team
	}
	found, total, next, err := find(ctx, db, "accounts", accountCols+", "+pgTeamRefs("accounts.tenant_id", "accounts.id"),
		func(row interface{ Scan(...any) error }) (r withTeams, err error) {
			var teams []byte
			if r.a, err = scanAccount(suffixScanner{row, &teams}); err != nil {
				return r, err
			}
			r.teams, err = decodeTeamRefs(tenantID, teams)
			return r, err
		}, tenantID, where, args, w)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	rows, teams := make([]Account, len(found)), make(map[string][]Team, len(found))
	for i, r := range found {
		rows[i], teams[r.a.ID] = r.a, r.teams
	}
	return rows, teams, total, next, nil
}

// InsertAccount inserts a new account with Version 1 and returns it. It
// returns ErrDuplicateKey if the ID exists and ErrEmailTaken if another
// account of the tenant has the email: the unique indexes decide, so two
// concurrent inserts of one email give one success. The outbox rows out
// are written in the same transaction, with version 1.
func (db *DB) InsertAccount(ctx context.Context, a Account, out ...OutboxRow) (Account, error) {
	a.CreatedAt, a.UpdatedAt, a.Version = db.created(a.CreatedAt, a.UpdatedAt)
	insert := `INSERT INTO accounts (tenant_id, id, email, email_folded, given_name,
			family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version,
			scim_external_id, scim_extra, scim_active, display_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{a.TenantID, a.ID, a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle,
		a.Department, a.ManagerID, a.Disabled, db.timeArg(a.CreatedAt), db.timeArg(a.UpdatedAt), a.Version,
		a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive), displayKey(&a)}
	if db.dialect == postgresDialect {
		if q, qargs, ok := db.writeOneSQL(insert+` RETURNING version`, args, "version", out); ok {
			if err := db.sql.QueryRowContext(ctx, q, qargs...).Scan(&a.Version); err != nil {
				return Account{}, insertErr(err)
			}
			return a, nil
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(insert), args...); err != nil {
			return insertErr(err)
		}
		return db.writeOutbox(ctx, tx, out, strconv.FormatInt(a.Version, 10))
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// UpdateAccount replaces the row a.ID with a, keeping CreatedAt, and
// increments Version. If expectedVersion is not 0 and the row's Version
// differs, it returns ErrStaleVersion (UPDATE ... WHERE version = ?). It
// returns ErrNoRows if there is no such account and ErrEmailTaken if
// another account has the new email. The outbox rows out are written in
// the same transaction, with the new version.
func (db *DB) UpdateAccount(ctx context.Context, a Account, expectedVersion int64, out ...OutboxRow) (Account, error) {
	a, _, err := db.updateAccount(ctx, a, expectedVersion, false, out)
	return a, err
}

// UpdateAccountTeams is UpdateAccount that also returns the teams the
// account is a member of after the write, as AccountTeams does: on
// PostgreSQL read by the UPDATE statement itself.
func (db *DB) UpdateAccountTeams(ctx context.Context, a Account, expectedVersion int64, out ...OutboxRow) (Account, []Team, error) {
	return db.updateAccount(ctx, a, expectedVersion, true, out)
}

func (db *DB) updateAccount(ctx context.Context, a Account, expectedVersion int64, withTeams bool, out []OutboxRow) (Account, []Team, error) {
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = db.now()
	}
	a.UpdatedAt = db.stamp(a.UpdatedAt)
	update := `UPDATE accounts SET email = ?, email_folded = ?, given_name = ?,
			family_name = ?, full_name = ?, job_title = ?, department = ?, manager_id = ?, disabled = ?,
			updated_at = ?, version = version + 1, scim_external_id = ?, scim_extra = ?, scim_active = ?, display_folded = ?
			WHERE tenant_id = ? AND id = ? AND ` + scimVisible + ` AND (? = 0 OR version = ?)
			RETURNING created_at, version`
	args := []any{a.Email, emailKey(a.Email), a.GivenName, a.FamilyName, a.FullName, a.JobTitle, a.Department, a.ManagerID,
		a.Disabled, db.timeArg(a.UpdatedAt), a.SCIMExternalID, string(a.SCIMExtra), nullBool(a.SCIMActive), displayKey(&a),
		a.TenantID, a.ID, expectedVersion, expectedVersion}
	var teams []byte
	scan := func(q querier, row *sql.Row, dest ...any) error {
		err := row.Scan(append([]any{timeCol{&a.CreatedAt}, &a.Version}, dest...)...)
		if errors.Is(err, sql.ErrNoRows) {
			return db.accountVersionErr(ctx, q, a.TenantID, a.ID)
		}
		if err != nil {
			return insertErr(err)
		}
		return nil
	}
	if db.dialect == postgresDialect {
		update, cols, dest := update, "created_at, version", []any(nil)
		if withTeams {
			update += ", " + pgTeamRefs("accounts.tenant_id", "accounts.id") + " AS teams"
			cols, dest = cols+", teams", []any{&teams}
		}
		if q, qargs, ok := db.writeOneSQL(update, args, cols, out); ok {
			if err := scan(db.sql, db.sql.QueryRowContext(ctx, q, qargs...), dest...); err != nil {
				return Account{}, nil, err
			}
			if !withTeams {
				return a, nil, nil
			}
			refs, err := decodeTeamRefs(a.TenantID, teams)
			return a, refs, err
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := scan(tx, tx.QueryRowContext(ctx, db.q(update), args...)); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, strconv.FormatInt(a.Version, 10))
	})
	if err != nil || !withTeams {
		return a, nil, err
	}
	refs, err := db.TeamsOfAccount(ctx, a.TenantID, a.ID)
	return a, refs, err
}

// DeleteAccount deletes the account and its team memberships, bumping
// the version of each team it left, in one transaction. expectedVersion
// works as in UpdateAccount; the outbox rows out are written in the same
// transaction, without a version.
func (db *DB) DeleteAccount(ctx context.Context, tenantID, id string, expectedVersion int64, out ...OutboxRow) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM accounts WHERE tenant_id = ? AND id = ? AND `+scimVisible+`
			AND (? = 0 OR version = ?)`), tenantID, id, expectedVersion, expectedVersion)
		if err := db.checkAccountWritten(ctx, tx, res, err, tenantID, id); err != nil {
			return err
		}
		if err := db.dropMember(ctx, tx, tenantID, TeamMember{ID: id}); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, "")
	})
}

// scimVisible is the condition on accounts of the accounts SCIM sees: not
// removed by ArchiveAccount.
const scimVisible = `scim_removed_at IS NULL`

// scimRemoved is the condition of the accounts ArchiveAccount removed.
const scimRemoved = `scim_removed_at IS NOT NULL`

// removedKey is the email_folded of an account SCIM removed: it holds the
// unique (tenant_id, email_folded) index for the account alone (ids are
// unique per tenant), and it is no login's key, since filter.Fold keys
// have no ASCII capitals. The account's email then belongs to no login,
// and the identity provider can create an account with it again.
func removedKey(id string) string { return "SCIM-REMOVED " + id }

// ArchiveAccount removes the account from SCIM and keeps it, in one
// transaction: the account is disabled, its scim_active set to false,
// SCIMRemovedAt and UpdatedAt set to at, its email released (removedKey)
// and its Version incremented, and it leaves every team, each of which
// gets a new version. expectedVersion works as in UpdateAccount; an
// account removed already is ErrNoRows, so of two replicas removing one
// account at once one succeeds. The outbox rows out are written in the
// same transaction, without a version: to SCIM the account is deleted.
func (db *DB) ArchiveAccount(ctx context.Context, tenantID, id string, expectedVersion int64, at time.Time, out ...OutboxRow) error {
	at = db.stamp(at)
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE accounts SET disabled = TRUE, scim_active = FALSE, email_folded = ?,
			scim_removed_at = ?, updated_at = ?, version = version + 1
			WHERE tenant_id = ? AND id = ? AND `+scimVisible+` AND (? = 0 OR version = ?)`),
			removedKey(id), db.timeArg(at), db.timeArg(at), tenantID, id, expectedVersion, expectedVersion)
		if err := db.checkAccountWritten(ctx, tx, res, err, tenantID, id); err != nil {
			return err
		}
		if err := db.dropMember(ctx, tx, tenantID, TeamMember{ID: id}); err != nil {
			return err
		}
		return db.writeOutbox(ctx, tx, out, "")
	})
}

// RemovedAccounts returns up to limit accounts of the tenant that SCIM
// removed (ArchiveAccount), from offset in creation order, and their
// number.
func (db *DB) RemovedAccounts(ctx context.Context, tenantID string, offset, limit int) ([]Account, int, error) {
	rows, total, _, err := db.FindAccounts(ctx, tenantID, scimRemoved, nil, Window{Offset: offset, Limit: limit})
	return rows, total, err
}

// checkAccountWritten explains a conditioned write of the account (the
// result res and error err of its statement) that touched no row.
func (db *DB) checkAccountWritten(ctx context.Context, q querier, res sql.Result, err error, tenantID, id string) error {
	if err != nil {
		return insertErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.accountVersionErr(ctx, q, tenantID, id)
	}
	return nil
}

// accountVersionErr is versionErr for accounts: ErrNoRows if the account
// is gone or removed by SCIM, else ErrStaleVersion.
func (db *DB) accountVersionErr(ctx context.Context, q querier, tenantID, id string) error {
	var removed bool
	err := q.QueryRowContext(ctx, db.q(`SELECT scim_removed_at IS NOT NULL FROM accounts WHERE tenant_id = ? AND id = ?`), tenantID, id).Scan(&removed)
	switch {
	case errors.Is(err, sql.ErrNoRows), err == nil && removed:
		return ErrNoRows
	case err != nil:
		return err
	}
	return ErrStaleVersion
}

// nullTimeCol scans a nullable timestamp column: NULL is the zero time.
type nullTimeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = time.Time{}
		return nil
	}
	return timeCol(c).Scan(src)
}
