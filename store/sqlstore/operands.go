package sqlstore

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim/filter"

	"github.com/scimkit/scim/resource"
)

// Kinds of the JSON values of extension attributes (see builder.go).
const (
	kJSONNumber kind = kNumber + 1 + iota // a JSON number: its text on PostgreSQL, its value (and jtype) on SQLite
	kJSONTime                             // a JSON string holding an RFC 3339 dateTime
)

// single returns the operand of a singular attribute (a, or its
// sub-attribute sub) and the attribute compared: sub, or a's value
// sub-attribute for a complex a, nil when there is none.
func (b *builder) single(s *resource.Schema, a, sub *resource.Attribute) (operand, *resource.Attribute, error) {
	cmpAttr := sub
	if cmpAttr == nil {
		cmpAttr = a
		if a.Type == resource.TypeComplex {
			cmpAttr = a.Sub("value")
		}
	}
	if s == b.rt.Schema {
		if col, ok := b.column(a, sub); ok {
			return col, cmpAttr, nil
		}
	}
	var path []string
	switch {
	case s == b.rt.Schema:
		if a.Name == "meta" || a.Name == "id" || a.Name == "groups" || a.Name == "members" {
			return operand{}, nil, errUnsupported
		}
	default:
		// An extension is the member named by its URN (see codec.go).
		path = append(path, s.ID)
	}
	path = append(path, a.Name)
	if a.Type == resource.TypeComplex {
		if sub == nil {
			if cmpAttr == nil {
				// Only pr applies: the object is stored when not empty.
				return operand{sql: b.jsonText(path, true), kind: kString}, nil, nil
			}
		}
		path = append(path, cmpAttr.Name)
	}
	if cmpAttr.MultiValued {
		return operand{}, nil, errUnsupported
	}
	switch cmpAttr.Type {
	case resource.TypeString, resource.TypeReference, resource.TypeBinary:
		return operand{sql: b.jsonText(path, false), kind: kString, caseExact: cmpAttr.CaseExact}, cmpAttr, nil
	case resource.TypeBoolean:
		return operand{sql: b.jsonBool(path), kind: kBoolText}, cmpAttr, nil
	case resource.TypeInteger, resource.TypeDecimal:
		return b.jsonNumber(path), cmpAttr, nil
	case resource.TypeDateTime:
		if b.pg() {
			return operand{sql: b.jsonString(path), kind: kJSONTime}, cmpAttr, nil
		}
		// pr and null translate; comparisons are left to filter.Match.
		return operand{sql: b.jsonText(path, false), kind: kJSONTime}, cmpAttr, nil
	}
	return operand{}, nil, errUnsupported
}

// jsonNumber is the JSON number at path in t.data: on PostgreSQL its text
// as sent (through json, not jsonb, which would rewrite 1e2 as 100), on
// SQLite its value with its json_type.
func (b *builder) jsonNumber(path []string) operand {
	if b.pg() {
		x := "json_extract_path(t.data::json, " + b.pathArgs(path) + ")"
		return operand{sql: "(CASE WHEN json_typeof(" + x + ") = 'number' THEN " + x + " #>> '{}' END)", kind: kJSONNumber}
	}
	p := b.arg(sqlitePath(path))
	t := "json_type(t.data, " + p + ")"
	return operand{sql: "(CASE WHEN " + t + " IN ('integer', 'real') THEN json_extract(t.data, " + b.arg(sqlitePath(path)) + ") END)",
		kind: kJSONNumber, jtype: "json_type(t.data, " + b.arg(sqlitePath(path)) + ")"}
}

// jsonString is the text of the JSON string at path in t.data
// (PostgreSQL, through json).
func (b *builder) jsonString(path []string) string {
	x := "json_extract_path(t.data::json, " + b.pathArgs(path) + ")"
	return "(CASE WHEN json_typeof(" + x + ") = 'string' THEN " + x + " #>> '{}' END)"
}

// jsonNumberOp compares a JSON number with the filter's number as
// filter.Match does: exactly when both are integers that fit an int64,
// else as float64 values (float8 on PostgreSQL, REAL on SQLite, both
// correctly rounded from the text). A literal that is not a finite
// float64 is ErrUnsupported; on PostgreSQL a stored number outside
// float8's normal range compares as numeric, so no row makes the query
// fail.
func (b *builder) jsonNumberOp(x operand, c *filter.Compare) (string, error) {
	sym := orderSym(c.Op)
	if c.Value.Kind != filter.Number || sym == "" {
		return sqlFalse, nil
	}
	lit := c.Value.Str
	li, intErr := strconv.ParseInt(lit, 10, 64)
	lf, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(lf, 0) || math.IsNaN(lf) || (lf == 0 && strings.ContainsAny(strings.SplitN(strings.ToLower(lit), "e", 2)[0], "123456789")) {
		return "", unsupportedf("number %s is not a finite float64", lit)
	}
	if b.pg() {
		n := x.sql + "::numeric"
		var sb strings.Builder
		sb.WriteString("(" + x.sql + " IS NOT NULL AND CASE ")
		if intErr == nil {
			sb.WriteString("WHEN " + x.sql + " ~ '^-?[0-9]+$' AND " + n + " BETWEEN -9223372036854775808 AND 9223372036854775807 THEN " +
				n + " " + sym + " CAST(" + b.arg(lit) + " AS numeric) ")
		}
		sb.WriteString("WHEN " + n + " = 0 OR abs(" + n + ") BETWEEN 1e-307 AND 1e308 THEN " + x.sql + "::float8 " + sym + " CAST(" + b.arg(lit) + " AS float8) ")
		sb.WriteString("ELSE " + n + " " + sym + " CAST(" + b.arg(lit) + " AS numeric) END)")
		return sb.String(), nil
	}
	if intErr == nil {
		return "(" + x.sql + " IS NOT NULL AND CASE WHEN " + x.jtype + " = 'integer' THEN " + x.sql + " " + sym + " " + b.arg(li) +
			" ELSE CAST(" + x.sql + " AS REAL) " + sym + " " + b.arg(lf) + " END)", nil
	}
	return "(" + x.sql + " IS NOT NULL AND CAST(" + x.sql + " AS REAL) " + sym + " " + b.arg(lf) + ")", nil
}

// rfc3339 is the form of the dateTimes filter.Match reads (time.RFC3339Nano),
// which PostgreSQL's timestamptz reads too; year 0000 is refused by the
// decoder, as by XML Schema's dateTime.
const rfc3339 = `^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$`

// jsonTimeOp compares a stored RFC 3339 string with the filter's dateTime
// by instant, at nanosecond precision as filter.Match does, although
// timestamptz holds microseconds: the stored text is cut to microseconds
// (T) and whether digits beyond them are not all zero (R) decides the
// ties, so eq is T = L and not R, gt is T > L or (T = L and R), and so on.
// A filter value finer than microseconds is ErrUnsupported; a stored
// value that is not RFC 3339 compares false, as in filter.Match.
func (b *builder) jsonTimeOp(x operand, c *filter.Compare) (string, error) {
	if !b.pg() {
		return "", unsupportedf("%s compares a dateTime of an extension on SQLite", c.Path.String())
	}
	sym := orderSym(c.Op)
	t, err := time.Parse(time.RFC3339Nano, c.Value.Str)
	if c.Value.Kind != filter.String || err != nil || sym == "" {
		return sqlFalse, nil
	}
	if t.Nanosecond()%int(time.Microsecond) != 0 {
		return "", unsupportedf("%s: finer than microseconds", c.Value.Str)
	}
	lit := func() string { return "CAST(" + b.arg(t.UTC().Format(time.RFC3339Nano)) + " AS timestamptz)" }
	cut := "regexp_replace(" + x.sql + `, '^([^.]*\.[0-9]{6})[0-9]+', '\1')::timestamptz`
	rest := "(" + x.sql + ` ~ '\.[0-9]{6}[0-9]*[1-9]')`
	var cond string
	switch c.Op {
	case filter.Eq:
		cond = cut + " = " + lit() + " AND NOT " + rest
	case filter.Gt:
		cond = cut + " > " + lit() + " OR (" + cut + " = " + lit() + " AND " + rest + ")"
	case filter.Ge:
		cond = cut + " >= " + lit()
	case filter.Lt:
		cond = cut + " < " + lit()
	case filter.Le:
		cond = cut + " < " + lit() + " OR (" + cut + " = " + lit() + " AND NOT " + rest + ")"
	}
	return "(CASE WHEN " + x.sql + " ~ " + b.arg(rfc3339) + " AND substr(" + x.sql + ", 1, 4) <> '0000' THEN (" + cond + ") ELSE false END)", nil
}

// column returns the indexed column holding a core or common attribute.
func (b *builder) column(a, sub *resource.Attribute) (operand, bool) {
	switch {
	case a.Name == "id" && sub == nil:
		return operand{sql: "t.id", kind: kString, caseExact: true}, true
	case a.Name == "externalId" && sub == nil:
		return operand{sql: "t.external_id", kind: kString, caseExact: a.CaseExact}, true
	case a.Name == "meta" && sub != nil && sub.Name == "created":
		return operand{sql: "t.created", kind: kTime}, true
	case a.Name == "meta" && sub != nil && sub.Name == "lastModified":
		return operand{sql: "t.last_modified", kind: kTime}, true
	case b.users && a.Name == "userName" && sub == nil && !a.CaseExact:
		return operand{sql: "t.user_name_folded", kind: kString, folded: true}, true
	case b.users && a.Name == "displayName" && sub == nil:
		return operand{sql: "t.display_name", kind: kString, caseExact: a.CaseExact}, true
	case b.users && a.Name == "active" && sub == nil:
		return operand{sql: "t.active", kind: kBoolCol}, true
	case !b.users && a.Name == "displayName" && sub == nil && !a.CaseExact:
		return operand{sql: "t.display_name_folded", kind: kString, folded: true}, true
	}
	return operand{}, false
}

// jsonText is the text of the JSON string at path in t.data; with
// anyValue, a non-NULL text for any present value.
func (b *builder) jsonText(path []string, anyValue bool) string {
	if b.pg() {
		fn := "jsonb_extract_path_text"
		if anyValue {
			fn = "jsonb_extract_path"
		}
		x := fn + "(t.data::jsonb, " + b.pathArgs(path) + ")"
		if anyValue {
			x += "::text"
		}
		return x
	}
	p := b.arg(sqlitePath(path))
	if anyValue {
		return "json_type(t.data, " + p + ")"
	}
	return "(CASE WHEN json_type(t.data, " + p + ") = 'text' THEN json_extract(t.data, " + p + ") END)"
}

// jsonBool is 'true' or 'false' for the JSON boolean at path, else NULL.
func (b *builder) jsonBool(path []string) string {
	if b.pg() {
		x := "jsonb_extract_path(t.data::jsonb, " + b.pathArgs(path) + ")"
		return "(CASE WHEN jsonb_typeof(" + x + ") = 'boolean' THEN " + x + "::text END)"
	}
	p := b.arg(sqlitePath(path))
	return "(CASE WHEN json_type(t.data, " + p + ") IN ('true', 'false') THEN json_type(t.data, " + p + ") END)"
}

func (b *builder) pathArgs(path []string) string {
	ps := make([]string, len(path))
	for i, k := range path {
		ps[i] = b.arg(k) + "::text"
	}
	return strings.Join(ps, ", ")
}

// sqlitePath renders a JSON path with every key quoted: $."a"."b".
func sqlitePath(path []string) string {
	var sb strings.Builder
	sb.WriteString("$")
	for _, k := range path {
		sb.WriteString(`."`)
		sb.WriteString(k)
		sb.WriteString(`"`)
	}
	return sb.String()
}

// multi returns the elements of a multi-valued complex attribute a of
// schema s: the rows of group_members for members and groups, the JSON
// array elements otherwise.
func (b *builder) multi(s *resource.Schema, a *resource.Attribute) (elements, bool, error) {
	if !a.MultiValued {
		return elements{}, false, nil
	}
	if a.Type != resource.TypeComplex {
		return elements{}, false, errUnsupported
	}
	if s == b.rt.Schema && ((b.users && a.Name == "groups") || (!b.users && a.Name == "members")) {
		return b.memberships(), true, nil
	}
	if s != b.rt.Schema {
		return b.extensionElements(s, a), true, nil
	}
	if b.pg() {
		from := "jsonb_array_elements(CASE WHEN jsonb_typeof(jsonb_extract_path(t.data::jsonb, " + b.pathArgs([]string{a.Name}) +
			")) = 'array' THEN jsonb_extract_path(t.data::jsonb, " + b.pathArgs([]string{a.Name}) + ") ELSE '[]'::jsonb END) AS e(v)"
		return elements{
			from: from,
			any:  "e.v <> '{}'::jsonb",
			field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
				switch sub.Type {
				case resource.TypeString, resource.TypeReference, resource.TypeBinary:
					k := b.arg(sub.Name) + "::text"
					return operand{sql: "(CASE WHEN jsonb_typeof(e.v -> " + k + ") = 'string' THEN e.v ->> " + k + " END)", kind: kString, caseExact: sub.CaseExact}, nil
				case resource.TypeBoolean:
					k := b.arg(sub.Name) + "::text"
					x := "(CASE WHEN jsonb_typeof(e.v -> " + k + ") = 'boolean' THEN e.v ->> " + k + " END)"
					if inValuePath && sub.Name == "primary" {
						x = "COALESCE(" + x + ", 'false')"
					}
					return operand{sql: x, kind: kBoolText}, nil
				}
				return operand{}, errUnsupported
			},
		}, true, nil
	}
	return elements{
		from: "json_each(t.data, " + b.arg(sqlitePath([]string{a.Name})) + ") AS e",
		any:  "e.value <> '{}'",
		field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
			p := b.arg(sqlitePath([]string{sub.Name}))
			switch sub.Type {
			case resource.TypeString, resource.TypeReference, resource.TypeBinary:
				return operand{sql: "(CASE WHEN json_type(e.value, " + p + ") = 'text' THEN json_extract(e.value, " + p + ") END)", kind: kString, caseExact: sub.CaseExact}, nil
			case resource.TypeBoolean:
				x := "(CASE WHEN json_type(e.value, " + p + ") IN ('true', 'false') THEN json_type(e.value, " + p + ") END)"
				if inValuePath && sub.Name == "primary" {
					x = "COALESCE(" + x + ", 'false')"
				}
				return operand{sql: x, kind: kBoolText}, nil
			}
			return operand{}, errUnsupported
		},
	}, true, nil
}

// memberships is User.groups or Group.members as rows of group_members.
func (b *builder) memberships() elements {
	els := elements{from: "scim_group_members m", any: sqlTrue}
	if b.users {
		els.where = "m.tenant = t.tenant AND m.member_id = t.id"
		els.field = func(sub *resource.Attribute, _ bool) (operand, error) {
			if sub.Name == "value" {
				return operand{sql: "m.group_id", kind: kString, caseExact: sub.CaseExact}, nil
			}
			return operand{}, errUnsupported
		}
		return els
	}
	els.where = "m.tenant = t.tenant AND m.group_id = t.id"
	els.field = func(sub *resource.Attribute, _ bool) (operand, error) {
		switch sub.Name {
		case "value":
			return operand{sql: "m.member_id", kind: kString, caseExact: sub.CaseExact}, nil
		case "type":
			return operand{sql: "m.member_type", kind: kString, caseExact: sub.CaseExact}, nil
		case "display":
			return operand{sql: "m.display", kind: kString, caseExact: sub.CaseExact}, nil
		}
		return operand{}, errUnsupported
	}
	return els
}

// extensionElements is a multi-valued complex attribute of a custom
// extension as JSON array elements, read through json on PostgreSQL so
// that numbers keep the text they were sent with (see jsonNumber).
func (b *builder) extensionElements(s *resource.Schema, a *resource.Attribute) elements {
	path := []string{s.ID, a.Name}
	if b.pg() {
		x := func() string { return "json_extract_path(t.data::json, " + b.pathArgs(path) + ")" }
		return elements{
			from: "json_array_elements(CASE WHEN json_typeof(" + x() + ") = 'array' THEN " + x() + " ELSE '[]'::json END) AS e(v)",
			any:  "e.v::text <> '{}'",
			field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
				k := b.arg(sub.Name) + "::text"
				typed := func(jt string) string {
					return "(CASE WHEN json_typeof(e.v -> " + k + ") = '" + jt + "' THEN e.v ->> " + k + " END)"
				}
				switch sub.Type {
				case resource.TypeString, resource.TypeReference, resource.TypeBinary:
					return operand{sql: typed("string"), kind: kString, caseExact: sub.CaseExact}, nil
				case resource.TypeBoolean:
					x := typed("boolean")
					if inValuePath && sub.Name == "primary" {
						x = "COALESCE(" + x + ", 'false')"
					}
					return operand{sql: x, kind: kBoolText}, nil
				case resource.TypeInteger, resource.TypeDecimal:
					return operand{sql: typed("number"), kind: kJSONNumber}, nil
				case resource.TypeDateTime:
					return operand{sql: typed("string"), kind: kJSONTime}, nil
				}
				return operand{}, errUnsupported
			},
		}
	}
	return elements{
		from: "json_each(t.data, " + b.arg(sqlitePath(path)) + ") AS e",
		any:  "e.value <> '{}'",
		field: func(sub *resource.Attribute, inValuePath bool) (operand, error) {
			p := func() string { return b.arg(sqlitePath([]string{sub.Name})) }
			switch sub.Type {
			case resource.TypeString, resource.TypeReference, resource.TypeBinary:
				return operand{sql: "(CASE WHEN json_type(e.value, " + p() + ") = 'text' THEN json_extract(e.value, " + p() + ") END)", kind: kString, caseExact: sub.CaseExact}, nil
			case resource.TypeBoolean:
				x := "(CASE WHEN json_type(e.value, " + p() + ") IN ('true', 'false') THEN json_type(e.value, " + p() + ") END)"
				if inValuePath && sub.Name == "primary" {
					x = "COALESCE(" + x + ", 'false')"
				}
				return operand{sql: x, kind: kBoolText}, nil
			case resource.TypeInteger, resource.TypeDecimal:
				return operand{sql: "(CASE WHEN json_type(e.value, " + p() + ") IN ('integer', 'real') THEN json_extract(e.value, " + p() + ") END)",
					kind: kJSONNumber, jtype: "json_type(e.value, " + p() + ")"}, nil
			}
			return operand{}, errUnsupported
		},
	}
}

// timeStrict is the form of the RFC 3339 dateTimes that a sort pushed down
// to PostgreSQL orders (upper-case T and Z, at most nanoseconds), which
// time.Parse reads; any other stored text is sorted in Go.
const timeStrict = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$`

// expressionSort is the sort on a singular attribute read from t.data (or
// a column that is not one of columnSort's), with filter.Sort's typed
// comparison: numbers as float64 (float8, REAL), dateTimes by instant at
// nanosecond precision (PostgreSQL only: SQLite sorts them in Go),
// strings bytewise, folded with filter.Fold unless caseExact (folding is
// exact in SQL for ASCII only: check sends a non-ASCII key to Go),
// booleans false before true. nil when SQL cannot give that order.
func (b *builder) expressionSort(s *resource.Schema, a, sub *resource.Attribute) *sortSpec {
	if a.MultiValued || (s == b.rt.Schema && (a.Name == "meta" || a.Name == "id" || a.Name == "groups" || a.Name == "members")) {
		return nil
	}
	x, cmpAttr, err := b.single(s, a, sub)
	if err != nil || cmpAttr == nil || cmpAttr.MultiValued || cmpAttr.Type == resource.TypeComplex {
		return nil
	}
	// raw is present for any JSON value but null: a value of another type
	// than the attribute's is assigned to filter.Sort.
	raw := ""
	if !strings.HasPrefix(x.sql, "t.") {
		var path []string
		if s != b.rt.Schema {
			path = append(path, s.ID)
		}
		path = append(path, a.Name)
		if a.Type == resource.TypeComplex {
			path = append(path, cmpAttr.Name)
		}
		raw = "(" + b.jsonText(path, true) + " IS NOT NULL AND " + b.jsonText(path, true) + " <> 'null')"
	}
	sp := &sortSpec{}
	switch x.kind {
	case kString:
		key := x.sql
		if !cmpAttr.CaseExact && !x.folded {
			key = b.foldASCII(key)
		}
		if b.pg() {
			key = "(" + key + ") COLLATE \"C\""
		}
		sp.keys, sp.types, sp.present = []string{key}, []keyType{keyText}, b.present(x)
		if !cmpAttr.CaseExact && !x.folded {
			if b.pg() {
				sp.check = "octet_length(" + key + ") <> char_length(" + key + ")"
			} else {
				sp.check = "length(CAST(" + key + " AS BLOB)) <> length(" + key + ")"
			}
		}
	case kBoolCol:
		sp.keys, sp.types, sp.present = []string{"CASE WHEN " + x.sql + " THEN 'true' ELSE 'false' END"}, []keyType{keyText}, "("+x.sql+" IS NOT NULL)"
		sp.seek = true
	case kBoolText:
		sp.keys, sp.types, sp.present = []string{x.sql}, []keyType{keyText}, "("+x.sql+" IS NOT NULL)"
		sp.seek = true
	case kJSONNumber:
		sp.present, sp.types, sp.seek = "("+x.sql+" IS NOT NULL)", []keyType{keyFloat}, true
		if b.pg() {
			n := x.sql + "::numeric"
			inRange := "(" + n + " = 0 OR abs(" + n + ") BETWEEN 1e-307 AND 1e308)"
			sp.keys = []string{"(CASE WHEN " + inRange + " THEN " + x.sql + "::float8 END)"}
			sp.check = "NOT " + inRange
		} else {
			sp.keys = []string{"CAST(" + x.sql + " AS REAL)"}
		}
	case kJSONTime:
		if !b.pg() {
			return nil
		}
		ok := "(" + x.sql + " ~ " + b.arg(timeStrict) + " AND substr(" + x.sql + ", 1, 4) <> '0000')"
		cut := "(CASE WHEN " + ok + " THEN regexp_replace(" + x.sql + `, '^([^.]*\.[0-9]{6})[0-9]+', '\1')::timestamptz END)`
		// The nanoseconds beyond the microseconds timestamptz keeps.
		ns := "COALESCE(rpad(substring(" + x.sql + ` from '\.[0-9]{6}([0-9]{1,3})'), 3, '0'), '0')::int`
		sp.keys, sp.types, sp.present, sp.seek = []string{cut, ns}, []keyType{keyTime, keyInt}, "("+x.sql+" IS NOT NULL AND "+x.sql+" <> '')", true
		sp.check = "NOT " + ok
	default:
		return nil
	}
	// A value SQL reads as missing but filter.Sort as assigned (another
	// JSON type), or one with a key SQL cannot compute, is sorted in Go.
	var bad []string
	if raw != "" {
		bad = append(bad, "("+raw+" AND NOT "+sp.present+")")
	}
	if sp.check != "" {
		bad = append(bad, "("+sp.present+" AND ("+sp.check+"))")
	}
	sp.check = strings.Join(bad, " OR ")
	sp.missing = "(NOT " + sp.present + ")"
	// Positions are for the sorts whose every row SQL orders (a check
	// could send a walk to Go halfway) on keys of bounded length.
	sp.seek = sp.seek && sp.check == ""
	return sp
}
