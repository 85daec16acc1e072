package connection

import (
	"context"
	"crypto/sha256"
	"time"
)

// Hash is the SHA-256 hash of a Secret Token, the form in which it is
// stored and looked up.
type Hash [32]byte

// HashSecret returns the hash of a secret.
func HashSecret(secret string) Hash { return sha256.Sum256([]byte(secret)) }

// Use is a token's last use, as [Store.TouchTokens] records it.
type Use struct {
	ID string    // the token's ID
	At time.Time // when it authenticated a request
}

// Store keeps connections and tokens. Every method takes the request's
// context first and returns the sentinel errors of this package, possibly
// wrapped, or an error wrapping store.ErrUnavailable when the backend
// cannot answer now. A Store is safe for concurrent use, also by several
// replicas sharing one database: uniqueness is the store's (a lock, a
// unique index), never a read followed by a write.
//
// What a store returns is the caller's: times are compared as instants
// (a store may return them in UTC, truncated to the microsecond).
//
// [conntest.Run] checks a store against this contract.
type Store interface {
	// Connection returns the tenant's connection, or ErrNotFound.
	Connection(ctx context.Context, tenant string) (Connection, error)

	// PutConnection creates or replaces the connection of c.Tenant with c
	// as given (the last write wins).
	PutConnection(ctx context.Context, c Connection) error

	// CreateToken adds t, with its Hash, Revoked and LastUsed as given.
	// It returns ErrConflict if a token has t.ID or t.Hash.
	CreateToken(ctx context.Context, t Token) error

	// LookupToken returns the token whose Hash is h, revoked or not, and
	// the connection of its tenant. It returns ErrNotFound when no token
	// has h, and when the token's tenant has no connection. The lookup is
	// an exact match on the whole hash (an index or a map key), so its
	// time says nothing about how much of a guess is right.
	LookupToken(ctx context.Context, h Hash) (Connection, Token, error)

	// Tokens returns the tenant's tokens, revoked ones included, ordered
	// by Created then ID; none is an empty result, not an error.
	Tokens(ctx context.Context, tenant string) ([]Token, error)

	// RevokeToken sets Revoked of the tenant's token id to at, unless it
	// is already revoked (the first revocation's time is kept). It
	// returns ErrNotFound when the tenant has no token id.
	RevokeToken(ctx context.Context, tenant, id string, at time.Time) error

	// TouchTokens sets LastUsed of each token named by uses to the use's
	// time when that is later than the token's LastUsed (concurrent
	// replicas never move it back). Unknown IDs are ignored.
	TouchTokens(ctx context.Context, uses []Use) error
}
