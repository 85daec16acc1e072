package scim

import (
	"context"

	"github.com/scimkit/scim/quirk"
)

type quirksKey struct{}

// WithQuirks returns a context in which the handler applies exactly the
// tolerances of set (package quirk) instead of the server's default
// (quirk.All without Config.DisableQuirks). The Authenticate hook calls it
// to choose the tolerances per request, for example per tenant or per
// identity provider: scim.WithQuirks(ctx, quirk.All.Without(quirk.BoolStrings)).
// The handler reads the set once per request and passes it to body
// decoding, PATCH and filter validation.
func WithQuirks(ctx context.Context, set quirk.Set) context.Context {
	return context.WithValue(ctx, quirksKey{}, set)
}

// quirksOff returns the tolerances turned off for the request of ctx.
func (s *Server) quirksOff(ctx context.Context) quirk.Set {
	if set, ok := ctx.Value(quirksKey{}).(quirk.Set); ok {
		return quirk.All &^ set
	}
	return s.cfg.DisableQuirks
}
