package scim

import (
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// ServeHTTP implements http.Handler. Paths are relative to where the server
// is mounted: mount it with http.StripPrefix.
//
// Routing is a switch on the path's segments rather than http.ServeMux
// patterns, so that unknown paths and wrong methods get SCIM error bodies
// (RFC 7644 §3.12) and endpoint names match case-insensitively ("/users"
// from IdPs that lower-case them).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o := s.observe(w, r) // nil unless Config.Observe or DEBUG logging wants it
	if o != nil {
		w = o
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "scim: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			s.writeError(w, r, NewError(http.StatusInternalServerError, "", "internal server error"))
		}
		if o != nil {
			s.done(o, r)
		}
	}()
	ctx, err := s.cfg.Authenticate(r)
	if err != nil {
		s.writeError(w, r, authError(err))
		return
	}
	if ctx == nil {
		ctx = r.Context()
	}
	if s.cfg.AllowDuplicateGroupNames {
		ctx = store.WithDuplicateGroupNames(ctx)
	}
	if s.emits || o != nil {
		ctx = withRequestID(ctx) // shared by the request's events and its observation (events.go)
	}
	if o != nil {
		ctx = o.bind(ctx)
	}
	if ctx != r.Context() {
		r = r.WithContext(ctx) // one copy of the request, not one per value
	}
	if c, ok := connection.FromContext(ctx); ok && c.DryRun {
		w.Header().Set(DryRunHeader, "true")
		if o != nil {
			o.dryRun = true
		}
		s.dryRun(o).route(w, r) // answered as it would be, nothing written (dryrun.go)
		return
	}
	s.route(w, r)
}

// route dispatches on the path: /{endpoint} or /{endpoint}/{id}.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := strings.Trim(r.URL.Path, "/")
	endpoint, id, _ := strings.Cut(p, "/")
	if strings.Contains(id, "/") {
		s.notFound(w, r)
		return
	}
	switch {
	case strings.EqualFold(endpoint, "Users"):
		s.resourceRoute(w, r, s.reg.User, id)
	case strings.EqualFold(endpoint, "Groups"):
		s.resourceRoute(w, r, s.reg.Group, id)
	case strings.EqualFold(endpoint, "ServiceProviderConfig") && id == "":
		if s.allow(w, r, http.MethodGet) {
			s.serveSPC(w, r)
		}
	case strings.EqualFold(endpoint, "ResourceTypes"):
		if s.allow(w, r, http.MethodGet) {
			s.serveDiscovery(w, r, &s.disc.resourceTypes, id)
		}
	case strings.EqualFold(endpoint, "Schemas"):
		if s.allow(w, r, http.MethodGet) {
			s.serveDiscovery(w, r, &s.disc.schemas, id)
		}
	case strings.EqualFold(endpoint, ".search") && id == "":
		if s.allow(w, r, http.MethodPost) {
			s.search(w, r, nil)
		}
	case isMe(endpoint):
		s.me(w, r, id) // me.go
	case strings.EqualFold(endpoint, "Bulk") && id == "":
		if s.allow(w, r, http.MethodPost) {
			s.bulk(w, r) // bulk.go
		}
	default:
		if ct := s.customType(endpoint); ct != nil {
			s.customRoute(w, r, ct, id) // a declared resource type (resourcetypes.go)
			return
		}
		s.notFound(w, r)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, NewError(http.StatusNotFound, "", "no SCIM endpoint at "+r.URL.Path))
}

// allow answers 405 unless r's method is one of methods.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	s.writeError(w, r, NewError(http.StatusMethodNotAllowed, "", r.Method+" is not allowed on "+r.URL.Path))
	return false
}

func (s *Server) resourceRoute(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType, id string) {
	isUser := rt == s.reg.User
	switch {
	case id == "":
		if !s.allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			if isUser {
				s.createUser(w, r)
			} else {
				s.createGroup(w, r)
			}
			return
		}
		p, err := parseQuery(r.URL.RawQuery)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.list(w, r, p, isUser, !isUser)
	case strings.EqualFold(id, ".search"):
		if s.allow(w, r, http.MethodPost) {
			s.search(w, r, rt)
		}
	default:
		if !s.allow(w, r, http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete) {
			return
		}
		if !possibleID(id) {
			s.writeError(w, r, NewError(http.StatusNotFound, "", rt.ID+" not found: the id is not valid UTF-8, contains NUL or is longer than "+strconv.Itoa(MaxIDBytes)+" bytes"))
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if isUser {
				s.getUser(w, r, id)
			} else {
				s.getGroup(w, r, id)
			}
		case http.MethodPut:
			if isUser {
				s.replaceUser(w, r, id)
			} else {
				s.replaceGroup(w, r, id)
			}
		case http.MethodPatch:
			s.patch(w, r, rt, id)
		case http.MethodDelete:
			s.delete(w, r, isUser, id)
		}
	}
}

// possibleID reports whether id can be a resource's id (see MaxIDBytes):
// anything else is answered 404 before a store sees it, so that every
// store, whatever its database makes of such bytes, answers the same.
func possibleID(id string) bool {
	return len(id) <= MaxIDBytes && utf8.ValidString(id) && strings.IndexByte(id, 0) < 0
}
