package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/scimkit/scim/store"
)

// SearchRequestSchema is the URN of a SearchRequest (RFC 7644 §3.4.3).
const SearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// listRequest is what a list request asks for (RFC 7644 §3.4.2): read
// from the URL's query by parseQuery, or from a SearchRequest body
// (§3.4.3) by readSearch. Every field is the text sent, "" when absent;
// page reads startIndex and count, buildQuery the others.
type listRequest struct {
	filter, sortBy, sortOrder      string
	startIndex, count              string
	attributes, excludedAttributes string
	// cursor is the RFC 9865 cursor sent; hasCursor reports that the
	// request has the cursor parameter at all, empty included, which asks
	// for the first page of a cursor walk (RFC 9865 §2).
	cursor    string
	hasCursor bool
}

// page is the page a list request asks for, by the paging rules of RFC
// 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0,
// and count is capped at Config.MaxResults, which is also its default.
func (s *Server) page(p listRequest) (store.Page, error) {
	pg := store.Page{StartIndex: 1, Count: s.cfg.MaxResults}
	if p.startIndex != "" {
		n, err := parseIndex("startIndex", p.startIndex)
		if err != nil {
			return pg, err
		}
		pg.StartIndex = max(n, 1)
	}
	if p.count != "" {
		n, err := parseIndex("count", p.count)
		if err != nil {
			return pg, err
		}
		pg.Count = min(max(n, 0), s.cfg.MaxResults)
	}
	return pg, nil
}

// cursorPage is the page of a cursor request (RFC 9865) for tenant and
// the query's shape, with the state of the walk: an empty cursor starts a
// walk at index 1; another is decoded (invalidCursor, expiredCursor). The
// count is read as by page (absent: Config.MaxResults; negative: 0, RFC
// 9865 Table 1; capped at Config.MaxResults, the advertised maxPageSize),
// except that one that is not an integer, or that differs from the count
// of the walk's first page, is 400 invalidCount (RFC 9865 §2.1). A page
// after a store position asks for no total (the first page's is
// reported).
func (s *Server) cursorPage(tenant string, shape [32]byte, p listRequest) (store.Page, cursorState, error) {
	count := s.cfg.MaxResults
	if p.count != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.count))
		if err != nil {
			return store.Page{}, cursorState{}, NewError(http.StatusBadRequest, ScimTypeInvalidCount, "count must be an integer, not "+strconv.Quote(p.count))
		}
		count = min(max(n, 0), s.cfg.MaxResults)
	}
	st := cursorState{index: 1, count: count, total: -1}
	if p.cursor != "" {
		var err error
		if st, err = s.cursors.decode(tenant, shape, p.cursor); err != nil {
			return store.Page{}, st, err
		}
		if st.count != count {
			return store.Page{}, st, NewError(http.StatusBadRequest, ScimTypeInvalidCount,
				"count must stay "+strconv.Itoa(st.count)+", the count of the walk's first page, on every page of a cursor walk")
		}
	}
	return store.Page{StartIndex: st.index, Count: count, After: st.pos, NoTotal: st.pos != ""}, st, nil
}

// parseIndex parses an integer query parameter.
func parseIndex(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, NewError(http.StatusBadRequest, ScimTypeInvalidValue, name+" must be an integer, not "+strconv.Quote(v))
	}
	return n, nil
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
	Cursor             *string  `json:"cursor"`
}

// readSearch reads the list request of a SearchRequest body.
func (s *Server) readSearch(w http.ResponseWriter, r *http.Request) (listRequest, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return listRequest{}, err
	}
	var sr searchRequest
	if err := json.Unmarshal(body, &sr); err != nil {
		return listRequest{}, &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidSyntax, Detail: "the SearchRequest is not valid JSON of the RFC 7644 §3.4.3 shape", Err: err}
	}
	ok := len(sr.Schemas) == 0
	for _, u := range sr.Schemas {
		ok = ok || strings.EqualFold(u, SearchRequestSchema)
	}
	if !ok {
		return listRequest{}, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "schemas must contain "+SearchRequestSchema)
	}
	p := listRequest{
		filter: sr.Filter, sortBy: sr.SortBy, sortOrder: sr.SortOrder,
		attributes: strings.Join(sr.Attributes, ","), excludedAttributes: strings.Join(sr.ExcludedAttributes, ","),
	}
	if sr.StartIndex != nil {
		p.startIndex = strconv.Itoa(*sr.StartIndex)
	}
	if sr.Count != nil {
		p.count = strconv.Itoa(*sr.Count)
	}
	if sr.Cursor != nil {
		p.cursor, p.hasCursor = *sr.Cursor, true
	}
	return p, nil
}

// parseQuery reads the list request of a URL's raw query string in one pass,
// without building a url.Values map: this runs on every list request, and
// Entra sends one before every create. Names match case-insensitively
// (PingOne and others vary the case); the first occurrence wins, as with
// url.Values.Get. Other parameters, such as Entra's aadOptscim062020, are
// ignored.
func parseQuery(raw string) (listRequest, error) {
	var q listRequest
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		var dst *string
		switch {
		case strings.EqualFold(k, "filter"):
			dst = &q.filter
		case strings.EqualFold(k, "startIndex"):
			dst = &q.startIndex
		case strings.EqualFold(k, "count"):
			dst = &q.count
		case strings.EqualFold(k, "attributes"):
			dst = &q.attributes
		case strings.EqualFold(k, "excludedAttributes"):
			dst = &q.excludedAttributes
		case strings.EqualFold(k, "sortBy"):
			dst = &q.sortBy
		case strings.EqualFold(k, "sortOrder"):
			dst = &q.sortOrder
		case strings.EqualFold(k, "cursor"):
			if q.hasCursor {
				continue
			}
			q.hasCursor = true
			dst = &q.cursor
		default:
			continue
		}
		if *dst != "" {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				return q, NewError(http.StatusBadRequest, ScimTypeInvalidValue, "the query parameter "+k+" is not correctly URL-encoded")
			}
			v = u
		}
		*dst = v
	}
	return q, nil
}
