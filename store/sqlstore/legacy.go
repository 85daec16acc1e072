package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/scimkit/scim/resource"
)

// rejson is the Go step of migration 0003: it rewrites the data column of
// every user and group from the document the store kept before (the
// resource's attributes with the enterprise extension under "enterprise",
// custom extensions under "extensions" and unknown attributes under
// "extra") into the resource's JSON form (codec.go), in pages of
// rejsonPage rows so that a large table is not held in memory.
func (s *Store) rejson(ctx context.Context, q querier) error {
	for _, t := range []struct {
		table string
		users bool
	}{{"scim_users", true}, {"scim_groups", false}} {
		var lastTenant, lastID string
		for first := true; ; first = false {
			query := "SELECT tenant, id, data FROM " + t.table
			args := []any{}
			if !first {
				query += " WHERE tenant > $1 OR (tenant = $1 AND id > $2)"
				args = append(args, lastTenant, lastID)
			}
			query += " ORDER BY tenant, id LIMIT " + fmt.Sprint(rejsonPage)
			rows, err := readRows(ctx, q, s.rebind(query), args...)
			if err != nil {
				return err
			}
			for _, r := range rows {
				data, err := upgradeData([]byte(r[2]), t.users)
				if err != nil {
					return fmt.Errorf("%s %q of tenant %q: %w", t.table, r[1], r[0], err)
				}
				if _, err := q.ExecContext(ctx, s.rebind("UPDATE "+t.table+" SET data = $1 WHERE tenant = $2 AND id = $3"), data, r[0], r[1]); err != nil {
					return err
				}
			}
			if len(rows) < rejsonPage {
				break
			}
			lastTenant, lastID = rows[len(rows)-1][0], rows[len(rows)-1][1]
		}
	}
	return nil
}

// rejsonPage is the number of rows rejson reads at a time.
const rejsonPage = 500

// readRows reads every row of a query of three text columns, closing the
// rows before it returns (SQLite's migration has one connection).
func readRows(ctx context.Context, q querier, query string, args ...any) ([][3]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][3]string
	for rows.Next() {
		var r [3]string
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// upgradeData turns a data column of the document format into the
// resource's JSON form, read back through the resource's decoder.
func upgradeData(old []byte, user bool) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(old, &top); err != nil {
		return "", err
	}
	core := resource.GroupSchema
	if user {
		core = resource.UserSchema
	}
	out := make(map[string]json.RawMessage, len(top)+1)
	schemas := []string{core}
	var exts []string
	for k, v := range top {
		switch k {
		case "enterprise":
			if user {
				out[resource.EnterpriseUserSchema] = v
				schemas = append(schemas, resource.EnterpriseUserSchema)
				continue
			}
		case "extensions":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return "", err
			}
			for urn, raw := range m {
				out[urn] = raw
				exts = append(exts, urn)
			}
			continue
		case "extra":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return "", err
			}
			for name, raw := range m {
				out[name] = raw
			}
			continue
		}
		out[k] = v
	}
	sort.Strings(exts)
	list, err := json.Marshal(append(schemas, exts...))
	if err != nil {
		return "", err
	}
	out["schemas"] = list
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // raw extension values keep their text
	if err := enc.Encode(out); err != nil {
		return "", err
	}
	data := []byte(b.String())
	if user {
		var u resource.User
		if err := users.decode(data, &u); err != nil {
			return "", err
		}
		return encodeUser(&u)
	}
	var g resource.Group
	if err := groups.decode(data, &g); err != nil {
		return "", err
	}
	return encodeGroup(&g)
}
