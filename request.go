package scim

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/resource"
)

// readBody reads a JSON request body within Config.MaxBodyBytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return s.readBodyLimit(w, r, s.cfg.MaxBodyBytes)
}

// readBodyLimit reads a JSON request body of at most limit bytes. A body
// declared larger than the limit is refused before any of it is read.
func (s *Server) readBodyLimit(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		// RFC 7644 §3.1 names application/scim+json; application/json is
		// what Okta's spec test and many clients send.
		if err != nil || (mt != "application/scim+json" && mt != "application/json") {
			return nil, NewError(http.StatusUnsupportedMediaType, "", "Content-Type must be application/scim+json or application/json, not "+strconv.Quote(ct))
		}
	}
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

// readResource reads the body of a POST or PUT of rt and the projection
// its response asks for.
func (s *Server) readResource(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType) ([]byte, *resource.Projection, error) {
	p, err := s.projection(r, rt)
	if err != nil {
		return nil, nil, err
	}
	body, err := s.readBody(w, r)
	return body, p, err
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
