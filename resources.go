package scim

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// maxWriteRetries bounds read-modify-write retries after a concurrent
// write changed the version read.
const maxWriteRetries = 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// linkUser fills the request-dependent parts of u: meta.resourceType,
// meta.location and the $ref of each group.
func (s *Server) linkUser(base string, u *resource.User) {
	u.Meta.ResourceType = "User"
	u.Meta.Location = base + "/Users/" + u.ID
	for i := range u.Groups {
		if u.Groups[i].Ref == "" && u.Groups[i].Value != "" {
			u.Groups[i].Ref = base + "/Groups/" + u.Groups[i].Value
		}
	}
}

// linkGroup fills meta.resourceType, meta.location and member $refs.
func (s *Server) linkGroup(base string, g *resource.Group) {
	g.Meta.ResourceType = "Group"
	g.Meta.Location = base + "/Groups/" + g.ID
	for i := range g.Members {
		m := &g.Members[i]
		if m.Ref == "" && m.Value != "" {
			if m.Type == "Group" {
				m.Ref = base + "/Groups/" + m.Value
			} else {
				m.Ref = base + "/Users/" + m.Value
			}
		}
	}
}

func (s *Server) respondUser(w http.ResponseWriter, r *http.Request, status int, u *resource.User, p *resource.Projection) {
	s.linkUser(s.baseURL(r), u)
	if status == http.StatusCreated {
		w.Header().Set("Location", u.Meta.Location)
	}
	bp := bufPool.Get().(*[]byte)
	*bp = s.reg.AppendUser((*bp)[:0], u, p)
	s.writeResource(w, r, status, *bp, u.Meta.Version)
	bufPool.Put(bp)
}

func (s *Server) respondGroup(w http.ResponseWriter, r *http.Request, status int, g *resource.Group, p *resource.Projection) {
	s.linkGroup(s.baseURL(r), g)
	if status == http.StatusCreated {
		w.Header().Set("Location", g.Meta.Location)
	}
	bp := bufPool.Get().(*[]byte)
	*bp = s.reg.AppendGroup((*bp)[:0], g, p)
	s.writeResource(w, r, status, *bp, g.Meta.Version)
	bufPool.Put(bp)
}

func (s *Server) decodeUser(w http.ResponseWriter, r *http.Request) (*resource.User, *resource.Projection, error) {
	p, err := s.projection(r, s.reg.User)
	if err != nil {
		return nil, nil, err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.reg.DecodeUserWith(body, resource.DecodeOptions{Disable: s.quirksOff(r.Context())})
	if err != nil {
		return nil, nil, err
	}
	if err := s.reg.ValidateUser(u); err != nil {
		return nil, nil, err
	}
	u.Groups = nil // read-only (RFC 7643 §4.1.2): derived by the store
	return u, p, nil
}

func (s *Server) decodeGroup(w http.ResponseWriter, r *http.Request) (*resource.Group, *resource.Projection, error) {
	p, err := s.projection(r, s.reg.Group)
	if err != nil {
		return nil, nil, err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.reg.DecodeGroupWith(body, resource.DecodeOptions{Disable: s.quirksOff(r.Context())})
	if err != nil {
		return nil, nil, err
	}
	if err := s.reg.ValidateGroup(g); err != nil {
		return nil, nil, err
	}
	// Members must name users or groups of the tenant; Okta sends them
	// with value and display only (SCIM-SDK#419), and the type is what
	// the id names.
	if err := s.resolveMembers(r.Context(), g.Members); err != nil {
		return nil, nil, err
	}
	return g, p, nil
}

// userConflict turns a store conflict on a user write into the 409 the
// IdP's admin can act on.
func userConflict(err error, userName string) error {
	if errors.Is(err, store.ErrConflict) {
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness,
			Detail: "a user with userName " + strconv.Quote(userName) + " already exists in this tenant", Err: err}
	}
	return err
}

// POST /Users (RFC 7644 §3.3).
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	u, p, err := s.decodeUser(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.cfg.Clock().UTC()
	u.ID = s.cfg.NewID()
	u.Meta = resource.Meta{ResourceType: "User", Created: now, LastModified: now}
	created, err := s.cfg.Store.CreateUser(r.Context(), u)
	if err != nil {
		s.writeError(w, r, userConflict(err, u.UserName))
		return
	}
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

// notFound names the missing resource in a 404's detail.
func notFound(err error, kind, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Detail: kind + " " + strconv.Quote(id) + " not found", Err: err}
	}
	return err
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
	res, err := update(r.Context(), "User", id, ifMatchVersion(r), s.cfg.Store.GetUser, userVersion,
		func(old *resource.User) (*resource.User, error) {
			if err := s.reg.CheckImmutable(s.reg.User, old, u); err != nil {
				return nil, err
			}
			nu := *u
			nu.ID = id
			if nu.Active == nil {
				nu.Active = old.Active
			}
			if nu.Password == "" {
				nu.Password = old.Password
			}
			nu.Meta = resource.Meta{ResourceType: "User", Created: old.Meta.Created, LastModified: s.cfg.Clock().UTC()}
			return &nu, nil
		}, s.cfg.Store.ReplaceUser)
	if err != nil {
		s.writeError(w, r, userConflict(err, u.UserName))
		return
	}
	s.respondUser(w, r, http.StatusOK, res, p)
}

// DELETE /Users/{id} and /Groups/{id} (RFC 7644 §3.6).
func (s *Server) delete(w http.ResponseWriter, r *http.Request, isUser bool, id string) {
	var err error
	if isUser {
		err = notFound(s.cfg.Store.DeleteUser(r.Context(), id, ifMatchVersion(r)), "User", id)
	} else {
		err = notFound(s.cfg.Store.DeleteGroup(r.Context(), id, ifMatchVersion(r)), "Group", id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// groupNameConflict is the 409 for a displayName the store refused as
// taken (store's "Group displayName uniqueness").
func groupNameConflict(name string) error {
	return NewError(http.StatusConflict, ScimTypeUniqueness, "a group with displayName "+strconv.Quote(name)+" already exists in this tenant")
}

// POST /Groups (RFC 7644 §3.3).
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) {
	g, p, err := s.decodeGroup(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.cfg.Clock().UTC()
	g.ID = s.cfg.NewID()
	g.Meta = resource.Meta{ResourceType: "Group", Created: now, LastModified: now}
	created, err := s.cfg.Store.CreateGroup(r.Context(), g)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = groupNameConflict(g.DisplayName)
		}
		s.writeError(w, r, err)
		return
	}
	s.respondGroup(w, r, http.StatusCreated, created, p)
}

// GET /Groups/{id}. With excludedAttributes=members (Entra sends it on every
// group read) the store is asked not to load members.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, id string) {
	p, err := s.projection(r, s.reg.Group)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.cfg.Store.GetGroup(r.Context(), id, store.WithoutMembersIf(p.Excludes("", "members")))
	if err != nil {
		s.writeError(w, r, notFound(err, "Group", id))
		return
	}
	if notModified(r, g.Meta.Version) {
		w.Header().Set("ETag", etag(g.Meta.Version))
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.respondGroup(w, r, http.StatusOK, g, p)
}

// PUT /Groups/{id} (RFC 7644 §3.5.1): members in the body replace the
// membership.
func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, id string) {
	g, p, err := s.decodeGroup(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := update(r.Context(), "Group", id, ifMatchVersion(r), s.getGroupWithoutMembers, groupVersion,
		func(old *resource.Group) (*resource.Group, error) {
			if err := s.reg.CheckImmutable(s.reg.Group, old, g); err != nil {
				return nil, err
			}
			ng := *g
			ng.ID = id
			ng.Meta = resource.Meta{ResourceType: "Group", Created: old.Meta.Created, LastModified: s.cfg.Clock().UTC()}
			return &ng, nil
		}, s.cfg.Store.ReplaceGroup)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = groupNameConflict(g.DisplayName)
		}
		s.writeError(w, r, err)
		return
	}
	s.respondGroup(w, r, http.StatusOK, res, p)
}

func (s *Server) getGroupWithoutMembers(ctx context.Context, id string) (*resource.Group, error) {
	return s.cfg.Store.GetGroup(ctx, id, store.WithoutMembers)
}

func (s *Server) getGroupWithMembers(ctx context.Context, id string) (*resource.Group, error) {
	return s.cfg.Store.GetGroup(ctx, id, store.WithMembers)
}

func userVersion(u *resource.User) string   { return u.Meta.Version }
func groupVersion(g *resource.Group) string { return g.Meta.Version }

// update is the read-modify-write behind PUT and PATCH (DESIGN.md decision
// 3): read the resource, let modify derive the new one (nil for no
// change, which writes nothing), and write it conditioned on the version
// read. When a concurrent write wins, the whole cycle is retried, up to
// maxWriteRetries times with jittered backoff; when the client named the
// version with If-Match, a mismatch is 412 instead. It returns what was
// written, or the resource read when nothing changed.
func update[T any](ctx context.Context, kind, id, ifMatch string,
	get func(context.Context, string) (*T, error),
	version func(*T) string,
	modify func(old *T) (*T, error),
	write func(context.Context, *T, string) (*T, error),
) (*T, error) {
	for attempt := 0; ; attempt++ {
		old, err := get(ctx, id)
		if err != nil {
			return nil, notFound(err, kind, id)
		}
		v := version(old)
		if ifMatch != "" && ifMatch != v {
			return nil, store.ErrPreconditionFailed
		}
		next, err := modify(old)
		if err != nil || next == nil {
			if err != nil {
				return nil, err
			}
			return old, nil
		}
		res, err := write(ctx, next, v)
		if errors.Is(err, store.ErrPreconditionFailed) && ifMatch == "" {
			if attempt < maxWriteRetries {
				backoff(attempt)
				continue
			}
			return nil, errTooManyConflicts(kind, id)
		}
		if err != nil {
			return nil, notFound(err, kind, id)
		}
		return res, nil
	}
}
