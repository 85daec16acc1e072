package memory

import (
	"context"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// userRec is a stored user. u is owned by the store: Groups is always nil
// (it is derived on read) and u is replaced, never changed, on write.
type userRec struct {
	seq uint64
	u   *resource.User
}

func (r *userRec) sequence() uint64 { return r.seq }
func (r *userRec) version() string  { return r.u.Meta.Version }

// groupRefs derives User.Groups for the member value id, in group creation
// order. $ref is left empty for the handler to fill.
func (t *tenant) groupRefs(id string) []resource.GroupRef {
	set := t.memberOf[id]
	if len(set) == 0 {
		return nil
	}
	recs := make([]*groupRec, 0, len(set))
	for g := range set {
		recs = append(recs, g)
	}
	sortBySeq(recs)
	refs := make([]resource.GroupRef, len(recs))
	for i, g := range recs {
		refs[i] = resource.GroupRef{Value: g.g.ID, Display: g.g.DisplayName, Type: "direct"}
	}
	return refs
}

// userOut returns a copy of u for a caller, with Groups derived.
func (t *tenant) userOut(u *resource.User) *resource.User {
	c := u.Clone()
	c.Groups = t.groupRefs(u.ID)
	return c
}

func (t *tenant) indexUser(r *userRec) {
	t.userByName[fold(r.u.UserName)] = r
	if r.u.ExternalID != "" {
		addToSet(t.userByExtID, r.u.ExternalID, r)
	}
}

func (t *tenant) unindexUser(r *userRec) {
	if t.userByName[fold(r.u.UserName)] == r {
		delete(t.userByName, fold(r.u.UserName))
	}
	if r.u.ExternalID != "" {
		removeFromSet(t.userByExtID, r.u.ExternalID, r)
	}
}

// GetUser implements [store.Users].
func (s *Store) GetUser(ctx context.Context, id string) (*resource.User, error) {
	t, r, err := readable(s, ctx, usersOf, id)
	if err != nil {
		return nil, err
	}
	defer t.mu.RUnlock()
	return t.userOut(r.u), nil
}

// CreateUser implements [store.Users]. u.Groups is ignored: groups are
// derived from membership.
func (s *Store) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	if u == nil {
		return nil, errNilResource
	}
	t, err := creatable(s, ctx, usersOf, u.ID)
	if err != nil {
		return nil, err
	}
	var p pending
	defer t.unlock(&p)
	if t.userByName[fold(u.UserName)] != nil || t.archived[u.ID] != nil {
		return nil, store.ErrConflict
	}
	stored := u.Clone()
	stored.Groups = nil
	stored.Meta.Version = t.nextVersion()
	r := &userRec{seq: t.next(), u: stored}
	t.users[u.ID] = r
	t.userList = append(t.userList, r)
	t.indexUser(r)
	p = s.take(ctx, t, stored.Meta.Version)
	return t.userOut(stored), nil
}

// ReplaceUser implements [store.Users]. The user keeps its place in the
// creation order.
func (s *Store) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	if u == nil {
		return nil, errNilResource
	}
	t, r, err := writable(s, ctx, usersOf, u.ID, version)
	if err != nil {
		return nil, err
	}
	var p pending
	defer t.unlock(&p)
	if other := t.userByName[fold(u.UserName)]; other != nil && other != r {
		return nil, store.ErrConflict
	}
	stored := u.Clone()
	stored.Groups = nil
	stored.Meta.Version = t.nextVersion()
	t.unindexUser(r)
	r.u = stored
	t.indexUser(r)
	p = s.take(ctx, t, stored.Meta.Version)
	return t.userOut(stored), nil
}

// DeleteUser implements [store.Users]. Every group the user was a member of
// loses the member and gets a new version and Meta.LastModified.
func (s *Store) DeleteUser(ctx context.Context, id, version string) error {
	t, r, err := writable(s, ctx, usersOf, id, version)
	if err != nil {
		return err
	}
	var p pending
	defer t.unlock(&p)
	t.unindexUser(r)
	delete(t.users, id)
	t.userList = removeBySeq(t.userList, r)
	t.dropMember(id, s.now())
	p = s.take(ctx, t, "")
	return nil
}

// ListUsers implements [store.Users]: users in creation order.
func (s *Store) ListUsers(ctx context.Context, p store.Page) (store.UserList, error) {
	out, total := page(s, ctx, func(t *tenant) []*userRec { return t.userList }, p,
		func(t *tenant, r *userRec) *resource.User { return t.userOut(r.u) })
	return store.UserList{Resources: out, TotalResults: total}, nil
}
