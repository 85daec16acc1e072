package scim

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/scimkit/scim/resource"
)

// writeJSON writes a response with Content-Type application/scim+json
// (RFC 7644 §3.1). The headers are assigned directly, their names being
// canonical already; each response gets its own value slices, since a
// middleware may modify them.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// contentType is the Content-Type of every JSON response.
const contentType = "application/scim+json; charset=utf-8"

// ListResponseSchema is the URN of a ListResponse (RFC 7644 §3.4.2).
const ListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// appendListHead appends the head of a ListResponse, up to the opening
// bracket of its Resources; the caller appends the resources and "]}".
// Lists and the discovery endpoints share it.
func appendListHead(b []byte, total, items, start int) []byte {
	b = append(b, `{"schemas":["`+ListResponseSchema+`"],"totalResults":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(items), 10)
	b = append(b, `,"startIndex":`...)
	b = strconv.AppendInt(b, int64(start), 10)
	return append(b, `,"Resources":[`...)
}

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
	linkMembers(base, g.Members)
}

// linkMembers fills the $ref of each member from its type.
func linkMembers(base string, ms []resource.Member) {
	for i := range ms {
		m := &ms[i]
		if m.Ref == "" && m.Value != "" {
			if m.Type == "Group" {
				m.Ref = base + "/Groups/" + m.Value
			} else {
				m.Ref = base + "/Users/" + m.Value
			}
		}
	}
}

// respondUser answers with the user u, linked to the request's base URL
// and shaped by p.
func (s *Server) respondUser(w http.ResponseWriter, r *http.Request, status int, u *resource.User, p *resource.Projection) {
	s.linkUser(s.baseURL(r), u)
	s.respond(w, status, &u.Meta, func(b []byte) []byte { return s.reg.AppendUser(b, u, p) })
}

// respondGroup is respondUser for groups.
func (s *Server) respondGroup(w http.ResponseWriter, r *http.Request, status int, g *resource.Group, p *resource.Projection) {
	s.linkGroup(s.baseURL(r), g)
	s.respond(w, status, &g.Meta, func(b []byte) []byte { return s.reg.AppendGroup(b, g, p) })
}

// respond writes the resource encoded by appendTo into a pooled buffer,
// with the ETag of meta's version and, for 201, its Location.
func (s *Server) respond(w http.ResponseWriter, status int, meta *resource.Meta, appendTo func([]byte) []byte) {
	if status == http.StatusCreated {
		w.Header().Set("Location", meta.Location)
	}
	bp := bufPool.Get().(*[]byte)
	*bp = appendTo((*bp)[:0])
	if meta.Version != "" {
		w.Header().Set("ETag", etag(meta.Version))
	}
	writeJSON(w, status, *bp)
	bufPool.Put(bp)
}
