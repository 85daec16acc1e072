package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scimkit/scim/internal/jsonparse"
	"github.com/scimkit/scim/resource"
)

// UserEvents returns the events of one committed change of a user, from
// before (nil for a create) to after (nil for a delete), in the order a
// consumer must apply them:
//
//   - create: UserCreated, whose Attributes are every attribute after has;
//   - delete: UserDeleted;
//   - update: UserUpdated when an attribute other than active changed,
//     then UserDeactivated when before was active and after is not, or
//     UserReactivated for the reverse. Only active=true is active
//     ([resource.User.IsActive]): a change between false and unassigned
//     is no change of state, and is listed as "active" in UserUpdated's
//     Attributes. A change that changes nothing gives no event.
//
// Each event gets a new ID, the user's id, externalId and version, and
// the Tenant, Request, Method, Profile and Time of base (Time defaults to
// now); the other fields of base are ignored. Resource is after's JSON
// form (resource.User.MarshalJSON, which never holds a password).
//
// Attributes compare the JSON forms of before and after attribute by
// attribute, ignoring id, meta, schemas and the read-only groups:
//   - a simple or multi-valued attribute is listed by its name
//     ("userName", "emails"); the values of a multi-valued attribute are
//     compared as a set, so a reordering is not a change, and a change of
//     any value lists the whole attribute;
//   - a single-valued complex attribute is listed by its sub-attributes
//     ("name.givenName");
//   - an extension (a member that schemas lists: the enterprise extension,
//     registered or unregistered custom ones) is listed by its attributes
//     prefixed with its URN, by the same rules
//     ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
//   - an attribute that no schema defines (resource.User.Extra) is listed
//     by its name as sent;
//   - "password" is listed when after has a password other than before's.
//     Pass the user as it was written, with the request's password: a
//     store may not return passwords.
//
// Names are as the encoder writes them (the schema's case). The only error
// is after's or before's JSON form failing (an invalid Extensions value).
func UserEvents(base Event, before, after *resource.User) ([]Event, error) {
	base = stamp(base, User)
	switch {
	case before == nil && after == nil:
		return nil, nil
	case after == nil:
		e := base
		e.Type, e.ResourceID, e.ExternalID, e.Version, e.Resource = UserDeleted, before.ID, before.ExternalID, "", nil
		return ids([]Event{e}), nil
	}
	data, err := after.MarshalJSON()
	if err != nil {
		return nil, err
	}
	base.ResourceID, base.ExternalID, base.Version, base.Resource = after.ID, after.ExternalID, after.Meta.Version, data
	if before == nil {
		attrs, ok := userChanged(&resource.User{}, after)
		if !ok {
			if attrs, err = changed(nil, data, userIgnored); err != nil {
				return nil, err
			}
		}
		if after.Password != "" {
			attrs = insertCore(attrs, "password")
		}
		e := base
		e.Type, e.Attributes = UserCreated, attrs
		return ids([]Event{e}), nil
	}
	attrs, ok := userChanged(before, after)
	if !ok {
		old, err := before.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if attrs, err = changed(old, data, userIgnored); err != nil {
			return nil, err
		}
	}
	if after.Password != "" && after.Password != before.Password {
		attrs = insertCore(attrs, "password")
	}
	var out []Event
	wasActive, isActive := before.IsActive(), after.IsActive()
	if wasActive != isActive {
		attrs = slices.DeleteFunc(attrs, func(a string) bool { return a == "active" })
	}
	if len(attrs) > 0 {
		e := base
		e.Type, e.Attributes = UserUpdated, attrs
		out = append(out, e)
	}
	if wasActive != isActive {
		e := base
		e.Type = UserReactivated
		if wasActive {
			e.Type = UserDeactivated
		}
		out = append(out, e)
	}
	return ids(out), nil
}

// GroupEvents returns the events of one committed change of a group, from
// before (nil for a create) to after (nil for a delete), in the order a
// consumer must apply them:
//
//   - create: GroupCreated (Attributes: every attribute after has but
//     members), then MembersAdded with its members if it has any;
//   - delete: GroupDeleted, which ends every membership of the group;
//   - update: GroupUpdated when an attribute other than members changed
//     (a rename lists "displayName"; Attributes are computed as in
//     [UserEvents]), then MembersAdded with the ids after has and before
//     has not, then MembersRemoved with the ids before has and after has
//     not (members are the same when their value, the id, is: a change
//     of display or type alone is not a membership change).
//
// Members are listed in the order of after (added) and of before
// (removed), each once. Base is used as in UserEvents. Resource is after's
// JSON form without its members, so that an event's size does not grow
// with the group's; the member events carry the membership change.
func GroupEvents(base Event, before, after *resource.Group) ([]Event, error) {
	base = stamp(base, Group)
	switch {
	case before == nil && after == nil:
		return nil, nil
	case after == nil:
		e := base
		e.Type, e.ResourceID, e.ExternalID, e.Version, e.Resource = GroupDeleted, before.ID, before.ExternalID, "", nil
		return ids([]Event{e}), nil
	}
	data, err := groupJSON(after)
	if err != nil {
		return nil, err
	}
	base.ResourceID, base.ExternalID, base.Version, base.Resource = after.ID, after.ExternalID, after.Meta.Version, data
	var out []Event
	var old []byte
	var beforeMembers []resource.Member
	if before != nil {
		if old, err = groupJSON(before); err != nil {
			return nil, err
		}
		beforeMembers = before.Members
	}
	attrs, err := changed(old, data, groupIgnored)
	if err != nil {
		return nil, err
	}
	if before == nil {
		e := base
		e.Type, e.Attributes = GroupCreated, attrs
		out = append(out, e)
	} else if len(attrs) > 0 {
		e := base
		e.Type, e.Attributes = GroupUpdated, attrs
		out = append(out, e)
	}
	added, removed := memberDiff(beforeMembers, after.Members)
	out = append(out, memberEvents(base, added, removed)...)
	return ids(out), nil
}

// MemberEvents returns the events of a membership change applied without
// reading the group (a store's membership fast path): MembersAdded with
// added, then MembersRemoved with removed, each without repeats and left
// out when empty. base must carry the group's ResourceID and its Version
// after the change; ResourceType is set to Group, Time defaults to now,
// and Resource is left as base has it (nil when the group was not read).
// The ids are those the request added and removed: when the request adds
// a member the group already had, the event still lists it, so a consumer
// applies member events as set operations (adding a member twice, or
// removing an absent one, changes nothing).
func MemberEvents(base Event, added, removed []string) []Event {
	base = stamp(base, Group)
	return ids(memberEvents(base, dedupe(added), dedupe(removed)))
}

func memberEvents(base Event, added, removed []string) []Event {
	var out []Event
	base.Attributes = nil
	if len(added) > 0 {
		e := base
		e.Type, e.Members = MembersAdded, added
		out = append(out, e)
	}
	if len(removed) > 0 {
		e := base
		e.Type, e.Members = MembersRemoved, removed
		out = append(out, e)
	}
	return out
}

// stamp keeps the request's fields of base and clears the others.
func stamp(base Event, resourceType string) Event {
	t := base.Time
	if t.IsZero() {
		t = time.Now().UTC()
	}
	return Event{
		Tenant:       base.Tenant,
		ResourceType: resourceType,
		ResourceID:   base.ResourceID,
		ExternalID:   base.ExternalID,
		Time:         t,
		Request:      base.Request,
		Method:       base.Method,
		Profile:      base.Profile,
		Version:      base.Version,
		Resource:     base.Resource,
	}
}

// ids gives each event a new ID.
func ids(events []Event) []Event {
	for i := range events {
		events[i].ID = NewID()
	}
	return events
}

func groupJSON(g *resource.Group) ([]byte, error) {
	c := *g
	c.Members = nil
	return c.MarshalJSON()
}

func memberDiff(before, after []resource.Member) (added, removed []string) {
	had := make(map[string]bool, len(before))
	for _, m := range before {
		had[m.Value] = true
	}
	has := make(map[string]bool, len(after))
	for _, m := range after {
		if !had[m.Value] && !has[m.Value] {
			added = append(added, m.Value)
		}
		has[m.Value] = true
	}
	for _, m := range before {
		if !has[m.Value] {
			removed = append(removed, m.Value)
			has[m.Value] = true // once
		}
	}
	return added, removed
}

func dedupe(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

var (
	userIgnored  = map[string]bool{"schemas": true, "id": true, "meta": true, "groups": true}
	groupIgnored = map[string]bool{"schemas": true, "id": true, "meta": true, "members": true}
)

// changed returns the attribute paths whose values differ between the
// JSON forms old (nil for none) and new, at the granularity of UserEvents.
// An attribute whose encodings are the same bytes is unchanged (the
// encoder is deterministic); the others are compared by canonical values.
// Both forms are read once, with the module's JSON reader.
func changed(old, new []byte, ignored map[string]bool) ([]string, error) {
	a, aExt, err := members(old)
	if err != nil {
		return nil, err
	}
	b, bExt, err := members(new)
	if err != nil {
		return nil, err
	}
	var core, ext []string
	add := func(p string) {
		if strings.HasPrefix(strings.ToLower(p), "urn:") {
			ext = append(ext, p)
		} else {
			core = append(core, p)
		}
	}
	diff := func(k string) {
		if ignored[k] {
			return
		}
		x, y := a[k], b[k]
		if x != nil && y != nil && bytes.Equal(x.Raw, y.Raw) {
			return
		}
		fx, fy := flatten(k, x, aExt[k]), flatten(k, y, bExt[k])
		for p, v := range fy {
			if w, ok := fx[p]; !ok || w != v {
				add(p)
			}
		}
		for p := range fx {
			if _, ok := fy[p]; !ok {
				add(p)
			}
		}
	}
	for k := range b {
		diff(k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			diff(k)
		}
	}
	sort.Strings(core)
	sort.Strings(ext)
	return append(core, ext...), nil
}

// insertCore adds a core attribute path to a sorted result of changed.
func insertCore(attrs []string, p string) []string {
	i := 0
	for i < len(attrs) && !strings.HasPrefix(strings.ToLower(attrs[i]), "urn:") && attrs[i] < p {
		i++
	}
	if i < len(attrs) && attrs[i] == p {
		return attrs
	}
	return slices.Insert(attrs, i, p)
}

// maxDepth bounds the nesting the diff reads: a resource's JSON form is
// at most resource's own limit deep, well within it.
const maxDepth = 64

// members splits a resource's JSON form into its members (the last of
// duplicate keys wins, as encoding/json's maps do), and says which are
// extensions (named in schemas).
func members(data []byte) (map[string]*jsonparse.Value, map[string]bool, error) {
	if data == nil {
		return nil, nil, nil
	}
	top, err := jsonparse.Parse(data, maxDepth)
	if err != nil {
		return nil, nil, fmt.Errorf("event: resource JSON: %w", err)
	}
	if top.Kind != jsonparse.Object {
		return nil, nil, fmt.Errorf("event: resource JSON: %s, not an object", top.Kind)
	}
	m := make(map[string]*jsonparse.Value, len(top.Mems))
	for i := range top.Mems {
		m[top.Mems[i].Key] = &top.Mems[i].Val
	}
	var extension map[string]bool
	if sc := m["schemas"]; sc != nil && sc.Kind == jsonparse.Array {
		extension = make(map[string]bool, len(sc.Elems))
		for _, e := range sc.Elems {
			if e.Kind == jsonparse.String { // not a string: not an extension
				extension[e.Str] = true
			}
		}
	}
	return m, extension, nil
}

// flatten maps the attribute paths of member k (v, nil when absent) to
// canonical encodings of their values.
func flatten(k string, v *jsonparse.Value, isExtension bool) map[string]string {
	out := map[string]string{}
	switch {
	case v == nil:
	case v.Kind == jsonparse.Object && isExtension:
		for _, m := range lastWins(v.Mems) {
			complexAttr(out, k+":"+m.Key, &m.Val)
		}
	default:
		complexAttr(out, k, v)
	}
	return out
}

// complexAttr records an attribute, by its sub-attributes when it is a
// single-valued complex one.
func complexAttr(out map[string]string, path string, v *jsonparse.Value) {
	if v.Kind == jsonparse.Object {
		for _, m := range lastWins(v.Mems) {
			out[path+"."+m.Key] = canonical(&m.Val)
		}
		return
	}
	out[path] = canonical(v)
}

// lastWins returns mems with only the last of each key, sorted by key.
func lastWins(mems []jsonparse.Member) []jsonparse.Member {
	out := make([]jsonparse.Member, 0, len(mems))
	for i, m := range mems {
		dup := false
		for _, n := range mems[i+1:] {
			if n.Key == m.Key {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b jsonparse.Member) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// canonical encodes v with object keys sorted and array elements sorted,
// so that two values are equal as SCIM values (multi-valued attributes are
// unordered) exactly when their encodings are.
func canonical(v *jsonparse.Value) string {
	switch v.Kind {
	case jsonparse.Null:
		return "null"
	case jsonparse.True:
		return "true"
	case jsonparse.False:
		return "false"
	case jsonparse.Number:
		return v.Str
	case jsonparse.String:
		b, _ := json.Marshal(v.Str)
		return string(b)
	case jsonparse.Array:
		elems := make([]string, len(v.Elems))
		for i := range v.Elems {
			elems[i] = canonical(&v.Elems[i])
		}
		sort.Strings(elems)
		return "[" + strings.Join(elems, ",") + "]"
	default:
		var b strings.Builder
		b.WriteByte('{')
		for i, m := range lastWins(v.Mems) {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(m.Key)
			b.Write(kb)
			b.WriteByte(':')
			b.WriteString(canonical(&m.Val))
		}
		b.WriteByte('}')
		return b.String()
	}
}
