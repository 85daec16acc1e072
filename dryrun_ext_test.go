package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// dryBackend makes a fresh resource store for the dry-run tests: the
// memory store writing events to its own log (a store.EventWriter), and
// SQLite, whose events go to Config.Events.
type dryBackend struct {
	name string
	new  func(t testing.TB) (st store.Store, events func() []event.Event)
}

var dryBackends = []dryBackend{
	{"memory", func(t testing.TB) (store.Store, func() []event.Event) {
		log := event.NewLog(event.LogOptions{})
		cursor := ""
		return memory.New(memory.WithEventLog(log), memory.WithClock(func() time.Time { return testNow })), func() []event.Event {
			evs, next, err := log.After(store.WithTenant(context.Background(), "acme"), "acme", cursor, event.MaxLimit)
			if err != nil {
				t.Fatal(err)
			}
			cursor = next
			return evs
		}
	}},
	// generic: only store.Store, so no querier, member resolver,
	// archiver, fast path or event writer; the dry-run store then scans.
	{"generic", func(t testing.TB) (store.Store, func() []event.Event) {
		return struct{ store.Store }{memory.New(memory.WithClock(func() time.Time { return testNow }))}, nil
	}},
	{"sqlite", func(t testing.TB) (store.Store, func() []event.Event) {
		st, err := sqlstore.New(sqliteTestDB(t), sqlstore.SQLite, sqlstore.WithClock(func() time.Time { return testNow }))
		if err != nil {
			t.Fatal(err)
		}
		return st, nil // the handler delivers to Config.Events
	}},
}

// dryServer is a SCIM server on one backend, its tenant acme
// authenticated by scim.ConnectionAuth, its ids chosen by the test.
type dryServer struct {
	t      testing.TB
	st     store.Store
	m      *connection.Manager
	token  string
	h      http.Handler
	nextID string
	stored func() []event.Event // events the store wrote; nil when it writes none
	mu     sync.Mutex
	evs    []event.Event // delivered to Config.Events
	acts   *activity.MemoryStore
	rec    *activity.Recorder
}

func (s *dryServer) Handle(_ context.Context, e event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, e)
	return nil
}

// events returns the events delivered since the last call, by the store
// or by the handler.
func (s *dryServer) events() []event.Event {
	s.mu.Lock()
	out := s.evs
	s.evs = nil
	s.mu.Unlock()
	if s.stored != nil {
		out = append(out, s.stored()...)
	}
	return out
}

// newDryServer returns a server on a fresh store of b, seeded with the
// dry-run tests' directory (users id-1 and id-2, group id-3 with member
// id-2), with the connection's dry-run flag then set to dry and its
// DELETE policy to policy.
func newDryServer(t testing.TB, b dryBackend, dry bool, policy connection.DeletePolicy) *dryServer {
	t.Helper()
	s := &dryServer{t: t, acts: activity.NewMemoryStore(activity.Retention{})}
	s.st, s.stored = b.new(t)
	s.rec = activity.NewRecorder(s.acts, activity.Options{})
	t.Cleanup(func() { s.rec.Close(context.Background()) })
	s.m = connection.NewManager(connection.NewMemoryStore(), connection.Options{})
	s.save(false, policy)
	secret, _, err := s.m.Issue(context.Background(), "acme", "Entra")
	if err != nil {
		t.Fatal(err)
	}
	s.token = secret
	cfg := scim.Config{
		Store:        s.st,
		Authenticate: scim.ConnectionAuth(s.m, scim.ConnectionAuthOptions{}),
		Clock:        func() time.Time { return testNow },
		NewID:        func() string { return s.nextID },
		Logger:       slog.New(slog.DiscardHandler),
		Observe:      s.rec.Observe,
	}
	if s.stored == nil {
		cfg.Events = s
	}
	srv, err := scim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.h = srv
	s.nextID = "id-1"
	s.send("POST", "/Users", entraUser("existing@contoso.com", "ext-1"), 201)
	s.nextID = "id-2"
	s.send("POST", "/Users", entraUser("member@contoso.com", "ext-2"), 201)
	s.nextID = "id-3"
	s.send("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Existing Group","externalId":"g-ext","members":[{"value":"id-2"}]}`, 201)
	s.events()
	if dry {
		s.save(true, policy)
	}
	return s
}

// save stores the connection of acme with the dry-run flag.
func (s *dryServer) save(dry bool, policy connection.DeletePolicy) {
	s.t.Helper()
	if _, err := s.m.Save(context.Background(), connection.Connection{Tenant: "acme", Enabled: true, Profile: connection.Entra,
		DeletePolicy: policy, DryRun: dry}); err != nil {
		s.t.Fatal(err)
	}
}

func entraUser(userName, externalID string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"` + externalID + `","userName":"` + userName + `","active":true,
		"emails":[{"primary":true,"type":"work","value":"` + userName + `"}],"meta":{"resourceType":"User"},
		"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`
}

// send sends one request and checks its status.
func (s *dryServer) send(method, path, body string, status int, hdr ...string) *response {
	s.t.Helper()
	req := httptest.NewRequest(method, "http://scim.example.com"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	r := &response{status: res.StatusCode, header: res.Header, body: b}
	if r.status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, b)
	}
	return r
}

// snapshot is everything the store holds for acme, as JSON: users,
// groups with their members, archived users.
func (s *dryServer) snapshot() string {
	s.t.Helper()
	ctx := store.WithTenant(context.Background(), "acme")
	var sb strings.Builder
	users, err := s.st.ListUsers(ctx, store.Page{StartIndex: 1, Count: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	groups, err := s.st.ListGroups(ctx, store.Page{StartIndex: 1, Count: 1000}, store.WithMembers)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := json.Marshal(users)
	sb.Write(b)
	b, _ = json.Marshal(groups)
	sb.Write(b)
	if a, ok := s.st.(store.UserArchiver); ok {
		l, err := a.ListArchivedUsers(ctx, store.Page{StartIndex: 1, Count: 1000})
		if err != nil {
			s.t.Fatal(err)
		}
		b, _ = json.Marshal(l)
		sb.Write(b)
	}
	return sb.String()
}

// entries returns acme's activity entries, oldest first.
func (s *dryServer) entries() []activity.Entry {
	s.t.Helper()
	if err := s.rec.Flush(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	es, _, err := s.acts.List(context.Background(), "acme", activity.Filter{Limit: activity.MaxLimit})
	if err != nil {
		s.t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// withoutVersions is a JSON body with every meta.version removed, and
// its keys sorted: the shape and values the two servers must agree on.
func withoutVersions(t *testing.T, body []byte) string {
	t.Helper()
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if m, ok := x["meta"].(map[string]any); ok {
				if _, ok := m["version"]; !ok {
					t.Errorf("meta without version: %s", body)
				}
				delete(m, "version")
			}
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	b, _ := json.Marshal(v)
	return string(b)
}

type dryStep struct {
	name, method, path, body string
	status                   int
	hdr                      []string
	effects                  []string // the activity entry's Effects
}

const entraPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

// drySteps are Entra's requests, and refusals, against the seeded
// directory.
var drySteps = []dryStep{
	{name: "Entra create", method: "POST", path: "/Users", body: entraUser("Test_User_ab6490ee@contoso.com", "0a21f0f2"), status: 201,
		effects: []string{"user.created id-9"}},
	{name: "Entra lookup", method: "GET", path: `/Users?filter=userName+eq+"existing@contoso.com"`, status: 200},
	{name: "PATCH active False", method: "PATCH", path: "/Users/id-1", body: fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"False"}`), status: 200,
		effects: []string{"user.deactivated id-1"}},
	{name: "PATCH that changes nothing", method: "PATCH", path: "/Users/id-1", body: fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"True"}`), status: 200},
	{name: "malformed body", method: "POST", path: "/Users", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":`, status: 400},
	{name: "PATCH of a read-only attribute", method: "PATCH", path: "/Users/id-1", body: fmt.Sprintf(entraPatch, `{"op":"Replace","path":"id","value":"other"}`), status: 400},
	{name: "PATCH two attributes", method: "PATCH", path: "/Users/id-1", body: fmt.Sprintf(entraPatch,
		`{"op":"Replace","path":"name.givenName","value":"Barbara"},{"op":"Add","path":"title","value":"Boss"}`), status: 200,
		effects: []string{"user.updated id-1"}},
	{name: "PUT", method: "PUT", path: "/Users/id-1", body: entraUser("renamed@contoso.com", "ext-1"), status: 200,
		effects: []string{"user.updated id-1"}},
	{name: "PATCH a group's member", method: "PATCH", path: "/Users/id-2", body: fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"False"}`), status: 200,
		effects: []string{"user.deactivated id-2"}},
	{name: "PUT a group's member", method: "PUT", path: "/Users/id-2", body: entraUser("member@contoso.com", "ext-2b"), status: 200,
		effects: []string{"user.updated id-2"}},
	{name: "DELETE user", method: "DELETE", path: "/Users/id-2", status: 204, effects: []string{"user.deleted id-2"}},
	{name: "DELETE unknown user", method: "DELETE", path: "/Users/nobody", status: 404},
	{name: "PATCH unknown user", method: "PATCH", path: "/Users/nobody", body: fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"False"}`), status: 404},
	{name: "userName taken", method: "POST", path: "/Users", body: entraUser("EXISTING@contoso.com", "other"), status: 409},
	{name: "PUT to a taken userName", method: "PUT", path: "/Users/id-2", body: entraUser("Existing@Contoso.com", "ext-2"), status: 409},
	{name: "If-Match mismatch", method: "DELETE", path: "/Users/id-1", status: 412, hdr: []string{`If-Match: W/"not-the-version"`}},
	{name: "PUT If-Match mismatch", method: "PUT", path: "/Users/id-1", body: entraUser("existing@contoso.com", "ext-1"), status: 412, hdr: []string{`If-Match: W/"not-the-version"`}},
	{name: "group with members", method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","externalId":"eng",
		"members":[{"value":"id-1"},{"value":"id-2","type":"User"}]}`, status: 201, effects: []string{"group.created id-9", "group.members_added id-9"}},
	{name: "group with an unknown member", method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Bad",
		"members":[{"value":"id-1"},{"value":"nobody"}]}`, status: 400},
	{name: "group name taken", method: "POST", path: "/Groups", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"existing GROUP"}`, status: 409},
	{name: "Entra adds a member", method: "PATCH", path: "/Groups/id-3", body: fmt.Sprintf(entraPatch,
		`{"op":"Add","path":"members","value":[{"value":"id-1"}]}`), status: 204, effects: []string{"group.members_added id-3"}},
	{name: "Entra removes a member", method: "PATCH", path: "/Groups/id-3", body: fmt.Sprintf(entraPatch,
		`{"op":"Remove","path":"members[value eq \"id-2\"]"}`), status: 204, effects: []string{"group.members_removed id-3"}},
	{name: "adding an unknown member", method: "PATCH", path: "/Groups/id-3", body: fmt.Sprintf(entraPatch,
		`{"op":"Add","path":"members","value":[{"value":"nobody"}]}`), status: 400},
	{name: "rename", method: "PATCH", path: "/Groups/id-3", body: fmt.Sprintf(entraPatch,
		`{"op":"Replace","path":"displayName","value":"Renamed"}`), status: 204, effects: []string{"group.updated id-3"}},
	{name: "PUT group", method: "PUT", path: "/Groups/id-3", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Existing Group","externalId":"g-ext",
		"members":[{"value":"id-1"}]}`, status: 200, effects: []string{"group.members_added id-3", "group.members_removed id-3"}},
	{name: "read group", method: "GET", path: "/Groups/id-3", status: 200},
	{name: "DELETE group", method: "DELETE", path: "/Groups/id-3", status: 204, effects: []string{"group.deleted id-3"}},
}

// TestDryRunAnswersAsWithoutAndWritesNothing: under a connection in
// dry-run mode every request of Entra's is answered exactly as a twin
// server without dry run answers it from the same directory (status,
// body but versions, Location), the store is unchanged afterwards, no
// change event is delivered, and each request's activity entry is a dry
// run with its would-be effects.
func TestDryRunAnswersAsWithoutAndWritesNothing(t *testing.T) {
	for _, b := range dryBackends {
		policies := []connection.DeletePolicy{connection.Delete, connection.Deactivate}
		if b.name == "generic" {
			// Without store.UserArchiver a DELETE under deactivate is 501:
			// TestDryRunDeleteWithoutArchiverIs501.
			policies = policies[:1]
		}
		for _, policy := range policies {
			t.Run(b.name+"/"+string(policy), func(t *testing.T) {
				dry := newDryServer(t, b, true, policy)
				before := dry.snapshot()
				for _, st := range drySteps {
					twin := newDryServer(t, b, false, policy)
					dry.nextID, twin.nextID = "id-9", "id-9"
					want := twin.send(st.method, st.path, st.body, st.status, st.hdr...)
					got := dry.send(st.method, st.path, st.body, st.status, st.hdr...)
					if g, w := withoutVersions(t, got.body), withoutVersions(t, want.body); g != w {
						t.Errorf("%s: dry-run body\n %s\nwant (without dry run)\n %s", st.name, g, w)
					}
					for _, h := range []string{"Location", "Content-Type"} {
						if got.header.Get(h) != want.header.Get(h) {
							t.Errorf("%s: %s %q, want %q", st.name, h, got.header.Get(h), want.header.Get(h))
						}
					}
					if (got.header.Get("ETag") == "") != (want.header.Get("ETag") == "") {
						t.Errorf("%s: ETag %q, want one exactly when the twin has one (%q)", st.name, got.header.Get("ETag"), want.header.Get("ETag"))
					}
					if got.header.Get("X-SCIM-Dry-Run") != "true" || want.header.Get("X-SCIM-Dry-Run") != "" {
						t.Errorf("%s: X-SCIM-Dry-Run %q (twin %q), want true (twin none)", st.name, got.header.Get("X-SCIM-Dry-Run"), want.header.Get("X-SCIM-Dry-Run"))
					}
					if evs := dry.events(); len(evs) != 0 {
						t.Errorf("%s: %d events delivered under dry run, the first %s %s", st.name, len(evs), evs[0].Type, evs[0].ResourceID)
					}
					if st.effects != nil && len(twin.events()) == 0 {
						t.Errorf("%s: the twin delivered no event, yet the step expects effects", st.name)
					}
					if after := dry.snapshot(); after != before {
						t.Fatalf("%s: the store changed under dry run:\nbefore %s\nafter  %s", st.name, before, after)
					}
				}
				es := dry.entries()
				seeded := 3
				if len(es) != seeded+len(drySteps) {
					t.Fatalf("%d activity entries, want %d", len(es), seeded+len(drySteps))
				}
				for i, e := range es[:seeded] {
					if e.DryRun || e.Effects != nil {
						t.Errorf("seeding request %d: DryRun %v, effects %q; want neither", i, e.DryRun, e.Effects)
					}
				}
				for i, st := range drySteps {
					e := es[seeded+i]
					if !e.DryRun || strings.Join(e.Effects, "|") != strings.Join(st.effects, "|") || e.Status != st.status {
						t.Errorf("%s: entry DryRun %v, status %d, effects %q; want true, %d, %q", st.name, e.DryRun, e.Status, e.Effects, st.status, st.effects)
					}
				}
			})
		}
	}
}

// TestDryRunOffWrites: turning the connection's dry run off makes the
// next request write, with its events, and its entry is no dry run.
func TestDryRunOffWrites(t *testing.T) {
	for _, b := range dryBackends {
		t.Run(b.name, func(t *testing.T) {
			s := newDryServer(t, b, true, connection.Delete)
			s.nextID = "id-9"
			s.send("POST", "/Users", entraUser("new@contoso.com", "n"), 201)
			s.send("GET", "/Users/id-9", "", 404)
			s.save(false, connection.Delete)
			r := s.send("POST", "/Users", entraUser("new@contoso.com", "n"), 201)
			if r.header.Get("X-SCIM-Dry-Run") != "" {
				t.Errorf("X-SCIM-Dry-Run %q after dry run was turned off", r.header.Get("X-SCIM-Dry-Run"))
			}
			s.send("GET", "/Users/id-9", "", 200)
			s.send("PATCH", "/Users/id-9", fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"False"}`), 200)
			evs := s.events()
			if len(evs) != 2 || evs[0].Type != event.UserCreated || evs[1].Type != event.UserDeactivated {
				t.Errorf("events after dry run off: %+v; want user.created and user.deactivated", evs)
			}
			es := s.entries()
			if len(es) != 3+5 {
				t.Fatalf("%d activity entries, want 8", len(es))
			}
			if dryPost, dryGet := es[3], es[4]; !dryPost.DryRun || strings.Join(dryPost.Effects, "|") != "user.created id-9" || !dryGet.DryRun || dryGet.Effects != nil {
				t.Errorf("dry-run entries: %+v", es[3:5])
			}
			for _, e := range es[5:] {
				if e.DryRun || e.Effects != nil {
					t.Errorf("entry after dry run off: DryRun %v, effects %q; want neither", e.DryRun, e.Effects)
				}
			}
		})
	}
}

// TestDryRunDeleteWithoutArchiverIs501: a DELETE under the policy
// deactivate on a store that cannot archive is refused in dry run as
// without it.
func TestDryRunDeleteWithoutArchiverIs501(t *testing.T) {
	generic := dryBackends[1]
	dry := newDryServer(t, generic, true, connection.Deactivate)
	twin := newDryServer(t, generic, false, connection.Deactivate)
	want := twin.send("DELETE", "/Users/id-2", "", 501)
	got := dry.send("DELETE", "/Users/id-2", "", 501)
	if string(got.body) != string(want.body) {
		t.Errorf("dry-run body %s, want %s", got.body, want.body)
	}
}

// BenchmarkDryRun is Entra's create and deactivation PATCH on the memory
// store with and without dry run: dry run adds the reads that stand in
// for the store's uniqueness and version checks, and writes nothing.
func BenchmarkDryRun(b *testing.B) {
	patch := fmt.Sprintf(entraPatch, `{"op":"Replace","path":"active","value":"%s"}`)
	for _, dry := range []bool{false, true} {
		name := "off"
		if dry {
			name = "dry-run"
		}
		b.Run("create/"+name, func(b *testing.B) {
			s := newDryServer(b, dryBackends[0], dry, connection.Delete)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				s.nextID = fmt.Sprintf("b-%d", i)
				s.send("POST", "/Users", entraUser(fmt.Sprintf("user%d@contoso.com", i), "x"), 201)
			}
		})
		b.Run("patch/"+name, func(b *testing.B) {
			s := newDryServer(b, dryBackends[0], dry, connection.Delete)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				v := "False"
				if i%2 == 0 {
					v = "True"
				}
				s.send("PATCH", "/Users/id-1", fmt.Sprintf(patch, v), 200)
			}
		})
	}
}
