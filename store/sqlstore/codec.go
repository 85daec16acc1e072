package sqlstore

import (
	"fmt"

	"github.com/scimkit/scim/resource"
)

// The data column holds a resource in the library's own JSON form,
// resource.User.MarshalJSON and resource.Group.MarshalJSON: canonical
// attribute names (so that filters address them by name), the enterprise
// extension and custom extensions under their schema URNs, unknown
// attributes as sent, unassigned values omitted (primary false is a value
// and is kept). id, meta, groups and members live in columns and tables
// of their own and are left out; the password is never stored: an app
// that keeps credentials hashes them itself before the store sees the
// user. Rows written before migration 0003 had a document of the store's
// own; the migration rewrites them (legacy.go). Decoding is rowKind.decode
// (rows.go).

// encodeUser returns the data column of u.
func encodeUser(u *resource.User) (string, error) {
	c := *u
	c.ID, c.Password, c.Groups, c.Meta = "", "", nil, resource.Meta{}
	b, err := c.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("sqlstore: encoding user %q: %w", u.ID, err)
	}
	return string(b), nil
}

// encodeGroup returns the data column of g, without its members.
func encodeGroup(g *resource.Group) (string, error) {
	c := *g
	c.ID, c.Members, c.Meta = "", nil, resource.Meta{}
	b, err := c.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("sqlstore: encoding group %q: %w", g.ID, err)
	}
	return string(b), nil
}
