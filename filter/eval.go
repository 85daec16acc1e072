package filter

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scimkit/scim/resource"
)

// noPos is the Pos of validation errors, which concern the AST and have no
// position in the input.
const noPos = -1

func schemaErr(format string, arg ...any) *Error {
	return newErrorNoPos(InvalidFilter, format, arg...)
}

// target is a resolved attribute path.
type target struct {
	schema *resource.Schema
	attr   *resource.Attribute // the top-level attribute
	sub    *resource.Attribute // the sub-attribute compared, or nil
}

// resolve resolves a top-level attribute path against rt (RFC 7644 §3.10).
// Unknown attributes and attributes returned "never" (password, RFC 7643
// §4.1.1) are errors: RFC 7644 §3.4.2.2 lets a filter refer only to
// attributes that can be returned.
func resolve(rt *resource.ResourceType, p AttrPath) (target, *Error) {
	if p.Sub == "" && lowerEq(p.Name, "schemas") && (p.URN == "" || (rt != nil && rt.Schema != nil && strings.EqualFold(p.URN, rt.Schema.ID))) {
		// RFC 7644 §3.4.2.2's example `schemas eq "urn:...:enterprise:2.0:User"`.
		return target{schema: rt.Schema, attr: schemasAttr}, nil
	}
	s, a, sub := resource.Resolve(rt, p.URN, p.Name, p.Sub)
	if s == nil || a == nil {
		return target{}, schemaErr("unknown attribute %q", p.String())
	}
	if a.Returned == resource.ReturnedNever || (sub != nil && sub.Returned == resource.ReturnedNever) {
		return target{}, schemaErr("attribute %q cannot be filtered on", p.String())
	}
	return target{schema: s, attr: a, sub: sub}, nil
}

// schemasAttr describes the "schemas" attribute every resource has
// (RFC 7643 §3), which the registry does not list.
var schemasAttr = &resource.Attribute{Name: "schemas", Type: resource.TypeReference, MultiValued: true, CaseExact: true,
	Mutability: resource.ReadOnly, Returned: resource.ReturnedAlways}

// getValue returns attribute t of r; "schemas" is derived from the
// resource's extensions.
func getValue(r resource.Resource, t target) any {
	if t.attr != schemasAttr {
		return r.Get(t.schema.ID, t.attr.Name)
	}
	out := []any{t.schema.ID}
	switch r := r.(type) {
	case *resource.User:
		if r == nil {
			return nil
		}
		if r.Enterprise != nil {
			out = append(out, resource.EnterpriseUserSchema)
		}
		for urn := range r.Extensions {
			out = append(out, urn)
		}
	case *resource.Group:
		if r == nil {
			return nil
		}
		for urn := range r.Extensions {
			out = append(out, urn)
		}
	}
	return out
}

// compared returns the attribute whose values a comparison uses: the
// sub-attribute, or for a complex attribute without one its "value"
// sub-attribute. Entra sends "manager eq <id>" meaning manager.value
// (docs/idp-compatibility.md#entra-manager-eq), and RFC 7644 §3.4.2.2's own example
// "emails co \"example.com\"" compares the emails' values; members and
// groups work the same way. It returns nil for a complex attribute without
// a value sub-attribute (name, addresses).
func (t target) compared() *resource.Attribute {
	if t.sub != nil {
		return t.sub
	}
	if t.attr.Type == resource.TypeComplex {
		return t.attr.Sub("value")
	}
	return t.attr
}

// Validate checks e against rt's schemas: attributes exist, operators fit
// their types, no filtering on returned:never attributes (RFC 7644
// §3.4.2.2). Errors are *Error with ScimType invalidFilter and Pos -1.
//
// Operator rules: pr works on every attribute; booleans take eq and ne
// only, with true/false (or the strings "true"/"false", which Entra's role
// mappings send, docs/idp-compatibility.md#entra-bool-strings); numbers and dateTimes take eq, ne,
// gt, ge, lt and le with a number or an RFC 3339 string; strings take
// every operator with a string (a bare number is taken as its text);
// a comparison on a complex attribute needs a sub-attribute unless the
// attribute has a value sub-attribute (see Match); null is allowed with eq
// and ne only.
func Validate(e Expr, rt *resource.ResourceType) error {
	if err := validate(e, rt, nil, false); err != nil {
		return err
	}
	return nil
}

// validate checks e; with namesOnly it checks only that attributes exist
// and can be filtered on, which is what Match refuses.
func validate(e Expr, rt *resource.ResourceType, parent *resource.Attribute, namesOnly bool) *Error {
	switch e := e.(type) {
	case *Compare:
		var a *resource.Attribute
		if parent != nil {
			sa, err := subAttr(parent, e.Path)
			if err != nil {
				return err
			}
			a = sa
			if namesOnly {
				return nil
			}
			if a.Type == resource.TypeComplex && e.Op != Pr {
				return schemaErr("%q is complex and cannot be compared", e.Path.String())
			}
		} else {
			t, err := resolve(rt, e.Path)
			if err != nil {
				return err
			}
			if e.Op == Pr || namesOnly {
				return nil
			}
			if a = t.compared(); a == nil {
				return schemaErr("%q is complex: compare one of its sub-attributes", e.Path.String())
			}
		}
		return checkOp(e, a)
	case *Logical:
		if e.Op != And && e.Op != Or {
			return schemaErr("invalid logical operator %d", e.Op)
		}
		if err := validate(e.Left, rt, parent, namesOnly); err != nil {
			return err
		}
		return validate(e.Right, rt, parent, namesOnly)
	case *Not:
		return validate(e.X, rt, parent, namesOnly)
	case *ValuePath:
		if parent != nil {
			return schemaErr("a value filter cannot contain another value filter")
		}
		if e.Path.Sub != "" {
			return schemaErr("value filter on sub-attribute %q", e.Path.String())
		}
		t, err := resolve(rt, e.Path)
		if err != nil {
			return err
		}
		if t.attr.Type != resource.TypeComplex {
			return schemaErr("value filter on %q, which is not complex", e.Path.String())
		}
		return validate(e.Filter, rt, t.attr, namesOnly)
	case nil:
		return schemaErr("empty filter")
	}
	return schemaErr("unknown expression type %T", e)
}

// subAttr resolves a path inside a value filter, relative to parent.
func subAttr(parent *resource.Attribute, p AttrPath) (*resource.Attribute, *Error) {
	if p.URN != "" || p.Sub != "" {
		return nil, schemaErr("%q inside a value filter must name a sub-attribute of %q", p.String(), parent.Name)
	}
	sa := parent.Sub(p.Name)
	if sa == nil {
		return nil, schemaErr("%q has no sub-attribute %q", parent.Name, p.Name)
	}
	if sa.Returned == resource.ReturnedNever {
		return nil, schemaErr("attribute %q cannot be filtered on", parent.Name+"."+p.Name)
	}
	return sa, nil
}

func checkOp(c *Compare, a *resource.Attribute) *Error {
	if c.Op < Eq || c.Op > Pr {
		return schemaErr("invalid comparison operator %d", c.Op)
	}
	if c.Op == Pr {
		return nil
	}
	name := c.Path.String()
	if c.Value.Kind == Null {
		if c.Op != Eq && c.Op != Ne {
			return schemaErr("%s with null on %q: only eq and ne compare with null", c.Op, name)
		}
		return nil
	}
	switch a.Type {
	case resource.TypeBoolean:
		if c.Op != Eq && c.Op != Ne {
			return schemaErr("%s on boolean %q: booleans take eq, ne and pr", c.Op, name)
		}
		if _, ok := boolOf(c.Value); !ok {
			return schemaErr("%q is boolean: compare it with true or false", name)
		}
	case resource.TypeInteger, resource.TypeDecimal:
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return schemaErr("%s on number %q", c.Op, name)
		}
		if c.Value.Kind != Number {
			return schemaErr("%q is a number: compare it with a number", name)
		}
	case resource.TypeDateTime:
		if c.Op == Co || c.Op == Sw || c.Op == Ew {
			return schemaErr("%s on dateTime %q", c.Op, name)
		}
		if _, ok := timeOf(c.Value.Str); c.Value.Kind != String || !ok {
			return schemaErr("%q is a dateTime: compare it with an RFC 3339 string", name)
		}
	case resource.TypeComplex:
		return schemaErr("%q is complex: compare one of its sub-attributes", name)
	default: // string, reference, binary
		if c.Value.Kind == Bool {
			return schemaErr("%q is a string: compare it with a string", name)
		}
	}
	return nil
}

// boolOf returns the boolean a value stands for: true/false, or the
// strings "true"/"false" in any case (Entra's "primary eq \"True\"",
// docs/idp-compatibility.md#entra-bool-strings).
func boolOf(v Value) (bool, bool) {
	switch {
	case v.Kind == Bool:
		return v.Bool, true
	case v.Kind == String && lowerEq(v.Str, "true"):
		return true, true
	case v.Kind == String && lowerEq(v.Str, "false"):
		return false, true
	}
	return false, false
}

func timeOf(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// Match reports whether r, a resource of type rt, matches e (RFC 7644
// §3.4.2.2). It does not need Validate first; it returns an *Error
// (invalidFilter) only for an attribute that rt does not define or that is
// returned "never", and evaluates a comparison whose value does not fit
// the attribute's type (which Validate would refuse) as false. It never
// panics.
//
// Semantics: strings compare by the attribute's caseExact (userName
// case-insensitively, id and externalId exactly), also for co, sw, ew and
// ordering; case-insensitively means by [Fold] keys (simple case folding,
// no normalisation); a multi-valued attribute matches when any value does; pr is
// false for unassigned values, empty strings and empty arrays; ne is the
// negation of eq, so it is true for an unassigned attribute; eq null
// matches an unassigned attribute and ne null an assigned one; dateTimes
// (meta.created, meta.lastModified) compare as instants; numbers compare
// numerically; a comparison on a complex attribute without a sub-attribute
// compares its value sub-attribute (manager eq, members eq, emails co);
// an unassigned "primary" sub-attribute counts as false.
func Match(e Expr, rt *resource.ResourceType, r resource.Resource) (bool, error) {
	// Names are checked up front so that the error does not depend on the
	// data or on short-circuiting.
	if err := validate(e, rt, nil, true); err != nil {
		return false, err
	}
	return match(e, rt, r), nil
}

// match evaluates e, whose attribute names have been checked.
func match(e Expr, rt *resource.ResourceType, r resource.Resource) bool {
	switch e := e.(type) {
	case *Compare:
		t, err := resolve(rt, e.Path)
		if err != nil {
			return false
		}
		v := getValue(r, t)
		if e.Op == Pr && t.sub == nil {
			return present(v)
		}
		a := t.compared()
		if a == nil {
			return false
		}
		if a != t.attr {
			v = pluck(v, a.Name)
		}
		return compareAll(v, a, e)
	case *Logical:
		l := match(e.Left, rt, r)
		if e.Op == And {
			return l && match(e.Right, rt, r)
		}
		return l || match(e.Right, rt, r)
	case *Not:
		return !match(e.X, rt, r)
	case *ValuePath:
		t, err := resolve(rt, AttrPath{URN: e.Path.URN, Name: e.Path.Name})
		if err != nil || e.Path.Sub != "" || t.attr.Type != resource.TypeComplex {
			return false
		}
		switch v := r.Get(t.schema.ID, t.attr.Name).(type) {
		case []any:
			for _, el := range v {
				if m, ok := el.(map[string]any); ok && matchElem(e.Filter, t.attr, m) {
					return true
				}
			}
		case map[string]any:
			return matchElem(e.Filter, t.attr, v)
		}
	}
	return false
}

// matchElem evaluates a value filter against one value of a complex
// attribute.
func matchElem(e Expr, parent *resource.Attribute, m map[string]any) bool {
	switch e := e.(type) {
	case *Compare:
		if e.Path.URN != "" || e.Path.Sub != "" {
			return false
		}
		sa := parent.Sub(e.Path.Name)
		if sa == nil {
			return false
		}
		v := m[sa.Name]
		if v == nil && sa.Type == resource.TypeBoolean && sa.Name == "primary" {
			v = false
		}
		if e.Op == Pr {
			return present(v)
		}
		return compareAll(v, sa, e)
	case *Logical:
		l := matchElem(e.Left, parent, m)
		if e.Op == And {
			return l && matchElem(e.Right, parent, m)
		}
		return l || matchElem(e.Right, parent, m)
	case *Not:
		return !matchElem(e.X, parent, m)
	}
	return false
}

// pluck returns sub-attribute name of a complex value, or of each value of
// a multi-valued complex attribute.
func pluck(v any, name string) any {
	switch v := v.(type) {
	case map[string]any:
		return v[name]
	case []any:
		out := make([]any, 0, len(v))
		for _, el := range v {
			if m, ok := el.(map[string]any); ok {
				if x, ok := m[name]; ok && x != nil {
					out = append(out, x)
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

// present reports whether v is assigned (RFC 7644 §3.4.2.2 "pr": non-empty,
// non-null).
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, x := range v {
			if present(x) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, x := range v {
			if present(x) {
				return true
			}
		}
		return false
	case json.RawMessage:
		return len(v) > 0 && string(v) != "null"
	}
	return true
}

// compareAll applies c to v, a single value or the values of a
// multi-valued attribute, whose type is a's.
func compareAll(v any, a *resource.Attribute, c *Compare) bool {
	switch c.Op {
	case Pr:
		return present(v)
	case Ne:
		eq := *c
		eq.Op = Eq
		return !compareAll(v, a, &eq)
	}
	if c.Value.Kind == Null {
		return c.Op == Eq && !present(v)
	}
	if vs, ok := v.([]any); ok {
		for _, x := range vs {
			if compareOne(x, a, c) {
				return true
			}
		}
		return false
	}
	return compareOne(v, a, c)
}

// compareOne applies c (not pr, ne or null) to one value x of type a.Type.
func compareOne(x any, a *resource.Attribute, c *Compare) bool {
	if x == nil {
		return false
	}
	switch a.Type {
	case resource.TypeBoolean:
		want, ok := boolOf(c.Value)
		got, ok2 := x.(bool)
		return ok && ok2 && c.Op == Eq && got == want
	case resource.TypeInteger, resource.TypeDecimal:
		if c.Value.Kind != Number {
			return false
		}
		cmp, ok := compareNumber(x, c.Value.Str)
		return ok && ordered(c.Op, cmp)
	case resource.TypeDateTime:
		var got time.Time
		switch x := x.(type) {
		case time.Time:
			got = x
		case string:
			t, ok := timeOf(x)
			if !ok {
				return false
			}
			got = t
		default:
			return false
		}
		want, ok := timeOf(c.Value.Str)
		if c.Value.Kind != String || !ok {
			return false
		}
		return ordered(c.Op, got.Compare(want))
	case resource.TypeComplex:
		return false
	}
	got, ok := x.(string)
	if !ok || (c.Value.Kind != String && c.Value.Kind != Number) {
		return false
	}
	return compareString(got, c.Value.Str, c.Op, a.CaseExact)
}

// ordered reports whether a comparison result cmp (-1, 0, 1) satisfies op.
func ordered(op Op, cmp int) bool {
	switch op {
	case Eq:
		return cmp == 0
	case Gt:
		return cmp > 0
	case Ge:
		return cmp >= 0
	case Lt:
		return cmp < 0
	case Le:
		return cmp <= 0
	}
	return false
}

// compareNumber compares x (int64, float64, int or json.Number) with the
// JSON number literal lit, exactly for integers.
func compareNumber(x any, lit string) (int, bool) {
	var xi int64
	var xf float64
	isInt := false
	switch x := x.(type) {
	case int64:
		xi, isInt = x, true
	case int:
		xi, isInt = int64(x), true
	case float64:
		xf = x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			xi, isInt = i, true
		} else if f, err := x.Float64(); err == nil {
			xf = f
		} else {
			return 0, false
		}
	default:
		return 0, false
	}
	if isInt {
		if li, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return cmpOrdered(xi, li), true
		}
		xf = float64(xi)
	}
	lf, err := strconv.ParseFloat(lit, 64)
	if err != nil && !math.IsInf(lf, 0) {
		return 0, false // not a number; an underflow is not worth guessing
	}
	if math.IsNaN(xf) {
		return 0, false
	}
	return cmpOrdered(xf, lf), true
}

func cmpOrdered[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareString applies op to got and want; caseExact false compares
// their Fold keys, for every operator (eq's strings.EqualFold is the same
// comparison without building the keys).
func compareString(got, want string, op Op, caseExact bool) bool {
	if caseExact {
		switch op {
		case Eq:
			return got == want
		case Co:
			return strings.Contains(got, want)
		case Sw:
			return strings.HasPrefix(got, want)
		case Ew:
			return strings.HasSuffix(got, want)
		}
		return ordered(op, strings.Compare(got, want))
	}
	switch op {
	case Eq:
		return strings.EqualFold(got, want)
	case Co, Sw, Ew:
		if isASCII(got) && isASCII(want) {
			return foldASCII(got, want, op)
		}
		got, want = Fold(got), Fold(want)
		switch op {
		case Co:
			return strings.Contains(got, want)
		case Sw:
			return strings.HasPrefix(got, want)
		}
		return strings.HasSuffix(got, want)
	}
	return ordered(op, compareFold(got, want))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldASCII applies co, sw or ew to ASCII strings, ignoring case, without
// allocating.
func foldASCII(got, want string, op Op) bool {
	if len(want) > len(got) {
		return false
	}
	switch op {
	case Sw:
		return asciiEqualFold(got[:len(want)], want)
	case Ew:
		return asciiEqualFold(got[len(got)-len(want):], want)
	}
	for i := 0; i+len(want) <= len(got); i++ {
		if asciiEqualFold(got[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// compareFold orders a and b by their Fold keys, bytewise.
func compareFold(a, b string) int {
	if isASCII(a) && isASCII(b) {
		for i := 0; i < len(a) && i < len(b); i++ {
			if x, y := lower(a[i]), lower(b[i]); x != y {
				return cmpOrdered(int64(x), int64(y))
			}
		}
		return cmpOrdered(int64(len(a)), int64(len(b)))
	}
	return strings.Compare(Fold(a), Fold(b))
}
