package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

var errNoID = errors.New("sqlstore: resource without an id")

// GetUser implements [store.Users].
func (s *Store) GetUser(ctx context.Context, id string) (_ *resource.User, err error) {
	defer classify(&err)
	q := s.q(ctx)
	u, err := users.get(ctx, s, q, id)
	if err != nil {
		return nil, err
	}
	if err := s.withGroups(ctx, q, []*resource.User{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// userArgs returns the parameters of a write of u: tenant, id,
// user_name, user_name_folded, external_id, display_name, active, data,
// created, last_modified.
func userArgs(ctx context.Context, u *resource.User) ([]any, error) {
	if u == nil || u.ID == "" {
		return nil, errNoID
	}
	data, err := encodeUser(u)
	if err != nil {
		return nil, err
	}
	var active any
	if u.Active != nil {
		active = *u.Active
	}
	return []any{store.TenantFrom(ctx), u.ID, u.UserName, fold(u.UserName), nullStr(u.ExternalID), nullStr(u.DisplayName), active, data,
		timeText(u.Meta.Created), timeText(u.Meta.LastModified)}, nil
}

// CreateUser implements [store.Users]. u.Groups is ignored (groups are
// derived from membership) and u.Password is not stored. A taken id or
// userName is refused by the database's unique indexes, so concurrent
// creates of one userName give exactly one success and one ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *resource.User) (_ *resource.User, err error) {
	defer classify(&err)
	args, err := userArgs(ctx, u)
	if err != nil {
		return nil, err
	}
	var out *resource.User
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		_, folded, err := s.execWrite(ctx, q, `INSERT INTO scim_users
			(tenant, id, user_name, user_name_folded, external_id, display_name, active, data, created, last_modified, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)`, args, true)
		if err != nil {
			return fmt.Errorf("sqlstore: create user: %w", mapErr(err))
		}
		if err := s.archivedIDTaken(ctx, q, u.ID); err != nil {
			return err
		}
		// A new user is in no group (a member must exist when it is
		// added, and a deleted user leaves its groups), so its groups
		// are not read.
		if out, err = users.get(ctx, s, q, u.ID); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, out.Meta.Version)
	})
	return out, err
}

// ReplaceUser implements [store.Users] with one conditional UPDATE
// (... WHERE version = $v).
func (s *Store) ReplaceUser(ctx context.Context, u *resource.User, version string) (_ *resource.User, err error) {
	defer classify(&err)
	args, err := userArgs(ctx, u)
	if err != nil {
		return nil, err
	}
	query := `UPDATE scim_users SET user_name = $3, user_name_folded = $4, external_id = $5, display_name = $6,
		active = $7, data = $8, created = $9, last_modified = $10, version = version + 1
		WHERE tenant = $1 AND id = $2`
	query, args = ifVersion(query, args, version)
	var out *resource.User
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		folded, err := s.updateRow(ctx, q, "replace user", query, args, "scim_users", u.ID)
		if err != nil {
			return err
		}
		if out, err = s.GetUser(ctx, u.ID); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, out.Meta.Version)
	})
	return out, err
}

// updateRow runs query, an UPDATE of the row id of table conditioned on
// its version (the write being op), with execWrite: ErrNotFound or
// ErrPreconditionFailed when it touched no row. folded reports whether
// it wrote the events of ctx.
func (s *Store) updateRow(ctx context.Context, q querier, op, query string, args []any, table, id string) (folded bool, err error) {
	res, folded, err := s.execWrite(ctx, q, query, args, true)
	if err != nil {
		return false, fmt.Errorf("sqlstore: %s: %w", op, mapErr(err))
	}
	return folded, s.checkWritten(ctx, q, res, table, id)
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
		folded, err := s.deleteRow(ctx, q, "scim_users", id, version)
		if err != nil {
			return err
		}
		if err := s.dropMember(ctx, q, id); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, "")
	})
}

// deleteRow deletes the row id of table (scim_users or scim_groups) in
// the tenant, conditioned on version unless it is "", with execWrite:
// ErrNotFound or ErrPreconditionFailed when no row was deleted. folded
// reports whether it wrote the events of ctx.
func (s *Store) deleteRow(ctx context.Context, q querier, table, id, version string) (folded bool, err error) {
	query, args := ifVersion("DELETE FROM "+table+" WHERE tenant = $1 AND id = $2", []any{store.TenantFrom(ctx), id}, version)
	res, folded, err := s.execWrite(ctx, q, query, args, false)
	if err != nil {
		return false, fmt.Errorf("sqlstore: delete from %s: %w", table, err)
	}
	return folded, s.checkWritten(ctx, q, res, table, id)
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
// query per inChunk users.
func (s *Store) withGroups(ctx context.Context, q querier, us []*resource.User) error {
	byID := make(map[string]*resource.User, len(us))
	ids := make([]string, len(us))
	for i, u := range us {
		byID[u.ID], ids[i] = u, u.ID
	}
	return s.queryIn(ctx, q, "user groups", []any{store.TenantFrom(ctx)}, ids,
		func(in string) string {
			return s.rebind(`SELECT m.member_id, g.id, g.display_name
			FROM scim_group_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id
			WHERE m.tenant = $1 AND m.member_id IN (` + in + `)
			ORDER BY g.created, g.id`)
		},
		func(scan func(...any) error) error {
			var member, gid, display string
			if err := scan(&member, &gid, &display); err != nil {
				return err
			}
			if u := byID[member]; u != nil {
				u.Groups = append(u.Groups, resource.GroupRef{Value: gid, Display: display, Type: "direct"})
			}
			return nil
		})
}
