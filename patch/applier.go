package patch

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

// applier applies operations to the JSON tree of one resource: canonical
// attribute names at the top level, each extension under its URN.
type applier struct {
	rt   *resource.ResourceType
	opts Options
	tree map[string]any

	// useState is set while an operation whose path has a value filter
	// runs; states is the state of index.go for such operations.
	useState bool
	states   map[attrKey]*attrState
}

// readOnlyKeys are the server-owned attributes every tree starts with.
var readOnlyKeys = [...]string{"id", "meta", "groups"}

func (a *applier) run(ops []Op) error {
	var ro [len(readOnlyKeys)]any
	for i, k := range readOnlyKeys {
		ro[i] = deepCopy(a.tree[k])
	}
	// The read-only attributes of custom extensions are the server's too.
	var extRO []extReadOnly
	for _, e := range a.rt.Extensions {
		for _, at := range e.Schema.Attributes {
			if at.Mutability == resource.ReadOnly && e.Schema.ID != resource.EnterpriseUserSchema {
				x := extReadOnly{urn: e.Schema.ID, name: at.Name}
				x.val = deepCopy(x.get(a.tree))
				extRO = append(extRO, x)
			}
		}
	}
	for i := range ops {
		err := a.apply(ops[i].read(a.opts))
		if err == nil {
			for j, k := range readOnlyKeys {
				if !reflect.DeepEqual(ro[j], a.tree[k]) {
					err = errf(mutability, "attribute "+strconv.Quote(k)+" is read-only (RFC 7643 §7)")
					break
				}
			}
		}
		if err == nil {
			for _, x := range extRO {
				if !reflect.DeepEqual(x.val, x.get(a.tree)) {
					err = errf(mutability, "attribute "+strconv.Quote(x.urn+":"+x.name)+" is read-only (RFC 7643 §7)")
					break
				}
			}
		}
		if err != nil {
			err.Detail = "operation " + strconv.Itoa(i+1) + ": " + err.Detail
			return err
		}
	}
	a.flush()
	return nil
}

// extReadOnly is a read-only attribute of a custom extension and its
// value before the operations.
type extReadOnly struct {
	urn, name string
	val       any
}

// get returns the attribute's value in tree t.
func (x extReadOnly) get(t map[string]any) any {
	m, _ := t[x.urn].(map[string]any)
	return m[x.name]
}

// target is what an operation's path designates.
type target struct {
	schema *resource.Schema
	attr   *resource.Attribute // nil when the path is a whole extension
	sub    *resource.Attribute // a sub-attribute of attr, or nil
	filter filter.Expr         // the value filter, or nil
	// matcher evaluates filter as a value path on one value of attr.
	matcher *filter.Matcher
}

func (a *applier) apply(r *opRead) *Error {
	if r.opErr != nil {
		return r.opErr
	}
	if r.valErr != nil {
		return r.valErr
	}
	kind, hasVal, jv := r.kind, r.hasVal, &r.val
	var val any
	if hasVal {
		// A fresh tree for every apply: the applier keeps and changes it,
		// and a retried read-modify-write applies the same operations again.
		val = toAny(jv)
	}
	a.useState = false
	path := r.trimmed
	if path == "" {
		a.flush()
		switch {
		case kind == OpRemove:
			return errf(noTarget, `a remove operation needs a "path" (RFC 7644 §3.5.2.2)`)
		case !hasVal:
			return errf(invalidValue, `an `+kind+` operation needs a "value" (RFC 7644 §3.5.2)`)
		case val == nil:
			return nil
		}
		return a.applyPathless(kind, jv)
	}
	if strings.EqualFold(path, "schemas") {
		// schemas is derived from the attributes present.
		return nil
	}
	t, err := a.resolve(path, r.parsed, r.pathErr)
	if err != nil {
		return err
	}
	if kind != OpRemove && !hasVal {
		return errf(invalidValue, `an `+kind+` operation needs a "value" (RFC 7644 §3.5.2)`)
	}
	if t.filter == nil {
		a.flushFor(t)
	}
	a.useState = t.filter != nil
	return a.applyTarget(kind, t, jv, val, hasVal)
}

// resolve finds the attribute of path, parsed as p (or failing with
// perr), RFC 7644 §3.5.2, §3.10.
func (a *applier) resolve(path string, p *filter.Path, perr error) (target, *Error) {
	for _, e := range a.rt.Extensions {
		if strings.EqualFold(path, e.Schema.ID) {
			return target{schema: e.Schema}, nil
		}
	}
	if perr != nil {
		var fe *filter.Error
		detail := "the path " + strconv.Quote(path) + " is not valid"
		if errors.As(perr, &fe) {
			detail += ": " + fe.Msg
		}
		return target{}, errf(invalidPath, detail)
	}
	s, at, sub := resource.Resolve(a.rt, p.Attr.URN, p.Attr.Name, p.Attr.Sub)
	if s == nil {
		return target{}, errf(invalidPath, "the path "+strconv.Quote(path)+" names no attribute of "+a.rt.Name)
	}
	t := target{schema: s, attr: at, sub: sub, filter: p.Filter}
	if p.Filter != nil {
		if !at.MultiValued || at.Type != resource.TypeComplex {
			return target{}, errf(invalidPath, "the path "+strconv.Quote(path)+
				" has a value filter on "+strconv.Quote(at.Name)+", which is not a multi-valued complex attribute")
		}
		m, err := filter.Compile(&filter.ValuePath{Path: filter.AttrPath{URN: s.ID, Name: at.Name}, Filter: p.Filter}, a.rt)
		if err != nil {
			return target{}, errf(invalidPath, "the value filter of "+strconv.Quote(path)+" is not valid: "+err.Error())
		}
		t.matcher = m
		if p.Sub != "" {
			if t.sub = at.Sub(p.Sub); t.sub == nil {
				return target{}, errf(invalidPath, "the path "+strconv.Quote(path)+" names no sub-attribute "+strconv.Quote(p.Sub))
			}
		}
	}
	if at.Type != resource.TypeComplex && sub == nil && p.Attr.Sub != "" {
		return target{}, errf(invalidPath, "the path "+strconv.Quote(path)+" names a sub-attribute of a simple attribute")
	}
	return t, nil
}

// applyPathless applies a path-less add or replace: each key of the value
// object is an attribute to add or replace (RFC 7644 §3.5.2.1, §3.5.2.3).
func (a *applier) applyPathless(kind string, jv *jsonparse.Value) *Error {
	if jv.Kind != jsonparse.Object {
		return errf(invalidValue, "a "+kind+" operation without a path needs an object value (RFC 7644 §3.5.2)")
	}
	for i := range jv.Mems {
		if err := a.applyKey(kind, jv.Mems[i].Key, &jv.Mems[i].Val); err != nil {
			return err
		}
	}
	return nil
}

// applyKey applies one key of a path-less value.
func (a *applier) applyKey(kind, key string, jv *jsonparse.Value) *Error {
	val := toAny(jv)
	if strings.EqualFold(key, "schemas") {
		return nil
	}
	for _, e := range a.rt.Extensions {
		if strings.EqualFold(key, e.Schema.ID) {
			return a.applyTarget(kind, target{schema: e.Schema}, jv, val, true)
		}
	}
	plain := !strings.ContainsAny(key, ".:[")
	if plain {
		s, at, _ := resource.Resolve(a.rt, "", key, "")
		if s == nil {
			// Attributes no schema defines are kept as sent, as in a POST
			// (resource.User.Extra), under quirk.UnknownAttributes
			// (docs/idp-compatibility.md#unknown-attributes).
			if err := a.unknown(key); err != nil {
				return err
			}
			a.setExtra(kind, key, val)
			return nil
		}
		if s == a.rt.Schema && (at.Name == "meta" || at.Name == "groups") && a.opts.use(quirk.ReadOnlyValues) {
			// Okta PUT-style values and Entra's meta (docs/idp-compatibility.md#read-only-attributes): server-owned.
			return nil
		}
		return a.applyTarget(kind, target{schema: s, attr: at}, jv, val, true)
	}
	if !a.opts.on(quirk.PathlessPaths) {
		return errf(invalidPath, "the key "+strconv.Quote(key)+" of a path-less value is not an attribute name (RFC 7644 §3.5.2)")
	}
	// Entra (docs/idp-compatibility.md#entra-pathless-paths): the key is an attribute path, "name.givenName" or
	// "urn:...:enterprise:2.0:User:employeeNumber"; it becomes an operation
	// of its own.
	p, perr := a.opts.Limits.ParsePath(key)
	t, e := a.resolve(key, p, perr)
	if e != nil {
		return e
	}
	a.opts.Fired.Add(quirk.PathlessPaths)
	return a.applyTarget(kind, t, jv, val, true)
}

// unknown refuses an attribute that no schema of the resource defines
// (path names it in the value), unless quirk.UnknownAttributes is on,
// which keeps it as a POST would and is recorded as fired.
func (a *applier) unknown(path string) *Error {
	if a.opts.use(quirk.UnknownAttributes) {
		return nil
	}
	return errf(invalidSyntax, "attribute "+strconv.Quote(path)+" is not defined by the schemas of the resource")
}

func (a *applier) setExtra(kind, key string, val any) {
	for k := range a.tree {
		if strings.EqualFold(k, key) && k != key {
			delete(a.tree, k)
		}
	}
	if val == nil {
		if kind == OpReplace {
			delete(a.tree, key)
		}
		return
	}
	a.tree[key] = val
}

// container returns the object holding t's attribute: the tree, or the
// extension's object, created when create is set.
func (a *applier) container(s *resource.Schema, create bool) map[string]any {
	if s == a.rt.Schema {
		return a.tree
	}
	m, _ := a.tree[s.ID].(map[string]any)
	if m == nil && create {
		m = map[string]any{}
		a.tree[s.ID] = m
	}
	return m
}

// applyTarget applies one operation to a resolved target; jv is the
// parsed value and val its tree.
func (a *applier) applyTarget(kind string, t target, jv *jsonparse.Value, val any, hasVal bool) *Error {
	if t.attr == nil {
		return a.applyExtension(kind, t.schema, jv, val)
	}
	if t.filter != nil {
		return a.applyFiltered(kind, t, val)
	}
	at := t.attr
	c := a.container(t.schema, kind != OpRemove)
	if kind == OpRemove {
		if c == nil {
			return nil
		}
		if t.sub == nil && at.Required {
			return errf(mutability, "attribute "+strconv.Quote(at.Name)+" is required and cannot be removed (RFC 7643 §2.2)")
		}
		if t.sub != nil {
			return a.removeSub(c, at, t.sub)
		}
		if at.MultiValued && hasVal && val != nil && a.opts.use(quirk.RemoveByValue) {
			return a.removeValues(c, at, val)
		}
		delete(c, at.Name)
		return nil
	}
	if t.sub != nil {
		return a.setSub(kind, c, at, t.sub, val)
	}
	nv, err := a.norm(at, val)
	if err != nil {
		return err
	}
	switch {
	case nv == nil:
		if kind == OpReplace {
			delete(c, at.Name) // null or "" clears on replace (RFC 7643 §2.5, docs/idp-compatibility.md#null-and-empty)
		}
	case at.MultiValued:
		add := nv.([]any)
		var cur []any
		if kind == OpAdd {
			cur, _ = c[at.Name].([]any)
		}
		start := len(cur)
		cur = appendNew(at, cur, add)
		c[at.Name] = cur
		touched := make([]int, 0, len(cur)-start)
		for i := start; i < len(cur); i++ {
			touched = append(touched, i)
		}
		onePrimary(at, cur, touched)
	case at.Type == resource.TypeComplex:
		// Both add and replace merge the given sub-attributes into a
		// singular complex attribute (RFC 7644 §3.5.2.1, §3.5.2.3).
		cur, _ := c[at.Name].(map[string]any)
		if cur == nil {
			cur = map[string]any{}
		}
		for k, v := range nv.(map[string]any) {
			cur[k] = v
		}
		c[at.Name] = cur
	default:
		c[at.Name] = nv
	}
	return nil
}

// applyExtension applies an operation whose path is an extension URN: its
// value is an object of the extension's attributes.
func (a *applier) applyExtension(kind string, s *resource.Schema, jv *jsonparse.Value, val any) *Error {
	if kind == OpRemove || val == nil {
		if kind != OpAdd {
			delete(a.tree, s.ID)
		}
		return nil
	}
	if jv.Kind != jsonparse.Object {
		return errf(invalidValue, "the value of "+strconv.Quote(s.ID)+" must be an object of its attributes")
	}
	for i := range jv.Mems {
		m := &jv.Mems[i]
		v := toAny(&m.Val)
		at := s.Attr(m.Key)
		if at == nil {
			if err := a.unknown(s.ID + ":" + m.Key); err != nil {
				return err
			}
			c := a.container(s, true)
			if v == nil {
				delete(c, m.Key)
			} else {
				c[m.Key] = v
			}
			continue
		}
		if err := a.applyTarget(kind, target{schema: s, attr: at}, &m.Val, v, true); err != nil {
			return err
		}
	}
	return nil
}

// setSub sets sub-attribute sub of at without a filter: of the singular
// complex value, or of every value of a multi-valued one (a new value when
// there is none).
func (a *applier) setSub(kind string, c map[string]any, at, sub *resource.Attribute, val any) *Error {
	nv, err := a.norm(sub, val)
	if err != nil {
		return err
	}
	if !at.MultiValued {
		cur, _ := c[at.Name].(map[string]any)
		if cur == nil {
			if nv == nil {
				return nil
			}
			cur = map[string]any{}
			c[at.Name] = cur
		}
		setOrDelete(cur, sub.Name, nv)
		if len(cur) == 0 {
			delete(c, at.Name)
		}
		return nil
	}
	elems, _ := c[at.Name].([]any)
	if len(elems) == 0 {
		if nv == nil {
			return nil
		}
		elems = []any{map[string]any{}}
	}
	touched := make([]int, 0, len(elems))
	for i, el := range elems {
		if m, ok := el.(map[string]any); ok {
			setOrDelete(m, sub.Name, nv)
			touched = append(touched, i)
		}
	}
	c[at.Name] = elems
	onePrimary(at, elems, touched)
	return nil
}

func setOrDelete(m map[string]any, k string, v any) {
	if v == nil {
		delete(m, k)
	} else {
		m[k] = v
	}
}

// setElems sets the elements of the multi-valued attribute k, deleting it
// when none are left (an empty array is unassigned, RFC 7643 §2.5).
func setElems(m map[string]any, k string, elems []any) {
	if len(elems) == 0 {
		delete(m, k)
	} else {
		m[k] = elems
	}
}

// removeSub removes sub-attribute sub from at's value or values.
func (a *applier) removeSub(c map[string]any, at, sub *resource.Attribute) *Error {
	switch v := c[at.Name].(type) {
	case map[string]any:
		delete(v, sub.Name)
	case []any:
		for _, el := range v {
			if m, ok := el.(map[string]any); ok {
				delete(m, sub.Name)
			}
		}
	}
	return nil
}

// removeValues removes the listed values of a multi-valued attribute:
// Entra's {"op":"Remove","path":"members","value":[{"value":"id"}]} (docs/idp-compatibility.md#remove-by-value).
// Complex values are matched on their "value" sub-attribute when they
// have one, other values on equality; values that are absent are ignored.
func (a *applier) removeValues(c map[string]any, at *resource.Attribute, val any) *Error {
	nv, err := a.norm(at, val)
	if err != nil {
		return err
	}
	gone, _ := nv.([]any)
	cur, _ := c[at.Name].([]any)
	out := cur[:0:0]
	for _, el := range cur {
		drop := false
		for _, g := range gone {
			if sameValue(at, el, g) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, el)
		}
	}
	setElems(c, at.Name, out)
	return nil
}

// sameValue reports whether x and y are the same value of at: equal
// "value" sub-attributes when the value has one, else equal JSON.
func sameValue(at *resource.Attribute, x, y any) bool {
	if at.Type == resource.TypeComplex && at.Sub("value") != nil {
		xm, _ := x.(map[string]any)
		ym, _ := y.(map[string]any)
		if xm != nil && ym != nil && ym["value"] != nil {
			return reflect.DeepEqual(xm["value"], ym["value"])
		}
	}
	return reflect.DeepEqual(x, y)
}

// appendNew appends the values of add that cur does not hold yet: adding a
// present value changes nothing (RFC 7644 §3.5.2.1). Group members are
// identified by their value, the member's id.
func appendNew(at *resource.Attribute, cur, add []any) []any {
	byValue := at.Name == "members"
	for _, v := range add {
		dup := false
		for _, c := range cur {
			if (byValue && sameValue(at, c, v)) || reflect.DeepEqual(c, v) {
				dup = true
				break
			}
		}
		if !dup {
			cur = append(cur, v)
		}
	}
	return cur
}

// onePrimary keeps at most one value with primary true (RFC 7643 §2.4): if
// a touched value has it, the last such one keeps it and every other value
// that has it loses it (becomes unassigned, as before primary false was
// kept); a primary false stays.
func onePrimary(at *resource.Attribute, elems []any, touched []int) {
	if at.Sub("primary") == nil {
		return
	}
	keep := -1
	for _, i := range touched {
		if m, ok := elems[i].(map[string]any); ok && m["primary"] == true {
			keep = i
		}
	}
	if keep < 0 {
		return
	}
	for i, el := range elems {
		if m, ok := el.(map[string]any); ok && i != keep && m["primary"] == true {
			delete(m, "primary")
		}
	}
}
