package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Message schema URNs of RFC 7644 §3.4.2 and §3.4.3.
const (
	ListResponseSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// listParams are the parameters of a query, from the URL (RFC 7644
// §3.4.2) or from a SearchRequest body (§3.4.3).
type listParams struct {
	filter             string
	sortBy, sortOrder  string
	startIndex, count  int
	countSet           bool
	attributes, exclAt string
}

// parseIndex parses an integer query parameter.
func parseIndex(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, NewError(http.StatusBadRequest, ScimTypeInvalidValue, name+" must be an integer, not "+strconv.Quote(v))
	}
	return n, nil
}

func listParamsFromQuery(r *http.Request) (listParams, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return listParams{}, err
	}
	p := listParams{
		filter:     q.filter,
		sortBy:     q.sortBy,
		sortOrder:  q.sortOrder,
		startIndex: 1,
		attributes: q.attributes,
		exclAt:     q.excludedAttributes,
	}
	if q.startIndex != "" {
		if p.startIndex, err = parseIndex("startIndex", q.startIndex); err != nil {
			return p, err
		}
	}
	if q.count != "" {
		if p.count, err = parseIndex("count", q.count); err != nil {
			return p, err
		}
		p.countSet = true
	}
	return p, nil
}

// searchRequest is the body of POST /.search (RFC 7644 §3.4.3).
type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
}

func (s *Server) searchParams(w http.ResponseWriter, r *http.Request) (listParams, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return listParams{}, err
	}
	var sr searchRequest
	if err := json.Unmarshal(body, &sr); err != nil {
		return listParams{}, &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidSyntax, Detail: "the SearchRequest is not valid JSON of the RFC 7644 §3.4.3 shape", Err: err}
	}
	ok := len(sr.Schemas) == 0
	for _, u := range sr.Schemas {
		ok = ok || strings.EqualFold(u, SearchRequestSchema)
	}
	if !ok {
		return listParams{}, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "schemas must contain "+SearchRequestSchema)
	}
	p := listParams{
		filter: sr.Filter, sortBy: sr.SortBy, sortOrder: sr.SortOrder, startIndex: 1,
		attributes: strings.Join(sr.Attributes, ","), exclAt: strings.Join(sr.ExcludedAttributes, ","),
	}
	if sr.StartIndex != nil {
		p.startIndex = *sr.StartIndex
	}
	if sr.Count != nil {
		p.count, p.countSet = *sr.Count, true
	}
	return p, nil
}

// search answers POST {endpoint}/.search; rt is nil at the root, where both
// users and groups are searched.
func (s *Server) search(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType) {
	p, err := s.searchParams(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	parse := func(*http.Request) (listParams, error) { return p, nil }
	if rt != nil {
		s.list(w, r, rt, parse)
		return
	}
	s.listAll(w, r, p)
}

// query is a parsed and validated list request.
type query struct {
	store.Query
	proj *resource.Projection
}

// buildQuery turns list parameters into a store query for rt, applying the
// paging rules of RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative
// count means 0, and count is capped at MaxResults (also the default).
// off are the tolerances turned off for the request.
func (s *Server) buildQuery(p listParams, rt *resource.ResourceType, off quirk.Set) (query, error) {
	q := query{Query: store.Query{ResourceType: rt}}
	if p.filter != "" {
		e, err := s.cfg.FilterLimits.Parse(p.filter)
		if err != nil {
			return q, err
		}
		if err := (filter.Options{Disable: off}).Validate(e, rt); err != nil {
			return q, err
		}
		q.Filter = e
	}
	if p.sortBy != "" {
		path, err := s.cfg.FilterLimits.ParsePath(p.sortBy)
		if err != nil || path.Filter != nil {
			return q, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy must be an attribute path, not "+strconv.Quote(p.sortBy))
		}
		if sch, _, _ := resource.Resolve(rt, path.Attr.URN, path.Attr.Name, path.Attr.Sub); sch == nil {
			return q, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy names no attribute of "+rt.Name+": "+strconv.Quote(p.sortBy))
		}
		q.SortBy = path.Attr
	}
	switch {
	case p.sortOrder == "" || strings.EqualFold(p.sortOrder, "ascending"):
	case strings.EqualFold(p.sortOrder, "descending"):
		q.SortOrder = store.Descending
	default:
		return q, NewError(http.StatusBadRequest, ScimTypeInvalidValue, `sortOrder must be "ascending" or "descending"`)
	}
	q.StartIndex = max(p.startIndex, 1)
	q.Count = s.cfg.MaxResults
	if p.countSet {
		q.Count = min(max(p.count, 0), s.cfg.MaxResults)
	}
	if p.attributes != "" || p.exclAt != "" {
		proj, err := resource.NewProjection(rt, p.attributes, p.exclAt)
		if err != nil {
			return q, err
		}
		q.proj = proj
	}
	q.Members = store.WithoutMembersIf(rt.ID == "Group" && q.proj.Excludes("", "members"))
	return q, nil
}

// list answers GET /Users, GET /Groups and their .search (RFC 7644 §3.4.2).
// A filter that matches nothing is 200 with an empty ListResponse, which
// Entra's Test Connection requires (a 404 quarantines the job).
func (s *Server) list(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType, parse func(*http.Request) (listParams, error)) {
	p, err := parse(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := s.buildQuery(p, rt, s.quirksOff(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := s.baseURL(r)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	b := (*bp)[:0]
	if rt == s.reg.User {
		res, err := s.queryUsers(r.Context(), q.Query)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		b = appendListHead(b, res.TotalResults, len(res.Resources), q.StartIndex)
		b = s.appendUsers(b, base, res.Resources, q.proj)
	} else {
		res, err := s.queryGroups(r.Context(), q.Query)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		b = appendListHead(b, res.TotalResults, len(res.Resources), q.StartIndex)
		b = s.appendGroups(b, base, res.Resources, q.proj)
	}
	b = append(b, "]}"...)
	*bp = b
	writeJSON(w, http.StatusOK, b)
}

// appendUsers appends the users, linked to base and comma-separated, as
// elements of a ListResponse's Resources.
func (s *Server) appendUsers(b []byte, base string, us []*resource.User, p *resource.Projection) []byte {
	for i, u := range us {
		if i > 0 {
			b = append(b, ',')
		}
		s.linkUser(base, u)
		b = s.reg.AppendUser(b, u, p)
	}
	return b
}

// appendGroups is appendUsers for groups.
func (s *Server) appendGroups(b []byte, base string, gs []*resource.Group, p *resource.Projection) []byte {
	for i, g := range gs {
		if i > 0 {
			b = append(b, ',')
		}
		s.linkGroup(base, g)
		b = s.reg.AppendGroup(b, g, p)
	}
	return b
}

func appendListHead(b []byte, total, items, start int) []byte {
	b = append(b, `{"schemas":["`+ListResponseSchema+`"],"totalResults":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(items), 10)
	b = append(b, `,"startIndex":`...)
	b = strconv.AppendInt(b, int64(start), 10)
	return append(b, `,"Resources":[`...)
}

// listAll answers POST /.search at the root (RFC 7644 §3.4.3): users, then
// groups, as one result set. A filter is applied to each resource type it
// is valid for; a filter valid for neither is an error.
func (s *Server) listAll(w http.ResponseWriter, r *http.Request, p listParams) {
	if p.sortBy != "" {
		s.writeError(w, r, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy is not supported in a search across resource types"))
		return
	}
	off := s.quirksOff(r.Context())
	uq, uerr := s.buildQuery(p, s.reg.User, off)
	gq, gerr := s.buildQuery(p, s.reg.Group, off)
	if uerr != nil && gerr != nil {
		s.writeError(w, r, uerr)
		return
	}
	ctx := r.Context()
	start := max(p.startIndex, 1)
	count := s.cfg.MaxResults
	if p.countSet {
		count = min(max(p.count, 0), s.cfg.MaxResults)
	}
	// Count users first, then fetch the page's share of each type.
	var users store.UserList
	var groups store.GroupList
	var err error
	if uerr == nil {
		uq.StartIndex, uq.Count = start, count
		if users, err = s.queryUsers(ctx, uq.Query); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if gerr == nil {
		taken := len(users.Resources)
		gq.StartIndex = max(start-users.TotalResults, 1)
		gq.Count = count - taken
		if groups, err = s.queryGroups(ctx, gq.Query); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	base := s.baseURL(r)
	b := appendListHead(nil, users.TotalResults+groups.TotalResults, len(users.Resources)+len(groups.Resources), start)
	b = s.appendUsers(b, base, users.Resources, uq.proj)
	if len(users.Resources) > 0 && len(groups.Resources) > 0 {
		b = append(b, ',')
	}
	b = s.appendGroups(b, base, groups.Resources, gq.proj)
	writeJSON(w, http.StatusOK, append(b, "]}"...))
}

// queryUsers answers q through the store's UserQuerier when it has one,
// and otherwise (or when it answers ErrUnsupported) by listing every user
// and filtering, sorting and paging here.
func (s *Server) queryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	if uq, ok := s.cfg.Store.(store.UserQuerier); ok {
		res, err := uq.QueryUsers(ctx, q)
		if !errors.Is(err, store.ErrUnsupported) {
			return res, err
		}
	}
	list := func(ctx context.Context, p store.Page) ([]*resource.User, int, error) {
		l, err := s.cfg.Store.ListUsers(ctx, p)
		return l.Resources, l.TotalResults, err
	}
	rs, total, err := fallbackQuery(ctx, s.reg.User, q, list)
	return store.UserList{Resources: rs, TotalResults: total}, err
}

// queryGroups is queryUsers for groups.
func (s *Server) queryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	if gq, ok := s.cfg.Store.(store.GroupQuerier); ok {
		res, err := gq.QueryGroups(ctx, q)
		if !errors.Is(err, store.ErrUnsupported) {
			return res, err
		}
	}
	// The projection decides what is returned, never what the filter or
	// the sort sees: members are loaded whenever either refers to them.
	members := store.WithoutMembersIf(q.Members == store.WithoutMembers && !refersToMembers(q))
	list := func(ctx context.Context, p store.Page) ([]*resource.Group, int, error) {
		l, err := s.cfg.Store.ListGroups(ctx, p, members)
		return l.Resources, l.TotalResults, err
	}
	rs, total, err := fallbackQuery(ctx, s.reg.Group, q, list)
	if err == nil && q.Members == store.WithoutMembers && members == store.WithMembers {
		for _, g := range rs {
			g.Members = nil
		}
	}
	return store.GroupList{Resources: rs, TotalResults: total}, err
}

// refersToMembers reports whether q's filter or sort refers to the
// members attribute of groups, in any schema spelling.
func refersToMembers(q store.Query) bool {
	return strings.EqualFold(q.SortBy.Name, "members") || mentions(q.Filter, "members")
}

// mentions reports whether e refers to the attribute name.
func mentions(e filter.Expr, name string) bool {
	switch x := e.(type) {
	case *filter.Compare:
		return strings.EqualFold(x.Path.Name, name)
	case *filter.ValuePath:
		return strings.EqualFold(x.Path.Name, name)
	case *filter.Logical:
		return mentions(x.Left, name) || mentions(x.Right, name)
	case *filter.Not:
		return mentions(x.X, name)
	}
	return false
}

// fallbackChunk is how many resources the fallback asks the store for at a
// time.
const fallbackChunk = 500

// fallbackQuery answers q for a store without a fast path: it walks every
// resource in the store's stable order, keeps the matches, sorts them and
// cuts the page, so totalResults and page boundaries are exact (filtering
// after paging is a classic bug this avoids).
func fallbackQuery[T resource.Resource](ctx context.Context, rt *resource.ResourceType, q store.Query, list func(context.Context, store.Page) ([]T, int, error)) ([]T, int, error) {
	var matches []T
	var m *filter.Matcher // compiled for the first resource it checks
	for start := 1; ; start += fallbackChunk {
		page, total, err := list(ctx, store.Page{StartIndex: start, Count: fallbackChunk})
		if err != nil {
			return nil, 0, err
		}
		for _, res := range page {
			if q.Filter != nil {
				if m == nil {
					if m, err = filter.Compile(q.Filter, rt); err != nil {
						return nil, 0, err
					}
				}
				if !m.Match(res) {
					continue
				}
			}
			matches = append(matches, res)
		}
		if len(page) == 0 || start+len(page) > total {
			break
		}
	}
	if !q.SortBy.IsZero() {
		if err := filter.Sort(rt, matches, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, err
		}
	}
	total := len(matches)
	from := min(q.StartIndex-1, total)
	to := min(from+q.Count, total)
	return matches[from:to], total, nil
}
