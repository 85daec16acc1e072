package scim

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/store"
)

// maxWriteRetries bounds read-modify-write retries after a concurrent
// write changed the version read.
const maxWriteRetries = 20

// recorder builds the change events of a read-modify-write: events
// gives those of writing after over before, and clone, when set, copies
// the resource read before modify changes it in place. A nil *recorder
// builds none.
type recorder[T any] struct {
	clone  func(*T) *T
	events func(before, after *T) ([]event.Event, error)
	// attach returns the write's context for its events.
	attach func(ctx context.Context, evs []event.Event) context.Context
}

// update is the read-modify-write behind PUT and PATCH (docs/ARCHITECTURE.md,
// "PATCH"): read the resource, let modify derive the new one (nil for no
// change, which writes nothing), and write it conditioned on the version
// read. When a concurrent write wins, the whole cycle is retried, up to
// maxWriteRetries times with jittered backoff; when the client named the
// version with If-Match, a mismatch is 412 instead. It returns what was
// written, or the resource read when nothing changed, and the change
// events of the write: built by rec (when not nil) from the resource read
// in the attempt that wrote, and handed to write in its context
// (rec.attach).
func update[T any](ctx context.Context, kind, id, ifMatch string,
	get func(context.Context, string) (*T, error),
	version func(*T) string,
	modify func(old *T) (*T, error),
	write func(context.Context, *T, string) (*T, error),
	rec *recorder[T],
) (*T, []event.Event, error) {
	for attempt := 0; ; attempt++ {
		old, err := get(ctx, id)
		if err != nil {
			return nil, nil, notFound(err, kind, id)
		}
		v := version(old)
		if ifMatch != "" && ifMatch != v {
			return nil, nil, store.ErrPreconditionFailed
		}
		before := old
		if rec != nil && rec.clone != nil {
			before = rec.clone(old)
		}
		next, err := modify(old)
		if err != nil || next == nil {
			if err != nil {
				return nil, nil, err
			}
			return old, nil, nil
		}
		wctx, evs := ctx, []event.Event(nil)
		if rec != nil {
			if evs, err = rec.events(before, next); err != nil {
				return nil, nil, err
			}
			wctx = rec.attach(ctx, evs)
		}
		res, err := write(wctx, next, v)
		if errors.Is(err, store.ErrPreconditionFailed) && ifMatch == "" {
			if attempt < maxWriteRetries {
				backoff(attempt)
				continue
			}
			return nil, nil, errTooManyConflicts(kind, id)
		}
		if err != nil {
			return nil, nil, notFound(err, kind, id)
		}
		return res, evs, nil
	}
}

// errTooManyConflicts is answered when a read-modify-write lost the race to
// concurrent writers maxWriteRetries times; the IdP retries it later.
func errTooManyConflicts(kind, id string) *Error {
	return &Error{Status: http.StatusConflict, Detail: kind + " " + id + " was changed concurrently too often; retry the request"}
}

// backoff sleeps a little before a retried read-modify-write, with jitter,
// so that concurrent writers to one resource do not retry in lockstep.
func backoff(attempt int) {
	time.Sleep(time.Duration(rand.IntN(1+attempt*200)) * time.Microsecond)
}
