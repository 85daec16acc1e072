package patch

import (
	"slices"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
)

// Value-filter operations are made linear in the number of operations and
// in the size of the attribute by three pieces of state the applier keeps
// while operations with value filters run (an operation without one drops
// the state of what it can change first, see applier.flushFor):
//
//   - an index per (attribute, string sub-attribute) from the fold key of
//     the sub-attribute's value to the elements holding it, so that a
//     filter with an eq comparison on that sub-attribute (the form every
//     IdP sends: type eq "work", value eq "<id>") looks at the candidates
//     only; each candidate is still checked with filter.Match, so the
//     index needs only to be a superset of the matches;
//   - removed elements become tombstones (nil) instead of being cut out,
//     so positions stay valid; flush compacts the arrays;
//   - the positions of the elements with primary true, so that keeping
//     one primary value (onePrimary) does not scan the attribute.

// attrKey names one multi-valued attribute of the tree.
type attrKey struct{ schema, attr string }

// attrState is the state kept for one multi-valued attribute.
type attrState struct {
	c       map[string]any // the container holding the attribute
	name    string
	indexes map[string]*valueIndex // by sub-attribute name
	primary map[int]bool           // positions with primary true; nil until needed
	tombs   bool                   // some elements are tombstones
}

// valueIndex maps fold keys of one sub-attribute to element positions.
// Buckets may hold stale or repeated positions (an element whose value
// changed is added to its new bucket and left in the old one); lookups
// skip and drop them, so the work stays proportional to the changes.
type valueIndex struct {
	sub  string
	keys map[string][]int
	key  []string // key[i] is element i's key when has[i]
	has  []bool
}

// anchor returns an eq comparison that every element matching e must
// satisfy, on a single-valued string sub-attribute of at: e itself or a
// term of a conjunction.
func anchor(at *resource.Attribute, e filter.Expr) (sub *resource.Attribute, lit string, ok bool) {
	switch e := e.(type) {
	case *filter.Compare:
		if e.Op != filter.Eq || e.Path.URN != "" || e.Path.Sub != "" ||
			(e.Value.Kind != filter.String && e.Value.Kind != filter.Number) {
			return nil, "", false
		}
		sa := at.Sub(e.Path.Name)
		if sa == nil || sa.MultiValued {
			return nil, "", false
		}
		switch sa.Type {
		case resource.TypeString, resource.TypeReference, resource.TypeBinary:
			return sa, e.Value.Str, true
		}
	case *filter.Logical:
		if e.Op != filter.And {
			return nil, "", false
		}
		if sub, lit, ok := anchor(at, e.Left); ok {
			return sub, lit, true
		}
		return anchor(at, e.Right)
	}
	return nil, "", false
}

// elemKey returns the key of element el for sub-attribute sub.
func elemKey(el any, sub string) (string, bool) {
	m, ok := el.(map[string]any)
	if !ok {
		return "", false
	}
	s, ok := m[sub].(string)
	if !ok {
		return "", false
	}
	return filter.Fold(s), true
}

// state returns the state of attribute name in container c, creating it.
func (a *applier) state(s *resource.Schema, c map[string]any, name string) *attrState {
	k := attrKey{s.ID, name}
	st := a.states[k]
	if st == nil || st.c == nil {
		st = &attrState{c: c, name: name}
		if a.states == nil {
			a.states = map[attrKey]*attrState{}
		}
		a.states[k] = st
	}
	return st
}

// index returns st's index on sub, built on first use.
func (st *attrState) index(sub string, elems []any) *valueIndex {
	if ix := st.indexes[sub]; ix != nil {
		return ix
	}
	ix := &valueIndex{sub: sub, keys: map[string][]int{}}
	for i := range elems {
		ix.add(i, elems[i])
	}
	if st.indexes == nil {
		st.indexes = map[string]*valueIndex{}
	}
	st.indexes[sub] = ix
	return ix
}

// add records the element at position i (a new one, or i == len(ix.key)).
func (ix *valueIndex) add(i int, el any) {
	k, ok := elemKey(el, ix.sub)
	ix.key = append(ix.key, k)
	ix.has = append(ix.has, ok)
	if ok {
		ix.keys[k] = append(ix.keys[k], i)
	}
}

// refresh re-reads element i after a change.
func (ix *valueIndex) refresh(i int, el any) {
	k, ok := elemKey(el, ix.sub)
	if ok == ix.has[i] && k == ix.key[i] {
		return
	}
	ix.key[i], ix.has[i] = k, ok
	if ok {
		ix.keys[k] = append(ix.keys[k], i)
	}
}

// candidates returns the positions, ascending, whose key is lit's.
func (ix *valueIndex) candidates(lit string) []int {
	k := filter.Fold(lit)
	bucket := ix.keys[k]
	out := bucket[:0]
	for _, i := range bucket {
		if ix.has[i] && ix.key[i] == k {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		delete(ix.keys, k)
	} else {
		ix.keys[k] = out
	}
	return slices.Clone(out)
}

// changed updates st after the elements at positions touched were changed
// in place, and after any elements were appended.
func (st *attrState) changed(elems []any, touched []int) {
	for _, ix := range st.indexes {
		for i := len(ix.key); i < len(elems); i++ {
			ix.add(i, elems[i])
		}
		for _, i := range touched {
			ix.refresh(i, elems[i])
		}
	}
}

// removed marks the elements at positions gone as tombstones.
func (st *attrState) removed(elems []any, gone []int) {
	for _, i := range gone {
		elems[i] = nil
		for _, ix := range st.indexes {
			ix.has[i] = false
		}
		delete(st.primary, i)
	}
	st.tombs = st.tombs || len(gone) > 0
}

// onePrimary is the applier's onePrimary for a filtered operation, in time
// proportional to the touched elements.
func (st *attrState) onePrimary(at *resource.Attribute, elems []any, touched []int) {
	if at.Sub("primary") == nil {
		return
	}
	if st.primary == nil {
		st.primary = map[int]bool{}
		for i, el := range elems {
			if m, ok := el.(map[string]any); ok && m["primary"] == true {
				st.primary[i] = true
			}
		}
	}
	keep := -1
	for _, i := range touched {
		if m, ok := elems[i].(map[string]any); ok && m["primary"] == true {
			keep = i
			st.primary[i] = true
		} else {
			delete(st.primary, i)
		}
	}
	if keep < 0 {
		return
	}
	for i := range st.primary {
		if i != keep {
			delete(elems[i].(map[string]any), "primary")
			delete(st.primary, i)
		}
	}
}

// flush compacts the tombstones and drops all state; it runs before every
// operation without a path, and after the last operation.
func (a *applier) flush() {
	for k := range a.states {
		a.flushAttr(k)
	}
}

// flushFor compacts and drops the state of what an operation without a
// value filter on target t can change: t's attribute, or every attribute
// of t's extension when t is the whole extension.
func (a *applier) flushFor(t target) {
	for k := range a.states {
		if k.schema == t.schema.ID && (t.attr == nil || k.attr == t.attr.Name) {
			a.flushAttr(k)
		}
	}
}

func (a *applier) flushAttr(k attrKey) {
	st := a.states[k]
	delete(a.states, k)
	if !st.tombs {
		return
	}
	elems, _ := st.c[st.name].([]any)
	out := elems[:0]
	for _, el := range elems {
		if el != nil {
			out = append(out, el)
		}
	}
	clear(elems[len(out):])
	if len(out) == 0 {
		delete(st.c, st.name)
	} else {
		st.c[st.name] = out
	}
}
