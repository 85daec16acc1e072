package memory

import (
	"context"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
)

var _ store.EventWriter = (*Store)(nil)

// WithEventLog makes the store write the change events of its writes
// (store.EventsFrom of each write's context, see store/events.go) to l,
// which the app reads with l.After (a cursor, for reconciliation jobs and
// polling) or l.Subscribe (synchronous delivery). Without it the store
// writes no events and [Store.WritesEvents] reports false, so that the
// handler builds none unless its Config.Events is set.
func WithEventLog(l *event.Log) Option {
	return func(o *options) { o.log = l }
}

// Events returns the log the store writes change events to (see
// [WithEventLog]), nil when it writes none.
func (s *Store) Events() *event.Log { return s.log }

// WritesEvents implements [store.EventWriter]: it reports whether the
// store has an event log ([WithEventLog]).
//
// The events of a write are taken under the tenant's lock, together with
// the change and only when it is made, each with Version set to the
// version the write gave the resource ("" for a delete) and Tenant to the
// write's tenant; a write that fails takes none. They are appended to the
// log in the order of the tenant's writes, right after the tenant's lock
// is released and before the write method returns: a subscriber of the
// log (l.Subscribe) is called from the writing goroutine, one event at a
// time, and may read the store, but must not write to it (that write's
// events would wait for the delivery in progress). A subscriber's error
// does not fail the write, which is committed: the events stay in the log,
// where the subscriber can read them again with After. The log, like the
// store, is gone with the process.
func (s *Store) WritesEvents() bool { return s.log != nil }

// pending is the events of one write, taken under its tenant's lock and
// appended to the log once the lock is released ([tenant.unlock]). The
// tenant's writes append in the order they took their events: each
// waits for the previous one's append (prev) and signals its own (done).
type pending struct {
	s          *Store
	ctx        context.Context
	events     []event.Event
	prev, done chan struct{}
}

// take records the events of ctx's write, which gave the resource
// version ("" for a delete), to be appended after the tenant's lock is
// released. t.mu is held for writing.
func (s *Store) take(ctx context.Context, t *tenant, version string) pending {
	evs := store.EventsFrom(ctx)
	if s.log == nil || len(evs) == 0 {
		return pending{}
	}
	tenantID := store.TenantFrom(ctx)
	out := make([]event.Event, len(evs))
	for i, e := range evs {
		e = e.Clone()
		e.Tenant = tenantID
		e.Version = version
		out[i] = e
	}
	p := pending{s: s, ctx: context.WithoutCancel(ctx), events: out, prev: t.appended, done: make(chan struct{})}
	t.appended = p.done
	return p
}

// unlock releases t's write lock and then appends p's events, if any.
func (t *tenant) unlock(p *pending) {
	t.mu.Unlock()
	if p.events == nil {
		return
	}
	defer close(p.done)
	if p.prev != nil {
		<-p.prev
	}
	_ = p.s.log.Append(p.ctx, p.events...) // a subscriber's error: the events stay in the log (WritesEvents)
}
