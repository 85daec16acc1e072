package event

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Handler receives events as they are committed. A delivery is at least
// once (see [Event]): Handle may see an event again, with the same ID, and
// must then do nothing more. An error asks for a redelivery, which a
// durable source (an outbox) makes later; [Log] returns it to the
// appender instead.
type Handler interface {
	Handle(ctx context.Context, e Event) error
}

// HandlerFunc is a function as a [Handler].
type HandlerFunc func(ctx context.Context, e Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, e Event) error { return f(ctx, e) }

// Sink takes the events of a committed change, in the order [UserEvents]
// and [GroupEvents] return them. [Log] is one; a store with an outbox
// writes them in the change's own transaction instead.
type Sink interface {
	Append(ctx context.Context, events ...Event) error
}

// Source serves the events of a tenant in order, for reconciliation jobs
// and for apps that poll rather than be called.
//
// After returns up to limit events of tenant that come after cursor (""
// for the oldest the source keeps), in the order they were appended, and
// the cursor to pass next time: after the last event returned, or, when
// fewer than limit came back, after everything the source holds now, so
// that polling an idle tenant keeps its cursor fresh. Cursors are opaque
// strings and stay valid while retention keeps what follows them. A limit
// of 0 or less means [DefaultLimit]; more than [MaxLimit] means MaxLimit.
//
// When events that follow cursor have been dropped by retention, After
// returns [ErrCursorExpired] with no events and, as next, the cursor from
// which the source is complete again: the consumer reads the tenant's
// directory afresh (a SCIM list) and continues from it. A cursor the
// source never issued is [ErrBadCursor].
type Source interface {
	After(ctx context.Context, tenant, cursor string, limit int) (events []Event, next string, err error)
}

// Errors of [Source.After].
var (
	// ErrCursorExpired: events that follow the cursor were dropped by
	// retention (or the log that issued it is gone, e.g. an in-memory log
	// after a restart), so the events after it are incomplete.
	ErrCursorExpired = errors.New("event: cursor expired: events after it were dropped")
	// ErrBadCursor: the cursor is not one the source issued.
	ErrBadCursor = errors.New("event: malformed cursor")
)

// Limits of [Source.After].
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Defaults of [LogOptions].
const (
	DefaultMaxEvents = 10000
	DefaultMaxAge    = 24 * time.Hour
)

// LogOptions bound what a [Log] keeps.
type LogOptions struct {
	// MaxEvents is how many events the log keeps, over all tenants; when
	// an append goes past it the oldest are dropped. Zero or less means
	// DefaultMaxEvents (10,000).
	MaxEvents int
	// MaxAge is how long the log keeps an event after appending it; older
	// events are dropped on the next Append or After. Zero means
	// DefaultMaxAge (24 hours); a negative MaxAge keeps events until
	// MaxEvents drops them.
	MaxAge time.Duration
	// Now is the clock retention reads; nil means time.Now.
	Now func() time.Time
}

// Log is an in-memory event log: a [Sink] that numbers events in the
// order they are appended, delivers them at once to its subscribers, and
// keeps them, within [LogOptions]' bounds, as a [Source]. It is the
// delivery of a memory store: synchronous, in process, and gone with the
// process (its cursors then expire). A Log is safe for concurrent use.
type Log struct {
	maxEvents int
	maxAge    time.Duration
	now       func() time.Time
	epoch     string // tells this log's cursors from another's

	deliver sync.Mutex // held by Append: one delivery at a time, in sequence order

	mu       sync.Mutex
	seq      uint64            // the last sequence number assigned
	order    []entryRef        // every kept event, oldest first
	tenants  map[string]*queue // the kept events of each tenant
	handlers []subscriber
	nextSub  int
}

type subscriber struct {
	id int
	h  Handler
}

type entry struct {
	seq uint64
	at  time.Time // when the log appended it, for MaxAge
	e   Event
}

type entryRef struct {
	seq    uint64
	at     time.Time
	tenant string
}

type queue struct {
	entries []entry
	dropped uint64 // the sequence number of the last event of the tenant dropped
}

// NewLog returns an empty log with the bounds of opts.
func NewLog(opts LogOptions) *Log {
	l := &Log{
		maxEvents: opts.MaxEvents,
		maxAge:    opts.MaxAge,
		now:       opts.Now,
		epoch:     NewID()[:8],
		tenants:   map[string]*queue{},
	}
	if l.maxEvents <= 0 {
		l.maxEvents = DefaultMaxEvents
	}
	if l.maxAge == 0 {
		l.maxAge = DefaultMaxAge
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// Subscribe adds h to the handlers Append calls, and returns the function
// that removes it. Handlers are called one event at a time, in sequence
// order, from Append's goroutine; they see every tenant's events. A
// handler may call After but must not Append to the same log.
func (l *Log) Subscribe(h Handler) (unsubscribe func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := l.nextSub
	l.nextSub++
	l.handlers = append(l.handlers, subscriber{id, h})
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.handlers = slices.DeleteFunc(slices.Clone(l.handlers), func(s subscriber) bool { return s.id == id })
	}
}

// Append numbers events (the next sequence numbers of the log, in the
// order given), keeps them, and then calls every subscribed handler with
// each of them before returning. An event without ID gets a new one,
// without Time the log's now. Append keeps copies: the caller's slices
// stay its own. Its error is the handlers' (joined): the events are kept
// whatever the handlers answer, so a consumer that failed reads them again
// with After.
func (l *Log) Append(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	l.deliver.Lock()
	defer l.deliver.Unlock()

	l.mu.Lock()
	now := l.now()
	kept := make([]Event, len(events))
	for i, e := range events {
		e = e.Clone()
		if e.ID == "" {
			e.ID = NewID()
		}
		if e.Time.IsZero() {
			e.Time = now
		}
		l.seq++
		q := l.tenants[e.Tenant]
		if q == nil {
			q = &queue{}
			l.tenants[e.Tenant] = q
		}
		q.entries = append(q.entries, entry{seq: l.seq, at: now, e: e})
		l.order = append(l.order, entryRef{seq: l.seq, at: now, tenant: e.Tenant})
		kept[i] = e
	}
	l.expire(now)
	handlers := l.handlers // never changed in place: Subscribe and its undo copy
	l.mu.Unlock()

	var errs []error
	for _, e := range kept {
		for _, s := range handlers {
			if err := s.h.Handle(ctx, e.Clone()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// expire drops the events past the log's bounds. l.mu is held.
func (l *Log) expire(now time.Time) {
	n := 0
	for n < len(l.order) {
		r := l.order[n]
		if len(l.order)-n <= l.maxEvents && (l.maxAge < 0 || now.Sub(r.at) < l.maxAge) {
			break
		}
		q := l.tenants[r.tenant]
		q.entries[0] = entry{} // let the event be collected
		q.entries = q.entries[1:]
		q.dropped = r.seq
		n++
	}
	if n > 0 {
		clear(l.order[:n])
		l.order = l.order[n:]
	}
}

// After implements [Source].
func (l *Log) After(ctx context.Context, tenant, cursor string, limit int) ([]Event, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, cursor, err
	}
	switch {
	case limit <= 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(l.now())
	var from uint64
	if cursor != "" {
		epoch, seq, ok := l.parseCursor(cursor)
		switch {
		case !ok:
			return nil, cursor, ErrBadCursor
		case epoch != l.epoch:
			return nil, l.cursor(l.oldest(tenant)), ErrCursorExpired
		}
		from = seq
	}
	q := l.tenants[tenant]
	if q == nil {
		return nil, l.cursor(max(from, l.seq)), nil
	}
	if cursor == "" {
		from = q.dropped
	} else if from < q.dropped {
		return nil, l.cursor(q.dropped), ErrCursorExpired
	}
	// The first kept event after from.
	lo, hi := 0, len(q.entries)
	for lo < hi {
		mid := (lo + hi) / 2
		if q.entries[mid].seq <= from {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	end := min(lo+limit, len(q.entries))
	out := make([]Event, 0, end-lo)
	for _, en := range q.entries[lo:end] {
		out = append(out, en.e.Clone())
	}
	next := max(from, l.seq)
	if end-lo == limit && end < len(q.entries) {
		next = q.entries[end-1].seq
	}
	return out, l.cursor(next), nil
}

// oldest is the position from which tenant's kept events are complete.
func (l *Log) oldest(tenant string) uint64 {
	if q := l.tenants[tenant]; q != nil {
		return q.dropped
	}
	return l.seq
}

func (l *Log) cursor(seq uint64) string {
	return l.epoch + "." + strconv.FormatUint(seq, 10)
}

func (l *Log) parseCursor(c string) (epoch string, seq uint64, ok bool) {
	epoch, num, found := strings.Cut(c, ".")
	if !found || len(epoch) != len(l.epoch) {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil || epoch == l.epoch && seq > l.seq {
		return "", 0, false
	}
	return epoch, seq, true
}
