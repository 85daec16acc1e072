package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	// loads is a column read after columns that brings what the page
	// loads (users' groups on PostgreSQL, groupsCol), "" for none: fetch
	// drops it where the page reads without it.
	loads string
	rt    *resource.ResourceType // what the filter and a sort in Go see
	// seek is set in the default order (seekOrder), where pages are read
	// by keyset: after, when the page follows a position, is the keyset
	// condition (with its args appended to args), which COUNT(*) leaves
	// out.
	seek      bool
	after     string
	afterArgs int // the number of args of after
	// noTotal is Page.NoTotal: a seek page may skip COUNT(*).
	noTotal bool
	// unfiltered is set when where is the tenant alone: the count is
	// then the one the database keeps (scim_counts, migration 0012).
	unfiltered bool
	// sort is a sortBy pushed down to SQL (order is then its whole
	// order), nil in the default order and for a sort in Go; from, when
	// the page follows a position of it, is that position.
	sort *sortSpec
	from *sortPos
}

// seekOrder is the default order of users and groups, that of the index
// scim_users_seek (scim_groups_seek), migration 0009: creation time, then
// id, a row without a creation time first on both dialects.
const seekOrder = "COALESCE(t.created, ''), t.id"

// position is the position (store.UserList.Next) of a row in seekOrder:
// its created column as stored ("" for NULL), a space, and its id.
func position(created, id string) string { return created + " " + id }

// textOK reports whether a field of a position can be bound as text: UTF-8
// without U+0000, as every stored key is (PostgreSQL refuses any other).
func textOK(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

// parsePosition reads a position back.
func parsePosition(pos string) (created, id string, err error) {
	created, id, ok := strings.Cut(pos, " ")
	if !ok || len(pos) > store.MaxPositionBytes || (created != "" && (created[0] < '0' || created[0] > '9')) || !textOK(pos) {
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
		if lookup(q.Filter) || pageGroupsColumn {
			p.loads = s.groupsCol()
		}
	}
	p.where = "t.tenant = " + b.arg(store.TenantFrom(ctx))
	p.unfiltered = q.Filter == nil
	if q.Filter != nil {
		cond, err := b.where(q.Filter)
		if err != nil {
			return plan{}, err
		}
		p.where += " AND " + cond
	}
	p.offset, p.limit = window(q.Page)
	p.noTotal = q.NoTotal
	if !q.SortBy.IsZero() {
		p.sort = b.orderBy(q.SortBy, q.SortOrder == store.Descending)
		if p.sort != nil {
			p.order = p.sort.orderClause()
		}
		if q.After != "" {
			if p.sort == nil || !p.sort.seek {
				return plan{}, fmt.Errorf("sqlstore: position %q for a sort without positions: %w", q.After, store.ErrInvalidPosition)
			}
			pos, err := parseSortPosition(q.After, p.sort)
			if err != nil {
				return plan{}, err
			}
			p.from, p.offset = &pos, 0
		}
		p.args = b.args
		return p, nil
	}
	p.order, p.seek = seekOrder, true
	if q.After != "" {
		created, id, err := parsePosition(q.After)
		if err != nil {
			return plan{}, err
		}
		n := len(b.args)
		p.after = s.afterCond(b, created, id)
		p.afterArgs = len(b.args) - n
		p.offset = 0
	}
	p.args = b.args
	return p, nil
}

// lookup reports whether e is one comparison with eq, the filter of an
// IdP's lookup (userName eq, externalId eq), which matches a row or none.
// Its users' groups are a column of the page's statement on PostgreSQL
// (groupsSQL); a page of other users, of up to a hundred and more rows,
// reads them with a second statement (withGroups), which costs the
// database less than the column's aggregate per row:
// BenchmarkPageGroups.
//
// pageGroupsColumn, set by BenchmarkPageGroups, has every page read the
// column instead, to compare the two.
var pageGroupsColumn bool

func lookup(e filter.Expr) bool {
	c, ok := e.(*filter.Compare)
	return ok && c.Op == filter.Eq
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
// clause with bind parameters, totalResults a COUNT(*) (without a filter
// the count the database keeps, see count), sorting an ORDER BY
// on the sort key then Meta.Created and id, paging LIMIT and OFFSET. In
// the default order (no sortBy) pages seek: a page after a position reads
// the rows after it by keyset (creation time, then id) on
// the index of migration 0009, and COUNT(*) is skipped when the page asks
// for no total (store.Page.NoTotal); one row more than the page is read to
// know whether Next is set. Under a sortBy on a column pages seek too (the
// position holds the key and the tie-breakers); a sort on a JSON attribute
// is an ORDER BY with filter.Sort's order paged by OFFSET, or, where SQL
// cannot give that order, a sort of the matches in Go with filter.Sort. A
// filter it cannot translate exactly answers store.ErrUnsupported (see the
// package documentation).
func (s *Store) QueryUsers(ctx context.Context, q store.Query) (_ store.UserList, err error) {
	defer classify(&err)
	out, total, next, err := fetch(ctx, s, q, true, users.scan, scanUser, mentionsGroups(q.SortBy), s.withGroups, true)
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
	out, total, next, err := fetch(ctx, s, q, false, groups.scan, nil, strings.EqualFold(q.SortBy.Name, "members"), s.withMembers,
		q.Members == store.WithMembers)
	if err != nil {
		return store.GroupList{}, err
	}
	return store.GroupList{Resources: out, TotalResults: total, Next: next}, nil
}

// fetch answers q over users or groups. With an ORDER BY it reads the
// page in SQL, one row more than the page, and counts only when that does
// not tell the total (a row follows, the page seeks after a position, or
// it is past the end) and the page needs one (a sort whose values a check
// counts has its total from that check); in seekOrder, and under a sortBy
// that seeks (sortSpec.seek), it returns the position of the page's last
// row as next when a row follows it. Without an ORDER BY (a sort on an
// attribute SQL cannot order as filter.Sort, or a pushed-down sort over
// matches of which one has a value its check sends to Go) it reads every
// match in list order, loads what the sort needs when sortLoads
// (User.groups, Group.members), sorts with filter.Sort and cuts the page.
// load fills the page when loadPage and it has not run. Where the plan
// has a column that loads (plan.loads, read by scanLoaded), the rows
// that need loading are read with it instead, in the same statement:
// the page in SQL order when loadPage, every match of a sort in Go when
// sortLoads; other reads leave it out (a sort in Go that does not need
// it loads the page it cuts with load).
func fetch[R resource.Resource](ctx context.Context, s *Store, q store.Query, users bool,
	scanOne, scanLoaded func(scanner) (R, error), sortLoads bool, load func(context.Context, querier, []R) error, loadPage bool,
) (out []R, total int, next string, err error) {
	p, err := s.plan(ctx, q, users)
	if err != nil {
		return nil, 0, "", err
	}
	loads := p.loads // the column the reads below use, once the order is known
	p.loads = ""
	db := s.q(ctx)
	var keys []rowKey // the page's rows' keys, when it may set next
	keep := p.seek || (p.sort != nil && p.sort.seek)
	scan := func(rows *sql.Rows) error {
		rk := rowKey{rows: rows, keep: keep}
		if keep && p.sort != nil {
			rk.extra = make([]sql.NullString, 1+len(p.sort.keys))
		}
		scanRow := scanOne
		if p.loads != "" {
			scanRow = scanLoaded
		}
		r, err := scanRow(&rk)
		if err == nil {
			out = append(out, r)
			if keep {
				rk.rows = nil
				keys = append(keys, rk)
			}
		}
		return err
	}
	// A page far into the default order seeks from a remembered position
	// (anchors.go), which also tells the total.
	total, counted, err := s.anchorPage(ctx, db, &p)
	if err != nil {
		return nil, 0, "", err
	}
	if p.sort != nil && p.sort.check != "" {
		n, odd, err := s.countChecked(ctx, db, p)
		if err != nil {
			return nil, 0, "", err
		}
		total, counted = n, true
		if odd > 0 {
			p.order, p.sort = "", nil // a value SQL cannot order: sort in Go
		}
	}
	if (p.order != "" && loadPage) || (p.order == "" && sortLoads) {
		p.loads = loads
	}
	loaded := p.loads != "" // the rows read bring what load loads
	if p.order != "" {
		// The page first, with one row of lookahead: a page with no row
		// after it that is not past the end tells the total itself, so
		// Entra's lookups (one match or none) and short lists run no
		// COUNT(*).
		if !counted {
			total = -1
		}
		tooLong := false
		if p.limit > 0 && (!counted || p.after != "" || p.from != nil || p.offset < total) {
			limit := p.limit
			p.limit++
			if p.sort != nil && p.sort.seek && (p.from != nil || p.offset == 0) {
				err = s.selectSegments(ctx, db, p, scan)
			} else {
				err = s.selectRows(ctx, db, p, true, scan)
			}
			if err != nil {
				return nil, 0, "", err
			}
			if len(out) > limit {
				out = out[:limit]
				if keep {
					next = keys[limit-1].position(p.sort)
					if len(next) > store.MaxPositionBytes {
						// Not expected (keys are bounded columns): the
						// page is then paged by index, with a total.
						next, tooLong = "", true
					}
				}
			} else if !counted && p.after == "" && p.from == nil && (len(out) > 0 || p.offset == 0) {
				total = p.offset + len(out)
			}
		}
		if total < 0 && (tooLong || !((p.seek || p.from != nil) && p.noTotal)) {
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
			if !loaded {
				if err := load(ctx, db, out); err != nil {
					return nil, 0, "", err
				}
			}
			loadPage = false
		}
		if err := filter.Sort(p.rt, out, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, "", err
		}
		out = out[min(p.offset, total):min(p.offset+p.limit, total)]
	}
	if loadPage && !loaded {
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
// column as stored, the keys of its position, and under a sortBy the
// extra columns of sortSpec.columns (whether it has a value, its keys).
type rowKey struct {
	rows    *sql.Rows
	keep    bool
	id      string
	created sql.NullString
	extra   []sql.NullString
}

// Scan scans the row into dest and keeps its keys.
func (k *rowKey) Scan(dest ...any) error {
	if len(k.extra) > 0 {
		for i := range k.extra {
			dest = append(dest, &k.extra[i])
		}
	}
	if err := k.rows.Scan(dest...); err != nil {
		return err
	}
	if k.keep && len(dest) >= 5+len(k.extra) {
		k.id = *dest[0].(*string)
		k.created = *dest[3].(*sql.NullString)
	}
	return nil
}

// position is the position of the row: in seekOrder, or under sp.
func (k *rowKey) position(sp *sortSpec) string {
	if sp == nil {
		return position(k.created.String, k.id)
	}
	pos := sortPos{present: k.extra[0].String == "1", created: k.created.String, id: k.id}
	if pos.present {
		for _, v := range k.extra[1:] {
			pos.keys = append(pos.keys, v.String)
		}
	}
	return pos.encode(sp)
}

// count returns the number of matches of p. Without a filter it reads
// the count the database keeps of the tenant's users or groups in
// scim_counts (one row on SQLite, the sum of at most 64 slots on
// PostgreSQL; none for a tenant that never had one) instead of counting
// every row of the tenant: the triggers of migration 0012 change it in
// the transaction of each INSERT and DELETE, so it is what COUNT(*)
// would see in the same snapshot.
func (s *Store) count(ctx context.Context, db querier, p plan) (int, error) {
	if p.unfiltered {
		n, _, err := s.keptCount(ctx, db, p.table, store.TenantFrom(ctx))
		return int(n), err
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+p.table+" t WHERE "+p.where, p.countArgs()...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, nil
}

// keptCountSQL selects the count the database keeps of a tenant's rows
// of one type and how many were ever removed ($1 the tenant, $2 the type,
// resourceTypeOf), then the columns extra lists (", ..." or "").
func keptCountSQL(extra string) string {
	return "SELECT COALESCE(SUM(n), 0), COALESCE(SUM(removed), 0)" + extra + " FROM scim_counts WHERE tenant = $1 AND resource_type = $2"
}

// resourceTypeOf is the resource_type of table's rows in scim_counts.
func resourceTypeOf(table string) string {
	if table == "scim_groups" {
		return "Group"
	}
	return "User"
}

// keptCount reads the count the database keeps of tenant's rows of
// table, and how many were ever removed (migration 0013).
func (s *Store) keptCount(ctx context.Context, db querier, table, tenant string) (n, removed int64, err error) {
	if err := db.QueryRowContext(ctx, s.rebind(keptCountSQL("")), tenant, resourceTypeOf(table)).Scan(&n, &removed); err != nil {
		return 0, 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, removed, nil
}

// countChecked counts the matches, and those whose value the sort's
// check says SQL cannot order as filter.Sort does, in one statement.
func (s *Store) countChecked(ctx context.Context, db querier, p plan) (n, odd int, err error) {
	query := "SELECT COUNT(*), COUNT(CASE WHEN " + p.sort.check + " THEN 1 END) FROM " + p.table + " t WHERE " + p.where
	if err := db.QueryRowContext(ctx, query, p.countArgs()...).Scan(&n, &odd); err != nil {
		return 0, 0, fmt.Errorf("sqlstore: count: %w", err)
	}
	return n, odd, nil
}

// selectList is the SELECT list of a page: rowCols, the column that
// loads (plan.loads) if any, and under a sortBy that seeks the columns
// rowKey keeps for the position.
func (p plan) selectList() string {
	cols := prefixed(p.columns)
	if p.loads != "" {
		cols += ", " + p.loads
	}
	if p.sort != nil && p.sort.seek {
		cols += ", CASE WHEN " + p.sort.present + " THEN 1 ELSE 0 END"
		for _, k := range p.sort.keys {
			cols += ", CASE WHEN " + p.sort.present + " THEN " + k + " END"
		}
	}
	return cols
}

// pageSQL is the statement of a page read in one order (seekOrder, or a
// sort's whole order) with LIMIT and OFFSET when paged.
func (s *Store) pageSQL(p plan, paged bool) (string, []any) {
	query := "SELECT " + p.selectList() + " FROM " + p.table + " t WHERE " + p.pageWhere() + " ORDER BY " + p.order
	args := p.args
	switch {
	case paged && p.offset == 0:
		// A first page (every lookup) has no OFFSET: with a parameter
		// there, PostgreSQL's generic plan of the prepared statement
		// costs the rows an unknown OFFSET skips, is never cheaper than a
		// custom plan, and on tables without statistics each execution
		// was planned anew (TestLookupUsesTheGenericPlan).
		args = append(args[:len(args):len(args)], p.limit)
		query += " LIMIT " + s.ph(len(args))
	case paged:
		args = append(args[:len(args):len(args)], p.limit, p.offset)
		query += " LIMIT " + s.ph(len(args)-1) + " OFFSET " + s.ph(len(args))
	}
	return query, args
}

// segmentSQL is the statement of the rows of a sort's segment (present:
// the rows with a value, else those without) that follow from, or all of
// them when from is nil or in the segment before, in the segment's
// order: a range of the sort key's index where there is one
// (scim_users_user_name for userName).
func (s *Store) segmentSQL(p plan, present bool, from *sortPos, limit int) (string, []any) {
	sp := p.sort
	b := &builder{dialect: s.dialect, base: len(p.args)}
	cond := sp.present
	if !present {
		cond = sp.missing
	}
	if from != nil && from.present == present {
		tie := func() string { return s.afterCond(b, from.created, from.id) }

		if !present {
			cond += " AND " + tie()
		} else {
			// Lexicographic: a later key, or the same keys and a later
			// tie-breaker.
			sym := " > "
			if sp.desc {
				sym = " < "
			}
			var or []string
			eq := ""
			for i, k := range sp.keys {
				v := from.bind(b, sp.types[i], i)
				or = append(or, eq+k+sym+v)
				eq += k + " = " + v + " AND "
			}
			if !sp.unique {
				or = append(or, eq+tie())
			}
			cond += " AND (" + strings.Join(or, " OR ") + ")"
		}
	}
	args := append(p.args[:len(p.args):len(p.args)], b.args...)
	args = append(args, limit)
	query := "SELECT " + p.selectList() + " FROM " + p.table + " t WHERE " + p.where + " AND " + cond
	if order := sp.segmentOrder(present); order != "" {
		query += " ORDER BY " + order
	}
	return query + " LIMIT " + s.ph(len(args)), args
}

// selectSegments reads p.limit rows of a sort that seeks from p.from (or
// the start): the rest of the position's segment, then, when that does
// not fill the page, the start of the next one.
func (s *Store) selectSegments(ctx context.Context, db querier, p plan, scan func(*sql.Rows) error) error {
	order := []bool{true, false} // rows with a value first when ascending
	if p.sort.desc {
		order = []bool{false, true}
	}
	if p.from != nil && p.from.present == order[1] {
		order = order[1:]
	}
	n := 0
	counted := func(rows *sql.Rows) error { n++; return scan(rows) }
	for _, present := range order {
		query, args := s.segmentSQL(p, present, p.from, p.limit-n)
		if err := s.query(ctx, db, query, args, counted); err != nil {
			return err
		}
		if n >= p.limit {
			break
		}
	}
	return nil
}

func (s *Store) selectRows(ctx context.Context, db querier, p plan, paged bool, scan func(*sql.Rows) error) error {
	query, args := s.pageSQL(p, paged)
	return s.query(ctx, db, query, args, scan)
}

// query runs a page's statement and scans its rows.
func (s *Store) query(ctx context.Context, db querier, query string, args []any, scan func(*sql.Rows) error) error {
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

// sortPos is a position under a sortBy that seeks: whether the row has a
// value, its keys as the page's statement returned them, and its
// tie-breakers (created as stored, id).
type sortPos struct {
	present     bool
	keys        []string
	created, id string
}

// sortPosTag starts every position under a sortBy; a position in
// seekOrder starts with a digit or a space.
const sortPosTag = "s"

// encode writes pos for the sort sp: the tag, then length-prefixed fields
// (the sortBy path and direction, the segment, the keys, created, id),
// so that no byte of a key can be read as a separator.
func (pos sortPos) encode(sp *sortSpec) string {
	b := []byte(sortPosTag)
	field := func(f string) {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	dir := "a"
	if sp.desc {
		dir = "d"
	}
	seg := "m"
	if pos.present {
		seg = "p"
	}
	field(sp.by)
	field(dir + seg)
	for _, k := range pos.keys {
		field(k)
	}
	field(pos.created)
	field(pos.id)
	return string(b)
}

// parseSortPosition reads a position of encode back, for the sort sp: a
// position of another sort, direction or shape is store.ErrInvalidPosition,
// as is a key that is not a value of its type.
func parseSortPosition(s string, sp *sortSpec) (sortPos, error) {
	bad := func() (sortPos, error) {
		return sortPos{}, fmt.Errorf("sqlstore: position %q: %w", s, store.ErrInvalidPosition)
	}
	if len(s) > store.MaxPositionBytes || !strings.HasPrefix(s, sortPosTag) {
		return bad()
	}
	r := s[len(sortPosTag):]
	var fields []string
	for len(r) > 0 {
		n, w := binary.Uvarint([]byte(r[:min(len(r), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(r)-w) {
			return bad()
		}
		f := r[w : w+int(n)]
		if !textOK(f) {
			return bad()
		}
		fields, r = append(fields, f), r[w+int(n):]
	}
	dir := "a"
	if sp.desc {
		dir = "d"
	}
	if len(fields) < 4 || fields[0] != sp.by || len(fields[1]) != 2 || fields[1][0] != dir[0] {
		return bad()
	}
	pos := sortPos{present: fields[1][1] == 'p', created: fields[len(fields)-2], id: fields[len(fields)-1]}
	keys := fields[2 : len(fields)-2]
	switch {
	case fields[1][1] != 'p' && fields[1][1] != 'm':
		return bad()
	case pos.present && len(keys) != len(sp.keys), !pos.present && len(keys) != 0:
		return bad()
	}
	for i, k := range keys {
		if _, err := keyValue(sp.types[i], k); err != nil {
			return bad()
		}
	}
	pos.keys = keys
	return pos, nil
}

// keyValue is the bind value of a key of type t read back from text.
func keyValue(t keyType, k string) (any, error) {
	switch t {
	case keyFloat:
		f, err := strconv.ParseFloat(k, 64)
		if err != nil || math.IsNaN(f) {
			return nil, errors.New("not a number")
		}
		return f, nil
	case keyInt:
		return strconv.ParseInt(k, 10, 64)
	case keyTime:
		if _, err := time.Parse(time.RFC3339Nano, k); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// bind binds the key i of pos, of type t, with its SQL type.
func (pos sortPos) bind(b *builder, t keyType, i int) string {
	v, _ := keyValue(t, pos.keys[i]) // checked by parseSortPosition
	switch {
	case t == keyTime:
		return "CAST(" + b.arg(v) + " AS timestamptz)"
	case t == keyFloat && b.pg():
		return "CAST(" + b.arg(v) + " AS float8)"
	}
	return b.arg(v)
}

// prefixed qualifies a column list with the alias t.
func prefixed(cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = "t." + c
	}
	return strings.Join(parts, ", ")
}
