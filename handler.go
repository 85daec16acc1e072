package scim

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

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
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "scim: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			s.writeError(w, r, NewError(http.StatusInternalServerError, "", "internal server error"))
		}
	}()
	ctx, err := s.cfg.Authenticate(r)
	if err != nil {
		s.writeError(w, r, authError(err))
		return
	}
	if ctx != nil {
		r = r.WithContext(ctx)
	}
	if s.cfg.AllowDuplicateGroupNames {
		r = r.WithContext(store.WithDuplicateGroupNames(r.Context()))
	}
	s.route(w, r)
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, err, s.log, s.retryAfter)
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
	case strings.EqualFold(endpoint, "Bulk") || strings.EqualFold(endpoint, "Me"):
		s.writeError(w, r, NewError(http.StatusNotImplemented, "", "/"+endpoint+" is not supported by this service provider"))
	default:
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
		s.list(w, r, rt, listParamsFromQuery)
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

// readBody reads a JSON request body within the size limit. A body
// declared larger than the limit is refused before any of it is read.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		// RFC 7644 §3.1 names application/scim+json; application/json is
		// what Okta's spec test and many clients send.
		if err != nil || (mt != "application/scim+json" && mt != "application/json") {
			return nil, NewError(http.StatusUnsupportedMediaType, "", "Content-Type must be application/scim+json or application/json, not "+strconv.Quote(ct))
		}
	}
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, err
		}
		return nil, &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidSyntax, Detail: "could not read the request body", Err: err}
	}
	if len(b) == 0 {
		return nil, NewError(http.StatusBadRequest, ScimTypeInvalidSyntax, "the request body is empty")
	}
	return b, nil
}

// baseURL returns the absolute URL the server is mounted at, without a
// trailing slash.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != nil {
		return strings.TrimSuffix(s.cfg.BaseURL(r), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustForwardedHeaders {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			h, _, _ = strings.Cut(h, ",")
			if h = strings.TrimSpace(h); isHostPort(h) {
				host = h
			}
		}
	}
	// http.StripPrefix leaves RequestURI alone: what it removed is the
	// difference between the two paths.
	orig := r.RequestURI
	if i := strings.IndexByte(orig, '?'); i >= 0 {
		orig = orig[:i]
	}
	if strings.HasPrefix(orig, "http://") || strings.HasPrefix(orig, "https://") {
		// absolute-form request target (proxies)
		if i := strings.Index(orig[8:], "/"); i >= 0 {
			orig = orig[8+i:]
		} else {
			orig = "/"
		}
	}
	prefix := ""
	cur := r.URL.EscapedPath()
	if strings.HasSuffix(orig, cur) {
		prefix = strings.TrimSuffix(orig[:len(orig)-len(cur)], "/")
	}
	return scheme + "://" + host + prefix
}

// isHostPort reports whether h is a plausible host[:port]: a name, an IPv4
// address or a bracketed IPv6 address, and nothing that would change the
// meaning of a URL it is put into (no '/', '?', '#', '@', space or quote).
func isHostPort(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']':
		default:
			return false
		}
	}
	return true
}

// version returns the resource version named by an If-Match header
// (RFC 7644 §3.14), "" when there is none or it is "*".
func ifMatchVersion(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return ""
	}
	return etagVersion(v)
}

// etagVersion extracts the version from W/"v" or "v".
func etagVersion(tag string) string {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	if uq, err := strconv.Unquote(tag); err == nil {
		return uq
	}
	return strings.Trim(tag, `"`)
}

// etag renders a store version as a weak entity tag.
func etag(version string) string { return `W/"` + version + `"` }

// notModified reports whether If-None-Match names version (RFC 7232 §3.2).
func notModified(r *http.Request, version string) bool {
	h := r.Header.Get("If-None-Match")
	if h == "" || version == "" {
		return false
	}
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || etagVersion(t) == version {
			return true
		}
	}
	return false
}

// projection parses attributes/excludedAttributes of the query.
func (s *Server) projection(r *http.Request, rt *resource.ResourceType) (*resource.Projection, error) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil || (q.attributes == "" && q.excludedAttributes == "") {
		return nil, err
	}
	return resource.NewProjection(rt, q.attributes, q.excludedAttributes)
}

func (s *Server) writeResource(w http.ResponseWriter, r *http.Request, status int, body []byte, version string) {
	if version != "" {
		w.Header().Set("ETag", etag(version))
	}
	writeJSON(w, status, body)
}
