package scim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// The event setups: who delivers the handler's change events.
const (
	// setupWriter: the memory store with an event log, a store.EventWriter.
	setupWriter = "EventWriter"
	// setupHidden: the same store behind a wrapper that says it writes no
	// events, with Config.Events: the handler delivers.
	setupHidden = "Config.Events"
	// setupGeneric: a store with none of the fast paths (no membership
	// patcher, attribute replacer, archiver), with Config.Events.
	setupGeneric = "generic store"
)

var eventSetups = []string{setupWriter, setupHidden, setupGeneric}

// hideEvents is the memory store with its store.EventWriter marker turned
// off: every fast path stays.
type hideEvents struct{ *memory.Store }

func (hideEvents) WritesEvents() bool { return false }

// plainStore is only store.Store: the handler takes its generic paths.
type plainStore struct{ store.Store }

// recorded collects what Config.Events receives.
type recorded struct {
	mu  sync.Mutex
	evs []event.Event
}

func (r *recorded) Handle(_ context.Context, e event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

// evHarness serves one setup to one connection (tenant "acme") and reads
// the events each request produced.
type evHarness struct {
	t      *testing.T
	setup  string
	h      http.Handler
	mem    *memory.Store
	log    *event.Log // the memory store's
	cursor string
	rec    *recorded
	conn   connection.Connection
	logs   *bytes.Buffer
	reqs   map[string]bool // the Request ids seen
}

func newEvHarness(t *testing.T, setup string, conn connection.Connection, mod func(*evHarness, *scim.Config)) *evHarness {
	t.Helper()
	conn.Tenant = "acme"
	h := &evHarness{t: t, setup: setup, log: event.NewLog(event.LogOptions{}), rec: &recorded{}, conn: conn,
		logs: &bytes.Buffer{}, reqs: map[string]bool{}}
	var n atomic.Int64
	cfg := scim.Config{
		Authenticate: func(r *http.Request) (context.Context, error) {
			return connection.NewContext(store.WithTenant(r.Context(), conn.Tenant), conn), nil
		},
		Clock:  func() time.Time { return testNow },
		NewID:  func() string { return fmt.Sprintf("id-%d", n.Add(1)) },
		Logger: slog.New(slog.NewTextHandler(h.logs, nil)),
	}
	mem := memory.New(memory.WithEventLog(h.log))
	h.mem = mem
	switch setup {
	case setupWriter:
		cfg.Store = mem
	case setupHidden:
		cfg.Store, cfg.Events = hideEvents{mem}, h.rec
	case setupGeneric:
		cfg.Store, cfg.Events = plainStore{mem}, h.rec
	}
	if mod != nil {
		mod(h, &cfg)
	}
	srv, err := scim.New(cfg)
	assert.NoError(t, err)
	h.h = srv
	return h
}

// next returns the events delivered since the last call: from the store's
// log for an EventWriter, from Config.Events otherwise (and then the log
// must stay empty: the hidden store is asked to write none).
func (h *evHarness) next() []event.Event {
	h.t.Helper()
	ctx := store.WithTenant(context.Background(), "acme")
	fromLog, next, err := h.log.After(ctx, "acme", h.cursor, event.MaxLimit)
	assert.NoError(h.t, err)
	h.cursor = next
	if h.setup == setupWriter {
		return fromLog
	}
	if len(fromLog) > 0 {
		h.t.Errorf("the store wrote %d events though it does not write events", len(fromLog))
	}
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	out := h.rec.evs
	h.rec.evs = nil
	return out
}

var eventID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// step sends one request and checks its answer's status and the events it
// produced: want, each written "type id [attributes] members=[ids]". Every
// event must carry the request's tenant, method, profile, time and one
// Request id of its own, and the version the response's ETag names (""
// for a delete).
func (h *evHarness) step(method, path, body string, status int, want ...string) *response {
	h.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, "http://scim.example.com"+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	r := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if r.status != status {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	evs := h.next()
	got := make([]string, len(evs))
	for i, e := range evs {
		got[i] = describe(e)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("%s %s: events\n  %s\nwant\n  %s", method, path, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	version := strings.TrimSuffix(strings.TrimPrefix(r.header.Get("ETag"), `W/"`), `"`)
	for i, e := range evs {
		what := fmt.Sprintf("%s %s: event %d (%s)", method, path, i, e.Type)
		if !eventID.MatchString(e.ID) {
			h.t.Errorf("%s: ID %q is not 32 hex digits", what, e.ID)
		}
		if e.Tenant != "acme" || e.Method != method || e.Profile != string(h.conn.Profile) || !e.Time.Equal(testNow) {
			h.t.Errorf("%s: tenant %q method %q profile %q time %v; want acme %s %s %v", what, e.Tenant, e.Method, e.Profile, e.Time, method, h.conn.Profile, testNow)
		}
		if e.Request == "" || e.Request != evs[0].Request || (i == 0 && h.reqs[e.Request]) {
			h.t.Errorf("%s: Request %q: want one id per request, new for each", what, e.Request)
		}
		deleted := e.Type == event.UserDeleted || e.Type == event.GroupDeleted
		switch {
		case deleted && (e.Version != "" || e.Resource != nil):
			h.t.Errorf("%s: Version %q Resource %s; want none for a delete", what, e.Version, e.Resource)
		case !deleted && (e.Version == "" || e.Version != version):
			h.t.Errorf("%s: Version %q; want the response's ETag version %q", what, e.Version, version)
		}
		if (e.Type == event.UserCreated || e.Type == event.UserUpdated) && !bytes.Contains(e.Resource, []byte(`"id":"`+e.ResourceID+`"`)) {
			h.t.Errorf("%s: Resource %s is not the user", what, e.Resource)
		}
	}
	if len(evs) > 0 {
		h.reqs[evs[0].Request] = true
	}
	return r
}

func describe(e event.Event) string {
	s := string(e.Type) + " " + e.ResourceID
	if e.Attributes != nil {
		s += " [" + strings.Join(e.Attributes, " ") + "]"
	}
	if e.Members != nil {
		s += " members=[" + strings.Join(e.Members, " ") + "]"
	}
	if e.ExternalID != "" {
		s += " ext=" + e.ExternalID
	}
	return s
}

const evPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[%s]}`

// TestEventsEntraUserLifecycle: Entra's create, update, disable, enable
// and delete of a user produce one change each, with Entra's request
// shapes (capitalised ops, "False" and "True").
func TestEventsEntraUserLifecycle(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Entra}, nil)
			h.step("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_ab6490ee@contoso.com","active":true,
				"emails":[{"primary":true,"type":"work","value":"Test_User_fd0ea19b@contoso.com"}],"meta":{"resourceType":"User"},
				"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[]}`, 201,
				"user.created id-1 [active emails externalId name.familyName name.formatted name.givenName userName] ext=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
			h.step("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"name.givenName","value":"Barbara"}`), 200,
				"user.updated id-1 [name.givenName] ext=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
			h.step("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"active","value":"False"}`), 200,
				"user.deactivated id-1 ext=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
			// Sent again, it changes nothing: no event.
			h.step("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"active","value":"False"}`), 200)
			h.step("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"active","value":"True"}`), 200,
				"user.reactivated id-1 ext=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
			h.step("DELETE", "/Users/id-1", "", 204,
				"user.deleted id-1 ext=0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
			h.step("DELETE", "/Users/id-1", "", 404)
		})
	}
}

// TestEventsDeletePolicyDeactivate: under the DELETE policy "deactivate
// and hide" the user is archived, and its event is user.deleted: the
// identity provider deleted it.
func TestEventsDeletePolicyDeactivate(t *testing.T) {
	for _, setup := range []string{setupWriter, setupHidden} { // the generic store has no archiver
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Entra, DeletePolicy: connection.Deactivate}, nil)
			h.step("POST", "/Users", `{"userName":"alice@contoso.com","externalId":"e1","active":true}`, 201,
				"user.created id-1 [active externalId userName] ext=e1")
			h.step("DELETE", "/Users/id-1", "", 204, "user.deleted id-1 ext=e1")
			h.step("GET", "/Users/id-1", "", 404)
		})
	}
}

// TestEventsOktaGroupPush: Okta's Group Push (create with a member, the
// rename it sends with every membership change, members added and
// removed by filter, a rename alone, members replaced by none, delete)
// gives group events with the member ids each request added or removed.
func TestEventsOktaGroupPush(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Okta}, nil)
			for i, name := range []string{"ann", "bob", "cy"} {
				h.step("POST", "/Users", `{"userName":"`+name+`@example.com","active":true}`, 201,
					fmt.Sprintf("user.created id-%d [active userName]", i+1))
			}
			h.step("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"id-1","display":"ann"}]}`, 201,
				"group.created id-4 [displayName]",
				"group.members_added id-4 members=[id-1]")
			h.step("PATCH", "/Groups/id-4", fmt.Sprintf(evPatch, `{"op":"replace","value":{"id":"id-4","displayName":"Engineering EU"}},
				{"op":"add","path":"members","value":[{"value":"id-2","display":"bob"}]}`), 204,
				"group.updated id-4 [displayName]",
				"group.members_added id-4 members=[id-2]")
			h.step("PATCH", "/Groups/id-4", fmt.Sprintf(evPatch, `{"op":"replace","value":{"id":"id-4","displayName":"Engineering EU"}},
				{"op":"remove","path":"members[value eq \"id-1\"]"},
				{"op":"add","path":"members","value":[{"value":"id-3","display":"cy"}]}`), 204,
				"group.members_added id-4 members=[id-3]",
				"group.members_removed id-4 members=[id-1]")
			h.step("PATCH", "/Groups/id-4", fmt.Sprintf(evPatch, `{"op":"replace","path":"displayName","value":"Engineering"}`), 204,
				"group.updated id-4 [displayName]")
			h.step("PATCH", "/Groups/id-4", fmt.Sprintf(evPatch, `{"op":"replace","path":"members","value":[]}`), 204,
				"group.members_removed id-4 members=[id-2 id-3]")
			h.step("DELETE", "/Groups/id-4", "", 204, "group.deleted id-4")
		})
	}
}

// TestEventsJumpCloudTestConnection: JumpCloud's Test Connection creates
// a test user and a test group holding it and deletes both; the user's
// deletion ends its membership without a members_removed event.
func TestEventsJumpCloudTestConnection(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.JumpCloud}, nil)
			h.step("GET", "/Users?filter="+strings.ReplaceAll(`userName eq "test-scim@example.com"`, " ", "%20"), "", 200)
			h.step("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test-scim@example.com",
				"name":{"givenName":"Test","familyName":"User"},"displayName":"Test User",
				"emails":[{"value":"test-scim@example.com","type":"work","primary":true}],"active":true}`, 201,
				"user.created id-1 [active displayName emails name.familyName name.givenName userName]")
			h.step("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"JumpCloud Test Group","members":[{"value":"id-1"}]}`, 201,
				"group.created id-2 [displayName]",
				"group.members_added id-2 members=[id-1]")
			h.step("DELETE", "/Users/id-1", "", 204, "user.deleted id-1")
			h.step("DELETE", "/Groups/id-2", "", 204, "group.deleted id-2")
		})
	}
}

// TestEventsPut: PUT replaces a user and a group; the events list what
// changed, members included (the handler reads the members a PUT
// replaces when it builds events).
func TestEventsPut(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Okta}, nil)
			h.step("POST", "/Users", `{"userName":"ann@example.com","name":{"givenName":"Ann"},"active":true}`, 201,
				"user.created id-1 [active name.givenName userName]")
			h.step("POST", "/Users", `{"userName":"bob@example.com"}`, 201, "user.created id-2 [userName]")
			h.step("PUT", "/Users/id-1", `{"userName":"ann@example.com","name":{"givenName":"Anne"},"active":false}`, 200,
				"user.updated id-1 [name.givenName]",
				"user.deactivated id-1")
			h.step("POST", "/Groups", `{"displayName":"Ops","members":[{"value":"id-1"}]}`, 201,
				"group.created id-3 [displayName]",
				"group.members_added id-3 members=[id-1]")
			h.step("PUT", "/Groups/id-3", `{"displayName":"Ops","members":[{"value":"id-2"}]}`, 200,
				"group.members_added id-3 members=[id-2]",
				"group.members_removed id-3 members=[id-1]")
			// The same body again changes nothing.
			h.step("PUT", "/Groups/id-3", `{"displayName":"Ops","members":[{"value":"id-2"}]}`, 200)
		})
	}
}

// TestEventsFailedWritesHaveNone: requests the handler refuses, or whose
// write the store refuses, produce no event.
func TestEventsFailedWritesHaveNone(t *testing.T) {
	for _, setup := range eventSetups {
		t.Run(setup, func(t *testing.T) {
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Entra}, nil)
			h.step("POST", "/Users", `{"userName":"ann@example.com"}`, 201, "user.created id-1 [userName]")
			h.step("POST", "/Users", `{"userName":"ANN@example.com"}`, 409)
			h.step("POST", "/Groups", `{"displayName":"Ops"}`, 201, "group.created id-3 [displayName]")
			h.step("POST", "/Groups", `{"displayName":"ops"}`, 409)
			h.step("POST", "/Groups", `{"displayName":"Other","members":[{"value":"nobody"}]}`, 400)
			h.step("PATCH", "/Users/nobody", fmt.Sprintf(evPatch, `{"op":"Replace","path":"active","value":"False"}`), 404)
			h.step("DELETE", "/Groups/nobody", "", 404)
			h.step("PATCH", "/Groups/id-3", fmt.Sprintf(evPatch, `{"op":"add","path":"members","value":[{"value":"nobody"}]}`), 400)
			h.stepIfMatch("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"active","value":"False"}`), 412)
			h.stepIfMatch("DELETE", "/Users/id-1", "", 412)
			h.stepIfMatch("DELETE", "/Groups/id-3", "", 412)
		})
	}
}

// stepIfMatch sends a request with a stale If-Match: 412 and no event.
func (h *evHarness) stepIfMatch(method, path, body string, status int) {
	h.t.Helper()
	req := httptest.NewRequest(method, "http://scim.example.com"+path, strings.NewReader(body))
	req.Header.Set("If-Match", `W/"stale"`)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	if rec.Code != status {
		h.t.Fatalf("%s %s If-Match stale: status %d, want %d: %s", method, path, rec.Code, status, rec.Body)
	}
	if evs := h.next(); len(evs) != 0 {
		h.t.Errorf("%s %s If-Match stale: %d events, want none", method, path, len(evs))
	}
}

// racingStore makes one concurrent write before the handler's first
// ReplaceUser: it changes familyName and deactivates the user, so the
// handler's write, conditioned on the version it read, fails and the
// PATCH is retried on the fresh user.
type racingStore struct {
	store.Store
	mem    *memory.Store
	writes bool
	raced  atomic.Bool
}

func (s *racingStore) WritesEvents() bool { return s.writes }

func (s *racingStore) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	if !s.raced.Swap(true) {
		plain := store.WithTenant(context.Background(), store.TenantFrom(ctx)) // no events: another writer
		other, err := s.mem.GetUser(plain, u.ID)
		if err != nil {
			return nil, err
		}
		other.Name.FamilyName = "Concurrent"
		other.Active = new(bool)
		if _, err := s.mem.ReplaceUser(plain, other, ""); err != nil {
			return nil, err
		}
	}
	return s.mem.ReplaceUser(ctx, u, version)
}

// TestEventsRebuiltOnRetry: a PATCH that loses the race to a concurrent
// write is retried, and its events are those of the retry, built from the
// user read afresh: the concurrent write already deactivated the user, so
// the PATCH's "False" is no change of state and only givenName changed,
// and the Resource has the concurrent familyName. The attempt that failed
// recorded nothing.
func TestEventsRebuiltOnRetry(t *testing.T) {
	for _, setup := range []string{setupWriter, setupHidden} {
		t.Run(setup, func(t *testing.T) {
			var rs *racingStore
			h := newEvHarness(t, setup, connection.Connection{Profile: connection.Entra}, func(h *evHarness, c *scim.Config) {
				rs = &racingStore{Store: h.mem, mem: h.mem, writes: setup == setupWriter}
				rs.raced.Store(true) // not before the PATCH
				c.Store = rs
			})
			h.step("POST", "/Users", `{"userName":"ann@example.com","name":{"givenName":"Ann","familyName":"Smith"},"active":true}`, 201,
				"user.created id-1 [active name.familyName name.givenName userName]")
			rs.raced.Store(false)
			h.step("PATCH", "/Users/id-1", fmt.Sprintf(evPatch, `{"op":"Replace","path":"name.givenName","value":"Anne"},{"op":"Replace","path":"active","value":"False"}`), 200,
				"user.updated id-1 [name.givenName]")
			if !rs.raced.Load() {
				t.Fatal("the concurrent write did not happen")
			}
		})
	}
}

// TestEventsResourceIsTheWrittenUser: the Resource of a user event is the
// user after the change, without its password and without the version it
// was read at.
func TestEventsResourceIsTheWrittenUser(t *testing.T) {
	h := newEvHarness(t, setupWriter, connection.Connection{Profile: connection.Okta}, nil)
	h.step("POST", "/Users", `{"userName":"ann@example.com","password":"hunter2","active":true}`, 201,
		"user.created id-1 [active password userName]")
	evs, _, err := h.log.After(context.Background(), "acme", "", 10)
	assert.NoError(t, err)
	var u resource.User
	assert.NoError(t, u.UnmarshalJSON(evs[0].Resource))
	if u.ID != "id-1" || u.UserName != "ann@example.com" || u.Password != "" || u.Meta.Version != "" || bytes.Contains(evs[0].Resource, []byte("hunter2")) {
		t.Errorf("Resource = %s; want the user without password or version", evs[0].Resource)
	}
}

// TestEventsHandlerErrorIsLogged: an error of Config.Events is logged and
// does not change the answer.
func TestEventsHandlerErrorIsLogged(t *testing.T) {
	var calls atomic.Int64
	h := newEvHarness(t, setupHidden, connection.Connection{Profile: connection.Entra}, func(_ *evHarness, c *scim.Config) {
		c.Events = event.HandlerFunc(func(context.Context, event.Event) error {
			calls.Add(1)
			return errors.New("webhook down")
		})
	})
	h.step("POST", "/Users", `{"userName":"ann@example.com"}`, 201)
	if calls.Load() != 1 || !strings.Contains(h.logs.String(), "webhook down") || !strings.Contains(h.logs.String(), "level=ERROR") {
		t.Errorf("Config.Events called %d times; log: %s", calls.Load(), h.logs)
	}
}

// TestEventsRequestID: an id the Authenticate hook sets with
// scim.WithRequestID is the events' Request; without one each request
// gets its own (checked by every step above).
func TestEventsRequestID(t *testing.T) {
	h := newEvHarness(t, setupWriter, connection.Connection{Profile: connection.Entra}, func(_ *evHarness, c *scim.Config) {
		auth := c.Authenticate
		c.Authenticate = func(r *http.Request) (context.Context, error) {
			ctx, err := auth(r)
			return scim.WithRequestID(ctx, r.Header.Get("X-Test-Id")), err
		}
	})
	req := httptest.NewRequest("POST", "/Users", strings.NewReader(`{"userName":"ann@example.com"}`))
	req.Header.Set("X-Test-Id", "trace-42")
	h.h.ServeHTTP(httptest.NewRecorder(), req)
	evs := h.next()
	if len(evs) != 1 || evs[0].Request != "trace-42" {
		t.Errorf("events %+v; want one with Request trace-42", evs)
	}
}

// TestNoEventsWithoutConsumer: with neither an EventWriter nor
// Config.Events, the handler builds no events: a store that records the
// events its writes carry sees none.
func TestNoEventsWithoutConsumer(t *testing.T) {
	sp := &eventSpy{Store: memory.New()}
	srv, err := scim.New(scim.Config{Store: sp, Authenticate: scim.NoAuthentication})
	assert.NoError(t, err)
	for _, rq := range []struct{ method, path, body string }{
		{"POST", "/Users", `{"userName":"ann@example.com"}`},
		{"POST", "/Groups", `{"displayName":"Ops"}`},
	} {
		req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body))
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	if sp.seen.Load() != 0 || sp.writes.Load() != 2 {
		t.Errorf("%d of %d writes carried events; want 0 of 2", sp.seen.Load(), sp.writes.Load())
	}
}

// eventSpy counts the writes whose context carries events.
type eventSpy struct {
	store.Store
	writes, seen atomic.Int64
}

func (s *eventSpy) note(ctx context.Context) {
	s.writes.Add(1)
	if len(store.EventsFrom(ctx)) > 0 {
		s.seen.Add(1)
	}
}

func (s *eventSpy) CreateUser(ctx context.Context, u *resource.User) (*resource.User, error) {
	s.note(ctx)
	return s.Store.CreateUser(ctx, u)
}

func (s *eventSpy) CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error) {
	s.note(ctx)
	return s.Store.CreateGroup(ctx, g)
}
