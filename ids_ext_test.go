package scim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// idSpy is a store that records every id it is asked about.
type idSpy struct {
	store.Store
	ids []string
}

func (s *idSpy) GetUser(ctx context.Context, id string) (*resource.User, error) {
	s.ids = append(s.ids, id)
	return s.Store.GetUser(ctx, id)
}

func (s *idSpy) ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error) {
	s.ids = append(s.ids, u.ID)
	return s.Store.ReplaceUser(ctx, u, version)
}

func (s *idSpy) DeleteUser(ctx context.Context, id, version string) error {
	s.ids = append(s.ids, id)
	return s.Store.DeleteUser(ctx, id, version)
}

func (s *idSpy) GetGroup(ctx context.Context, id string, m store.Members) (*resource.Group, error) {
	s.ids = append(s.ids, id)
	return s.Store.GetGroup(ctx, id, m)
}

func (s *idSpy) DeleteGroup(ctx context.Context, id, version string) error {
	s.ids = append(s.ids, id)
	return s.Store.DeleteGroup(ctx, id, version)
}

// TestImpossibleIDIs404BeforeTheStore: an id in the path that no store can
// hold (not UTF-8, a lone surrogate, an overlong encoding, NUL, longer
// than scim.MaxIDBytes) is answered 404 by the handler on every method,
// and the store is never asked about it.
func TestImpossibleIDIs404BeforeTheStore(t *testing.T) {
	spy := &idSpy{Store: memory.New()}
	h := newHarness(t, func(c *scim.Config) { c.Store = spy })
	ids := []string{"%FF", "%C0%AF", "%ED%A0%80", "a%00b", "%00", strings.Repeat("x", scim.MaxIDBytes+1)}
	for _, id := range ids {
		for _, ep := range []string{"Users", "Groups"} {
			for _, m := range []struct{ method, body string }{
				{"GET", ""}, {"DELETE", ""},
				{"PUT", `{"userName":"x","displayName":"x"}`},
				{"PATCH", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
			} {
				res := h.do(m.method, "/scim/v2/"+ep+"/"+id, m.body)
				if res.status != http.StatusNotFound {
					t.Errorf("%s /%s/%.20s: status %d, want 404; body %s", m.method, ep, id, res.status, res.body)
				}
			}
		}
	}
	if len(spy.ids) != 0 {
		t.Errorf("the store was asked about %d impossible ids, the first %.40q", len(spy.ids), spy.ids[0])
	}
	spy.ids = nil
	// The longest possible id still reaches the store (and is not found).
	longest := strings.Repeat("x", scim.MaxIDBytes)
	h.do("GET", "/scim/v2/Users/"+longest, "").expect(t, http.StatusNotFound)
	h.do("GET", "/scim/v2/Users/%C3%A9t%C3%A9", "").expect(t, http.StatusNotFound)
	if want := []string{longest, "été"}; len(spy.ids) != 2 || spy.ids[0] != want[0] || spy.ids[1] != want[1] {
		t.Errorf("store asked about %d ids, want the longest possible id and %q", len(spy.ids), want[1])
	}
}

// TestImpossibleIDOverHTTP sends the ids as raw request targets through a
// real listener, as a hostile client does.
func TestImpossibleIDOverHTTP(t *testing.T) {
	h := newHarness(t, nil)
	ts := httptest.NewServer(h.h)
	defer ts.Close()
	for _, id := range []string{"%FF", "%C0%AF", "%ED%A0%80", "%00"} {
		req, err := http.NewRequest("GET", ts.URL+"/scim/v2/Users/"+id, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET /Users/%s: %d, want 404", id, resp.StatusCode)
		}
	}
}
