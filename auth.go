package scim

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/scimkit/scim/store"
)

// ErrUnknownToken is the error an Authenticate hook returns, possibly
// wrapped, for a request whose credentials are missing, unknown or
// revoked: the handler answers 401 with WWW-Authenticate: Bearer. Any other
// error of the hook, except a *Error, means the hook could not decide (its
// database is down) and is answered 503 with Retry-After: identity
// providers retry a 503, while Microsoft Entra ID quarantines a
// provisioning job whose credentials are refused.
var ErrUnknownToken = errors.New("scim: unknown or revoked bearer token")

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
