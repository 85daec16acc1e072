package sqlstore

import (
	"context"
	"database/sql"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// SelectSQL returns the page query QueryUsers (users true) or QueryGroups
// would run for q, with its arguments, for EXPLAIN in tests.
func SelectSQL(ctx context.Context, s *Store, q store.Query, users bool) (string, []any, error) {
	p, err := s.plan(ctx, q, users)
	if err != nil {
		return "", nil, err
	}
	if p.sort != nil && p.sort.seek && (p.from != nil || p.offset == 0) {
		present := !p.sort.desc
		if p.from != nil {
			present = p.from.present
		}
		query, args := s.segmentSQL(p, present, p.from, p.limit+1)
		return query, args, nil
	}
	query, args := s.pageSQL(p, true)
	return query, args, nil
}

// SortPushed reports whether QueryUsers (users true) or QueryGroups
// would order q in SQL rather than with filter.Sort, before looking at
// the rows (a check may still send the sort to Go).
func SortPushed(ctx context.Context, s *Store, q store.Query, users bool) (bool, error) {
	p, err := s.plan(ctx, q, users)
	return p.sort != nil, err
}

// UserGroupsSQL returns the statements, and their arguments, that loading
// the groups of the users ids (a page's) sends the database, for EXPLAIN
// in tests.
func UserGroupsSQL(ctx context.Context, s *Store, ids []string) (queries []string, args [][]any, err error) {
	us := make([]*resource.User, len(ids))
	for i, id := range ids {
		us[i] = &resource.User{ID: id}
	}
	rec := &recorder{querier: s.db}
	err = s.withGroups(ctx, rec, us)
	return rec.queries, rec.args, err
}

// recorder is a querier that records the statements it forwards.
type recorder struct {
	querier
	queries []string
	args    [][]any
}

func (r *recorder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.queries, r.args = append(r.queries, query), append(r.args, args)
	return r.querier.QueryContext(ctx, query, args...)
}

func (r *recorder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	r.queries, r.args = append(r.queries, query), append(r.args, args)
	return r.querier.QueryRowContext(ctx, query, args...)
}

// SetAnchorStep sets the distance between the list positions s
// remembers (anchors.go), so that tests see them at small sizes.
func SetAnchorStep(s *Store, step int) { s.anchors.step = step }

// SetAnchorAhead sets how many rows past a page's offset a take of the
// positions reads at least.
func SetAnchorAhead(s *Store, rows int) { s.anchors.ahead = rows }

// ForgetAnchors drops every position s remembers.
func ForgetAnchors(s *Store) {
	s.anchors.mu.Lock()
	defer s.anchors.mu.Unlock()
	clear(s.anchors.sets)
}

// AnchorKeys returns how many positions s remembers of the tenant's
// users, and whether they were read to the last row.
func AnchorKeys(s *Store, tenant string) (n int, verified bool) {
	s.anchors.mu.Lock()
	defer s.anchors.mu.Unlock()
	set := s.anchors.sets[anchorKey("scim_users", tenant)]
	if set == nil {
		return 0, false
	}
	return len(set.keys), set.verified
}

// AnchorSets returns how many tenants' positions s remembers.
func AnchorSets(s *Store) int {
	s.anchors.mu.Lock()
	defer s.anchors.mu.Unlock()
	return len(s.anchors.sets)
}

// GetUserSQL is the statement GetUser runs on PostgreSQL ($1 tenant, $2 id).
func GetUserSQL() string {
	return "SELECT " + pgUserCols + " FROM scim_users t WHERE tenant = $1 AND id = $2"
}

// SetPageGroupsColumn has every page of users read the groups as a column
// of the page's statement on PostgreSQL (on) or only a lookup's (off, the
// default), and returns the previous setting.
func SetPageGroupsColumn(on bool) bool {
	was := pageGroupsColumn
	pageGroupsColumn = on
	return was
}
