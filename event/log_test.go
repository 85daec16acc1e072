package event_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/internal/assert"
)

var (
	_ event.Sink   = (*event.Log)(nil)
	_ event.Source = (*event.Log)(nil)
)

// clock is a hand-moved clock for retention by age.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ev(tenant, id string, version int) event.Event {
	return event.Event{
		ID: fmt.Sprintf("%s-%s-%d", tenant, id, version), Tenant: tenant, ResourceType: event.User, ResourceID: id,
		Type: event.UserUpdated, Attributes: []string{"title"}, Version: fmt.Sprint(version), Time: when,
	}
}

func eventIDs(evs []event.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

func after(t *testing.T, l *event.Log, tenant, cursor string, limit int) ([]string, string) {
	t.Helper()
	evs, next, err := l.After(context.Background(), tenant, cursor, limit)
	assert.NoError(t, err)
	return eventIDs(evs), next
}

func TestLogAfterPagesInOrderPerTenant(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 1), ev("b", "u9", 1), ev("a", "u2", 1)))
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 2)))

	got, next := after(t, l, "a", "", 2)
	assert.Equal(t, got, []string{"a-u1-1", "a-u2-1"})
	got, next = after(t, l, "a", next, 2)
	assert.Equal(t, got, []string{"a-u1-2"})
	got, idle := after(t, l, "a", next, 2)
	assert.Equal(t, got, []string{})
	assert.Equal(t, idle, next) // nothing new: the same position

	// Tenant b sees only its own, and tenant c none, from any position.
	got, _ = after(t, l, "b", "", 0)
	assert.Equal(t, got, []string{"b-u9-1"})
	got, cNext := after(t, l, "c", "", 0)
	assert.Equal(t, got, []string{})

	// Events appended later follow every cursor handed out, also the
	// idle tenant's.
	assert.NoError(t, l.Append(ctx, ev("c", "u5", 1), ev("a", "u2", 2)))
	got, _ = after(t, l, "a", next, 0)
	assert.Equal(t, got, []string{"a-u2-2"})
	got, _ = after(t, l, "c", cNext, 0)
	assert.Equal(t, got, []string{"c-u5-1"})
}

func TestLogAfterLimits(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	var evs []event.Event
	for i := range event.MaxLimit + 50 {
		evs = append(evs, ev("a", "u1", i))
	}
	assert.NoError(t, l.Append(ctx, evs...))
	got, _, err := l.After(ctx, "a", "", 0)
	assert.NoError(t, err)
	assert.Equal(t, len(got), event.DefaultLimit)
	got, next, err := l.After(ctx, "a", "", event.MaxLimit*10)
	assert.NoError(t, err)
	assert.Equal(t, len(got), event.MaxLimit)
	rest, _, err := l.After(ctx, "a", next, -1)
	assert.NoError(t, err)
	assert.Equal(t, eventIDs(rest), eventIDs(evs[event.MaxLimit:]))
}

func TestLogRetentionByCount(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{MaxEvents: 3})
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 1)))
	_, start := after(t, l, "a", "", 0) // after a-u1-1
	_, bStart := after(t, l, "b", "", 0)
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 2), ev("b", "u9", 1)))
	got, _ := after(t, l, "a", start, 0)
	assert.Equal(t, got, []string{"a-u1-2"})

	// Two more drop a-u1-1 and a-u1-2: start is before what is kept.
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 3), ev("a", "u1", 4)))
	evs, next, err := l.After(ctx, "a", start, 0)
	if !errors.Is(err, event.ErrCursorExpired) || evs != nil {
		t.Fatalf("After an expired cursor = %v, %v; want ErrCursorExpired", eventIDs(evs), err)
	}
	// next is where the log is complete again.
	got, _ = after(t, l, "a", next, 0)
	assert.Equal(t, got, []string{"a-u1-3", "a-u1-4"})
	// "" is the oldest kept, not an error.
	got, _ = after(t, l, "a", "", 0)
	assert.Equal(t, got, []string{"a-u1-3", "a-u1-4"})
	// Tenant b lost nothing: its cursor is still good.
	got, _ = after(t, l, "b", bStart, 0)
	assert.Equal(t, got, []string{"b-u9-1"})

	// The default bound.
	d := event.NewLog(event.LogOptions{})
	for i := range event.DefaultMaxEvents + 1 {
		assert.NoError(t, d.Append(ctx, ev("a", "u1", i)))
	}
	first, _, err := d.After(ctx, "a", "", 1)
	assert.NoError(t, err)
	assert.Equal(t, first[0].ID, "a-u1-1")
}

func TestLogRetentionByAge(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: when}
	l := event.NewLog(event.LogOptions{MaxAge: time.Hour, Now: c.Now})
	_, start := after(t, l, "a", "", 0)
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 1)))
	c.Add(30 * time.Minute)
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 2)))
	c.Add(59 * time.Minute) // a-u1-1 is 89 minutes old, a-u1-2 29
	got, _ := after(t, l, "a", "", 0)
	assert.Equal(t, got, []string{"a-u1-2"})
	if _, _, err := l.After(ctx, "a", start, 0); !errors.Is(err, event.ErrCursorExpired) {
		t.Fatalf("After a cursor before an expired event: %v, want ErrCursorExpired", err)
	}
	c.Add(time.Hour)
	got, _ = after(t, l, "a", "", 0)
	assert.Equal(t, got, []string{})

	// The default age and a negative one.
	c = &clock{now: when}
	d := event.NewLog(event.LogOptions{Now: c.Now})
	keep := event.NewLog(event.LogOptions{Now: c.Now, MaxAge: -1})
	assert.NoError(t, d.Append(ctx, ev("a", "u1", 1)))
	assert.NoError(t, keep.Append(ctx, ev("a", "u1", 1)))
	c.Add(event.DefaultMaxAge - time.Second)
	got, _ = after(t, d, "a", "", 0)
	assert.Equal(t, got, []string{"a-u1-1"})
	c.Add(time.Second)
	got, _ = after(t, d, "a", "", 0)
	assert.Equal(t, got, []string{})
	c.Add(1000 * time.Hour)
	got, _ = after(t, keep, "a", "", 0)
	assert.Equal(t, got, []string{"a-u1-1"})
}

func TestLogCursors(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 1)))
	_, good := after(t, l, "a", "", 0)
	for _, bad := range []string{"x", "1", ".1", good + "0", good[:len(good)-1] + "9", "zzzzzzzz.-1", good + ".1"} {
		if _, _, err := l.After(ctx, "a", bad, 0); !errors.Is(err, event.ErrBadCursor) {
			t.Errorf("After(%q): %v, want ErrBadCursor", bad, err)
		}
	}
	// A cursor of another log (this process's log before a restart).
	other := event.NewLog(event.LogOptions{})
	assert.NoError(t, other.Append(ctx, ev("a", "u1", 1), ev("a", "u1", 2)))
	_, next, err := other.After(ctx, "a", good, 0)
	if !errors.Is(err, event.ErrCursorExpired) {
		t.Fatalf("After another log's cursor: %v, want ErrCursorExpired", err)
	}
	got, _ := after(t, other, "a", next, 0)
	assert.Equal(t, got, []string{"a-u1-1", "a-u1-2"})

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := l.After(cancelled, "a", "", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("After with a cancelled context: %v", err)
	}
}

func TestLogKeepsCopies(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	e := ev("a", "u1", 1)
	e.Members = []string{"m1"}
	e.Resource = []byte(`{"a":1}`)
	assert.NoError(t, l.Append(ctx, e))
	e.Attributes[0], e.Members[0], e.Resource[1] = "x", "x", 'x'
	got, _, _ := l.After(ctx, "a", "", 0)
	got[0].Attributes[0] = "y"
	again, _, _ := l.After(ctx, "a", "", 0)
	assert.Equal(t, again[0].Attributes, []string{"title"})
	assert.Equal(t, again[0].Members, []string{"m1"})
	assert.Equal(t, string(again[0].Resource), `{"a":1}`)
}

func TestLogFillsIDAndTime(t *testing.T) {
	c := &clock{now: when}
	l := event.NewLog(event.LogOptions{Now: c.Now})
	assert.NoError(t, l.Append(context.Background(), event.Event{Tenant: "a", Type: event.UserDeleted, ResourceID: "u1"}))
	got, _, _ := l.After(context.Background(), "a", "", 0)
	if !hex32.MatchString(got[0].ID) || !got[0].Time.Equal(when) {
		t.Errorf("ID %q Time %v, want a new id and %v", got[0].ID, got[0].Time, when)
	}
}

func TestLogSubscribeDeliversSynchronously(t *testing.T) {
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{})
	var seen []string
	var afterSeen []string
	unsubscribe := l.Subscribe(event.HandlerFunc(func(ctx context.Context, e event.Event) error {
		seen = append(seen, e.ID)
		// A handler may read the log: the event is already in it.
		evs, _, err := l.After(ctx, e.Tenant, "", 0)
		if err != nil {
			return err
		}
		afterSeen = append(afterSeen, evs[len(evs)-1].ID)
		return nil
	}))
	failing := errors.New("the app's handler failed")
	calls := 0
	undoFailing := l.Subscribe(event.HandlerFunc(func(context.Context, event.Event) error {
		calls++
		return failing
	}))
	err := l.Append(ctx, ev("a", "u1", 1), ev("b", "u2", 1))
	// Delivered before Append returned, in order, to every handler.
	assert.Equal(t, seen, []string{"a-u1-1", "b-u2-1"})
	assert.Equal(t, afterSeen, []string{"a-u1-1", "b-u2-1"})
	assert.Equal(t, calls, 2)
	if !errors.Is(err, failing) {
		t.Fatalf("Append = %v, want the handler's error", err)
	}
	// The events are kept all the same.
	got, _ := after(t, l, "a", "", 0)
	assert.Equal(t, got, []string{"a-u1-1"})

	undoFailing()
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 2)))
	assert.Equal(t, calls, 2)
	unsubscribe()
	assert.NoError(t, l.Append(ctx, ev("a", "u1", 3)))
	assert.Equal(t, seen, []string{"a-u1-1", "b-u2-1", "a-u1-2"})
}

// TestLogConcurrent: writers append the events of their own resources
// while pollers page through After and a subscriber records deliveries;
// every reader sees each resource's events in version order, the
// subscriber sees the log's order, and nothing is lost or repeated.
func TestLogConcurrent(t *testing.T) {
	const writers, perWriter = 4, 300
	ctx := context.Background()
	l := event.NewLog(event.LogOptions{MaxEvents: writers * perWriter * 2})
	var mu sync.Mutex
	var delivered []string
	l.Subscribe(event.HandlerFunc(func(_ context.Context, e event.Event) error {
		mu.Lock()
		defer mu.Unlock()
		delivered = append(delivered, e.ID)
		return nil
	}))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for v := range perWriter {
				// Two tenants, and batches of one or two events.
				e := ev([]string{"a", "b"}[w%2], fmt.Sprintf("u%d", w), 2*v)
				f := ev(e.Tenant, e.ResourceID, 2*v+1)
				if v%2 == 0 {
					assert.NoError(t, l.Append(ctx, e, f))
				} else {
					assert.NoError(t, l.Append(ctx, e))
					assert.NoError(t, l.Append(ctx, f))
				}
			}
		})
	}
	done := make(chan struct{})
	polled := make([][]event.Event, 2)
	var pollers sync.WaitGroup
	for i, tenant := range []string{"a", "b"} {
		pollers.Go(func() {
			cursor := ""
			for {
				// Once the writers are done, an empty page is the end.
				finished := false
				select {
				case <-done:
					finished = true
				default:
				}
				evs, next, err := l.After(ctx, tenant, cursor, 7)
				assert.NoError(t, err)
				polled[i] = append(polled[i], evs...)
				cursor = next
				if len(evs) == 0 {
					if finished {
						return
					}
					runtime.Gosched()
				}
			}
		})
	}
	wg.Wait()
	close(done)
	pollers.Wait()

	for i, tenant := range []string{"a", "b"} {
		next := map[string]int{}
		for _, e := range polled[i] {
			if e.Tenant != tenant {
				t.Fatalf("tenant %s got %s", tenant, e.ID)
			}
			if want := fmt.Sprint(next[e.ResourceID]); e.Version != want {
				t.Fatalf("tenant %s: %s after version %d of %s", tenant, e.ID, next[e.ResourceID]-1, e.ResourceID)
			}
			next[e.ResourceID]++
		}
		assert.Equal(t, len(polled[i]), writers/2*perWriter*2)
	}
	// The subscriber saw every event once, in the log's order.
	var all []string
	for _, tenant := range []string{"a", "b"} {
		cursor := ""
		for {
			evs, next, err := l.After(ctx, tenant, cursor, event.MaxLimit)
			assert.NoError(t, err)
			if len(evs) == 0 {
				break
			}
			all = append(all, eventIDs(evs)...)
			cursor = next
		}
	}
	assert.Equal(t, len(delivered), writers*perWriter*2)
	assert.Equal(t, len(all), len(delivered))
	pos := map[string]int{}
	for i, id := range delivered {
		if _, dup := pos[id]; dup {
			t.Fatalf("%s delivered twice", id)
		}
		pos[id] = i
	}
	for _, tenant := range []string{"a", "b"} {
		evs, _, _ := l.After(ctx, tenant, "", event.MaxLimit)
		for i := 1; i < len(evs); i++ {
			if pos[evs[i-1].ID] > pos[evs[i].ID] {
				t.Fatalf("delivered %s after %s, the log has them the other way", evs[i-1].ID, evs[i].ID)
			}
		}
	}
}
