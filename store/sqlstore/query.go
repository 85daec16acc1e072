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
	rt      *resource.ResourceType // what the filter and a sort in Go see
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
	p := plan{table: "scim_groups", columns: rowCols, rt: rt}
	if users {
		p.table = "scim_users"
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
	out, total, err := fetch(ctx, s, q, true, users.scan, mentionsGroups(q.SortBy), s.withGroups, true)
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
	out, total, err := fetch(ctx, s, q, false, groups.scan, strings.EqualFold(q.SortBy.Name, "members"), s.withMembers,
		q.Members == store.WithMembers)
	if err != nil {
		return store.GroupList{}, err
	}
	return store.GroupList{Resources: out, TotalResults: total}, nil
}

// fetch answers q over users or groups. With an ORDER BY it counts, then
// reads the page, in SQL. Without one (a sort on an attribute that has no
// column) it reads every match in list order, loads what the sort needs
// when sortLoads (User.groups, Group.members), sorts with filter.Sort and
// cuts the page. load fills the page when loadPage and it has not run.
func fetch[R resource.Resource](ctx context.Context, s *Store, q store.Query, users bool,
	scanOne func(scanner) (R, error), sortLoads bool, load func(context.Context, querier, []R) error, loadPage bool,
) (out []R, total int, err error) {
	p, err := s.plan(ctx, q, users)
	if err != nil {
		return nil, 0, err
	}
	db := s.q(ctx)
	scan := func(rows *sql.Rows) error {
		r, err := scanOne(rows)
		if err == nil {
			out = append(out, r)
		}
		return err
	}
	if p.order != "" {
		if total, err = s.count(ctx, db, p); err != nil {
			return nil, 0, err
		}
		if p.limit > 0 && p.offset < total {
			if err := s.selectRows(ctx, db, p, true, scan); err != nil {
				return nil, 0, err
			}
		}
	} else {
		p.order = "t.created, t.id"
		if err := s.selectRows(ctx, db, p, false, scan); err != nil {
			return nil, 0, err
		}
		total = len(out)
		if sortLoads {
			if err := load(ctx, db, out); err != nil {
				return nil, 0, err
			}
			loadPage = false
		}
		if err := filter.Sort(p.rt, out, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, err
		}
		out = out[min(p.offset, total):min(p.offset+p.limit, total)]
	}
	if loadPage {
		if err := load(ctx, db, out); err != nil {
			return nil, 0, err
		}
	}
	if out == nil {
		out = []R{}
	}
	return out, total, nil
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
