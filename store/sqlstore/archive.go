package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scim/store"
)

var _ store.UserArchiver = (*Store)(nil)

// ArchiveUser implements [store.UserArchiver] in one transaction: the
// user's row is deleted from scim_users (conditioned on version, which
// locks it, so of two replicas archiving or deleting one user the second
// finds no row: ErrNotFound), written to scim_archived_users with active
// false, and its memberships are dropped as DeleteUser drops them. Moving
// the row, rather than marking it, keeps every read of scim_users as it
// is and frees the unique userName index without a condition on it.
func (s *Store) ArchiveUser(ctx context.Context, id, version string, at time.Time) (err error) {
	defer classify(&err)
	query, args := ifVersion("DELETE FROM scim_users WHERE tenant = $1 AND id = $2", []any{store.TenantFrom(ctx), id}, version)
	return s.write(ctx, func(ctx context.Context, q querier) error {
		u, err := users.scan(q.QueryRowContext(ctx, s.rebind(query+" RETURNING "+rowCols), args...))
		if errors.Is(err, sql.ErrNoRows) {
			return s.missingOrStale(ctx, q, "scim_users", id)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: archive user: %w", err)
		}
		v, _ := parseVersion(u.Meta.Version)
		u.Active, u.Meta.LastModified = new(bool), at
		data, err := encodeUser(u)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, s.rebind(`INSERT INTO scim_archived_users
			(tenant, id, user_name, external_id, data, version, created, last_modified, archived)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`),
			store.TenantFrom(ctx), id, u.UserName, nullStr(u.ExternalID), data, v+1,
			timeText(u.Meta.Created), timeText(at), timeText(at)); err != nil {
			return fmt.Errorf("sqlstore: archive user: %w", mapErr(err))
		}
		if err := s.dropMember(ctx, q, id); err != nil {
			return err
		}
		return s.writeEvents(ctx, q, versionText(v+1))
	})
}

// archivedCols are the columns scanArchived reads: rowCols, then archived.
const archivedCols = rowCols + ", archived"

// scanFunc is a scanner made of a function.
type scanFunc func(dest ...any) error

// Scan implements scanner.
func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// scanArchived reads one row of archivedCols.
func scanArchived(sc scanner) (store.ArchivedUser, error) {
	var archived sql.NullString
	u, err := users.scan(scanFunc(func(dest ...any) error { return sc.Scan(append(dest, &archived)...) }))
	if err != nil {
		return store.ArchivedUser{}, err
	}
	return store.ArchivedUser{User: u, Archived: parseTime(archived)}, nil
}

// GetArchivedUser implements [store.UserArchiver].
func (s *Store) GetArchivedUser(ctx context.Context, id string) (_ store.ArchivedUser, err error) {
	defer classify(&err)
	a, err := scanArchived(s.q(ctx).QueryRowContext(ctx,
		s.rebind("SELECT "+archivedCols+" FROM scim_archived_users WHERE tenant = $1 AND id = $2"), store.TenantFrom(ctx), id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.ArchivedUser{}, store.ErrNotFound
	}
	if err != nil {
		return store.ArchivedUser{}, fmt.Errorf("sqlstore: get archived user: %w", err)
	}
	return a, nil
}

// ListArchivedUsers implements [store.UserArchiver]: archived users in the
// order they were archived, then by id.
func (s *Store) ListArchivedUsers(ctx context.Context, p store.Page) (_ store.ArchivedUserList, err error) {
	defer classify(&err)
	q, tenant := s.q(ctx), store.TenantFrom(ctx)
	out := store.ArchivedUserList{Resources: []store.ArchivedUser{}}
	if err := q.QueryRowContext(ctx, s.rebind("SELECT COUNT(*) FROM scim_archived_users WHERE tenant = $1"), tenant).Scan(&out.TotalResults); err != nil {
		return store.ArchivedUserList{}, fmt.Errorf("sqlstore: list archived users: %w", err)
	}
	offset, limit := window(p)
	if limit == 0 || offset >= out.TotalResults {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, s.rebind("SELECT "+archivedCols+` FROM scim_archived_users WHERE tenant = $1
		ORDER BY archived, id LIMIT $2 OFFSET $3`), tenant, limit, offset)
	if err != nil {
		return store.ArchivedUserList{}, fmt.Errorf("sqlstore: list archived users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanArchived(rows)
		if err != nil {
			return store.ArchivedUserList{}, fmt.Errorf("sqlstore: list archived users: %w", err)
		}
		out.Resources = append(out.Resources, a)
	}
	if err := rows.Err(); err != nil {
		return store.ArchivedUserList{}, fmt.Errorf("sqlstore: list archived users: %w", err)
	}
	return out, nil
}

// archivedIDTaken returns ErrConflict if id is an archived user's: an
// archived id stays taken. CreateUser calls it on PostgreSQL after its
// INSERT, in the same transaction, so that a create that waited for a
// concurrent ArchiveUser of the id sees the archived row: the INSERT's
// own snapshot, taken before it waited, does not have it, which is why
// the check is not a condition of the INSERT there.
func (s *Store) archivedIDTaken(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, s.rebind("SELECT 1 FROM scim_archived_users WHERE tenant = $1 AND id = $2"), store.TenantFrom(ctx), id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("sqlstore: create user: %w", err)
	}
	return archivedIDErr(id)
}

// archivedIDErr is the ErrConflict of a create of an archived user's id.
func archivedIDErr(id string) error {
	return fmt.Errorf("sqlstore: create user: %w: id %q is an archived user's", store.ErrConflict, id)
}
