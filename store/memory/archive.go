package memory

import (
	"context"
	"time"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

var _ store.UserArchiver = (*Store)(nil)

// archivedRec is an archived user: a clone owned by the store, with
// Active false and no Groups.
type archivedRec struct {
	u  *resource.User
	at time.Time
}

func (r *archivedRec) out() store.ArchivedUser {
	return store.ArchivedUser{User: r.u.Clone(), Archived: r.at}
}

// ArchiveUser implements [store.UserArchiver]: under the tenant's lock the
// user leaves the live indexes exactly as in DeleteUser (so its userName
// and externalId are free and its groups lose it) and joins the archive,
// which no SCIM read consults. The id stays taken: CreateUser checks the
// archive too.
func (s *Store) ArchiveUser(ctx context.Context, id, version string, at time.Time) error {
	t, r, err := writable(s, ctx, usersOf, id, version)
	if err != nil {
		return err
	}
	var p pending
	defer t.unlock(&p)
	kept := r.u.Clone()
	kept.Groups = nil
	kept.Active = new(bool)
	kept.Meta.LastModified = at
	kept.Meta.Version = t.nextVersion()
	t.unindexUser(r)
	delete(t.users, id)
	t.userList = removeBySeq(t.userList, r)
	t.dropMember(id, s.now())
	rec := &archivedRec{u: kept, at: at}
	t.archived[id] = rec
	t.archivedList = append(t.archivedList, rec)
	p = s.take(ctx, t, "") // a user.deleted event: the user left SCIM
	return nil
}

// GetArchivedUser implements [store.UserArchiver].
func (s *Store) GetArchivedUser(ctx context.Context, id string) (store.ArchivedUser, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return store.ArchivedUser{}, store.ErrNotFound
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.archived[id]
	if r == nil {
		return store.ArchivedUser{}, store.ErrNotFound
	}
	return r.out(), nil
}

// ListArchivedUsers implements [store.UserArchiver]: archived users in the
// order they were archived.
func (s *Store) ListArchivedUsers(ctx context.Context, p store.Page) (store.ArchivedUserList, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return store.ArchivedUserList{Resources: []store.ArchivedUser{}}, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	lo, hi := window(len(t.archivedList), p)
	out := make([]store.ArchivedUser, 0, hi-lo)
	for _, r := range t.archivedList[lo:hi] {
		out = append(out, r.out())
	}
	return store.ArchivedUserList{Resources: out, TotalResults: len(t.archivedList)}, nil
}
