package scimtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// defaultBaseURL is the Tenant URL used with an in-process Handler when
// Target.BaseURL is empty. The .invalid TLD is reserved (RFC 2606), so
// nothing is ever dialled by mistake.
const defaultBaseURL = "http://scimtest.invalid"

// Target is the SCIM service provider under test, seen as an identity
// provider sees it: a Tenant URL and a Secret Token.
//
// Set Handler to serve requests in process (no listener), or leave it nil
// to send them over the network to BaseURL.
type Target struct {
	// BaseURL is the Tenant URL an administrator pastes into the identity
	// provider, without a trailing slash, e.g.
	// "http://127.0.0.1:8080/scim/v2": requests go to BaseURL+"/Users" and
	// BaseURL+"/Groups". A query string in it is kept on every request, as
	// Entra does with its Tenant URL. Required when Handler is nil; with a
	// Handler, empty means "http://scimtest.invalid" (paths /Users,
	// /Groups at the handler's root).
	BaseURL string

	// Handler, if set, serves every request in process through an
	// httptest.ResponseRecorder. It receives the full path of BaseURL: if
	// the SCIM handler is mounted under /scim/v2 of the app's mux, pass the
	// mux and a BaseURL ending in /scim/v2.
	Handler http.Handler

	// Token is sent as "Authorization: Bearer <Token>" (every IdP's
	// "Secret Token" or "HTTP header" mode). Empty sends no Authorization
	// header.
	Token string

	// Client sends requests when Handler is nil. nil means
	// http.DefaultClient.
	Client *http.Client
}

// client sends one identity provider's requests to a Target.
type client struct {
	t      tester
	target Target
	base   *url.URL
	// flag is a query parameter appended to every request, as Entra appends
	// the Tenant URL's "?aadOptscim062020" to every path.
	flag string
	// userAgent and contentType are the IdP's request headers.
	userAgent   string
	contentType string
	// strictCT requires application/scim+json responses (Entra: "The
	// header for all the responses should be of content-Type:
	// application/scim+json", MS-TUT). Others accept application/json.
	strictCT bool
}

// newClient checks target and returns a client for it; a broken Target
// fails the test at once.
func newClient(t tester, target Target) *client {
	t.Helper()
	raw := target.BaseURL
	if raw == "" && target.Handler != nil {
		raw = defaultBaseURL
	}
	if raw == "" {
		t.Fatalf("scimtest: Target needs a Handler or a BaseURL")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		t.Fatalf("scimtest: Target.BaseURL %q is not an absolute URL", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return &client{t: t, target: target, base: u, contentType: "application/scim+json"}
}

// response is one exchange, kept whole so a failed check can show the
// request next to what came back.
type response struct {
	method  string
	url     string
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

// String describes the request for failure messages.
func (r *response) String() string {
	s := r.method + " " + r.url
	if len(r.reqBody) > 0 {
		s += "\n  request body: " + string(r.reqBody)
	}
	return s
}

// do sends method to the path relative to the Tenant URL, with query (already
// encoded, may be empty) and body (nil for none). A transport error fails the
// test at once.
func (c *client) do(method, path, query string, body []byte) *response {
	c.t.Helper()
	u := *c.base
	u.Path = c.base.Path + path
	q := joinQuery(c.base.RawQuery, query, c.flag)
	u.RawQuery = q
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		c.t.Fatalf("scimtest: building %s %s: %v", method, u.String(), err)
	}
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.target.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.target.Token)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	res := &response{method: method, url: u.String(), reqBody: body}
	if c.target.Handler != nil {
		rec := httptest.NewRecorder()
		c.target.Handler.ServeHTTP(rec, req)
		res.status, res.header, res.body = rec.Code, rec.Header(), rec.Body.Bytes()
		return res
	}
	hc := c.target.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("scimtest: %s: %v", res, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("scimtest: %s: reading the response: %v", res, err)
	}
	res.status, res.header, res.body = resp.StatusCode, resp.Header, b
	return res
}

// joinQuery joins the non-empty query parts with "&".
func joinQuery(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

// query encodes key/value pairs in the given order, spaces as %20 (Okta
// sends `filter=userName%20eq%20%22...%22`, OKTA-REF). A key with an empty
// value is sent bare, like "aadOptscim062020".
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(kv[i]))
		if kv[i+1] != "" {
			b.WriteByte('=')
			b.WriteString(escape(kv[i+1]))
		}
	}
	return b.String()
}

// escape is url.QueryEscape with %20 for spaces: QueryEscape writes a
// literal "+" as %2B, so every remaining "+" stands for a space.
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// tester is the part of *testing.T the flows use. Flows are written
// against it so that the package's own tests can check that a faulty server
// is reported; exported functions pass a *testing.T through [realT].
type tester interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	Run(name string, f func(tester)) bool
}

// realT adapts *testing.T to tester.
type realT struct{ *testing.T }

// Run runs f as a subtest.
func (r realT) Run(name string, f func(tester)) bool {
	return r.T.Run(name, func(t *testing.T) { f(realT{t}) })
}
