package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// errUnsupported marks a filter the translator cannot express in SQL with
// the semantics of filter.Match; the query answers store.ErrUnsupported.
var errUnsupported = fmt.Errorf("sqlstore: filter not translatable to SQL: %w", store.ErrUnsupported)

// kind is the type of an operand as SQL sees it.
type kind uint8

const (
	kString   kind = iota + 1 // text
	kBoolCol                  // a boolean column
	kBoolText                 // 'true', 'false' or NULL
	kTime                     // stored time text (timeLayout)
	kTimeCol                  // an app's dateTime column (see Translate)
	kNumber                   // an app's numeric column
)

// operand is a SQL expression for the value of an attribute of one row
// (or of one element of a multi-valued attribute).
type operand struct {
	sql       string
	kind      kind
	caseExact bool
	folded    bool   // the expression already holds fold(value)
	jtype     string // SQLite kJSONNumber: the json_type of the value
}

// elements is a multi-valued attribute: a FROM clause yielding one row per
// value, and the operands of its sub-attributes.
type elements struct {
	from  string                                                           // "json_each(...) AS e" etc.
	where string                                                           // correlation, "" for none
	field func(sub *resource.Attribute, inValuePath bool) (operand, error) // a sub-attribute
	any   string                                                           // condition: the element has a non-empty value
}

// builder translates a filter into SQL with bind parameters: over the
// library's own tables (Store.QueryUsers, Store.QueryGroups), or over an
// app's columns (Translate, when cols is set).
type builder struct {
	dialect Dialect
	rt      *resource.ResourceType
	users   bool
	args    []any
	// base is the number of bind parameters before the first of args.
	base int
	// plain makes SQLite placeholders "?" (one argument per occurrence)
	// rather than "?n".
	plain bool
	// cols maps attributes to the app's SQL expressions (Translate); nil
	// for the library's tables.
	cols map[colKey]string
	// folded maps attributes to the app's columns holding filter.Fold of
	// the value (Mapping.Folded).
	folded map[colKey]string
	// inline makes arg write a string as a SQL literal (the constants of
	// a sort, see orderBy).
	inline bool
}

// arg binds v and returns its placeholder. Every occurrence of a value in
// the SQL takes an arg call of its own, so that plain "?" placeholders
// stay in order.
func (b *builder) arg(v any) string {
	if str, ok := v.(string); ok && b.inline {
		return "'" + strings.ReplaceAll(str, "'", "''") + "'"
	}
	b.args = append(b.args, v)
	n := b.base + len(b.args)
	switch {
	case b.dialect == Postgres:
		return "$" + strconv.Itoa(n)
	case b.plain:
		return "?"
	}
	return "?" + strconv.Itoa(n)
}

func (b *builder) pg() bool { return b.dialect == Postgres }

const (
	sqlTrue  = "(1 = 1)"
	sqlFalse = "(1 = 0)"
)

// logical translates and, or and not (e is a *filter.Logical or a
// *filter.Not), their operands with operand.
func logical(e filter.Expr, operand func(filter.Expr) (string, error)) (string, error) {
	if n, ok := e.(*filter.Not); ok {
		x, err := operand(n.X)
		if err != nil {
			return "", err
		}
		return "(NOT " + x + ")", nil
	}
	l := e.(*filter.Logical)
	left, err := operand(l.Left)
	if err != nil {
		return "", err
	}
	right, err := operand(l.Right)
	if err != nil {
		return "", err
	}
	if l.Op == filter.And {
		return "(" + left + " AND " + right + ")", nil
	}
	return "(" + left + " OR " + right + ")", nil
}

// where translates e into a condition that is never NULL.
func (b *builder) where(e filter.Expr) (string, error) {
	switch e := e.(type) {
	case *filter.Logical, *filter.Not:
		return logical(e, b.where)
	case *filter.Compare:
		if b.cols != nil {
			return b.mappedCompare(e)
		}
		return b.compare(e)
	case *filter.ValuePath:
		if b.cols != nil {
			return "", unsupportedf("value filter %s", e.Path.String())
		}
		return b.valuePath(e)
	}
	return "", errUnsupported
}

// resolve resolves p as filter.Match does, refusing what Match would
// refuse (the fallback then reports the error).
func (b *builder) resolve(p filter.AttrPath) (*resource.Schema, *resource.Attribute, *resource.Attribute, error) {
	s, a, sub := resource.Resolve(b.rt, p.URN, p.Name, p.Sub)
	if s == nil || a == nil || a.Returned == resource.ReturnedNever || (sub != nil && sub.Returned == resource.ReturnedNever) {
		return nil, nil, nil, errUnsupported
	}
	return s, a, sub, nil
}

func (b *builder) compare(c *filter.Compare) (string, error) {
	s, a, sub, err := b.resolve(c.Path)
	if err != nil {
		return "", err
	}
	if els, ok, err := b.multi(s, a); err != nil {
		return "", err
	} else if ok {
		if sub == nil && c.Op == filter.Pr {
			return "EXISTS (SELECT 1 FROM " + els.from + " WHERE " + and(els.where, els.any) + ")", nil
		}
		cmpAttr := sub
		if cmpAttr == nil {
			cmpAttr = a.Sub("value")
		}
		if cmpAttr == nil {
			return sqlFalse, nil
		}
		f, err := els.field(cmpAttr, false)
		if err != nil {
			return "", err
		}
		exists := func(cond string) string {
			return "EXISTS (SELECT 1 FROM " + els.from + " WHERE " + and(els.where, cond) + ")"
		}
		switch {
		case c.Op == filter.Pr:
			return exists(b.present(f)), nil
		case c.Value.Kind == filter.Null && c.Op == filter.Eq:
			return "(NOT " + exists(b.present(f)) + ")", nil
		case c.Value.Kind == filter.Null && c.Op == filter.Ne:
			return exists(b.present(f)), nil
		case c.Value.Kind == filter.Null:
			return sqlFalse, nil
		case c.Op == filter.Ne:
			eq := *c
			eq.Op = filter.Eq
			cond, err := b.op(f, cmpAttr, &eq)
			if err != nil {
				return "", err
			}
			return "(NOT " + exists(cond) + ")", nil
		}
		cond, err := b.op(f, cmpAttr, c)
		if err != nil {
			return "", err
		}
		return exists(cond), nil
	}
	x, cmpAttr, err := b.single(s, a, sub)
	if err != nil {
		return "", err
	}
	if c.Op == filter.Pr && sub == nil && a.Type == resource.TypeComplex {
		// A singular complex attribute is stored only when some
		// sub-attribute is assigned.
		return b.present(x), nil
	}
	if cmpAttr == nil {
		return sqlFalse, nil
	}
	return b.full(x, cmpAttr, c)
}

// full applies c, including pr, ne and null, to a single-valued operand.
func (b *builder) full(x operand, a *resource.Attribute, c *filter.Compare) (string, error) {
	switch {
	case c.Op == filter.Pr:
		return b.present(x), nil
	case c.Value.Kind == filter.Null && c.Op == filter.Eq:
		return "(NOT " + b.present(x) + ")", nil
	case c.Value.Kind == filter.Null && c.Op == filter.Ne:
		return b.present(x), nil
	case c.Value.Kind == filter.Null:
		return sqlFalse, nil
	case c.Op == filter.Ne:
		eq := *c
		eq.Op = filter.Eq
		cond, err := b.op(x, a, &eq)
		if err != nil {
			return "", err
		}
		return "(NOT " + cond + ")", nil
	}
	return b.op(x, a, c)
}

func and(a, b string) string {
	if a == "" {
		return b
	}
	return "(" + a + " AND " + b + ")"
}

// present is "pr" on a single operand.
func (b *builder) present(x operand) string {
	if x.kind == kString {
		return "(" + x.sql + " IS NOT NULL AND " + x.sql + " <> '')"
	}
	return "(" + x.sql + " IS NOT NULL)"
}

// op applies eq, gt, ge, lt, le, co, sw or ew (no null value) to x, whose
// attribute is a; the result is never NULL.
func (b *builder) op(x operand, a *resource.Attribute, c *filter.Compare) (string, error) {
	switch x.kind {
	case kBoolCol, kBoolText:
		// filter.Validate has turned Entra's "True" into true.
		want, ok := c.Value.Bool, c.Value.Kind == filter.Bool
		if !ok || c.Op != filter.Eq {
			return sqlFalse, nil
		}
		if x.kind == kBoolCol {
			return "(" + x.sql + " IS NOT NULL AND " + x.sql + " = " + b.arg(want) + ")", nil
		}
		return "(" + x.sql + " IS NOT NULL AND " + x.sql + " = " + b.arg(strconv.FormatBool(want)) + ")", nil
	case kTime:
		t, err := time.Parse(time.RFC3339Nano, c.Value.Str)
		if c.Value.Kind != filter.String || err != nil {
			return sqlFalse, nil
		}
		sym := orderSym(c.Op)
		if sym == "" {
			return sqlFalse, nil
		}
		return "(" + x.sql + " IS NOT NULL AND " + x.sql + " " + sym + " " + b.arg(t.UTC().Format(timeLayout)) + ")", nil
	case kTimeCol:
		return b.timeCol(x, c)
	case kNumber:
		return b.number(x, c)
	case kJSONNumber:
		return b.jsonNumberOp(x, c)
	case kJSONTime:
		return b.jsonTimeOp(x, c)
	}
	if c.Value.Kind != filter.String && c.Value.Kind != filter.Number {
		return sqlFalse, nil
	}
	v := c.Value.Str
	expr := x.sql
	if !a.CaseExact {
		if !x.folded {
			if !isASCII(v) {
				return "", unsupportedf("%s compares %q case-insensitively, and the column is not folded", c.Path.String(), v)
			}
			expr = b.foldASCII(expr)
		}
		v = fold(v)
	}
	guard := "(" + x.sql + " IS NOT NULL AND " + x.sql + " <> '' AND "
	if sym := orderSym(c.Op); sym != "" {
		switch {
		case b.pg() && (b.cols == nil || c.Op != filter.Eq):
			// Byte order, as Go compares strings, whatever the
			// database's collation. Equality needs no collation (every
			// deterministic one agrees), and without it an app's index
			// on its folded column serves the lookup.
			expr = "(" + expr + ") COLLATE \"C\""
		case !b.pg() && b.cols != nil && a.CaseExact:
			// An app's column may be declared COLLATE NOCASE.
			expr = expr + " COLLATE BINARY"
		}
		return guard + expr + " " + sym + " " + b.arg(v) + ")", nil
	}
	if v == "" {
		// Every assigned string contains the empty string.
		return b.present(x), nil
	}
	if b.pg() {
		pat := likeEscape(v)
		switch c.Op {
		case filter.Co:
			pat = "%" + pat + "%"
		case filter.Sw:
			pat += "%"
		case filter.Ew:
			pat = "%" + pat
		default:
			return sqlFalse, nil
		}
		return guard + "(" + expr + ") COLLATE \"C\" LIKE " + b.arg(pat) + " ESCAPE '\\')", nil
	}
	// SQLite's LIKE ignores ASCII case, so substrings are compared with
	// instr and substr instead (neither uses a collation). substr counts
	// characters, as length does.
	switch c.Op {
	case filter.Co:
		return guard + "instr(" + expr + ", " + b.arg(v) + ") > 0)", nil
	case filter.Sw:
		return guard + "substr(" + expr + ", 1, length(" + b.arg(v) + ")) = " + b.arg(v) + ")", nil
	case filter.Ew:
		return guard + "length(" + expr + ") >= length(" + b.arg(v) + ") AND substr(" + expr + ", -length(" + b.arg(v) + ")) = " + b.arg(v) + ")", nil
	}
	return sqlFalse, nil
}

// foldASCII returns a SQL expression that equals filter.Fold of the text
// x on the positions that matter for a comparison with an ASCII key:
// lower() folds ASCII letters (under COLLATE "C" on PostgreSQL, whatever
// the locale; SQLite's built-in lower() folds ASCII only, without the ICU
// extension), and the Kelvin sign and long s, the only non-ASCII runes
// whose Fold key is ASCII, become k and s. Every other non-ASCII rune
// stays non-ASCII in both, so eq, co, sw, ew and ordering against an
// ASCII key give what filter.Match gives.
func (b *builder) foldASCII(x string) string {
	if b.pg() {
		x = "lower((" + x + ") COLLATE \"C\")"
	} else {
		x = "lower(" + x + ")"
	}
	return "replace(replace(" + x + ", '\u212A', 'k'), '\u017F', 's')"
}

func orderSym(op filter.Op) string {
	switch op {
	case filter.Eq:
		return "="
	case filter.Gt:
		return ">"
	case filter.Ge:
		return ">="
	case filter.Lt:
		return "<"
	case filter.Le:
		return "<="
	}
	return ""
}

// likeEscape escapes the LIKE wildcards % and _ and the escape character.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// valuePath translates attr[filter] on a multi-valued complex attribute.
func (b *builder) valuePath(vp *filter.ValuePath) (string, error) {
	if vp.Path.Sub != "" {
		return sqlFalse, nil
	}
	s, a, _, err := b.resolve(vp.Path)
	if err != nil {
		return "", err
	}
	if a.Type != resource.TypeComplex {
		return sqlFalse, nil
	}
	els, ok, err := b.multi(s, a)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errUnsupported // a singular complex attribute
	}
	cond, err := b.elemWhere(vp.Filter, a, els)
	if err != nil {
		return "", err
	}
	return "EXISTS (SELECT 1 FROM " + els.from + " WHERE " + and(els.where, cond) + ")", nil
}

// elemWhere translates the filter inside brackets, over one element.
func (b *builder) elemWhere(e filter.Expr, parent *resource.Attribute, els elements) (string, error) {
	switch e := e.(type) {
	case *filter.Logical, *filter.Not:
		return logical(e, func(x filter.Expr) (string, error) { return b.elemWhere(x, parent, els) })
	case *filter.Compare:
		if e.Path.URN != "" || e.Path.Sub != "" {
			return sqlFalse, nil
		}
		sa := parent.Sub(e.Path.Name)
		if sa == nil {
			return sqlFalse, nil
		}
		f, err := els.field(sa, true)
		if err != nil {
			return "", err
		}
		return b.full(f, sa, e)
	}
	return "", errUnsupported
}

// keyType is how a sort key's value is bound back from a position.
type keyType uint8

const (
	keyText  keyType = iota // text compared bytewise
	keyFloat                // a float8 (REAL) value
	keyTime                 // a timestamptz (PostgreSQL)
	keyInt                  // a small integer
)

// sortSpec is an ORDER BY whose order is exactly filter.Sort's for a
// sortBy: the rows with a value (present) ordered by keys, ascending or
// descending, ties in the default order (seekOrder, ascending both ways,
// as the stable sort keeps the default order of equal keys); the rows
// without a value last when ascending and first when descending, in the
// default order.
type sortSpec struct {
	by      string    // the sortBy path, lower-cased, that positions carry
	keys    []string  // SQL expressions, not NULL where present holds
	types   []keyType // the type of each key
	present string    // the row has a value: never NULL
	missing string    // NOT present, in a form an index can serve
	// check, when not "", holds on a row whose value SQL cannot order as
	// filter.Sort does (a value of another JSON type, a string that is not
	// ASCII after folding, a number out of float8's normal range); when a
	// match has such a value the store sorts in Go.
	check  string
	unique bool // no two rows of a tenant share a key: no tie-breakers
	desc   bool
	// seek says the store pages by position under this sort: the keys are
	// columns of bounded length, and no row's value is left to Go.
	seek   bool
	column bool // keys are columns of the table
}

// orderBy returns the sort of sortBy, or nil when the sort must happen in
// Go (filter.Sort) for exact agreement. by zero is the default order,
// which plan handles.
func (b *builder) orderBy(by filter.AttrPath, desc bool) *sortSpec {
	s, a, sub := resource.Resolve(b.rt, by.URN, by.Name, by.Sub)
	if s == nil || a == nil {
		return nil
	}
	// The sort's SQL holds its constants (JSON paths of the registry's
	// attribute names) as literals, so that each statement binds only
	// what it uses.
	b.inline = true
	defer func() { b.inline = false }()
	spec := b.columnSort(s, a, sub)
	if spec == nil {
		spec = b.expressionSort(s, a, sub)
	}
	if spec == nil {
		return nil
	}
	spec.by, spec.desc = strings.ToLower(by.String()), desc
	return spec
}

// columnSort is the sort on a column of the library's tables.
func (b *builder) columnSort(s *resource.Schema, a, sub *resource.Attribute) *sortSpec {
	if s != b.rt.Schema {
		return nil
	}
	var key string
	unique := false
	switch {
	case a.Name == "id" && sub == nil:
		key = "t.id"
	case a.Name == "externalId" && sub == nil && a.CaseExact:
		key = "t.external_id"
	case a.Name == "meta" && sub != nil && sub.Name == "created":
		key = "t.created"
	case a.Name == "meta" && sub != nil && sub.Name == "lastModified":
		key = "t.last_modified"
	case b.users && a.Name == "userName" && sub == nil && !a.CaseExact:
		// Unique per tenant (scim_users_user_name): ties cannot occur, so
		// the order is the index's.
		key, unique = "t.user_name_folded", true
	case !b.users && a.Name == "displayName" && sub == nil && !a.CaseExact:
		key = "t.display_name_folded"
	default:
		return nil
	}
	missing := "(" + key + " IS NULL OR " + key + " = '')"
	if unique {
		missing = "(" + key + " = '')" // user_name_folded is NOT NULL
	}
	return &sortSpec{keys: []string{key}, types: []keyType{keyText}, present: "(" + key + " IS NOT NULL AND " + key + " <> '')",
		missing: missing, unique: unique, seek: true, column: true}
}

// orderClause is the ORDER BY of one statement giving the whole order:
// the rows with a value, then those without (ascending; the reverse when
// descending), each in the order of its segment.
func (sp *sortSpec) orderClause() string {
	var sb strings.Builder
	if sp.desc {
		sb.WriteString("CASE WHEN " + sp.present + " THEN 1 ELSE 0 END")
	} else {
		sb.WriteString("CASE WHEN " + sp.present + " THEN 0 ELSE 1 END")
	}
	for _, k := range sp.keys {
		sb.WriteString(", CASE WHEN " + sp.present + " THEN " + k + " END")
		if sp.desc {
			sb.WriteString(" DESC")
		}
	}
	sb.WriteString(", " + seekOrder)
	return sb.String()
}

// segmentOrder is the ORDER BY of the rows with a value (present) or of
// those without; "" when there is at most one such row (a unique key:
// only one row of a tenant can hold the empty key).
func (sp *sortSpec) segmentOrder(present bool) string {
	if !present {
		if sp.unique {
			return ""
		}
		return seekOrder
	}
	parts := make([]string, 0, len(sp.keys)+1)
	for _, k := range sp.keys {
		if sp.desc {
			k += " DESC"
		}
		parts = append(parts, k)
	}
	if !sp.unique {
		parts = append(parts, seekOrder)
	}
	return strings.Join(parts, ", ")
}
