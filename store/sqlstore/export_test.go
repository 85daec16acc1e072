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
	args := append(p.args[:len(p.args):len(p.args)], p.limit, p.offset)
	return "SELECT " + prefixed(p.columns) + " FROM " + p.table + " t WHERE " + p.pageWhere() + " ORDER BY " + p.order +
		" LIMIT " + s.ph(len(args)-1) + " OFFSET " + s.ph(len(args)), args, nil
}
