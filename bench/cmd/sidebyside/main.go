// Command sidebyside measures, in one run over loopback, the floors (a bare
// net/http server doing the minimum per request on memory, SQLite and
// PostgreSQL), the library on its memory store and on store/sqlstore
// (SQLite, PostgreSQL), examples/saas on SQLite and PostgreSQL, and
// github.com/elimity-com/scim on memory, all loaded with the same users.
//
// Every server runs as a subprocess (this binary's "serve" mode, or the
// examples/saas binary built from ../examples/saas and started with its
// flags), so that /proc/<pid> gives its CPU alone; on PostgreSQL the CPU
// of the database backends serving it (found by application_name in
// pg_stat_activity) is added. Workloads: Entra's lookup, POST /Users,
// Entra's provisioning cycle (lookup, POST, 3 PATCH), a list walk of every
// user with count=100, membership PATCH against groups of growing size,
// mixed load from 8 clients, and the lookup as the store grows. Loops are
// bounded by counts and wall-clock caps, repetitions are interleaved
// across servers in rotated order. It writes docs/bench/<label>.md, PNG
// plots docs/bench/<label>-*.png, and replaces the text between the
// markers <!-- sidebyside:<label> --> and <!-- /sidebyside:<label> --> in
// docs/benchmarks.md.
//
// Usage (from bench/):
//
//	go run ./cmd/sidebyside                        # 20,000 users, < 10 minutes on 2 cores
//	go run ./cmd/sidebyside -users 100000 -label 100k -group-sizes 100,1000,10000,50000 -walk-cap 120s
//	go run ./cmd/sidebyside -users 1000000 -label 1m -only floor-sqlite,scimkit-sqlite,floor-postgres,scimkit-postgres -walk-cap 120s -load-cap 20m
//
// PostgreSQL servers need SCIM_TEST_POSTGRES_DSN; each gets a schema of its
// own, dropped at the end.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	users          int
	label          string
	only           map[string]bool
	rounds         int
	lookups        int
	posts          int
	cycles         int
	walkCap        time.Duration
	loadCap        time.Duration
	groupSizes     []int
	groupPairs     int
	mixedFor       time.Duration
	clients        int
	sizes          []int
	profile        string // kind:workload
	profileSeconds int
	analyze        bool
	repo           string
	out            string
	skipPlots      bool
	postgresDSN    string
}

// kinds are the servers, in report order; floor of a kind is the floor
// of its storage.
var kinds = []string{"floor-memory", "scimkit-memory", "elimity-memory", "floor-sqlite", "scimkit-sqlite", "saas-sqlite", "floor-postgres", "scimkit-postgres", "saas-postgres"}

func floorOf(kind string) string {
	switch {
	case strings.HasSuffix(kind, "-memory"):
		return "floor-memory"
	case strings.HasSuffix(kind, "-sqlite"):
		return "floor-sqlite"
	}
	return "floor-postgres"
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sidebyside: bad number", f)
			os.Exit(2)
		}
		out = append(out, n)
	}
	return out
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "sidebyside serve:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	var only, groupSizes, sizes string
	flag.IntVar(&o.users, "users", 20_000, "users loaded into every server")
	flag.StringVar(&o.label, "label", "default", "name of this run in the output files and markers")
	flag.StringVar(&only, "only", "", "comma-separated server kinds to run (default all): "+strings.Join(kinds, ","))
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved rounds of each workload")
	flag.IntVar(&o.lookups, "lookups", 300, "Entra lookups per server per round (one client)")
	flag.IntVar(&o.posts, "posts", 100, "POST /Users per server per round")
	flag.IntVar(&o.cycles, "cycles", 40, "Entra provisioning cycles per server per round")
	flag.DurationVar(&o.walkCap, "walk-cap", 60*time.Second, "time a server may spend on the list walk before it skips to the last pages")
	flag.DurationVar(&o.loadCap, "load-cap", 10*time.Minute, "time a server may spend loading users (examples/saas loads over POST)")
	flag.StringVar(&groupSizes, "group-sizes", "100,1000,10000", "group sizes of the membership PATCH (at most users-200)")
	flag.IntVar(&o.groupPairs, "group-pairs", 20, "add+remove pairs measured at each group size")
	flag.DurationVar(&o.mixedFor, "mixed-for", 5*time.Second, "duration of each round of mixed load per server")
	flag.IntVar(&o.clients, "clients", 8, "clients of the mixed load")
	flag.StringVar(&sizes, "sizes", "", "store sizes of the lookup-vs-size curve (default users/20, users/4, users)")
	flag.StringVar(&o.profile, "profile", "", "kind:workload to CPU-profile (workload: lookup, post, cycle, walk, groups, mixed); for a saas kind, the first -profile-seconds of the workload, through its -pprof listener")
	flag.IntVar(&o.profileSeconds, "profile-seconds", 30, "how long a saas kind's -profile lasts (its net/http/pprof profile has a fixed duration)")
	flag.StringVar(&o.repo, "repo", "..", "the library's repository (for ../examples/saas and docs/)")
	flag.StringVar(&o.out, "out", "", "output directory of the report files (default <repo>/docs/bench)")
	flag.BoolVar(&o.skipPlots, "no-plots", false, "do not write PNG plots")
	flag.BoolVar(&o.analyze, "analyze", true, "ANALYZE each PostgreSQL server's tables after each load, as autovacuum would soon after; false measures them as loaded, without statistics")
	flag.Parse()
	o.postgresDSN = os.Getenv("SCIM_TEST_POSTGRES_DSN")
	o.only = map[string]bool{}
	for _, k := range strings.Split(only, ",") {
		if k != "" {
			o.only[k] = true
		}
	}
	o.groupSizes = ints(groupSizes)
	if sizes == "" {
		o.sizes = []int{max(o.users/20, 1), max(o.users/4, 1), o.users}
	} else {
		o.sizes = ints(sizes)
	}
	if o.out == "" {
		o.out = filepath.Join(o.repo, "docs", "bench")
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

// server is one server under test, a subprocess.
type server struct {
	kind     string
	base     string        // http://127.0.0.1:port (plus /scim/v2 for saas)
	ctl      string        // control base (/_bench), "" for saas
	pprof    string        // a saas kind's net/http/pprof base (http://addr/debug/pprof/) when it is profiled, else ""
	profDone chan struct{} // closed when a saas kind's profile is written
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	pid      int
	appName  string // application_name on PostgreSQL, else ""
	c        *client
	loaded   int
	ids      []string // user ids seen in the walk, in order
	created  int      // users this harness created (unique names)
	group    string   // group id of the membership workload
	dead     string   // why it stopped being measured
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func run(o *options) error {
	tmp, err := os.MkdirTemp("", "sidebyside-")
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var admin *sql.DB
	var schemas []string
	var saasBin string
	var servers []*server
	var mu sync.Mutex // servers and schemas, read by the signal handler
	var once sync.Once
	cleanup := func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range servers {
				s.stop()
			}
			for _, s := range schemas {
				if _, err := admin.Exec("DROP SCHEMA " + s + " CASCADE"); err != nil {
					logf("DROP SCHEMA %s: %v", s, err)
				}
			}
			if admin != nil {
				admin.Close()
			}
			os.RemoveAll(tmp)
		})
	}
	defer cleanup()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		logf("signalled: stopping the servers and dropping the schemas")
		cleanup()
		os.Exit(1)
	}()
	for _, kind := range kinds {
		if len(o.only) > 0 && !o.only[kind] {
			continue
		}
		s := &server{kind: kind}
		var dsn, path string
		if strings.HasSuffix(kind, "-postgres") {
			if o.postgresDSN == "" {
				logf("%s skipped: SCIM_TEST_POSTGRES_DSN is not set", kind)
				continue
			}
			if admin == nil {
				if admin, err = openDB(true, o.postgresDSN, ""); err != nil {
					return err
				}
			}
			var b [5]byte
			rand.Read(b[:])
			schema := "sidebyside_" + strings.ReplaceAll(strings.TrimSuffix(kind, "-postgres"), "-", "_") + "_" + hex.EncodeToString(b[:])
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				return err
			}
			mu.Lock()
			schemas = append(schemas, schema)
			mu.Unlock()
			u, err := url.Parse(o.postgresDSN)
			if err != nil {
				return err
			}
			q := u.Query()
			q.Set("search_path", schema)
			q.Set("application_name", schema)
			u.RawQuery = q.Encode()
			dsn, s.appName = u.String(), schema
		} else if strings.HasSuffix(kind, "-sqlite") {
			path = filepath.Join(tmp, kind+".db")
		}
		if strings.HasPrefix(kind, "saas-") {
			if saasBin == "" {
				saasBin = filepath.Join(tmp, "saas")
				logf("building examples/saas")
				b := exec.Command("go", "build", "-o", saasBin, "./examples/saas")
				b.Dir, b.Stdout, b.Stderr = o.repo, os.Stderr, os.Stderr
				if err := b.Run(); err != nil {
					return fmt.Errorf("building examples/saas: %w", err)
				}
			}
			spec := "sqlite:" + path
			if dsn != "" {
				spec = dsn
			}
			// As its users run it: flags, and a tenant with a Secret Token.
			args := []string{"-addr", "127.0.0.1:0", "-store", spec, "-tenant", "contoso=" + benchToken, "-admin-key", "sidebyside"}
			if strings.HasPrefix(o.profile, kind+":") {
				args = append(args, "-pprof", "127.0.0.1:0")
			}
			s.cmd = exec.Command(saasBin, args...)
			s.cmd.Dir = tmp
		} else {
			s.cmd = exec.Command(self, "serve", "-kind", kind, "-dsn", dsn, "-sqlite", path)
		}
		if err := s.start(); err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		mu.Lock()
		servers = append(servers, s)
		mu.Unlock()
		logf("%s: pid %d at %s", kind, s.pid, s.base)
	}
	r := newRun(o, servers, admin)
	if err := r.measure(); err != nil {
		return err
	}
	return r.report()
}

// start starts the subprocess and waits for its address.
func (s *server) start() error {
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if s.stdin, err = s.cmd.StdinPipe(); err != nil {
		return err
	}
	logFile, err := os.CreateTemp("", "sidebyside-"+s.kind+"-*.log")
	if err != nil {
		return err
	}
	s.cmd.Stderr = logFile
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.pid = s.cmd.Process.Pid
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if sent {
				continue
			}
			if v, ok := strings.CutPrefix(line, "pprof: "); ok {
				s.pprof = strings.TrimSpace(v)
			} else if v, ok := strings.CutPrefix(line, "LISTEN "); ok {
				s.base, s.ctl = v, v+"/_bench"
				sent = true
				found <- nil
			} else if _, v, ok := strings.Cut(line, "Tenant URL:"); ok {
				s.base = strings.TrimSpace(v)
				sent = true
				found <- nil
			}
		}
		if !sent {
			found <- fmt.Errorf("exited before listening; see %s", logFile.Name())
		}
	}()
	select {
	case err := <-found:
		if err != nil {
			return err
		}
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("no address after 2 minutes; see %s", logFile.Name())
	}
	s.c = newClient(s.base)
	return nil
}

func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.stdin.Close()
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// ctlClient calls the control endpoints, without a timeout: loading a
// million users into a SQL store takes many minutes.
var ctlClient = &client{hc: &http.Client{Transport: &http.Transport{Proxy: nil}}}

// ctlPost calls a control endpoint of a serve-mode subprocess.
func (s *server) ctlPost(ctx context.Context, path string) error {
	st, body, err := ctlClient.raw(ctx, "POST", s.ctl+path, "", false)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("%s: %d %s", path, st, body)
	}
	return nil
}
