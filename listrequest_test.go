package scim

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scimkit/scim/internal/assert"
)

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want listRequest
	}{
		{"", listRequest{}},
		{"aadOptscim062020", listRequest{}},
		{`filter=userName+eq+%22a%2Bb%40x.com%22&startIndex=1&count=100`, listRequest{filter: `userName eq "a+b@x.com"`, startIndex: "1", count: "100"}},
		{`Filter=username%20Eq%20%22x%22&COUNT=2`, listRequest{filter: `username Eq "x"`, count: "2"}},
		{`excludedAttributes=members&filter=displayName eq "x"&attributes=id`, listRequest{filter: `displayName eq "x"`, attributes: "id", excludedAttributes: "members"}},
		{`count=1&count=2&sortBy=userName&sortOrder=descending`, listRequest{count: "1", sortBy: "userName", sortOrder: "descending"}},
	} {
		got, err := parseQuery(tc.raw)
		assert.NoError(t, err)
		assert.Equal(t, got, tc.want, cmpAllowUnexported)
		// Agrees with url.Values for well-formed queries with canonical names.
		if v, err := url.ParseQuery(tc.raw); err == nil && v.Get("filter") != "" && got.filter != v.Get("filter") {
			t.Errorf("%q: filter %q, url.ParseQuery %q", tc.raw, got.filter, v.Get("filter"))
		}
	}
	if _, err := parseQuery("filter=%zz"); StatusOf(err) != 400 {
		t.Errorf("malformed escape: %v", err)
	}
}

var cmpAllowUnexported = cmp.AllowUnexported(listRequest{})
