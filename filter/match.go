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
//
// Match checks e's attribute names every time it is called; to evaluate
// one filter against many resources, Compile it once.
func Match(e Expr, rt *resource.ResourceType, r resource.Resource) (bool, error) {
	// Names are checked up front so that the error does not depend on the
	// data or on short-circuiting.
	if err := validate(e, rt, nil, true); err != nil {
		return false, err
	}
	return match(e, rt, r), nil
}

// Matcher is a filter whose attribute names have been checked against a
// resource type once, by [Compile], to evaluate it against many resources
// of that type without checking it again for each. The handler's list
// fallback and the memory store compile a query's filter once and match
// every candidate with it. A Matcher is safe for concurrent use; it keeps
// e, which must not change while the Matcher is used.
type Matcher struct {
	e  Expr
	rt *resource.ResourceType
}

// Compile checks e's attribute names against rt, as [Match] does (an
// *Error, invalidFilter, for an attribute rt does not define or that is
// returned "never"), and returns the Matcher that evaluates it. Operators
// and values are [Validate]'s work, which a handler does once per request.
func Compile(e Expr, rt *resource.ResourceType) (*Matcher, error) {
	if err := validate(e, rt, nil, true); err != nil {
		return nil, err
	}
	return &Matcher{e: e, rt: rt}, nil
}

// Match reports whether r matches the compiled filter, with the semantics
// of the package-level [Match].
func (m *Matcher) Match(r resource.Resource) bool { return match(m.e, m.rt, r) }

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
		// Validate has turned Entra's "True" into true.
		got, ok := x.(bool)
		return ok && c.Value.Kind == Bool && c.Op == Eq && got == c.Value.Bool
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
