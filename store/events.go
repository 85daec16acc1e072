package store

import (
	"context"

	"github.com/scimkit/scim/event"
)

// Change events
//
// Every committed change the handler makes has change events (package
// event): user created, updated, deactivated, reactivated, deleted; group
// created, updated, deleted; members added and removed. The handler builds
// them before it calls a write method and hands them to the store in the
// write's context ([WithEvents]); the store reads them with [EventsFrom].
//
// A store that implements [EventWriter] takes over their delivery: it
// writes the events of a write in the same atomic step as the change (an
// outbox row in the same transaction, or under the same lock), and only
// when the change commits, so that an event is never lost when the
// process dies after the commit and never exists for a change that did
// not happen. Before writing, it sets each event's Version to the version
// the write gave the resource. A write that fails (ErrConflict,
// ErrPreconditionFailed, ErrNotFound, an outage) records none of its
// events. How the events then reach the app (an outbox drained at least
// once, in order per resource; a synchronous call) is the store's, and its
// documentation says.
//
// For a store without EventWriter the handler delivers the events itself
// to Config.Events after the write returned successfully: nothing is
// lost while the process lives, but a crash between the commit and the
// delivery loses them.
//
// store/storetest's Events group checks an EventWriter.

type eventsKey struct{}

// WithEvents returns a context carrying the change events of the write it
// is passed to.
func WithEvents(ctx context.Context, events []event.Event) context.Context {
	return context.WithValue(ctx, eventsKey{}, events)
}

// EventsFrom returns the change events of the write whose context is ctx:
// none for a write that changes nothing.
func EventsFrom(ctx context.Context) []event.Event {
	evs, _ := ctx.Value(eventsKey{}).([]event.Event)
	return evs
}

// EventWriter is implemented by a store that writes the change events of
// each write with the write itself (see "Change events" above). The method
// only marks the store: it reports whether this store value does, so that
// a wrapper can forward it.
type EventWriter interface {
	WritesEvents() bool
}
