package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/scimkit/scim/activity"
)

// BenchmarkWrites measures the write path IdPs load most, through the
// app's HTTP handler as in production: the background event drainer
// runs, and each op's time includes delivering the events it recorded
// (the drainer's backlog is drained before the timer stops). Besides
// ns/op it reports, per op and counting every statement the process
// sends (the request's, the drainer's, the activity recorder's):
//
//	stmts/op    statements
//	commits/op  write transactions: each BEGIN, and each INSERT, UPDATE
//	            or DELETE sent outside one (on SQLite, each is an fsync
//	            of the WAL and a turn of the single writer lock)
//	cpu-ns/op   the process's CPU (user + system; the client's included)
//
// POST is Entra's create of a new user; PATCH runs in turn the three
// PATCHes of Entra's cycle after the create (an update of attributes, a
// deactivation, a reactivation with a new given name), on one user.
func BenchmarkWrites(b *testing.B) {
	for _, db := range []struct {
		name string
		spec func(b *testing.B) string
	}{
		{"SQLite", func(b *testing.B) string { return "sqlite:" + filepath.Join(b.TempDir(), "saas.db") }},
		{"Postgres", func(b *testing.B) string { return postgresSchemaTB(b) }},
	} {
		b.Run(db.name, func(b *testing.B) {
			// One app for both operations, loaded as a provisioned
			// tenant is: the costs that grow with the tables show.
			w := startBenchApp(b, db.spec(b))
			w.preload(b, benchUsers)
			posted := 0
			b.Run("POST", func(b *testing.B) {
				w.measure(b, func(int) {
					posted++
					w.do(b, "POST", "/Users", benchUserBody(fmt.Sprintf("post%d@example.com", posted)), http.StatusCreated)
				})
			})
			id := w.create(b, "patched@example.com")
			b.Run("PATCH", func(b *testing.B) {
				w.measure(b, func(i int) {
					body := benchPatchInactive
					switch i % 3 {
					case 0:
						body = fmt.Sprintf(benchPatchUpdate, i)
					case 2:
						body = fmt.Sprintf(benchPatchGiven, i)
					}
					w.do(b, "PATCH", "/Users/"+id, body, http.StatusOK)
				})
			})
		})
	}
}

// benchUsers is how many users BenchmarkWrites's tenant has, each
// created by SCIM: an account, its delivered UserCreated event, the
// welcome's receipt and notice, and an entry of the activity log (which
// keeps activity.DefaultMaxEntries a tenant).
const benchUsers = 20000

// preload gives the demo tenant n provisioned users (see benchUsers), in
// one transaction per table: the data as n POSTs leave it, without
// spending n POSTs.
func (w *benchApp) preload(b *testing.B, n int) {
	ctx := b.Context()
	db := w.app.DB
	now := micros(time.Now())
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			id, email := fmt.Sprintf("pre-%06d", i), fmt.Sprintf("pre%06d@example.com", i)
			a := Account{ID: id, TenantID: "acme", Email: email, FullName: "Pre " + id, SCIMExternalID: "ext-" + id,
				CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1, SCIMExtra: []byte(`{}`)}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO accounts (tenant_id, id, email, email_folded, given_name,
				family_name, full_name, job_title, department, manager_id, disabled, created_at, updated_at, version,
				scim_external_id, scim_extra, scim_active, display_folded) VALUES (?, ?, ?, ?, '', '', ?, '', '', '', FALSE, ?, ?, 1, ?, ?, TRUE, ?)`),
				a.TenantID, a.ID, a.Email, emailKey(a.Email), a.FullName, db.timeArg(a.CreatedAt), db.timeArg(a.UpdatedAt),
				a.SCIMExternalID, string(a.SCIMExtra), displayKey(&a)); err != nil {
				return err
			}
			ev := "pre-event-" + id
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_events (id, tenant_id, resource_type, resource_id, type,
				version, payload, created_at, delivered_at, attempts) VALUES (?, 'acme', 'User', ?, 'UserCreated', '1', '{}', ?, ?, 1)`),
				ev, id, now, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_event_receipts (consumer, event_id, applied_at) VALUES ('welcome', ?, ?)`), ev, now); err != nil {
				return err
			}
			if err := db.addNotice(ctx, tx, ev, "acme", id, "Welcome, Pre "+id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("preloading: %v", err)
	}
	entries := make([]activity.Entry, n)
	for i := range entries {
		entries[i] = activity.Entry{Time: time.Now(), Tenant: "acme", IdP: "entra", Method: "POST", Endpoint: "Users",
			ResourceID: fmt.Sprintf("pre-%06d", i), Outcome: activity.OK, Status: http.StatusCreated}
	}
	if err := w.app.Activity.Append(ctx, entries); err != nil {
		b.Fatalf("preloading the activity log: %v", err)
	}
}

// The three PATCHes of Entra's cycle (bench/cmd/sidebyside's), %d a
// number that makes each change something.
const (
	benchPatchUpdate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated%[1]d@example.com"},
{"op":"Replace","path":"name.familyName","value":"Updated%[1]d"},
{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engineering%[1]d"}]}`
	benchPatchInactive = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":false}]}`
	benchPatchGiven    = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":true},{"op":"Replace","path":"name.givenName","value":"Given%d"}]}`
)

// benchUserBody is a POST /Users body as Entra sends it for userName.
func benchUserBody(userName string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-` + userName + `","userName":"` + userName + `","active":true,
"emails":[{"primary":true,"type":"work","value":"` + userName + `"}],
"name":{"formatted":"Given Family","familyName":"Family","givenName":"Given"},
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`
}

// benchApp is the app under a benchmark, its statements counted.
type benchApp struct {
	app   *App
	ts    *httptest.Server
	hc    *http.Client
	count *stmtCounter
}

// startBenchApp starts the app on store behind httptest.NewServer, its
// database handle swapped for one whose statements count goes through a
// stmtCounter, and its event drainer started on it.
func startBenchApp(b *testing.B, store string) *benchApp {
	b.Helper()
	app, h, err := newApp(b.Context(), Config{
		Store:          store,
		Token:          testToken,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		NoEventDrainer: true,
	})
	if err != nil {
		b.Fatalf("newApp(%s): %v", store, err)
	}
	_, dsn, _, err := dataSource(store)
	if err != nil {
		b.Fatal(err)
	}
	plain := app.DB.sql
	c := &stmtCounter{drv: plain.Driver(), dsn: dsn}
	app.DB.sql = sql.OpenDB(c)
	app.DB.sql.SetMaxOpenConns(16)
	app.DB.sql.SetMaxIdleConns(16)
	plain.Close()
	app.Drainer.Start()
	ts := httptest.NewServer(h)
	b.Cleanup(func() {
		ts.Close()
		if err := app.Close(); err != nil {
			b.Errorf("closing the app: %v", err)
		}
	})
	return &benchApp{app: app, ts: ts, hc: ts.Client(), count: c}
}

// do sends a SCIM request and fails the benchmark unless it is answered
// status.
func (w *benchApp) do(b *testing.B, method, path, body string, status int) []byte {
	req, err := http.NewRequest(method, w.ts.URL+"/scim/v2"+path, strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := w.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != status {
		b.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, status, got)
	}
	return got
}

// create POSTs a user and returns its id.
func (w *benchApp) create(b *testing.B, userName string) string {
	got := w.do(b, "POST", "/Users", benchUserBody(userName), http.StatusCreated)
	_, rest, ok := strings.Cut(string(got), `"id":"`)
	id, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		b.Fatalf("no id in %s", got)
	}
	return id
}

// measure runs op b.N times, then drains the outbox, and reports the
// counts per op (see BenchmarkWrites).
func (w *benchApp) measure(b *testing.B, op func(i int)) {
	w.drain(b)
	b.ReportAllocs()
	st, cm := w.count.stmts.Load(), w.count.commits.Load()
	cpu := processCPU()
	b.ResetTimer()
	for i := range b.N {
		op(i)
	}
	w.drain(b)
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(processCPU()-cpu)/n, "cpu-ns/op")
	b.ReportMetric(float64(w.count.stmts.Load()-st)/n, "stmts/op")
	b.ReportMetric(float64(w.count.commits.Load()-cm)/n, "commits/op")
}

// drain waits for the background drainer and delivers what is left.
func (w *benchApp) drain(b *testing.B) {
	if _, err := w.app.Drainer.Drain(b.Context()); err != nil {
		b.Fatalf("Drain: %v", err)
	}
}

// processCPU is the CPU time the process has used, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// stmtCounter is a driver.Connector over drv whose connections count the
// statements they are sent and the write transactions they commit: each
// transaction, and each INSERT, UPDATE or DELETE outside one.
type stmtCounter struct {
	drv            driver.Driver
	dsn            string
	stmts, commits atomic.Int64
}

func (c *stmtCounter) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countConn{Conn: conn, c: c}, nil
}

func (c *stmtCounter) Driver() driver.Driver { return c.drv }

// countConn forwards to the driver's connection, counting.
type countConn struct {
	driver.Conn
	c    *stmtCounter
	mu   sync.Mutex
	inTx bool
}

func (cc *countConn) stmt(query string) {
	cc.c.stmts.Add(1)
	cc.mu.Lock()
	inTx := cc.inTx
	cc.mu.Unlock()
	if !inTx {
		switch w, _, _ := strings.Cut(strings.TrimSpace(query), " "); strings.ToUpper(w) {
		case "INSERT", "UPDATE", "DELETE":
			cc.c.commits.Add(1)
		}
	}
}

func (cc *countConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := cc.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &countStmt{Stmt: s, cc: cc, query: query}, nil
}

func (cc *countConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cc.stmt(query)
	return cc.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (cc *countConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cc.stmt(query)
	return cc.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (cc *countConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := cc.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	cc.c.commits.Add(1)
	cc.mu.Lock()
	cc.inTx = true
	cc.mu.Unlock()
	return countTx{Tx: tx, cc: cc}, nil
}

func (cc *countConn) ResetSession(ctx context.Context) error {
	if r, ok := cc.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cc *countConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cc.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// countTx ends a transaction of a countConn.
type countTx struct {
	driver.Tx
	cc *countConn
}

func (t countTx) end() {
	t.cc.mu.Lock()
	t.cc.inTx = false
	t.cc.mu.Unlock()
}

func (t countTx) Commit() error   { defer t.end(); return t.Tx.Commit() }
func (t countTx) Rollback() error { defer t.end(); return t.Tx.Rollback() }

// countStmt is a prepared statement of a countConn: each execution
// counts.
type countStmt struct {
	driver.Stmt
	cc    *countConn
	query string
}

func (s *countStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.cc.stmt(s.query)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *countStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.cc.stmt(s.query)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
