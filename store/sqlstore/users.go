package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

var errNoID = errors.New("sqlstore: resource without an id")

const userCols = "id, data, version, created, last_modified"

// scanUser reads one row of userCols.
func scanUser(sc interface{ Scan(...any) error }) (*resource.User, error) {
	var (
		u                 resource.User
		data              []byte
		version           int64
		created, modified sql.NullString
	)
	if err := sc.Scan(&u.ID, &data, &version, &created, &modified); err != nil {
		return nil, err
	}
	if err := decodeUser(data, &u); err != nil {
		return nil, err
	}
	u.Meta = resource.Meta{ResourceType: "User", Created: parseTime(created), LastModified: parseTime(modified), Version: versionText(version)}
	return &u, nil
}

// GetUser implements [store.Users].
func (s *Store) GetUser(ctx context.Context, id string) (_ *resource.User, err error) {
	defer classify(&err)
	q := s.q(ctx)
	row := q.QueryRowContext(ctx, s.rebind("SELECT "+userCols+" FROM scim_users WHERE tenant = $1 AND id = $2"), store.TenantFrom(ctx), id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: get user: %w", err)
	}
	if err := s.withGroups(ctx, q, []*resource.User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// userArgs returns the column values of u after tenant and id: user_name,
// user_name_folded, external_id, display_name, active, data, created,
// last_modified.
func userArgs(u *resource.User) ([]any, error) {
	data, err := encodeUser(u)
	if err != nil {
		return nil, err
	}
	var active any
	if u.Active != nil {
		active = *u.Active
	}
	return []any{u.UserName, fold(u.UserName), nullStr(u.ExternalID), nullStr(u.DisplayName), active, data,
		timeText(u.Meta.Created), timeText(u.Meta.LastModified)}, nil
}

// CreateUser implements [store.Users]. u.Groups is ignored (groups are
// derived from membership) and u.Password is not stored. A taken id or
// userName is refused by the database's unique indexes, so concurrent
// creates of one userName give exactly one success and one ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *resource.User) (_ *resource.User, err error) {
	defer classify(&err)
	if u == nil || u.ID == "" {
		return nil, errNoID
	}
	args, err := userArgs(u)
	if err != nil {
		return nil, err
	}
	args = append([]any{store.TenantFrom(ctx), u.ID}, args...)
	var out *resource.User
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		_, err := q.ExecContext(ctx, s.rebind(`INSERT INTO scim_users
			(tenant, id, user_name, user_name_folded, external_id, display_name, active, data, created, last_modified, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)`), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: create user: %w", mapErr(err))
		}
		out, err = s.GetUser(ctx, u.ID)
		return err
	})
	return out, err
}

// ReplaceUser implements [store.Users] with one conditional UPDATE
// (... WHERE version = $v).
func (s *Store) ReplaceUser(ctx context.Context, u *resource.User, version string) (_ *resource.User, err error) {
	defer classify(&err)
	if u == nil || u.ID == "" {
		return nil, errNoID
	}
	args, err := userArgs(u)
	if err != nil {
		return nil, err
	}
	args = append([]any{store.TenantFrom(ctx), u.ID}, args...)
	query := `UPDATE scim_users SET user_name = $3, user_name_folded = $4, external_id = $5, display_name = $6,
		active = $7, data = $8, created = $9, last_modified = $10, version = version + 1
		WHERE tenant = $1 AND id = $2`
	if version != "" {
		v, ok := parseVersion(version)
		if !ok {
			v = -1
		}
		query += " AND version = $11"
		args = append(args, v)
	}
	var out *resource.User
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.ExecContext(ctx, s.rebind(query), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: replace user: %w", mapErr(err))
		}
		if err := s.checkWritten(ctx, q, res, "scim_users", u.ID); err != nil {
			return err
		}
		out, err = s.GetUser(ctx, u.ID)
		return err
	})
	return out, err
}

// checkWritten turns an UPDATE or DELETE that touched no row into
// ErrNotFound or ErrPreconditionFailed.
func (s *Store) checkWritten(ctx context.Context, q querier, res sql.Result, table, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	if n > 0 {
		return nil
	}
	return s.missingOrStale(ctx, q, table, id)
}

func (s *Store) missingOrStale(ctx context.Context, q querier, table, id string) error {
	var one int
	err := q.QueryRowContext(ctx, s.rebind("SELECT 1 FROM "+table+" WHERE tenant = $1 AND id = $2"), store.TenantFrom(ctx), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlstore: %w", err)
	}
	return store.ErrPreconditionFailed
}

// DeleteUser implements [store.Users]. The groups the user was a member of
// lose the member and get a new version and Meta.LastModified.
func (s *Store) DeleteUser(ctx context.Context, id, version string) (err error) {
	defer classify(&err)
	return s.write(ctx, func(ctx context.Context, q querier) error {
		if err := s.deleteRow(ctx, q, "scim_users", id, version); err != nil {
			return err
		}
		return s.dropMember(ctx, q, id)
	})
}

// deleteRow deletes the row id of table (scim_users or scim_groups) in
// the tenant, conditioned on version unless it is "": ErrNotFound or
// ErrPreconditionFailed when no row was deleted.
func (s *Store) deleteRow(ctx context.Context, q querier, table, id, version string) error {
	query := "DELETE FROM " + table + " WHERE tenant = $1 AND id = $2"
	args := []any{store.TenantFrom(ctx), id}
	if version != "" {
		v, ok := parseVersion(version)
		if !ok {
			v = -1
		}
		query += " AND version = $3"
		args = append(args, v)
	}
	res, err := q.ExecContext(ctx, s.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("sqlstore: delete from %s: %w", table, err)
	}
	return s.checkWritten(ctx, q, res, table, id)
}

// dropMember removes member id from every group of the tenant, bumping the
// groups' versions.
func (s *Store) dropMember(ctx context.Context, q querier, id string) error {
	tenant := store.TenantFrom(ctx)
	if _, err := q.ExecContext(ctx, s.rebind(`UPDATE scim_groups SET version = version + 1, last_modified = $3
		WHERE tenant = $1 AND id IN (SELECT group_id FROM scim_group_members WHERE tenant = $1 AND member_id = $2)`),
		tenant, id, timeText(s.now())); err != nil {
		return fmt.Errorf("sqlstore: delete memberships: %w", err)
	}
	if _, err := q.ExecContext(ctx, s.rebind("DELETE FROM scim_group_members WHERE tenant = $1 AND member_id = $2"), tenant, id); err != nil {
		return fmt.Errorf("sqlstore: delete memberships: %w", err)
	}
	return nil
}

// window returns OFFSET and LIMIT of page p (RFC 7644 §3.4.2.4).
func window(p store.Page) (offset, limit int) {
	return max(p.StartIndex, 1) - 1, max(p.Count, 0)
}

// ListUsers implements [store.Users]: users ordered by Meta.Created, then
// id.
func (s *Store) ListUsers(ctx context.Context, p store.Page) (_ store.UserList, err error) {
	defer classify(&err)
	return s.QueryUsers(ctx, store.Query{Page: p})
}

// withGroups derives User.Groups of us from group membership, with one
// query per 500 users.
func (s *Store) withGroups(ctx context.Context, q querier, us []*resource.User) error {
	byID := make(map[string]*resource.User, len(us))
	for _, u := range us {
		byID[u.ID] = u
	}
	tenant := store.TenantFrom(ctx)
	for start := 0; start < len(us); start += 500 {
		chunk := us[start:min(start+500, len(us))]
		args := []any{tenant}
		var in strings.Builder
		for i, u := range chunk {
			if i > 0 {
				in.WriteString(", ")
			}
			args = append(args, u.ID)
			in.WriteString(s.ph(len(args)))
		}
		rows, err := q.QueryContext(ctx, s.rebind(`SELECT m.member_id, g.id, g.display_name
			FROM scim_group_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id
			WHERE m.tenant = $1 AND m.member_id IN (`+in.String()+`)
			ORDER BY g.created, g.id`), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: user groups: %w", err)
		}
		for rows.Next() {
			var member, gid, display string
			if err := rows.Scan(&member, &gid, &display); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: user groups: %w", err)
			}
			if u := byID[member]; u != nil {
				u.Groups = append(u.Groups, resource.GroupRef{Value: gid, Display: display, Type: "direct"})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlstore: user groups: %w", err)
		}
	}
	return nil
}
