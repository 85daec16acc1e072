package scimtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// rewrite wraps h: fix sees each request and h's answer and returns the
// status and body to send instead; it may also change the headers.
func rewrite(h http.Handler, fix func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, body := fix(r, rec.Code, rec.Header(), rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		w.Write(body)
	})
}

// rewriteOps wraps h: every PATCH operation is replaced by what fix
// returns, as a server that misreads that operation would apply it.
func rewriteOps(h http.Handler, fix func(op map[string]any) []any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "PATCH" {
			body, _ := io.ReadAll(r.Body)
			body = editJSON(body, func(m map[string]any) {
				ops := []any{}
				for _, op := range m["Operations"].([]any) {
					ops = append(ops, fix(op.(map[string]any))...)
				}
				m["Operations"] = ops
			})
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		h.ServeHTTP(w, r)
	})
}

// isList reports whether r is a GET on a collection.
func isList(r *http.Request) bool {
	return r.Method == "GET" && (strings.HasSuffix(r.URL.Path, "/Users") || strings.HasSuffix(r.URL.Path, "/Groups"))
}

// editJSON decodes body as an object, lets edit change it and re-encodes it.
func editJSON(body []byte, edit func(m map[string]any)) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	edit(m)
	out, _ := json.Marshal(m)
	return out
}

// TestFaultsAreReported runs the flows against servers that break one
// documented IdP expectation each, and checks that the flow that depends
// on it fails with a message naming it, and that a flow that does not,
// passes.
func TestFaultsAreReported(t *testing.T) {
	for _, tc := range []struct {
		name  string
		wrap  func(http.Handler) http.Handler
		token string
		fails map[string]string // flow -> text expected in its failure
		pass  []string
	}{
		{
			name: "404 for a filter that matches nothing (Entra quarantines, MS-QUAR)",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte) {
					if isList(r) && r.URL.Query().Has("filter") && bytes.Contains(body, []byte(`"totalResults":0`)) {
						return 404, []byte(`{"schemas":["` + errorSchema + `"],"status":"404","detail":"no such user"}`)
					}
					return status, body
				})
			},
			fails: map[string]string{
				"Entra/default/test_connection":          "Test Connection: GET http://app.example.com/scim/v2/Users?filter=userName%20eq%20%22",
				"Entra/default/provision_user":           "expected status: [200]\n  actual status: 404",
				"Okta/OIN/user_lifecycle":                "match before create",
				"Entra/aadOptscim062020/test_connection": "&aadOptscim062020\n  expected status: [200]",
			},
			pass: []string{"Okta/OIN/test_connection", "Okta/AIW/user_lifecycle"},
		},
		{
			name: "list counts as strings (Okta wants integers)",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte) {
					if !isList(r) {
						return status, body
					}
					return status, editJSON(body, func(m map[string]any) { m["totalResults"] = strconv.Itoa(int(m["totalResults"].(float64))) })
				})
			},
			fails: map[string]string{"Okta/OIN/test_connection": "expected totalResults to be a JSON integer\n  actual: \"0\""},
			pass:  []string{"Okta/AIW/user_lifecycle"},
		},
		{
			name: "application/json responses (Entra wants application/scim+json)",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte) {
					hdr.Set("Content-Type", "application/json")
					return status, body
				})
			},
			fails: map[string]string{"Entra/default/test_connection": "expected Content-Type: application/scim+json\n  actual: \"application/json\""},
			pass:  []string{"Okta/OIN/test_connection", "Okta/AIW/group_push", "PingOne/filter_casing", "JumpCloud/test_connection"},
		},
		{
			name: "pages that overlap",
			wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					q := r.URL.Query()
					if n, _ := strconv.Atoi(q.Get("startIndex")); isList(r) && n > 1 {
						q.Set("startIndex", strconv.Itoa(n-1))
						r.URL.RawQuery = q.Encode()
					}
					h.ServeHTTP(w, r)
				})
			},
			fails: map[string]string{"JumpCloud/manual_import": "expected each id once"},
			pass:  []string{"Okta/OIN/test_connection", "JumpCloud/test_connection"},
		},
		{
			name: "case-sensitive userName",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte) {
					f := r.URL.Query().Get("filter")
					if !isList(r) || !strings.HasPrefix(f, "userName eq ") {
						return status, body
					}
					return status, editJSON(body, func(m map[string]any) {
						var keep []any
						for _, u := range m["Resources"].([]any) {
							if `"`+u.(map[string]any)["userName"].(string)+`"` == strings.TrimPrefix(f, "userName eq ") {
								keep = append(keep, u)
							}
						}
						m["Resources"], m["totalResults"], m["itemsPerPage"] = append([]any{}, keep...), len(keep), len(keep)
					})
				})
			},
			fails: map[string]string{"Okta/OIN/user_lifecycle": "match in capitals: GET"},
			pass:  []string{"Entra/default/provision_user"},
		},
		{
			name: "DELETE that keeps the resource",
			wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == "DELETE" {
						w.WriteHeader(http.StatusNoContent)
						return
					}
					h.ServeHTTP(w, r)
				})
			},
			fails: map[string]string{
				"JumpCloud/test_connection":    "DELETE test user, then GET: GET",
				"Entra/default/provision_user": "expected status: [404]\n  actual status: 200",
			},
			pass: []string{"PingOne/filter_casing"},
		},
		{
			name: "password echoed back",
			wrap: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request, status int, hdr http.Header, body []byte) (int, []byte) {
					if r.Method != "POST" || status != 201 {
						return status, body
					}
					return status, editJSON(body, func(m map[string]any) { m["password"] = "x" })
				})
			},
			fails: map[string]string{"Okta/OIN/user_lifecycle": "POST /Users: POST http://app.example.com/scim/v2/Users\n  request body: "},
			pass:  []string{"Okta/OIN/test_connection"},
		},
		{
			name: "remove with a value array clears every member",
			wrap: func(h http.Handler) http.Handler {
				return rewriteOps(h, func(op map[string]any) []any {
					if strings.EqualFold(op["op"].(string), "remove") && op["path"] == "members" {
						delete(op, "value")
					}
					return []any{op}
				})
			},
			fails: map[string]string{
				"Entra/default/groups":     "after removing one member: GET http://app.example.com/scim/v2/Groups/",
				"JumpCloud/group_takeover": "expected members: [\"",
			},
			pass: []string{"Entra/aadOptscim062020/groups", "Okta/OIN/group_push"},
		},
		{
			name: "string booleans ignored",
			wrap: func(h http.Handler) http.Handler {
				return rewriteOps(h, func(op map[string]any) []any {
					if v, ok := op["value"].(string); ok && (v == "False" || v == "True") {
						return nil
					}
					return []any{op}
				})
			},
			fails: map[string]string{"Entra/default/disable_enable": "PATCH disable (response): active: PATCH"},
			pass:  []string{"Entra/aadOptscim062020/disable_enable", "Okta/OIN/user_lifecycle"},
		},
		{
			name: "one new element per filtered add",
			wrap: func(h http.Handler) http.Handler {
				return rewriteOps(h, func(op map[string]any) []any {
					path, _ := op["path"].(string)
					if sub, ok := strings.CutPrefix(path, `addresses[type eq "work"].`); ok {
						return []any{map[string]any{"op": "add", "path": "addresses", "value": []any{map[string]any{"type": "work", sub: op["value"]}}}}
					}
					return []any{op}
				})
			},
			fails: map[string]string{
				"Entra/default/work_address":          `expected one addresses of type "work"`,
				"Entra/aadOptscim062020/work_address": `expected one addresses of type "work"`,
			},
			pass: []string{"Entra/default/update_user"},
		},
		{
			name: "dotted keys in a path-less replace ignored",
			wrap: func(h http.Handler) http.Handler {
				return rewriteOps(h, func(op map[string]any) []any {
					if v, ok := op["value"].(map[string]any); ok && op["path"] == nil {
						for k := range v {
							if strings.Contains(k, ".") {
								delete(v, k)
							}
						}
					}
					return []any{op}
				})
			},
			fails: map[string]string{"Entra/aadOptscim062020/update_user": "PATCH update (response): name.givenName: PATCH"},
			pass:  []string{"Entra/default/update_user", "Okta/OIN/user_lifecycle"},
		},
		{
			name:  "wrong token",
			token: "not-the-token",
			fails: map[string]string{"Entra/default/test_connection": "actual status: 401", "PingOne/filter_casing": "actual status: 401"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h http.Handler = newServer(t)
			if tc.wrap != nil {
				h = tc.wrap(h)
			}
			token := testToken
			if tc.token != "" {
				token = tc.token
			}
			rec := record(func(t tester) { run(t, Target{Handler: h, BaseURL: "http://app.example.com/scim/v2", Token: token}) })
			leaves := rec.leaves()
			for flow, text := range tc.fails {
				l := leaves[flow]
				if l == nil {
					t.Errorf("no flow %s", flow)
					continue
				}
				if all := strings.Join(l.logs, "\n"); !l.failed || !strings.Contains(all, text) {
					t.Errorf("%s: expected a failure containing %q; got failed=%v:\n%s", flow, text, l.failed, all)
				}
			}
			for _, flow := range tc.pass {
				if l := leaves[flow]; l == nil || l.failed {
					t.Errorf("%s: expected to pass; got %v", flow, l)
				}
			}
		})
	}
}

func TestTargetValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target Target
		want   string
	}{
		{"empty", Target{}, "scimtest: Target needs a Handler or a BaseURL"},
		{"relative BaseURL", Target{BaseURL: "/scim/v2"}, `scimtest: Target.BaseURL "/scim/v2" is not an absolute URL`},
		{"bad BaseURL", Target{BaseURL: "http://[::1"}, `scimtest: Target.BaseURL "http://[::1" is not an absolute URL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := record(func(t tester) { newClient(t, tc.target) })
			if len(rec.logs) != 1 || rec.logs[0] != tc.want {
				t.Errorf("logs = %q, want [%q]", rec.logs, tc.want)
			}
		})
	}
}

// TestRequestURLs checks the URLs the flows build: the Tenant URL's path
// and query are kept, Entra's flag is appended to every request, and a
// Handler without BaseURL is addressed at its root.
func TestRequestURLs(t *testing.T) {
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusNoContent)
	})
	for _, tc := range []struct {
		target Target
		flag   string
		want   string
	}{
		{Target{Handler: h}, "", "DELETE http://scimtest.invalid/Users/x?a=b%20c "},
		{Target{Handler: h, BaseURL: "https://app.example.com/scim/v2/", Token: "tk"}, entraFlag, "DELETE https://app.example.com/scim/v2/Users/x?a=b%20c&aadOptscim062020 Bearer tk"},
		{Target{Handler: h, BaseURL: "https://app.example.com/t/42?tenant=acme"}, entraFlag, "DELETE https://app.example.com/t/42/Users/x?tenant=acme&a=b%20c&aadOptscim062020 "},
	} {
		got = nil
		rec := record(func(t tester) {
			c := newClient(t, tc.target)
			c.flag = tc.flag
			c.do("DELETE", "/Users/x", "a=b%20c", nil)
		})
		if rec.failed || len(got) != 1 || got[0] != tc.want {
			t.Errorf("got %q (logs %q), want %q", got, rec.logs, tc.want)
		}
	}
}

func TestQueryEncoding(t *testing.T) {
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{"filter", `userName eq "a+b@example.com"`}, "filter=userName%20eq%20%22a%2Bb%40example.com%22"},
		{[]string{"startIndex", "1", "count", "2"}, "startIndex=1&count=2"},
		{[]string{"excludedAttributes", "members", "filter", `displayName eq "x y"`}, "excludedAttributes=members&filter=displayName%20eq%20%22x%20y%22"},
		{[]string{"aadOptscim062020", ""}, "aadOptscim062020"},
	} {
		if got := query(tc.kv...); got != tc.want {
			t.Errorf("query(%q) = %q, want %q", tc.kv, got, tc.want)
		}
	}
}
