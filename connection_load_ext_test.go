package scim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scimkit/scim/connection"
)

// TestTokenRotationUnderLoad rotates a Secret Token while four clients
// send requests over a loopback listener, half with the old token and half
// with the new one: every request with the old token answered before
// Revoke begins succeeds, every one sent after it returns is 401, the new
// token never fails, and no request sees a 5xx. The load is bounded: 4
// clients of 300 requests each.
func TestTokenRotationUnderLoad(t *testing.T) {
	h := newConnHarness(t)
	tenant := uniqueTenant(t)
	old := h.enable(tenant, connection.Entra)
	fresh, _, err := h.m.Issue(context.Background(), tenant, "rotated")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := h.m.Tokens(context.Background(), tenant)
	if err != nil || len(toks) != 2 {
		t.Fatalf("Tokens = %+v, %v", toks, err)
	}
	srv := httptest.NewServer(h.h)
	defer srv.Close()

	const clients, perClient, revokeAfter = 4, 300, 400
	var sent atomic.Int64
	var revoking, revoked atomic.Bool // Revoke has begun; Revoke has returned
	var revokeOnce sync.Once
	type result struct {
		old, beforeRevoke, afterRevoke bool
		status                         int
	}
	results := make([][]result, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := srv.Client()
			for i := range perClient {
				if sent.Add(1) == revokeAfter {
					revokeOnce.Do(func() {
						revoking.Store(true)
						if err := h.m.Revoke(context.Background(), tenant, toks[0].ID); err != nil {
							t.Error(err)
						}
						revoked.Store(true)
					})
				}
				useOld := (i+c)%2 == 0
				tok := fresh
				if useOld {
					tok = old
				}
				after := revoked.Load() // sent after Revoke returned
				req, _ := http.NewRequest("GET", srv.URL+`/scim/v2/Users?filter=userName+eq+"nobody@example.com"`, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				before := !revoking.Load() // answered before Revoke began
				results[c] = append(results[c], result{old: useOld, beforeRevoke: before, afterRevoke: after, status: res.StatusCode})
			}
		}()
	}
	wg.Wait()
	var oldBefore, oldAfter, newOK int
	for _, rs := range results {
		for _, r := range rs {
			switch {
			case r.status >= 500:
				t.Errorf("a request answered %d", r.status)
			case !r.old && r.status != http.StatusOK:
				t.Errorf("the new token got %d", r.status)
			case !r.old:
				newOK++
			case r.beforeRevoke && r.status != http.StatusOK:
				t.Errorf("the old token got %d before it was revoked", r.status)
			case r.afterRevoke && r.status != http.StatusUnauthorized:
				t.Errorf("the old token got %d after it was revoked", r.status)
			case r.afterRevoke:
				oldAfter++
			case r.beforeRevoke:
				oldBefore++
			}
			// A request in flight while Revoke ran may get either.
		}
	}
	if oldBefore == 0 || oldAfter == 0 || newOK != clients*perClient/2 {
		t.Errorf("old token %d ok before and %d refused after revocation, new token %d ok: the run did not cover rotation", oldBefore, oldAfter, newOK)
	}
}
