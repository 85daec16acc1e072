package patch

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// applyFiltered applies an operation whose path has a value filter,
// "emails[type eq \"work\"].value" (RFC 7644 §3.5.2). When the operation's
// own path has the filter (a.useState), the matches come from the index
// of index.go and removed values become tombstones; otherwise every value
// is checked and removed values are cut out at once.
func (a *applier) applyFiltered(kind string, t target, val any) *Error {
	at := t.attr
	c := a.container(t.schema, kind != OpRemove)
	var elems []any
	if c != nil {
		elems, _ = c[at.Name].([]any)
	}
	var st *attrState
	if a.useState && c != nil {
		st = a.state(t.schema, c, at.Name)
	}
	matched := a.matches(t, st, elems)
	if kind == OpRemove {
		if len(matched) == 0 {
			if a.opts.use(quirk.IdempotentRemove) {
				return nil
			}
			return errf(noTarget, "the value filter "+strconv.Quote(t.filter.String())+" matches no value of "+strconv.Quote(at.Name))
		}
		if t.sub != nil {
			for _, i := range matched {
				delete(elems[i].(map[string]any), t.sub.Name)
			}
			if st != nil {
				st.changed(elems, matched)
			}
			return nil
		}
		if st != nil {
			st.removed(elems, matched)
			return nil
		}
		out := elems[:0:0]
		j := 0
		for i, el := range elems {
			if j < len(matched) && matched[j] == i {
				j++
				continue
			}
			out = append(out, el)
		}
		setElems(c, at.Name, out)
		return nil
	}
	var nv any
	var err *Error
	if t.sub != nil {
		nv, err = a.norm(t.sub, val)
	} else {
		nv, err = a.normElem(at, val)
	}
	if err != nil {
		return err
	}
	created := false
	if len(matched) == 0 {
		seed, ok := a.seed(at, t.filter)
		if !ok || !a.opts.use(quirk.CreateOnNoMatch) {
			return errf(noTarget, "the value filter "+strconv.Quote(t.filter.String())+" matches no value of "+strconv.Quote(at.Name)+" (RFC 7644 §3.5.2.3)")
		}
		// Entra (docs/idp-compatibility.md#entra-create-on-no-match): create the value the filter describes; later
		// operations with the same filter match it.
		elems = append(elems, seed)
		matched = []int{len(elems) - 1}
		created = true
	}
	for _, i := range matched {
		m := elems[i].(map[string]any)
		switch {
		case t.sub != nil:
			setOrDelete(m, t.sub.Name, nv)
		case nv == nil:
			if kind == OpReplace && !created {
				for k := range m {
					delete(m, k)
				}
			}
		case kind == OpReplace && !created:
			for k := range m {
				delete(m, k)
			}
			fallthrough
		default:
			for k, v := range nv.(map[string]any) {
				m[k] = v
			}
		}
	}
	c[at.Name] = elems
	if st == nil {
		onePrimary(at, elems, matched)
		return nil
	}
	st.changed(elems, matched)
	st.onePrimary(at, elems, matched)
	return nil
}

// matches returns the positions, ascending, of the values of t.attr that
// t's filter matches: the candidates of the index when st is set and the
// filter has an eq comparison on a string sub-attribute, else every value.
func (a *applier) matches(t target, st *attrState, elems []any) []int {
	var matched []int
	if st != nil {
		if sub, lit, ok := anchor(t.attr, t.filter); ok {
			for _, i := range st.index(sub.Name, elems).candidates(lit) {
				if m, ok := elems[i].(map[string]any); ok && a.match(t, m) {
					matched = append(matched, i)
				}
			}
			return matched
		}
	}
	for i, el := range elems {
		if m, ok := el.(map[string]any); ok && a.match(t, m) {
			matched = append(matched, i)
		}
	}
	return matched
}

// match evaluates t's filter on one value of t.attr with the filter's
// Matcher, compiled once per operation, which honours caseExact.
func (a *applier) match(t target, m map[string]any) bool {
	matchCalls.Add(1)
	return t.matcher.Match(elemResource{urn: t.schema.ID, name: t.attr.Name, m: m})
}

// matchCalls counts filter evaluations, for the test that PATCH stays
// linear; it is not synchronised, and only tests read it.
var matchCalls atomic.Int64

// elemResource is a resource with one value of one complex attribute, to
// evaluate a value filter against a single element.
type elemResource struct {
	urn, name string
	m         map[string]any
}

func (e elemResource) Get(schemaURN, name string) any {
	if e.m == nil || !strings.EqualFold(schemaURN, e.urn) || !strings.EqualFold(name, e.name) {
		return nil
	}
	return e.m
}

// seed returns the value described by a filter made of eq comparisons on
// sub-attributes joined by and: type eq "work" and primary eq true gives
// {"type":"work","primary":true}.
func (a *applier) seed(at *resource.Attribute, e filter.Expr) (map[string]any, bool) {
	out := map[string]any{}
	var walk func(e filter.Expr) bool
	walk = func(e filter.Expr) bool {
		switch e := e.(type) {
		case *filter.Logical:
			return e.Op == filter.And && walk(e.Left) && walk(e.Right)
		case *filter.Compare:
			if e.Op != filter.Eq || e.Path.URN != "" || e.Path.Sub != "" {
				return false
			}
			sa := at.Sub(e.Path.Name)
			if sa == nil || sa.MultiValued || sa.Type == resource.TypeComplex {
				return false
			}
			var v any
			switch e.Value.Kind {
			case filter.String:
				v = e.Value.Str
				if sa.Type == resource.TypeBoolean {
					b, ok := a.boolString(e.Value.Str)
					if !ok {
						return false
					}
					v = b
				}
			case filter.Bool:
				v = e.Value.Bool
			case filter.Number:
				v = json.Number(e.Value.Str)
			default:
				return false
			}
			if old, dup := out[sa.Name]; dup && !reflect.DeepEqual(old, v) {
				return false
			}
			out[sa.Name] = v
			return true
		}
		return false
	}
	if !walk(e) {
		return nil, false
	}
	return out, true
}
