package scim

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/store"
)

// ErrUnknownToken is the error an Authenticate hook returns, possibly
// wrapped, for a request whose credentials are missing, unknown or
// revoked: the handler answers 401 with WWW-Authenticate: Bearer. Any other
// error of the hook, except a *Error, means the hook could not decide (its
// database is down) and is answered 503 with Retry-After: identity
// providers retry a 503, while Microsoft Entra ID quarantines a
// provisioning job whose credentials are refused.
//
// It is the same value as connection.ErrUnknownToken, so the errors of
// [connection.Manager.Verify] are answered alike.
var ErrUnknownToken = connection.ErrUnknownToken

// errNoToken is the cause of the 401 for a request without a bearer token.
var errNoToken = fmt.Errorf("scim: no bearer token in Authorization header: %w", ErrUnknownToken)

func unauthorized(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Detail: "authentication failed: send the Secret Token as 'Authorization: Bearer <token>'", Err: cause}
}

// authError is the answer to an error of Config.Authenticate: a *Error as
// is, ErrUnknownToken 401, anything else 503.
func authError(err error) *Error {
	var se *Error
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, ErrUnknownToken):
		return unauthorized(err)
	}
	return &Error{Status: http.StatusServiceUnavailable, Detail: "authentication is unavailable; try again later", Err: err}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 6750 §2.1).
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	tok := strings.TrimSpace(h[len(prefix):])
	return tok, tok != ""
}

// BearerTokens returns an Authenticate hook for Config that reads the bearer
// token and asks lookup for its tenant, for apps that keep tokens in their
// own database (store a hash: see [HashToken]).
//
// lookup reports whether it knows the token: ok false with a nil error
// means no such token (or a revoked one), answered 401. A non-nil error
// means the lookup failed (the database cannot be reached, a timeout): it
// is logged at ERROR and answered 503 with Retry-After, never 401, because
// an identity provider retries a 503 but treats a 401 as wrong credentials
// (Microsoft Entra ID quarantines the job). A *Error from lookup is
// answered as is.
func BearerTokens(lookup func(ctx context.Context, token string) (tenant string, ok bool, err error)) func(*http.Request) (context.Context, error) {
	return func(r *http.Request) (context.Context, error) {
		tok, ok := bearerToken(r)
		if !ok {
			return nil, unauthorized(errNoToken)
		}
		tenant, ok, err := lookup(r.Context(), tok)
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, unauthorized(ErrUnknownToken)
		}
		return store.WithTenant(r.Context(), tenant), nil
	}
}

// HashToken returns the SHA-256 hash of a token, the form in which [Tokens]
// keeps tokens and in which an app should store them.
func HashToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Tokens is a set of live bearer tokens, each granting access to one
// tenant. A tenant may have several live tokens, so a token can be rotated
// without downtime: add the new one, update the IdP, revoke the old one.
// Tokens are kept only as SHA-256 hashes and looked up by hash, so the time
// a lookup takes reveals nothing about how close a guessed token is. The
// zero value is an empty set ready to use; it is safe for concurrent use.
type Tokens struct {
	mu     sync.RWMutex
	byHash map[[32]byte]string
}

// Add makes token a live token of tenant.
func (t *Tokens) Add(token, tenant string) { t.AddHash(HashToken(token), tenant) }

// AddHash adds a token known only by its hash (see [HashToken]).
func (t *Tokens) AddHash(hash [32]byte, tenant string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byHash == nil {
		t.byHash = make(map[[32]byte]string)
	}
	t.byHash[hash] = tenant
}

// Revoke removes token; requests bearing it are then answered 401.
func (t *Tokens) Revoke(token string) {
	h := HashToken(token)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.byHash, h)
}

// Tenant returns the tenant of a live token.
func (t *Tokens) Tenant(token string) (string, bool) {
	h := HashToken(token)
	t.mu.RLock()
	defer t.mu.RUnlock()
	// The map is keyed by the token's hash, so how long the lookup takes
	// does not depend on how much of a guessed token is right.
	tenant, ok := t.byHash[h]
	return tenant, ok
}

// Authenticate is an Authenticate hook for Config: it accepts a request
// whose bearer token is live and returns its context carrying the token's
// tenant.
func (t *Tokens) Authenticate(r *http.Request) (context.Context, error) {
	tok, ok := bearerToken(r)
	if !ok {
		return nil, unauthorized(errNoToken)
	}
	tenant, ok := t.Tenant(tok)
	if !ok {
		return nil, unauthorized(ErrUnknownToken)
	}
	return store.WithTenant(r.Context(), tenant), nil
}

// NoAuthentication is an Authenticate hook that accepts every request and
// leaves the context unchanged (the empty tenant). Use it only in tests or
// behind the app's own authentication middleware.
func NoAuthentication(r *http.Request) (context.Context, error) { return r.Context(), nil }

// ConnectionAuthOptions configures [ConnectionAuth]. The zero value takes
// the tenant from the token.
type ConnectionAuthOptions struct {
	// Tenant, when set, returns the tenant a request's path names, for
	// apps that give each tenant its own Base URL (/scim/{tenant}/v2,
	// read with the app's router, e.g. r.PathValue("tenant")). The token
	// must then be a token of that tenant, else the request is 401. When
	// nil, one Tenant URL serves every tenant and the token decides.
	Tenant func(r *http.Request) string
	// Logger receives the reason of each refusal (a disabled connection,
	// a revoked token, a token of another tenant), which the 401 does not
	// carry; never the secret. slog.Default() when nil.
	Logger *slog.Logger
}

// ConnectionAuth returns an Authenticate hook for Config that resolves a
// request to its connection: it reads the bearer token, verifies it with
// m ([connection.Manager.Verify]) and returns the request's context
// carrying the connection's tenant ([store.WithTenant]), its profile's
// tolerance set ([WithQuirks] with [connection.Profile.Quirks]) and the
// connection itself ([connection.FromContext]).
//
// A missing, unknown or revoked token, a token of a disabled connection
// and, with opts.Tenant, a token of another tenant than the path's are
// answered 401; the reason is logged at WARN (INFO for a token that is
// simply unknown) and not sent. A failed lookup (the store cannot be
// reached) is answered 503 with Retry-After, never 401, because Microsoft
// Entra ID quarantines a provisioning job whose credentials are refused.
func ConnectionAuth(m *connection.Manager, opts ConnectionAuthOptions) func(*http.Request) (context.Context, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	refuse := func(r *http.Request, level slog.Level, reason error) error {
		log.Log(r.Context(), level, "scim: connection refused", "method", r.Method, "path", r.URL.Path, "reason", reason.Error())
		return unauthorized(reason)
	}
	return func(r *http.Request) (context.Context, error) {
		tok, ok := bearerToken(r)
		if !ok {
			return nil, unauthorized(errNoToken)
		}
		c, t, err := m.Verify(r.Context(), tok)
		switch {
		case errors.Is(err, connection.ErrDisabled), errors.Is(err, connection.ErrRevoked):
			return nil, refuse(r, slog.LevelWarn, err)
		case errors.Is(err, connection.ErrUnknownToken):
			return nil, refuse(r, slog.LevelInfo, err)
		case err != nil:
			return nil, err
		}
		if opts.Tenant != nil {
			if want := opts.Tenant(r); want != c.Tenant {
				return nil, refuse(r, slog.LevelWarn, fmt.Errorf("%w: token %s belongs to another tenant (%q) than the path's (%q)", ErrUnknownToken, t.ID, c.Tenant, want))
			}
		}
		ctx := store.WithTenant(r.Context(), c.Tenant)
		ctx = WithQuirks(ctx, c.Profile.Quirks())
		return connection.NewContext(ctx, c), nil
	}
}
