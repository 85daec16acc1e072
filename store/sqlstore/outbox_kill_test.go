package sqlstore_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store/sqlstore"
)

// The child process of TestOutboxKill: what it does, on which database.
const (
	killChildEnv   = "SCIM_OUTBOX_KILL_CHILD" // "commit" or "drain"
	killDialectEnv = "SCIM_OUTBOX_KILL_DIALECT"
	killTargetEnv  = "SCIM_OUTBOX_KILL_TARGET"
)

// committed is what the "commit" child prints once its write committed.
const committed = "outbox-test: committed"

// TestOutboxKill kills a process between the commit of a write and the
// delivery of its event, and a drainer in the middle of a batch, with
// SIGKILL (no deferred function, no graceful close). After a restart (a
// new Store on the same database) Run delivers every event, and an
// idempotent consumer (one that records the IDs it applied, in the same
// database) applies each exactly once.
func TestOutboxKill(t *testing.T) {
	if mode := os.Getenv(killChildEnv); mode != "" {
		killChild(t, mode)
		return
	}
	t.Run("after commit", func(t *testing.T) {
		outboxDBs(t, func(t *testing.T, db outboxDB) {
			out := runChild(t, db, "commit", func(cmd *exec.Cmd, line string) {
				if line == committed {
					_ = cmd.Process.Kill() // SIGKILL
				}
			})
			if !strings.Contains(out, committed) {
				t.Fatalf("the child did not commit: %s", out)
			}
			s := db.store(t) // the restart
			c := newIdempotent(t, s)
			drain(t, s, c, "default", 1, sqlstore.RunOptions{})
			if got := c.appliedIDs(t); len(got) != 1 {
				t.Fatalf("applied %v, want the one event of the killed process", got)
			}
			if c.deliveries != 1 || c.duplicates != 0 {
				t.Errorf("%d deliveries, %d duplicates; want 1 and 0", c.deliveries, c.duplicates)
			}
		})
	})
	t.Run("mid-batch", func(t *testing.T) {
		outboxDBs(t, func(t *testing.T, db outboxDB) {
			s := db.store(t)
			writeUsers(t, s, "tenant-k", "k", 10)
			newIdempotent(t, s) // the consumer's table
			runChild(t, db, "drain", nil)
			// The dead drainer applied 5 events, marked none delivered, and
			// still holds the lease.
			var holder, until sql.NullString
			var delivered int64
			if err := s.DB().QueryRow("SELECT holder, lease_until, delivered FROM scim_outbox_consumers WHERE name = 'killed'").
				Scan(&holder, &until, &delivered); err != nil {
				t.Fatalf("the consumer's row: %v", err)
			}
			if holder.String != "child" || delivered != 0 || until.String <= time.Now().UTC().Format("2006-01-02T15:04:05") {
				t.Fatalf("consumer row holder %q until %q delivered %d; want the child's live lease, nothing delivered", holder.String, until.String, delivered)
			}
			c := newIdempotent(t, s)
			if got := c.appliedIDs(t); len(got) != 5 {
				t.Fatalf("the child applied %d events, want 5", len(got))
			}
			// Another replica, once the dead one's lease has expired (its
			// clock an hour on), delivers everything from the first event.
			later := db.store(t, sqlstore.WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
			c = newIdempotent(t, later)
			drain(t, later, c, "killed", 10, sqlstore.RunOptions{Holder: "replica-2"})
			if got := c.appliedIDs(t); len(got) != 10 {
				t.Errorf("applied %d distinct events, want 10", len(got))
			}
			if c.deliveries != 10 || c.duplicates != 5 {
				t.Errorf("%d deliveries, %d duplicates; want 10 and the 5 the child had applied", c.deliveries, c.duplicates)
			}
		})
	})
}

// runChild runs the test binary as the child mode on db until it exits
// (onLine may kill it), and returns its output. It must die of SIGKILL.
func runChild(t *testing.T, db outboxDB, mode string, onLine func(cmd *exec.Cmd, line string)) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+mode, killDialectEnv+"="+db.dialect.String(), killTargetEnv+"="+db.target)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if onLine != nil {
			onLine(cmd, sc.Text())
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child %s: %v, want death by SIGKILL; output:\n%s", mode, err, out.String())
	}
	return out.String()
}

// killChild is the child process.
func killChild(t *testing.T, mode string) {
	d := sqlstore.SQLite
	if os.Getenv(killDialectEnv) == "postgres" {
		d = sqlstore.Postgres
	}
	db := outboxDB{d, os.Getenv(killTargetEnv)}
	s := db.store(t)
	switch mode {
	case "commit":
		ctx, _ := withEvent("tenant-k", event.UserCreated, "killed-1")
		if _, err := s.CreateUser(ctx, &resource.User{ID: "killed-1", UserName: "killed"}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		fmt.Println(committed)
		time.Sleep(time.Minute) // killed by the parent
	case "drain":
		c := newIdempotent(t, s)
		n := 0
		h := event.HandlerFunc(func(ctx context.Context, e event.Event) error {
			if err := c.Handle(ctx, e); err != nil {
				return err
			}
			if n++; n == 5 {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
			return nil
		})
		_ = s.Outbox().Run(context.Background(), h, sqlstore.RunOptions{Consumer: "killed", Holder: "child"})
	}
	t.Fatal("the child was not killed")
}

// idempotent is a consumer that applies each event once: it records the
// IDs it applied in a table of the same database.
type idempotent struct {
	s                      *sqlstore.Store
	mu                     sync.Mutex
	deliveries, duplicates int
}

func newIdempotent(tb testing.TB, s *sqlstore.Store) *idempotent {
	tb.Helper()
	if _, err := s.DB().Exec("CREATE TABLE IF NOT EXISTS test_applied (id text PRIMARY KEY, resource_id text NOT NULL)"); err != nil {
		tb.Fatalf("consumer table: %v", err)
	}
	return &idempotent{s: s}
}

// Handle applies e unless it was applied before.
func (c *idempotent) Handle(ctx context.Context, e event.Event) error {
	q := "INSERT INTO test_applied (id, resource_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING"
	if c.s.Dialect() == sqlstore.SQLite {
		q = strings.ReplaceAll(q, "$", "?")
	}
	res, err := c.s.DB().ExecContext(ctx, q, e.ID, e.ResourceID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deliveries++
	if n == 0 {
		c.duplicates++
	}
	return nil
}

func (c *idempotent) appliedIDs(tb testing.TB) []string {
	tb.Helper()
	rows, err := c.s.DB().Query("SELECT id FROM test_applied ORDER BY id")
	if err != nil {
		tb.Fatalf("applied: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// drain runs consumer of s with c until c has seen n deliveries.
func drain(t *testing.T, s *sqlstore.Store, c *idempotent, consumer string, n int, opts sqlstore.RunOptions) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts.Consumer = consumer
	h := event.HandlerFunc(func(ctx context.Context, e event.Event) error {
		err := c.Handle(ctx, e)
		c.mu.Lock()
		if c.deliveries == n {
			cancel()
		}
		c.mu.Unlock()
		return err
	})
	if err := s.Outbox().Run(ctx, h, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v (after %d deliveries, want %d)", err, c.deliveries, n)
	}
}
