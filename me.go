package scim

import (
	"context"
	"net/http"
	"strings"
)

type meKey struct{}

// WithMe returns a context whose request is made by (or for) the user id
// of the request's tenant: /Me then stands for /Users/{id} (RFC 7644
// §3.11). An Authenticate hook that identifies a person, not only an
// identity provider (a user's own token, an OAuth subject the app maps to
// its user), sets it; tokens of a connection identify no user, and their
// /Me is 501.
func WithMe(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, meKey{}, userID)
}

// MeFrom returns the user id WithMe put in ctx, and whether there is one.
func MeFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(meKey{}).(string)
	return id, ok && id != ""
}

// me serves /Me: without a user identified by the Authenticate hook, 501
// in SCIM form; with one, GET, PUT, PATCH and DELETE of that user, as on
// /Users/{id} (its meta.location and Location name /Users/{id}, the
// resource's own URL). POST /Me, which RFC 7644 §3.11 leaves to the
// service provider, is 501: a user is created through /Users.
func (s *Server) me(w http.ResponseWriter, r *http.Request, rest string) {
	if rest != "" {
		s.notFound(w, r)
		return
	}
	id, ok := MeFrom(r.Context())
	if !ok {
		s.writeError(w, r, NewError(http.StatusNotImplemented, "", "/Me is not supported: the request's credentials identify no user"))
		return
	}
	if r.Method == http.MethodPost {
		s.writeError(w, r, NewError(http.StatusNotImplemented, "", "POST /Me is not supported: create users at /Users"))
		return
	}
	s.resourceRoute(w, r, s.reg.User, id)
}

// isMe reports whether endpoint names /Me.
func isMe(endpoint string) bool { return strings.EqualFold(endpoint, "Me") }
