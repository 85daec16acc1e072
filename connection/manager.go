package connection

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// SecretPrefix starts every Secret Token the Manager issues.
const SecretPrefix = "scim_"

// MaxSecretLen bounds the length of a secret: [Manager.Import] refuses a
// longer one and [Manager.Verify] refuses it without a store call. An
// issued secret has 48 characters.
const MaxSecretLen = 256

// hintMinLen is the shortest secret whose last four characters are its
// Hint: a shorter, imported secret gets no hint, which would give away
// too much of it.
const hintMinLen = 16

// DefaultTouchInterval is how stale a token's stored LastUsed may get
// before a use is written back (Options.TouchInterval).
const DefaultTouchInterval = time.Minute

// Options configures a [Manager]. The zero value is the default.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// TouchInterval bounds the writes of last use: a token's LastUsed is
	// written when the stored one is older than this, in one batch for
	// all tokens, at most once per interval per Manager. Zero means
	// DefaultTouchInterval.
	TouchInterval time.Duration
	// Rand is the source of secrets and token IDs; crypto/rand when nil.
	Rand io.Reader
	// VerifyCache, when positive, is how long Verify trusts a token it
	// verified without asking the store again (one lookup fewer per
	// request). A token revoked, or a connection disabled, through this
	// Manager is refused at once; through another Manager (another
	// replica) or the store directly, within VerifyCache. Zero: every
	// Verify asks the store, and a revocation anywhere holds from the
	// next request on.
	VerifyCache time.Duration
}

// maxVerified bounds the tokens a Manager's VerifyCache holds: past it,
// the cache starts afresh.
const maxVerified = 4096

// verified is a token VerifyCache holds, with its connection, until
// until.
type verified struct {
	c     Connection
	t     Token
	until time.Time
}

// Manager issues, verifies, lists and revokes Secret Tokens and saves
// connections, over a [Store]. It keeps the last use of tokens in memory
// and writes it in batches (see [Options.TouchInterval] and
// [Manager.Flush]) rather than once per request. It is safe for
// concurrent use; several Managers (replicas) may share one store.
type Manager struct {
	store    Store
	now      func() time.Time
	interval time.Duration
	rand     io.Reader

	mu        sync.Mutex
	pending   map[string]time.Time // token ID -> last use not yet written
	inflight  map[string]time.Time // the uses a flush is writing now
	lastFlush time.Time
	flushing  bool

	flushMu sync.Mutex // serialises Flush

	cacheFor time.Duration
	cmu      sync.Mutex
	cache    map[Hash]verified // by the secret's hash
	gen      uint64            // counts the changes that emptied cache
}

// NewManager returns a Manager over s.
func NewManager(s Store, opts Options) *Manager {
	m := &Manager{store: s, now: opts.Now, interval: opts.TouchInterval, rand: opts.Rand, pending: map[string]time.Time{},
		cacheFor: opts.VerifyCache}
	if m.now == nil {
		m.now = time.Now
	}
	if m.interval <= 0 {
		m.interval = DefaultTouchInterval
	}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	return m
}

// Connection returns the tenant's connection, or an error wrapping
// [ErrNotFound].
func (m *Manager) Connection(ctx context.Context, tenant string) (Connection, error) {
	return m.store.Connection(ctx, tenant)
}

// Save creates or updates the connection of c.Tenant and returns it as
// stored: an empty Profile is Generic, an empty DeletePolicy is Delete,
// Created is kept from the stored connection (now for a new one) and
// Updated is now. An unknown Profile or DeletePolicy, or an empty Tenant,
// is an error wrapping [ErrInvalid].
func (m *Manager) Save(ctx context.Context, c Connection) (Connection, error) {
	if c.Profile == "" {
		c.Profile = Generic
	}
	if c.DeletePolicy == "" {
		c.DeletePolicy = Delete
	}
	switch {
	case c.Tenant == "":
		return Connection{}, fmt.Errorf("%w: no tenant", ErrInvalid)
	case !c.Profile.Valid():
		return Connection{}, fmt.Errorf("%w: unknown profile %q", ErrInvalid, c.Profile)
	case !c.DeletePolicy.Valid():
		return Connection{}, fmt.Errorf("%w: unknown delete policy %q", ErrInvalid, c.DeletePolicy)
	}
	now := m.now().UTC()
	old, err := m.store.Connection(ctx, c.Tenant)
	switch {
	case err == nil:
		c.Created = old.Created
	case errors.Is(err, ErrNotFound):
		c.Created = now
	default:
		return Connection{}, err
	}
	c.Updated = now
	defer m.forget()
	if err := m.store.PutConnection(ctx, c); err != nil {
		return Connection{}, err
	}
	return c, nil
}

// forget empties the VerifyCache, after a change that may refuse a token
// it holds: a Verify that read the store before the change does not put
// its answer in the cache after it (gen).
func (m *Manager) forget() {
	if m.cacheFor <= 0 {
		return
	}
	m.cmu.Lock()
	m.cache = nil
	m.gen++
	m.cmu.Unlock()
}

// Issue creates a Secret Token for the tenant's connection and returns
// the secret, which is not kept and cannot be shown again, with the
// token. The tenant must have a connection (else an error wrapping
// [ErrNotFound]); its other tokens stay live.
func (m *Manager) Issue(ctx context.Context, tenant, label string) (secret string, t Token, err error) {
	if _, err := m.store.Connection(ctx, tenant); err != nil {
		return "", Token{}, err
	}
	var b [32 + 12]byte
	if _, err := io.ReadFull(m.rand, b[:]); err != nil {
		return "", Token{}, fmt.Errorf("connection: issue token: %w", err)
	}
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:32])
	t = Token{
		ID:      hex.EncodeToString(b[32:]),
		Tenant:  tenant,
		Label:   label,
		Hint:    secret[len(secret)-4:],
		Created: m.now().UTC(),
		Hash:    HashSecret(secret),
	}
	if err := m.store.CreateToken(ctx, t); err != nil {
		return "", Token{}, err
	}
	t.Hash = Hash{}
	return secret, t, nil
}

// Import makes secret, a Secret Token created outside the Manager (a
// scripted test tenant's fixed token, a token of the app's earlier
// storage), a live token of the tenant's connection, labelled label, and
// returns it. Only its hash is stored, as for an issued token, and
// [Manager.Verify] accepts it from then on. The tenant must have a
// connection (else an error wrapping [ErrNotFound]). A secret that is
// empty, longer than [MaxSecretLen] or has a character other than
// visible ASCII (which an Authorization header carries unchanged) is an
// error wrapping [ErrInvalid]; a secret that is already a token's, of
// any tenant, is [ErrConflict]. The Hint is the last four characters of a
// secret of at least 16, and empty for a shorter one.
func (m *Manager) Import(ctx context.Context, tenant, label, secret string) (Token, error) {
	if !wellFormed(secret) {
		return Token{}, fmt.Errorf("%w: a secret must be 1 to %d characters of visible ASCII", ErrInvalid, MaxSecretLen)
	}
	if _, err := m.store.Connection(ctx, tenant); err != nil {
		return Token{}, err
	}
	var b [12]byte
	if _, err := io.ReadFull(m.rand, b[:]); err != nil {
		return Token{}, fmt.Errorf("connection: import token: %w", err)
	}
	t := Token{
		ID:      hex.EncodeToString(b[:]),
		Tenant:  tenant,
		Label:   label,
		Created: m.now().UTC(),
		Hash:    HashSecret(secret),
	}
	if len(secret) >= hintMinLen {
		t.Hint = secret[len(secret)-4:]
	}
	if err := m.store.CreateToken(ctx, t); err != nil {
		return Token{}, err
	}
	t.Hash = Hash{}
	return t, nil
}

// wellFormed reports whether secret can be a token: 1 to MaxSecretLen
// characters of visible ASCII (0x21 to 0x7E).
func wellFormed(secret string) bool {
	if secret == "" || len(secret) > MaxSecretLen {
		return false
	}
	for i := 0; i < len(secret); i++ {
		if secret[i] < 0x21 || secret[i] > 0x7e {
			return false
		}
	}
	return true
}

// Verify returns the connection and token of a secret, issued or
// imported. A secret that no token can have (empty, over [MaxSecretLen],
// not visible ASCII) is refused without a store call. It returns an
// error wrapping [ErrUnknownToken] when the secret names no live token
// (unknown, revoked, or its connection is gone; [ErrRevoked] for a
// revoked one), [ErrDisabled] (which
// wraps ErrUnknownToken) with the connection and token when the
// connection is disabled, and the store's error, such as one wrapping
// store.ErrUnavailable, when the lookup failed. The errors never contain
// the secret. A successful verification records the token's use.
func (m *Manager) Verify(ctx context.Context, secret string) (Connection, Token, error) {
	if !wellFormed(secret) {
		// No token has this secret (Import and Issue make none): the
		// store is not asked.
		return Connection{}, Token{}, fmt.Errorf("%w: not a well-formed token", ErrUnknownToken)
	}
	h := HashSecret(secret)
	var gen uint64
	if m.cacheFor > 0 {
		m.cmu.Lock()
		v, ok := m.cache[h]
		gen = m.gen
		m.cmu.Unlock()
		if ok && m.now().Before(v.until) {
			m.touch(v.t)
			return v.c, v.t, nil
		}
	}
	c, t, err := m.store.LookupToken(ctx, h)
	switch {
	case errors.Is(err, ErrNotFound):
		return Connection{}, Token{}, fmt.Errorf("%w: no such token", ErrUnknownToken)
	case err != nil:
		return Connection{}, Token{}, err
	}
	// The store found the token by its hash; comparing the hash it
	// returns, in constant time, guards against a store whose lookup is
	// looser than equality (a case-insensitive collation).
	if subtle.ConstantTimeCompare(t.Hash[:], h[:]) != 1 {
		return Connection{}, Token{}, fmt.Errorf("%w: no such token", ErrUnknownToken)
	}
	t.Hash = Hash{}
	switch {
	case !t.Live():
		return Connection{}, Token{}, fmt.Errorf("token %s of tenant %q, revoked at %s: %w", t.ID, t.Tenant, t.Revoked.Format(time.RFC3339), ErrRevoked)
	case !c.Enabled:
		return c, t, fmt.Errorf("tenant %q, token %s: %w", c.Tenant, t.ID, ErrDisabled)
	}
	if m.cacheFor > 0 {
		m.cmu.Lock()
		if m.gen == gen {
			if m.cache == nil || len(m.cache) >= maxVerified {
				m.cache = map[Hash]verified{}
			}
			m.cache[h] = verified{c: c, t: t, until: m.now().Add(m.cacheFor)}
		}
		m.cmu.Unlock()
	}
	m.touch(t)
	return c, t, nil
}

// touch records a use of t, and starts a flush in the background when
// the last one is older than the interval.
func (m *Manager) touch(t Token) {
	now := m.now()
	if now.Sub(t.LastUsed) < m.interval {
		return
	}
	m.mu.Lock()
	m.pending[t.ID] = now
	start := !m.flushing && now.Sub(m.lastFlush) >= m.interval
	if start {
		m.flushing = true
	}
	m.mu.Unlock()
	if start {
		go func() {
			// A failed background flush keeps its uses for the next one;
			// the store's error is the next Flush caller's to see.
			_ = m.flush(context.Background())
		}()
	}
}

// Flush writes the recorded last uses to the store. The Manager flushes
// by itself at most once per touch interval; call Flush on shutdown so
// that no use is lost. On failure the uses are kept for the next flush.
func (m *Manager) Flush(ctx context.Context) error {
	m.mu.Lock()
	m.flushing = true
	m.mu.Unlock()
	return m.flush(ctx)
}

func (m *Manager) flush(ctx context.Context) error {
	m.flushMu.Lock()
	defer m.flushMu.Unlock()
	m.mu.Lock()
	pending := m.pending
	m.pending = map[string]time.Time{}
	m.inflight = pending // listed by Tokens until written
	m.lastFlush = m.now()
	m.mu.Unlock()
	var err error
	if len(pending) > 0 {
		uses := make([]Use, 0, len(pending))
		for id, at := range pending {
			uses = append(uses, Use{ID: id, At: at.UTC()})
		}
		if err = m.store.TouchTokens(ctx, uses); err != nil {
			err = fmt.Errorf("connection: record token use: %w", err)
		}
	}
	m.mu.Lock()
	m.inflight = nil
	if err != nil {
		for id, at := range pending {
			if at.After(m.pending[id]) {
				m.pending[id] = at
			}
		}
	}
	m.flushing = false
	m.mu.Unlock()
	return err
}

// Tokens returns the tenant's tokens, revoked ones included, oldest
// first, with LastUsed including the uses not yet flushed (and those a
// flush is writing now, which a read of the store may not see yet).
//
// The uses not yet written are taken both before the store is read and
// after: a flush that writes them and forgets them while the read runs
// would otherwise hide them from both.
func (m *Manager) Tokens(ctx context.Context, tenant string) ([]Token, error) {
	m.mu.Lock()
	before := make(map[string]time.Time, len(m.pending)+len(m.inflight))
	for _, uses := range []map[string]time.Time{m.pending, m.inflight} {
		for id, at := range uses {
			if at.After(before[id]) {
				before[id] = at
			}
		}
	}
	m.mu.Unlock()
	ts, err := m.store.Tokens(ctx, tenant)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range ts {
		ts[i].Hash = Hash{}
		for _, uses := range []map[string]time.Time{before, m.pending, m.inflight} {
			if at, ok := uses[ts[i].ID]; ok && at.After(ts[i].LastUsed) {
				ts[i].LastUsed = at.UTC()
			}
		}
	}
	return ts, nil
}

// Revoke revokes the tenant's token id: from the next request on, it is
// refused with ErrRevoked, on every replica (within Options.VerifyCache
// on the others when it is set). Revoking a revoked token is not an
// error; an unknown one is [ErrNotFound].
func (m *Manager) Revoke(ctx context.Context, tenant, id string) error {
	defer m.forget()
	return m.store.RevokeToken(ctx, tenant, id, m.now().UTC())
}
