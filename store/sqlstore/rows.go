package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// rowKind is what differs between a row of scim_users and one of
// scim_groups: the resource's noun (in errors) and type, its table, where
// its id and meta live, and how its data column decodes.
type rowKind[T any] struct {
	noun, resourceType, table string
	fields                    func(*T) (id *string, meta *resource.Meta)
	unmarshal                 func(*T, []byte) error
}

// The two kinds of row.
var (
	users = rowKind[resource.User]{"user", "User", "scim_users",
		func(u *resource.User) (*string, *resource.Meta) { return &u.ID, &u.Meta }, (*resource.User).UnmarshalJSON}
	groups = rowKind[resource.Group]{"group", "Group", "scim_groups",
		func(g *resource.Group) (*string, *resource.Meta) { return &g.ID, &g.Meta }, (*resource.Group).UnmarshalJSON}
)

// rowCols are the columns of a user or group row that scan reads.
const rowCols = "id, data, version, created, last_modified"

// scanner is a *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// scan reads one row of rowCols.
func (k rowKind[T]) scan(sc scanner) (*T, error) {
	var (
		r                 T
		data              []byte
		version           int64
		created, modified sql.NullString
	)
	id, meta := k.fields(&r)
	if err := sc.Scan(id, &data, &version, &created, &modified); err != nil {
		return nil, err
	}
	if err := k.decode(data, &r); err != nil {
		return nil, err
	}
	*meta = resource.Meta{ResourceType: k.resourceType, Created: parseTime(created), LastModified: parseTime(modified), Version: versionText(version)}
	return &r, nil
}

// decode fills r, whose id is set, from the data column (see codec.go).
func (k rowKind[T]) decode(data []byte, r *T) error {
	id, _ := k.fields(r)
	keep := *id
	if err := k.unmarshal(r, data); err != nil {
		return fmt.Errorf("sqlstore: decoding %s %q: %w", k.noun, keep, err)
	}
	*id = keep
	return nil
}

// get reads the row id of the tenant, or answers ErrNotFound.
func (k rowKind[T]) get(ctx context.Context, s *Store, q querier, id string) (*T, error) {
	row := q.QueryRowContext(ctx, s.rebind("SELECT "+rowCols+" FROM "+k.table+" WHERE tenant = $1 AND id = $2"), store.TenantFrom(ctx), id)
	r, err := k.scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: get %s: %w", k.noun, err)
	}
	return r, nil
}

// ifVersion conditions an UPDATE or DELETE of one row, whose parameters
// are args, on the row's version being version, unless version is "". A
// version the store did not issue matches no row.
func ifVersion(query string, args []any, version string) (string, []any) {
	if version == "" {
		return query, args
	}
	v, ok := parseVersion(version)
	if !ok {
		v = -1
	}
	return query + " AND version = $" + strconv.Itoa(len(args)+1), append(args, v)
}

// inChunk is the number of ids per IN list.
const inChunk = 500

// inList appends ids to args and returns the placeholders of their IN
// list ("$3, $4, ...").
func (s *Store) inList(args []any, ids []string) (string, []any) {
	var in strings.Builder
	for i, id := range ids {
		if i > 0 {
			in.WriteString(", ")
		}
		args = append(args, id)
		in.WriteString(s.ph(len(args)))
	}
	return in.String(), args
}

// queryIn runs query(in) once per chunk of inChunk ids, with args and then
// the chunk's ids as parameters (in is the chunk's IN list, see inList),
// and calls row with the Scan of each row. Errors are labelled with what.
func (s *Store) queryIn(ctx context.Context, q querier, what string, args []any, ids []string,
	query func(in string) string, row func(scan func(...any) error) error,
) error {
	n := len(args)
	for start := 0; start < len(ids); start += inChunk {
		in, args := s.inList(args[:n:n], ids[start:min(start+inChunk, len(ids))])
		rows, err := q.QueryContext(ctx, query(in), args...)
		if err != nil {
			return fmt.Errorf("sqlstore: %s: %w", what, err)
		}
		for rows.Next() {
			if err := row(rows.Scan); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: %s: %w", what, err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlstore: %s: %w", what, err)
		}
	}
	return nil
}
