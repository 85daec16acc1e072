package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/scimkit/scim/event"
)

// Defaults of [RunOptions].
const (
	DefaultConsumer   = "default"
	DefaultLease      = 30 * time.Second
	DefaultBatch      = 100
	DefaultPoll       = time.Second
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = time.Minute
)

// RunOptions configure [Outbox.Run]. The zero value is the defaults.
type RunOptions struct {
	// Consumer names the consumer: each name has its own position in the
	// outbox, so that two Runs with different names (a webhook forwarder
	// and the sessions revoker) each see every event. Runs of one name on
	// several replicas share one position and one lease. "" means
	// DefaultConsumer ("default"). A name is registered in
	// scim_outbox_consumers on its first Run, at the oldest event kept.
	Consumer string
	// Holder names this drainer in the lease; "" means a random name.
	// A replica that restarts under the same name (its pod name, say)
	// takes its own lease back at once rather than after it expires.
	Holder string
	// Lease is how long a drainer holds the consumer without renewing;
	// another replica takes over after it expires. Zero or less means
	// DefaultLease (30 s). Each Handle call gets a context that ends
	// when the lease would: a handler must return by then, or a replica
	// taking over may deliver while it still runs.
	Lease time.Duration
	// Batch is how many events are read, delivered and then marked
	// delivered at a time; zero or less means DefaultBatch (100). A crash
	// redelivers at most one batch.
	Batch int
	// Poll is how long an idle drainer, or one waiting for the lease,
	// waits before looking again; zero or less means DefaultPoll (1 s).
	// A commit of this Store with events wakes its drainers at once.
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait after an error of the
	// handler or of the database: it doubles from MinBackoff up to
	// MaxBackoff, with jitter, and the event is retried until it is
	// delivered (never skipped: a later event of its resource must not
	// overtake it). Defaults 100 ms and 1 min.
	MinBackoff, MaxBackoff time.Duration
	// OnError, if set, is told every error Run retries after: the
	// handler's (with the event) and the database's (with a zero Event).
	OnError func(e event.Event, err error)
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Consumer == "" {
		o.Consumer = DefaultConsumer
	}
	if o.Holder == "" {
		o.Holder = event.NewID()
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	return o
}

// errLeaseLost: another drainer took the consumer over.
var errLeaseLost = errors.New("sqlstore: outbox: lease lost")

// errHandler: the handler failed (and OnError was told).
var errHandler = errors.New("sqlstore: outbox: handler failed")

// drainer is one Run.
type drainer struct {
	o        *Outbox
	h        event.Handler
	opts     RunOptions
	regd     bool      // whether the consumer's row is known to exist
	held     bool      // whether this drainer holds the lease
	until    time.Time // when the lease ends, on the local monotonic clock
	position int64     // delivered up to
	failures int       // consecutive errors
}

// Run delivers the outbox's events to h until ctx is done, at least once
// and in position order (commit order per resource), and returns
// ctx's error. Several replicas may Run the same consumer at once:
// exactly one of them drains at a time, the one holding the consumer's
// lease in scim_outbox_consumers (taken by an UPDATE ... WHERE the lease
// expired or is its own, renewed with every batch, and released when Run
// returns), so no event is delivered twice at the same time. A drainer
// that dies keeps its lease until it expires ([RunOptions].Lease); another
// replica then delivers again what it had not marked delivered. Events
// keep their ID, so a consumer that remembers IDs acts exactly once.
//
// Each batch is read, handed to h one event at a time, and marked
// delivered up to the last event h returned nil for, with the lease
// renewed in the same UPDATE. After an error of h, Run marks what was
// delivered, waits (see [RunOptions].MinBackoff) and redelivers that
// event. Database errors are retried the same way: Run returns only when
// ctx is done.
func (o *Outbox) Run(ctx context.Context, h event.Handler, opts RunOptions) error {
	if o == nil {
		return errors.New("sqlstore: Run on a store without outbox")
	}
	d := &drainer{o: o, h: h, opts: opts.withDefaults()}
	defer d.release()
	for ctx.Err() == nil {
		wake := o.wake.wait()
		idle, err := d.step(ctx)
		switch {
		case ctx.Err() != nil:
		case errors.Is(err, errLeaseLost):
			d.sleep(ctx, wake, d.opts.Poll)
		case err != nil:
			if !errors.Is(err, errHandler) {
				d.failed(event.Event{}, err)
			}
			d.sleep(ctx, nil, d.backoff())
		case idle:
			d.failures = 0
			d.sleep(ctx, wake, d.opts.Poll)
		default:
			d.failures = 0
		}
	}
	return ctx.Err()
}

// register adds the consumer's row if it is new.
func (d *drainer) register(ctx context.Context) error {
	s := d.o.s
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO scim_outbox_consumers (name, delivered) VALUES ($1, 0)
		ON CONFLICT (name) DO NOTHING`), d.opts.Consumer)
	if err != nil {
		return fmt.Errorf("sqlstore: outbox: register consumer: %w", err)
	}
	return nil
}

// step takes or renews the lease, then delivers one batch. idle says
// there was nothing to do (no lease, or no event).
func (d *drainer) step(ctx context.Context) (idle bool, err error) {
	d.o.maybePrune(ctx)
	if !d.regd {
		if err := d.register(ctx); err != nil {
			return false, err
		}
		d.regd = true
	}
	if err := d.acquire(ctx); err != nil {
		return false, err
	}
	if !d.held {
		return true, nil
	}
	if err := d.o.position(ctx, true); err != nil {
		return false, err
	}
	batch, err := d.read(ctx)
	if err != nil || len(batch) == 0 {
		return true, err
	}
	delivered := d.position
	var herr error
	for _, r := range batch {
		if time.Until(d.until) < d.opts.Lease/2 {
			if err := d.mark(ctx, delivered); err != nil {
				return false, err
			}
		}
		hctx, cancel := context.WithDeadline(ctx, d.until)
		herr = d.h.Handle(hctx, r.e)
		cancel()
		if herr != nil {
			d.failed(r.e, herr)
			break
		}
		delivered = r.pos
		d.failures = 0
	}
	// Marked even when ctx is done: what h took is delivered.
	if err := d.mark(context.WithoutCancel(ctx), delivered); err != nil {
		return false, err
	}
	if herr != nil {
		return false, errHandler
	}
	return false, nil
}

type outboxRow struct {
	pos int64
	e   event.Event
}

// read returns the next batch after d.position.
func (d *drainer) read(ctx context.Context) ([]outboxRow, error) {
	o := d.o
	col := o.posCol()
	rows, err := o.s.db.QueryContext(ctx, o.s.rebind("SELECT "+col+", data FROM scim_outbox WHERE "+col+" > $1 ORDER BY "+col+" LIMIT $2"),
		d.position, d.opts.Batch)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: read: %w", err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var data []byte
		if err := rows.Scan(&r.pos, &data); err != nil {
			return nil, fmt.Errorf("sqlstore: outbox: read: %w", err)
		}
		if r.e, err = decodeEvent(data); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: read: %w", err)
	}
	return out, nil
}

// acquire takes the lease when it is free, expired or this drainer's,
// renewing it, and reads the consumer's position.
func (d *drainer) acquire(ctx context.Context) error {
	s := d.o.s
	start := time.Now()
	now := s.now()
	var pos int64
	err := s.db.QueryRowContext(ctx, s.rebind(`UPDATE scim_outbox_consumers SET holder = $2, lease_until = $3
		WHERE name = $1 AND (holder = $2 OR holder IS NULL OR lease_until IS NULL OR lease_until < $4)
		RETURNING delivered`), d.opts.Consumer, d.opts.Holder, timeText(now.Add(d.opts.Lease)), timeText(now)).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		d.held = false
		return nil
	}
	if err != nil {
		d.held = false
		return fmt.Errorf("sqlstore: outbox: lease: %w", err)
	}
	d.held, d.until, d.position = true, start.Add(d.opts.Lease), pos
	return nil
}

// mark records the consumer delivered up to pos and renews the lease,
// provided this drainer still holds it.
func (d *drainer) mark(ctx context.Context, pos int64) error {
	s := d.o.s
	start := time.Now()
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE scim_outbox_consumers SET delivered = $3, lease_until = $4
		WHERE name = $1 AND holder = $2`), d.opts.Consumer, d.opts.Holder, pos, timeText(s.now().Add(d.opts.Lease)))
	if err != nil {
		return fmt.Errorf("sqlstore: outbox: mark delivered: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: outbox: mark delivered: %w", err)
	} else if n == 0 {
		d.held = false
		return errLeaseLost
	}
	d.until, d.position = start.Add(d.opts.Lease), pos
	return nil
}

// release gives the lease up, so that another replica takes over at once.
func (d *drainer) release() {
	if !d.held {
		return
	}
	s := d.o.s
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = s.db.ExecContext(ctx, s.rebind(`UPDATE scim_outbox_consumers SET holder = NULL, lease_until = NULL
		WHERE name = $1 AND holder = $2`), d.opts.Consumer, d.opts.Holder)
}

func (d *drainer) failed(e event.Event, err error) {
	d.failures++
	if d.opts.OnError != nil {
		d.opts.OnError(e, err)
	}
}

// backoff is the wait after d.failures consecutive errors: MinBackoff
// doubled per failure up to MaxBackoff, then between half and all of it.
func (d *drainer) backoff() time.Duration {
	w := d.opts.MinBackoff
	for i := 1; i < d.failures && w < d.opts.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.opts.MaxBackoff)
	return w/2 + rand.N(w/2+1)
}

// sleep waits for w, ctx or wake (nil: not woken).
func (d *drainer) sleep(ctx context.Context, wake <-chan struct{}, w time.Duration) {
	t := time.NewTimer(w)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-wake:
	case <-t.C:
	}
}
