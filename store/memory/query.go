package memory

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// QueryUsers implements [store.UserQuerier]. It never returns
// store.ErrUnsupported: a filter with an indexed comparison ("userName eq",
// "externalId eq", "id eq", alone or as one side of an "and") is answered
// from the index, any other by a scan in creation order; every candidate is
// checked with filter.Match. In the default order (no sortBy) the page is
// cut as the scan goes (seqPage) and can seek: its position is the
// creation sequence number. With sortBy the matches are sorted with
// filter.Sort and paged, and the store cannot seek (Next is "").
func (s *Store) QueryUsers(ctx context.Context, q store.Query) (store.UserList, error) {
	rt := resource.DefaultRegistry().User
	if q.ResourceType != nil {
		rt = q.ResourceType
	}
	t := s.tenant(ctx, false)
	if t == nil {
		return store.UserList{Resources: []*resource.User{}}, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()

	cands := t.userList
	// exact: the filter is only the indexed eq, with an ASCII value. For
	// ASCII the index's folding is filter.Match's, so a candidate whose
	// userName is ASCII too needs no second check (Entra's lookup).
	exact := false
	if q.Filter != nil {
		if c, ok := t.userCandidates(q.Filter, rt); ok {
			cands = c
			cmp, alone := q.Filter.(*filter.Compare)
			exact = alone && isASCII(cmp.Value.Str)
		}
	}
	// Stored users carry no Groups; derive them for the filter or the sort
	// only when they name groups, so that other queries copy nothing.
	needGroups := filter.Mentions(q.Filter, "groups") || q.SortBy.Is("groups", q.SortBy.Sub)
	view := func(r *userRec) *resource.User {
		if !needGroups {
			return r.u
		}
		v := *r.u
		v.Groups = t.groupRefs(r.u.ID)
		return &v
	}
	var match func(*userRec) (bool, error)
	if q.Filter != nil {
		var matcher *filter.Matcher // compiled for the first candidate it checks
		match = func(r *userRec) (bool, error) {
			u := view(r)
			if exact && isASCII(u.UserName) {
				return true, nil
			}
			if matcher == nil {
				var err error
				if matcher, err = filter.Compile(q.Filter, rt); err != nil {
					return false, err
				}
			}
			return matcher.Match(u), nil
		}
	}
	if q.SortBy.IsZero() {
		out, total, next, err := seqPage(cands, q.Page, match, func(r *userRec) *resource.User { return t.userOut(r.u) })
		return store.UserList{Resources: out, TotalResults: total, Next: next}, err
	}
	var matched []*resource.User
	for _, r := range cands {
		if match != nil {
			ok, err := match(r)
			if err != nil {
				return store.UserList{}, err
			}
			if !ok {
				continue
			}
		}
		matched = append(matched, view(r))
	}
	out, total, err := sortAndPage(rt, matched, q, t.userOut)
	return store.UserList{Resources: out, TotalResults: total}, err
}

// QueryGroups implements [store.GroupQuerier] like QueryUsers, with the
// indexes on "displayName eq", "externalId eq" and "id eq". A
// members[value eq "…"] or members.value eq "…" comparison is answered from
// the member set without copying the members; other filters or a sort on
// members copy them.
func (s *Store) QueryGroups(ctx context.Context, q store.Query) (store.GroupList, error) {
	rt := resource.DefaultRegistry().Group
	if q.ResourceType != nil {
		rt = q.ResourceType
	}
	t := s.tenant(ctx, false)
	if t == nil {
		return store.GroupList{Resources: []*resource.Group{}}, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()

	cands := t.groupList
	if q.Filter != nil {
		if c, ok := t.groupCandidates(q.Filter, rt); ok {
			cands = c
		}
	}
	var match func(*groupRec) (bool, error)
	if q.Filter != nil {
		match = func(r *groupRec) (bool, error) {
			m := groupMatcher{rt: rt, r: r}
			return m.match(q.Filter)
		}
	}
	if q.SortBy.IsZero() {
		out, total, next, err := seqPage(cands, q.Page, match, func(r *groupRec) *resource.Group { return groupOut(r, q.Members) })
		return store.GroupList{Resources: out, TotalResults: total, Next: next}, err
	}
	sortMembers := q.SortBy.Is("members", q.SortBy.Sub)
	var matched []*resource.Group
	recOf := make(map[*resource.Group]*groupRec)
	for _, r := range cands {
		m := groupMatcher{rt: rt, r: r}
		if q.Filter != nil {
			ok, err := m.match(q.Filter)
			if err != nil {
				return store.GroupList{}, err
			}
			if !ok {
				continue
			}
		}
		g := r.g
		if sortMembers {
			g = m.view()
		}
		matched = append(matched, g)
		recOf[g] = r
	}
	out, total, err := sortAndPage(rt, matched, q, func(g *resource.Group) *resource.Group { return groupOut(recOf[g], q.Members) })
	return store.GroupList{Resources: out, TotalResults: total}, err
}

// seqPage returns page p of the records of cands (in creation order)
// that match (nil: every one), each copied for the caller with out, their
// total, and the position after the page when more matches follow: the
// creation sequence number of its last record, so that p.After seeks by
// binary search. Without a filter it touches only the page's records and
// the total is len(cands); with one it matches every candidate when a
// total is needed and stops at the first match after the page when
// p.NoTotal says none is (the total is then -1), but copies only the
// page.
func seqPage[R sequenced, T any](cands []R, p store.Page, match func(R) (bool, error), out func(R) T) ([]T, int, string, error) {
	lo, skip := 0, max(p.StartIndex, 1)-1
	if p.After != "" {
		after, err := strconv.ParseUint(p.After, 10, 64)
		if err != nil {
			return nil, 0, "", fmt.Errorf("memory: position %q: %w", p.After, store.ErrInvalidPosition)
		}
		lo = sort.Search(len(cands), func(i int) bool { return cands[i].sequence() > after })
		skip = 0
	}
	count := max(p.Count, 0)
	if match == nil {
		from := min(lo+skip, len(cands))
		to := from + min(count, len(cands)-from)
		res := make([]T, 0, to-from)
		for _, r := range cands[from:to] {
			res = append(res, out(r))
		}
		next := ""
		if to > from && to < len(cands) {
			next = strconv.FormatUint(cands[to-1].sequence(), 10)
		}
		return res, len(cands), next, nil
	}
	total := 0
	if !p.NoTotal {
		for _, r := range cands[:lo] {
			ok, err := match(r)
			if err != nil {
				return nil, 0, "", err
			}
			if ok {
				total++
			}
		}
	}
	res := make([]T, 0, min(count, len(cands)-lo))
	var last uint64
	more := false
	for _, r := range cands[lo:] {
		ok, err := match(r)
		if err != nil {
			return nil, 0, "", err
		}
		if !ok {
			continue
		}
		total++
		switch {
		case skip > 0:
			skip--
			continue
		case len(res) < count:
			res = append(res, out(r))
			last = r.sequence()
			continue
		}
		more = true
		if p.NoTotal {
			break
		}
	}
	next := ""
	if more && len(res) > 0 {
		next = strconv.FormatUint(last, 10)
	}
	if p.NoTotal {
		total = -1
	}
	return res, total, next, nil
}

// sortAndPage sorts the matches of q as it says and returns its page of
// them, each copied for the caller with out, and their number.
func sortAndPage[R resource.Resource](rt *resource.ResourceType, matched []R, q store.Query, out func(R) R) ([]R, int, error) {
	if !q.SortBy.IsZero() {
		if err := filter.Sort(rt, matched, q.SortBy, q.SortOrder == store.Descending); err != nil {
			return nil, 0, err
		}
	}
	lo, hi := window(len(matched), q.Page)
	page := make([]R, 0, hi-lo)
	for _, r := range matched[lo:hi] {
		page = append(page, out(r))
	}
	return page, len(matched), nil
}

// groupMatcher evaluates a filter on one stored group, copying its members
// at most once and only when a comparison needs them.
type groupMatcher struct {
	rt   *resource.ResourceType
	r    *groupRec
	full *resource.Group // r.g with Members, built on first need
}

func (m *groupMatcher) view() *resource.Group {
	if m.full == nil {
		v := *m.r.g
		v.Members = m.r.memberSlice()
		m.full = &v
	}
	return m.full
}

// match evaluates e. "and", "or" and "not" combine the results of their
// operands, as RFC 7644 §3.4.2.2 defines them, so that a member comparison
// inside them still uses the member set.
func (m *groupMatcher) match(e filter.Expr) (bool, error) {
	switch x := e.(type) {
	case *filter.Logical:
		l, err := m.match(x.Left)
		if err != nil {
			return false, err
		}
		if (x.Op == filter.And && !l) || (x.Op == filter.Or && l) {
			return l, nil
		}
		return m.match(x.Right)
	case *filter.Not:
		r, err := m.match(x.X)
		return !r, err
	}
	if v, ok := memberValueEq(e); ok {
		// Only members whose value folds like v can match, whatever the
		// schema says of members.value's caseExact; filter.Match decides
		// among them.
		same := m.r.byFold[fold(v)]
		if len(same) == 0 {
			return false, nil
		}
		few := resource.Group{ID: m.r.g.ID, Members: make([]resource.Member, len(same))}
		for i, n := range same {
			few.Members[i] = n.m
		}
		return filter.Match(e, m.rt, &few)
	}
	g := m.r.g
	if filter.Mentions(e, "members") {
		g = m.view()
	}
	return filter.Match(e, m.rt, g)
}

// memberValueEq recognises members[value eq "v"] and members.value eq "v".
func memberValueEq(e filter.Expr) (string, bool) {
	switch x := e.(type) {
	case *filter.ValuePath:
		c, ok := x.Filter.(*filter.Compare)
		if !ok || !coreAttr(x.Path, resource.GroupSchema, "members", "") || c.Path.URN != "" ||
			!c.Path.Is("value", "") || c.Op != filter.Eq || c.Value.Kind != filter.String {
			return "", false
		}
		return c.Value.Str, true
	case *filter.Compare:
		if coreAttr(x.Path, resource.GroupSchema, "members", "value") && x.Op == filter.Eq && x.Value.Kind == filter.String {
			return x.Value.Str, true
		}
	}
	return "", false
}

// coreAttr reports whether p names attribute name.sub of the core schema
// urn, unqualified or qualified.
func coreAttr(p filter.AttrPath, urn, name, sub string) bool {
	return p.Is(name, sub) && (p.URN == "" || strings.EqualFold(p.URN, urn))
}

// indexedEq finds in e, or in either side of an "and" in e, a string
// equality on one of names, and returns the attribute name and value.
func indexedEq(e filter.Expr, urn string, names ...string) (name, value string, ok bool) {
	switch x := e.(type) {
	case *filter.Compare:
		if x.Op != filter.Eq || x.Value.Kind != filter.String {
			return "", "", false
		}
		for _, n := range names {
			if coreAttr(x.Path, urn, n, "") {
				return n, x.Value.Str, true
			}
		}
	case *filter.Logical:
		if x.Op != filter.And {
			return "", "", false
		}
		if name, value, ok = indexedEq(x.Left, urn, names...); ok {
			return name, value, true
		}
		return indexedEq(x.Right, urn, names...)
	}
	return "", "", false
}

// caseExact reports whether rt declares attribute name case-exact. id and
// externalId are (RFC 7643 §3.1); a registry that says otherwise turns off
// their exact-match indexes.
func caseExact(rt *resource.ResourceType, name string) bool {
	if rt == nil || rt.Schema == nil {
		return true
	}
	a := rt.Schema.Attr(name)
	return a == nil || a.CaseExact
}

// userCandidates returns, in creation order, a superset of the users that
// can match e when e has an indexed comparison; ok is false otherwise.
func (t *tenant) userCandidates(e filter.Expr, rt *resource.ResourceType) (cands []*userRec, ok bool) {
	var buf [3]string
	names := append(buf[:0], "userName")
	if caseExact(rt, "id") {
		names = append(names, "id")
	}
	if caseExact(rt, "externalId") {
		names = append(names, "externalId")
	}
	name, v, ok := indexedEq(e, resource.UserSchema, names...)
	if !ok {
		return nil, false
	}
	switch name {
	case "userName":
		if r := t.userByName[fold(v)]; r != nil {
			cands = append(cands, r)
		}
	case "id":
		if r := t.users[v]; r != nil {
			cands = append(cands, r)
		}
	case "externalId":
		for r := range t.userByExtID[v] {
			cands = append(cands, r)
		}
		sortBySeq(cands)
	}
	return cands, true
}

// groupCandidates is userCandidates for groups.
func (t *tenant) groupCandidates(e filter.Expr, rt *resource.ResourceType) (cands []*groupRec, ok bool) {
	names := []string{"displayName"}
	if caseExact(rt, "id") {
		names = append(names, "id")
	}
	if caseExact(rt, "externalId") {
		names = append(names, "externalId")
	}
	name, v, ok := indexedEq(e, resource.GroupSchema, names...)
	if !ok {
		return nil, false
	}
	switch name {
	case "displayName":
		for r := range t.groupByName[fold(v)] {
			cands = append(cands, r)
		}
	case "id":
		if r := t.groups[v]; r != nil {
			cands = append(cands, r)
		}
	case "externalId":
		for r := range t.groupByExtID[v] {
			cands = append(cands, r)
		}
	}
	sortBySeq(cands)
	return cands, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
