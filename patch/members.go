package patch

import (
	"slices"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/quirk"
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
//     under quirk.LoneObject), each with a non-empty "value";
//   - remove with path `members[value eq "id"]` (under
//     quirk.IdempotentRemove, since the member may be absent), or with path
//     "members" and a value array (under quirk.RemoveByValue, docs/idp-compatibility.md#remove-by-value);
//   - replace with path "displayName" and a string, or without a path and
//     a value holding only displayName and an id equal to groupID (Okta).
//
// Anything else, including errors that ApplyGroup would report, gives ok
// false. An empty ops gives ok true and nothing to do. Member ids are
// compared exactly, as a store compares them. [PlanGroup] gives the same
// answer together with the rest of a handler's analysis.
func Members(groupID string, ops []Op, opts Options) (add []resource.Member, remove []string, rename *string, ok bool) {
	return members(groupID, reads(ops, opts), opts, nil)
}

// GroupPlan is what a handler needs to know about a group PATCH before it
// reads the group, read once from the operations by [PlanGroup]; its
// Apply applies the same reading.
type GroupPlan struct {
	// MembersOnly reports that the operations only add and remove members
	// and set displayName (see [Members]); Add, Remove and Rename are then
	// their net effect.
	MembersOnly bool
	Add         []resource.Member // members to add, when MembersOnly
	Remove      []string          // member ids to remove, when MembersOnly
	Rename      *string           // the displayName set, or nil, when MembersOnly

	// TouchesMembers reports whether an operation may read or change
	// members: its path names members (or does not parse), or it has no
	// path and its value is not an object without members. When it is
	// false, applying the operations to the group read without members
	// gives the same result as applying them to the whole group.
	TouchesMembers bool

	// Sent lists the members that the add and replace operations send as
	// values of members: with the path "members" (in any case, with or
	// without the core schema URN) or without a path, under a "members"
	// key. Value and Type are as sent; values that cannot be read are left
	// to Apply to report.
	Sent []resource.Member

	groupID string
	ops     []Op
	reads   []*opRead
	opts    Options
	// idem lists the ids removed through a value filter that only the
	// group's members can tell present or absent (see members).
	idem []string
}

// PlanGroup reads ops, a PATCH request for the group groupID, once for
// every question a handler asks before it reads the group.
func PlanGroup(groupID string, ops []Op, opts Options) *GroupPlan {
	rs := reads(ops, opts)
	p := &GroupPlan{groupID: groupID, ops: ops, reads: rs, opts: opts}
	p.Add, p.Remove, p.Rename, p.MembersOnly = members(groupID, rs, opts, &p.idem)
	p.TouchesMembers = touchesMembers(rs)
	p.Sent = sentMembers(rs)
	return p
}

// Apply applies the plan's operations to g like [ApplyGroup], without
// reading them again. g must be the group the plan was made for.
func (p *GroupPlan) Apply(reg *resource.Registry, g *resource.Group) (changed bool, err error) {
	if reg == nil || g == nil {
		return false, errf(invalidValue, "no group to patch")
	}
	if len(p.ops) == 0 {
		return false, nil
	}
	if p.MembersOnly && g.ID == p.groupID {
		return applyMembers(reg, g, p.Add, p.Remove, p.Rename, p.idem, p.opts.Fired)
	}
	if g.ID != p.groupID {
		// Okta's rename is recognised by the group's id.
		var idem []string
		if add, remove, rename, ok := members(g.ID, p.reads, p.opts, &idem); ok {
			return applyMembers(reg, g, add, remove, rename, idem, p.opts.Fired)
		}
	}
	return applyGroupTree(reg, g, p.ops, p.opts)
}

// members is Members over read operations. A remove through a value
// filter of a member that an earlier operation removed is recorded as
// quirk.IdempotentRemove fired; when idem is not nil, it receives the ids
// removed through a value filter that no earlier operation added or
// removed, whose presence only the group can tell (applyMembers).
func members(groupID string, rs []*opRead, opts Options, idem *[]string) (add []resource.Member, remove []string, rename *string, ok bool) {
	for _, r := range rs {
		if r.opErr != nil || r.valErr != nil {
			return nil, nil, nil, false
		}
		kind := r.kind
		if r.trimmed == "" {
			if !r.hasVal {
				return nil, nil, nil, false
			}
			name, ok := renameValue(groupID, kind, &r.val)
			if !ok {
				return nil, nil, nil, false
			}
			rename = &name
			continue
		}
		p := r.parsed
		if p == nil || p.Attr.Sub != "" || p.Sub != "" ||
			(p.Attr.URN != "" && !strings.EqualFold(p.Attr.URN, resource.GroupSchema)) {
			return nil, nil, nil, false
		}
		switch {
		case strings.EqualFold(p.Attr.Name, "displayName") && p.Filter == nil && kind == OpReplace:
			if !r.hasVal || r.val.Kind != jsonparse.String || strings.TrimSpace(r.val.Str) == "" {
				return nil, nil, nil, false
			}
			name := r.val.Str
			rename = &name
		case !strings.EqualFold(p.Attr.Name, "members"):
			return nil, nil, nil, false
		case p.Filter != nil:
			id, ok := valueEq(p.Filter)
			if !ok || kind != OpRemove || !opts.on(quirk.IdempotentRemove) {
				return nil, nil, nil, false
			}
			switch {
			case slices.Contains(remove, id):
				opts.Fired.Add(quirk.IdempotentRemove) // absent now, whatever the group held
			case idem != nil && !slices.ContainsFunc(add, func(m resource.Member) bool { return m.Value == id }):
				*idem = append(*idem, id)
			}
			add, remove = netRemove(add, remove, id)
		case kind == OpAdd:
			ms, ok := memberList(r, opts)
			if !ok {
				return nil, nil, nil, false
			}
			for _, m := range ms {
				add, remove = netAdd(add, remove, m)
			}
		case kind == OpRemove && opts.on(quirk.RemoveByValue):
			ms, ok := memberList(r, opts)
			if !ok {
				return nil, nil, nil, false
			}
			opts.Fired.Add(quirk.RemoveByValue)
			for _, m := range ms {
				add, remove = netRemove(add, remove, m.Value)
			}
		default:
			return nil, nil, nil, false
		}
	}
	return add, remove, rename, true
}

// touchesMembers is GroupPlan.TouchesMembers.
func touchesMembers(rs []*opRead) bool {
	for _, r := range rs {
		if r.trimmed == "" {
			if !r.hasVal || r.valErr != nil || (r.val.Kind != jsonparse.Object && r.val.Kind != jsonparse.Null) {
				return true
			}
			for i := range r.val.Mems {
				k := r.val.Mems[i].Key
				if strings.EqualFold(k, "members") || strings.EqualFold(k, resource.GroupSchema) ||
					strings.HasSuffix(strings.ToLower(k), ":members") {
					return true
				}
			}
			continue
		}
		if strings.EqualFold(r.trimmed, resource.GroupSchema) {
			return true
		}
		if p := r.parsed; p == nil || p.Attr.Name == "" || strings.EqualFold(p.Attr.Name, "members") {
			return true
		}
	}
	return false
}

// sentMembers is GroupPlan.Sent.
func sentMembers(rs []*opRead) []resource.Member {
	var out []resource.Member
	for _, r := range rs {
		if (r.kind != OpAdd && r.kind != OpReplace) || !r.hasVal || r.valErr != nil {
			continue
		}
		if r.trimmed == "" {
			mems := r.val.Mems
			for i := range mems {
				if strings.EqualFold(mems[i].Key, "members") && !laterKey(mems, i) {
					out = append(out, memberValues(&mems[i].Val)...)
				}
			}
			continue
		}
		p := r.parsed
		if p != nil && p.Filter == nil && p.Sub == "" && p.Attr.Sub == "" && p.Attr.Is("members", "") &&
			(p.Attr.URN == "" || strings.EqualFold(p.Attr.URN, resource.GroupSchema)) {
			out = append(out, memberValues(&r.val)...)
		}
	}
	return out
}

// laterKey reports whether a member after mems[i] has the same key: of
// duplicate keys the last wins.
func laterKey(mems []jsonparse.Member, i int) bool {
	for j := i + 1; j < len(mems); j++ {
		if mems[j].Key == mems[i].Key {
			return true
		}
	}
	return false
}

// memberValues reads an array of members, or a lone member, leniently:
// value and type when they are strings (keys in any case, the last one
// wins), null elements skipped, nothing at all when an element is not an
// object.
func memberValues(v *jsonparse.Value) []resource.Member {
	var list []jsonparse.Value
	switch v.Kind {
	case jsonparse.Object:
		list = []jsonparse.Value{*v}
	case jsonparse.Array:
		list = v.Elems
	default:
		return nil
	}
	var out []resource.Member
	for i := range list {
		el := &list[i]
		if el.Kind == jsonparse.Null {
			continue
		}
		if el.Kind != jsonparse.Object {
			return nil
		}
		var m resource.Member
		for j := range el.Mems {
			x := &el.Mems[j]
			var dst *string
			switch {
			case strings.EqualFold(x.Key, "value"):
				dst = &m.Value
			case strings.EqualFold(x.Key, "type"):
				dst = &m.Type
			default:
				continue
			}
			*dst = ""
			if x.Val.Kind == jsonparse.String {
				*dst = x.Val.Str
			}
		}
		if strings.TrimSpace(m.Value) != "" {
			out = append(out, m)
		}
	}
	return out
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
func renameValue(groupID, kind string, v *jsonparse.Value) (string, bool) {
	if kind != OpReplace || v.Kind != jsonparse.Object {
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
func memberList(r *opRead, opts Options) ([]resource.Member, bool) {
	if !r.hasVal {
		return nil, false
	}
	v := toAny(&r.val)
	arr, isArr := v.([]any)
	if !isArr {
		if _, isObj := v.(map[string]any); !isObj || !opts.use(quirk.LoneObject) {
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
			default:
				// A sub-attribute members do not define: refused by the
				// general path unless quirk.UnknownAttributes is on.
				if !opts.use(quirk.UnknownAttributes) {
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

// applyMembers applies the result of Members to g. An id of idem that g
// does not have records quirk.IdempotentRemove in fired: the request
// removed an absent member.
func applyMembers(reg *resource.Registry, g *resource.Group, add []resource.Member, remove []string, rename *string, idem []string, fired *quirk.Set) (bool, error) {
	if fired != nil && len(idem) > 0 {
		have := make(map[string]bool, len(g.Members))
		for _, m := range g.Members {
			have[m.Value] = true
		}
		for _, id := range idem {
			if !have[id] {
				fired.Add(quirk.IdempotentRemove)
			}
		}
	}
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
