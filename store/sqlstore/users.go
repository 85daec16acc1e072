package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

var errNoID = errors.New("sqlstore: resource without an id")

// GetUser implements [store.Users]: on PostgreSQL the row and its
// groups in one statement (userCols), on SQLite the row, then its groups
// (see groupsSQL).
func (s *Store) GetUser(ctx context.Context, id string) (_ *resource.User, err error) {
	defer classify(&err)
	q := s.q(ctx)
	if s.dialect == SQLite {
		u, err := users.get(ctx, s, q, id)
		if err != nil {
			return nil, err
		}
		if err := s.withGroups(ctx, q, []*resource.User{u}); err != nil {
			return nil, err
		}
		return u, nil
	}
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+pgUserCols+" FROM scim_users t WHERE tenant = $1 AND id = $2",
		store.TenantFrom(ctx), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: get user: %w", err)
	}
	return u, nil
}

// On PostgreSQL a user's groups come with its row where one user is read
// (GetUser, a lookup, a write's RETURNING), saving a round trip:
// groupsSQL is a column of the direct groups of the scim_users row ref
// (its alias or the table's name), a JSON array of [id, displayName]
// pairs in the order of the groups' creation, then id (NULL for none),
// aggregated by a correlated subquery on scim_group_members_member and
// the groups' primary key. Each group is read by a LATERAL subquery that
// OFFSET 0 keeps from being flattened into a join: on tables without
// statistics (freshly loaded, before autovacuum's ANALYZE) the planner
// joined the groups by tenant alone and filtered on id, reading every
// group of the tenant for each membership; the subquery's parameters are
// the whole primary key, so it is one index probe whatever the estimates
// (TestUserGroupsColumnPlanWithoutStatistics). A statement that returns a
// user reads it last, after rowCols (scanUser). SQLite, in process, has no round trip
// to save: there the groups are a second, small statement (withGroups),
// because a statement with the subquery costs more to prepare than the
// two (about twice the time of both, unprepared, on modernc.org/sqlite;
// as much as both when prepared), which is what its reads cost. A page of
// users that is not a lookup reads their groups with a second statement
// on PostgreSQL too (query.go lookup): the column's aggregate per row cost
// the database more than one join over the page's ids (BenchmarkPageGroups).
func groupsSQL(ref string) string {
	return `(SELECT json_agg(json_build_array(gg.id, gg.display_name) ORDER BY gg.created, gg.id)
		FROM scim_group_members gm CROSS JOIN LATERAL (SELECT g.id, g.display_name, g.created FROM scim_groups g
			WHERE g.tenant = gm.tenant AND g.id = gm.group_id OFFSET 0) gg
		WHERE gm.tenant = ` + ref + `.tenant AND gm.member_id = ` + ref + `.id)`
}

// PostgreSQL's groups column of the row t of a SELECT, the columns
// scanUser reads there, and those as the RETURNING list of a write of
// scim_users.
var (
	pgGroupsCol     = groupsSQL("t")
	pgUserCols      = prefixed(rowCols) + ", " + pgGroupsCol
	pgUserReturning = rowCols + ", " + groupsSQL("scim_users")
)

// groupsCol is the groups column of the user row t, "" on SQLite (see
// groupsSQL).
func (s *Store) groupsCol() string {
	if s.dialect == Postgres {
		return pgGroupsCol
	}
	return ""
}

// scanUser reads one row of rowCols and the groups column, which sets
// User.Groups.
func scanUser(sc scanner) (*resource.User, error) {
	var raw []byte
	u, err := users.scan(scanFunc(func(dest ...any) error { return sc.Scan(append(dest, &raw)...) }))
	if err != nil {
		return nil, err
	}
	if u.Groups, err = decodeGroups(raw); err != nil {
		return nil, fmt.Errorf("sqlstore: decoding the groups of user %q: %w", u.ID, err)
	}
	return u, nil
}

// decodeGroups reads the groups column: NULL for no group, else [id,
// displayName] pairs.
func decodeGroups(raw []byte) ([]resource.GroupRef, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, err
	}
	out := make([]resource.GroupRef, len(pairs))
	for i, p := range pairs {
		out[i] = resource.GroupRef{Value: p[0], Display: p[1], Type: "direct"}
	}
	return out, nil
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
// The INSERT returns the row as stored, without groups (a new user is in
// none: a member must exist when it is added, and a deleted user leaves
// its groups). An archived id stays taken: on SQLite, where one writer
// at a time sees the last commit, the INSERT itself inserts only when no
// archived user has the id; on PostgreSQL archivedIDTaken checks after
// the INSERT (see there why).
func (s *Store) CreateUser(ctx context.Context, u *resource.User) (_ *resource.User, err error) {
	defer classify(&err)
	args, err := userArgs(ctx, u)
	if err != nil {
		return nil, err
	}
	const insert = `INSERT INTO scim_users
		(tenant, id, user_name, user_name_folded, external_id, display_name, active, data, created, last_modified, version) `
	query := insert + `VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)`
	if s.dialect == SQLite {
		query = insert + `SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1
		WHERE NOT EXISTS (SELECT 1 FROM scim_archived_users WHERE tenant = $1 AND id = $2)`
	}
	var out *resource.User
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		folded, err := s.queryWrite(ctx, q, query, args, rowCols, func(sc scanner) (err error) {
			out, err = users.scan(sc)
			return err
		})
		switch {
		case errors.Is(err, sql.ErrNoRows): // SQLite: the id is an archived user's
			return archivedIDErr(u.ID)
		case err != nil:
			return fmt.Errorf("sqlstore: create user: %w", mapErr(err))
		}
		if s.dialect == Postgres {
			if err := s.archivedIDTaken(ctx, q, u.ID); err != nil {
				return err
			}
		}
		if folded {
			return nil
		}
		return s.writeEvents(ctx, q, out.Meta.Version)
	})
	return out, err
}

// ReplaceUser implements [store.Users] with one conditional UPDATE
// (... WHERE version = $v) that returns the row as stored, with its
// groups (in the UPDATE's statement on PostgreSQL, the next one in its
// transaction on SQLite, see groupsSQL), so that a membership change
// committed before it shows.
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
	err = s.writeOne(ctx, func(ctx context.Context, q querier) error {
		returning, scan := pgUserReturning, scanUser
		if s.dialect == SQLite {
			returning, scan = rowCols, users.scan
		}
		folded, err := s.queryWrite(ctx, q, query, args, returning, func(sc scanner) (err error) {
			out, err = scan(sc)
			return err
		})
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return s.missingOrStale(ctx, q, "scim_users", u.ID)
		case err != nil:
			return fmt.Errorf("sqlstore: replace user: %w", mapErr(err))
		}
		if s.dialect == SQLite {
			if err := s.withGroups(ctx, q, []*resource.User{out}); err != nil {
				return err
			}
		}
		if folded {
			return nil
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

// withGroups derives User.Groups of us from group membership: on
// PostgreSQL in one statement, the ids an array parameter (with an IN
// list of placeholders the planner, its estimate of the list's
// selectivity too low, scanned every membership of the tenant rather than
// the member index: 5.0 ms per page of 100 against 2.3 ms), on SQLite
// with one statement per inChunk users.
func (s *Store) withGroups(ctx context.Context, q querier, us []*resource.User) error {
	if len(us) == 0 {
		return nil // an empty page: no round trip
	}
	byID := make(map[string]*resource.User, len(us))
	ids := make([]string, len(us))
	for i, u := range us {
		byID[u.ID], ids[i] = u, u.ID
	}
	if s.dialect == Postgres {
		rows, err := q.QueryContext(ctx, `SELECT m.member_id, g.id, g.display_name
			FROM scim_group_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id
			WHERE m.tenant = $1 AND m.member_id = ANY($2::text[])
			ORDER BY g.created, g.id`, store.TenantFrom(ctx), pgTextArray(ids))
		if err != nil {
			return fmt.Errorf("sqlstore: user groups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var member, gid, display string
			if err := rows.Scan(&member, &gid, &display); err != nil {
				return fmt.Errorf("sqlstore: user groups: %w", err)
			}
			if u := byID[member]; u != nil {
				u.Groups = append(u.Groups, resource.GroupRef{Value: gid, Display: display, Type: "direct"})
			}
		}
		return rows.Err()
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

// pgTextArray is ids as a PostgreSQL array literal, for a text[]
// parameter that any driver binds as text.
func pgTextArray(ids []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range id {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
