package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// streamCounter is a memory store that counts how a group is read.
type streamCounter struct {
	*memory.Store
	streams, batches, withMembers atomic.Int64
}

func (c *streamCounter) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	if m == store.WithMembers {
		c.withMembers.Add(1)
	}
	return c.Store.GetGroup(ctx, id, m)
}

func (c *streamCounter) StreamGroup(ctx context.Context, id string, max int, head func(*resource.Group) error, batch func([]resource.Member) error) error {
	c.streams.Add(1)
	return c.Store.StreamGroup(ctx, id, max, head, func(ms []resource.Member) error {
		c.batches.Add(1)
		return batch(ms)
	})
}

// notStreaming hides the store's GroupStreamer: the handler reads the
// group with GetGroup, as before streaming.
type notStreaming struct{ store.Store }

// seedGroup creates, in tenant-a of st, group "big" with n members (users
// u0..., with a display that needs escaping, and every tenth a group),
// and returns its version.
func seedGroup(t testing.TB, st store.Store, n int) string {
	t.Helper()
	ctx := store.WithTenant(context.Background(), "tenant-a")
	g := &resource.Group{ID: "big", ExternalID: "ext-big", DisplayName: "Everyone \"all\" <&>",
		Extra: map[string]json.RawMessage{"note": json.RawMessage(`"kept"`)},
		Meta:  resource.Meta{ResourceType: "Group", Created: testNow, LastModified: testNow}}
	for i := range n {
		id := fmt.Sprintf("m%06d", i)
		if i%10 == 9 {
			if _, err := st.CreateGroup(ctx, &resource.Group{ID: id, DisplayName: "Team " + id}); err != nil {
				t.Fatal(err)
			}
			g.Members = append(g.Members, resource.Member{Value: id, Type: "Group", Display: "Team " + id})
			continue
		}
		if _, err := st.CreateUser(ctx, &resource.User{ID: id, UserName: id + "@example.com"}); err != nil {
			t.Fatal(err)
		}
		m := resource.Member{Value: id, Type: "User", Display: "Ünïcode \"" + id + "\"\t<b>"}
		if i%7 == 3 {
			m.Display = "" // no display
		}
		g.Members = append(g.Members, m)
	}
	got, err := st.CreateGroup(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	return got.Meta.Version
}

// streamProjections are the projections of the tests, and whether each
// returns members.
var streamProjections = []struct {
	q       string
	members bool
}{
	{"", true}, {"?attributes=members", true}, {"?attributes=members.value", true}, {"?attributes=displayName", false},
	{"?excludedAttributes=members", false}, {"?excludedAttributes=meta", true}, {"?excludedAttributes=members.display", true},
	{"?attributes=members.$ref,members.type", true}, {"?attributes=meta.version,externalId", false},
	{"?excludedAttributes=members.value,displayName", true},
}

// A GET of a group from a store that streams is, byte for byte, the
// answer of the same group read whole: head, members batch by batch
// with their $ref, type and display, and tail, under every projection.
// A large group is written as it is read (no Content-Length: the body is
// not buffered whole), with GetGroup never asked for the members.
func TestGroupGetStreamedIsByteIdentical(t *testing.T) {
	for _, n := range []int{0, 1, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sc := &streamCounter{Store: memory.New()}
			version := seedGroup(t, sc.Store, n)
			streamed := newHarness(t, func(c *scim.Config) { c.Store = sc })
			whole := newHarness(t, func(c *scim.Config) { c.Store = notStreaming{sc.Store} })
			for _, p := range streamProjections {
				q := p.q
				sc.streams.Store(0)
				sc.withMembers.Store(0)
				want := whole.do("GET", "/scim/v2/Groups/big"+q, "").expect(t, http.StatusOK)
				got := streamed.do("GET", "/scim/v2/Groups/big"+q, "").expect(t, http.StatusOK)
				if !bytes.Equal(got.body, want.body) {
					t.Errorf("GET%s: streamed body differs from the whole one\n got: %.300s\nwant: %.300s", q, got.body, want.body)
				}
				if !json.Valid(got.body) {
					t.Errorf("GET%s: body is not JSON", q)
				}
				if e := got.header.Get("ETag"); e != `W/"`+version+`"` || e != want.header.Get("ETag") {
					t.Errorf("GET%s: ETag %q, want %q", q, e, want.header.Get("ETag"))
				}
				members := p.members
				if members && sc.streams.Load() != 1 {
					t.Errorf("GET%s: StreamGroup called %d times, want once", q, sc.streams.Load())
				}
				if !members && sc.streams.Load() != 0 {
					t.Errorf("GET%s: members are not returned, but the group was streamed", q)
				}
				if sc.withMembers.Load() != 0 {
					t.Errorf("GET%s: GetGroup read the members %d times", q, sc.withMembers.Load())
				}
				large := members && n > 1000
				if cl := got.header.Get("Content-Length"); large && cl != "" {
					t.Errorf("GET%s of %d members: Content-Length %s, want the body written as read", q, n, cl)
				} else if !large && cl != fmt.Sprint(len(want.body)) {
					t.Errorf("GET%s of %d members: Content-Length %q, want %d as for the whole group", q, n, cl, len(want.body))
				}
			}
		})
	}
}

// If-None-Match naming the version is 304 from the head alone: no member
// is read.
func TestGroupGetStreamedNotModified(t *testing.T) {
	sc := &streamCounter{Store: memory.New()}
	version := seedGroup(t, sc.Store, 2500)
	h := newHarness(t, func(c *scim.Config) { c.Store = sc })
	res := h.do("GET", "/scim/v2/Groups/big", "", `If-None-Match: W/"`+version+`"`).expect(t, http.StatusNotModified)
	assert.Equal(t, res.header.Get("ETag"), `W/"`+version+`"`)
	assert.Equal(t, len(res.body), 0)
	assert.Equal(t, sc.batches.Load(), int64(0))
	assert.Equal(t, sc.withMembers.Load(), int64(0))
	res = h.do("GET", "/scim/v2/Groups/big", "", `If-None-Match: W/"other"`).expect(t, http.StatusOK)
	if !json.Valid(res.body) || sc.batches.Load() != 3 {
		t.Errorf("GET with another If-None-Match: %d batches, valid JSON %v", sc.batches.Load(), json.Valid(res.body))
	}
}

// failingStream is a memory store whose StreamGroup fails, as a database
// lost mid-stream would, at its n-th batch (1-based).
type failingStream struct {
	*memory.Store
	n int
}

func (f failingStream) StreamGroup(ctx context.Context, id string, max int, head func(*resource.Group) error, batch func([]resource.Member) error) error {
	k := 0
	lost := fmt.Errorf("%w: connection reset", store.ErrUnavailable)
	err := f.Store.StreamGroup(ctx, id, max, head, func(ms []resource.Member) error {
		if k++; k == f.n {
			return lost
		}
		return batch(ms)
	})
	return err
}

// Errors before the first byte of the body are SCIM errors: 404 for a
// group that is not there, 503 with Retry-After for a store failing on
// the first batch.
func TestGroupGetStreamedErrorsBeforeTheBody(t *testing.T) {
	st := memory.New()
	seedGroup(t, st, 2500)
	h := newHarness(t, func(c *scim.Config) { c.Store = failingStream{st, 1} })
	res := h.do("GET", "/scim/v2/Groups/nothing", "").expect(t, http.StatusNotFound)
	assert.JSONEqual(t, res.body, []byte(errorBody(404, "", `Group "nothing" not found`)))
	res = h.do("GET", "/scim/v2/Groups/big", "").expect(t, http.StatusServiceUnavailable)
	if res.header.Get("Retry-After") == "" || res.header.Get("ETag") != "" {
		t.Errorf("503 headers: %v", res.header)
	}
	assert.Equal(t, res.json(t)["status"], any("503"))
}

// An error after the body started cannot change the status: the response
// is aborted (the client sees a truncated body, never a complete JSON
// document) and the error is logged.
func TestGroupGetStreamedErrorAfterTheBodyAborts(t *testing.T) {
	st := memory.New()
	seedGroup(t, st, 2500)
	h := newHarness(t, func(c *scim.Config) { c.Store = failingStream{st, 2} })
	// Through the handler: it panics with http.ErrAbortHandler.
	req := httptest.NewRequest("GET", "http://scim.example.com/scim/v2/Groups/big", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		h.h.ServeHTTP(rec, req)
	}()
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 || json.Valid(rec.Body.Bytes()) {
		t.Errorf("aborted response: status %d, %d bytes, valid JSON %v", rec.Code, rec.Body.Len(), json.Valid(rec.Body.Bytes()))
	}
	if l := h.log.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "connection reset") {
		t.Errorf("log: %s", l)
	}
	// Over HTTP: the client's read of the body fails.
	srv := httptest.NewServer(h.h)
	defer srv.Close()
	creq, _ := http.NewRequest("GET", srv.URL+"/scim/v2/Groups/big", nil)
	creq.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := srv.Client().Do(creq)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || json.Valid(body) {
		t.Errorf("client read %d bytes, error %v, valid JSON %v; want a failed read", len(body), err, json.Valid(body))
	}
}

// failingWriter is a ResponseWriter whose connection breaks after limit
// bytes.
type failingWriter struct {
	*httptest.ResponseRecorder
	limit int
}

func (w *failingWriter) Write(b []byte) (int, error) {
	if w.Body.Len()+len(b) > w.limit {
		return 0, errors.New("write: broken pipe")
	}
	return w.ResponseRecorder.Write(b)
}

// A client that goes away mid-stream stops the store's reading: the
// stream ends at the batch whose write failed.
func TestGroupGetStreamedClientGone(t *testing.T) {
	sc := &streamCounter{Store: memory.New()}
	seedGroup(t, sc.Store, 2500)
	h := newHarness(t, func(c *scim.Config) { c.Store = sc })
	req := httptest.NewRequest("GET", "http://scim.example.com/scim/v2/Groups/big", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	w := &failingWriter{ResponseRecorder: httptest.NewRecorder(), limit: 1000}
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		h.h.ServeHTTP(w, req)
	}()
	if n := sc.batches.Load(); n != 1 {
		t.Errorf("%d batches read for a client gone at the first write, want 1", n)
	}
}
