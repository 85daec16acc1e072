package filter

import (
	"strconv"

	"github.com/scimkit/scim/internal/jsonenc"
)

// The canonical form written by String: lower-case operators and keywords,
// one space between tokens, string values always quoted with JSON escapes
// (only '"', '\\', control characters and U+2028/U+2029 are escaped; other
// text is kept as is), numbers as written, and minimal parentheses: a group is written only
// where and/or precedence or left-associativity needs it, so parsing the
// output yields an equal AST. Attribute names keep the case they were
// written in.

var opNames = [...]string{Eq: "eq", Ne: "ne", Co: "co", Sw: "sw", Ew: "ew", Gt: "gt", Ge: "ge", Lt: "lt", Le: "le", Pr: "pr"}

// String returns the operator's lower-case name, "eq".
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// String returns "and" or "or".
func (o LogicalOp) String() string {
	switch o {
	case And:
		return "and"
	case Or:
		return "or"
	}
	return "logicalop(" + strconv.Itoa(int(o)) + ")"
}

// String renders v as a filter comparison value: a quoted JSON string, a
// number, true, false or null.
func (v Value) String() string {
	return string(v.appendTo(nil))
}

func (v Value) appendTo(b []byte) []byte {
	switch v.Kind {
	case String:
		return jsonenc.AppendString(b, v.Str) // the parser takes only valid UTF-8, so this round-trips
	case Number:
		return append(b, v.Str...)
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	case Null:
		return append(b, "null"...)
	}
	return b
}

// String renders the comparison, `userName eq "bjensen"`.
func (c *Compare) String() string { return string(appendExpr(nil, c)) }

// String renders the logical expression with minimal parentheses.
func (l *Logical) String() string { return string(appendExpr(nil, l)) }

// String renders "not (x)".
func (n *Not) String() string { return string(appendExpr(nil, n)) }

// String renders `emails[type eq "work"]`.
func (v *ValuePath) String() string { return string(appendExpr(nil, v)) }

// String renders the PATCH path, `emails[type eq "work"].value`.
func (p *Path) String() string {
	b := appendPath(nil, p.Attr)
	if p.Filter != nil {
		b = append(b, '[')
		b = appendExpr(b, p.Filter)
		b = append(b, ']')
		if p.Sub != "" {
			b = append(b, '.')
			b = append(b, p.Sub...)
		}
	}
	return string(b)
}

func appendPath(b []byte, p AttrPath) []byte {
	if p.URN != "" {
		b = append(b, p.URN...)
		b = append(b, ':')
	}
	b = append(b, p.Name...)
	if p.Sub != "" {
		b = append(b, '.')
		b = append(b, p.Sub...)
	}
	return b
}

func appendExpr(b []byte, e Expr) []byte {
	switch e := e.(type) {
	case *Compare:
		b = appendPath(b, e.Path)
		b = append(b, ' ')
		b = append(b, e.Op.String()...)
		if e.Op != Pr {
			b = append(b, ' ')
			b = e.Value.appendTo(b)
		}
	case *Logical:
		b = appendOperand(b, e.Left, e.Op, false)
		b = append(b, ' ')
		b = append(b, e.Op.String()...)
		b = append(b, ' ')
		b = appendOperand(b, e.Right, e.Op, true)
	case *Not:
		b = append(b, "not ("...)
		b = appendExpr(b, e.X)
		b = append(b, ')')
	case *ValuePath:
		b = appendPath(b, e.Path)
		b = append(b, '[')
		b = appendExpr(b, e.Filter)
		b = append(b, ']')
	case nil:
	default:
		b = append(b, e.String()...)
	}
	return b
}

// appendOperand writes an operand of a logical operator, parenthesised
// when re-parsing would otherwise group it differently: an "or" under an
// "and", and a right operand with the same operator (both associate to
// the left).
func appendOperand(b []byte, x Expr, parent LogicalOp, right bool) []byte {
	l, ok := x.(*Logical)
	if ok && ((parent == And && l.Op == Or) || (right && l.Op == parent)) {
		b = append(b, '(')
		b = appendExpr(b, x)
		return append(b, ')')
	}
	return appendExpr(b, x)
}
