package scim_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// discard is a ResponseWriter that keeps nothing of the body, so that a
// measure of a GET counts the handler's memory, not the client's.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

// largeGroupStores are the stores the large-group measures run on.
var largeGroupStores = []struct {
	name string
	new  func(tb testing.TB) store.Store
}{
	{"memory", func(tb testing.TB) store.Store { return memory.New() }},
	{"sqlite", func(tb testing.TB) store.Store { return openSQLStore(tb, sqliteTestDB(tb), sqlstore.SQLite) }},
	{"postgres", func(tb testing.TB) store.Store {
		return openSQLStore(tb, postgresTestDB(tb, postgresTestSchema(tb)), sqlstore.Postgres)
	}},
}

// seedLargeGroup stores group "big" of tenant-a with n members as an
// identity provider leaves them: UUID-like ids, a display and a type. The
// members name no user (the stores do not check; the handler would).
func seedLargeGroup(tb testing.TB, st store.Store, n int) {
	tb.Helper()
	g := &resource.Group{ID: "big", DisplayName: "All employees", Meta: resource.Meta{Created: testNow, LastModified: testNow}}
	g.Members = make([]resource.Member, n)
	for i := range g.Members {
		g.Members[i] = resource.Member{Value: fmt.Sprintf("6f1c2a4e-%04x-4b7d-9e3a-%012x", i%65536, i), Type: "User", Display: fmt.Sprintf("Employee Number %06d", i)}
	}
	if _, err := st.CreateGroup(store.WithTenant(context.Background(), "tenant-a"), g); err != nil {
		tb.Fatal(err)
	}
}

// largeGroupServer is the handler over st, streaming or (whole) reading
// the group with GetGroup as before streaming.
func largeGroupServer(tb testing.TB, st store.Store, whole bool) http.Handler {
	tb.Helper()
	if whole {
		st = notStreaming{st}
	}
	var tokens scim.Tokens
	tokens.Add(testToken, "tenant-a")
	srv, err := scim.New(scim.Config{Store: st, Authenticate: tokens.Authenticate})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// getLargeGroup GETs /Groups/big and returns the body's size.
func getLargeGroup(tb testing.TB, h http.Handler) int {
	req := httptest.NewRequest("GET", "http://scim.example.com/Groups/big", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status != http.StatusOK || w.n == 0 {
		tb.Fatalf("GET /Groups/big: status %d, %d bytes", w.status, w.n)
	}
	return w.n
}

// BenchmarkLargeGroupGet measures GET /Groups/{id} of a group of 10,000
// and 100,000 members on each store, whole (GetGroup, the answer
// buffered) and streamed (GroupStreamer), in bytes allocated per GET.
func BenchmarkLargeGroupGet(b *testing.B) {
	for _, sc := range largeGroupStores {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%dk", sc.name, n/1000), func(b *testing.B) {
				st := sc.new(b)
				seedLargeGroup(b, st, n)
				for _, mode := range []string{"whole", "streamed"} {
					b.Run(mode, func(b *testing.B) {
						h := largeGroupServer(b, st, mode == "whole")
						size := getLargeGroup(b, h)
						b.ReportAllocs()
						b.ResetTimer()
						for b.Loop() {
							getLargeGroup(b, h)
						}
						b.ReportMetric(float64(size), "body-B")
					})
				}
			})
		}
	}
}

// TestLargeGroupGetPeakRSS measures the peak resident memory of one GET
// of a large group, whole and streamed, on each store at 10,000 and
// 100,000 members, each in a process of its own (this test binary run
// again), which resets its peak (VmHWM) after storing the group and reads
// it after the GET. It runs with SCIM_LARGE_GROUP_RSS=1 and logs a table.
func TestLargeGroupGetPeakRSS(t *testing.T) {
	if spec := os.Getenv("SCIM_LARGE_GROUP_RSS_CHILD"); spec != "" {
		largeGroupRSSChild(t, spec)
		return
	}
	if os.Getenv("SCIM_LARGE_GROUP_RSS") == "" {
		t.Skip("set SCIM_LARGE_GROUP_RSS=1 to measure the peak RSS of a large group's GET")
	}
	var rows []string
	for _, sc := range largeGroupStores {
		for _, n := range []int{10_000, 100_000} {
			for _, mode := range []string{"whole", "streamed"} {
				spec := fmt.Sprintf("%s/%d/%s", sc.name, n, mode)
				cmd := exec.Command(os.Args[0], "-test.run=^TestLargeGroupGetPeakRSS$", "-test.v")
				cmd.Env = append(os.Environ(), "SCIM_LARGE_GROUP_RSS_CHILD="+spec)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s: %v\n%s", spec, err, out)
				}
				res := ""
				for line := range strings.Lines(string(out)) {
					if _, r, ok := strings.Cut(line, "RSS-RESULT "); ok {
						res = strings.TrimSpace(r)
					}
				}
				if res == "" {
					if strings.Contains(string(out), "SKIP") {
						t.Logf("%s: skipped\n%s", spec, out)
						continue
					}
					t.Fatalf("%s: no result\n%s", spec, out)
				}
				rows = append(rows, fmt.Sprintf("%-30s %s", spec, res))
			}
		}
	}
	t.Logf("GET /Groups/{id}, peak RSS over the RSS before the GET (and bytes allocated):\n%s", strings.Join(rows, "\n"))
}

// largeGroupRSSChild is the measuring process of TestLargeGroupGetPeakRSS.
func largeGroupRSSChild(t *testing.T, spec string) {
	parts := strings.Split(spec, "/")
	n, _ := strconv.Atoi(parts[1])
	for _, sc := range largeGroupStores {
		if sc.name != parts[0] {
			continue
		}
		st := sc.new(t)
		seedLargeGroup(t, st, n)
		h := largeGroupServer(t, st, parts[2] == "whole")
		runtime.GC()
		debug.FreeOSMemory()
		// Writing 5 to clear_refs resets VmHWM to the current RSS.
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			t.Skipf("cannot reset the peak RSS: %v", err)
		}
		before := procStatus(t, "VmRSS")
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		size := getLargeGroup(t, h)
		runtime.ReadMemStats(&ms1)
		peak := procStatus(t, "VmHWM")
		fmt.Printf("RSS-RESULT body %5.1f MB  peak RSS +%6.1f MB (VmHWM %6.1f MB)  allocated %6.1f MB\n",
			float64(size)/1e6, float64(peak-before)/1024, float64(peak)/1024, float64(ms1.TotalAlloc-ms0.TotalAlloc)/1e6)
		return
	}
	t.Fatalf("unknown store in %q", spec)
}

// procStatus reads a field of /proc/self/status, in kB.
func procStatus(t *testing.T, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}
