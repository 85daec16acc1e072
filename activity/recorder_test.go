package activity_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"database/sql"

	_ "modernc.org/sqlite"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

const token = "scim_Tk9sEcReT-token-value-0123456789abcdef"

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// server returns a SCIM handler on a fresh memory store, the token
// authenticating tenant-a, its ids and clock fixed so that two servers
// answer the same requests byte for byte; observe is its Config.Observe
// (nil for none).
func server(t testing.TB, observe func(context.Context, scim.Observation)) http.Handler {
	t.Helper()
	var tokens scim.Tokens
	tokens.Add(token, "tenant-a")
	var n atomic.Int64
	srv, err := scim.New(scim.Config{
		Store:        memory.New(memory.WithClock(func() time.Time { return now })),
		Authenticate: tokens.Authenticate,
		Clock:        func() time.Time { return now },
		NewID:        func() string { return fmt.Sprintf("id-%d", n.Add(1)) },
		Logger:       slog.New(slog.DiscardHandler),
		Observe:      observe,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// req is one request of an IdP.
type req struct {
	method, path, body string
	header             []string // "Key: value"
}

func send(h http.Handler, r req, tok string) *httptest.ResponseRecorder {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, "http://scim.test"+r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/scim+json")
	}
	if tok != "" {
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, kv := range r.header {
		k, v, _ := strings.Cut(kv, ": ")
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

const password = "Pa55w0rd-Hunter2-never-logged"

// withPassword are the requests of TestNeverTokenNeverPassword: Okta's
// create and PUT carry the password, a PATCH sets it, and failing ones
// carry it too.
var withPassword = []req{
	{"POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com","password":"` + password + `","active":true}`,
		[]string{"User-Agent: Okta SCIM Client 1.0.0"}},
	{"POST", "/Users", `{"userName":"ada@example.com","password":"` + password + `"}`, nil},                  // 409
	{"POST", "/Users", `{"userName":"bob@example.com","password":"` + password + `","active":"maybe"}`, nil}, // 400
	{"PUT", "/Users/id-1", `{"userName":"ada@example.com","password":"` + password + `","active":true}`, nil},
	{"PATCH", "/Users/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"` + password + `"}]}`, nil},
	{"PATCH", "/Users/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","value":{"password":"` + password + `","active":"False"}}]}`, nil},
	{"PATCH", "/Users/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":["` + password + `"]}]}`, nil},
	{"POST", "/Users", `{"userName":"carol@example.com","password":"` + password + `",}`, nil}, // invalid JSON
	{"GET", "/Users?filter=userName+eq+%22ada@example.com%22", "", nil},
}

// TestNeverTokenNeverPassword sends IdP requests carrying a password and
// the bearer token through a real server wired with Observe: rec.Observe,
// into the memory store and into SQLite, and checks that neither appears
// in anything stored: the SQLite database's files, byte for byte, and
// every entry of the memory store.
func TestNeverTokenNeverPassword(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scim.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := sqlstore.New(db, sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	mem := activity.NewMemoryStore(activity.Retention{})
	for _, tc := range []struct {
		name  string
		store activity.Store
	}{{"memory", mem}, {"sqlite", st.Activity()}} {
		t.Run(tc.name, func(t *testing.T) {
			rec := activity.NewRecorder(tc.store, activity.Options{})
			h := server(t, rec.Observe)
			var statuses []int
			for _, r := range withPassword {
				statuses = append(statuses, send(h, r, token).Code)
			}
			if want := []int{201, 409, 400, 200, 200, 200, 400, 400, 200}; !reflect.DeepEqual(statuses, want) {
				t.Fatalf("statuses %v, want %v", statuses, want)
			}
			if err := rec.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, _, err := tc.store.List(context.Background(), "tenant-a", activity.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(withPassword) {
				t.Fatalf("%d entries, want %d", len(got), len(withPassword))
			}
			// The entries are those of the requests, newest first.
			first := got[len(got)-1]
			if first.Method != "POST" || first.Endpoint != "Users" || first.Status != 201 || first.IdP != "okta" ||
				first.UserAgent != "Okta SCIM Client 1.0.0" || first.RequestID == "" || first.Outcome != activity.OK {
				t.Errorf("the create's entry: %+v", first)
			}
			if e := got[len(got)-2]; e.Status != 409 || e.ScimType != "uniqueness" || e.Outcome != activity.ClientError || e.Detail == "" {
				t.Errorf("the duplicate's entry: %+v", e)
			}
			if e := got[len(got)-5]; e.Method != "PATCH" || e.ResourceID != "id-1" || e.Target() != "/Users/id-1" {
				t.Errorf("the PATCH's entry: %+v", e)
			}
			if e := got[len(got)-6]; !reflect.DeepEqual(e.Quirks, []string{"op-case", "entra-bool-strings"}) || e.IdP != "entra" {
				t.Errorf("Entra's PATCH: quirks %v, IdP %q; want [op-case entra-bool-strings], entra", e.Quirks, e.IdP)
			}
			for _, e := range got {
				s := fmt.Sprintf("%#v", e)
				for _, secret := range []string{password, token, "Bearer"} {
					if strings.Contains(s, secret) {
						t.Errorf("an entry holds %q: %s", secret, s)
					}
				}
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "scim.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	var stored []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	if !bytes.Contains(stored, []byte("Okta SCIM Client 1.0.0")) {
		t.Fatal("the database files do not hold the entries: the check below would prove nothing")
	}
	for _, secret := range []string{password, token} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the SQLite files hold %q", secret)
		}
	}
}

// failingStore fails every Append (and every List).
type failingStore struct{ calls atomic.Int64 }

func (s *failingStore) Append(context.Context, []activity.Entry) error {
	s.calls.Add(1)
	return errors.New("activity store down")
}

func (s *failingStore) List(context.Context, string, activity.Filter) ([]activity.Entry, activity.Cursor, error) {
	return nil, "", errors.New("activity store down")
}

// blockingStore blocks every Append until release is closed.
type blockingStore struct {
	activity.Store
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *blockingStore) Append(ctx context.Context, es []activity.Entry) error {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return s.Store.Append(ctx, es)
}

// panickingStore panics in Append.
type panickingStore struct{ failingStore }

func (s *panickingStore) Append(context.Context, []activity.Entry) error { panic("activity store bug") }

// script is a provisioning session: creates, reads, lists, patches,
// deletes, and the errors an IdP meets.
var script = []req{
	{"GET", "/Users?filter=userName+eq+%22f47ac10b-58cc%22", "", nil},
	{"POST", "/Users", `{"userName":"ada@example.com","active":true,"emails":[{"value":"ada@example.com","type":"work","primary":true}]}`, nil},
	{"POST", "/Users", `{"userName":"ada@example.com"}`, nil},
	{"GET", "/Users/id-1", "", nil},
	{"PATCH", "/Users/id-1", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, nil},
	{"POST", "/Groups", `{"displayName":"Engineering","members":[{"value":"id-1"}]}`, nil},
	{"GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22", "", nil},
	{"PATCH", "/Groups/id-2", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"id-1"}]}]}`, nil},
	{"GET", "/Users?filter=bogus((", "", nil},
	{"GET", "/Nope", "", nil},
	{"DELETE", "/Users/id-1", "", nil},
	{"GET", "/Users/id-1", "", nil},
	{"POST", "/.search", `{"filter":"userName sw \"a\""}`, nil},
	{"GET", "/ServiceProviderConfig", "", nil},
}

// TestFailingStoreChangesNoAnswer replays a provisioning session on a
// server without Observe and on servers whose recorder's store fails,
// panics, or blocks (so that its queue overflows): every answer is the
// same, byte for byte, status and headers included, and the failures are
// counted and logged.
func TestFailingStoreChangesNoAnswer(t *testing.T) {
	answers := func(h http.Handler) []string {
		var out []string
		for _, r := range script {
			for _, tok := range []string{token, "wrong-token"} {
				w := send(h, r, tok)
				out = append(out, fmt.Sprintf("%s %s: %d %v\n%s", r.method, r.path, w.Code, w.Header(), w.Body))
			}
		}
		return out
	}
	want := answers(server(t, nil))
	blocked := &blockingStore{Store: activity.NewMemoryStore(activity.Retention{}), entered: make(chan struct{}), release: make(chan struct{})}
	for _, tc := range []struct {
		name  string
		store activity.Store
		opts  activity.Options
		check func(t *testing.T, st activity.Stats, logs string)
	}{
		{"failing", &failingStore{}, activity.Options{}, func(t *testing.T, st activity.Stats, logs string) {
			if st.Failed != uint64(len(script)) || st.Recorded != 0 {
				t.Errorf("stats %+v, want %d failed (the requests with the right token)", st, len(script))
			}
			if !strings.Contains(logs, "activity: store failed") || !strings.Contains(logs, "activity store down") {
				t.Errorf("the failure is not logged:\n%s", logs)
			}
		}},
		{"panicking", &panickingStore{}, activity.Options{}, func(t *testing.T, st activity.Stats, logs string) {
			if st.Failed != uint64(len(script)) {
				t.Errorf("stats %+v, want %d failed", st, len(script))
			}
			if !strings.Contains(logs, "activity store bug") {
				t.Errorf("the panic is not logged:\n%s", logs)
			}
		}},
		{"blocking", blocked, activity.Options{QueueSize: 2}, func(t *testing.T, st activity.Stats, logs string) {
			// Of the 1+len(script) requests, one entry is in the blocked
			// Append and two wait in the queue.
			if st.Dropped != uint64(len(script)-2) || st.Recorded != 3 {
				t.Errorf("stats %+v, want %d dropped and 3 recorded", st, len(script)-2)
			}
			if !strings.Contains(logs, "activity: queue full") {
				t.Errorf("the drops are not logged:\n%s", logs)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			tc.opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			rec := activity.NewRecorder(tc.store, tc.opts)
			h := server(t, rec.Observe)
			if tc.store == blocked {
				send(h, script[0], token) // a read: it changes no answer
				<-blocked.entered         // the writer holds its entry
				if got := answers(h); !reflect.DeepEqual(got, want) {
					t.Errorf("answers differ from a server without Observe")
				}
				close(blocked.release)
			} else if got := answers(h); !reflect.DeepEqual(got, want) {
				for i := range want {
					if i < len(got) && got[i] != want[i] {
						t.Errorf("answer %d:\n got %s\nwant %s", i, got[i], want[i])
					}
				}
			}
			if err := rec.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			tc.check(t, rec.Stats(), logs.String())
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutine's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// batchStore records the size of each Append; its first Append waits
// for release.
type batchStore struct {
	activity.Store
	mu      sync.Mutex
	sizes   []int
	entered chan struct{}
	release chan struct{}
}

func (s *batchStore) Append(ctx context.Context, es []activity.Entry) error {
	s.mu.Lock()
	first := len(s.sizes) == 0
	s.sizes = append(s.sizes, len(es))
	s.mu.Unlock()
	if first {
		close(s.entered)
		<-s.release
	}
	return s.Store.Append(ctx, es)
}

// TestRecorderWritesInBatches: while the store is busy, observed entries
// queue, and the writer takes them in batches of at most BatchSize.
// Flush returns once they are stored; after Close, Observe drops.
func TestRecorderWritesInBatches(t *testing.T) {
	mem := activity.NewMemoryStore(activity.Retention{Now: func() time.Time { return now }})
	bs := &batchStore{Store: mem, entered: make(chan struct{}), release: make(chan struct{})}
	rec := activity.NewRecorder(bs, activity.Options{BatchSize: 4, QueueSize: 100, Now: func() time.Time { return now }})
	ob := scim.Observation{Tenant: "tenant-a", Method: "GET", Endpoint: "Users", Status: 200}
	rec.Observe(context.Background(), ob)
	<-bs.entered
	for range 10 {
		rec.Observe(context.Background(), ob)
	}
	close(bs.release)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 4, 4, 2}; !reflect.DeepEqual(bs.sizes, want) {
		t.Errorf("batch sizes %v, want %v", bs.sizes, want)
	}
	got, _, _ := mem.List(context.Background(), "tenant-a", activity.Filter{})
	if len(got) != 11 || !got[0].Time.Equal(now) {
		t.Errorf("after Flush: %d entries (first %+v), want 11 at %v", len(got), got[0], now)
	}
	if st := rec.Stats(); st != (activity.Stats{Recorded: 11}) {
		t.Errorf("stats %+v, want 11 recorded", st)
	}
	rec.Observe(context.Background(), scim.Observation{Status: 401}) // no tenant: not recorded
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.Observe(context.Background(), ob)
	if st := rec.Stats(); st != (activity.Stats{Recorded: 11, Dropped: 1}) {
		t.Errorf("stats after Close and an Observe %+v, want 11 recorded, 1 dropped", st)
	}
	if err := rec.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Errorf("Flush after Close: %v", err)
	}
}

// TestRecorderLingers: entries observed one by one, as a single client's
// requests are, wait for the Linger and are written in one Append; Flush
// ends the wait rather than waiting it out.
func TestRecorderLingers(t *testing.T) {
	mem := activity.NewMemoryStore(activity.Retention{Now: func() time.Time { return now }})
	bs := &batchStore{Store: mem, entered: make(chan struct{}), release: make(chan struct{})}
	close(bs.release)
	rec := activity.NewRecorder(bs, activity.Options{Linger: time.Hour, Now: func() time.Time { return now }})
	defer rec.Close(context.Background())
	ob := scim.Observation{Tenant: "tenant-a", Method: "GET", Endpoint: "Users", Status: 200}
	for range 3 {
		rec.Observe(context.Background(), ob)
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int{3}; !reflect.DeepEqual(bs.sizes, want) {
		t.Errorf("batch sizes %v, want %v", bs.sizes, want)
	}
}

// TestRecorderBoundsClientText: what the client sends in headers is kept
// bounded and valid UTF-8; the request id is the handler's
// (scim.RequestID), never the client's X-Request-Id unless the app sets
// it with scim.WithRequestID, and unique per request.
func TestRecorderBoundsClientText(t *testing.T) {
	mem := activity.NewMemoryStore(activity.Retention{})
	rec := activity.NewRecorder(mem, activity.Options{})
	h := server(t, rec.Observe)
	longUA := "Okta SCIM Client 1.0.0 " + strings.Repeat("é", 300) + "\xff"
	send(h, req{"GET", "/Users", "", []string{"User-Agent: " + longUA, "X-Request-Id: req-42.abc"}}, token)
	send(h, req{"GET", "/Users", "", []string{"User-Agent: bad\xffagent", "X-Request-Id: has space"}}, token)
	send(h, req{"GET", "/Users", "", []string{"X-Request-Id: " + strings.Repeat("x", 300)}}, token)
	send(h, req{"GET", "/Users/" + strings.Repeat("x", 2000), "", nil}, token)
	send(h, req{"GET", "/Users", "", nil}, "")
	if err := rec.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _, _ := mem.List(context.Background(), "tenant-a", activity.Filter{})
	if len(got) != 4 {
		t.Fatalf("%d entries, want 4 (the unauthenticated request has no tenant)", len(got))
	}
	for _, e := range got {
		if len(e.UserAgent) > activity.MaxTextBytes || !utf8.ValidString(e.UserAgent) || len(e.RequestID) > activity.MaxTextBytes || len(e.ResourceID) > 1024 {
			t.Errorf("unbounded or invalid text: %q %q %q", e.UserAgent, e.RequestID, e.ResourceID)
		}
	}
	first, second, third := got[3], got[2], got[1]
	if first.RequestID == "req-42.abc" || len(first.RequestID) != 32 || first.IdP != "okta" || !strings.HasPrefix(first.UserAgent, "Okta SCIM Client 1.0.0 éé") {
		t.Errorf("first: request id %q, IdP %q, UA %q", first.RequestID, first.IdP, first.UserAgent)
	}
	if second.UserAgent != "bad\uFFFDagent" || second.RequestID == "has space" || second.RequestID == "" {
		t.Errorf("second: UA %q, request id %q", second.UserAgent, second.RequestID)
	}
	if third.RequestID == second.RequestID || len(third.RequestID) > 40 {
		t.Errorf("made-up request ids %q and %q", second.RequestID, third.RequestID)
	}
	if e := got[0]; e.Status != 404 || e.ResourceID != "" || e.Target() != "/Users" {
		t.Errorf("the over-long id's entry: %+v", e)
	}
}

// TestGuessIdP is the rule of Entry.IdP: the connection's profile when
// it names an IdP, else the User-Agent, else Entra's tolerances, else
// unknown.
func TestGuessIdP(t *testing.T) {
	conn := func(p connection.Profile) *connection.Connection {
		return &connection.Connection{Tenant: "t", Profile: p}
	}
	cases := []struct {
		name string
		ob   scim.Observation
		want string
	}{
		{"entra profile", scim.Observation{Connection: conn(connection.Entra), UserAgent: "Okta SCIM Client 1.0.0"}, "entra"},
		{"okta profile", scim.Observation{Connection: conn(connection.Okta), Quirks: quirk.OpCase}, "okta"},
		{"jumpcloud profile", scim.Observation{Connection: conn(connection.JumpCloud)}, "jumpcloud"},
		{"onelogin profile", scim.Observation{Connection: conn(connection.OneLogin)}, "onelogin"},
		{"pingone profile", scim.Observation{Connection: conn(connection.PingOne)}, "pingone"},
		{"generic profile, Okta's agent", scim.Observation{Connection: conn(connection.Generic), UserAgent: "Okta SCIM Client 1.0.0"}, "okta"},
		{"strict profile, nothing known", scim.Observation{Connection: conn(connection.Strict)}, activity.Unknown},
		{"Okta's agent", scim.Observation{UserAgent: "Okta SCIM Client 1.0.0"}, "okta"},
		{"Okta's agent in other case", scim.Observation{UserAgent: "okta scim client 2.3"}, "okta"},
		{"Entra's agent", scim.Observation{UserAgent: "Microsoft Azure AD SCIM provisioning 1.0.0"}, "entra"},
		{"Okta's name inside another agent", scim.Observation{UserAgent: "curl/8 (Okta SCIM Client)"}, activity.Unknown},
		{"capitalised ops", scim.Observation{Quirks: quirk.OpCase}, "entra"},
		{"True as a boolean", scim.Observation{Quirks: quirk.BoolStrings | quirk.ReadOnlyValues}, "entra"},
		{"dotted keys", scim.Observation{Quirks: quirk.PathlessPaths}, "entra"},
		{"remove by value: Entra or JumpCloud", scim.Observation{Quirks: quirk.RemoveByValue}, activity.Unknown},
		{"read-only values: Okta or Entra", scim.Observation{Quirks: quirk.ReadOnlyValues}, activity.Unknown},
		{"Go's agent", scim.Observation{UserAgent: "Go-http-client/1.1"}, activity.Unknown},
		{"nothing", scim.Observation{}, activity.Unknown},
	}
	for _, c := range cases {
		if got := activity.GuessIdP(c.ob); got != c.want {
			t.Errorf("%s: GuessIdP = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOutcomeAndTarget(t *testing.T) {
	for status, want := range map[int]activity.Outcome{200: activity.OK, 201: activity.OK, 204: activity.OK, 304: activity.OK,
		400: activity.ClientError, 401: activity.ClientError, 409: activity.ClientError, 500: activity.ServerError, 503: activity.ServerError} {
		if got := activity.OutcomeOf(status); got != want {
			t.Errorf("OutcomeOf(%d) = %q, want %q", status, got, want)
		}
	}
	for _, c := range []struct {
		e    activity.Entry
		want string
	}{
		{activity.Entry{Endpoint: "Users"}, "/Users"},
		{activity.Entry{Endpoint: "Users", ResourceID: "u1"}, "/Users/u1"},
		{activity.Entry{Endpoint: "Groups", Search: true}, "/Groups/.search"},
		{activity.Entry{Endpoint: ".search", Search: true}, "/.search"},
		{activity.Entry{}, "/"},
	} {
		if got := c.e.Target(); got != c.want {
			t.Errorf("Target of %+v = %q, want %q", c.e, got, c.want)
		}
	}
}

// listAll returns every entry of tenant, newest first.
func listAll(t *testing.T, s activity.Store, tenant string) []activity.Entry {
	t.Helper()
	var all []activity.Entry
	f := activity.Filter{Limit: activity.MaxLimit}
	for {
		got, next, err := s.List(context.Background(), tenant, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
		if next == "" {
			return all
		}
		f.Before = next
	}
}

// TestIdPOfScimtestFlows replays scimtest's IdP flows through a server
// wired with a Recorder and checks the IdP of every entry: Okta's flows
// carry Okta's User-Agent, so every entry is "okta" without a
// connection; Entra's carry none, so its entries are "entra" exactly when
// a tolerance only Entra needs fired; with a connection, its profile
// names the IdP of every request (JumpCloud has no User-Agent or shape of
// its own).
func TestIdPOfScimtestFlows(t *testing.T) {
	flows := []struct {
		name string
		run  func(*testing.T, scimtest.Target)
	}{{"Okta", scimtest.Okta}, {"Entra", scimtest.Entra}, {"JumpCloud", scimtest.JumpCloud}}
	for _, fl := range flows {
		t.Run(fl.name, func(t *testing.T) {
			mem := activity.NewMemoryStore(activity.Retention{})
			rec := activity.NewRecorder(mem, activity.Options{})
			target := scimtest.Target{Handler: server(t, rec.Observe), Token: token}
			if fl.name == "JumpCloud" {
				m := connection.NewManager(connection.NewMemoryStore(), connection.Options{})
				ctx := context.Background()
				if _, err := m.Save(ctx, connection.Connection{Tenant: "tenant-a", Enabled: true, Profile: connection.JumpCloud}); err != nil {
					t.Fatal(err)
				}
				secret, _, err := m.Issue(ctx, "tenant-a", "JumpCloud")
				if err != nil {
					t.Fatal(err)
				}
				srv, err := scim.New(scim.Config{Store: memory.New(), Authenticate: scim.ConnectionAuth(m, scim.ConnectionAuthOptions{Logger: slog.New(slog.DiscardHandler)}),
					Logger: slog.New(slog.DiscardHandler), Observe: rec.Observe})
				if err != nil {
					t.Fatal(err)
				}
				target = scimtest.Target{Handler: srv, Token: secret}
			}
			fl.run(t, target)
			if err := rec.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			all := listAll(t, mem, "tenant-a")
			if len(all) < 10 {
				t.Fatalf("%d entries for the %s flows", len(all), fl.name)
			}
			byIdP := map[string]int{}
			for _, e := range all {
				byIdP[e.IdP]++
				want := strings.ToLower(fl.name)
				if fl.name == "Entra" && !entraOnly(e.Quirks) {
					want = activity.Unknown
				}
				if e.IdP != want {
					t.Errorf("%s %s (quirks %v, agent %q): IdP %q, want %q", e.Method, e.Target(), e.Quirks, e.UserAgent, e.IdP, want)
				}
			}
			if byIdP[strings.ToLower(fl.name)] == 0 {
				t.Errorf("no entry is %s's: %v", fl.name, byIdP)
			}
			t.Logf("%d entries by IdP: %v", len(all), byIdP)
		})
	}
}

// entraOnly reports whether names holds a tolerance that only Entra's
// requests are known to need.
func entraOnly(names []string) bool {
	for _, n := range names {
		if n == "op-case" || strings.HasPrefix(n, "entra-") {
			return true
		}
	}
	return false
}

// TestRecorderKeepsDryRunAndEffects: a dry-run observation's flag and
// would-be effects reach the entry, bounded in number and length; an
// observation without effects has none.
func TestRecorderKeepsDryRunAndEffects(t *testing.T) {
	mem := activity.NewMemoryStore(activity.Retention{})
	rec := activity.NewRecorder(mem, activity.Options{})
	effects := []string{"user.created u-1", "user.updated " + strings.Repeat("x", 2000)}
	for i := range 100 {
		effects = append(effects, fmt.Sprintf("user.deleted u-%d", i))
	}
	ctx := context.Background()
	rec.Observe(ctx, scim.Observation{Tenant: "tenant-a", Method: "POST", Endpoint: "Users", Status: 201, DryRun: true, Effects: effects})
	rec.Observe(ctx, scim.Observation{Tenant: "tenant-a", Method: "GET", Endpoint: "Users", Status: 200, DryRun: true})
	rec.Observe(ctx, scim.Observation{Tenant: "tenant-a", Method: "GET", Endpoint: "Users", Status: 200})
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, _, _ := mem.List(ctx, "tenant-a", activity.Filter{})
	if len(got) != 3 {
		t.Fatalf("%d entries, want 3", len(got))
	}
	post, read, plain := got[2], got[1], got[0]
	if !post.DryRun || len(post.Effects) != activity.MaxEffects || post.Effects[0] != "user.created u-1" ||
		len(post.Effects[1]) != activity.MaxDetailBytes || post.Effects[activity.MaxEffects-1] != fmt.Sprintf("user.deleted u-%d", activity.MaxEffects-3) {
		t.Errorf("dry-run POST: DryRun %v, %d effects: %.80q", post.DryRun, len(post.Effects), post.Effects)
	}
	if !read.DryRun || read.Effects != nil {
		t.Errorf("dry-run GET: DryRun %v, effects %q; want true and none", read.DryRun, read.Effects)
	}
	if plain.DryRun || plain.Effects != nil {
		t.Errorf("GET without dry run: DryRun %v, effects %q", plain.DryRun, plain.Effects)
	}
}
