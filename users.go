package scim

import (
	"context"
	"maps"
	"net/http"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// decodeUser reads the user of a POST or PUT and its response's projection.
func (s *Server) decodeUser(w http.ResponseWriter, r *http.Request) (*resource.User, *resource.Projection, error) {
	body, p, err := s.readResource(w, r, s.reg.User)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.reg.DecodeUserWith(body, s.decodeOptions(r.Context()))
	if err != nil {
		return nil, nil, err
	}
	if err := s.reg.ValidateUser(u); err != nil {
		return nil, nil, err
	}
	u.Groups = nil // read-only (RFC 7643 §4.1.2): derived by the store
	return u, p, nil
}

// userConflict is taken for a user's userName.
func userConflict(err error, userName string) error { return taken(err, "user", "userName", userName) }

// POST /Users (RFC 7644 §3.3).
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	u, p, err := s.decodeUser(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkAssignments(r.Context(), u, nil); err != nil { // resourcetypes.go
		s.writeError(w, r, err)
		return
	}
	now := s.cfg.Clock().UTC()
	u.ID = s.cfg.NewID()
	u.Meta = resource.Meta{ResourceType: "User", Created: now, LastModified: now}
	ctx, em := r.Context(), s.emitter(r)
	var evs []event.Event
	if em != nil {
		if evs, err = em.users(nil, u); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	created, err := s.cfg.Store.CreateUser(em.attach(ctx, evs), u)
	if err != nil {
		s.writeError(w, r, userConflict(err, u.UserName))
		return
	}
	em.deliver(ctx, evs, created.Meta.Version)
	s.respondUser(w, r, http.StatusCreated, created, p)
}

// GET /Users/{id} (RFC 7644 §3.4.1).
func (s *Server) getUser(w http.ResponseWriter, r *http.Request, id string) {
	p, err := s.projection(r, s.reg.User)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.cfg.Store.GetUser(r.Context(), id)
	if err != nil {
		s.writeError(w, r, notFound(err, "User", id))
		return
	}
	if notModified(r, u.Meta.Version) {
		w.Header().Set("ETag", etag(u.Meta.Version))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.respondUser(w, r, http.StatusOK, u, p)
}

// PUT /Users/{id} (RFC 7644 §3.5.1): a full replace. Read-only attributes in
// the body are ignored; an omitted active or password keeps the stored
// value, because Okta's AIW apps send every update as PUT and a PUT that
// drops active must not deactivate the user.
func (s *Server) replaceUser(w http.ResponseWriter, r *http.Request, id string) {
	u, p, err := s.decodeUser(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	em := s.emitter(r)
	res, evs, err := update(r.Context(), "User", id, ifMatchVersion(r), s.cfg.Store.GetUser, userVersion,
		func(old *resource.User) (*resource.User, error) {
			if err := s.reg.CheckImmutable(s.reg.User, old, u); err != nil {
				return nil, err
			}
			if err := s.checkAssignments(r.Context(), u, old); err != nil {
				return nil, err
			}
			nu := *u
			nu.ID = id
			// Read-only extension attributes keep their stored values.
			nu.Extensions = resource.KeepReadOnly(s.reg.User, old.Extensions, maps.Clone(u.Extensions))
			if nu.Active == nil {
				nu.Active = old.Active
			}
			if nu.Password == "" {
				nu.Password = old.Password
			}
			nu.Meta = resource.Meta{ResourceType: "User", Created: old.Meta.Created, LastModified: s.cfg.Clock().UTC()}
			return &nu, nil
		}, s.cfg.Store.ReplaceUser, em.userRecorder(false))
	if err != nil {
		s.writeError(w, r, userConflict(err, u.UserName))
		return
	}
	em.deliver(r.Context(), evs, res.Meta.Version)
	s.respondUser(w, r, http.StatusOK, res, p)
}

// DELETE /Users/{id} and /Groups/{id} (RFC 7644 §3.6). A user is deleted,
// or, when the request's connection has the DELETE policy
// connection.Deactivate, archived (deleteUser); a group is always deleted.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, isUser bool, id string) {
	var err error
	if isUser {
		err = notFound(s.deleteUser(r, id), "User", id)
	} else {
		err = notFound(s.deleteGroup(r, id), "Group", id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// errCannotArchive answers a DELETE under connection.Deactivate when the
// store has no store.UserArchiver: nothing is deleted, and the 501 is
// logged at ERROR, since the vendor's configuration is at fault.
var errCannotArchive = &Error{Status: http.StatusNotImplemented,
	Detail: `the store cannot keep deleted users (no store.UserArchiver); the connection's DELETE policy must be "delete"`}

// deleteUser removes user id as the connection's DELETE policy says:
// DeleteUser, or under connection.Deactivate ArchiveUser at the request's
// time, which the identity provider cannot tell from a delete (see
// store.UserArchiver).
//
// With change events, the user is read first (its event carries its
// externalId) and removed conditioned on the version read, retried as a
// read-modify-write is; the identity provider deleted it, so an archive
// is a user.deleted event too.
func (s *Server) deleteUser(r *http.Request, id string) error {
	ctx := r.Context()
	del := s.cfg.Store.DeleteUser
	if c, ok := connection.FromContext(ctx); ok && c.DeletePolicy == connection.Deactivate {
		a, ok := s.cfg.Store.(store.UserArchiver)
		if !ok {
			return errCannotArchive
		}
		at := s.cfg.Clock().UTC()
		del = func(ctx context.Context, id, version string) error { return a.ArchiveUser(ctx, id, version, at) }
	}
	em := s.emitter(r)
	if em == nil {
		return del(ctx, id, ifMatchVersion(r))
	}
	_, evs, err := update(ctx, "User", id, ifMatchVersion(r), s.cfg.Store.GetUser, userVersion,
		func(old *resource.User) (*resource.User, error) { return old, nil },
		func(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
			return u, del(ctx, u.ID, version)
		}, deleteRecorder(em, em.users))
	if err == nil {
		em.deliver(ctx, evs, "")
	}
	return err
}

func userVersion(u *resource.User) string { return u.Meta.Version }
