package scim

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim/activity"
	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/store"
)

// Observation describes one request the handler answered, for
// Config.Observe. It is defined in package activity, whose Recorder
// consumes it, so that the activity stores (store/sqlstore's among them)
// need not import this package.
type Observation = activity.Observation

// observer follows one request when Config.Observe is set or the logger
// logs at DEBUG: it records the status and the error answered, and holds
// the set the packages record fired tolerances in.
type observer struct {
	http.ResponseWriter
	start  time.Time
	ctx    context.Context // the authenticated context; nil before
	status int
	err    *Error
	fired  quirk.Set
	// dryRun reports a request of a connection in dry-run mode, and
	// effects are its would-be events, "TYPE RESOURCE-ID" (dryrun.go).
	dryRun  bool
	effects []string
}

type observerKey struct{}

// WriteHeader records the status.
func (o *observer) WriteHeader(status int) {
	if o.status == 0 {
		o.status = status
	}
	o.ResponseWriter.WriteHeader(status)
}

// Write records an implicit 200.
func (o *observer) Write(b []byte) (int, error) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	return o.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (o *observer) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// observe returns the observer of a request, or nil when nobody observes:
// then nothing is allocated.
func (s *Server) observe(w http.ResponseWriter, r *http.Request) *observer {
	if s.cfg.Observe == nil && !s.log.Enabled(r.Context(), slog.LevelDebug) {
		return nil
	}
	return &observer{ResponseWriter: w, start: time.Now()}
}

// bind records the authenticated context of the request and returns it
// carrying o, so that the request's decoding, PATCH and filters record
// the tolerances that fire in o.
func (o *observer) bind(ctx context.Context) context.Context {
	ctx = context.WithValue(ctx, observerKey{}, o)
	o.ctx = ctx
	return ctx
}

// firedSet returns the set the request of ctx records fired tolerances in,
// nil when nobody observes it.
func firedSet(ctx context.Context) *quirk.Set {
	if o, ok := ctx.Value(observerKey{}).(*observer); ok {
		return &o.fired
	}
	return nil
}

// noteError records the error the handler answers, when w observes.
func noteError(w http.ResponseWriter, err error) {
	if o, ok := w.(*observer); ok {
		o.err = toError(err)
	}
}

// done logs the fired tolerances at DEBUG and calls Config.Observe.
func (s *Server) done(o *observer, r *http.Request) {
	ctx := o.ctx
	if ctx == nil {
		ctx = r.Context()
	}
	if o.fired != 0 {
		s.log.DebugContext(ctx, "scim: tolerances applied", "method", r.Method, "path", r.URL.Path, "status", o.status, "quirks", o.fired.String())
	}
	if s.cfg.Observe == nil {
		return
	}
	ob := Observation{Method: r.Method, Status: o.status, Latency: time.Since(o.start), Quirks: o.fired,
		UserAgent: r.Header.Get("User-Agent")}
	if ob.Status == 0 {
		ob.Status = http.StatusOK // the handler wrote nothing: net/http answers 200
	}
	if o.err != nil {
		ob.ScimType, ob.Detail = o.err.ScimType, o.err.Detail
	}
	if o.ctx != nil {
		ob.Tenant = store.TenantFrom(o.ctx)
		ob.RequestID = RequestID(o.ctx)
		if c, ok := connection.FromContext(o.ctx); ok {
			ob.Connection = &c
		}
	}
	ob.DryRun, ob.Effects = o.dryRun, o.effects
	ob.Endpoint, ob.ID, ob.Search = endpointOf(r.URL.Path)
	s.cfg.Observe(ctx, ob)
}

// endpoints are the canonical spellings of the endpoints route knows.
var endpoints = [...]string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas", "Bulk", "Me", ".search"}

// endpointOf reads a request path as route does: the endpoint in its
// canonical spelling ("" when the path names none), the id when it can be
// one, and whether it is a .search.
func endpointOf(path string) (endpoint, id string, search bool) {
	p := strings.Trim(path, "/")
	first, rest, _ := strings.Cut(p, "/")
	for _, e := range endpoints {
		if strings.EqualFold(first, e) {
			endpoint = e
			break
		}
	}
	switch {
	case endpoint == "" || strings.Contains(rest, "/") || (endpoint == ".search" && rest != ""):
		return "", "", false
	case endpoint == ".search":
		return endpoint, "", true
	case (endpoint == "Users" || endpoint == "Groups") && strings.EqualFold(rest, ".search"):
		return endpoint, "", true
	case possibleID(rest):
		return endpoint, rest, false
	}
	return endpoint, "", false
}
