package scim

import (
	"net/http"
	"net/url"
	"strings"
)

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
