package sqlstore

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Mapping tells [Translate] how the attributes of one SCIM resource type
// map onto an app's own columns.
//
// Each column expression must have the SQL type of its attribute, with
// NULL (or, for strings, the empty string) for an unassigned value:
//
//   - string, reference, binary: text (PostgreSQL text or varchar with a
//     deterministic collation, not citext; any SQLite text, also COLLATE
//     NOCASE). A non-text key such
//     as a bigint or uuid id is mapped through a cast: "a.id::text",
//     "CAST(a.id AS TEXT)".
//   - boolean: PostgreSQL boolean; SQLite 0 or 1.
//   - dateTime: PostgreSQL timestamp with time zone (or timestamp holding
//     UTC), compared with a time.Time bind argument at microsecond
//     precision; SQLite text that julianday() reads (RFC 3339,
//     "2006-01-02 15:04:05.000" in UTC, with or without an offset, as
//     modernc.org/sqlite writes time.Time with _time_format=sqlite), at
//     millisecond precision. A column of Unix seconds maps as
//     "datetime(a.created_unix, 'unixepoch')".
//   - integer, decimal: a numeric column.
//
// A column expression is copied into the SQL as is: it must come from the
// app's code, never from a request, and contain no bind parameters.
type Mapping struct {
	// Dialect is Postgres or SQLite.
	Dialect Dialect
	// ResourceType is the schema for caseExact and attribute types,
	// normally the store.Query's; nil means
	// resource.DefaultRegistry().User.
	ResourceType *resource.ResourceType
	// Columns maps attribute paths as filters write them ("userName",
	// "id", "externalId", "active", "name.familyName", "emails.value",
	// "meta.lastModified",
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
	// matched case-insensitively and with or without the schema URN, to a
	// SQL expression over the app's table ("a.email"). A complex attribute
	// compared without sub-attribute ("emails eq", "manager eq", "emails
	// pr") uses its ".value" entry; a key naming the complex attribute
	// itself ("manager") stands for its ".value" entry. Keys under a
	// schema URN that ResourceType does not have are ignored; any other
	// key that names no attribute is an error.
	Columns map[string]string
	// Folded maps attribute paths, written as in Columns, of strings that
	// are not caseExact (userName, group displayName) to columns that hold
	// filter.Fold of the value, as an app keeps for a unique or indexed
	// case-insensitive key. eq, ne, co, sw, ew and ordering on such an
	// attribute compare the column with Fold of the filter's value, for
	// any value, ASCII or not, and an index on (tenant, column) serves
	// "userName eq". pr also reads it (the key of "" is ""). A key here
	// takes precedence over the same key in Columns.
	Folded map[string]string
	// FirstArg is the number of the first bind parameter (PostgreSQL $n);
	// 0 means 1. SQLite uses "?", one argument per placeholder in order.
	FirstArg int
}

// colKey identifies a mapped attribute: the top-level attribute and the
// sub-attribute compared (nil for a simple attribute).
type colKey struct{ attr, sub *resource.Attribute }

// Translate turns e into a SQL boolean expression over the mapped columns
// of m and its bind arguments, for the WHERE clause of an app's own
// [store.UserQuerier] or [store.GroupQuerier] (RFC 7644 §3.4.2.2). The
// expression is never NULL, so NOT and OR over it are exact, and it
// matches exactly the rows whose resource [filter.Match] matches:
//
//   - Strings compare by the attribute's caseExact. When it is false they
//     compare by filter.Fold keys, the library's one folding rule: a
//     column of Mapping.Folded (which holds Fold of the value) against
//     Fold of the filter's value, for any value, so an index on it serves
//     userName eq; any other column, for an ASCII value only, through
//     lower() under COLLATE "C" with the Kelvin sign and long s replaced
//     by k and s, which is exactly Fold against an ASCII key (an index on
//     lower(email) does not serve it, nor does SQL lower() ever decide
//     what is equal). co, sw and ew use LIKE with %, _ and \ escaped,
//     under COLLATE "C", on PostgreSQL, and instr and substr on SQLite,
//     whose LIKE ignores ASCII case. Ordering (gt, ge, lt, le) is by
//     bytes, as Go orders strings.
//   - pr is IS NOT NULL (and not the empty string, for strings); eq null
//     is its negation; ne is the negation of eq, so it holds for NULL.
//   - Booleans take eq and ne with true/false (filter.Validate has turned
//     Entra's "True"/"False" into them, or refused them); numbers compare
//     numerically; dateTimes as instants (see Mapping for the column
//     types).
//   - A comparison whose value does not fit the attribute's type is
//     false, as in filter.Match.
//
// An attribute without a column, a value filter
// ("emails[type eq \"work\"]"), a dateTime more precise than the column
// (microseconds on PostgreSQL, milliseconds on SQLite) or a
// case-insensitive non-ASCII value on a column that is not in
// Mapping.Folded gives an error wrapping
// [store.ErrUnsupported]: a store's QueryUsers returns it, and the handler
// falls back to listing and filter.Match with exact totals. A Mapping
// that is wrong (unknown dialect, a key naming no attribute) gives an
// error that does not wrap it.
//
// On PostgreSQL the placeholders are $FirstArg, $FirstArg+1, ...; on
// SQLite they are "?", in the order of args.
func Translate(e filter.Expr, m Mapping) (where string, args []any, err error) {
	if m.Dialect != Postgres && m.Dialect != SQLite {
		return "", nil, fmt.Errorf("sqlstore: Translate: unknown dialect %v", m.Dialect)
	}
	if e == nil {
		return "", nil, errors.New("sqlstore: Translate: nil filter")
	}
	rt := m.ResourceType
	if rt == nil {
		rt = resource.DefaultRegistry().User
	}
	cols, err := mapColumns(rt, m.Columns)
	if err != nil {
		return "", nil, err
	}
	folded, err := mapColumns(rt, m.Folded)
	if err != nil {
		return "", nil, err
	}
	for k := range folded {
		a := k.sub
		if a == nil {
			a = k.attr
		}
		if a.CaseExact || (a.Type != resource.TypeString && a.Type != resource.TypeReference) {
			return "", nil, fmt.Errorf("sqlstore: Mapping.Folded: %s is not a case-insensitive string", a.Name)
		}
		if cols == nil {
			cols = map[colKey]string{}
		}
		if _, ok := cols[k]; !ok {
			cols[k] = folded[k] // attributes mapped only by their folded column
		}
	}
	base := m.FirstArg - 1
	if base < 0 {
		base = 0
	}
	b := &builder{dialect: m.Dialect, rt: rt, users: rt.ID == "User", base: base, plain: true, cols: cols, folded: folded}
	where, err = b.where(e)
	if err != nil {
		return "", nil, err
	}
	return where, b.args, nil
}

// mapColumns resolves the keys of Mapping.Columns against rt.
func mapColumns(rt *resource.ResourceType, cols map[string]string) (map[colKey]string, error) {
	out := make(map[colKey]string, len(cols))
	aliases := map[colKey]string{}
	for k, expr := range cols {
		urn, path := "", k
		if len(k) > 4 && strings.EqualFold(k[:4], "urn:") {
			i := strings.LastIndexByte(k, ':')
			urn, path = k[:i], k[i+1:]
		}
		name, sub, _ := strings.Cut(path, ".")
		_, a, sa := resource.Resolve(rt, urn, name, sub)
		if a == nil {
			if urn != "" && !hasSchema(rt, urn) {
				continue // an extension this server does not register
			}
			return nil, fmt.Errorf("sqlstore: Mapping.Columns: %q is not an attribute of %s", k, rt.ID)
		}
		if strings.TrimSpace(expr) == "" {
			return nil, fmt.Errorf("sqlstore: Mapping.Columns: empty expression for %q", k)
		}
		if sa == nil && a.Type == resource.TypeComplex {
			if v := a.Sub("value"); v != nil {
				aliases[colKey{a, v}] = expr
			}
			continue
		}
		out[colKey{a, sa}] = expr
	}
	for k, expr := range aliases {
		if _, ok := out[k]; !ok {
			out[k] = expr
		}
	}
	return out, nil
}

func hasSchema(rt *resource.ResourceType, urn string) bool {
	if rt.Schema != nil && strings.EqualFold(rt.Schema.ID, urn) {
		return true
	}
	for _, e := range rt.Extensions {
		if e.Schema != nil && strings.EqualFold(e.Schema.ID, urn) {
			return true
		}
	}
	return false
}

// unsupportedf is an error wrapping store.ErrUnsupported.
func unsupportedf(format string, a ...any) error {
	return fmt.Errorf("sqlstore: not translatable to SQL: "+format+": %w", append(a, store.ErrUnsupported)...)
}

// mappedCompare translates a comparison on the app's columns.
func (b *builder) mappedCompare(c *filter.Compare) (string, error) {
	_, a, sub := resource.Resolve(b.rt, c.Path.URN, c.Path.Name, c.Path.Sub)
	if a == nil || a.Returned == resource.ReturnedNever || (sub != nil && sub.Returned == resource.ReturnedNever) {
		// filter.Match refuses these: the fallback reports the error.
		return "", unsupportedf("%s is not a filterable attribute", c.Path.String())
	}
	cmpAttr := sub
	if cmpAttr == nil {
		cmpAttr = a
		if a.Type == resource.TypeComplex {
			cmpAttr = a.Sub("value")
		}
	}
	if cmpAttr == nil {
		if c.Op == filter.Pr {
			return "", unsupportedf("%s pr needs a sub-attribute", c.Path.String())
		}
		return sqlFalse, nil // filter.Match: a complex value compares false
	}
	key := colKey{a, cmpAttr}
	if cmpAttr == a {
		key.sub = nil
	}
	col, ok := b.cols[key]
	if !ok {
		return "", unsupportedf("%s has no column", c.Path.String())
	}
	x := operand{sql: parenthesize(col), caseExact: cmpAttr.CaseExact}
	if fc, ok := b.folded[key]; ok {
		x.sql, x.folded = parenthesize(fc), true
	}
	switch cmpAttr.Type {
	case resource.TypeString, resource.TypeReference, resource.TypeBinary:
		x.kind = kString
	case resource.TypeBoolean:
		x.kind = kBoolCol
	case resource.TypeDateTime:
		x.kind = kTimeCol
	case resource.TypeInteger, resource.TypeDecimal:
		x.kind = kNumber
	default:
		return "", unsupportedf("%s has type %s", c.Path.String(), cmpAttr.Type)
	}
	return b.full(x, cmpAttr, c)
}

// parenthesize wraps a column expression in parentheses unless it is a
// plain, possibly qualified or quoted, column name.
func parenthesize(col string) string {
	col = strings.TrimSpace(col)
	for _, r := range col {
		if !(r == '_' || r == '.' || r == '"' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "(" + col + ")"
		}
	}
	return col
}

// timeCol applies an ordering operator to an app's dateTime column:
// timestamptz against a time.Time on PostgreSQL, julianday() of both sides
// on SQLite.
func (b *builder) timeCol(x operand, c *filter.Compare) (string, error) {
	sym := orderSym(c.Op)
	t, err := time.Parse(time.RFC3339Nano, c.Value.Str)
	if c.Value.Kind != filter.String || err != nil || sym == "" {
		return sqlFalse, nil
	}
	t = t.UTC()
	if b.pg() {
		if t.Nanosecond()%int(time.Microsecond) != 0 {
			return "", unsupportedf("%s: PostgreSQL timestamps hold microseconds", c.Value.Str)
		}
		return "(" + x.sql + " IS NOT NULL AND " + x.sql + " " + sym + " " + b.arg(t) + ")", nil
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return "", unsupportedf("%s: SQLite's julianday() holds milliseconds", c.Value.Str)
	}
	jd := "julianday(" + x.sql + ")"
	return "(" + jd + " IS NOT NULL AND " + jd + " " + sym + " julianday(" + b.arg(t.Format("2006-01-02T15:04:05.000Z")) + "))", nil
}

// number applies an ordering operator to an app's numeric column. The
// literal goes to PostgreSQL as numeric text (exact for integer and
// decimal columns), to SQLite as an int64 or float64.
func (b *builder) number(x operand, c *filter.Compare) (string, error) {
	sym := orderSym(c.Op)
	if c.Value.Kind != filter.Number || sym == "" {
		return sqlFalse, nil
	}
	var v any
	if i, err := strconv.ParseInt(c.Value.Str, 10, 64); err == nil {
		v = i
	} else if f, err := strconv.ParseFloat(c.Value.Str, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		v = f
	} else {
		return "", unsupportedf("number %s out of range", c.Value.Str)
	}
	p := ""
	if b.pg() {
		p = "CAST(" + b.arg(c.Value.Str) + " AS numeric)"
	} else {
		p = b.arg(v)
	}
	return "(" + x.sql + " IS NOT NULL AND " + x.sql + " " + sym + " " + p + ")", nil
}
