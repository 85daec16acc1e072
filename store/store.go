// Package store defines the contract between the SCIM handler and the
// app's storage: small context-first interfaces for users and groups, the
// sentinel errors the handler maps to SCIM statuses, and optional
// interfaces for the fast paths a database can offer.
//
// The handler applies filters, PATCH and paging itself when a store offers
// no fast path, so a minimal store implements [Users] and [Groups] only.
// Every method reads the tenant from its context ([TenantFrom]); all
// uniqueness checks, lookups and counts are per tenant.
//
// [storetest.Run] checks a store against this contract.
package store

import (
	"context"
	"errors"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resource"
)

// Sentinel errors. Stores return them, possibly wrapped; an app's own error
// types can match them by implementing Is. The handler maps them to SCIM
// statuses: ErrNotFound to 404, ErrConflict to 409 uniqueness,
// ErrPreconditionFailed to 412, ErrUnavailable to 503 with Retry-After.
var (
	ErrNotFound           = errors.New("store: resource not found")
	ErrConflict           = errors.New("store: uniqueness conflict")
	ErrPreconditionFailed = errors.New("store: version mismatch")
	// ErrUnsupported is returned by an optional fast path that cannot answer
	// this particular request; the handler then falls back to the generic
	// path.
	ErrUnsupported = errors.New("store: unsupported by this store")
	// ErrUnavailable is wrapped, by every method of a store, around an
	// error that says the backend cannot answer now but may on a retry:
	// it cannot be reached (connection refused, reset or lost), it is
	// too busy (a lock still held after the busy timeout, too many
	// connections, shutting down), or the context's deadline passed. A
	// store recovers from it without a restart. An error that a retry
	// cannot fix (a bug, a constraint) must not wrap it.
	ErrUnavailable = errors.New("store: backend unavailable")
)

type tenantKey struct{}

// WithTenant returns a context carrying tenant. The authentication hook
// calls it; stores read it back with TenantFrom.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// TenantFrom returns the tenant carried by ctx, or "" for none.
func TenantFrom(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}

// Page selects a window of a stable ordering: StartIndex is 1-based
// (RFC 7644 §3.4.2.4) and Count is the maximum number of resources to
// return (0 returns none, only the total).
type Page struct {
	StartIndex int
	Count      int
}

// SortOrder is the direction of sortBy (RFC 7644 §3.4.2.3).
type SortOrder uint8

// Sort orders.
const (
	Ascending SortOrder = iota
	Descending
)

// Query is a list request a store can answer itself through
// [UserQuerier] or [GroupQuerier].
type Query struct {
	// ResourceType is the resource type, with the server's registered
	// extensions, that Filter was validated against and that filter.Match
	// and filter.Sort should use; nil means the store's default.
	ResourceType *resource.ResourceType
	// Filter is the parsed filter, validated against the resource type, or
	// nil for all resources.
	Filter filter.Expr
	// SortBy is the attribute to sort by; zero for the store's stable
	// default order.
	SortBy    filter.AttrPath
	SortOrder SortOrder
	Page
	// ExcludeMembers tells a group store it need not load members.
	ExcludeMembers bool
}

// UserList is one page of users and the total number of matches.
type UserList struct {
	Resources    []*resource.User
	TotalResults int
}

// GroupList is one page of groups and the total number of matches.
type GroupList struct {
	Resources    []*resource.Group
	TotalResults int
}

// Users stores User resources.
type Users interface {
	// GetUser returns the user with id, with Groups derived from
	// membership. It must return ErrNotFound if there is none.
	GetUser(ctx context.Context, id string) (*resource.User, error)

	// CreateUser stores a new user whose ID the caller has set and returns
	// it as stored, with Meta.Version set. It must return ErrConflict if a
	// user with the same ID exists, or if userName is taken in the tenant,
	// compared case-insensitively.
	CreateUser(ctx context.Context, u *resource.User) (*resource.User, error)

	// ReplaceUser replaces the stored user u.ID with u and returns it as
	// stored, with a new Meta.Version. It must return ErrNotFound if there is
	// no such user, ErrPreconditionFailed if version is not "" and differs
	// from the stored version, and ErrConflict if the new userName is taken
	// by another user of the tenant.
	ReplaceUser(ctx context.Context, u *resource.User, version string) (*resource.User, error)

	// DeleteUser deletes the user and removes it from every group. It must
	// return ErrNotFound if there is none and ErrPreconditionFailed if
	// version is not "" and differs from the stored version.
	DeleteUser(ctx context.Context, id, version string) error

	// ListUsers returns a page of all users of the tenant in a stable order
	// (the same order on every call while nothing changes), and the total.
	ListUsers(ctx context.Context, p Page) (UserList, error)
}

// Groups stores Group resources.
type Groups interface {
	// GetGroup returns the group with id. When excludeMembers is true the
	// store may leave Members empty and should not load them. It must
	// return ErrNotFound if there is none.
	GetGroup(ctx context.Context, id string, excludeMembers bool) (*resource.Group, error)

	// CreateGroup stores a new group whose ID the caller has set and returns
	// it as stored. It must return ErrConflict if the ID exists. A member
	// whose value is no user or group of the tenant may be kept (the memory
	// store does) or refused with an error the handler answers as is, such
	// as a 400 *scim.Error (examples/saas does); the same holds for
	// ReplaceGroup and PatchMembers.
	CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error)

	// ReplaceGroup replaces the stored group g.ID, members included. Errors
	// are as for ReplaceUser.
	ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error)

	// DeleteGroup deletes the group. Errors are as for DeleteUser.
	DeleteGroup(ctx context.Context, id, version string) error

	// ListGroups returns a page of all groups of the tenant in a stable
	// order, and the total. When excludeMembers is true the store may leave
	// Members empty.
	ListGroups(ctx context.Context, p Page, excludeMembers bool) (GroupList, error)
}

// Store is everything the handler needs.
type Store interface {
	Users
	Groups
}

// UserQuerier is an optional fast path: a store that can filter, sort and
// page users itself (an index, SQL). QueryUsers must return exactly what the
// generic path would: the filter's matches in the tenant, sorted, paged, and
// the total before paging. It may return ErrUnsupported for a query it
// cannot answer; the handler then falls back to ListUsers and filter.Match.
type UserQuerier interface {
	QueryUsers(ctx context.Context, q Query) (UserList, error)
}

// GroupQuerier is the fast path of UserQuerier for groups.
type GroupQuerier interface {
	QueryGroups(ctx context.Context, q Query) (GroupList, error)
}

// GroupMemberPatcher is an optional fast path: a store that can add and
// remove members without loading the group. Adding a present member and
// removing an absent one are not errors. It must return ErrNotFound if the
// group does not exist and ErrPreconditionFailed if version is not "" and
// differs; it returns the group's new version.
type GroupMemberPatcher interface {
	PatchMembers(ctx context.Context, groupID string, add []resource.Member, remove []string, version string) (newVersion string, err error)
}

// Transactor is an optional interface of a store that can run fn
// atomically: every store call fn makes with the context it is given is
// part of one transaction, committed if fn returns nil.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}
