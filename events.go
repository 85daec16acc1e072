package scim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Change events
//
// Every write the handler makes (POST, PUT, PATCH and DELETE of users and
// groups, through whichever store method or fast path it takes) has its
// change events (package event), built with event.UserEvents,
// event.GroupEvents and event.MemberEvents from the resource before and
// after the write and stamped with the request: Tenant, Request
// ([RequestID]), Method, Profile (the connection's, "" without one) and
// Time (Config.Clock). They are handed to the store in the write's
// context (store.WithEvents) when the store implements store.EventWriter
// (and its WritesEvents reports true), which writes them with the change;
// for any other store the handler delivers them to Config.Events once the
// write has succeeded, and the write's context carries none. Each event
// thus has one deliverer. A
// read-modify-write that is retried builds them again from the resource
// it read afresh. With neither an EventWriter nor Config.Events no event
// is built and nothing is read or copied for them.
//
// A request of a connection in dry-run mode delivers no event: its
// would-be events go to the observation's Effects instead (dryrun.go).

type requestIDKey struct{}

// WithRequestID returns a context whose request has id as its request id
// (see [RequestID]). An Authenticate hook, or a middleware in front of
// the handler, may set the app's own id (a trace id, a proxy's
// X-Request-Id it trusts) this way; the handler then keeps it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries: the one set with
// [WithRequestID], or the one the handler generated for the request,
// "" for none. The handler makes sure an authenticated request has one
// whenever it builds change events or observes requests (Config.Events,
// a store.EventWriter, Config.Observe or DEBUG logging): it is the
// Request of the request's change events, and the context the handler
// passes to Config.Observe and to the store carries it, so that events
// and observations of one request share it. A generated id is 32
// lowercase hex digits: a random per-process prefix and a counter,
// unique within the process and, with high probability, across
// processes.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDPrefix and requestIDSeq make generated request ids.
var (
	requestIDPrefix = func() [16]byte {
		var b [8]byte
		rand.Read(b[:])
		var out [16]byte
		hex.Encode(out[:], b[:])
		return out
	}()
	requestIDSeq atomic.Uint64
)

// newRequestID returns a new request id: cheap, one allocation.
func newRequestID() string {
	const hx = "0123456789abcdef"
	var b [32]byte
	copy(b[:16], requestIDPrefix[:])
	n := requestIDSeq.Add(1)
	for i := 31; i >= 16; i-- {
		b[i] = hx[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// withRequestID returns ctx carrying a request id: its own, or a new one.
func withRequestID(ctx context.Context) context.Context {
	if RequestID(ctx) != "" {
		return ctx
	}
	return WithRequestID(ctx, newRequestID())
}

// emitter builds the change events of one request's write; a nil
// *emitter (the server emits no events) builds none, and its methods
// then cost nothing.
type emitter struct {
	s    *Server
	base event.Event // Tenant, Request, Method, Profile
}

// emitter returns the request's emitter, nil when the server emits no
// events.
func (s *Server) emitter(r *http.Request) *emitter {
	if !s.emits {
		return nil
	}
	ctx := r.Context()
	e := &emitter{s: s, base: event.Event{Tenant: store.TenantFrom(ctx), Request: RequestID(ctx), Method: r.Method}}
	if c, ok := connection.FromContext(ctx); ok {
		e.base.Profile = string(c.Profile)
	}
	return e
}

// stamp returns the base of one write's events, at the server's time.
func (e *emitter) stamp() event.Event {
	b := e.base
	b.Time = e.s.cfg.Clock().UTC()
	return b
}

// users returns the events of writing after over before (nil for a
// create; after nil for a delete). after is the user as the handler
// writes it, password included; its Meta.Version, the one read, is left
// out of the event's Resource, since the store gives the write a new one
// (the event's Version).
func (e *emitter) users(before, after *resource.User) ([]event.Event, error) {
	if after != nil && after.Meta.Version != "" {
		c := *after
		c.Meta.Version = ""
		after = &c
	}
	return event.UserEvents(e.stamp(), before, after)
}

// groups is users for groups.
func (e *emitter) groups(before, after *resource.Group) ([]event.Event, error) {
	if after != nil && after.Meta.Version != "" {
		c := *after
		c.Meta.Version = ""
		after = &c
	}
	return event.GroupEvents(e.stamp(), before, after)
}

// members returns the events of the membership fast path: the ids the
// request adds and removes in group id. externalID is the group's when
// the handler read it, "" otherwise.
func (e *emitter) members(id, externalID string, add []resource.Member, remove []string) []event.Event {
	b := e.stamp()
	b.ResourceID, b.ExternalID = id, externalID
	ids := make([]string, len(add))
	for i, m := range add {
		ids[i] = m.Value
	}
	return event.MemberEvents(b, ids, remove)
}

// attach returns the context of the write whose events are evs: carrying
// them (store.WithEvents) when the store writes events, and ctx itself
// otherwise, so that each event has one deliverer (a store that writes
// events behind a wrapper that hides its store.EventWriter is not handed
// any). e may be nil.
func (e *emitter) attach(ctx context.Context, evs []event.Event) context.Context {
	if e == nil || !e.s.storeEvents || len(evs) == 0 {
		return ctx
	}
	return store.WithEvents(ctx, evs)
}

// deliver hands the events of a successful write to Config.Events when
// the store does not write them itself, with Version set to the version
// the write gave the resource (left "" for a delete). Delivery is
// synchronous, in the request's goroutine, before the answer; an error is
// logged and does not change the answer.
func (e *emitter) deliver(ctx context.Context, evs []event.Event, version string) {
	if e == nil || len(evs) == 0 || e.s.storeEvents || e.s.cfg.Events == nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // the change is committed: a client gone does not cancel its events
	for _, ev := range evs {
		if ev.Type != event.UserDeleted && ev.Type != event.GroupDeleted {
			ev.Version = version
		}
		if err := e.s.cfg.Events.Handle(ctx, ev); err != nil {
			e.s.log.ErrorContext(ctx, "scim: Config.Events failed; the change is committed and the event is not delivered again",
				"event", ev.ID, "type", string(ev.Type), "resource", ev.ResourceID, "error", err)
		}
	}
}

// recorder returns the recorder of a read-modify-write of users: nil when
// the request emits no events. clone copies the user read when modify
// changes it in place (PATCH).
func (e *emitter) userRecorder(clone bool) *recorder[resource.User] {
	if e == nil {
		return nil
	}
	r := &recorder[resource.User]{events: e.users, attach: e.attach}
	if clone {
		r.clone = (*resource.User).Clone
	}
	return r
}

// groupRecorder is userRecorder for groups.
func (e *emitter) groupRecorder(clone bool) *recorder[resource.Group] {
	if e == nil {
		return nil
	}
	r := &recorder[resource.Group]{events: e.groups, attach: e.attach}
	if clone {
		r.clone = (*resource.Group).Clone
	}
	return r
}

// deleteRecorder is the recorder of a delete: the events of before
// deleted.
func deleteRecorder[T any](e *emitter, events func(before, after *T) ([]event.Event, error)) *recorder[T] {
	return &recorder[T]{attach: e.attach, events: func(before, _ *T) ([]event.Event, error) { return events(before, nil) }}
}
