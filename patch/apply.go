package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/scimkit/scim/quirk"
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
	if nu, fired, ok := applyUserTyped(reg, u, ops, opts); ok {
		// The typed path (typed.go): the operations Entra sends on every
		// update, applied to the struct without the tree.
		opts.Fired.Add(fired)
		if err := reg.ValidateUser(nu); err != nil {
			return false, fromResource(err)
		}
		if err := reg.CheckImmutable(reg.User, u, nu); err != nil {
			return false, fromResource(err)
		}
		if sameTyped(u, nu) {
			return false, nil
		}
		*u = *nu
		return true, nil
	}
	return applyUserTree(reg, u, ops, opts)
}

// applyUserTree is ApplyUser's general path, through the JSON tree.
func applyUserTree(reg *resource.Registry, u *resource.User, ops []Op, opts Options) (changed bool, err error) {
	old := reg.AppendUser(nil, u, nil)
	t, err := newTree(old)
	if err != nil {
		return false, err
	}
	if u.Password != "" {
		t["password"] = u.Password
	}
	if err := storedExtensions(reg.User, t, u.Extensions); err != nil {
		return false, err
	}
	a := applier{rt: reg.User, opts: opts, tree: t}
	if err := a.run(ops); err != nil {
		return false, err
	}
	data, err := encodeTree(a.tree)
	if err != nil {
		return false, err
	}
	do, fired := opts.resultDecoding()
	nu, err := reg.DecodeUserWith(data, do)
	opts.addResultFired(fired)
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
	nu.Extensions = keepRaw(u.Extensions, resource.KeepReadOnly(reg.User, u.Extensions, nu.Extensions))
	if err := reg.ValidateUser(nu); err != nil {
		return false, fromResource(err)
	}
	if err := reg.CheckImmutable(reg.User, u, nu); err != nil {
		return false, fromResource(err)
	}
	if nu.Password == u.Password && bytes.Equal(old, reg.AppendUser(nil, nu, nil)) && sameRaws(u.Extensions, nu.Extensions) {
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
	var idem []string
	if add, remove, rename, ok := members(g.ID, reads(ops, opts), opts, &idem); ok {
		return applyMembers(reg, g, add, remove, rename, idem, opts.Fired)
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
	if err := storedExtensions(reg.Group, t, g.Extensions); err != nil {
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
	do, fired := opts.resultDecoding()
	ng, err := reg.DecodeGroupWith(data, do)
	opts.addResultFired(fired)
	if err != nil {
		return false, fromResource(err)
	}
	ng.ID, ng.Meta = g.ID, g.Meta
	ng.Extra = keepRaw(g.Extra, ng.Extra)
	ng.Extensions = keepRaw(g.Extensions, resource.KeepReadOnly(reg.Group, g.Extensions, ng.Extensions))
	if err := reg.ValidateGroup(ng); err != nil {
		return false, fromResource(err)
	}
	if err := reg.CheckImmutable(reg.Group, g, ng); err != nil {
		return false, fromResource(err)
	}
	if bytes.Equal(old, reg.AppendGroup(nil, ng, nil)) && sameRaws(g.Extensions, ng.Extensions) {
		return false, nil
	}
	*g = *ng
	return true, nil
}

// resultDecoding returns the options that decode a patched resource: the
// request's tolerances, except that attributes no schema defines are kept
// (the resource may hold some from before; the applier has refused those
// the request sent, under quirk.UnknownAttributes off) and are not
// recorded as fired. What else fires here is the request's doing: the
// tree of the stored resource reads the same with every tolerance off.
func (o Options) resultDecoding() (resource.DecodeOptions, *quirk.Set) {
	do := resource.DecodeOptions{Disable: o.Disable &^ quirk.UnknownAttributes}
	if o.Fired != nil {
		do.Fired = new(quirk.Set)
	}
	return do, do.Fired
}

// addResultFired adds what fired while decoding the patched resource to
// o.Fired, without quirk.UnknownAttributes (see resultDecoding).
func (o Options) addResultFired(fired *quirk.Set) {
	if fired != nil {
		o.Fired.Add(*fired &^ quirk.UnknownAttributes)
	}
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

// storedExtensions puts the registered custom extensions of exts into the
// tree t whole, as stored: the encoding the tree starts from leaves out
// the attributes returned "never" or "request", which a PATCH keeps like
// every attribute it does not touch.
func storedExtensions(rt *resource.ResourceType, t map[string]any, exts map[string]json.RawMessage) *Error {
	for _, e := range rt.Extensions {
		id := e.Schema.ID
		if id == resource.EnterpriseUserSchema {
			continue
		}
		for k, raw := range exts {
			if !strings.EqualFold(k, id) {
				continue
			}
			v, err := parseJSON(raw, resource.MaxDepth, "the stored resource")
			if err != nil {
				return err
			}
			if m, ok := toAny(&v).(map[string]any); ok {
				t[id] = m
			}
		}
	}
	return nil
}

// sameRaws reports whether two extension maps hold the same JSON values.
func sameRaws(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !jsonEqual(v, w) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	x, err1 := decodeAny(a)
	y, err2 := decodeAny(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}
