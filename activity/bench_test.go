package activity_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/activity"
)

// BenchmarkLookup is Entra's hottest request, GET /Users?filter=userName
// eq "...", on the memory store holding 1,000 users, without Observe and
// with an Observe that does nothing (the handler's own cost of observing),
// and with a Recorder over the memory activity store wired as Observe.
func BenchmarkLookup(b *testing.B) {
	for _, bc := range []struct {
		name    string
		observe func(b *testing.B) func(context.Context, scim.Observation)
	}{
		{"without_recorder", func(*testing.B) func(context.Context, scim.Observation) { return nil }},
		{"with_noop_observe", func(*testing.B) func(context.Context, scim.Observation) {
			return func(context.Context, scim.Observation) {}
		}},
		{"with_recorder", func(b *testing.B) func(context.Context, scim.Observation) {
			rec := activity.NewRecorder(activity.NewMemoryStore(activity.Retention{}), activity.Options{})
			b.Cleanup(func() {
				_ = rec.Close(context.Background())
				st := rec.Stats()
				b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
			})
			return rec.Observe
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := server(b, bc.observe(b))
			for i := range 1000 {
				if w := send(h, req{"POST", "/Users", fmt.Sprintf(`{"userName":"user-%d@example.com","active":true}`, i), nil}, token); w.Code != http.StatusCreated {
					b.Fatalf("create: %d %s", w.Code, w.Body)
				}
			}
			r := httptest.NewRequest("GET", "http://scim.test/Users?filter=userName+eq+%22user-500@example.com%22", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			r.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("lookup: %d %s", w.Code, w.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w.Body.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
