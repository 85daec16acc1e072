package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/tcpproxy"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/storetest"
)

// postgresBehindProxy returns a database on a schema of its own whose
// connections go through a loopback proxy the test can cut.
func postgresBehindProxy(t *testing.T) (*sql.DB, *tcpproxy.Proxy) {
	t.Helper()
	cfg, err := pgx.ParseConfig(postgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tcpproxy.Start(net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	host, port, _ := net.SplitHostPort(p.Addr())
	n, _ := strconv.Atoi(port)
	cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(n), nil
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { db.Close() })
	return db, p
}

// sqliteLockable returns a store's database file opened with a short busy
// timeout and the rollback journal, and a lock function that takes an
// exclusive lock in another connection (readers and writers of the store
// then get SQLITE_BUSY) and returns its release.
func sqliteLockable(t *testing.T) (*sql.DB, func() (release func())) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func(timeoutMS int) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+strconv.Itoa(timeoutMS)+")&_pragma=journal_mode(DELETE)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db, other := open(20), open(20)
	lock := func() func() {
		conn, err := other.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
			t.Fatalf("BEGIN EXCLUSIVE: %v", err)
		}
		return func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Errorf("ROLLBACK: %v", err)
			}
			conn.Close()
		}
	}
	return db, lock
}

// TestUnavailablePostgresOutage cuts the connection to PostgreSQL (a
// proxy drops every connection and refuses new ones; the shared cluster
// keeps running): every store method fails with store.ErrUnavailable, and
// works again once the proxy is back, on the same store.
func TestUnavailablePostgresOutage(t *testing.T) {
	db, p := postgresBehindProxy(t)
	st := newStore(t, db, sqlstore.Postgres)
	storetest.Unavailable(t, st, p.Cut, func() {
		if err := p.Restore(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestUnavailableSQLiteBusy holds an exclusive lock in another connection
// past the store's busy timeout: SQLITE_BUSY is store.ErrUnavailable.
func TestUnavailableSQLiteBusy(t *testing.T) {
	db, lock := sqliteLockable(t)
	st := newStore(t, db, sqlstore.SQLite)
	var release func()
	storetest.Unavailable(t, st, func() { release = lock() }, func() { release() })
}

// outageServer is a SCIM server on st with an in-memory token (the
// outage is the store's, not the token lookup's), mounted at the root.
func outageServer(t *testing.T, st store.Store) http.Handler {
	t.Helper()
	var tokens scim.Tokens
	tokens.Add("tok", "tenant-a")
	srv, err := scim.New(scim.Config{Store: st, Authenticate: tokens.Authenticate, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func send(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://scim.example.com"+path, rd)
	req.Header.Set("Authorization", "Bearer tok")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// outageRequests are an IdP's requests: Entra's lookup, a create, a read,
// a PATCH, a group create.
func outageRequests(userID string) [][3]string {
	return [][3]string{
		{"GET", `/Users?filter=userName%20eq%20%22a%40example.com%22`, ""},
		{"POST", "/Users", `{"userName":"b@example.com"}`},
		{"GET", "/Users/" + userID, ""},
		{"PATCH", "/Users/" + userID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
		{"POST", "/Groups", `{"displayName":"Team"}`},
		{"GET", "/Groups?excludedAttributes=members", ""},
	}
}

// checkOutage runs the IdP's requests through h during cut (each is 503
// with Retry-After, never 401 or 500) and after restore (each is 2xx
// again, an IdP's retry later).
func checkOutage(t *testing.T, h http.Handler, userID string, cut, restore func()) {
	t.Helper()
	cut()
	for _, r := range outageRequests(userID) {
		rec := send(h, r[0], r[1], r[2])
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("during the outage %s %s: %d Retry-After %q, want 503 with Retry-After; body %s", r[0], r[1], rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
	}
	restore()
	for _, r := range outageRequests(userID) {
		var rec *httptest.ResponseRecorder
		for range storetest.RecoveryAttempts {
			if rec = send(h, r[0], r[1], r[2]); rec.Code != http.StatusServiceUnavailable {
				break
			}
		}
		if rec.Code/100 != 2 {
			t.Errorf("after the outage %s %s: %d %s, want 2xx", r[0], r[1], rec.Code, rec.Body)
		}
	}
}

func TestOutageAnswers503PostgresProxy(t *testing.T) {
	db, p := postgresBehindProxy(t)
	h := outageServer(t, newStore(t, db, sqlstore.Postgres))
	rec := send(h, "POST", "/Users", `{"userName":"a@example.com"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	id := strings.TrimPrefix(rec.Header().Get("Location"), "http://scim.example.com/Users/")
	checkOutage(t, h, id, p.Cut, func() {
		if err := p.Restore(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOutageAnswers503SQLiteBusy(t *testing.T) {
	db, lock := sqliteLockable(t)
	h := outageServer(t, newStore(t, db, sqlstore.SQLite))
	rec := send(h, "POST", "/Users", `{"userName":"a@example.com"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	id := strings.TrimPrefix(rec.Header().Get("Location"), "http://scim.example.com/Users/")
	var release func()
	checkOutage(t, h, id, func() { release = lock() }, func() { release() })
}

// Error types shaped like the drivers', recognised by method.
type (
	sqlStateErr string
	codeErr     int
	retryErr    bool // SafeToRetry's answer, as pgconn's "conn closed"
)

func (e retryErr) Error() string     { return "conn closed" }
func (e retryErr) SafeToRetry() bool { return bool(e) }

func (e sqlStateErr) Error() string    { return "SQLSTATE " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }
func (e codeErr) Error() string        { return "sqlite code " + strconv.Itoa(int(e)) }
func (e codeErr) Code() int            { return int(e) }

// TestUnavailableClassification lists what sqlstore.Unavailable counts as
// an unreachable or busy database, and what it must not.
func TestUnavailableClassification(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "x"}}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{fmt.Errorf("connect: %w", syscall.ECONNREFUSED), true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{fmt.Errorf("write: %w", syscall.EPIPE), true},
		{driver.ErrBadConn, true},
		{sql.ErrConnDone, true},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("%w", io.ErrUnexpectedEOF), true},
		{sqlStateErr("08006"), true},  // connection_failure
		{sqlStateErr("08001"), true},  // sqlclient_unable_to_establish_sqlconnection
		{sqlStateErr("57P01"), true},  // admin_shutdown
		{sqlStateErr("57P02"), true},  // crash_shutdown
		{sqlStateErr("57P03"), true},  // cannot_connect_now
		{sqlStateErr("53300"), true},  // too_many_connections
		{sqlStateErr("55P03"), true},  // lock_not_available
		{sqlStateErr("23505"), false}, // unique_violation
		{sqlStateErr("42601"), false}, // syntax_error
		{sqlStateErr("22021"), false}, // character_not_in_repertoire (NUL): the client's mistake
		{codeErr(5), true},            // SQLITE_BUSY
		{codeErr(517), true},          // SQLITE_BUSY_SNAPSHOT
		{codeErr(6), true},            // SQLITE_LOCKED
		{codeErr(2067), false},        // SQLITE_CONSTRAINT_UNIQUE
		{codeErr(1), false},           // SQLITE_ERROR
		// pgx on a connection that died idle in the pool:
		{fmt.Errorf("begin: %w", retryErr(true)), true},
		{retryErr(false), false},
		{fmt.Errorf("x: %w", store.ErrUnavailable), true},
		{sql.ErrNoRows, false},
		{context.Canceled, false}, // the client went away; not the database
		{errors.New("database is locked"), true},
		{errors.New("boom"), false},
		{nil, false},
	} {
		if got := sqlstore.Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%T %v) = %v, want %v", tc.err, tc.err, got, tc.want)
		}
	}
}
