package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// plan is a translated query.
type plan struct {
	table   string
	where   string
	args    []any
	order   string // "" when sorting in Go
	offset  int
	limit   int
	columns string
}

func (s *Store) plan(ctx context.Context, q store.Query, users bool) (plan, error) {
	rt := q.ResourceType
	if rt == nil {
		if users {
			rt = resource.DefaultRegistry().User
		} else {
			rt = resource.DefaultRegistry().Group
		}
	}
	b := &builder{dialect: s.dialect, rt: rt, users: users}
	p := plan{table: "scim_groups", columns: groupCols}
	if users {
		p.table, p.columns = "scim_users", userCols
	}
	p.where = "t.tenant = " + b.arg(store.TenantFrom(ctx))
	if q.Filter != nil {
		cond, err := b.where(q.Filter)
		if err != nil {
			return plan{}, err
		}
		p.where += " AND " + cond
	}
	p.order, _ = b.orderBy(q.SortBy, q.SortOrder == store.Descending)
	p.offset, p.limit = window(q.Page)
	p.args = b.args
	return p, nil
}

// QueryUsers implements [store.UserQuerier]: the filter becomes a WHERE
// clause with bind parameters, totalResults a COUNT(*), sorting an ORDER BY
// on the sort key then Meta.Created and id, paging LIMIT and OFFSET. A sort
// on an attribute without a column of its own (name.familyName, title)
// sorts the matches in Go with filter.Sort. A filter it cannot translate
// exactly answers store.ErrUnsupported (see the package documentation).
func (s *Store) QueryUsers(ctx context.Context, q store.Query) (_ store.UserList, err error) {
	defer classify(&err)
	p, err := s.plan(ctx, q, true)
	if err != nil {
		return store.UserList{}, err
	}
	db := s.q(ctx)
	withGroups := func(us []*resource.User) error { return s.withGroups(ctx, db, us) }
	rt := q.ResourceType
	if rt == nil {
		rt = resource.DefaultRegistry().User
	}
	out, total, loaded, err := fetch(ctx, s, db, p, q, rt, scanUser, mentionsGroups(q.SortBy), withGroups)
	if err == nil && !loaded {
		err = withGroups(out)
	}
	if err != nil {
		return store.UserList{}, err
	}
	return store.UserList{Resources: out, TotalResults: total}, nil
}

func mentionsGroups(p filter.AttrPath) bool { return strings.EqualFold(p.Name, "groups") }

// QueryGroups implements [store.GroupQuerier] like QueryUsers. Members
// filters are EXISTS subqueries on the memberships table; with
// store.WithoutMembers no membership is loaded.
func (s *Store) QueryGroups(ctx context.Context, q store.Query) (_ store.GroupList, err error) {
	defer classify(&err)
	p, err := s.plan(ctx, q, false)
	if err != nil {
		return store.GroupList{}, err
	}
	db := s.q(ctx)
	withMembers := func(gs []*resource.Group) error { return s.withMembers(ctx, db, gs) }
	rt := q.ResourceType
	if rt == nil {
		rt = resource.DefaultRegistry().Group
	}
	out, total, loaded, err := fetch(ctx, s, db, p, q, rt, scanGroup, strings.EqualFold(q.SortBy.Name, "members"), withMembers)
	if err == nil && !loaded && q.Members == store.WithMembers {
		err = withMembers(out)
	}
	if err != nil {
		return store.GroupList{}, err
	}
	return store.GroupList{Resources: out, TotalResults: total}, nil
}

// fetch runs plan p. With an ORDER BY it counts, then reads the page, in
// SQL. Without one (a sort on an attribute that has no column) it reads
// every match in list order, loads what the sort needs when sortLoads
// (User.groups, Group.members), sorts with filter.Sort and cuts the page;
// loaded reports whether load ran, so the caller loads the page only once.
func fetch[R resource.Resource](ctx context.Context, s *Store, db querier, p plan, q store.Query, rt *resource.ResourceType,
	scanOne func(interface{ Scan(...any) error }) (R, error), sortLoads bool, load func([]R) error,
) (out []R, total int, loaded bool, err error) {
	scan := func(rows *sql.Rows) error {
		r, err := scanOne(rows)
		if err == nil {
			out = append(out, r)
		}
		return err
	}
	if p.order != "" {
		if total, err = s.count(ctx, db, p); err != nil {
			return nil, 0, false, err
		}
		if p.limit > 0 && p.offset < total {
			if err := s.selectRows(ctx, db, p, true, scan); err != nil {
				return nil, 0, false, err
			}
		}
	} else {
		p.order = "t.created, t.id"
		if err := s.selectRows(ctx, db, p, false, scan); err != nil {
			return nil, 0, false, err
		}
		total = len(out)
		if sortLoads {
			if err := load(out); err != nil {
				return nil, 0, false, err
			}
			loaded = true
		}
		if err := filter.Sort(rt, out, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, false, err
		}
		out = out[min(p.offset, total):min(p.offset+p.limit, total)]
	}
	if out == nil {
		out = []R{}
	}
	return out, total, loaded, nil
}

func (s *Store) count(ctx context.Context, db querier, p plan) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+p.table+" t WHERE "+p.where, p.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, nil
}

func (s *Store) selectRows(ctx context.Context, db querier, p plan, paged bool, scan func(*sql.Rows) error) error {
	query := "SELECT " + prefixed(p.columns) + " FROM " + p.table + " t WHERE " + p.where + " ORDER BY " + p.order
	args := p.args
	if paged {
		args = append(args[:len(args):len(args)], p.limit, p.offset)
		query += " LIMIT " + s.ph(len(args)-1) + " OFFSET " + s.ph(len(args))
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("sqlstore: query: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: query: %w", err)
	}
	return nil
}

// prefixed qualifies a column list with the alias t.
func prefixed(cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = "t." + c
	}
	return strings.Join(parts, ", ")
}
