// Package connection is what a vendor manages for each tenant's identity
// provider: a [Connection] (enabled or not, its IdP [Profile], what DELETE
// means, SCIM-managed mode, dry-run mode) and its Secret Tokens, issued, verified, listed
// and revoked by a [Manager] over a [Store].
//
// The Secret Token is the credential an admin pastes into the IdP with the
// Tenant URL. [Manager.Issue] returns it once: 256 random bits, base64url,
// after the prefix "scim_" so that secret scanners and people recognise it.
// Only its SHA-256 hash is stored, and a token is found by its hash, so no
// comparison of the secret happens and timing reveals nothing about a
// guess. A connection may have several live tokens, so an admin rotates
// without downtime: issue a new token, paste it into the IdP, revoke the
// old one, which is refused from the next request on. Tokens do not
// expire: Microsoft Entra ID quarantines a provisioning job whose token
// stops working, so only a revocation ends one.
//
// The root package's scim.ConnectionAuth turns a Manager into the SCIM
// server's Authenticate hook: it verifies the bearer token, refuses a
// disabled connection, and puts the tenant, the profile's tolerance set and
// the connection in the request's context ([FromContext]).
//
// The package imports only the standard library and the module's quirk
// and store packages. Stores: [NewMemoryStore] here, sqlstore's
// Connections for PostgreSQL and SQLite; [conntest.Run] checks any store
// against the contract of [Store].
package connection

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors, possibly wrapped. A store's failure to answer (its
// database cannot be reached) is store.ErrUnavailable, as for the
// resource stores.
var (
	// ErrUnknownToken is returned by [Manager.Verify] for a secret that
	// names no live token: unknown, revoked, or of a connection that no
	// longer exists. scim.ErrUnknownToken is this same value, so an
	// Authenticate hook returning it (wrapped or not) is answered 401.
	ErrUnknownToken = errors.New("scim: unknown or revoked bearer token")

	// ErrDisabled is returned by [Manager.Verify] for a live token of a
	// connection whose Enabled is false. It wraps [ErrUnknownToken], so it
	// is answered 401 too.
	ErrDisabled = fmt.Errorf("connection: SCIM is disabled for this connection: %w", ErrUnknownToken)

	// ErrRevoked is returned by [Manager.Verify] for a revoked token. It
	// wraps [ErrUnknownToken], so it is answered 401 too.
	ErrRevoked = fmt.Errorf("connection: token revoked: %w", ErrUnknownToken)

	// ErrNotFound is returned by a [Store] (and the Manager) for a
	// connection or token that does not exist.
	ErrNotFound = errors.New("connection: not found")

	// ErrConflict is returned by [Store.CreateToken] for a token whose ID
	// or hash another token has.
	ErrConflict = errors.New("connection: token already exists")

	// ErrInvalid is returned by [Manager.Save] for a connection with an
	// unknown Profile or DeletePolicy, or without a Tenant.
	ErrInvalid = errors.New("connection: invalid connection")
)

// DeletePolicy is what a SCIM DELETE of a user means for a connection.
// The handler applies it to DELETE /Users/{id} (the request's connection
// is in its context, [FromContext]); DELETE /Groups/{id} deletes the
// group under every policy.
type DeletePolicy string

// Delete policies.
const (
	// Delete removes the user (RFC 7644 §3.6), with store.Users'
	// DeleteUser: the default.
	Delete DeletePolicy = "delete"
	// Deactivate keeps the user's record, deactivated and hidden from
	// SCIM, for vendors that must keep records: the handler calls the
	// store's store.UserArchiver.ArchiveUser. The identity provider sees
	// exactly a delete (204, then 404; the user in no filter, list or
	// group; its userName and externalId free, so it can create the user
	// again), while the app reads the record, active false, with when it
	// was archived, through GetArchivedUser and ListArchivedUsers. A store
	// without store.UserArchiver cannot keep records: the DELETE is then
	// answered 501, logged at ERROR, and changes nothing.
	Deactivate DeletePolicy = "deactivate"
)

// Valid reports whether d is one of the policies.
func (d DeletePolicy) Valid() bool { return d == Delete || d == Deactivate }

// Connection is a tenant's SCIM connection. A tenant has at most one.
type Connection struct {
	// Tenant is the tenant the connection provisions into, the value the
	// resource stores read with store.TenantFrom.
	Tenant string
	// Enabled is false while SCIM is off for the tenant: its tokens are
	// then refused with 401.
	Enabled bool
	// Profile is the identity provider's profile, which selects the
	// tolerances applied to its requests. [Manager.Save] stores Generic
	// for "".
	Profile Profile
	// DeletePolicy is what DELETE means. [Manager.Save] stores Delete
	// for "".
	DeletePolicy DeletePolicy
	// SCIMManaged says that the IdP manages the tenant's directory: the
	// app refuses its own user and group adds and deletes while it is
	// set. The library stores the flag; the app enforces it.
	SCIMManaged bool
	// DryRun puts the connection in shadow mode, for onboarding a
	// customer's directory: the handler reads, validates and answers
	// every request of the connection exactly as it would otherwise
	// (same statuses, same bodies, the same conflicts and precondition
	// failures), writes nothing to the resource store and delivers no
	// change event, and the activity log records each request with its
	// would-be effect (activity.Entry.DryRun and Effects). Turning it off
	// makes the next request write. Stores keep it; false is the default.
	DryRun bool
	// Created and Updated are set by [Manager.Save].
	Created, Updated time.Time
}

// Token is a Secret Token as listed to an admin: everything but the
// secret.
type Token struct {
	// ID identifies the token within the store (random, not secret).
	ID string
	// Tenant is the tenant of the connection the token grants access to.
	Tenant string
	// Label is the admin's name for the token ("Entra production").
	Label string
	// Hint is the last four characters of the secret, which tell tokens
	// apart without revealing them.
	Hint string
	// Created is when the token was issued.
	Created time.Time
	// LastUsed is the last request authenticated by the token, to within
	// the Manager's touch interval; zero if never used.
	LastUsed time.Time
	// Revoked is when the token was revoked; zero while it is live.
	Revoked time.Time
	// Hash is the SHA-256 hash of the secret, the only form in which it
	// is stored. Stores keep and return it; [Manager.Tokens] leaves it
	// zero.
	Hash Hash
}

// Live reports whether t is not revoked.
func (t Token) Live() bool { return t.Revoked.IsZero() }

type connKey struct{}

// NewContext returns a context carrying c; scim.ConnectionAuth puts the
// request's connection in its context with it.
func NewContext(ctx context.Context, c Connection) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// FromContext returns the connection carried by ctx (the one the request
// authenticated for), and whether there is one.
func FromContext(ctx context.Context) (Connection, bool) {
	c, ok := ctx.Value(connKey{}).(Connection)
	return c, ok
}
