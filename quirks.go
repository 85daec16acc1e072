package scim

import (
	"context"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
)

type quirksKey struct{}

// WithQuirks returns a context in which the handler applies exactly the
// tolerances of set (package quirk) instead of the server's default
// (quirk.All without Config.DisableQuirks). The Authenticate hook calls it
// to choose the tolerances per request, for example per tenant or per
// identity provider: scim.WithQuirks(ctx, quirk.All.Without(quirk.BoolStrings)).
// The handler reads the set once per request and passes it to body
// decoding, PATCH and filter validation. The tolerances of the set that
// actually change how a request is read are reported to Config.Observe
// (Observation.Quirks) and logged at DEBUG.
func WithQuirks(ctx context.Context, set quirk.Set) context.Context {
	return context.WithValue(ctx, quirksKey{}, set)
}

// decodeOptions returns the body decoding options of the request of ctx:
// its tolerances, and the set that records those that fire when the
// request is observed (observe.go).
func (s *Server) decodeOptions(ctx context.Context) resource.DecodeOptions {
	return resource.DecodeOptions{Disable: s.quirksOff(ctx), Fired: firedSet(ctx)}
}

// filterOptions is decodeOptions for filter validation.
func (s *Server) filterOptions(ctx context.Context) filter.Options {
	return filter.Options{Disable: s.quirksOff(ctx), Fired: firedSet(ctx)}
}

// quirksOff returns the tolerances turned off for the request of ctx.
func (s *Server) quirksOff(ctx context.Context) quirk.Set {
	if set, ok := ctx.Value(quirksKey{}).(quirk.Set); ok {
		return quirk.All &^ set
	}
	return s.cfg.DisableQuirks
}
