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
	where   string // the matches: what COUNT(*) counts
	args    []any
	order   string // "" when sorting in Go
	offset  int
	limit   int
	columns string
	rt      *resource.ResourceType // what the filter and a sort in Go see
	// seek is set in the default order (seekOrder), where pages are read
	// by keyset: after, when the page follows a position, is the keyset
	// condition (with its args appended to args), which COUNT(*) leaves
	// out.
	seek      bool
	after     string
	afterArgs int // the number of args of after
	// noTotal is Page.NoTotal: a seek page may skip COUNT(*).
	noTotal bool
}

// seekOrder is the default order of users and groups, that of the index
// scim_users_seek (scim_groups_seek), migration 0009: creation time, then
// id, a row without a creation time first on both dialects.
const seekOrder = "COALESCE(t.created, ''), t.id"

// position is the position (store.UserList.Next) of a row in seekOrder:
// its created column as stored ("" for NULL), a space, and its id.
func position(created, id string) string { return created + " " + id }

// parsePosition reads a position back.
func parsePosition(pos string) (created, id string, err error) {
	created, id, ok := strings.Cut(pos, " ")
	if !ok || len(pos) > store.MaxPositionBytes {
		return "", "", fmt.Errorf("sqlstore: position %q: %w", pos, store.ErrInvalidPosition)
	}
	return created, id, nil
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
	p.seek, p.noTotal = p.order == seekOrder, q.NoTotal
	if p.seek && q.After != "" {
		created, id, err := parsePosition(q.After)
		if err != nil {
			return plan{}, err
		}
		if s.dialect == Postgres {
			// A row comparison is an index condition of the btree.
			p.after = "(" + seekOrder + ") > (" + b.arg(created) + ", " + b.arg(id) + ")"
			p.afterArgs = 2
		} else {
			// SQLite's planner does not turn the row value into a range
			// of the expression index: the first term bounds the range,
			// the second drops the rows of the position's own creation
			// time up to its id.
			const key = "COALESCE(t.created, '')"
			p.after = "(" + key + " >= " + b.arg(created) + " AND (" + key + " > " + b.arg(created) + " OR t.id > " + b.arg(id) + "))"
			p.afterArgs = 3
		}
		p.offset = 0
	}
	p.args = b.args
	return p, nil
}

// pageWhere is the condition of the page's rows: the matches, after the
// position when there is one.
func (p plan) pageWhere() string {
	if p.after == "" {
		return p.where
	}
	return p.where + " AND " + p.after
}

// countArgs are the arguments of where alone.
func (p plan) countArgs() []any {
	if p.after == "" {
		return p.args
	}
	return p.args[:len(p.args)-p.afterArgs]
}

// QueryUsers implements [store.UserQuerier]: the filter becomes a WHERE
// clause with bind parameters, totalResults a COUNT(*), sorting an ORDER BY
// on the sort key then Meta.Created and id, paging LIMIT and OFFSET. In
// the default order (no sortBy) pages seek: a page after a position reads
// the rows after it by keyset (creation time, then id) on
// the index of migration 0009, and COUNT(*) is skipped when the page asks
// for no total (store.Page.NoTotal); one row more than the page is read to
// know whether Next is set. A sort on a column pages by OFFSET (Next is
// ""). A sort on an attribute without a column of its own
// (name.familyName, title) sorts the matches in Go with filter.Sort. A
// filter it cannot translate exactly answers store.ErrUnsupported (see the
// package documentation).
func (s *Store) QueryUsers(ctx context.Context, q store.Query) (_ store.UserList, err error) {
	defer classify(&err)
	out, total, next, err := fetch(ctx, s, q, true, users.scan, mentionsGroups(q.SortBy), s.withGroups, true)
	if err != nil {
		return store.UserList{}, err
	}
	return store.UserList{Resources: out, TotalResults: total, Next: next}, nil
}

func mentionsGroups(p filter.AttrPath) bool { return strings.EqualFold(p.Name, "groups") }

// QueryGroups implements [store.GroupQuerier] like QueryUsers. Members
// filters are EXISTS subqueries on the memberships table; with
// store.WithoutMembers no membership is loaded.
func (s *Store) QueryGroups(ctx context.Context, q store.Query) (_ store.GroupList, err error) {
	defer classify(&err)
	out, total, next, err := fetch(ctx, s, q, false, groups.scan, strings.EqualFold(q.SortBy.Name, "members"), s.withMembers,
		q.Members == store.WithMembers)
	if err != nil {
		return store.GroupList{}, err
	}
	return store.GroupList{Resources: out, TotalResults: total, Next: next}, nil
}

// fetch answers q over users or groups. With an ORDER BY it reads the
// page in SQL, one row more than the page, and counts only when that
// does not tell the total (a row follows, the page seeks after a
// position, or it is past the end) and the page needs one; in seekOrder
// it returns the position of the page's last row as next when a row
// follows it. Without an ORDER
// BY (a sort on an attribute that has no column) it reads every match in
// list order, loads what the sort needs when sortLoads (User.groups,
// Group.members), sorts with filter.Sort and cuts the page. load fills
// the page when loadPage and it has not run.
func fetch[R resource.Resource](ctx context.Context, s *Store, q store.Query, users bool,
	scanOne func(scanner) (R, error), sortLoads bool, load func(context.Context, querier, []R) error, loadPage bool,
) (out []R, total int, next string, err error) {
	p, err := s.plan(ctx, q, users)
	if err != nil {
		return nil, 0, "", err
	}
	db := s.q(ctx)
	var lastCreated, lastID []string // the page's rows' keys, in seek order
	scan := func(rows *sql.Rows) error {
		rk := rowKey{rows: rows, keep: p.seek}
		r, err := scanOne(&rk)
		if err == nil {
			out = append(out, r)
			if p.seek {
				lastCreated, lastID = append(lastCreated, rk.created.String), append(lastID, rk.id)
			}
		}
		return err
	}
	if p.order != "" {
		// The page first, with one row of lookahead: a page with no row
		// after it that is not past the end tells the total itself, so
		// Entra's lookups (one match or none) and short lists run no
		// COUNT(*).
		total = -1
		if p.limit > 0 {
			limit := p.limit
			p.limit++
			if err := s.selectRows(ctx, db, p, true, scan); err != nil {
				return nil, 0, "", err
			}
			more := len(out) > limit
			if more {
				out = out[:limit]
				if p.seek {
					next = position(lastCreated[limit-1], lastID[limit-1])
				}
			} else if p.after == "" && (len(out) > 0 || p.offset == 0) {
				total = p.offset + len(out)
			}
		}
		if total < 0 && !(p.seek && p.noTotal) {
			if total, err = s.count(ctx, db, p); err != nil {
				return nil, 0, "", err
			}
		}
	} else {
		p.order = seekOrder
		if err := s.selectRows(ctx, db, p, false, scan); err != nil {
			return nil, 0, "", err
		}
		total = len(out)
		if sortLoads {
			if err := load(ctx, db, out); err != nil {
				return nil, 0, "", err
			}
			loadPage = false
		}
		if err := filter.Sort(p.rt, out, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, "", err
		}
		out = out[min(p.offset, total):min(p.offset+p.limit, total)]
	}
	if loadPage {
		if err := load(ctx, db, out); err != nil {
			return nil, 0, "", err
		}
	}
	if out == nil {
		out = []R{}
	}
	return out, total, next, nil
}

// rowKey captures, as a row of rowCols is scanned, its id and its created
// column as stored, the keys of its position.
type rowKey struct {
	rows    *sql.Rows
	keep    bool
	id      string
	created sql.NullString
}

// Scan scans the row into dest and keeps its keys.
func (k *rowKey) Scan(dest ...any) error {
	if err := k.rows.Scan(dest...); err != nil {
		return err
	}
	if k.keep && len(dest) == 5 {
		k.id = *dest[0].(*string)
		k.created = *dest[3].(*sql.NullString)
	}
	return nil
}

func (s *Store) count(ctx context.Context, db querier, p plan) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+p.table+" t WHERE "+p.where, p.countArgs()...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, nil
}

func (s *Store) selectRows(ctx context.Context, db querier, p plan, paged bool, scan func(*sql.Rows) error) error {
	query := "SELECT " + prefixed(p.columns) + " FROM " + p.table + " t WHERE " + p.pageWhere() + " ORDER BY " + p.order
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
