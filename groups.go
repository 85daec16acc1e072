package scim

import (
	"context"
	"errors"
	"maps"
	"net/http"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// decodeGroup reads the group of a POST or PUT and its response's
// projection.
func (s *Server) decodeGroup(w http.ResponseWriter, r *http.Request) (*resource.Group, *resource.Projection, error) {
	body, p, err := s.readResource(w, r, s.reg.Group)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.reg.DecodeGroupWith(body, s.decodeOptions(r.Context()))
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

// groupConflict is taken for a group's displayName (store's "Group
// displayName uniqueness").
func groupConflict(err error, name string) error { return taken(err, "group", "displayName", name) }

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
	ctx, em := r.Context(), s.emitter(r)
	var evs []event.Event
	if em != nil {
		if evs, err = em.groups(nil, g); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	created, err := s.cfg.Store.CreateGroup(em.attach(ctx, evs), g)
	if err != nil {
		s.writeError(w, r, groupConflict(err, g.DisplayName))
		return
	}
	em.deliver(ctx, evs, created.Meta.Version)
	s.respondGroup(w, r, http.StatusCreated, created, p)
}

// GET /Groups/{id}. With excludedAttributes=members (Entra sends it on every
// group read) the store is asked not to load members. When the members
// are returned and the store is a store.GroupStreamer, the group is
// written as the store reads it (streamGroup).
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, id string) {
	p, err := s.projection(r, s.reg.Group)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	without := p.Excludes("", "members")
	if gs, ok := s.cfg.Store.(store.GroupStreamer); ok && !without {
		s.streamGroup(w, r, gs, id, p)
		return
	}
	g, err := s.cfg.Store.GetGroup(r.Context(), id, store.WithoutMembersIf(without))
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

// Streaming a group (GET /Groups/{id} on a store.GroupStreamer).
const (
	// streamBatch is the number of members asked of the store at a time.
	streamBatch = 1000
	// streamChunk is the number of members encoded between two checks of
	// the buffer's size.
	streamChunk = 64
	// streamFlush is the size from which the encoded bytes are written
	// out. A group whose encoding is smaller is answered whole, with
	// Content-Length, exactly as from GetGroup.
	streamFlush = 32 << 10
)

// errNotModified stops a stream whose head answers If-None-Match.
var errNotModified = errors.New("scim: not modified")

// clientGone is a write to the client that failed during a stream.
type clientGone struct{ err error }

func (c clientGone) Error() string { return "scim: writing to the client: " + c.err.Error() }

// streamGroup answers GET /Groups/{id} from gs: the head (attributes and
// version, so the ETag and a 304 are known before the body), then the
// members batch by batch, each linked and encoded with the projection
// into the pooled buffer, written out whenever it holds streamFlush
// bytes, then the tail; the body is byte for byte respondGroup's. Until
// the first write, an error is answered as a SCIM error; after it the
// status is sent and cannot change, so the error is logged and the
// response aborted (panic(http.ErrAbortHandler): the connection is cut,
// and the client never sees a truncated body as a complete document).
func (s *Server) streamGroup(w http.ResponseWriter, r *http.Request, gs store.GroupStreamer, id string, p *resource.Projection) {
	ctx, base := r.Context(), s.baseURL(r)
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() { *bp = buf[:0]; bufPool.Put(bp) }()
	var g *resource.Group
	n := 0           // members encoded
	started := false // the status and part of the body are written
	header := func() {
		h := w.Header()
		h["Content-Type"] = []string{contentType}
		if g.Meta.Version != "" {
			h.Set("ETag", etag(g.Meta.Version))
		}
	}
	err := gs.StreamGroup(ctx, id, streamBatch,
		func(head *resource.Group) error {
			g = head
			if notModified(r, g.Meta.Version) {
				return errNotModified
			}
			s.linkGroup(base, g)
			buf = s.reg.AppendGroupHead(buf, g, p)
			return nil
		},
		func(ms []resource.Member) error {
			linkMembers(base, ms)
			for len(ms) > 0 {
				k := min(len(ms), streamChunk)
				buf = s.reg.AppendGroupMembers(buf, ms[:k], n, p)
				n, ms = n+k, ms[k:]
				if len(buf) < streamFlush {
					continue
				}
				if !started {
					header()
					w.WriteHeader(http.StatusOK)
					started = true
				}
				if _, err := w.Write(buf); err != nil {
					return clientGone{err}
				}
				buf = buf[:0]
			}
			return nil
		})
	var gone clientGone
	switch {
	case errors.Is(err, errNotModified):
		w.Header().Set("ETag", etag(g.Meta.Version))
		w.WriteHeader(http.StatusNotModified)
	case err != nil && !started:
		s.writeError(w, r, notFound(err, "Group", id))
	case errors.As(err, &gone):
		s.log.InfoContext(ctx, "scim: client went away while a group was written; response aborted", "id", id, "members_written", n, "err", gone.err)
		panic(http.ErrAbortHandler)
	case err != nil:
		s.log.ErrorContext(ctx, "scim: reading a group failed after its answer started; response aborted", "id", id, "members_written", n, "err", err)
		panic(http.ErrAbortHandler)
	default:
		buf = s.reg.AppendGroupTail(buf, g, n, p)
		if started {
			w.Write(buf)
			return
		}
		header()
		writeJSON(w, http.StatusOK, buf)
	}
}

// PUT /Groups/{id} (RFC 7644 §3.5.1): members in the body replace the
// membership.
func (s *Server) replaceGroup(w http.ResponseWriter, r *http.Request, id string) {
	g, p, err := s.decodeGroup(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The members read are replaced, so they need not be loaded, unless
	// the change events must say which were added and removed.
	em, get := s.emitter(r), s.getGroupWithoutMembers
	if em != nil {
		get = s.getGroupWithMembers
	}
	res, evs, err := update(r.Context(), "Group", id, ifMatchVersion(r), get, groupVersion,
		func(old *resource.Group) (*resource.Group, error) {
			if err := s.reg.CheckImmutable(s.reg.Group, old, g); err != nil {
				return nil, err
			}
			ng := *g
			ng.ID = id
			ng.Extensions = resource.KeepReadOnly(s.reg.Group, old.Extensions, maps.Clone(g.Extensions))
			ng.Meta = resource.Meta{ResourceType: "Group", Created: old.Meta.Created, LastModified: s.cfg.Clock().UTC()}
			return &ng, nil
		}, s.cfg.Store.ReplaceGroup, em.groupRecorder(false))
	if err != nil {
		s.writeError(w, r, groupConflict(err, g.DisplayName))
		return
	}
	em.deliver(r.Context(), evs, res.Meta.Version)
	s.respondGroup(w, r, http.StatusOK, res, p)
}

// deleteGroup deletes group id. With change events the group is read
// first, without members (its event carries its externalId), and deleted
// conditioned on the version read, retried as a read-modify-write is.
func (s *Server) deleteGroup(r *http.Request, id string) error {
	ctx, em := r.Context(), s.emitter(r)
	if em == nil {
		return s.cfg.Store.DeleteGroup(ctx, id, ifMatchVersion(r))
	}
	_, evs, err := update(ctx, "Group", id, ifMatchVersion(r), s.getGroupWithoutMembers, groupVersion,
		func(old *resource.Group) (*resource.Group, error) { return old, nil },
		func(ctx context.Context, g *resource.Group, version string) (*resource.Group, error) {
			return g, s.cfg.Store.DeleteGroup(ctx, g.ID, version)
		}, deleteRecorder(em, em.groups))
	if err == nil {
		em.deliver(ctx, evs, "")
	}
	return err
}

func (s *Server) getGroupWithoutMembers(ctx context.Context, id string) (*resource.Group, error) {
	return s.cfg.Store.GetGroup(ctx, id, store.WithoutMembers)
}

func (s *Server) getGroupWithMembers(ctx context.Context, id string) (*resource.Group, error) {
	return s.cfg.Store.GetGroup(ctx, id, store.WithMembers)
}

func groupVersion(g *resource.Group) string { return g.Meta.Version }
