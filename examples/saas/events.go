package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim/event"
)

// This file is what the app does with provisioning events: the outbox
// app_events, which the SCIM adapter writes in each write's own
// transaction (scimstore.go, db.go's writeOutbox), drained to the app's
// handlers by a Drainer, and read by anyone through Outbox, an
// event.Source.
//
// Delivery is at least once and in order: the drainer takes the
// undelivered events in seq order, calls every handler with each, and
// marks an event delivered only when all of them returned nil. A handler
// that fails stops the drain at that event (the events after it wait, so
// that no resource's events are applied out of order) and the drain is
// retried, with a growing delay; a process that dies between a handler's
// effect and the mark delivers the event again after its restart. The
// handlers are idempotent by event id (applyOnce): each records the
// event's id in app_event_receipts in the transaction of its effect, so a
// redelivered event changes nothing.
//
// Replicas: one drainer runs per process, and of the processes sharing a
// database one drains at a time, the holder of the lease row
// app_event_lease ("drainer"): a drainer takes it when it is free or
// expired, renews it before each batch, and gives it back when it stops.
// If the holder dies, another replica takes over when the lease expires
// (leaseFor, 30 s) and delivers what it left, possibly again. A handler
// that runs longer than the lease may overlap with the next holder: the
// receipts keep the effects single.
//
// Cost: under a steady stream of writes the drainer is woken for each,
// so what it does per drain is paid per write, and on SQLite every write
// transaction is an fsync and a turn of the one writer lock the requests
// wait for. A drain therefore writes only what it must: the lease is
// renewed when renewAfter has passed since this drainer last wrote it
// (not per batch), a batch's deliveries are marked with one UPDATE, and
// retention runs at most every pruneEvery, its read outside a
// transaction; a woken drainer waits wakeDelay, so that a burst of
// writes shares one drain; and when every handler is a txHandler (the
// app's own are), a batch's effects, receipts and delivered-mark commit
// in one transaction, not one per event and one for the mark. A handler
// failing in such a batch rolls the whole of it back, and the batch is
// delivered again an event at a time, each in its handler's own
// transaction as above, up to the failing event: the effects of an
// event (a deactivation's revoked sessions) still commit before, or
// with, its mark, never after.

// leaseFor is how long the drainer's lease lasts without renewal.
const leaseFor = 30 * time.Second

// renewAfter is how long after writing its lease a drainer writes it
// again, at its next batch. It is a tenth of leaseFor, so a holder that
// keeps draining renews long before the lease expires: another replica,
// whose clock would have to be 27 s ahead to see it expired, does not
// take it meanwhile.
const renewAfter = leaseFor / 10

// pruneEvery is how often at most a drain runs retention (prune): events
// are kept eventRetention (7 days), so a minute late is nothing, and the
// query, which reads the delivered events older than the retention,
// costs a scan of app_events' index per run.
const pruneEvery = time.Minute

// drainBatch is how many events the drainer reads at a time.
const drainBatch = 100

// pollEvery is how often an idle drainer looks for events that no wake
// announced (another replica's writes, those left by a crash).
const pollEvery = time.Second

// wakeDelay is how long a woken drainer waits before it drains: the
// writes of a burst (an IdP's provisioning cycle, a bulk load) then
// share a drain, its read, its transaction and its marking UPDATE,
// instead of one drain each. A deactivation's sessions are revoked that
// much later. At 10 ms an Entra provisioning cycle (a create and three
// PATCHes in about 6 ms) still paid for a drain of its own, 17% of the
// example's CPU in it on SQLite.
const wakeDelay = 100 * time.Millisecond

// maxBackoff bounds the delay between retries of a failing handler.
const maxBackoff = time.Minute

// eventRetention is how long a delivered event stays readable through
// Outbox.After; undelivered events are never deleted.
const eventRetention = 7 * 24 * time.Hour

// Outbox reads app_events as an event.Source: a tenant's events in the
// order they were written, delivered or not, for reconciliation jobs and
// for consumers that poll. A cursor is the seq of the last event read
// ("" for none). Delivered events are kept eventRetention (7 days);
// a cursor that retention has passed is event.ErrCursorExpired.
type Outbox struct{ db *DB }

var _ event.Source = Outbox{}

// scanEvent reads the payload and version columns into an event.
func scanEvent(payload, version string) (event.Event, error) {
	var e event.Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return event.Event{}, fmt.Errorf("events: decoding an outbox row: %w", err)
	}
	if string(e.Resource) == "null" { // a nil Resource, as encoding/json writes it
		e.Resource = nil
	}
	e.Version = version
	return e, nil
}

// After implements event.Source.
func (o Outbox) After(ctx context.Context, tenant, cursor string, limit int) ([]event.Event, string, error) {
	after := int64(0)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != cursor {
			return nil, "", event.ErrBadCursor
		}
		after = n
	}
	switch {
	case limit <= 0:
		limit = event.DefaultLimit
	case limit > event.MaxLimit:
		limit = event.MaxLimit
	}
	db := o.db
	var pruned int64
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT through_seq FROM app_events_pruned WHERE tenant_id = ?`), tenant).Scan(&pruned)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", err
	}
	if after < pruned {
		return nil, strconv.FormatInt(pruned, 10), event.ErrCursorExpired
	}
	type row struct {
		seq              int64
		payload, version string
	}
	rows, err := queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
		return r, sc.Scan(&r.seq, &r.payload, &r.version)
	}, db.q(`SELECT seq, payload, version FROM app_events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?`), tenant, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]event.Event, 0, len(rows))
	for _, r := range rows {
		e, err := scanEvent(r.payload, r.version)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
		after = r.seq
	}
	if len(rows) < limit {
		// Everything of the tenant has been read: the cursor moves to its
		// newest event (none can commit below it later, see writeOutbox).
		var newest sql.NullInt64
		if err := db.sql.QueryRowContext(ctx, db.q(`SELECT MAX(seq) FROM app_events WHERE tenant_id = ?`), tenant).Scan(&newest); err != nil {
			return nil, "", err
		}
		after = max(after, newest.Int64, pruned)
	}
	return out, strconv.FormatInt(after, 10), nil
}

// Drainer delivers the outbox to handlers: see the top of this file.
type Drainer struct {
	db       *DB
	handlers []event.Handler
	inTx     []txHandler // handlers as txHandlers, if all of them are; else nil
	log      *slog.Logger
	now      func() time.Time
	holder   string // this drainer's name in the lease row

	mu      sync.Mutex // one drain at a time in this process; guards renewed and pruned
	renewed time.Time  // when this drainer last wrote the lease it holds; zero for none
	pruned  time.Time  // when this drainer last ran prune
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// NewDrainer returns a drainer of db's outbox to handlers, called in
// order for each event. Start runs it in the background; Drain drains
// once.
func NewDrainer(db *DB, log *slog.Logger, handlers ...event.Handler) *Drainer {
	var b [8]byte
	rand.Read(b[:])
	d := &Drainer{db: db, handlers: handlers, log: log, now: db.now, holder: hex.EncodeToString(b[:]),
		wake: make(chan struct{}, 1)}
	for _, h := range handlers {
		th, ok := h.(txHandler)
		if !ok {
			d.inTx = nil
			break
		}
		d.inTx = append(d.inTx, th)
	}
	return d
}

// A txHandler is an event.Handler that can also apply an event in a
// transaction it is given, the drainer's for a whole batch (see the top
// of this file): HandleTx makes in tx what Handle makes in a transaction
// of its own, and nothing outside the database.
type txHandler interface {
	event.Handler
	HandleTx(ctx context.Context, tx *sql.Tx, e event.Event) error
}

// Wake asks the background drainer to drain now; it never blocks.
func (d *Drainer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Start runs the drainer in the background until Stop: it drains when
// woken, every pollEvery otherwise, and after a failure with a delay
// that doubles up to maxBackoff.
func (d *Drainer) Start() {
	d.stop, d.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(d.done)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-d.stop
			cancel()
		}()
		wait := pollEvery
		for {
			if _, err := d.Drain(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("delivering events", slog.Any("err", err), slog.Duration("retry_in", wait))
				wait = min(wait*2, maxBackoff)
			} else {
				wait = pollEvery
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-d.wake:
				t.Stop()
				t = time.NewTimer(wakeDelay)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			case <-t.C:
			}
			t.Stop()
		}
	}()
}

// Stop stops the background drainer, waiting for a drain under way, and
// gives the lease back if this drainer holds it.
func (d *Drainer) Stop() {
	if d.stop != nil {
		close(d.stop)
		<-d.done
		d.stop = nil
	}
	d.release()
}

// Drain delivers the undelivered events, in seq order, if this process
// holds or can take the lease, and returns how many it delivered. It
// stops at the first event a handler fails, returning the error: that
// event and those after it are delivered by a later drain.
func (d *Drainer) Drain(ctx context.Context) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for {
		held, err := d.acquire(ctx)
		if err != nil || !held {
			return n, err
		}
		type row struct {
			seq              int64
			payload, version string
		}
		rows, err := queryRows(ctx, d.db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
			return r, sc.Scan(&r.seq, &r.payload, &r.version)
		}, d.db.q(`SELECT seq, payload, version FROM app_events WHERE delivered_at IS NULL ORDER BY seq LIMIT ?`), drainBatch)
		if err != nil {
			return n, err
		}
		if len(rows) > 0 && d.inTx != nil {
			seqs := make([]int64, len(rows))
			err := d.db.tx(ctx, func(tx *sql.Tx) error {
				for i, r := range rows {
					e, err := scanEvent(r.payload, r.version)
					if err == nil {
						err = d.deliverTx(ctx, tx, e)
					}
					if err != nil {
						return err
					}
					seqs[i] = r.seq
				}
				return d.delivered(ctx, tx, seqs)
			})
			if err == nil {
				n += len(rows)
				if len(rows) < drainBatch {
					return n, d.maybePrune(ctx)
				}
				continue
			}
			// Rolled back: deliver the batch an event at a time below,
			// which stops at the failing event and records its error.
		}
		done := make([]int64, 0, len(rows))
		for _, r := range rows {
			e, err := scanEvent(r.payload, r.version)
			if err == nil {
				err = d.deliver(ctx, e)
			}
			if err != nil {
				// The events before it were delivered: mark them, so
				// that the retry starts at this one.
				if err := d.delivered(ctx, d.db.sql, done); err != nil {
					return n, err
				}
				d.failed(r.seq, err)
				return n + len(done), fmt.Errorf("event %d: %w", r.seq, err)
			}
			done = append(done, r.seq)
		}
		if err := d.delivered(ctx, d.db.sql, done); err != nil {
			return n, err
		}
		n += len(done)
		if len(rows) < drainBatch {
			return n, d.maybePrune(ctx)
		}
	}
}

// delivered marks the events of rows delivered, with one UPDATE run by
// q (the batch's transaction, or the database): those
// a drain read in a batch and gave every handler. It names each seq:
// on PostgreSQL an event of another tenant may commit later with a seq
// between two of rows, and it has not been delivered.
func (d *Drainer) delivered(ctx context.Context, q querier, rows []int64) error {
	if len(rows) == 0 {
		return nil
	}
	args := make([]any, 0, len(rows)+1)
	args = append(args, micros(d.now()))
	for _, seq := range rows {
		args = append(args, seq)
	}
	_, err := q.ExecContext(ctx, d.db.q(`UPDATE app_events SET delivered_at = ?, attempts = attempts + 1, last_error = ''
		WHERE seq IN (?`+strings.Repeat(", ?", len(rows)-1)+`)`), args...)
	return err
}

// deliver calls every handler with e; a handler's panic is its error.
func (d *Drainer) deliver(ctx context.Context, e event.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	for _, h := range d.handlers {
		if err := h.Handle(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// deliverTx calls every handler of d.inTx with e in tx; a handler's
// panic is its error.
func (d *Drainer) deliverTx(ctx context.Context, tx *sql.Tx, e event.Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	for _, h := range d.inTx {
		if err := h.HandleTx(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// failed records a failed delivery of the event seq (its attempts and
// error, shown to whoever reads the table).
func (d *Drainer) failed(seq int64, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	if _, err := d.db.sql.ExecContext(ctx, d.db.q(`UPDATE app_events SET attempts = attempts + 1, last_error = ? WHERE seq = ?`),
		msg, seq); err != nil {
		d.log.Warn("recording a failed delivery", slog.Any("err", err))
	}
}

// acquire takes or renews the lease, and reports whether this drainer
// holds it. A lease this drainer wrote less than renewAfter ago is held
// without a statement: no other replica can take it before it expires.
// Otherwise one upsert takes the lease if it is missing, free or
// expired, or renews it if it is this drainer's. d.mu is held.
func (d *Drainer) acquire(ctx context.Context) (bool, error) {
	at := d.now()
	if !d.renewed.IsZero() && !at.Before(d.renewed) && at.Sub(d.renewed) < renewAfter {
		return true, nil
	}
	d.renewed = time.Time{}
	now, until := micros(at), micros(at.Add(leaseFor))
	db := d.db
	res, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO app_event_lease (name, holder, expires_at) VALUES ('drainer', ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE app_event_lease.holder = excluded.holder OR app_event_lease.expires_at < ?`), d.holder, until, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n != 1 {
		return false, err
	}
	d.renewed = at
	return true, nil
}

// release gives the lease back, so that another replica need not wait
// for it to expire.
func (d *Drainer) release() {
	d.mu.Lock()
	d.renewed = time.Time{}
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := d.db.sql.ExecContext(ctx, d.db.q(`UPDATE app_event_lease SET expires_at = 0 WHERE name = 'drainer' AND holder = ?`),
		d.holder); err != nil {
		d.log.Warn("releasing the events lease", slog.Any("err", err))
	}
}

// maybePrune runs prune if pruneEvery has passed since this drainer
// last did (or its clock went back). d.mu is held.
func (d *Drainer) maybePrune(ctx context.Context) error {
	at := d.now()
	if !d.pruned.IsZero() && !at.Before(d.pruned) && at.Sub(d.pruned) < pruneEvery {
		return nil
	}
	if err := d.prune(ctx); err != nil {
		return err
	}
	d.pruned = at
	return nil
}

// prune deletes the delivered events older than eventRetention, noting
// per tenant the newest seq deleted, for Outbox.After. It reads what to
// delete before it opens the transaction that deletes it, so that a run
// with nothing to delete writes nothing (on SQLite a transaction takes
// the writer lock at BEGIN): a delivered event older than the cutoff
// stays so, and the tenant's newest of them read then is a bound the
// deletion may use later.
func (d *Drainer) prune(ctx context.Context) error {
	cutoff := micros(d.now().Add(-eventRetention))
	db := d.db
	type row struct {
		tenant string
		seq    int64
	}
	rows, err := queryRows(ctx, db.sql, func(sc interface{ Scan(...any) error }) (r row, err error) {
		return r, sc.Scan(&r.tenant, &r.seq)
	}, db.q(`SELECT tenant_id, MAX(seq) FROM app_events WHERE created_at < ? AND delivered_at IS NOT NULL GROUP BY tenant_id`), cutoff)
	if err != nil || len(rows) == 0 {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_events_pruned (tenant_id, through_seq) VALUES (?, ?)
				ON CONFLICT (tenant_id) DO UPDATE SET through_seq = CASE WHEN app_events_pruned.through_seq > excluded.through_seq
					THEN app_events_pruned.through_seq ELSE excluded.through_seq END`), r.tenant, r.seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM app_events WHERE tenant_id = ? AND seq <= ? AND delivered_at IS NOT NULL`),
				r.tenant, r.seq); err != nil {
				return err
			}
		}
		return nil
	})
}

// applyOnce runs fn in tx, or in a transaction of its own when tx is
// nil, after recording (consumer, eventID) in app_event_receipts there,
// and reports whether fn ran: for an event the consumer has applied
// already it writes nothing and returns false. fn's effect and the
// receipt commit together, so an event is applied exactly once however
// often it is delivered.
func (db *DB) applyOnce(ctx context.Context, tx *sql.Tx, consumer, eventID string, fn func(tx *sql.Tx) error) (bool, error) {
	if tx == nil {
		applied := false
		err := db.tx(ctx, func(tx *sql.Tx) (err error) {
			applied, err = db.applyOnce(ctx, tx, consumer, eventID, fn)
			return err
		})
		return applied && err == nil, err
	}
	res, err := tx.ExecContext(ctx, db.q(`INSERT INTO app_event_receipts (consumer, event_id, applied_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`), consumer, eventID, micros(db.now()))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	return true, fn(tx)
}

// The app's handlers, called by the drainer for every event.

// appEvents is the app's event handler, a txHandler: a deactivated or
// deleted user loses every session of its account (signin.go), and a
// created user gets a welcome notice. Both are idempotent by event id
// (applyOnce), and both act from the event alone: the store code knows
// nothing of sessions.
type appEvents struct{ a *App }

// Handle implements event.Handler, in a transaction per effect.
func (h appEvents) Handle(ctx context.Context, e event.Event) error {
	return h.a.handleEvent(ctx, nil, e)
}

// HandleTx implements txHandler.
func (h appEvents) HandleTx(ctx context.Context, tx *sql.Tx, e event.Event) error {
	return h.a.handleEvent(ctx, tx, e)
}

// handleEvent applies e (see appEvents) in tx, or in transactions of
// its own when tx is nil.
func (a *App) handleEvent(ctx context.Context, tx *sql.Tx, e event.Event) error {
	if e.ResourceType != event.User {
		return nil
	}
	switch e.Type {
	case event.UserDeactivated, event.UserDeleted:
		var n int64
		applied, err := a.DB.applyOnce(ctx, tx, "revoke-sessions", e.ID, func(tx *sql.Tx) (err error) {
			n, err = a.DB.revokeSessions(ctx, tx, e.Tenant, e.ResourceID)
			return err
		})
		if applied {
			a.log.InfoContext(ctx, "sessions revoked", slog.String("tenant", e.Tenant), slog.String("account", e.ResourceID),
				slog.String("event", string(e.Type)), slog.Int64("sessions", n))
		}
		return err
	case event.UserCreated:
		_, err := a.DB.applyOnce(ctx, tx, "welcome", e.ID, func(tx *sql.Tx) error {
			return a.DB.addNotice(ctx, tx, e.ID, e.Tenant, e.ResourceID, "Welcome, "+welcomeName(e))
		})
		return err
	}
	return nil
}

// welcomeName is the name of the created user of e: its displayName,
// else its name parts, else its userName, as Account.DisplayName.
func welcomeName(e event.Event) string {
	var u struct {
		UserName, DisplayName string
		Name                  struct{ GivenName, FamilyName string }
	}
	_ = json.Unmarshal(e.Resource, &u)
	a := Account{FullName: u.DisplayName, GivenName: u.Name.GivenName, FamilyName: u.Name.FamilyName, Email: u.UserName}
	if n := a.DisplayName(); n != "" {
		return n
	}
	return e.ResourceID
}
