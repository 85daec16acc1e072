package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/store"
)

// fold is the case-insensitive form of userName and group displayName
// stored in the *_folded columns and display_name_key: filter.Fold, the
// rule filter.Match and filter.Sort compare by, computed in Go because
// SQLite's lower() folds ASCII only and PostgreSQL's follows the locale.
func fold(s string) string { return filter.Fold(s) }

// groupNameKey is the display_name_key of a group written with ctx: its
// folded name, which the unique index (tenant, display_name_key) holds,
// or NULL when the context allows duplicate names.
func groupNameKey(ctx context.Context, folded string) any {
	if store.DuplicateGroupNamesAllowed(ctx) {
		return nil
	}
	return folded
}

// checkGroupName answers ErrConflict (the write being op) when a group of
// the tenant other than id has the folded name of displayName and the
// write needs the name to itself: duplicates are not allowed and the name
// is not the group's own already (id is "" for a create). The unique index
// on display_name_key settles concurrent writes that both pass this check;
// this check covers the groups that share a name without holding it.
func (s *Store) checkGroupName(ctx context.Context, q querier, op, id, displayName string) error {
	if store.DuplicateGroupNamesAllowed(ctx) {
		return nil
	}
	tenant := store.TenantFrom(ctx)
	var one int
	err := q.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM scim_groups WHERE tenant = $1 AND display_name_folded = $2 AND id <> $3
		AND NOT EXISTS (SELECT 1 FROM scim_groups WHERE tenant = $1 AND id = $3 AND display_name_folded = $2) LIMIT 1`),
		tenant, fold(displayName), id).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return fmt.Errorf("sqlstore: group name check: %w", err)
	}
	return fmt.Errorf("sqlstore: %s group: displayName %q is taken: %w", op, displayName, store.ErrConflict)
}

// refold is the Go step of migration 0002: it recomputes user_name_folded
// and display_name_folded with fold and sets display_name_key, the oldest
// group of each name holding it. Two users whose userNames fold alike are
// an error: the migration's transaction rolls back.
func (s *Store) refold(ctx context.Context, q querier) error {
	type row struct{ tenant, id, name string }
	read := func(query string) ([]row, error) {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.tenant, &r.id, &r.name); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	users, err := read("SELECT tenant, id, user_name FROM scim_users ORDER BY tenant, created, id")
	if err != nil {
		return err
	}
	type key struct{ tenant, folded string }
	seen := make(map[key]row, len(users))
	for _, u := range users {
		k := key{u.tenant, fold(u.name)}
		if other, ok := seen[k]; ok {
			return fmt.Errorf("users %q (userName %q) and %q (userName %q) of tenant %q have one userName under filter.Fold; rename one and migrate again",
				other.id, other.name, u.id, u.name, u.tenant)
		}
		seen[k] = u
		if _, err := q.ExecContext(ctx, s.rebind("UPDATE scim_users SET user_name_folded = $1 WHERE tenant = $2 AND id = $3"), k.folded, u.tenant, u.id); err != nil {
			return err
		}
	}
	groups, err := read("SELECT tenant, id, display_name FROM scim_groups ORDER BY tenant, created, id")
	if err != nil {
		return err
	}
	held := make(map[key]bool, len(groups))
	for _, g := range groups {
		k := key{g.tenant, fold(g.name)}
		var nameKey any
		if !held[k] {
			held[k], nameKey = true, k.folded
		}
		if _, err := q.ExecContext(ctx, s.rebind("UPDATE scim_groups SET display_name_folded = $1, display_name_key = $2 WHERE tenant = $3 AND id = $4"),
			k.folded, nameKey, g.tenant, g.id); err != nil {
			return err
		}
	}
	return nil
}
