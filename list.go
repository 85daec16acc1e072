package scim

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// search answers POST {endpoint}/.search (RFC 7644 §3.4.3); rt is nil at
// the root, where both users and groups are searched.
func (s *Server) search(w http.ResponseWriter, r *http.Request, rt *resource.ResourceType) {
	p, err := s.readSearch(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.list(w, r, p, rt == nil || rt == s.reg.User, rt == nil || rt == s.reg.Group)
}

// buildQuery turns a list request into a store query of page pg for rt:
// the filter is parsed with Config.FilterLimits and validated with the
// tolerances that are not off, sortBy must name an attribute of rt, and
// attributes/excludedAttributes make the projection returned.
func (s *Server) buildQuery(p listRequest, pg store.Page, rt *resource.ResourceType, fo filter.Options) (store.Query, *resource.Projection, error) {
	q := store.Query{ResourceType: rt, Page: pg}
	if p.filter != "" {
		e, err := s.cfg.FilterLimits.Parse(p.filter)
		if err != nil {
			return q, nil, err
		}
		if err := fo.Validate(e, rt); err != nil {
			return q, nil, err
		}
		q.Filter = e
	}
	if p.sortBy != "" {
		path, err := s.cfg.FilterLimits.ParsePath(p.sortBy)
		if err != nil || path.Filter != nil {
			return q, nil, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy must be an attribute path, not "+strconv.Quote(p.sortBy))
		}
		if sch, _, _ := resource.Resolve(rt, path.Attr.URN, path.Attr.Name, path.Attr.Sub); sch == nil {
			return q, nil, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy names no attribute of "+rt.Name+": "+strconv.Quote(p.sortBy))
		}
		q.SortBy = path.Attr
	}
	switch {
	case p.sortOrder == "" || strings.EqualFold(p.sortOrder, "ascending"):
	case strings.EqualFold(p.sortOrder, "descending"):
		q.SortOrder = store.Descending
	default:
		return q, nil, NewError(http.StatusBadRequest, ScimTypeInvalidValue, `sortOrder must be "ascending" or "descending"`)
	}
	var proj *resource.Projection
	if p.attributes != "" || p.excludedAttributes != "" {
		var err error
		if proj, err = resource.NewProjection(rt, p.attributes, p.excludedAttributes); err != nil {
			return q, nil, err
		}
	}
	q.Members = store.WithoutMembersIf(rt.ID == "Group" && proj.Excludes("", "members"))
	return q, proj, nil
}

// list answers a list request (RFC 7644 §3.4.2) over users, groups or
// both. GET /Users, GET /Groups and their .search ask for one type; POST
// /.search at the root asks for both (§3.4.3): users, then groups, as one
// result set, in which a filter applies to each type it is valid for (a
// filter valid for neither is an error) and sortBy is refused. A filter
// that matches nothing is 200 with an empty ListResponse, which Entra's
// Test Connection requires (a 404 quarantines the job).
//
// Paging is by index (startIndex, the default method) unless the request
// has the cursor parameter (RFC 9865): see listPage for how a page is
// found and cursorLinks for the cursors a cursor page returns.
func (s *Server) list(w http.ResponseWriter, r *http.Request, p listRequest, users, groups bool) {
	if users && groups && p.sortBy != "" {
		s.writeError(w, r, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy is not supported in a search across resource types"))
		return
	}
	ctx, fo := r.Context(), s.filterOptions(r.Context())
	lp := listPage{tenant: store.TenantFrom(ctx), endpoint: "/"}
	switch {
	case !groups:
		lp.endpoint = "Users"
	case !users:
		lp.endpoint = "Groups"
	}
	var err error
	if p.hasCursor {
		lp.shape = queryShape(lp.endpoint, p)
		var st cursorState
		lp.pg, st, err = s.cursorPage(lp.tenant, lp.shape, p)
		lp.cursor = &st
	} else {
		lp.pg, err = s.page(p)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if users && groups {
		// The result set spans two orders: its cursors are offsets.
		lp.pg.After, lp.pg.NoTotal = "", false
	} else if lp.cursor == nil && lp.pg.Count > 0 && lp.pg.StartIndex > 1 {
		lp.shape = queryShape(lp.endpoint, p)
		lp.seek = seekKey{lp.tenant, lp.shape, lp.pg.StartIndex}
		lp.pg.After, lp.carried = s.seeks.get(lp.seek)
		// A seek page repeats the walk's recent count (seekTotalMaxAge)
		// rather than count again.
		lp.pg.NoTotal = lp.pg.After != "" && !lp.carried.counted.IsZero()
	}
	pg := lp.pg
	var uq, gq store.Query
	var uproj, gproj *resource.Projection
	var uerr, gerr error
	if users {
		uq, uproj, uerr = s.buildQuery(p, pg, s.reg.User, fo)
		users = uerr == nil
	}
	if groups {
		gq, gproj, gerr = s.buildQuery(p, pg, s.reg.Group, fo)
		groups = gerr == nil
	}
	if !users && !groups {
		s.writeError(w, r, cmp.Or(uerr, gerr))
		return
	}
	// Users first, then the page's share of groups.
	var ul store.UserList
	var gl store.GroupList
	if users {
		ul, err = s.queryUsers(ctx, uq)
		if errors.Is(err, store.ErrInvalidPosition) && lp.cursor == nil && uq.After != "" {
			s.seeks.drop(lp.seek)
			uq.After, uq.NoTotal, lp.pg.After, lp.carried = "", false, "", seekTotal{}
			ul, err = s.queryUsers(ctx, uq)
		}
		if err != nil {
			s.writeError(w, r, positionError(err))
			return
		}
	}
	if groups {
		if users {
			gq.StartIndex = max(pg.StartIndex-max(ul.TotalResults, 0), 1)
			gq.Count = pg.Count - len(ul.Resources)
		}
		gl, err = s.queryGroups(ctx, gq)
		if errors.Is(err, store.ErrInvalidPosition) && lp.cursor == nil && gq.After != "" {
			s.seeks.drop(lp.seek)
			gq.After, gq.NoTotal, lp.pg.After, lp.carried = "", false, "", seekTotal{}
			gl, err = s.queryGroups(ctx, gq)
		}
		if err != nil {
			s.writeError(w, r, positionError(err))
			return
		}
	}
	n, total, next := len(ul.Resources)+len(gl.Resources), ul.TotalResults+gl.TotalResults, ul.Next+gl.Next
	if ul.TotalResults < 0 || gl.TotalResults < 0 {
		total = -1
	}
	if users && groups {
		next = ""
	}
	base := s.baseURL(r)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	var b []byte
	if lp.cursor != nil {
		b = s.appendCursorHead((*bp)[:0], &lp, n, total, next)
	} else {
		counted := total >= 0
		if !counted {
			total = lp.carried.total // the store did not count: NoTotal
		}
		if next != "" && lp.endpoint != "/" {
			if lp.seek.start == 0 {
				lp.shape = queryShape(lp.endpoint, p)
			}
			carried := lp.carried
			if counted {
				carried = seekTotal{total, s.cfg.Clock()}
			}
			s.seeks.put(seekKey{lp.tenant, lp.shape, pg.StartIndex + n}, next, carried)
		}
		b = appendListHead((*bp)[:0], total, n, pg.StartIndex)
	}
	b = appendResources(b, ul.Resources, func(b []byte, u *resource.User) []byte {
		s.linkUser(base, u)
		return s.reg.AppendUser(b, u, uproj)
	})
	if len(ul.Resources) > 0 && len(gl.Resources) > 0 {
		b = append(b, ',')
	}
	b = appendResources(b, gl.Resources, func(b []byte, g *resource.Group) []byte {
		s.linkGroup(base, g)
		return s.reg.AppendGroup(b, g, gproj)
	})
	b = append(b, "]}"...)
	*bp = b
	writeJSON(w, http.StatusOK, b)
}

// listPage is the page a list request asks for and how it was found.
type listPage struct {
	tenant   string
	endpoint string   // "Users", "Groups" or "/" for the root's .search
	shape    [32]byte // queryShape, when a cursor or the seek cache needs it
	pg       store.Page
	// cursor is the walk's state on a cursor request (RFC 9865), nil for
	// index paging.
	cursor *cursorState
	// seek is the seekCache key of an index page after the first.
	seek seekKey
	// carried is the total a seek page repeats when the store does not
	// count (seekTotalMaxAge).
	carried seekTotal
}

// positionError answers a store position the store cannot read (which
// only a cursor can bring, the seek cache retrying by offset) as 400
// invalidCursor.
func positionError(err error) error {
	if errors.Is(err, store.ErrInvalidPosition) {
		return errInvalidCursor
	}
	return err
}

// appendCursorHead appends the head of a cursor page's ListResponse (RFC
// 9865 §2): totalResults (the store's count, else the walk's first page's;
// omitted when neither is known, as RFC 9865 allows), itemsPerPage, and
// the cursors. nextCursor is there exactly when more pages follow: after
// a store position (next) when the store gave one, else at the offset
// after this page while the total says more follow (a store that cannot
// seek, or the root's search); a page after a store position that ends
// without one is the last. previousCursor is an offset cursor at the
// index count before this page's, on every page but the first (RFC 9865:
// never with the first page): going back costs what an index page costs,
// and while resources are created or deleted before the page it may
// overlap or miss the page that was seen before.
func (s *Server) appendCursorHead(b []byte, lp *listPage, n, total int, next string) []byte {
	st := lp.cursor
	if total < 0 {
		total = st.total
	}
	b = append(b, `{"schemas":["`+ListResponseSchema+`"]`...)
	if total >= 0 {
		b = append(b, `,"totalResults":`...)
		b = strconv.AppendInt(b, int64(total), 10)
	}
	b = append(b, `,"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	if st.count > 0 {
		var nst *cursorState
		switch {
		case next != "":
			nst = &cursorState{index: st.index + n, count: st.count, total: total, pos: next}
		case lp.pg.After == "" && n > 0 && st.index-1+n < total:
			nst = &cursorState{index: st.index + n, count: st.count, total: total}
		}
		if nst != nil {
			b = append(b, `,"nextCursor":"`...)
			b = append(b, s.cursors.encode(lp.tenant, lp.shape, *nst)...)
			b = append(b, '"')
		}
		if st.index > 1 {
			pst := cursorState{index: max(1, st.index-st.count), count: st.count, total: total}
			b = append(b, `,"previousCursor":"`...)
			b = append(b, s.cursors.encode(lp.tenant, lp.shape, pst)...)
			b = append(b, '"')
		}
	}
	return append(b, `,"Resources":[`...)
}

// appendResources appends rs, comma-separated and each by appendOne, as
// elements of a ListResponse's Resources.
func appendResources[T any](b []byte, rs []T, appendOne func([]byte, T) []byte) []byte {
	for i, res := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendOne(b, res)
	}
	return b
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
	return strings.EqualFold(q.SortBy.Name, "members") || filter.Mentions(q.Filter, "members")
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
