package sqlstore

import (
	"context"

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
