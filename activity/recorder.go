package activity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Options configures a Recorder.
type Options struct {
	// QueueSize is how many entries may wait to be written; an entry
	// observed while the queue is full is dropped and counted in
	// Stats.Dropped. 0 means 4096.
	QueueSize int
	// BatchSize is the most entries written in one Append; 0 means 256.
	BatchSize int
	// Linger is how long the writer waits for more entries after the
	// first of a batch before it writes the batch, so that a store that
	// commits to disk writes a few transactions a second rather than one
	// per request; Flush and Close end the wait. 0 means 100
	// milliseconds, negative means no wait (every entry queued alone is
	// written alone).
	Linger time.Duration
	// WriteTimeout bounds each Append; 0 means 10 seconds.
	WriteTimeout time.Duration
	// PruneInterval is how often a store that is a [Pruner] is pruned;
	// 0 means an hour, negative never.
	PruneInterval time.Duration
	// Logger receives store failures (ERROR) and drops (WARN, at most
	// once a minute); nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock of Entry.Time; nil means time.Now.
	Now func() time.Time
}

// Stats counts what a Recorder did with the entries it observed.
type Stats struct {
	// Recorded entries were written to the store.
	Recorded uint64
	// Dropped entries were observed while the queue was full or after
	// Close.
	Dropped uint64
	// Failed entries were lost because the store's Append failed.
	Failed uint64
}

// Recorder turns the handler's observations into entries of a Store. Its
// Observe is a scim.Config.Observe (Observe: rec.Observe): it only queues
// the entry, and a goroutine writes the queue to the store in batches, so
// a slow or failing store never slows or fails a SCIM request. When the
// queue is full the entry is dropped (Stats.Dropped, and a WARN log at
// most once a minute); when Append fails the batch is dropped
// (Stats.Failed, and an ERROR log). Requests with no tenant (their
// authentication failed) are not recorded.
//
// Call Close on shutdown to write what is queued.
type Recorder struct {
	store  Store
	opts   Options
	log    *slog.Logger
	queue  chan item
	done   chan struct{}
	closed atomic.Bool
	once   sync.Once

	prefix   string // of made-up request ids
	seq      atomic.Uint64
	lastWarn atomic.Int64 // unix nanoseconds of the last drop warning

	recorded, dropped, failed atomic.Uint64
}

// item is an observation and its time, or a marker asking the writer to
// report (flush) or stop once what was queued before it is written. The
// writer makes the Entry, so that Observe allocates nothing.
type item struct {
	ob     Observation
	at     time.Time
	marker chan struct{}
	stop   bool
}

// NewRecorder returns a Recorder writing to s and starts its writer.
func NewRecorder(s Store, o Options) *Recorder {
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Linger == 0 {
		o.Linger = 100 * time.Millisecond
	}
	if o.PruneInterval == 0 {
		o.PruneInterval = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Recorder{store: s, opts: o, log: o.Logger, queue: make(chan item, o.QueueSize), done: make(chan struct{})}
	if r.log == nil {
		r.log = slog.Default()
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	r.prefix = hex.EncodeToString(b[:]) + "-"
	go r.run()
	return r
}

// Observe records the request of ob; its signature is
// scim.Config.Observe's. It never blocks.
func (r *Recorder) Observe(_ context.Context, ob Observation) {
	if ob.Tenant == "" {
		return
	}
	if r.closed.Load() {
		r.dropped.Add(1)
		return
	}
	select {
	case r.queue <- item{ob: ob, at: r.opts.Now()}:
	default:
		r.drop()
	}
}

// entry makes the Entry of ob, observed at t.
func (r *Recorder) entry(ob Observation, t time.Time) Entry {
	e := Entry{
		Time:       t.UTC().Truncate(time.Microsecond),
		Tenant:     ob.Tenant,
		IdP:        GuessIdP(ob),
		Method:     ob.Method,
		Endpoint:   ob.Endpoint,
		Search:     ob.Search,
		ResourceID: ob.ID,
		Outcome:    OutcomeOf(ob.Status),
		Status:     ob.Status,
		Latency:    ob.Latency,
		ScimType:   ob.ScimType,
		Detail:     bound(ob.Detail, MaxDetailBytes),
		Quirks:     ob.Quirks.Names(),
		UserAgent:  bound(ob.UserAgent, MaxTextBytes),
		DryRun:     ob.DryRun,
	}
	if len(ob.Effects) > 0 {
		e.Effects = make([]string, min(len(ob.Effects), MaxEffects))
		for i := range e.Effects {
			e.Effects[i] = bound(ob.Effects[i], MaxDetailBytes)
		}
	}
	if token(ob.RequestID) {
		e.RequestID = ob.RequestID
	} else {
		e.RequestID = r.prefix + strconv.FormatUint(r.seq.Add(1), 36)
	}
	return e
}

// token reports whether s is a usable request id: 1 to MaxTextBytes
// printable ASCII characters.
func token(s string) bool {
	if s == "" || len(s) > MaxTextBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// bound returns s cut to at most n bytes at a rune boundary, with invalid
// UTF-8 replaced, so that what a store keeps is valid text of bounded
// size.
func bound(s string, n int) string {
	if len(s) <= n && utf8.ValidString(s) {
		return s
	}
	if !utf8.ValidString(s) {
		s = toValidUTF8(s)
	}
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

func toValidUTF8(s string) string {
	b := make([]byte, 0, len(s))
	for len(s) > 0 {
		c, size := utf8.DecodeRuneInString(s)
		if c == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[:size]...)
		}
		s = s[size:]
	}
	return string(b)
}

// drop counts an entry the full queue had no room for.
func (r *Recorder) drop() {
	n := r.dropped.Add(1)
	now := time.Now().UnixNano()
	last := r.lastWarn.Load()
	if now-last >= int64(time.Minute) && r.lastWarn.CompareAndSwap(last, now) {
		r.log.Warn("activity: queue full, entries dropped", "dropped_total", n, "queue_size", r.opts.QueueSize)
	}
}

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	return Stats{Recorded: r.recorded.Load(), Dropped: r.dropped.Load(), Failed: r.failed.Load()}
}

// Flush returns once every entry observed before the call is written
// (or its Append failed), or with ctx's error.
func (r *Recorder) Flush(ctx context.Context) error {
	return r.mark(ctx, false)
}

// Close writes what is queued and stops the writer; entries observed
// after Close are dropped. It returns ctx's error if ctx ends first (the
// writer then still finishes in the background). Calling it again
// returns at once.
func (r *Recorder) Close(ctx context.Context) error {
	first := false
	r.once.Do(func() { first = true; r.closed.Store(true) })
	if !first {
		return nil
	}
	return r.mark(ctx, true)
}

func (r *Recorder) mark(ctx context.Context, stop bool) error {
	m := make(chan struct{})
	select {
	case r.queue <- item{marker: m, stop: stop}:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-m:
		return nil
	case <-r.done: // stopped by a Close queued before m
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the writer: it takes an entry, then whatever else is queued
// within Linger, up to BatchSize, and writes them in one Append, so that
// batches grow with the load and when the store is slow.
func (r *Recorder) run() {
	defer close(r.done)
	batch := make([]Entry, 0, r.opts.BatchSize)
	var prune <-chan time.Time
	if _, ok := r.store.(Pruner); ok && r.opts.PruneInterval > 0 {
		t := time.NewTicker(r.opts.PruneInterval)
		defer t.Stop()
		prune = t.C
	}
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	defer linger.Stop()
	for {
		var it item
		select {
		case it = <-r.queue:
		case <-prune:
			r.prune()
			continue
		}
		batch = batch[:0]
		if it.marker == nil && r.opts.Linger > 0 {
			linger.Reset(r.opts.Linger)
		}
	collect:
		for it.marker == nil {
			batch = append(batch, r.entry(it.ob, it.at))
			if len(batch) == r.opts.BatchSize {
				break
			}
			select {
			case it = <-r.queue:
				continue
			default:
			}
			if r.opts.Linger < 0 {
				break
			}
			select {
			case it = <-r.queue:
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		r.write(batch)
		if it.marker != nil { // the loop ended at a marker
			close(it.marker)
			if it.stop {
				return
			}
		}
	}
}

// write appends a batch; a failure (or a panic of the store) is logged
// and counted.
func (r *Recorder) write(batch []Entry) {
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.WriteTimeout)
	defer cancel()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("activity: store panicked: %v", p)
			}
		}()
		return r.store.Append(ctx, batch)
	}()
	if err != nil {
		r.failed.Add(uint64(len(batch)))
		r.log.Error("activity: store failed, entries lost", "entries", len(batch), "err", err)
		return
	}
	r.recorded.Add(uint64(len(batch)))
}

func (r *Recorder) prune() {
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.WriteTimeout)
	defer cancel()
	if err := r.store.(Pruner).Prune(ctx); err != nil {
		r.log.Error("activity: prune failed", "err", err)
	}
}
