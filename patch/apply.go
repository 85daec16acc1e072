package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/resource"
)

// ApplyUser applies ops to u in order, atomically (RFC 7644 §3.5.2): on
// error u is unchanged. The result must pass reg.ValidateUser and
// reg.CheckImmutable. changed reports whether u differs afterwards; when
// it is false u was not touched and the caller can skip the write and keep
// meta.lastModified. id, meta and groups are read-only and keep their
// values. Errors are *Error.
func ApplyUser(reg *resource.Registry, u *resource.User, ops []Op, opts Options) (changed bool, err error) {
	if reg == nil || u == nil {
		return false, errf(invalidValue, "no user to patch")
	}
	if len(ops) == 0 {
		return false, nil
	}
	old := reg.AppendUser(nil, u, nil)
	t, err := newTree(old)
	if err != nil {
		return false, err
	}
	if u.Password != "" {
		t["password"] = u.Password
	}
	a := applier{rt: reg.User, opts: opts, tree: t}
	if err := a.run(ops); err != nil {
		return false, err
	}
	data, err := encodeTree(a.tree)
	if err != nil {
		return false, err
	}
	nu, err := reg.DecodeUser(data)
	if err != nil {
		return false, fromResource(err)
	}
	nu.ID, nu.Meta, nu.Groups = u.ID, u.Meta, u.Groups
	if u.Enterprise != nil && u.Enterprise.Manager != nil && nu.Enterprise != nil && nu.Enterprise.Manager != nil &&
		nu.Enterprise.Manager.Value == u.Enterprise.Manager.Value {
		// displayName is read-only (RFC 7643 §4.3): the server's value stays
		// while the manager does.
		nu.Enterprise.Manager.DisplayName = u.Enterprise.Manager.DisplayName
	}
	nu.Extra = keepRaw(u.Extra, nu.Extra)
	nu.Extensions = keepRaw(u.Extensions, nu.Extensions)
	if err := reg.ValidateUser(nu); err != nil {
		return false, fromResource(err)
	}
	if err := reg.CheckImmutable(reg.User, u, nu); err != nil {
		return false, fromResource(err)
	}
	if nu.Password == u.Password && bytes.Equal(old, reg.AppendUser(nil, nu, nil)) {
		return false, nil
	}
	*u = *nu
	return true, nil
}

// ApplyGroup applies ops to g like ApplyUser. Operations that only add or
// remove members and rename the group (see Members) are applied directly
// to g.Members, in time linear in the number of members and without
// re-encoding them.
func ApplyGroup(reg *resource.Registry, g *resource.Group, ops []Op, opts Options) (changed bool, err error) {
	if reg == nil || g == nil {
		return false, errf(invalidValue, "no group to patch")
	}
	if len(ops) == 0 {
		return false, nil
	}
	if add, remove, rename, ok := Members(g.ID, ops, opts); ok {
		return applyMembers(reg, g, add, remove, rename)
	}
	return applyGroupTree(reg, g, ops, opts)
}

// applyGroupTree is ApplyGroup's general path, through the JSON tree.
func applyGroupTree(reg *resource.Registry, g *resource.Group, ops []Op, opts Options) (bool, error) {
	old := reg.AppendGroup(nil, g, nil)
	t, err := newTree(old)
	if err != nil {
		return false, err
	}
	a := applier{rt: reg.Group, opts: opts, tree: t}
	if err := a.run(ops); err != nil {
		return false, err
	}
	data, err := encodeTree(a.tree)
	if err != nil {
		return false, err
	}
	ng, err := reg.DecodeGroup(data)
	if err != nil {
		return false, fromResource(err)
	}
	ng.ID, ng.Meta = g.ID, g.Meta
	ng.Extra = keepRaw(g.Extra, ng.Extra)
	ng.Extensions = keepRaw(g.Extensions, ng.Extensions)
	if err := reg.ValidateGroup(ng); err != nil {
		return false, fromResource(err)
	}
	if err := reg.CheckImmutable(reg.Group, g, ng); err != nil {
		return false, fromResource(err)
	}
	if bytes.Equal(old, reg.AppendGroup(nil, ng, nil)) {
		return false, nil
	}
	*g = *ng
	return true, nil
}

// fromResource turns a decoding or validation error of the resource
// package into an *Error with the same scimType.
func fromResource(err error) error {
	var re *resource.Error
	if errors.As(err, &re) {
		return errf(re.ScimType, re.Detail)
	}
	return errf(invalidValue, err.Error())
}

// keepRaw returns nw with each value that is equal as JSON to the one in
// old replaced by old's bytes, so that untouched Extra and extension data
// keep their exact form.
func keepRaw(old, nw map[string]json.RawMessage) map[string]json.RawMessage {
	for k, v := range nw {
		if o, ok := old[k]; ok && jsonEqual(o, v) {
			nw[k] = o
		}
	}
	return nw
}

func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, err1 := decodeAny(a)
	y, err2 := decodeAny(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}

func newTree(data []byte) (map[string]any, error) {
	v, err := parseJSON(data, resource.MaxDepth, "the stored resource")
	if err != nil {
		return nil, err
	}
	m, ok := toAny(&v).(map[string]any)
	if !ok {
		return nil, errf(invalidValue, "the stored resource is not a JSON object")
	}
	return m, nil
}

func encodeTree(t map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, errf(invalidValue, "the patched resource cannot be encoded: "+err.Error())
	}
	return buf.Bytes(), nil
}

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
	for i := range ops {
		err := a.apply(&ops[i])
		if err == nil {
			for j, k := range readOnlyKeys {
				if !reflect.DeepEqual(ro[j], a.tree[k]) {
					err = errf(mutability, "attribute "+strconv.Quote(k)+" is read-only (RFC 7643 §7)")
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

// deepCopy copies a JSON tree value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}

// target is what an operation's path designates.
type target struct {
	schema *resource.Schema
	attr   *resource.Attribute // nil when the path is a whole extension
	sub    *resource.Attribute // a sub-attribute of attr, or nil
	filter filter.Expr         // the value filter, or nil
}

func (a *applier) apply(op *Op) *Error {
	kind, err := opName(op.Op, a.opts)
	if err != nil {
		return err
	}
	var (
		jv  jsonparse.Value
		val any
	)
	hasVal := len(bytes.TrimSpace(op.Value)) > 0
	if hasVal {
		if jv, err = parseValue(op.Value); err != nil {
			return err
		}
		val = toAny(&jv)
	}
	a.useState = false
	path := strings.TrimSpace(op.Path)
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
		return a.applyPathless(kind, &jv)
	}
	if strings.EqualFold(path, "schemas") {
		// schemas is derived from the attributes present.
		return nil
	}
	t, err := a.resolve(path)
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
	return a.applyTarget(kind, t, &jv, val, hasVal)
}

// resolve parses path and finds its attribute (RFC 7644 §3.5.2, §3.10).
func (a *applier) resolve(path string) (target, *Error) {
	for _, e := range a.rt.Extensions {
		if strings.EqualFold(path, e.Schema.ID) {
			return target{schema: e.Schema}, nil
		}
	}
	p, err := filter.ParsePath(path)
	if err != nil {
		var fe *filter.Error
		detail := "the path " + strconv.Quote(path) + " is not valid"
		if errors.As(err, &fe) {
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
		if _, err := filter.Match(&filter.ValuePath{Path: filter.AttrPath{URN: s.ID, Name: at.Name}, Filter: p.Filter},
			a.rt, elemResource{}); err != nil {
			return target{}, errf(invalidPath, "the value filter of "+strconv.Quote(path)+" is not valid: "+err.Error())
		}
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
			// (resource.User.Extra).
			a.setExtra(kind, key, val)
			return nil
		}
		if a.opts.on(QuirkReadOnlyValues) && s == a.rt.Schema && (at.Name == "meta" || at.Name == "groups") {
			// Okta PUT-style values and Entra's meta (docs/idp-compatibility.md#read-only-attributes): server-owned.
			return nil
		}
		return a.applyTarget(kind, target{schema: s, attr: at}, jv, val, true)
	}
	if !a.opts.on(QuirkPathlessPaths) {
		return errf(invalidPath, "the key "+strconv.Quote(key)+" of a path-less value is not an attribute name (RFC 7644 §3.5.2)")
	}
	// Entra (docs/idp-compatibility.md#entra-pathless-paths): the key is an attribute path, "name.givenName" or
	// "urn:...:enterprise:2.0:User:employeeNumber"; it becomes an operation
	// of its own.
	t, e := a.resolve(key)
	if e != nil {
		return e
	}
	return a.applyTarget(kind, t, jv, val, true)
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
		if at.MultiValued && hasVal && val != nil && a.opts.on(QuirkRemoveByValue) {
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
	if len(out) == 0 {
		delete(c, at.Name)
	} else {
		c[at.Name] = out
	}
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
			if a.opts.on(QuirkIdempotentRemove) {
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
		if len(out) == 0 {
			delete(c, at.Name)
		} else {
			c[at.Name] = out
		}
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
		if !ok || !a.opts.on(QuirkCreateOnNoMatch) {
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

// match evaluates t's filter on one value of t.attr with filter.Match,
// which honours caseExact.
func (a *applier) match(t target, m map[string]any) bool {
	matchCalls.Add(1)
	vp := &filter.ValuePath{Path: filter.AttrPath{URN: t.schema.ID, Name: t.attr.Name}, Filter: t.filter}
	ok, err := filter.Match(vp, a.rt, elemResource{urn: t.schema.ID, name: t.attr.Name, m: m})
	return err == nil && ok
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

func (a *applier) boolString(s string) (bool, bool) {
	if !a.opts.on(QuirkBoolStrings) {
		return false, false
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// norm normalises the value v of attribute at: nil for unassigned, []any
// for a multi-valued attribute, map[string]any with canonical names for a
// complex value.
func (a *applier) norm(at *resource.Attribute, v any) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	if !at.MultiValued {
		if arr, ok := v.([]any); ok && at.Type == resource.TypeComplex && a.opts.on(QuirkUnwrapArray) {
			// Entra's "manager":[{...}] (docs/idp-compatibility.md#entra-manager-array).
			switch len(arr) {
			case 0:
				return nil, nil
			case 1:
				v = arr[0]
			}
		}
		return a.normElem(at, v)
	}
	arr, ok := v.([]any)
	if !ok {
		if !a.opts.on(QuirkLoneObject) {
			return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" is multi-valued: its value must be an array")
		}
		arr = []any{v} // Entra, docs/idp-compatibility.md#entra-lone-object
	}
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		n, err := a.normElem(at, el)
		if err != nil {
			return nil, err
		}
		if n != nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// normElem normalises one value of at.
func (a *applier) normElem(at *resource.Attribute, v any) (any, *Error) {
	if v == nil {
		return nil, nil
	}
	switch at.Type {
	case resource.TypeComplex:
		switch x := v.(type) {
		case map[string]any:
			if at.MultiValued && at.Name == "roles" && a.opts.on(QuirkRoleStrings) {
				x = unpackRole(x)
			}
			out := make(map[string]any, len(x))
			for k, sv := range x {
				sa := at.Sub(k)
				if sa == nil {
					if sv != nil {
						out[k] = sv
					}
					continue
				}
				n, err := a.norm(sa, sv)
				if err != nil {
					return nil, err
				}
				if n != nil { // "$ref": null is unassigned (docs/idp-compatibility.md#entra-null-ref)
					out[sa.Name] = n
				}
			}
			if len(out) == 0 {
				return nil, nil
			}
			return out, nil
		case string:
			if at.Name == "manager" && at.Sub("value") != nil && a.opts.on(QuirkManagerString) {
				// Entra (docs/idp-compatibility.md#entra-manager-string): the manager's id, "" to clear.
				if x == "" {
					return nil, nil
				}
				return map[string]any{"value": x}, nil
			}
		}
		return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" must be an object")
	case resource.TypeBoolean:
		if s, ok := v.(string); ok {
			if b, ok := a.boolString(s); ok {
				return b, nil // Entra, docs/idp-compatibility.md#entra-bool-strings
			}
		}
		if _, ok := v.(bool); !ok {
			return nil, errf(invalidValue, "attribute "+strconv.Quote(at.Name)+" must be a boolean")
		}
	}
	return v, nil
}

// unpackRole turns Entra's {"value":"{\"id\":..,\"value\":..,\"displayName\":..}"}
// into {"value":..,"display":..} (docs/idp-compatibility.md#entra-role-strings); other roles are returned as they are.
func unpackRole(m map[string]any) map[string]any {
	var s string
	var key string
	for k, v := range m {
		if strings.EqualFold(k, "value") {
			s, _ = v.(string)
			key = k
		}
	}
	if t := strings.TrimSpace(s); !strings.HasPrefix(t, "{") {
		return m
	}
	inner, err := decodeAny([]byte(s))
	obj, ok := inner.(map[string]any)
	if err != nil || !ok {
		return m
	}
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	str := func(name string) string {
		for k, v := range obj {
			if strings.EqualFold(k, name) {
				switch v := v.(type) {
				case string:
					return v
				case json.Number:
					return v.String()
				}
			}
		}
		return ""
	}
	value := str("value")
	if value == "" {
		value = str("id")
	}
	if value != "" {
		out["value"] = value
	}
	if d := str("displayName"); d != "" {
		out["display"] = d
	}
	return out
}
