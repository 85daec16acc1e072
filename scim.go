package scim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/scimkit/scim/event"
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/quirk"
	"github.com/scimkit/scim/resource"
	"github.com/scimkit/scim/store"
)

// Default limits. Each can be changed per server in Config.
const (
	DefaultMaxResults   = 200
	DefaultMaxBodyBytes = 1 << 20
	DefaultRetryAfter   = 5 * time.Second

	// DefaultMaxBulkOperations and DefaultMaxBulkPayloadBytes are the
	// defaults of Config.MaxBulkOperations and Config.MaxBulkPayloadBytes.
	DefaultMaxBulkOperations   = 1000
	DefaultMaxBulkPayloadBytes = 1 << 20
)

// MaxIDBytes bounds the length of a resource id. An id in a request path
// that is longer, is not valid UTF-8 (which rules out lone surrogates and
// overlong encodings) or contains NUL can be no resource's id: the handler
// answers 404 without asking the store. Ids from Config.NewID and from a
// store must stay within these bounds.
const MaxIDBytes = 1024

// Config configures a Server. New copies it; changing it afterwards has no
// effect. Zero values mean the documented defaults.
type Config struct {
	// Store keeps users and groups. Required.
	Store store.Store

	// Authenticate authenticates a request and returns the context the store
	// will see, carrying the tenant (see store.WithTenant). A returned
	// *Error is answered as is; an error wrapping [ErrUnknownToken] (a
	// missing, unknown or revoked token) is answered 401 with
	// WWW-Authenticate: Bearer; any other error means the hook could not
	// decide (its token lookup failed) and is answered 503 with
	// Retry-After, logged at ERROR, never 401. Required: use
	// [Tokens.Authenticate] or [BearerTokens] for bearer tokens, or
	// [NoAuthentication] to opt out explicitly (tests, or an app that
	// authenticates in its own middleware).
	Authenticate func(r *http.Request) (context.Context, error)

	// BaseURL returns the absolute URL the handler is mounted at, without a
	// trailing slash, e.g. "https://app.example.com/scim/v2"; it is used for
	// meta.location and Location headers. nil means derive it from the
	// request: the scheme (TLS), the host (Host) and the prefix removed by
	// http.StripPrefix; see TrustForwardedHeaders for a server behind a
	// reverse proxy.
	BaseURL func(r *http.Request) string

	// TrustForwardedHeaders makes the derived base URL (BaseURL nil) take
	// the scheme from X-Forwarded-Proto and the host from X-Forwarded-Host
	// (its first value). Set it only when every request reaches the server
	// through a reverse proxy that sets or overwrites both headers: false,
	// the default, ignores them, so that a client talking to the server
	// directly cannot choose the host of Location and meta.location.
	// A forwarded host that is not a host[:port] is ignored either way.
	TrustForwardedHeaders bool

	// UserExtensions and GroupExtensions register custom extension schemas
	// (RFC 7643 §3.3). The enterprise User extension is always registered.
	UserExtensions  []*resource.Schema
	GroupExtensions []*resource.Schema
	// RequiredExtensions lists the URNs of extensions (of UserExtensions,
	// GroupExtensions or the enterprise one) that every resource of their
	// type must carry: /ResourceTypes says "required": true, and a create,
	// replace or PATCH leaving a resource without one is 400 invalidValue
	// (resource.RegistryConfig.Required).
	RequiredExtensions []string

	// ResourceTypes declares resource types besides User and Group that
	// the app serves from its own sources, read-only or read-write, such
	// as the roles and entitlements Okta's entitlement management reads
	// (see CustomType, OktaRoleType, OktaEntitlementType). Each is routed
	// at its endpoint, listed in /ResourceTypes with its schemas in
	// /Schemas, and may restrict the values of a user's roles or
	// entitlements (CustomType.Assigns). New refuses a type whose ID,
	// name, endpoint or schema URN collides with a built-in one or
	// another type's.
	ResourceTypes []CustomType

	// MaxResults caps the count of a list request and is the page size when
	// a request gives no count; it is advertised as filter.maxResults in
	// /ServiceProviderConfig. Defaults to DefaultMaxResults (200).
	MaxResults int

	// CursorKey is the key of the HMAC-SHA256 that makes RFC 9865
	// cursors tamper-proof and binds each to its tenant and query (at
	// least 16 bytes; 32 random bytes are best). nil means a random key
	// per Server: a cursor is then good only on the Server that issued it,
	// so replicas behind one load balancer must share a key (a cursor
	// from a replica with another key is answered 400 invalidCursor, as a
	// forged one). Changing the key invalidates the cursors issued with
	// the old one.
	CursorKey []byte

	// CursorTimeout is how long a cursor stays valid after the page that
	// returned it; an older one is answered 400 expiredCursor. It is
	// advertised as pagination.cursorTimeout. Defaults to
	// DefaultCursorTimeout (1 hour).
	CursorTimeout time.Duration

	// MaxBodyBytes caps request bodies; a larger body is answered 413
	// without being parsed. Defaults to DefaultMaxBodyBytes (1 MiB).
	MaxBodyBytes int64

	// MaxBulkOperations caps the operations of one /Bulk request (RFC 7644
	// §3.7.4): a request with more is answered 413 before any of its
	// operations runs. It is advertised as bulk.maxOperations in
	// /ServiceProviderConfig. Defaults to DefaultMaxBulkOperations (1000).
	MaxBulkOperations int

	// MaxBulkPayloadBytes caps the body of a /Bulk request, in place of
	// MaxBodyBytes: a larger body is answered 413 without being parsed.
	// The data of each operation is still held to MaxBodyBytes, as the
	// body of its single request is. It is advertised as
	// bulk.maxPayloadSize in /ServiceProviderConfig. Defaults to
	// DefaultMaxBulkPayloadBytes (1 MiB).
	MaxBulkPayloadBytes int64

	// RetryAfter is sent, in whole seconds rounded up, as the Retry-After
	// header of every 503: the store's backend is unavailable
	// (store.ErrUnavailable), an Authenticate hook could not look the
	// token up, or the request timed out. Identity providers retry after
	// it. Defaults to DefaultRetryAfter (5 s).
	RetryAfter time.Duration

	// FilterLimits bound filter length, nesting depth and clause count; the
	// zero value means filter's defaults.
	FilterLimits filter.Limits

	// MaxPatchOperations caps the operations of one PATCH request; more is
	// a 400. Defaults to patch.DefaultMaxOperations (1000).
	MaxPatchOperations int

	// DisableQuirks turns off identity-provider tolerances (package quirk)
	// for every request whose context does not choose its own set with
	// [WithQuirks]; the zero value keeps them all on, which every IdP
	// needs. A tolerance turned off is off everywhere it applies: request
	// bodies, PATCH and filters.
	DisableQuirks quirk.Set

	// GroupPatchReturnsResource makes PATCH on a group answer 200 with the
	// group (members only when the request's attributes ask for them)
	// instead of the default 204 No Content, which is what Entra expects
	// ("returning the full member list is not advisable").
	GroupPatchReturnsResource bool

	// AllowDuplicateGroupNames turns off the check that refuses (409
	// uniqueness) a group whose displayName another group of the tenant
	// has, compared case-insensitively (filter.Fold). The check is on by
	// default because Entra and JumpCloud match groups by displayName. The
	// store makes it, race free; the handler passes this setting to it
	// with store.WithDuplicateGroupNames on every request.
	AllowDuplicateGroupNames bool

	// Observe, when set, is called once after every request the handler
	// answered, successes and failures alike (401s, 404s, a recovered
	// panic answered 500), with what the request was and how it was
	// answered: tenant, connection, endpoint, id, status, scimType and
	// detail, latency, and the tolerances that changed how it was read
	// (see Observation; never the token or a body). ctx is the
	// authenticated request's context, or the request's before
	// authentication; it may be cancelled already. Observe runs on the
	// request's goroutine before ServeHTTP returns: keep it fast (hand off
	// to a channel or a batching writer for anything slow). nil costs
	// nothing on the request path. The tolerances that fired are also
	// logged at DEBUG on Logger, Observe or not.
	Observe func(ctx context.Context, o Observation)

	// Events receives the change events (package event) of every write
	// the handler commits, when the store does not write them itself
	// (store.EventWriter, whose WritesEvents reports true: then the
	// store delivers them, see its documentation, and Events is not
	// called). Each event is handed to Events.Handle after the store's
	// write returned successfully, one at a time in the order of the
	// write's events, synchronously in the request's goroutine before
	// the answer is written, with the request's context (not cancelled
	// when the client goes away; it carries the tenant and [RequestID]).
	// An error Handle returns is logged at ERROR and does not change the
	// answer: the change is committed, and the event is not delivered
	// again. Events are lost if the process dies between the write and
	// the delivery; a store that implements store.EventWriter closes
	// that gap (store/events.go). nil, with a store that writes no
	// events, means no events are built at all.
	Events event.Handler

	// DocumentationURI is advertised in /ServiceProviderConfig.
	DocumentationURI string

	// Logger receives errors (5xx causes, recovered panics). nil means
	// slog.Default().
	Logger *slog.Logger

	// Clock returns the current time, for meta.created and
	// meta.lastModified. nil means time.Now.
	Clock func() time.Time

	// NewID returns a new resource id: valid UTF-8, no NUL, at most
	// MaxIDBytes bytes. nil means a random UUID (version 4).
	NewID func() string
}

// Server is the SCIM service provider: an http.Handler serving /Users,
// /Groups, /Bulk, /ServiceProviderConfig, /ResourceTypes and /Schemas relative to
// where it is mounted. Create it with New; it is safe for concurrent use.
type Server struct {
	cfg  Config
	reg  *resource.Registry
	log  *slog.Logger
	spc  []byte // encoded /ServiceProviderConfig, built once
	disc discovery
	// custom is the declared resource types (resourcetypes.go).
	custom customTypes
	// retryAfter is the Retry-After value of a 503.
	retryAfter string
	// storeEvents reports a store that writes change events itself
	// (store.EventWriter); emits, that the handler builds them: for such
	// a store or for Config.Events.
	storeEvents, emits bool
	// cursors makes and reads RFC 9865 cursors (cursor.go); seeks
	// remembers where startIndex walks stopped.
	cursors *cursorCodec
	seeks   *seekCache
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("scim: Config.Store is required")
	}
	if cfg.Authenticate == nil {
		return nil, errors.New("scim: Config.Authenticate is required (use scim.NoAuthentication to opt out)")
	}
	if cfg.MaxResults < 0 || cfg.MaxBodyBytes < 0 || cfg.RetryAfter < 0 || cfg.MaxBulkOperations < 0 || cfg.MaxBulkPayloadBytes < 0 || cfg.CursorTimeout < 0 {
		return nil, errors.New("scim: Config.MaxResults, MaxBodyBytes, MaxBulkOperations, MaxBulkPayloadBytes, RetryAfter and CursorTimeout must not be negative")
	}
	if cfg.MaxBulkOperations == 0 {
		cfg.MaxBulkOperations = DefaultMaxBulkOperations
	}
	if cfg.MaxBulkPayloadBytes == 0 {
		cfg.MaxBulkPayloadBytes = DefaultMaxBulkPayloadBytes
	}
	if cfg.CursorKey != nil && len(cfg.CursorKey) < 16 {
		return nil, errors.New("scim: Config.CursorKey must be at least 16 bytes")
	}
	if cfg.CursorTimeout == 0 {
		cfg.CursorTimeout = DefaultCursorTimeout
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.MaxResults == 0 {
		cfg.MaxResults = DefaultMaxResults
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = newUUID
	}
	reg, err := resource.NewRegistryFrom(resource.RegistryConfig{
		UserExtensions: cfg.UserExtensions, GroupExtensions: cfg.GroupExtensions, Required: cfg.RequiredExtensions})
	if err != nil {
		return nil, fmt.Errorf("scim: %w", err)
	}
	custom, err := newCustomTypes(cfg.ResourceTypes, reg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, reg: reg, log: cfg.Logger, retryAfter: retryAfterHeader(cfg.RetryAfter), custom: custom}
	if ew, ok := cfg.Store.(store.EventWriter); ok && ew.WritesEvents() {
		s.storeEvents = true
	}
	s.emits = s.storeEvents || cfg.Events != nil
	s.cursors = newCursorCodec(cfg.CursorKey, cfg.CursorTimeout, cfg.Clock)
	s.seeks = newSeekCache(cfg.CursorTimeout, cfg.Clock)
	s.spc = s.serviceProviderConfig()
	s.disc = newDiscovery(reg)
	s.disc.addCustom(custom.types)
	return s, nil
}

// retryAfterHeader renders d as a Retry-After delay: whole seconds,
// rounded up, at least 1.
func retryAfterHeader(d time.Duration) string {
	return strconv.FormatInt(max(1, int64((d+time.Second-1)/time.Second)), 10)
}

// newUUID returns a random RFC 9562 version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hx = "0123456789abcdef"
	out := make([]byte, 36)
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hx[c>>4], hx[c&0xf]
		j += 2
	}
	return string(out)
}
