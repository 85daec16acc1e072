package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// queryParams are the SCIM query parameters of a request (RFC 7644
// §3.4.2, §3.4.2.5); others, such as Entra's aadOptscim062020, are
// ignored.
type queryParams struct {
	filter, sortBy, sortOrder, startIndex, count, attributes, excludedAttributes string
}

// parseQuery reads the SCIM parameters from a raw query string in one pass,
// without building a url.Values map: this runs on every list request, and
// Entra sends one before every create. Names match case-insensitively
// (PingOne and others vary the case); the first occurrence wins, as with
// url.Values.Get.
func parseQuery(raw string) (queryParams, error) {
	var q queryParams
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
