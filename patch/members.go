package patch

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/resource"
)

// Members reports whether ops only add and remove members of the group
// groupID and set its displayName, so that a handler can use the store's
// membership fast path (store.GroupMemberPatcher) without loading a large
// group. It returns the net effect of the operations in order: the members
// to add, the ids to remove (the two are disjoint, so they can be applied
// in either order) and the displayName the request sets (nil for none;
// the caller compares it with the stored one and skips the write when it
// is equal, Okta's rename sent with every membership change, docs/idp-compatibility.md#okta-rename-noop).
//
// The operations it accepts:
//
//   - add with path "members" and an array of members (or a lone member
//     under QuirkLoneObject), each with a non-empty "value";
//   - remove with path `members[value eq "id"]` (under
//     QuirkIdempotentRemove, since the member may be absent), or with path
//     "members" and a value array (under QuirkRemoveByValue, docs/idp-compatibility.md#remove-by-value);
//   - replace with path "displayName" and a string, or without a path and
//     a value holding only displayName and an id equal to groupID (Okta).
//
// Anything else, including errors that ApplyGroup would report, gives ok
// false. An empty ops gives ok true and nothing to do. Member ids are
// compared exactly, as a store compares them.
func Members(groupID string, ops []Op, opts Options) (add []resource.Member, remove []string, rename *string, ok bool) {
	for i := range ops {
		op := &ops[i]
		kind, err := opName(op.Op, opts)
		if err != nil {
			return nil, nil, nil, false
		}
		path := strings.TrimSpace(op.Path)
		if path == "" {
			name, ok := renameValue(groupID, kind, op.Value)
			if !ok {
				return nil, nil, nil, false
			}
			rename = &name
			continue
		}
		p, perr := filter.ParsePath(path)
		if perr != nil || p.Attr.Sub != "" || p.Sub != "" ||
			(p.Attr.URN != "" && !strings.EqualFold(p.Attr.URN, resource.GroupSchema)) {
			return nil, nil, nil, false
		}
		switch {
		case strings.EqualFold(p.Attr.Name, "displayName") && p.Filter == nil && kind == OpReplace:
			v, err := parseValue(op.Value)
			if err != nil || v.Kind != jsonparse.String || strings.TrimSpace(v.Str) == "" {
				return nil, nil, nil, false
			}
			rename = &v.Str
		case !strings.EqualFold(p.Attr.Name, "members"):
			return nil, nil, nil, false
		case p.Filter != nil:
			id, ok := valueEq(p.Filter)
			if !ok || kind != OpRemove || !opts.on(QuirkIdempotentRemove) {
				return nil, nil, nil, false
			}
			add, remove = netRemove(add, remove, id)
		case kind == OpAdd:
			ms, ok := memberList(op.Value, opts)
			if !ok {
				return nil, nil, nil, false
			}
			for _, m := range ms {
				add, remove = netAdd(add, remove, m)
			}
		case kind == OpRemove && opts.on(QuirkRemoveByValue):
			ms, ok := memberList(op.Value, opts)
			if !ok {
				return nil, nil, nil, false
			}
			for _, m := range ms {
				add, remove = netRemove(add, remove, m.Value)
			}
		default:
			return nil, nil, nil, false
		}
	}
	return add, remove, rename, true
}

func netAdd(add []resource.Member, remove []string, m resource.Member) ([]resource.Member, []string) {
	if i := slices.Index(remove, m.Value); i >= 0 {
		remove = slices.Delete(remove, i, i+1)
	}
	for _, a := range add {
		if a.Value == m.Value {
			return add, remove
		}
	}
	return append(add, m), remove
}

func netRemove(add []resource.Member, remove []string, id string) ([]resource.Member, []string) {
	add = slices.DeleteFunc(add, func(m resource.Member) bool { return m.Value == id })
	if !slices.Contains(remove, id) {
		remove = append(remove, id)
	}
	return add, remove
}

// valueEq returns id for the filter `value eq "id"`.
func valueEq(e filter.Expr) (string, bool) {
	c, ok := e.(*filter.Compare)
	if !ok || c.Op != filter.Eq || c.Path.URN != "" || c.Path.Sub != "" ||
		!strings.EqualFold(c.Path.Name, "value") || c.Value.Kind != filter.String || c.Value.Str == "" {
		return "", false
	}
	return c.Value.Str, true
}

// renameValue accepts Okta's {"op":"replace","value":{"id":"<groupID>","displayName":"..."}}.
func renameValue(groupID, kind string, raw json.RawMessage) (string, bool) {
	if kind != OpReplace {
		return "", false
	}
	v, err := parseValue(raw)
	if err != nil || v.Kind != jsonparse.Object {
		return "", false
	}
	var name string
	found := false
	for i := range v.Mems {
		m := &v.Mems[i]
		if m.Val.Kind != jsonparse.String {
			return "", false
		}
		s := m.Val.Str
		switch {
		case strings.EqualFold(m.Key, "id"):
			if s != groupID {
				return "", false
			}
		case strings.EqualFold(m.Key, "displayName"):
			name, found = s, true
		default:
			return "", false
		}
	}
	return name, found && strings.TrimSpace(name) != ""
}

// memberList decodes the members of an add or a remove-by-value.
func memberList(raw json.RawMessage, opts Options) ([]resource.Member, bool) {
	v, err := decodeAny(raw)
	if err != nil {
		return nil, false
	}
	arr, isArr := v.([]any)
	if !isArr {
		if _, isObj := v.(map[string]any); !isObj || !opts.on(QuirkLoneObject) {
			return nil, false
		}
		arr = []any{v}
	}
	out := make([]resource.Member, 0, len(arr))
	for _, el := range arr {
		obj, ok := el.(map[string]any)
		if !ok {
			return nil, false
		}
		var m resource.Member
		for k, x := range obj {
			if x == nil {
				continue // "$ref": null (docs/idp-compatibility.md#entra-null-ref)
			}
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			switch {
			case strings.EqualFold(k, "value"):
				m.Value = s
			case strings.EqualFold(k, "$ref"):
				m.Ref = s
			case strings.EqualFold(k, "display"):
				m.Display = s
			case strings.EqualFold(k, "type"):
				switch {
				case s == "":
				case strings.EqualFold(s, "User"):
					m.Type = "User"
				case strings.EqualFold(s, "Group"):
					m.Type = "Group"
				default:
					return nil, false
				}
			}
		}
		if strings.TrimSpace(m.Value) == "" {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}

// applyMembers applies the result of Members to g.
func applyMembers(reg *resource.Registry, g *resource.Group, add []resource.Member, remove []string, rename *string) (bool, error) {
	members := g.Members
	changed := false
	if len(remove) > 0 {
		gone := make(map[string]bool, len(remove))
		for _, id := range remove {
			gone[id] = true
		}
		kept := make([]resource.Member, 0, len(members))
		for _, m := range members {
			if !gone[m.Value] {
				kept = append(kept, m)
			}
		}
		changed = len(kept) != len(members)
		members = kept
	}
	var added []resource.Member
	if len(add) > 0 {
		members = slices.Clip(members)
		var have map[string]bool
		if len(add) > 8 {
			have = make(map[string]bool, len(members)+len(add))
			for _, m := range members {
				have[m.Value] = true
			}
		}
		for _, m := range add {
			present := have[m.Value]
			if have == nil {
				present = slices.ContainsFunc(members, func(x resource.Member) bool { return x.Value == m.Value })
			} else {
				have[m.Value] = true
			}
			if !present {
				members = append(members, m)
				added = append(added, m)
				changed = true
			}
		}
	}
	name := g.DisplayName
	if rename != nil && *rename != name {
		name, changed = *rename, true
	}
	if !changed {
		return false, nil
	}
	// The members g had were valid; validating the new ones keeps this
	// linear in the size of the request, not of the group.
	chk := *g
	chk.Members, chk.DisplayName = added, name
	if err := reg.ValidateGroup(&chk); err != nil {
		return false, fromResource(err)
	}
	g.Members, g.DisplayName = members, name
	return true, nil
}
