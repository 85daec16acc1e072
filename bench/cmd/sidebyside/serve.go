package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/scimkit/scim/bench"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// sqlitePragmas are the SQLite settings of every SQLite server, the ones
// examples/saas uses: WAL, a busy timeout and BEGIN IMMEDIATE.
const sqlitePragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// openDB opens the database of a SQL server with the pool settings every
// SQL server of the benchmark uses (16 open, 16 idle).
func openDB(postgres bool, dsn, path string) (*sql.DB, error) {
	var db *sql.DB
	var err error
	if postgres {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+path+sqlitePragmas)
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	return db, db.Ping()
}

// serve is the subprocess mode: one server of one kind on 127.0.0.1:0,
// empty, with control endpoints under /_bench/ (load users of the data
// set, start and stop a CPU profile). It prints "LISTEN <url>" and serves
// until its standard input closes or it is signalled.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	kind := fs.String("kind", "", "server kind")
	dsn := fs.String("dsn", "", "PostgreSQL DSN (its own schema)")
	path := fs.String("sqlite", "", "SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	var h http.Handler
	var load func([]bench.User) error
	var err error
	switch *kind {
	case "floor-memory":
		h, load = bench.NewMemFloor()
	case "floor-sqlite", "floor-postgres":
		pg := *kind == "floor-postgres"
		db, err := openDB(pg, *dsn, *path)
		if err != nil {
			return err
		}
		if h, load, err = bench.NewSQLFloor(ctx, db, pg); err != nil {
			return err
		}
	case "scimkit-memory":
		st := memory.New()
		if h, err = bench.NewScimkitOn(st); err != nil {
			return err
		}
		load = func(us []bench.User) error { return bench.LoadStore(st, nil, us) }
	case "scimkit-sqlite", "scimkit-postgres":
		pg := *kind == "scimkit-postgres"
		db, err := openDB(pg, *dsn, *path)
		if err != nil {
			return err
		}
		d := sqlstore.SQLite
		if pg {
			d = sqlstore.Postgres
		}
		st, err := sqlstore.New(db, d)
		if err != nil {
			return err
		}
		if h, err = bench.NewScimkitOn(st); err != nil {
			return err
		}
		load = func(us []bench.User) error { return bench.LoadStore(st, st.InTx, us) }
	case "elimity-memory":
		var l bench.ElimityLoader
		if h, l, err = bench.NewElimityEmpty(true); err != nil {
			return err
		}
		load = l.Load
	default:
		return fmt.Errorf("unknown kind %q", *kind)
	}

	var mu sync.Mutex
	loaded := 0
	var prof *os.File
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_bench/load", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if n > loaded {
			d := bench.NewDataset(n)
			if err := load(d.Users[loaded:]); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			loaded = n
		}
		fmt.Fprintln(w, loaded)
	})
	mux.HandleFunc("POST /_bench/profile/start", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Create(r.URL.Query().Get("file"))
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		prof = f
	})
	mux.HandleFunc("POST /_bench/profile/stop", func(w http.ResponseWriter, r *http.Request) {
		pprof.StopCPUProfile()
		if prof != nil {
			prof.Close()
		}
	})
	mux.Handle("/", h)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("LISTEN http://%s\n", ln.Addr())
	go func() {
		// The harness holds our standard input: when it exits, we do.
		io.Copy(io.Discard, os.Stdin)
		srv.Close()
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
