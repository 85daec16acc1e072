package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/bench"
)

// sample is what one workload measured on one server.
type sample struct {
	lat  []time.Duration // per operation
	cpu  time.Duration   // server CPU (app + its database backends)
	n    int             // operations
	wall time.Duration   // time spent driving it
	err  string          // why it stopped, if it did
}

func (s *sample) add(o *sample) {
	s.lat = append(s.lat, o.lat...)
	s.cpu += o.cpu
	s.n += o.n
	s.wall += o.wall
}

// walkResult is the list walk of one server.
type walkResult struct {
	offsets []int           // startIndex of each page fetched
	lat     []time.Duration // latency of each page
	cpu     []time.Duration // server CPU of each page
	total   int             // totalResults
	skipped int             // startIndex the walk jumped to after the cap, 0 if none
	err     string
}

// sizePoint is the lookup at one store size.
type sizePoint struct {
	users    int
	p50, p99 time.Duration
}

// groupPoint is the membership PATCH at one group size.
type groupPoint struct {
	members int
	s       sample
}

type runner struct {
	o       *options
	servers []*server
	admin   *sql.DB
	data    *bench.Dataset
	started time.Time
	loads   []float64 // 1-minute load averages sampled at each phase
	res     map[string]map[string]*sample
	walks   map[string]*walkResult
	sizes   map[string][]sizePoint
	groups  map[string][]groupPoint
	loadDur map[string]time.Duration
	notes   []string
	mu      sync.Mutex // notes, while servers load
	profTop string
}

func newRun(o *options, servers []*server, admin *sql.DB) *runner {
	return &runner{o: o, servers: servers, admin: admin, data: bench.NewDataset(o.users), started: time.Now(),
		res: map[string]map[string]*sample{}, walks: map[string]*walkResult{}, sizes: map[string][]sizePoint{},
		groups: map[string][]groupPoint{}, loadDur: map[string]time.Duration{}}
}

// cpu is the CPU time s and its PostgreSQL backends have used.
func (r *runner) cpu(s *server) time.Duration {
	t := schedstat(s.pid)
	if s.appName != "" && r.admin != nil {
		for _, p := range pgBackends(r.admin, s.appName) {
			t += schedstat(p)
		}
	}
	return t
}

func loadAvg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

func (r *runner) phase(name string) {
	l := loadAvg()
	r.loads = append(r.loads, l)
	logf("== %s (load average %.2f)", name, l)
}

func (r *runner) result(workload, kind string) *sample {
	m := r.res[workload]
	if m == nil {
		m = map[string]*sample{}
		r.res[workload] = m
	}
	if m[kind] == nil {
		m[kind] = &sample{}
	}
	return m[kind]
}

func (r *runner) alive() []*server {
	var out []*server
	for _, s := range r.servers {
		if s.dead == "" {
			out = append(out, s)
		}
	}
	return out
}

// profiling starts (on) or stops the CPU profile of s if it is the one
// the -profile flag names for workload. A serve-mode server profiles
// between its control calls; examples/saas through its -pprof listener,
// for -profile-seconds from the start (net/http/pprof's profile has a
// fixed duration), which off waits for.
func (r *runner) profiling(s *server, workload string, on bool) {
	if r.o.profile != s.kind+":"+workload || (s.ctl == "" && s.pprof == "") {
		return
	}
	file := filepath.Join(os.TempDir(), "sidebyside-"+s.kind+"-"+workload+".pprof")
	bin, _ := os.Executable()
	if s.ctl == "" {
		if on {
			s.profDone = make(chan struct{})
			go func() {
				defer close(s.profDone)
				if err := fetchProfile(s.pprof+"profile?seconds="+strconv.Itoa(r.o.profileSeconds), file); err != nil {
					logf("profile: %v", err)
				}
			}()
			return
		}
		logf("%s: waiting for its %d s profile", s.kind, r.o.profileSeconds)
		<-s.profDone
		r.profileTop(s, workload, s.cmd.Path, file)
		return
	}
	if on {
		if err := s.ctlPost(context.Background(), "/profile/start?file="+file); err != nil {
			logf("profile: %v", err)
		}
		return
	}
	if err := s.ctlPost(context.Background(), "/profile/stop"); err != nil {
		logf("profile: %v", err)
		return
	}
	r.profileTop(s, workload, bin, file)
}

// fetchProfile GETs a net/http/pprof profile into file.
func fetchProfile(url, file string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// profileTop keeps `go tool pprof -top` of the profile file of bin for
// the report.
func (r *runner) profileTop(s *server, workload, bin, file string) {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=35", bin, file).CombinedOutput()
	if err != nil {
		logf("pprof: %v: %s", err, out)
		return
	}
	r.profTop = fmt.Sprintf("%s under %s:\n\n%s", s.kind, workload, out)
}

// rounds runs fn for every live server in each of n rounds, in an order
// rotated each round; a server whose fn fails is left out of the rest of
// this workload, with the error recorded.
func (r *runner) rounds(workload string, n int, fn func(s *server, round int, smp *sample) error) {
	r.phase(workload)
	ss := r.alive()
	for round := range n {
		for i := range ss {
			s := ss[(i+round)%len(ss)]
			smp := r.result(workload, s.kind)
			if smp.err != "" {
				continue
			}
			if round == 0 {
				// Started here, not before the first round, so that a
				// profile of fixed length (a saas kind's) covers this
				// server's work rather than the servers before it.
				r.profiling(s, workload, true)
			}
			var one sample
			c0, t0 := r.cpu(s), time.Now()
			err := fn(s, round, &one)
			one.wall, one.cpu = time.Since(t0), r.cpu(s)-c0
			smp.add(&one)
			if err != nil {
				smp.err = err.Error()
				logf("%s %s: %v", workload, s.kind, err)
			}
		}
	}
	for _, s := range ss {
		r.profiling(s, workload, false)
	}
}

// timed runs f, recording its latency in smp.
func timed(smp *sample, f func() error) error {
	t0 := time.Now()
	err := f()
	smp.lat = append(smp.lat, time.Since(t0))
	smp.n++
	return err
}

var wantOne = []byte(`"totalResults":1`)

func (r *runner) lookup(s *server, name string) error {
	b, err := s.c.do("GET", lookupPath(name), "", 200)
	if err == nil && !bytes.Contains(b, wantOne) {
		err = fmt.Errorf("lookup of %s found nothing: %.200s", name, b)
	}
	return err
}

// create POSTs a new user and returns its id.
func (r *runner) create(s *server, name string) (string, error) {
	b, err := s.c.do("POST", "/Users", userBody(name, "Grady", "Archie"), 201)
	if err != nil {
		return "", err
	}
	var out struct{ ID string }
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("POST answered no id: %.200s", b)
	}
	return out.ID, nil
}

// load grows every server to n users: through its control endpoint, or
// for examples/saas through POST /Users from 4 clients. The servers load
// at the same time (loading is not measured).
func (r *runner) load(n int) {
	r.phase(fmt.Sprintf("load %d users", n))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, s := range r.alive() {
		if s.loaded >= n {
			continue
		}
		mu.Lock()
		spent := r.loadDur[s.kind]
		mu.Unlock()
		wg.Go(func() {
			t0 := time.Now()
			var err error
			if s.ctl != "" {
				err = s.ctlPost(context.Background(), "/load?n="+strconv.Itoa(n))
				if err == nil {
					s.loaded = n
				}
			} else {
				err = r.loadHTTP(s, n, spent)
			}
			mu.Lock()
			defer mu.Unlock()
			r.loadDur[s.kind] += time.Since(t0)
			if err != nil {
				s.dead = fmt.Sprintf("loading stopped at %d users: %v", s.loaded, err)
				logf("%s: %s", s.kind, s.dead)
				return
			}
			logf("%s: %d users (%v loading so far)", s.kind, s.loaded, r.loadDur[s.kind].Round(time.Millisecond))
		})
	}
	wg.Wait()
	if r.o.analyze {
		r.analyze()
	}
}

// analyze runs ANALYZE on the tables of each PostgreSQL server's schema,
// as autovacuum does within a minute or so of a bulk change (its
// autovacuum_naptime), so that the servers are measured with the
// statistics a database in service has rather than as freshly loaded.
// SQLite keeps no statistics unless the app runs ANALYZE, and is left as
// loaded.
func (r *runner) analyze() {
	for _, s := range r.alive() {
		if s.appName == "" || r.admin == nil {
			continue
		}
		rows, err := r.admin.Query("SELECT tablename FROM pg_tables WHERE schemaname = $1", s.appName)
		if err != nil {
			logf("%s: ANALYZE: %v", s.kind, err)
			continue
		}
		var tables []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err == nil {
				tables = append(tables, t)
			}
		}
		rows.Close()
		for _, t := range tables {
			if _, err := r.admin.Exec(`ANALYZE "` + s.appName + `"."` + t + `"`); err != nil {
				logf("%s: ANALYZE %s: %v", s.kind, t, err)
			}
		}
	}
}

func (r *runner) loadHTTP(s *server, n int, spent time.Duration) error {
	deadline := time.Now().Add(r.o.loadCap - spent)
	users := r.data.Users[s.loaded:n]
	var next, done atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range 4 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(users)) || time.Now().After(deadline) {
					return
				}
				u := &users[i]
				if _, err := s.c.do("POST", "/Users", userBody(u.UserName, u.GivenName, u.FamilyName), 201); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	s.loaded += int(done.Load())
	if first != nil {
		return first
	}
	if s.loaded < n {
		// Measured from here on with the users it has.
		r.mu.Lock()
		r.notes = append(r.notes, fmt.Sprintf("%s: the load cap of %v ran out at %d users (of %d); it is measured with those", s.kind, r.o.loadCap, s.loaded, n))
		r.mu.Unlock()
	}
	return nil
}

func (r *runner) measure() error {
	// The lookup as the store grows.
	for _, n := range r.o.sizes {
		n = min(n, r.o.users)
		r.load(n)
		r.phase(fmt.Sprintf("lookup at %d users", n))
		ss := r.alive()
		for i := range ss {
			s := ss[i]
			var smp sample
			rng := rand.New(rand.NewPCG(uint64(n), 3))
			var err error
			for range 200 {
				if err = timed(&smp, func() error { return r.lookup(s, r.data.Users[rng.IntN(s.loaded)].UserName) }); err != nil {
					break
				}
			}
			if err != nil {
				logf("%s: lookup at %d: %v", s.kind, n, err)
				continue
			}
			r.sizes[s.kind] = append(r.sizes[s.kind], sizePoint{users: n, p50: pct(smp.lat, 50), p99: pct(smp.lat, 99)})
		}
	}

	rng := rand.New(rand.NewPCG(5, 8))
	r.rounds("lookup", r.o.rounds, func(s *server, round int, smp *sample) error {
		for range r.o.lookups {
			if err := timed(smp, func() error { return r.lookup(s, r.data.Users[rng.IntN(s.loaded)].UserName) }); err != nil {
				return err
			}
		}
		return nil
	})

	r.walk()

	r.rounds("post", r.o.rounds, func(s *server, round int, smp *sample) error {
		for i := range r.o.posts {
			name := fmt.Sprintf("Post.R%dI%d@contoso.com", round, i)
			if err := timed(smp, func() error { _, err := r.create(s, name); return err }); err != nil {
				return err
			}
		}
		return nil
	})

	r.rounds("cycle", r.o.rounds, func(s *server, round int, smp *sample) error {
		patches := r.result("cycle-patch", s.kind)
		for i := range r.o.cycles {
			name := fmt.Sprintf("Cycle.R%dI%d@contoso.com", round, i)
			err := timed(smp, func() error {
				// Entra's cycle: look the user up (a miss), create it,
				// then update it three times.
				if _, err := s.c.do("GET", lookupPath(name), "", 200); err != nil {
					return err
				}
				id, err := r.create(s, name)
				if err != nil {
					return err
				}
				for _, body := range []string{fmt.Sprintf(patchUpdate, i), fmt.Sprintf(patchActive, "false"), fmt.Sprintf(patchGiven, i)} {
					if err := timed(patches, func() error { _, err := s.c.do("PATCH", "/Users/"+id, body, 200, 204); return err }); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})

	r.groupWork()
	if r.o.analyze {
		r.analyze() // the memberships the group work added
	}
	r.mixed()
	return nil
}

// walk reads every user, 100 a page by startIndex, interleaving the
// servers page by page; a server that has spent walkCap jumps to its last
// 10 pages, so that both ends are measured.
func (r *runner) walk() {
	r.phase("list walk")
	ss := r.alive()
	next := map[string]int{}
	for _, s := range ss {
		r.walks[s.kind] = &walkResult{total: -1}
		next[s.kind] = 1
		r.profiling(s, "walk", true)
	}
	spent := map[string]time.Duration{}
	for {
		busy := false
		for _, s := range ss {
			w := r.walks[s.kind]
			start := next[s.kind]
			if w.err != "" || (w.total >= 0 && start > w.total) {
				continue
			}
			busy = true
			c0, t0 := r.cpu(s), time.Now()
			b, err := s.c.do("GET", "/Users?startIndex="+strconv.Itoa(start)+"&count=100", "", 200)
			lat, cpu := time.Since(t0), r.cpu(s)-c0
			if err != nil {
				w.err = err.Error()
				logf("walk %s: %v", s.kind, err)
				continue
			}
			var page struct {
				TotalResults int
				Resources    []struct{ ID string }
			}
			if err := json.Unmarshal(b, &page); err != nil {
				w.err = err.Error()
				continue
			}
			w.offsets, w.lat, w.cpu = append(w.offsets, start), append(w.lat, lat), append(w.cpu, max(cpu, 0))
			w.total = page.TotalResults
			for _, res := range page.Resources {
				s.ids = append(s.ids, res.ID)
			}
			if len(page.Resources) == 0 {
				w.total = start - 1
			}
			next[s.kind] = start + len(page.Resources)
			spent[s.kind] += lat
			if spent[s.kind] > r.o.walkCap && w.skipped == 0 && next[s.kind] < w.total-1000 {
				w.skipped = w.total - 1000 + 1
				next[s.kind] = w.skipped
				logf("walk %s: %v spent at startIndex %d of %d, skipping to %d", s.kind, spent[s.kind].Round(time.Millisecond), start, w.total, w.skipped)
			}
		}
		if !busy {
			break
		}
	}
	for _, s := range ss {
		r.profiling(s, "walk", false)
	}
}

// groupWork measures membership PATCH: one group per server grown to each
// size (adds of 100 members, not measured), then groupPairs adds and
// removes of one member, each measured. elimity's handler has no groups.
func (r *runner) groupWork() {
	var ss []*server
	for _, s := range r.alive() {
		if !strings.HasPrefix(s.kind, "elimity") {
			ss = append(ss, s)
		}
	}
	for _, s := range ss {
		b, err := s.c.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Bench Group"}`, 201)
		if err == nil {
			var out struct{ ID string }
			json.Unmarshal(b, &out)
			s.group = out.ID
		} else {
			logf("groups %s: %v", s.kind, err)
		}
	}
	grown := map[string]int{}
	for _, size := range r.o.groupSizes {
		r.phase(fmt.Sprintf("membership PATCH at %d members", size))
		for i := range ss {
			s := ss[i]
			if s.group == "" || size > len(s.ids)-r.o.groupPairs {
				continue
			}
			r.profiling(s, "groups", true)
			var err error
			for grown[s.kind] < size && err == nil {
				hi := min(grown[s.kind]+100, size)
				_, err = s.c.do("PATCH", "/Groups/"+s.group, membersAdd(s.ids[grown[s.kind]:hi]), 200, 204)
				grown[s.kind] = hi
			}
			var smp sample
			c0, t0 := r.cpu(s), time.Now()
			for j := range r.o.groupPairs {
				if err != nil {
					break
				}
				id := s.ids[len(s.ids)-1-j]
				err = timed(&smp, func() error {
					_, err := s.c.do("PATCH", "/Groups/"+s.group, membersAdd([]string{id}), 200, 204)
					return err
				})
				if err == nil {
					err = timed(&smp, func() error { _, err := s.c.do("PATCH", "/Groups/"+s.group, memberRemove(id), 200, 204); return err })
				}
			}
			smp.wall, smp.cpu = time.Since(t0), r.cpu(s)-c0
			r.profiling(s, "groups", false)
			if err != nil {
				logf("groups %s at %d: %v", s.kind, size, err)
				s.group = ""
				continue
			}
			r.groups[s.kind] = append(r.groups[s.kind], groupPoint{members: size, s: smp})
		}
	}
}

// mixed drives each server with o.clients clients for o.mixedFor per
// round: of every 10 requests, 6 lookups, 2 PATCHes of active, 1 list page
// at a random startIndex and 1 POST.
func (r *runner) mixed() {
	var seq atomic.Int64
	r.rounds("mixed", 2, func(s *server, round int, smp *sample) error {
		deadline := time.Now().Add(r.o.mixedFor)
		var mu sync.Mutex
		var wg sync.WaitGroup
		var first error
		for c := range r.o.clients {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(c)))
				var local sample
				for k := 0; time.Now().Before(deadline); k++ {
					var err error
					op := k % 10
					if len(s.ids) == 0 && (op == 1 || op == 6 || op == 4) {
						op = 0 // no ids: the walk failed
					}
					switch op {
					case 0, 2, 3, 5, 7, 9:
						err = timed(&local, func() error { return r.lookup(s, r.data.Users[rng.IntN(s.loaded)].UserName) })
					case 1, 6:
						id := s.ids[rng.IntN(len(s.ids))]
						body := fmt.Sprintf(patchActive, strconv.FormatBool(k%20 < 10))
						err = timed(&local, func() error { _, err := s.c.do("PATCH", "/Users/"+id, body, 200, 204); return err })
					case 4:
						start := 1 + rng.IntN(max(len(s.ids)-100, 1))
						err = timed(&local, func() error {
							_, err := s.c.do("GET", "/Users?startIndex="+strconv.Itoa(start)+"&count=100", "", 200)
							return err
						})
					case 8:
						name := fmt.Sprintf("Mixed.%d@contoso.com", seq.Add(1))
						err = timed(&local, func() error { _, err := r.create(s, name); return err })
					}
					if err != nil {
						mu.Lock()
						first = err
						mu.Unlock()
						break
					}
				}
				mu.Lock()
				smp.lat = append(smp.lat, local.lat...)
				smp.n += local.n
				mu.Unlock()
			})
		}
		wg.Wait()
		return first
	})
}

// pct is the p-th percentile of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}
