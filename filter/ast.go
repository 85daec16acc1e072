package filter

import "strings"

// Expr is a parsed filter expression (RFC 7644 §3.4.2.2). It is one of
// *Compare, *Logical, *Not or *ValuePath.
type Expr interface {
	// String renders the expression in canonical filter syntax; parsing the
	// result yields an equal expression.
	String() string
	expr()
}

// AttrPath is an attribute path: an optional schema URN, an attribute name
// and an optional sub-attribute name (RFC 7644 §3.10), as written in the
// filter. Compare names with strings.EqualFold, or use Is.
type AttrPath struct {
	URN  string // "" unless the path was fully qualified
	Name string
	Sub  string
}

// Is reports whether p names attribute name (and sub-attribute sub, "" for
// none) of any schema, ignoring case.
func (p AttrPath) Is(name, sub string) bool {
	return strings.EqualFold(p.Name, name) && strings.EqualFold(p.Sub, sub)
}

// IsZero reports whether p is the zero AttrPath.
func (p AttrPath) IsZero() bool { return p == AttrPath{} }

// String renders the path, "urn:...:name.sub".
func (p AttrPath) String() string {
	s := p.Name
	if p.Sub != "" {
		s += "." + p.Sub
	}
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	return s
}

// Op is a comparison operator (RFC 7644 §3.4.2.2, table 3).
type Op uint8

// Comparison operators.
const (
	Eq Op = iota + 1
	Ne
	Co
	Sw
	Ew
	Gt
	Ge
	Lt
	Le
	Pr
)

// ValueKind is the kind of a comparison value.
type ValueKind uint8

// Kinds of comparison values.
const (
	String ValueKind = iota + 1
	Number
	Bool
	Null
)

// Value is a comparison value: a decoded string, a number (its literal text
// in Str), a boolean or null.
type Value struct {
	Kind ValueKind
	Str  string
	Bool bool
}

// Compare is "path op value", or "path pr" (Value is zero for Pr).
type Compare struct {
	Path  AttrPath
	Op    Op
	Value Value
}

// LogicalOp is "and" or "or".
type LogicalOp uint8

// Logical operators.
const (
	And LogicalOp = iota + 1
	Or
)

// Logical is "left and right" or "left or right".
type Logical struct {
	Op          LogicalOp
	Left, Right Expr
}

// Not is "not (x)".
type Not struct {
	X Expr
}

// ValuePath is a complex-attribute filter, "emails[type eq "work"]": Filter
// applies to each value of Path (whose Sub is empty), and attribute paths
// inside Filter are relative to it. The filter matches when some value
// matches Filter. Entra's `emails[type eq "work"].value eq "x"` parses as
// `emails[type eq "work" and value eq "x"]` (see the package
// documentation).
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

func (*Compare) expr()   {}
func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*ValuePath) expr() {}

// Path is a PATCH operation path (RFC 7644 §3.5.2, the PATH rule of
// figure 1): an attribute path, optionally followed by a value filter and a
// sub-attribute: "name.givenName", "members[value eq "id"]",
// "emails[type eq "work"].value". When Filter is nil, Attr.Sub carries the
// sub-attribute; when Filter is set, Attr.Sub is empty and Sub names the
// sub-attribute after the closing bracket ("" for none).
type Path struct {
	Attr   AttrPath
	Filter Expr
	Sub    string
}
