// Package activity is the provisioning activity log: one [Entry] per SCIM
// request a tenant's identity provider sent, kept per tenant with bounded
// retention, so that an admin debugging a "Provision on demand" sees each
// request the IdP sent and what the app answered, newest first.
//
// Wire a [Recorder] into the handler and show [Store.List] on a settings
// page:
//
//	log := activity.NewMemoryStore(activity.Retention{}) // or sqlstore's Store.Activity()
//	rec := activity.NewRecorder(log, activity.Options{Logger: logger})
//	defer rec.Close(context.Background())
//	srv, err := scim.New(scim.Config{..., Observe: rec.Observe})
//	...
//	entries, next, err := log.List(ctx, tenant, activity.Filter{FailuresOnly: true})
//
// An Entry holds what the handler's [Observation] holds: never the
// Secret Token and never a request body, so never a password.
//
// Recording never slows or fails a SCIM request: Observe only queues the
// entry (a bounded queue; when it is full the entry is dropped and
// counted), a goroutine writes the queue to the store in batches, and a
// store failure is logged and counted, never answered to the IdP.
package activity

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Outcome classifies the answer of a request.
type Outcome string

// The outcomes, by status: below 400 OK, 4xx ClientError (the IdP's
// request was refused: its mistake, or an unknown token), 5xx
// ServerError (the app could not answer).
const (
	OK          Outcome = "ok"
	ClientError Outcome = "client_error"
	ServerError Outcome = "server_error"
)

// OutcomeOf returns the outcome of an answer with the HTTP status.
func OutcomeOf(status int) Outcome {
	switch {
	case status >= 500:
		return ServerError
	case status >= 400:
		return ClientError
	}
	return OK
}

// Unknown is Entry.IdP when neither the connection's profile nor the
// request's shape names an identity provider.
const Unknown = "unknown"

// Entry is one request the SCIM handler answered.
type Entry struct {
	// Time is when the answer was written. Stores keep it to the
	// microsecond: it reads back truncated to a microsecond, in UTC.
	Time time.Time
	// Tenant is the tenant whose token authenticated the request; a
	// request that names no tenant is not recorded.
	Tenant string
	// IdP is the identity provider that sent the request: the profile of
	// the request's connection when it names one ("entra", "okta", ...),
	// else a guess from the request (see [GuessIdP]), else [Unknown].
	IdP string
	// Method is the HTTP method.
	Method string
	// Endpoint is the endpoint in its canonical spelling ("Users",
	// "Groups", ".search", ...; see scim.Observation), "" for a path that
	// names none.
	Endpoint string
	// Search reports a POST .search.
	Search bool
	// ResourceID is the id the path named, "" for none.
	ResourceID string
	// Outcome classifies Status.
	Outcome Outcome
	// Status is the HTTP status answered.
	Status int
	// Latency is the time the handler took to answer.
	Latency time.Duration
	// ScimType and Detail are those of the SCIM error answered, "" for a
	// success. Detail is at most [MaxDetailBytes] long.
	ScimType, Detail string
	// Quirks are the short names of the IdP tolerances that changed how
	// the request was read (quirk.Set.Names: "op-case",
	// "entra-bool-strings"), nil when none did.
	Quirks []string
	// RequestID identifies the request: Observation.RequestID (the
	// Request of the request's change events) when it is a short
	// printable token, else one the Recorder made up.
	RequestID string
	// UserAgent is the request's User-Agent, at most [MaxTextBytes] long.
	UserAgent string
	// DryRun reports a request of a connection in dry-run mode
	// (connection.Connection.DryRun): it was answered as it would have
	// been, and nothing was written.
	DryRun bool
	// Effects is the would-be effect of a dry-run request: one
	// "TYPE RESOURCE-ID" per change event the request would have caused
	// ("user.created 2819c223", "group.members_added e9e30dba"), in the
	// order the events would have been delivered; nil when it would have
	// changed nothing and for requests that are not dry runs. At most
	// [MaxEffects] of them, each at most MaxDetailBytes long.
	Effects []string
}

// Target is the request's path relative to the SCIM base URL, for
// showing: "/Users", "/Users/2819c223", "/Groups/.search", "/.search";
// "/" for a path that named no endpoint.
func (e Entry) Target() string {
	switch {
	case e.Endpoint == ".search":
		return "/.search"
	case e.Endpoint == "":
		return "/"
	case e.Search:
		return "/" + e.Endpoint + "/.search"
	case e.ResourceID != "":
		return "/" + e.Endpoint + "/" + e.ResourceID
	}
	return "/" + e.Endpoint
}

// Bounds on the client-supplied and error text an Entry keeps, so that an
// entry's size is bounded whatever the IdP sends.
const (
	// MaxTextBytes bounds UserAgent and RequestID.
	MaxTextBytes = 256
	// MaxDetailBytes bounds Detail and each of Effects.
	MaxDetailBytes = 1024
	// MaxEffects bounds the number of Effects.
	MaxEffects = 64
)

// Cursor is a position in a tenant's log, returned by [Store.List] for
// the next page. It is opaque: only the store that returned it reads it.
// The empty Cursor is the newest end of the log.
type Cursor string

// Filter selects the entries [Store.List] returns.
type Filter struct {
	// FailuresOnly keeps the entries whose Outcome is not OK.
	FailuresOnly bool
	// Before starts the page after this position: the next cursor of the
	// previous page. Empty starts at the newest entry.
	Before Cursor
	// Limit is the most entries to return: 0 or less means
	// [DefaultLimit], more than [MaxLimit] means MaxLimit.
	Limit int
}

// Page sizes of [Store.List].
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// LimitOf returns the page size a Filter asks for, clamped as Filter.Limit
// says. Stores use it so that they all clamp alike.
func (f Filter) LimitOf() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// ErrInvalidCursor is returned by [Store.List] for a malformed cursor (a
// page's answer to it is a 400).
var ErrInvalidCursor = errors.New("activity: invalid cursor")

// Store keeps the activity log. The contract below is checked by
// activity/activitytest (activitytest.Run), which every store passes:
// NewMemoryStore and store/sqlstore's Store.Activity on SQLite and
// PostgreSQL.
//
//   - Append stores the entries, each under its Tenant, in one call (a
//     batch; the Recorder makes them). It keeps every field as given but
//     Time, which reads back truncated to the microsecond and in UTC,
//     and an empty Quirks or Effects, which reads back as nil. Entries are never changed after they are appended.
//   - List returns a tenant's entries newest first: by Time, descending,
//     and entries with equal Time in the reverse of the order they were
//     appended. It returns at most f.LimitOf() entries and the cursor of
//     the next page, which is "" when there are no more; following the
//     cursors visits every entry once, also while newer entries are
//     appended.
//     FailuresOnly keeps the entries whose Outcome is not OK. Another
//     tenant's entries are never returned. A tenant with no entries has
//     an empty list, not an error. A malformed cursor is
//     ErrInvalidCursor.
//   - Retention is bounded per tenant, by count and by age (see
//     [Retention]): List never returns more than MaxEntries of a tenant's
//     newest entries, nor an entry older than MaxAge, and the store
//     deletes the others on the tenant's Appends: at the latest on the
//     next one, except that a store may let up to MaxEntries/10 entries
//     beyond MaxEntries wait for a later Append, to delete them in one
//     batch instead of walking the tenant's newest entries on every
//     Append (examples/saas does).
//   - Errors: a store that cannot answer returns an error wrapping
//     store.ErrUnavailable where it can tell; the Recorder logs Append's
//     errors and drops the batch.
//
// A store is safe for concurrent use.
type Store interface {
	Append(ctx context.Context, entries []Entry) error
	List(ctx context.Context, tenant string, f Filter) ([]Entry, Cursor, error)
}

// Pruner is a Store that can delete the expired entries of every tenant,
// also of tenants that append nothing more. The Recorder calls Prune
// every Options.PruneInterval when its store is one.
type Pruner interface {
	Prune(ctx context.Context) error
}

// Retention bounds a store's log per tenant.
type Retention struct {
	// MaxEntries is the most entries kept per tenant, the newest;
	// 0 means DefaultMaxEntries.
	MaxEntries int
	// MaxAge is how long an entry is kept; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock ages are measured on; nil means time.Now.
	Now func() time.Time
}

// The default retention: 10,000 entries and 30 days per tenant.
const (
	DefaultMaxEntries = 10000
	DefaultMaxAge     = 30 * 24 * time.Hour
)

// WithDefaults returns r with its zero fields set to the defaults.
func (r Retention) WithDefaults() Retention {
	if r.MaxEntries <= 0 {
		r.MaxEntries = DefaultMaxEntries
	}
	if r.MaxAge <= 0 {
		r.MaxAge = DefaultMaxAge
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// Cutoff returns the time before which entries have expired.
func (r Retention) Cutoff() time.Time {
	r = r.WithDefaults()
	return r.Now().Add(-r.MaxAge)
}

// MakeCursor returns the cursor of the position after an entry with time
// t and store-assigned sequence number seq, for stores that order entries
// by (time, seq) as the contract does; ParseCursor reads it back.
func MakeCursor(t time.Time, seq int64) Cursor {
	return Cursor(strconv.FormatInt(t.UnixMicro(), 10) + "." + strconv.FormatInt(seq, 10))
}

// ParseCursor reads a cursor made by MakeCursor: the time, to the
// microsecond, and the sequence number. Anything else is
// ErrInvalidCursor.
func ParseCursor(c Cursor) (time.Time, int64, error) {
	us, seq, ok := strings.Cut(string(c), ".")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 0 {
		return time.Time{}, 0, ErrInvalidCursor
	}
	return time.UnixMicro(t).UTC(), n, nil
}
