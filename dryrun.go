package scim

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Dry run
//
// A request of a connection in dry-run mode (connection.Connection.DryRun)
// is read, validated and answered exactly as it would be, and nothing is
// written: the handler serves it with a copy of the server whose store is
// a dry-run store over Config.Store (dryRunStore). Its reads are the
// store's; its writes check what the store would refuse, by reading
// (unknown id: ErrNotFound; a version that is not the stored one:
// ErrPreconditionFailed; a userName or group displayName another resource
// of the tenant has under filter.Fold: ErrConflict; an id taken on
// create: ErrConflict), and return what the store would return, with a
// would-be version no stored resource has, without writing. Member
// references are resolved as always. The fast paths that write
// (GroupMemberPatcher, GroupAttributesReplacer) are not offered, so a
// group PATCH takes the read-modify-write, which answers the same. The
// request's change events are built as for a write but delivered to
// nobody: neither Config.Events nor a store.EventWriter sees them; their
// types and resource ids are the Observation's Effects ("user.created
// 2819c223"). Every answer, errors included, carries the header
// X-SCIM-Dry-Run: true, which identity providers ignore. Each request
// stands alone: a dry-run POST's id is not found by the next request,
// and its would-be version matches nothing.

// DryRunHeader is the response header, with value "true", of every
// answer to a request of a connection in dry-run mode.
const DryRunHeader = "X-SCIM-Dry-Run"

// dryRun returns the server that answers one dry-run request: s with the
// dry-run store over its store, no store that writes events, and, when
// the request is observed, the would-be events recorded in o's effects
// instead of being delivered. The copy shares everything else with s,
// which it only reads.
func (s *Server) dryRun(o *observer) *Server {
	d := *s
	d.cfg.Store = newDryRunStore(s.cfg.Store)
	d.storeEvents, d.emits, d.cfg.Events = false, false, nil
	if o != nil && s.cfg.Observe != nil {
		d.emits, d.cfg.Events = true, effectsOf{o}
	}
	return &d
}

// effectsOf is the event.Handler of a dry-run request: it records each
// would-be event's type and resource id in the observation.
type effectsOf struct{ o *observer }

// Handle implements event.Handler.
func (e effectsOf) Handle(_ context.Context, ev event.Event) error {
	e.o.effects = append(e.o.effects, string(ev.Type)+" "+ev.ResourceID)
	return nil
}

// dryRunVersion numbers the would-be versions of dry-run writes.
var dryRunVersion atomic.Uint64

// newDryRunVersion returns a would-be version: no store's, so that an
// If-Match naming it is refused as a stale version would be.
func newDryRunVersion() string {
	return "dry-run-" + strconv.FormatUint(dryRunVersion.Add(1), 10)
}

// newDryRunStore returns the dry-run store over st, offering
// store.MemberResolver and store.UserArchiver exactly when st does, so
// that the handler takes the same paths and gives the same answers.
func newDryRunStore(st store.Store) store.Store {
	d := dryRunStore{Store: st}
	r, resolves := st.(store.MemberResolver)
	a, archives := st.(store.UserArchiver)
	switch {
	case resolves && archives:
		return dryRunResolverArchiver{dryRunResolver{d, r}, dryRunArchiver{d, a}}
	case resolves:
		return dryRunResolver{d, r}
	case archives:
		return dryRunArchiver{d, a}
	}
	return d
}

// dryRunStore is the store of a dry-run request (see "Dry run" above):
// its reads are the store's, its writes write nothing.
type dryRunStore struct {
	store.Store // reads pass through; the write methods are overridden
}

// QueryUsers passes through to the store's querier, or answers
// ErrUnsupported when it has none.
func (d dryRunStore) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	if uq, ok := d.Store.(store.UserQuerier); ok {
		return uq.QueryUsers(ctx, q)
	}
	return store.UserList{}, store.ErrUnsupported
}

// QueryGroups passes through to the store's querier, or answers
// ErrUnsupported when it has none.
func (d dryRunStore) QueryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	if gq, ok := d.Store.(store.GroupQuerier); ok {
		return gq.QueryGroups(ctx, q)
	}
	return store.GroupList{}, store.ErrUnsupported
}

// CreateUser returns u as the store would create it, writing nothing.
func (d dryRunStore) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	if err := d.idFree(ctx, u.ID, true); err != nil {
		return nil, err
	}
	if err := d.userNameFree(ctx, u.UserName, ""); err != nil {
		return nil, err
	}
	out := u.Clone()
	out.Groups = nil
	out.Meta.Version = newDryRunVersion()
	return out, nil
}

// ReplaceUser returns u as the store would replace it, writing nothing.
func (d dryRunStore) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	old, err := d.Store.GetUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if version != "" && version != old.Meta.Version {
		return nil, store.ErrPreconditionFailed
	}
	if err := d.userNameFree(ctx, u.UserName, u.ID); err != nil {
		return nil, err
	}
	out := u.Clone()
	out.Groups = old.Groups // derived from membership, which a replace of the user keeps
	out.Meta.Version = newDryRunVersion()
	return out, nil
}

// DeleteUser checks what DeleteUser would refuse and deletes nothing.
func (d dryRunStore) DeleteUser(ctx context.Context, id, version string) error {
	old, err := d.Store.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if version != "" && version != old.Meta.Version {
		return store.ErrPreconditionFailed
	}
	return nil
}

// CreateGroup returns g as the store would create it, writing nothing.
func (d dryRunStore) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	if err := d.idFree(ctx, g.ID, false); err != nil {
		return nil, err
	}
	if err := d.displayNameFree(ctx, g.DisplayName, ""); err != nil {
		return nil, err
	}
	out := g.Clone()
	out.Meta.Version = newDryRunVersion()
	return out, nil
}

// ReplaceGroup returns g as the store would replace it, writing nothing.
// A replace that keeps the group's name under filter.Fold never
// conflicts (the store's "Group displayName uniqueness").
func (d dryRunStore) ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
	old, err := d.Store.GetGroup(ctx, g.ID, store.WithoutMembers)
	if err != nil {
		return nil, err
	}
	if version != "" && version != old.Meta.Version {
		return nil, store.ErrPreconditionFailed
	}
	if filter.Fold(old.DisplayName) != filter.Fold(g.DisplayName) {
		if err := d.displayNameFree(ctx, g.DisplayName, g.ID); err != nil {
			return nil, err
		}
	}
	out := g.Clone()
	out.Meta.Version = newDryRunVersion()
	return out, nil
}

// DeleteGroup checks what DeleteGroup would refuse and deletes nothing.
func (d dryRunStore) DeleteGroup(ctx context.Context, id, version string) error {
	old, err := d.Store.GetGroup(ctx, id, store.WithoutMembers)
	if err != nil {
		return err
	}
	if version != "" && version != old.Meta.Version {
		return store.ErrPreconditionFailed
	}
	return nil
}

// idFree returns ErrConflict when a resource of the kind has id (an
// archived user's included), as CreateUser and CreateGroup would.
func (d dryRunStore) idFree(ctx context.Context, id string, user bool) error {
	var err error
	if user {
		_, err = d.Store.GetUser(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			if a, ok := d.Store.(store.UserArchiver); ok {
				_, err = a.GetArchivedUser(ctx, id)
			}
		}
	} else {
		_, err = d.Store.GetGroup(ctx, id, store.WithoutMembers)
	}
	switch {
	case err == nil:
		return store.ErrConflict
	case errors.Is(err, store.ErrNotFound):
		return nil
	}
	return err
}

// dryRunPage is the page size of the scans that stand in for a querier.
const dryRunPage = 500

// userNameFree returns ErrConflict when a user of the tenant other than
// except has userName under filter.Fold.
func (d dryRunStore) userNameFree(ctx context.Context, userName, except string) error {
	uq, _ := d.Store.(store.UserQuerier)
	return nameFree(userName, except, func(r *resource.User) (string, string) { return r.ID, r.UserName },
		func(f filter.Expr) ([]*resource.User, error) {
			if uq == nil {
				return nil, store.ErrUnsupported
			}
			l, err := uq.QueryUsers(ctx, store.Query{Filter: f, Page: store.Page{StartIndex: 1, Count: 2}})
			return l.Resources, err
		},
		func(p store.Page) ([]*resource.User, int, error) {
			l, err := d.Store.ListUsers(ctx, p)
			return l.Resources, l.TotalResults, err
		}, "userName")
}

// displayNameFree is userNameFree for a group's displayName, which is
// free whatever other groups are named when the context allows
// duplicates (store.DuplicateGroupNamesAllowed).
func (d dryRunStore) displayNameFree(ctx context.Context, name, except string) error {
	if store.DuplicateGroupNamesAllowed(ctx) {
		return nil
	}
	gq, _ := d.Store.(store.GroupQuerier)
	return nameFree(name, except, func(r *resource.Group) (string, string) { return r.ID, r.DisplayName },
		func(f filter.Expr) ([]*resource.Group, error) {
			if gq == nil {
				return nil, store.ErrUnsupported
			}
			l, err := gq.QueryGroups(ctx, store.Query{Filter: f, Page: store.Page{StartIndex: 1, Count: 2}, Members: store.WithoutMembers})
			return l.Resources, err
		},
		func(p store.Page) ([]*resource.Group, int, error) {
			l, err := d.Store.ListGroups(ctx, p, store.WithoutMembers)
			return l.Resources, l.TotalResults, err
		}, "displayName")
}

// nameFree returns ErrConflict when a resource other than except has name
// as its attr under filter.Fold: through query (`attr eq name`, which the
// store's querier folds), or, when query is ErrUnsupported, by listing
// every resource.
func nameFree[R any](name, except string, idName func(R) (id, name string), query func(filter.Expr) ([]R, error),
	list func(store.Page) ([]R, int, error), attr string) error {
	rs, err := query(eq(attr, name))
	if err == nil {
		for _, r := range rs {
			if id, _ := idName(r); id != except {
				return store.ErrConflict
			}
		}
		return nil
	}
	if !errors.Is(err, store.ErrUnsupported) {
		return err
	}
	key := filter.Fold(name)
	for start := 1; ; start += dryRunPage {
		rs, total, err := list(store.Page{StartIndex: start, Count: dryRunPage})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if id, n := idName(r); id != except && filter.Fold(n) == key {
				return store.ErrConflict
			}
		}
		if len(rs) < dryRunPage || start+dryRunPage > total {
			return nil
		}
	}
}

// dryRunResolver is a dryRunStore over a store.MemberResolver: member
// references are resolved by the store, as always.
type dryRunResolver struct {
	dryRunStore
	r store.MemberResolver
}

// ResolveMembers passes through to the store.
func (d dryRunResolver) ResolveMembers(ctx context.Context, ids []string) (map[string]store.MemberType, error) {
	return d.r.ResolveMembers(ctx, ids)
}

// dryRunArchiver is a dryRunStore over a store.UserArchiver: archiving
// checks what ArchiveUser would refuse and archives nothing; the
// archived users read are the store's.
type dryRunArchiver struct {
	dryRunStore
	a store.UserArchiver
}

// ArchiveUser checks what ArchiveUser would refuse (as DeleteUser does)
// and archives nothing.
func (d dryRunArchiver) ArchiveUser(ctx context.Context, id, version string, _ time.Time) error {
	return d.DeleteUser(ctx, id, version)
}

// GetArchivedUser passes through to the store.
func (d dryRunArchiver) GetArchivedUser(ctx context.Context, id string) (store.ArchivedUser, error) {
	return d.a.GetArchivedUser(ctx, id)
}

// ListArchivedUsers passes through to the store.
func (d dryRunArchiver) ListArchivedUsers(ctx context.Context, p store.Page) (store.ArchivedUserList, error) {
	return d.a.ListArchivedUsers(ctx, p)
}

// dryRunResolverArchiver is the dry-run store over a store that is both
// a store.MemberResolver and a store.UserArchiver.
type dryRunResolverArchiver struct {
	dryRunResolver
	arch dryRunArchiver
}

// ArchiveUser is dryRunArchiver's.
func (d dryRunResolverArchiver) ArchiveUser(ctx context.Context, id, version string, at time.Time) error {
	return d.arch.ArchiveUser(ctx, id, version, at)
}

// GetArchivedUser is dryRunArchiver's.
func (d dryRunResolverArchiver) GetArchivedUser(ctx context.Context, id string) (store.ArchivedUser, error) {
	return d.arch.GetArchivedUser(ctx, id)
}

// ListArchivedUsers is dryRunArchiver's.
func (d dryRunResolverArchiver) ListArchivedUsers(ctx context.Context, p store.Page) (store.ArchivedUserList, error) {
	return d.arch.ListArchivedUsers(ctx, p)
}
