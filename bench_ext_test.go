package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// BenchmarkPatchAddMember measures Entra's member-add PATCH through the
// handler on groups of 100 and 100,000 members: with the memory store's
// membership fast path the cost must not grow with the group (within 2x;
// docs/benchmarks.md).
func BenchmarkPatchAddMember(b *testing.B) {
	for _, size := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			st := memory.New()
			srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
			if err != nil {
				b.Fatal(err)
			}
			ctx := store.WithTenant(context.Background(), "")
			g := &resource.Group{ID: "g", DisplayName: "All"}
			for i := 0; i < size; i++ {
				g.Members = append(g.Members, resource.Member{Value: fmt.Sprintf("m%d", i), Type: "User"})
			}
			if _, err := st.CreateGroup(ctx, g); err != nil {
				b.Fatal(err)
			}
			// The member added must name a user of the tenant.
			if _, err := st.CreateUser(ctx, &resource.User{ID: "new", UserName: "new"}); err != nil {
				b.Fatal(err)
			}
			add := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"new"}]}]}`
			remove := strings.Replace(add, `"Add"`, `"Remove"`, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				body := add
				if i%2 == 1 {
					body = remove // keep the size constant
				}
				req := httptest.NewRequest("PATCH", "/Groups/g", strings.NewReader(body))
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkPatchRenameGroup measures a displayName PATCH through the
// handler on groups of 10 and 100,000 members: with the memory store's
// GroupAttributesReplacer the members are neither read nor written, so
// the cost must not grow with the group.
func BenchmarkPatchRenameGroup(b *testing.B) {
	for _, size := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			st := memory.New()
			srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
			if err != nil {
				b.Fatal(err)
			}
			ctx := store.WithTenant(context.Background(), "")
			g := &resource.Group{ID: "g", DisplayName: "All"}
			for i := 0; i < size; i++ {
				g.Members = append(g.Members, resource.Member{Value: fmt.Sprintf("m%d", i), Type: "User"})
			}
			if _, err := st.CreateGroup(ctx, g); err != nil {
				b.Fatal(err)
			}
			rename := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"All %d"}]}`
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				req := httptest.NewRequest("PATCH", "/Groups/g", strings.NewReader(fmt.Sprintf(rename, i)))
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			if got, err := st.GetGroup(ctx, "g", store.WithMembers); err != nil || len(got.Members) != size {
				b.Fatalf("after the renames: %v, %d members", err, len(got.Members))
			}
		})
	}
}

// BenchmarkEntraLookup measures Entra's lookup before a create through the
// handler: GET /Users?filter=userName eq "<name>" among 10,000 users of
// the memory store, answered with a one-user ListResponse.
func BenchmarkEntraLookup(b *testing.B) {
	st := memory.New()
	srv, err := scim.New(scim.Config{Store: st, Authenticate: scim.NoAuthentication})
	if err != nil {
		b.Fatal(err)
	}
	ctx := store.WithTenant(context.Background(), "")
	const n = 10_000
	reqs := make([]*http.Request, 0, 64)
	for i := range n {
		name := fmt.Sprintf("user%d@example.com", i)
		if _, err := st.CreateUser(ctx, &resource.User{ID: fmt.Sprint(i), UserName: name}); err != nil {
			b.Fatal(err)
		}
		if i%(n/64) == 0 {
			reqs = append(reqs, httptest.NewRequest("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), nil))
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, reqs[i%len(reqs)])
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"totalResults":1,`) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

// BenchmarkEntraUserPatch measures a typical Entra user update through the
// handler: capitalised ops, a filtered email, a name part, the enterprise
// department and "False"/"True" for active, alternating so that every
// request writes.
func BenchmarkEntraUserPatch(b *testing.B) {
	benchEntraUserPatch(b, scim.Config{Store: memory.New(), Authenticate: scim.NoAuthentication})
}

// benchEntraUserPatch runs BenchmarkEntraUserPatch's requests against a
// server of cfg.
func benchEntraUserPatch(b *testing.B, cfg scim.Config) {
	st := cfg.Store
	srv, err := scim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := store.WithTenant(context.Background(), "")
	yes := true
	u := &resource.User{ID: "u", UserName: "bjensen@example.com", Active: &yes,
		Name:   &resource.Name{GivenName: "Barbara", FamilyName: "Jensen"},
		Emails: []resource.MultiValue{{Value: "bjensen@example.com", Type: "work", Primary: &yes}}}
	if _, err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	runEntraUserPatch(b, srv)
}

// entraUserPatchBodies are BenchmarkEntraUserPatch's two requests, which
// alternate so that every request writes.
var entraUserPatchBodies = func() [2]string {
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
	{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updatedEmail%[1]d@microsoft.com"},
	{"op":"Replace","path":"name.familyName","value":"updatedFamilyName%[1]d"},
	{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engineering%[1]d"},
	{"op":"Replace","path":"active","value":"%[2]s"}]}`
	return [2]string{fmt.Sprintf(body, 0, "False"), fmt.Sprintf(body, 1, "True")}
}()

// runEntraUserPatch sends BenchmarkEntraUserPatch's requests for user "u"
// to h, each answered 200.
func runEntraUserPatch(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest("PATCH", "/Users/u", strings.NewReader(entraUserPatchBodies[i%2]))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

// BenchmarkEntraUserPatchEvents is BenchmarkEntraUserPatch with change
// events: "off" (no Config.Events, a store that writes none: nothing is
// built), "Config.Events" (the handler delivers each event to a no-op
// handler) and "EventWriter" (the memory store writes them to its log).
func BenchmarkEntraUserPatchEvents(b *testing.B) {
	for _, mode := range []string{"off", "Config.Events", "EventWriter"} {
		b.Run(mode, func(b *testing.B) {
			cfg := scim.Config{Store: memory.New(), Authenticate: scim.NoAuthentication}
			switch mode {
			case "Config.Events":
				cfg.Events = event.HandlerFunc(func(context.Context, event.Event) error { return nil })
			case "EventWriter":
				cfg.Store = memory.New(memory.WithEventLog(event.NewLog(event.LogOptions{MaxEvents: 1000})))
			}
			benchEntraUserPatch(b, cfg)
		})
	}
}
