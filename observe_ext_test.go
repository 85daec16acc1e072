package scim_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// observed is a harness whose Config.Observe keeps every observation.
type observed struct {
	*harness
	obs []scim.Observation
}

func newObserved(t *testing.T, mod func(*scim.Config)) *observed {
	o := &observed{}
	o.harness = newHarness(t, func(c *scim.Config) {
		c.Observe = func(_ context.Context, ob scim.Observation) { o.obs = append(o.obs, ob) }
		if mod != nil {
			mod(c)
		}
	})
	return o
}

// last returns the observation of the last request, which must be the
// only one since the previous call.
func (o *observed) last(t *testing.T, since int) scim.Observation {
	t.Helper()
	if len(o.obs) != since+1 {
		t.Fatalf("%d observations for one request, want 1: %+v", len(o.obs)-since, o.obs[since:])
	}
	return o.obs[since]
}

// firedCase is a request and the tolerances it must record.
type firedCase struct {
	method, path, body string
	status             int
	want               quirk.Set
}

// TestFiredTolerances sends, for every tolerance of package quirk, the
// IdP requests of TestQuirksPerRequest that need it, and checks that the
// request records exactly that tolerance (Observation.Quirks); requests
// that RFC 7643 and RFC 7644 read as they are record nothing.
func TestFiredTolerances(t *testing.T) {
	user, group := "/scim/v2/Users/id-1", "/scim/v2/Groups/id-2"
	cases := []firedCase{
		{"PATCH", user, patchOp + `[{"op":"Replace","path":"title","value":"Boss"}]}`, 200, quirk.OpCase},
		{"PATCH", user, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"replace","path":"title","value":"Boss"}]}`, 200, quirk.KeyCase},
		{"PATCH", user, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"Op":"replace","Path":"title","Value":"Boss"}]}`, 200, quirk.KeyCase},
		{"PATCH", user, `{"Operations":[{"op":"replace","path":"title","value":"Boss"}]}`, 200, quirk.MissingSchemas},
		{"PATCH", user, patchOp + `[]}`, 200, quirk.EmptyOperations},
		{"POST", "/scim/v2/Users", `{"userName":"new","active":"True","emails":[{"value":"a@b.c","primary":"true"}]}`, 201, quirk.BoolStrings},
		{"PUT", user, `{"userName":"bjensen@example.com","active":"False"}`, 200, quirk.BoolStrings},
		{"PATCH", user, patchOp + `[{"op":"replace","path":"active","value":"False"}]}`, 200, quirk.BoolStrings},
		{"GET", `/scim/v2/Users?filter=active+eq+%22True%22`, "", 200, quirk.BoolStrings},
		{"GET", `/scim/v2/Users?filter=emails%5Bprimary+eq+%22true%22%5D`, "", 200, quirk.BoolStrings},
		{"POST", "/scim/v2/.search", `{"filter":"active eq \"False\""}`, 200, quirk.BoolStrings},
		// The eq "True" of a value filter that creates an element needs both.
		{"PATCH", user, patchOp + `[{"op":"add","path":"emails[type eq \"other\" and primary eq \"True\"].value","value":"o@b.c"}]}`, 200, quirk.BoolStrings | quirk.CreateOnNoMatch},
		{"PATCH", user, patchOp + `[{"op":"replace","value":{"name.givenName":"Kkom"}}]}`, 200, quirk.PathlessPaths},
		{"PATCH", user, patchOp + `[{"op":"replace","value":{"` + enterpriseURN + `:department":"Sales"}}]}`, 200, quirk.PathlessPaths},
		{"PATCH", group, patchOp + `[{"op":"remove","path":"members","value":[{"value":"id-1"}]}]}`, 204, quirk.RemoveByValue},
		{"PATCH", user, patchOp + `[{"op":"add","path":"addresses[type eq \"t\"].country","value":"AU"}]}`, 200, quirk.CreateOnNoMatch},
		{"POST", "/scim/v2/Users", `{"userName":"new","` + enterpriseURN + `":{"manager":"m-1"}}`, 201, quirk.ManagerString},
		{"PUT", user, `{"userName":"bjensen@example.com","` + enterpriseURN + `:manager":""}`, 200, quirk.ManagerString},
		{"PATCH", user, patchOp + `[{"op":"add","path":"manager","value":"m-1"}]}`, 200, quirk.ManagerString},
		{"POST", "/scim/v2/Users", `{"userName":"new","name":[{"givenName":"B"}],"` + enterpriseURN + `":{"manager":[{"value":"m-1"}]}}`, 201, quirk.UnwrapArray},
		{"PATCH", user, patchOp + `[{"op":"add","path":"manager","value":[{"value":"m-2"}]}]}`, 200, quirk.UnwrapArray},
		{"POST", "/scim/v2/Users", `{"userName":"new","emails":{"type":"work","value":"w@b.c"}}`, 201, quirk.LoneObject},
		{"POST", "/scim/v2/Groups", `{"displayName":"G2","members":{"value":"id-1"}}`, 201, quirk.LoneObject},
		{"PATCH", user, patchOp + `[{"op":"replace","path":"emails","value":{"type":"work","value":"w@b.c"}}]}`, 200, quirk.LoneObject},
		{"PATCH", group, patchOp + `[{"op":"add","path":"members","value":{"value":"id-1"}}]}`, 204, quirk.LoneObject},
		{"PATCH", user, patchOp + `[{"op":"add","path":"roles","value":[{"value":"{\"id\":\"r1\",\"value\":\"25\",\"displayName\":\"Role\"}"}]}]}`, 200, quirk.RoleStrings},
		{"PATCH", user, patchOp + `[{"op":"replace","value":{"meta":{"resourceType":"Person"},"title":"T"}}]}`, 200, quirk.ReadOnlyValues},
		{"PATCH", user, patchOp + `[{"op":"remove","path":"emails[value eq \"absent@b.c\"]"}]}`, 200, quirk.IdempotentRemove},
		{"POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new","favouriteColour":"red"}`, 201, quirk.UnknownAttributes},
		{"POST", "/scim/v2/Users", `{"userName":"new","name":{"givenName":"A","nick":"x"}}`, 201, quirk.UnknownAttributes},
		{"POST", "/scim/v2/Groups", `{"displayName":"G2","colour":"red"}`, 201, quirk.UnknownAttributes},
		{"PATCH", user, patchOp + `[{"op":"add","value":{"favouriteColour":"red"}}]}`, 200, quirk.UnknownAttributes},
		{"PATCH", user, patchOp + `[{"op":"add","path":"` + enterpriseURN + `","value":{"shoeSize":"9"}}]}`, 200, quirk.UnknownAttributes},
		{"PATCH", user, patchOp + `[{"op":"add","path":"emails","value":[{"value":"x@b.c","label":"x"}]}]}`, 200, quirk.UnknownAttributes},

		// RFC-valid requests record nothing.
		{"POST", "/scim/v2/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new","active":false,"name":{"givenName":"A"},"emails":[{"value":"a@b.c","primary":true}],"` + enterpriseURN + `":{"manager":{"value":"id-1"}}}`, 201, 0},
		{"PUT", user, bjensen, 200, 0},
		{"GET", user, "", 200, 0},
		{"GET", `/scim/v2/Users?filter=userName+eq+%22bjensen@example.com%22`, "", 200, 0},
		{"GET", `/scim/v2/Users?filter=active+eq+true+and+emails%5Bprimary+eq+true%5D`, "", 200, 0},
		{"POST", "/scim/v2/Users/.search", `{"filter":"active eq false"}`, 200, 0},
		{"PATCH", user, patchOp + `[{"op":"replace","path":"title","value":"Boss"},{"op":"add","value":{"nickName":"B"}}]}`, 200, 0},
		{"PATCH", user, patchOp + `[{"op":"replace","path":"active","value":false}]}`, 200, 0},
		{"PATCH", user, patchOp + `[{"op":"remove","path":"emails[value eq \"bjensen@example.com\"]"}]}`, 200, 0},
		{"PATCH", user, patchOp + `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"b@example.com"}]}`, 200, 0},
		{"PATCH", user, patchOp + `[{"op":"add","path":"manager","value":{"value":"id-1"}}]}`, 200, 0},
		{"PATCH", group, patchOp + `[{"op":"add","path":"members","value":[{"value":"id-1"}]}]}`, 204, 0},
		{"PATCH", group, patchOp + `[{"op":"remove","path":"members[value eq \"id-1\"]"}]}`, 204, 0},
		{"PATCH", group, patchOp + `[{"op":"remove","path":"members"}]}`, 204, 0},
		{"GET", "/scim/v2/Schemas", "", 200, 0},
	}
	covered := quirk.Set(0)
	for _, tc := range cases {
		covered |= tc.want
		t.Run(tc.want.String()+"/"+tc.method+" "+tc.path, func(t *testing.T) {
			h := newObserved(t, nil)
			h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
			h.do("POST", "/scim/v2/Groups", `{"displayName":"G","members":[{"value":"id-1"}]}`).expect(t, http.StatusCreated)
			n := len(h.obs)
			res := h.do(tc.method, tc.path, tc.body)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if got := h.last(t, n).Quirks; got != tc.want {
				t.Errorf("fired %v, want %v", got, tc.want)
			}
		})
	}
	if covered != quirk.All {
		t.Errorf("tolerances no case fires: %v", quirk.All&^covered)
	}
}

// TestFiredTolerancesAreLoggedAtDebug: with a DEBUG logger and no
// Observe, the tolerances a request needed are logged by name.
func TestFiredTolerancesAreLoggedAtDebug(t *testing.T) {
	logs := &bytes.Buffer{}
	h := newHarness(t, func(c *scim.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.do("POST", "/scim/v2/Users", bjensen).expect(t, http.StatusCreated)
	if strings.Contains(logs.String(), "tolerances") {
		t.Errorf("an RFC-valid request logged tolerances: %s", logs)
	}
	h.do("PATCH", "/scim/v2/Users/id-1", patchOp+`[{"op":"Replace","path":"active","value":"False"}]}`).expect(t, http.StatusOK)
	if want := `msg="scim: tolerances applied" method=PATCH path=/Users/id-1 status=200 quirks=op-case|entra-bool-strings`; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, logs)
	}
}

// panicStore panics on GetUser, as a buggy app store might.
type panicStore struct{ store.Store }

func (panicStore) GetUser(context.Context, string) (*resource.User, error) { panic("app bug") }

// TestObserveEveryAnswer: Observe is called once per request, with the
// tenant, endpoint, id, status and error of the answer, for successes,
// client errors, 401s, 404s and a panic answered 500; it never sees the
// token or a body.
func TestObserveEveryAnswer(t *testing.T) {
	h := newObserved(t, func(c *scim.Config) { c.Store = panicStore{memory.New()} })
	const password = "s3cret-Passw0rd"
	type want struct {
		tenant, endpoint, id string
		search               bool
		status               int
		scimType             string
		detail               string // a part of the detail
	}
	for _, tc := range []struct {
		method, path, body string
		hdr                []string
		want               want
	}{
		{"POST", "/scim/v2/Users", `{"userName":"a","password":"` + password + `"}`, nil, want{"tenant-a", "Users", "", false, 201, "", ""}},
		{"POST", "/scim/v2/Users", `{"userName":"a","password":"` + password + `"}`, nil, want{"tenant-a", "Users", "", false, 409, "uniqueness", `"a"`}},
		{"POST", "/scim/v2/Users", `{"userName":"b","password":"` + password + `","active":"maybe"}`, nil, want{"tenant-a", "Users", "", false, 400, "invalidValue", "active"}},
		{"GET", "/scim/v2/users/id-1", "", nil, want{"tenant-a", "Users", "id-1", false, 500, "", "internal server error"}},
		{"DELETE", "/scim/v2/Users/nobody", "", nil, want{"tenant-a", "Users", "nobody", false, 404, "", "nobody"}},
		{"GET", "/scim/v2/Users?filter=nosuch+eq+1", "", nil, want{"tenant-a", "Users", "", false, 400, "invalidFilter", "nosuch"}},
		{"POST", "/scim/v2/Groups/.search", `{"filter":"displayName eq \"x\""}`, nil, want{"tenant-a", "Groups", "", true, 200, "", ""}},
		{"POST", "/scim/v2/.search", `{}`, nil, want{"tenant-a", ".search", "", true, 200, "", ""}},
		{"GET", "/scim/v2/serviceproviderconfig", "", nil, want{"tenant-a", "ServiceProviderConfig", "", false, 200, "", ""}},
		{"GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "", nil, want{"tenant-a", "Schemas", "urn:ietf:params:scim:schemas:core:2.0:User", false, 200, "", ""}},
		{"POST", "/scim/v2/Bulk", `{}`, nil, want{"tenant-a", "Bulk", "", false, 400, "invalidSyntax", "BulkRequest"}},
		{"GET", "/scim/v2/Nothing/here", "", nil, want{"tenant-a", "", "", false, 404, "", "no SCIM endpoint"}},
		{"PUT", "/scim/v2/Groups", `{}`, nil, want{"tenant-a", "Groups", "", false, 405, "", "PUT"}},
		{"GET", "/scim/v2/Users", "", []string{"Authorization: Bearer wrong-" + testToken}, want{"", "Users", "", false, 401, "", "authentication failed"}},
	} {
		n := len(h.obs)
		res := h.do(tc.method, tc.path, tc.body, tc.hdr...)
		ob := h.last(t, n)
		w := tc.want
		if ob.Tenant != w.tenant || ob.Method != tc.method || ob.Endpoint != w.endpoint || ob.ID != w.id || ob.Search != w.search ||
			ob.Status != w.status || ob.Status != res.status || ob.ScimType != w.scimType || !strings.Contains(ob.Detail, w.detail) ||
			(w.detail == "") != (ob.Detail == "") || ob.Connection != nil || ob.Quirks != 0 {
			t.Errorf("%s %s: %+v, want %+v (response %d %s)", tc.method, tc.path, ob, w, res.status, res.body)
		}
		if ob.Latency <= 0 {
			t.Errorf("%s %s: latency %v", tc.method, tc.path, ob.Latency)
		}
		if s := fmt.Sprintf("%+v", ob); strings.Contains(s, password) || strings.Contains(s, testToken) {
			t.Errorf("%s %s: the observation carries a secret: %s", tc.method, tc.path, s)
		}
	}
}

// TestObserveConnection: behind ConnectionAuth the observation names the
// connection and its tenant; a refused token has neither.
func TestObserveConnection(t *testing.T) {
	var obs []scim.Observation
	m := connection.NewManager(connection.NewMemoryStore(), connection.Options{})
	if _, err := m.Save(context.Background(), connection.Connection{Tenant: "acme", Enabled: true, Profile: connection.Entra}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := m.Issue(context.Background(), "acme", "Entra")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scim.New(scim.Config{
		Store: memory.New(), Authenticate: scim.ConnectionAuth(m, scim.ConnectionAuthOptions{Logger: slog.New(slog.DiscardHandler)}),
		Observe: func(_ context.Context, o scim.Observation) { obs = append(obs, o) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{secret, secret + "x"} {
		req := httptest.NewRequest("GET", "/Users?filter="+url.QueryEscape(`active eq "True"`), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	if len(obs) != 2 {
		t.Fatalf("%d observations, want 2", len(obs))
	}
	if c := obs[0].Connection; c == nil || c.Tenant != "acme" || c.Profile != connection.Entra || obs[0].Tenant != "acme" ||
		obs[0].Status != 200 || obs[0].Quirks != quirk.BoolStrings {
		t.Errorf("accepted token: %+v (connection %+v)", obs[0], obs[0].Connection)
	}
	if obs[1].Connection != nil || obs[1].Tenant != "" || obs[1].Status != 401 || obs[1].Quirks != 0 {
		t.Errorf("refused token: %+v", obs[1])
	}
}

// TestQuirkNamesAreAnchors: the short name of every tolerance is the
// anchor of its entry in docs/idp-compatibility.md.
func TestQuirkNamesAreAnchors(t *testing.T) {
	doc, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range docAnchor.FindAllStringSubmatch(string(doc), -1) {
		anchors[m[1]] = true
	}
	for _, n := range quirk.All.Names() {
		if !anchors[n] {
			t.Errorf("tolerance %q has no anchor in %s", n, compatDoc)
		}
	}
}

// BenchmarkObserveLookup measures Entra's lookup, GET
// /Users?filter=userName eq "...", on 1,000 users of the memory store,
// without Config.Observe (the request path must not allocate more than
// before) and with a no-op Observe (the cost of observing).
func BenchmarkObserveLookup(b *testing.B) {
	for _, observe := range []bool{false, true} {
		b.Run(fmt.Sprintf("observe=%v", observe), func(b *testing.B) {
			st := memory.New()
			cfg := scim.Config{Store: st, Authenticate: scim.NoAuthentication, Logger: slog.New(slog.DiscardHandler)}
			var n int
			if observe {
				cfg.Observe = func(context.Context, scim.Observation) { n++ }
			}
			srv, err := scim.New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := store.WithTenant(context.Background(), "")
			for i := 0; i < 1000; i++ {
				if _, err := st.CreateUser(ctx, &resource.User{ID: fmt.Sprint("u", i), UserName: fmt.Sprintf("user%d@example.com", i)}); err != nil {
					b.Fatal(err)
				}
			}
			target := "/Users?filter=" + url.QueryEscape(`userName eq "user500@example.com"`)
			req := httptest.NewRequest("GET", target, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			if observe && n != b.N {
				b.Fatalf("%d observations for %d requests", n, b.N)
			}
		})
	}
}
