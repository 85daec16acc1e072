package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Compile-time checks of the group fast paths beyond those the package
// tests check.
var (
	_ store.GroupAttributesReplacer = (*Store)(nil)
	_ store.MemberResolver          = (*Store)(nil)
	_ store.GroupStreamer           = (*Store)(nil)
)

// GetGroup implements [store.Groups]. With store.WithoutMembers it reads the
// groups table only, never the memberships.
func (s *Store) GetGroup(ctx context.Context, id string, m store.Members) (_ *resource.Group, err error) {
	defer classify(&err)
	q := s.q(ctx)
	g, err := groups.get(ctx, s, q, id)
	if err != nil {
		return nil, err
	}
	if m == store.WithMembers {
		if err := s.withMembers(ctx, q, []*resource.Group{g}); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// StreamGroup implements [store.GroupStreamer] in one read-only
// transaction (REPEATABLE READ on PostgreSQL, a deferred one on SQLite),
// whose snapshot the group row and every batch are read from: the row,
// then the members in batches of size by keyset on the primary key of
// scim_group_members (member_id > the last one read, ORDER BY member_id,
// the order of GetGroup, LIMIT size), each batch's rows closed before
// batch is called. Writers do not wait for it on PostgreSQL and on SQLite
// in WAL mode (the DSN of the package documentation); it holds one
// connection until it ends, so with a pool of one (an in-memory SQLite)
// other calls wait for the stream. In a context of [Store.InTx] it reads
// in that transaction. The errors of head and batch are returned as
// they are, not classified.
func (s *Store) StreamGroup(ctx context.Context, id string, size int, head func(*resource.Group) error, batch func([]resource.Member) error) error {
	var cbErr error // the callbacks' error, returned as is
	err := s.snapshot(ctx, func(q querier) error {
		g, err := groups.get(ctx, s, q, id)
		if err != nil {
			return err
		}
		if cbErr = head(g); cbErr != nil {
			return cbErr
		}
		size = max(size, 1)
		tenant := store.TenantFrom(ctx)
		buf := make([]resource.Member, 0, min(size, 1024))
		for first, after := true, ""; ; first = false {
			var rows *sql.Rows
			if first {
				rows, err = q.QueryContext(ctx, s.rebind(`SELECT member_id, member_type, display FROM scim_group_members
					WHERE tenant = $1 AND group_id = $2 ORDER BY member_id LIMIT $3`), tenant, id, size)
			} else {
				rows, err = q.QueryContext(ctx, s.rebind(`SELECT member_id, member_type, display FROM scim_group_members
					WHERE tenant = $1 AND group_id = $2 AND member_id > $3 ORDER BY member_id LIMIT $4`),
					tenant, id, after, size)
			}
			if err != nil {
				return fmt.Errorf("sqlstore: stream members: %w", err)
			}
			buf = buf[:0]
			for rows.Next() {
				var m resource.Member
				var typ, display sql.NullString
				if err := rows.Scan(&m.Value, &typ, &display); err != nil {
					rows.Close()
					return fmt.Errorf("sqlstore: stream members: %w", err)
				}
				m.Type, m.Display = typ.String, display.String
				buf = append(buf, m)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlstore: stream members: %w", err)
			}
			if len(buf) == 0 {
				return nil
			}
			after = buf[len(buf)-1].Value
			if cbErr = batch(buf); cbErr != nil {
				return cbErr
			}
			if len(buf) < size {
				return nil
			}
		}
	})
	if cbErr != nil {
		return cbErr
	}
	classify(&err)
	return err
}

// snapshot runs fn in the context's transaction, or in a new read-only
// one, rolled back afterwards, that reads one snapshot.
func (s *Store) snapshot(ctx context.Context, fn func(q querier) error) error {
	if st, ok := ctx.Value(txKey{s}).(*txState); ok {
		return fn(st.querier(s))
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	var p txPrepared
	defer s.prepareDue(ctx, &p) // after the rollback below
	defer tx.Rollback()
	return fn(s.txq(tx, &p))
}

// groupArgs returns the parameters of a write of g: tenant, id,
// display_name, display_name_folded, external_id, data, created,
// last_modified, display_name_key.
func groupArgs(ctx context.Context, g *resource.Group) ([]any, error) {
	if g == nil || g.ID == "" {
		return nil, errNoID
	}
	data, err := encodeGroup(g)
	if err != nil {
		return nil, err
	}
	folded := fold(g.DisplayName)
	return []any{store.TenantFrom(ctx), g.ID, g.DisplayName, folded, nullStr(g.ExternalID), data,
		timeText(g.Meta.Created), timeText(g.Meta.LastModified), groupNameKey(ctx, folded)}, nil
}

// CreateGroup implements [store.Groups]. Members are a set: a repeated
// member value is stored once. Unless the context allows duplicate names,
// the group holds its folded displayName in display_name_key, whose unique
// index refuses a concurrent create of the name, after a check that no
// group of the tenant has the name.
func (s *Store) CreateGroup(ctx context.Context, g *resource.Group) (_ *resource.Group, err error) {
	defer classify(&err)
	args, err := groupArgs(ctx, g)
	if err != nil {
		return nil, err
	}
	var out *resource.Group
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		if err := s.checkGroupName(ctx, q, "create", "", g.DisplayName); err != nil {
			return err
		}
		_, folded, err := s.execWrite(ctx, q, `INSERT INTO scim_groups
			(tenant, id, display_name, display_name_folded, external_id, data, created, last_modified, display_name_key, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)`, args, true)
		if err != nil {
			return fmt.Errorf("sqlstore: create group: %w", mapErr(err))
		}
		if err := s.addMembers(ctx, q, g.ID, g.Members); err != nil {
			return err
		}
		if out, err = s.GetGroup(ctx, g.ID, store.WithMembers); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, out.Meta.Version)
	})
	return out, err
}

// ReplaceGroup implements [store.Groups]: a conditional UPDATE of the
// group, then its memberships are rewritten. A group keeps its
// display_name_key while its folded name stays the same; a rename checks
// and takes the new name as CreateGroup does.
func (s *Store) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (_ *resource.Group, err error) {
	defer classify(&err)
	return s.replaceGroup(ctx, g, version, true)
}

// ReplaceGroupAttributes implements [store.GroupAttributesReplacer]: the
// conditional UPDATE of ReplaceGroup, leaving scim_group_members as it is,
// so that its cost does not depend on the number of members. The group is
// returned without members.
func (s *Store) ReplaceGroupAttributes(ctx context.Context, g *resource.Group, version string) (_ *resource.Group, err error) {
	defer classify(&err)
	return s.replaceGroup(ctx, g, version, false)
}

// replaceGroup updates the row of g, and rewrites its memberships when
// members is true.
func (s *Store) replaceGroup(ctx context.Context, g *resource.Group, version string, members bool) (*resource.Group, error) {
	args, err := groupArgs(ctx, g)
	if err != nil {
		return nil, err
	}
	query := `UPDATE scim_groups SET display_name = $3, display_name_folded = $4, external_id = $5, data = $6,
		created = $7, last_modified = $8, version = version + 1,
		display_name_key = CASE WHEN display_name_folded = $4 THEN display_name_key ELSE $9 END
		WHERE tenant = $1 AND id = $2`
	query, args = ifVersion(query, args, version)
	var out *resource.Group
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		if err := s.checkGroupName(ctx, q, "replace", g.ID, g.DisplayName); err != nil {
			return err
		}
		folded, err := s.updateRow(ctx, q, "replace group", query, args, "scim_groups", g.ID)
		if err != nil {
			return err
		}
		if members {
			if _, err := q.ExecContext(ctx, s.rebind("DELETE FROM scim_group_members WHERE tenant = $1 AND group_id = $2"),
				store.TenantFrom(ctx), g.ID); err != nil {
				return fmt.Errorf("sqlstore: replace group: %w", err)
			}
			if err := s.addMembers(ctx, q, g.ID, g.Members); err != nil {
				return err
			}
		}
		if out, err = s.GetGroup(ctx, g.ID, store.WithoutMembersIf(!members)); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, out.Meta.Version)
	})
	return out, err
}

// DeleteGroup implements [store.Groups].
func (s *Store) DeleteGroup(ctx context.Context, id, version string) (err error) {
	defer classify(&err)
	tenant := store.TenantFrom(ctx)
	return s.write(ctx, func(ctx context.Context, q querier) error {
		folded, err := s.deleteRow(ctx, q, "scim_groups", id, version)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, s.rebind("DELETE FROM scim_group_members WHERE tenant = $1 AND group_id = $2"), tenant, id); err != nil {
			return fmt.Errorf("sqlstore: delete group: %w", err)
		}
		// The group may itself be a member of other groups.
		if err := s.dropMember(ctx, q, id); err != nil || folded {
			return err
		}
		return s.writeEvents(ctx, q, "")
	})
}

// ListGroups implements [store.Groups]: groups ordered by Meta.Created,
// then id.
func (s *Store) ListGroups(ctx context.Context, p store.Page, m store.Members) (_ store.GroupList, err error) {
	defer classify(&err)
	return s.QueryGroups(ctx, store.Query{Page: p, Members: m})
}

// memberChunk is the number of members per multi-row INSERT (5 parameters
// each, well under SQLite's and PostgreSQL's limits).
const memberChunk = 200

// addMembers inserts the members of group id that are not there yet.
func (s *Store) addMembers(ctx context.Context, q querier, id string, ms []resource.Member) error {
	tenant := store.TenantFrom(ctx)
	for start := 0; start < len(ms); start += memberChunk {
		chunk := ms[start:min(start+memberChunk, len(ms))]
		var b strings.Builder
		b.WriteString("INSERT INTO scim_group_members (tenant, group_id, member_id, member_type, display) VALUES ")
		args := make([]any, 0, 2+3*len(chunk))
		args = append(args, tenant, id)
		for i, m := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			args = append(args, m.Value, nullStr(m.Type), nullStr(m.Display))
			n := len(args)
			fmt.Fprintf(&b, "(%s, %s, %s, %s, %s)", s.ph(1), s.ph(2), s.ph(n-2), s.ph(n-1), s.ph(n))
		}
		b.WriteString(" ON CONFLICT (tenant, group_id, member_id) DO NOTHING")
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("sqlstore: add members: %w", err)
		}
	}
	return nil
}

// ResolveMembers implements [store.MemberResolver]: one query per 500
// distinct ids, a UNION of primary-key lookups in scim_users and
// scim_groups.
func (s *Store) ResolveMembers(ctx context.Context, ids []string) (_ map[string]store.MemberType, err error) {
	defer classify(&err)
	out := make(map[string]store.MemberType)
	uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
	err = s.queryIn(ctx, s.q(ctx), "resolve members", []any{store.TenantFrom(ctx)}, uniq,
		func(in string) string {
			return "SELECT id, 1 FROM scim_users WHERE tenant = " + s.ph(1) + " AND id IN (" + in +
				") UNION ALL SELECT id, 2 FROM scim_groups WHERE tenant = " + s.ph(1) + " AND id IN (" + in + ")"
		},
		func(scan func(...any) error) error {
			var id string
			var kind int
			if err := scan(&id, &kind); err != nil {
				return err
			}
			if kind == 1 {
				out[id] |= store.MemberUser
			} else {
				out[id] |= store.MemberGroup
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// withMembers loads the members of gs, with one query per inChunk groups.
func (s *Store) withMembers(ctx context.Context, q querier, gs []*resource.Group) error {
	byID := make(map[string]*resource.Group, len(gs))
	ids := make([]string, len(gs))
	for i, g := range gs {
		byID[g.ID], ids[i] = g, g.ID
	}
	return s.queryIn(ctx, q, "members", []any{store.TenantFrom(ctx)}, ids,
		func(in string) string {
			return s.rebind(`SELECT group_id, member_id, member_type, display
			FROM scim_group_members WHERE tenant = $1 AND group_id IN (` + in + `) ORDER BY group_id, member_id`)
		},
		func(scan func(...any) error) error {
			var gid, member string
			var typ, display sql.NullString
			if err := scan(&gid, &member, &typ, &display); err != nil {
				return err
			}
			if g := byID[gid]; g != nil {
				g.Members = append(g.Members, resource.Member{Value: member, Type: typ.String, Display: display.String})
			}
			return nil
		})
}

// PatchMembers implements [store.GroupMemberPatcher] without loading the
// group: one conditional UPDATE bumps the version (and locks the row until
// commit, serialising concurrent patches of one group), then a DELETE ...
// WHERE member_id IN (...) and an INSERT ... ON CONFLICT DO NOTHING change
// the memberships. Removals apply before additions.
func (s *Store) PatchMembers(ctx context.Context, groupID string, add []resource.Member, remove []string, version string) (_ string, err error) {
	defer classify(&err)
	tenant := store.TenantFrom(ctx)
	var newVersion int64
	err = s.write(ctx, func(ctx context.Context, q querier) error {
		query, args := ifVersion("UPDATE scim_groups SET version = version + 1, last_modified = $3 WHERE tenant = $1 AND id = $2",
			[]any{tenant, groupID, timeText(s.now())}, version)
		query, args, folded, err := s.foldEvents(ctx, query, args, true)
		if err != nil {
			return err
		}
		if folded { // one row per event, each with the version
			query += " RETURNING (SELECT version FROM w)"
		} else {
			query += " RETURNING version"
		}
		err = q.QueryRowContext(ctx, query, args...).Scan(&newVersion)
		if errors.Is(err, sql.ErrNoRows) {
			return s.missingOrStale(ctx, q, "scim_groups", groupID)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: patch members: %w", err)
		}
		for chunk := range slices.Chunk(remove, inChunk) {
			in, args := s.inList([]any{tenant, groupID}, chunk)
			if _, err := q.ExecContext(ctx, s.rebind("DELETE FROM scim_group_members WHERE tenant = $1 AND group_id = $2 AND member_id IN (")+in+")", args...); err != nil {
				return fmt.Errorf("sqlstore: patch members: %w", err)
			}
		}
		if err := s.addMembers(ctx, q, groupID, add); err != nil {
			return err
		}
		if folded {
			s.wroteEvents(ctx)
			return nil
		}
		return s.writeEvents(ctx, q, versionText(newVersion))
	})
	if err != nil {
		return "", err
	}
	return versionText(newVersion), nil
}
