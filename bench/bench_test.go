package bench

import (
	"encoding/json"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// benchUsers is the size of the data set of the Entra lookup bar.
const benchUsers = 100_000

// ringSize is how many distinct prebuilt requests a benchmark rotates
// through; each names a different user chosen at random from the set.
const ringSize = 4096

// fixture is the data set and the three servers, loaded once per process.
type fixture struct {
	data    *Dataset
	servers []namedServer
}

type namedServer struct {
	name string
	h    http.Handler
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

func loadFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixOnce.Do(func() {
		d := NewDataset(benchUsers)
		sk, err := NewScimkit(d) // first: it records the store's versions in d
		if err != nil {
			fixErr = err
			return
		}
		el, err := NewElimity(d)
		if err != nil {
			fixErr = err
			return
		}
		fix = fixture{data: d, servers: []namedServer{{"scimkit", sk}, {"bare", NewBare(d)}, {"elimity", el}}}
	})
	if fixErr != nil {
		tb.Fatal(fixErr)
	}
	return &fix
}

// newRequest returns an authenticated GET of target.
func newRequest(target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Authorization", "Bearer "+Token)
	r.Header.Set("Accept", "application/scim+json")
	return r
}

// lookupTarget is Entra's lookup before a create: GET /Users?filter=userName eq "<name>".
func lookupTarget(name string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`)
}

// ring returns ringSize requests built by target from random users.
func ring(d *Dataset, seed uint64, target func(u *User) string) []*http.Request {
	rng := rand.New(rand.NewPCG(seed, 7))
	reqs := make([]*http.Request, ringSize)
	for i := range reqs {
		reqs[i] = newRequest(target(&d.Users[rng.IntN(len(d.Users))]))
	}
	return reqs
}

// recorder is a reusable minimal http.ResponseWriter, the same for the
// three servers, so that the benchmark measures the handlers only.
type recorder struct {
	h    http.Header
	code int
	body []byte
}

func newRecorder() *recorder { return &recorder{h: make(http.Header)} }

func (w *recorder) Header() http.Header { return w.h }

func (w *recorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, b...)
	return len(b), nil
}

func (w *recorder) reset() {
	clear(w.h)
	w.code = 0
	w.body = w.body[:0]
}

// serve runs reqs round-robin against each server as a sub-benchmark.
func serve(b *testing.B, f *fixture, reqs []*http.Request) {
	for _, s := range f.servers {
		b.Run(s.name, func(b *testing.B) {
			w := newRecorder()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w.reset()
				s.h.ServeHTTP(w, reqs[i%len(reqs)])
				if w.code != http.StatusOK {
					b.Fatalf("status %d: %s", w.code, w.body)
				}
				i++
			}
		})
	}
}

// BenchmarkEntraLookup is the bar of DESIGN.md: Entra's lookup of an
// existing user by userName among 100,000 users.
func BenchmarkEntraLookup(b *testing.B) {
	f := loadFixture(b)
	serve(b, f, ring(f.data, 1, func(u *User) string { return lookupTarget(u.UserName) }))
}

// BenchmarkEntraLookupMiss is Entra's Test Connection: a lookup of a random
// GUID that matches nobody, answered with an empty ListResponse.
func BenchmarkEntraLookupMiss(b *testing.B) {
	f := loadFixture(b)
	rng := rand.New(rand.NewPCG(3, 4))
	reqs := make([]*http.Request, ringSize)
	for i := range reqs {
		reqs[i] = newRequest(lookupTarget(RandomUUID(rng)))
	}
	serve(b, f, reqs)
}

// BenchmarkGetByID is GET /Users/{id} of an existing user.
func BenchmarkGetByID(b *testing.B) {
	f := loadFixture(b)
	serve(b, f, ring(f.data, 2, func(u *User) string { return "/Users/" + u.ID }))
}

// The shapes every server's answer is decoded into for comparison.
type (
	normName struct {
		Formatted  string `json:"formatted"`
		FamilyName string `json:"familyName"`
		GivenName  string `json:"givenName"`
	}
	normEmail struct {
		Value   string `json:"value"`
		Type    string `json:"type"`
		Primary bool   `json:"primary"`
	}
	normMeta struct {
		ResourceType string    `json:"resourceType"`
		Created      time.Time `json:"created"`
		LastModified time.Time `json:"lastModified"`
		Location     string    `json:"location"`
		Version      string    `json:"version"`
	}
	normUser struct {
		Schemas  []string    `json:"schemas"`
		ID       string      `json:"id"`
		UserName string      `json:"userName"`
		Name     normName    `json:"name"`
		Emails   []normEmail `json:"emails"`
		Active   bool        `json:"active"`
		Meta     normMeta    `json:"meta"`
		// Keys is the sorted set of the resource's top-level keys, so that
		// a server returning more attributes than the others is caught.
		Keys []string `json:"-"`
	}
	normList struct {
		Schemas      []string   `json:"schemas"`
		TotalResults int        `json:"totalResults"`
		Resources    []normUser `json:"Resources"`
	}
)

// decodeUser decodes one resource and records its top-level keys.
func decodeUser(t *testing.T, raw json.RawMessage) normUser {
	t.Helper()
	var u normUser
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	for k := range keys {
		u.Keys = append(u.Keys, k)
	}
	slices.Sort(u.Keys)
	return u
}

// TestServersAgree checks that the three servers return the same content
// for each benchmarked request, so that the benchmarks compare equal work.
func TestServersAgree(t *testing.T) {
	f := loadFixture(t)
	u := f.data.Users[4242]
	want := normUser{
		Schemas:  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		ID:       u.ID,
		UserName: u.UserName,
		Name:     normName{Formatted: u.GivenName + " " + u.FamilyName, FamilyName: u.FamilyName, GivenName: u.GivenName},
		Emails:   []normEmail{{Value: u.Email, Type: "work", Primary: true}},
		Active:   true,
		Meta: normMeta{
			ResourceType: "User", Created: u.Created, LastModified: u.Modified,
			Location: BaseURL + "/Users/" + u.ID, Version: `W/"` + u.Version + `"`,
		},
		Keys: []string{"active", "emails", "id", "meta", "name", "schemas", "userName"},
	}
	listSchemas := []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}
	tests := []struct {
		name   string
		target string
		list   bool
		want   normList
	}{
		{
			name:   "lookup hit",
			target: lookupTarget(u.UserName),
			list:   true,
			want:   normList{Schemas: listSchemas, TotalResults: 1, Resources: []normUser{want}},
		},
		{
			// Entra lower-cases nothing, but userName is caseExact false
			// (RFC 7643 §4.1.1): every server must match case-insensitively.
			name:   "lookup other case",
			target: lookupTarget(u.GivenName + "." + u.FamilyName + "004242@CONTOSO.COM"),
			list:   true,
			want:   normList{Schemas: listSchemas, TotalResults: 1, Resources: []normUser{want}},
		},
		{
			name:   "lookup miss",
			target: lookupTarget("0b6f4a1e-3c2d-4e5f-8a9b-1c2d3e4f5a6b"),
			list:   true,
			want:   normList{Schemas: listSchemas, TotalResults: 0, Resources: []normUser{}},
		},
		{
			name:   "get by id",
			target: "/Users/" + u.ID,
			want:   normList{Resources: []normUser{want}},
		},
	}
	for _, tt := range tests {
		for _, s := range f.servers {
			t.Run(tt.name+"/"+s.name, func(t *testing.T) {
				w := httptest.NewRecorder()
				s.h.ServeHTTP(w, newRequest(tt.target))
				if w.Code != http.StatusOK {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt != "application/scim+json" {
					t.Errorf("Content-Type = %q, want application/scim+json", w.Header().Get("Content-Type"))
				}
				var got normList
				if tt.list {
					var raw struct {
						normList
						Resources []json.RawMessage `json:"Resources"`
					}
					if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
						t.Fatalf("decoding %s: %v", w.Body, err)
					}
					got = raw.normList
					got.Resources = []normUser{}
					for _, r := range raw.Resources {
						got.Resources = append(got.Resources, decodeUser(t, r))
					}
				} else {
					got.Resources = []normUser{decodeUser(t, w.Body.Bytes())}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s %s: body mismatch (-want +got):\n%s\nbody: %s", s.name, tt.target, diff, w.Body)
				}
			})
		}
	}
}
