package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/scimkit/scim/internal/testclock"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// outboxDB is a database the outbox tests can open several times, as a
// restarted process or a second replica would.
type outboxDB struct {
	dialect sqlstore.Dialect
	target  string // the SQLite file or the PostgreSQL DSN
}

func (o outboxDB) open(tb testing.TB) *sql.DB {
	tb.Helper()
	if o.dialect == sqlstore.Postgres {
		return openPostgres(tb, o.target)
	}
	db, err := sql.Open("sqlite", "file:"+o.target+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		tb.Fatalf("sql.Open(sqlite): %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func (o outboxDB) store(tb testing.TB, opts ...sqlstore.Option) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.New(o.open(tb), o.dialect, append([]sqlstore.Option{sqlstore.WithOutbox()}, opts...)...)
	if err != nil {
		tb.Fatalf("sqlstore.New: %v", err)
	}
	return s
}

// outboxDBs runs f on a fresh SQLite file and a fresh PostgreSQL schema.
func outboxDBs(t *testing.T, f func(t *testing.T, db outboxDB)) {
	t.Run("SQLite", func(t *testing.T) {
		f(t, outboxDB{sqlstore.SQLite, filepath.Join(t.TempDir(), "scim.db")})
	})
	t.Run("Postgres", func(t *testing.T) {
		f(t, outboxDB{sqlstore.Postgres, postgresSchema(t)})
	})
}

// withEvent returns a context of tenant carrying one event of type typ
// about resource id.
func withEvent(tenant string, typ event.Type, id string) (context.Context, event.Event) {
	e := event.Event{ID: event.NewID(), Tenant: tenant, ResourceType: typ.ResourceType(), ResourceID: id, Type: typ,
		Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Request: "req-" + id, Method: "PATCH", Profile: "entra"}
	ctx := store.WithTenant(context.Background(), tenant)
	return store.WithEvents(ctx, []event.Event{e}), e
}

// outboxCount returns the number of rows of scim_outbox.
func outboxCount(tb testing.TB, s *sqlstore.Store) int {
	tb.Helper()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM scim_outbox").Scan(&n); err != nil {
		tb.Fatalf("count outbox: %v", err)
	}
	return n
}

// all reads every event of tenant through After, 7 at a time.
func all(tb testing.TB, o *sqlstore.Outbox, tenant string) []event.Event {
	tb.Helper()
	var out []event.Event
	cursor := ""
	for {
		evs, next, err := o.After(context.Background(), tenant, cursor, 7)
		if err != nil {
			tb.Fatalf("After(%q): %v", cursor, err)
		}
		out = append(out, evs...)
		cursor = next
		if len(evs) < 7 {
			return out
		}
	}
}

// TestOutboxWritesEvents makes every write method with events in its
// context and reads them back in order, each with the version its write
// gave the resource, the write's tenant, and its fields intact.
func TestOutboxWritesEvents(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		s := db.store(t)
		if !s.WritesEvents() {
			t.Fatal("WritesEvents() = false")
		}
		var want []event.Event
		do := func(typ event.Type, id string, version string, write func(ctx context.Context) error) {
			t.Helper()
			ctx, e := withEvent("tenant-a", typ, id)
			e.Tenant = "forged" // the store files an event under the write's tenant
			e.Attributes, e.Members = []string{"displayName"}, []string{"u1"}
			e.Resource = []byte(`{"id":"` + id + `"}`)
			ctx = store.WithEvents(ctx, []event.Event{e})
			if err := write(ctx); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if got := store.EventsFrom(ctx)[0]; got.Version != "" || got.Tenant != "forged" {
				t.Errorf("%s: the store changed the caller's event: %+v", typ, got)
			}
			e.Tenant, e.Version = "tenant-a", version
			want = append(want, e)
		}
		var u *resource.User
		do(event.UserCreated, "u1", "1", func(ctx context.Context) (err error) {
			u, err = s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "alice"})
			return err
		})
		do(event.UserUpdated, "u1", "2", func(ctx context.Context) (err error) {
			u.DisplayName = "Alice"
			u, err = s.ReplaceUser(ctx, u, "1")
			return err
		})
		var g *resource.Group
		do(event.GroupCreated, "g1", "1", func(ctx context.Context) (err error) {
			g, err = s.CreateGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Eng"})
			return err
		})
		do(event.MembersAdded, "g1", "2", func(ctx context.Context) error {
			_, err := s.PatchMembers(ctx, "g1", []resource.Member{{Value: "u1", Type: "User"}}, nil, "1")
			return err
		})
		do(event.GroupUpdated, "g1", "3", func(ctx context.Context) (err error) {
			g.DisplayName = "Engineering"
			g, err = s.ReplaceGroupAttributes(ctx, g, "2")
			return err
		})
		do(event.GroupUpdated, "g1", "4", func(ctx context.Context) (err error) {
			g.Members = nil
			_, err = s.ReplaceGroup(ctx, g, "3")
			return err
		})
		do(event.UserDeactivated, "u1", "3", func(ctx context.Context) error {
			return s.ArchiveUser(ctx, "u1", "2", time.Now())
		})
		do(event.GroupDeleted, "g1", "", func(ctx context.Context) error { return s.DeleteGroup(ctx, "g1", "4") })
		do(event.UserCreated, "u2", "1", func(ctx context.Context) error {
			_, err := s.CreateUser(ctx, &resource.User{ID: "u2", UserName: "bob"})
			return err
		})
		do(event.UserDeleted, "u2", "", func(ctx context.Context) error { return s.DeleteUser(ctx, "u2", "1") })
		// An app's transaction with two writes records both, in order.
		err := s.InTx(store.WithTenant(context.Background(), "tenant-a"), func(ctx context.Context) error {
			for _, id := range []string{"u3", "u4"} {
				c, e := withEvent("tenant-a", event.UserCreated, id)
				c = store.WithEvents(ctx, store.EventsFrom(c))
				if _, err := s.CreateUser(c, &resource.User{ID: id, UserName: id}); err != nil {
					return err
				}
				e.Version = "1"
				want = append(want, e)
			}
			return nil
		})
		assert.NoError(t, err)

		got := all(t, s.Outbox(), "tenant-a")
		assert.Equal(t, got, want, cmpopts.EquateEmpty())
		if evs := all(t, s.Outbox(), "forged"); len(evs) != 0 {
			t.Errorf("events under the forged tenant: %+v", evs)
		}
	})
}

// TestOutboxFailedWritesRecordNothing makes every write method fail, with
// events in its context, and finds the outbox empty; so does a
// transaction of the app that rolls back after a successful write.
func TestOutboxFailedWritesRecordNothing(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		s := db.store(t)
		plain := store.WithTenant(context.Background(), "tenant-a")
		_, err := s.CreateUser(plain, &resource.User{ID: "u1", UserName: "alice"})
		assert.NoError(t, err)
		_, err = s.CreateGroup(plain, &resource.Group{ID: "g1", DisplayName: "Eng"})
		assert.NoError(t, err)
		_, err = s.CreateUser(plain, &resource.User{ID: "u9", UserName: "gone"})
		assert.NoError(t, err)
		assert.NoError(t, s.ArchiveUser(plain, "u9", "1", time.Now()))

		failures := []struct {
			name string
			want error
			do   func(ctx context.Context) error
		}{
			{"CreateUser taken userName", store.ErrConflict, func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, &resource.User{ID: "u2", UserName: "ALICE"})
				return err
			}},
			{"CreateUser taken id", store.ErrConflict, func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "carol"})
				return err
			}},
			{"CreateUser archived id", store.ErrConflict, func(ctx context.Context) error {
				_, err := s.CreateUser(ctx, &resource.User{ID: "u9", UserName: "dave"})
				return err
			}},
			{"ReplaceUser stale", store.ErrPreconditionFailed, func(ctx context.Context) error {
				_, err := s.ReplaceUser(ctx, &resource.User{ID: "u1", UserName: "alice"}, "7")
				return err
			}},
			{"ReplaceUser missing", store.ErrNotFound, func(ctx context.Context) error {
				_, err := s.ReplaceUser(ctx, &resource.User{ID: "nobody", UserName: "x"}, "")
				return err
			}},
			{"DeleteUser stale", store.ErrPreconditionFailed, func(ctx context.Context) error { return s.DeleteUser(ctx, "u1", "7") }},
			{"DeleteUser missing", store.ErrNotFound, func(ctx context.Context) error { return s.DeleteUser(ctx, "nobody", "") }},
			{"ArchiveUser stale", store.ErrPreconditionFailed, func(ctx context.Context) error {
				return s.ArchiveUser(ctx, "u1", "7", time.Now())
			}},
			{"CreateGroup taken name", store.ErrConflict, func(ctx context.Context) error {
				_, err := s.CreateGroup(ctx, &resource.Group{ID: "g2", DisplayName: "ENG"})
				return err
			}},
			{"ReplaceGroup stale", store.ErrPreconditionFailed, func(ctx context.Context) error {
				_, err := s.ReplaceGroup(ctx, &resource.Group{ID: "g1", DisplayName: "Eng"}, "7")
				return err
			}},
			{"ReplaceGroupAttributes missing", store.ErrNotFound, func(ctx context.Context) error {
				_, err := s.ReplaceGroupAttributes(ctx, &resource.Group{ID: "nope", DisplayName: "X"}, "")
				return err
			}},
			{"PatchMembers stale", store.ErrPreconditionFailed, func(ctx context.Context) error {
				_, err := s.PatchMembers(ctx, "g1", []resource.Member{{Value: "u1", Type: "User"}}, nil, "7")
				return err
			}},
			{"DeleteGroup missing", store.ErrNotFound, func(ctx context.Context) error { return s.DeleteGroup(ctx, "nope", "") }},
			{"InTx rolled back", errRollback, func(ctx context.Context) error {
				return s.InTx(ctx, func(ctx context.Context) error {
					if _, err := s.CreateUser(ctx, &resource.User{ID: "u3", UserName: "erin"}); err != nil {
						return err
					}
					return errRollback
				})
			}},
		}
		for _, f := range failures {
			ctx, _ := withEvent("tenant-a", event.UserUpdated, "u1")
			if err := f.do(ctx); !errors.Is(err, f.want) {
				t.Errorf("%s: error %v, want %v", f.name, err, f.want)
			}
			if n := outboxCount(t, s); n != 0 {
				t.Fatalf("%s: the outbox holds %d events, want 0", f.name, n)
			}
		}
		// The same context on a write that succeeds records its event.
		ctx, e := withEvent("tenant-a", event.UserUpdated, "u1")
		_, err = s.ReplaceUser(ctx, &resource.User{ID: "u1", UserName: "alice2"}, "1")
		assert.NoError(t, err)
		e.Version = "2"
		assert.Equal(t, all(t, s.Outbox(), "tenant-a"), []event.Event{e}, cmpopts.EquateEmpty())
	})
}

var errRollback = errors.New("the app's work failed")

// TestOutboxWithout: a store made without WithOutbox writes no event and says so.
func TestOutboxWithout(t *testing.T) {
	db := outboxDB{sqlstore.SQLite, filepath.Join(t.TempDir(), "scim.db")}
	s, err := sqlstore.New(db.open(t), db.dialect) // the default
	if err != nil {
		t.Fatal(err)
	}
	if s.WritesEvents() || s.Outbox() != nil {
		t.Fatalf("WritesEvents() = %v, Outbox() = %v", s.WritesEvents(), s.Outbox())
	}
	ctx, _ := withEvent("tenant-a", event.UserCreated, "u1")
	_, err = s.CreateUser(ctx, &resource.User{ID: "u1", UserName: "alice"})
	assert.NoError(t, err)
	if n := outboxCount(t, s); n != 0 {
		t.Errorf("the outbox holds %d events", n)
	}
}

// writeUsers creates users id0 ... of tenant, each with an event, and
// returns the events.
func writeUsers(tb testing.TB, s *sqlstore.Store, tenant, prefix string, n int) []event.Event {
	tb.Helper()
	var out []event.Event
	for i := range n {
		id := prefix + strconv.Itoa(i)
		ctx, e := withEvent(tenant, event.UserCreated, id)
		if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id}); err != nil {
			tb.Fatalf("CreateUser(%s): %v", id, err)
		}
		e.Version = "1"
		out = append(out, e)
	}
	return out
}

// TestOutboxAfter pages through each tenant's events in order, keeps an
// idle cursor fresh, refuses cursors it did not issue, and expires
// exactly the cursors that retention made incomplete.
func TestOutboxAfter(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		clk := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
		s := db.store(t, sqlstore.WithClock(clk.Now), sqlstore.WithOutboxRetention(time.Hour))
		o := s.Outbox()
		ctx := context.Background()
		var wantA, wantB []event.Event
		for i := range 5 { // interleaved tenants
			wantA = append(wantA, writeUsers(t, s, "tenant-a", "a"+strconv.Itoa(i)+"-", 5)...)
			wantB = append(wantB, writeUsers(t, s, "tenant-b", "b"+strconv.Itoa(i)+"-", 2)...)
		}
		// Pages of 10: 10, 10, 5.
		var got []event.Event
		var cursors []string
		cursor := ""
		for _, n := range []int{10, 10, 5} {
			evs, next, err := o.After(ctx, "tenant-a", cursor, 10)
			assert.NoError(t, err)
			if len(evs) != n {
				t.Fatalf("After(%q) returned %d events, want %d", cursor, len(evs), n)
			}
			got, cursor = append(got, evs...), next
			cursors = append(cursors, next)
		}
		assert.Equal(t, got, wantA, cmpopts.EquateEmpty())
		assert.Equal(t, all(t, o, "tenant-b"), wantB, cmpopts.EquateEmpty())
		// Idle: nothing after the last cursor, which stays valid.
		evs, next, err := o.After(ctx, "tenant-a", cursor, 10)
		if err != nil || len(evs) != 0 || next != cursor {
			t.Fatalf("idle After = %d events, %q, %v; want none, %q", len(evs), next, err, cursor)
		}
		// Another tenant's writes move an idle cursor on, not its events.
		_, bCursor, _ := o.After(ctx, "tenant-b", "", 100)
		writeUsers(t, s, "tenant-b", "late-", 1)
		evs, next, err = o.After(ctx, "tenant-a", cursor, 10)
		if err != nil || len(evs) != 0 || next == cursor {
			t.Fatalf("After tenant-b wrote: %d events, %q, %v; want none and a new cursor", len(evs), next, err)
		}
		// Cursors not issued by this outbox.
		epoch, _, _ := stringsCut(cursor)
		for _, c := range []string{"garbage", "x.1", epoch + ".-1", epoch + ".999999", epoch + ".abc"} {
			if _, _, err := o.After(ctx, "tenant-a", c, 10); !errors.Is(err, event.ErrBadCursor) {
				t.Errorf("After(%q): %v, want ErrBadCursor", c, err)
			}
		}
		other := "zzzzzzzz.3"
		if _, next, err := o.After(ctx, "tenant-a", other, 10); !errors.Is(err, event.ErrCursorExpired) {
			t.Errorf("After(another database's cursor): %v, want ErrCursorExpired", err)
		} else if evs, _, err := o.After(ctx, "tenant-a", next, 100); err != nil || len(evs) != 25 {
			t.Errorf("After(next of the expired cursor): %d events, %v; want all 25", len(evs), err)
		}

		// Two hours later, five more events of tenant-a; retention removes
		// the first 25 (no consumer is registered).
		clk.Add(2 * time.Hour)
		newer := writeUsers(t, s, "tenant-a", "new-", 5)
		assert.NoError(t, o.Prune(ctx))
		if n := outboxCount(t, s); n != 5 {
			t.Errorf("after Prune the outbox holds %d events, want 5", n)
		}
		for _, c := range []string{"", cursors[0], cursors[1]} {
			evs, next, err := o.After(ctx, "tenant-a", c, 100)
			if c == "" {
				assert.NoError(t, err)
				assert.Equal(t, evs, newer, cmpopts.EquateEmpty())
				continue
			}
			if !errors.Is(err, event.ErrCursorExpired) || len(evs) != 0 {
				t.Fatalf("After(%q) after retention: %d events, %v; want ErrCursorExpired", c, len(evs), err)
			}
			evs, _, err = o.After(ctx, "tenant-a", next, 100)
			assert.NoError(t, err)
			assert.Equal(t, evs, newer, cmpopts.EquateEmpty())
		}
		// A cursor after everything removed is complete: not expired.
		evs, _, err = o.After(ctx, "tenant-a", cursors[2], 100)
		assert.NoError(t, err)
		assert.Equal(t, evs, newer, cmpopts.EquateEmpty())
		// tenant-b lost its late event after bCursor: expired.
		if _, _, err := o.After(ctx, "tenant-b", bCursor, 100); !errors.Is(err, event.ErrCursorExpired) {
			t.Errorf("tenant-b's cursor: %v, want ErrCursorExpired", err)
		}
	})
}

func stringsCut(c string) (string, string, bool) {
	for i := range c {
		if c[i] == '.' {
			return c[:i], c[i+1:], true
		}
	}
	return c, "", false
}

// TestOutboxRetentionKeepsUndelivered: with a consumer registered,
// retention removes only what it has delivered.
func TestOutboxRetentionKeepsUndelivered(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		clk := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
		s := db.store(t, sqlstore.WithClock(clk.Now), sqlstore.WithOutboxRetention(time.Hour))
		evs := writeUsers(t, s, "tenant-a", "u", 6)
		// A consumer that takes 4 events, then stops.
		ctx, cancel := context.WithCancel(context.Background())
		var seen []event.Event
		h := event.HandlerFunc(func(_ context.Context, e event.Event) error {
			if len(seen) == 4 {
				cancel()
				return errors.New("stopping")
			}
			seen = append(seen, e)
			return nil
		})
		if err := s.Outbox().Run(ctx, h, sqlstore.RunOptions{MinBackoff: time.Millisecond}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		assert.Equal(t, seen, evs[:4], cmpopts.EquateEmpty())
		clk.Add(2 * time.Hour)
		assert.NoError(t, s.Outbox().Prune(context.Background()))
		assert.Equal(t, all(t, s.Outbox(), "tenant-a"), evs[4:], cmpopts.EquateEmpty())
	})
}

// TestOutboxRunRetries: a handler's error makes Run wait and deliver the
// same event again, before any later one; OnError hears of each error.
func TestOutboxRunRetries(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		s := db.store(t)
		writeUsers(t, s, "tenant-a", "u", 3)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var got []string
		fails := 0
		h := event.HandlerFunc(func(_ context.Context, e event.Event) error {
			got = append(got, e.ResourceID)
			if e.ResourceID == "u1" && fails < 3 {
				fails++
				return fmt.Errorf("webhook down %d", fails)
			}
			if e.ResourceID == "u2" {
				cancel()
			}
			return nil
		})
		var reported []string
		opts := sqlstore.RunOptions{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
			OnError: func(e event.Event, err error) { reported = append(reported, e.ResourceID+": "+err.Error()) }}
		if err := s.Outbox().Run(ctx, h, opts); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		assert.Equal(t, got, []string{"u0", "u1", "u1", "u1", "u1", "u2"})
		assert.Equal(t, reported, []string{"u1: webhook down 1", "u1: webhook down 2", "u1: webhook down 3"})
		// Delivered and marked: a new Run of the consumer sees nothing more.
		more := writeUsers(t, s, "tenant-a", "v", 1)
		ctx, cancel = context.WithCancel(context.Background())
		var again []event.Event
		err := s.Outbox().Run(ctx, event.HandlerFunc(func(_ context.Context, e event.Event) error {
			again = append(again, e)
			cancel()
			return nil
		}), sqlstore.RunOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		assert.Equal(t, again, more, cmpopts.EquateEmpty())
	})
}

// TestOutboxConsumers: two consumer names each get every event.
func TestOutboxConsumers(t *testing.T) {
	db := outboxDB{sqlstore.SQLite, filepath.Join(t.TempDir(), "scim.db")}
	s := db.store(t)
	evs := writeUsers(t, s, "tenant-a", "u", 3)
	for _, name := range []string{"webhooks", "sessions"} {
		ctx, cancel := context.WithCancel(context.Background())
		var got []event.Event
		err := s.Outbox().Run(ctx, event.HandlerFunc(func(_ context.Context, e event.Event) error {
			if got = append(got, e); len(got) == len(evs) {
				cancel()
			}
			return nil
		}), sqlstore.RunOptions{Consumer: name})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
		assert.Equal(t, got, evs, cmpopts.EquateEmpty())
	}
}

// deliveries counts what a handler of several drainers saw.
type deliveries struct {
	mu       sync.Mutex
	byID     map[string]int
	versions map[string][]int // per resource, in delivery order
	inFlight int
	overlap  bool
	total    int
	done     chan struct{}
	want     int

	last       int    // the replica that delivered last
	perReplica [2]int // deliveries per replica
}

func newDeliveries(want int) *deliveries {
	return &deliveries{byID: map[string]int{}, versions: map[string][]int{}, done: make(chan struct{}), want: want, last: -1}
}

// by returns the handler of replica r.
func (d *deliveries) by(r int) event.Handler {
	return event.HandlerFunc(func(ctx context.Context, e event.Event) error {
		d.mu.Lock()
		d.last = r
		d.perReplica[r]++
		d.mu.Unlock()
		return d.Handle(ctx, e)
	})
}

// Handle records a delivery.
func (d *deliveries) Handle(_ context.Context, e event.Event) error {
	d.mu.Lock()
	d.inFlight++
	if d.inFlight > 1 {
		d.overlap = true
	}
	d.mu.Unlock()
	// Another replica delivering now would find inFlight > 1.
	time.Sleep(50 * time.Microsecond)
	v, _ := strconv.Atoi(e.Version)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inFlight--
	d.byID[e.ID]++
	d.versions[e.ResourceID] = append(d.versions[e.ResourceID], v)
	if d.total++; d.total == d.want {
		close(d.done)
	}
	return nil
}

// TestOutboxReplicas: two replicas (two Stores on one database, each with
// its own pool) run Run at once while 1,000 events are written through
// both; midway one replica stops and starts again. Every event is
// delivered once, never two at the same time, and each user's versions
// arrive in order.
func TestOutboxReplicas(t *testing.T) {
	outboxDBs(t, func(t *testing.T, db outboxDB) {
		const users, writesPerUser = 20, 50 // 1,000 events
		replicas := []*sqlstore.Store{db.store(t), db.store(t)}
		d := newDeliveries(users * writesPerUser)
		opts := sqlstore.RunOptions{Poll: 5 * time.Millisecond, Lease: 10 * time.Second, Batch: 25}
		var runs sync.WaitGroup
		start := func(r int) context.CancelFunc {
			ctx, cancel := context.WithCancel(context.Background())
			runs.Add(1)
			go func() {
				defer runs.Done()
				if err := replicas[r].Outbox().Run(ctx, d.by(r), opts); !errors.Is(err, context.Canceled) {
					t.Errorf("Run: %v", err)
				}
			}()
			return cancel
		}
		stops := []context.CancelFunc{start(0), start(1)}
		count := func() (total, last int, per [2]int) {
			d.mu.Lock()
			defer d.mu.Unlock()
			return d.total, d.last, d.perReplica
		}

		var writers sync.WaitGroup
		for w := range 4 {
			writers.Add(1)
			go func() {
				defer writers.Done()
				for u := w; u < users; u += 4 {
					id := fmt.Sprintf("u%02d", u)
					s := replicas[u%2]
					ctx, _ := withEvent("tenant-a", event.UserCreated, id)
					if _, err := s.CreateUser(ctx, &resource.User{ID: id, UserName: id}); err != nil {
						t.Errorf("CreateUser: %v", err)
						return
					}
					for v := 1; v < writesPerUser; v++ {
						ctx, _ := withEvent("tenant-a", event.UserUpdated, id)
						u := &resource.User{ID: id, UserName: id, DisplayName: strconv.Itoa(v)}
						if _, err := replicas[(u.ID[2]+byte(v))%2].ReplaceUser(ctx, u, strconv.Itoa(v)); err != nil {
							t.Errorf("ReplaceUser: %v", err)
							return
						}
					}
				}
			}()
		}
		// Once a third is delivered, stop the replica draining (it
		// releases its lease), wait for the other to take over, and start
		// it again.
		for {
			if n, _, _ := count(); n >= users*writesPerUser/3 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		_, holder, before := count()
		stops[holder]()
		for {
			_, _, now := count()
			if n, _, _ := count(); n == users*writesPerUser || now[1-holder] > before[1-holder] {
				break
			}
			time.Sleep(time.Millisecond)
		}
		stops[holder] = start(holder)
		writers.Wait()
		select {
		case <-d.done:
		case <-time.After(2 * time.Minute):
			d.mu.Lock()
			t.Fatalf("only %d of %d events delivered", d.total, d.want)
		}
		for _, stop := range stops {
			stop()
		}
		runs.Wait()

		d.mu.Lock()
		defer d.mu.Unlock()
		t.Logf("deliveries per replica: %v", d.perReplica)
		if d.perReplica[0] == 0 || d.perReplica[1] == 0 {
			t.Errorf("deliveries per replica %v: one replica never drained", d.perReplica)
		}
		if d.overlap {
			t.Error("two replicas delivered at the same time")
		}
		if len(d.byID) != users*writesPerUser || d.total != users*writesPerUser {
			t.Errorf("%d deliveries of %d distinct events, want %d of %d", d.total, len(d.byID), users*writesPerUser, users*writesPerUser)
		}
		for id, n := range d.byID {
			if n != 1 {
				t.Errorf("event %s delivered %d times", id, n)
			}
		}
		want := make([]int, writesPerUser)
		for i := range want {
			want[i] = i + 1
		}
		for id, vs := range d.versions {
			if !slices.Equal(vs, want) {
				t.Errorf("user %s: versions delivered in the order %v", id, vs)
			}
		}
	})
}
