package memory

import (
	"context"
	"time"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Compile-time checks of the group fast paths beyond those in memory.go.
var (
	_ store.GroupAttributesReplacer = (*Store)(nil)
	_ store.MemberResolver          = (*Store)(nil)
	_ store.GroupStreamer           = (*Store)(nil)
)

// groupRec is a stored group. g.Members is always nil: the members live in
// a set keyed by value, threaded in insertion order by a doubly linked list,
// so that one add or remove costs O(1) whatever the group's size.
type groupRec struct {
	seq        uint64
	g          *resource.Group
	members    map[string]*memberNode
	byFold     map[string][]*memberNode // by fold(value), for filters on members.value
	head, tail *memberNode
}

// memberNode is one member of a group. m is never changed once the node
// is linked in (a change of a member is a new node), so StreamGroup reads
// it without the lock.
type memberNode struct {
	m          resource.Member
	prev, next *memberNode
}

func (r *groupRec) sequence() uint64 { return r.seq }
func (r *groupRec) version() string  { return r.g.Meta.Version }

func newGroupRec(seq uint64, g *resource.Group) *groupRec {
	return &groupRec{seq: seq, g: g, members: make(map[string]*memberNode), byFold: make(map[string][]*memberNode)}
}

// addMember adds m unless a member with its value is present, and reports
// whether it did.
func (r *groupRec) addMember(m resource.Member) bool {
	if r.members[m.Value] != nil {
		return false
	}
	n := &memberNode{m: m, prev: r.tail}
	if r.tail != nil {
		r.tail.next = n
	} else {
		r.head = n
	}
	r.tail = n
	r.members[m.Value] = n
	k := fold(m.Value)
	r.byFold[k] = append(r.byFold[k], n)
	return true
}

// removeMember removes the member with value v and reports whether there
// was one.
func (r *groupRec) removeMember(v string) bool {
	n := r.members[v]
	if n == nil {
		return false
	}
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		r.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		r.tail = n.prev
	}
	delete(r.members, v)
	k := fold(v)
	same := r.byFold[k]
	for i, x := range same {
		if x == n {
			same = append(same[:i], same[i+1:]...)
			break
		}
	}
	if len(same) == 0 {
		delete(r.byFold, k)
	} else {
		r.byFold[k] = same
	}
	return true
}

// memberSlice returns a copy of the members in insertion order, nil for
// none.
func (r *groupRec) memberSlice() []resource.Member {
	if len(r.members) == 0 {
		return nil
	}
	out := make([]resource.Member, 0, len(r.members))
	for n := r.head; n != nil; n = n.next {
		out = append(out, n.m)
	}
	return out
}

// groupOut returns a copy of r for a caller.
func groupOut(r *groupRec, m store.Members) *resource.Group {
	c := withoutMembers(r.g)
	if m == store.WithMembers {
		c.Members = r.memberSlice()
	}
	return c
}

func (t *tenant) indexGroup(r *groupRec) {
	addToSet(t.groupByName, fold(r.g.DisplayName), r)
	if r.g.ExternalID != "" {
		addToSet(t.groupByExtID, r.g.ExternalID, r)
	}
}

func (t *tenant) unindexGroup(r *groupRec) {
	removeFromSet(t.groupByName, fold(r.g.DisplayName), r)
	if r.g.ExternalID != "" {
		removeFromSet(t.groupByExtID, r.g.ExternalID, r)
	}
}

// addMember and removeMember change r's membership and the reverse index.
func (t *tenant) addMember(r *groupRec, m resource.Member) {
	if r.addMember(m) {
		addToSet(t.memberOf, m.Value, r)
	}
}

func (t *tenant) removeMember(r *groupRec, v string) {
	if r.removeMember(v) {
		removeFromSet(t.memberOf, v, r)
	}
}

// clearMembers empties r.
func (t *tenant) clearMembers(r *groupRec) {
	for n := r.head; n != nil; n = n.next {
		removeFromSet(t.memberOf, n.m.Value, r)
	}
	r.members = make(map[string]*memberNode)
	r.byFold = make(map[string][]*memberNode)
	r.head, r.tail = nil, nil
}

// dropMember removes the member value v from every group, giving each a new
// version and Meta.LastModified now.
func (t *tenant) dropMember(v string, now time.Time) {
	set := t.memberOf[v]
	if len(set) == 0 {
		return
	}
	recs := make([]*groupRec, 0, len(set))
	for r := range set {
		recs = append(recs, r)
	}
	sortBySeq(recs) // versions are issued in a deterministic order
	for _, r := range recs {
		r.removeMember(v)
		t.touch(r, now)
	}
	delete(t.memberOf, v)
}

// touch gives r a new version after a change the caller did not send.
func (t *tenant) touch(r *groupRec, now time.Time) {
	r.g.Meta.Version = t.nextVersion()
	r.g.Meta.LastModified = now.Round(0)
}

// GetGroup implements [store.Groups]. With store.WithoutMembers, Members is
// left empty and nothing is copied.
func (s *Store) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	t, r, err := readable(s, ctx, groupsOf, id)
	if err != nil {
		return nil, err
	}
	defer t.mu.RUnlock()
	return groupOut(r, m), nil
}

// StreamGroup implements [store.GroupStreamer]. Under the tenant's read
// lock it copies the group's attributes and one pointer per member, in
// insertion order (8 bytes a member, 0.8 MB for 100,000); it then calls
// head and copies the members a batch at a time into one buffer of size,
// without the lock, so writes proceed while the callbacks run and the
// stream still shows the group as it was under the lock (a member node is
// never changed once linked in, and one unlinked stays readable).
func (s *Store) StreamGroup(ctx context.Context, id string, size int, head func(*resource.Group) error, batch func([]resource.Member) error) error {
	t, r, err := readable(s, ctx, groupsOf, id)
	if err != nil {
		return err
	}
	g := groupOut(r, store.WithoutMembers)
	nodes := make([]*memberNode, 0, len(r.members))
	for n := r.head; n != nil; n = n.next {
		nodes = append(nodes, n)
	}
	t.mu.RUnlock()
	if err := head(g); err != nil {
		return err
	}
	size = max(size, 1)
	buf := make([]resource.Member, 0, min(size, len(nodes)))
	for len(nodes) > 0 {
		k := min(size, len(nodes))
		buf = buf[:0]
		for _, n := range nodes[:k] {
			buf = append(buf, n.m)
		}
		clear(nodes[:k]) // a node removed meanwhile can be collected
		nodes = nodes[k:]
		if err := batch(buf); err != nil {
			return err
		}
	}
	return nil
}

// CreateGroup implements [store.Groups]. Members with the same value
// collapse to the first. displayName uniqueness is checked under the
// tenant's lock.
func (s *Store) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	if g == nil {
		return nil, errNilResource
	}
	t, err := creatable(s, ctx, groupsOf, g.ID)
	if err != nil {
		return nil, err
	}
	var p pending
	defer t.unlock(&p)
	if !store.DuplicateGroupNamesAllowed(ctx) && len(t.groupByName[fold(g.DisplayName)]) > 0 {
		return nil, store.ErrConflict
	}
	stored := withoutMembers(g)
	stored.Meta.Version = t.nextVersion()
	r := newGroupRec(t.next(), stored)
	for _, m := range g.Members {
		t.addMember(r, m)
	}
	t.groups[g.ID] = r
	t.groupList = append(t.groupList, r)
	t.indexGroup(r)
	p = s.take(ctx, t, stored.Meta.Version)
	return groupOut(r, store.WithMembers), nil
}

// ReplaceGroup implements [store.Groups]: the group's members become
// g.Members. The group keeps its place in the creation order.
func (s *Store) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	return s.replaceGroup(ctx, g, version, store.WithMembers)
}

// replaceGroup replaces the group g.ID with g, and its members with
// g.Members unless m is WithoutMembers; it returns the group read with m.
func (s *Store) replaceGroup(ctx context.Context, g *resource.Group, version string, m store.Members) (*resource.Group, error) {
	if g == nil {
		return nil, errNilResource
	}
	t, r, err := writable(s, ctx, groupsOf, g.ID, version)
	if err != nil {
		return nil, err
	}
	var p pending
	defer t.unlock(&p)
	if t.renameTaken(ctx, r, g) {
		return nil, store.ErrConflict
	}
	t.replaceAttributes(r, g)
	if m == store.WithMembers {
		t.clearMembers(r)
		for _, mem := range g.Members {
			t.addMember(r, mem)
		}
	}
	p = s.take(ctx, t, r.g.Meta.Version)
	return groupOut(r, m), nil
}

// renameTaken reports whether writing g over r would give it a
// displayName another group of the tenant has (see the store package's
// group displayName uniqueness). Keeping its own name never conflicts.
func (t *tenant) renameTaken(ctx context.Context, r *groupRec, g *resource.Group) bool {
	k := fold(g.DisplayName)
	// The set under k does not hold r when its key is another.
	return !store.DuplicateGroupNamesAllowed(ctx) && k != fold(r.g.DisplayName) && len(t.groupByName[k]) > 0
}

// replaceAttributes makes a copy of g, without members, r's group, with a
// new version, and reindexes it.
func (t *tenant) replaceAttributes(r *groupRec, g *resource.Group) {
	stored := withoutMembers(g)
	stored.Members = nil
	stored.Meta.Version = t.nextVersion()
	t.unindexGroup(r)
	r.g = stored
	t.indexGroup(r)
}

// ReplaceGroupAttributes implements [store.GroupAttributesReplacer]: it
// replaces the group like ReplaceGroup but keeps its members as they are,
// in O(1) whatever their number, and returns the group without members.
func (s *Store) ReplaceGroupAttributes(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	return s.replaceGroup(ctx, g, version, store.WithoutMembers)
}

// ResolveMembers implements [store.MemberResolver] with one lookup per id
// in the tenant's indexes, under one read lock.
func (s *Store) ResolveMembers(ctx context.Context, ids []string) (map[string]store.MemberType, error) {
	out := make(map[string]store.MemberType)
	t := s.tenant(ctx, false)
	if t == nil {
		return out, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, id := range ids {
		var k store.MemberType
		if t.users[id] != nil {
			k |= store.MemberUser
		}
		if t.groups[id] != nil {
			k |= store.MemberGroup
		}
		if k != 0 {
			out[id] = k
		}
	}
	return out, nil
}

// DeleteGroup implements [store.Groups]. The group disappears from its
// members' User.Groups, and from the groups it was itself a member of
// (which get a new version).
func (s *Store) DeleteGroup(ctx context.Context, id, version string) error {
	t, r, err := writable(s, ctx, groupsOf, id, version)
	if err != nil {
		return err
	}
	var p pending
	defer t.unlock(&p)
	t.unindexGroup(r)
	t.clearMembers(r)
	delete(t.groups, id)
	t.groupList = removeBySeq(t.groupList, r)
	t.dropMember(id, s.now())
	p = s.take(ctx, t, "")
	return nil
}

// ListGroups implements [store.Groups]: groups in creation order.
func (s *Store) ListGroups(ctx context.Context, p store.Page, m store.Members) (store.GroupList, error) {
	out, total := page(s, ctx, func(t *tenant) []*groupRec { return t.groupList }, p,
		func(_ *tenant, r *groupRec) *resource.Group { return groupOut(r, m) })
	return store.GroupList{Resources: out, TotalResults: total}, nil
}

// PatchMembers implements [store.GroupMemberPatcher]: it removes the
// members whose value is in remove, then adds those of add that are not
// present (a present member is kept as it is), in O(1) per member. Every
// call is a write: the group gets a new version and Meta.LastModified, even
// when nothing changed.
func (s *Store) PatchMembers(ctx context.Context, groupID string, add []resource.Member, remove []string, version string) (string, error) {
	t, r, err := writable(s, ctx, groupsOf, groupID, version)
	if err != nil {
		return "", err
	}
	var p pending
	defer t.unlock(&p)
	for _, v := range remove {
		t.removeMember(r, v)
	}
	for _, m := range add {
		t.addMember(r, m)
	}
	t.touch(r, s.now())
	p = s.take(ctx, t, r.g.Meta.Version)
	return r.g.Meta.Version, nil
}

// withoutMembers returns a deep copy of g without its members, which the
// store keeps apart (copying them would cost a large group's size).
func withoutMembers(g *resource.Group) *resource.Group {
	h := *g
	h.Members = nil
	return h.Clone()
}
