// Package store defines the contract between the SCIM handler and the
// app's storage: small context-first interfaces for users and groups, the
// sentinel errors the handler maps to SCIM statuses, and optional
// interfaces for the fast paths a database can offer.
//
// The handler applies filters, PATCH and paging itself when a store offers
// no fast path, so a minimal store implements [Users] and [Groups] only.
// A store returns what was written: in particular an unassigned
// User.Active stays nil (it is not true, and a deactivated user whose
// active is removed must not read back active), and each Member keeps its
// Display. What a store returns is the caller's, and what it was given
// stays the caller's: changing either afterwards, through any pointer,
// slice or map, must not change what the store holds (a store that keeps
// Go values keeps [resource.User.Clone]s).
// Every method reads the tenant from its context ([TenantFrom]); all
// uniqueness checks, lookups and counts are per tenant. The handler refuses
// a userName, externalId or group displayName longer than
// resource.MaxIndexedLength bytes and any string holding U+0000; stores
// must accept values up to resource.MaxIndexedLength.
//
// # Case-insensitive identity
//
// One folding rule, [filter.Fold], decides when two strings of an
// attribute that is not caseExact are the same: userName uniqueness, group
// displayName uniqueness, and eq, ne, co, sw, ew and ordering in filters
// (filter.Match, and a store's querier, which must answer what Match
// would). Two names conflict exactly when "userName eq" with one finds the
// other. Fold is Unicode simple case folding, as [strings.EqualFold]: the
// Kelvin sign is k, ſ is s, ς is σ, ß is ẞ, ǅ is ǆ, but İ and ı are not i,
// and NFC and NFD spellings of one text are different names. A store that
// keeps folded keys computes them with filter.Fold, never with SQL
// lower(), whose folding differs by database and locale.
//
// # Group displayName uniqueness
//
// displayName is unique per tenant under Fold, and the store enforces it
// atomically (a lock, a unique index), so that concurrent creates of one
// name give one group and ErrConflict for the others: CreateGroup must
// return ErrConflict when another group of the tenant has the name, and
// ReplaceGroup when it changes the group's name (its Fold key) to one
// another group has. A replace that keeps the group's key never conflicts,
// so groups that share a name from a time duplicates were allowed stay
// writable. When the context says duplicates are allowed
// ([DuplicateGroupNamesAllowed], set by the handler for
// Config.AllowDuplicateGroupNames), both accept any name; a group written
// that way still holds its name against later writes without it.
//
// # Archived users
//
// A connection whose DELETE policy is "deactivate" (connection.Deactivate)
// keeps the record of a user the identity provider deletes, through the
// optional [UserArchiver]. To SCIM an archived user is deleted, exactly as
// by DeleteUser: GetUser answers ErrNotFound, no list, query or member
// resolution finds it, it is a member of no group, and its userName and
// externalId are free, so the identity provider can create a user with
// the same userName again. To the app it is kept, deactivated, with when
// it was archived, through GetArchivedUser and ListArchivedUsers.
//
// # Positions (seek paging)
//
// A list walk (RFC 9865 cursors, or startIndex pages one after another)
// is cheap at its end only when a page can start where the previous one
// stopped instead of skipping every earlier match. A [UserQuerier] (or
// [GroupQuerier]) that can seek says so by itself, per answer: with a page
// of Count > 0 resources that has more matches after it, it sets
// UserList.Next (GroupList.Next) to a position, an opaque string of at
// most [MaxPositionBytes] bytes that only the store reads. Having returned
// a position for a query, the store must honour it as Page.After in a
// query of the same tenant with the same filter, sortBy and sortOrder: the
// page is then the first Count matches that come after the position in
// the query's order, whatever StartIndex says, and it sets Next again
// when more follow. Next is "" on a page that is the last one, and
// always from a store (or for a query) that cannot seek. So in a walk from
// the first page that follows Next, a resource that is neither changed nor
// deleted is in exactly one page (no skips, no duplicates), whatever else
// is created, changed or deleted meanwhile; a resource created during the
// walk is seen at most once, and one whose sort key changes may be missed
// or seen twice. A position the store cannot read answers an error
// wrapping [ErrInvalidPosition]. A store that never sets Next needs none
// of this: the handler pages it by StartIndex.
//
// Page.NoTotal says that the caller does not need TotalResults (a cursor
// page after the first): a store may then skip counting and return
// TotalResults -1; a store that counts anyway returns the count.
//
// [storetest.Run] checks a store against this contract.
package store

import (
	"context"
	"errors"
	"time"

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
	// ErrInvalidPosition is returned, possibly wrapped, for a Page.After
	// the store cannot read (see "Positions" in the package
	// documentation); the handler answers 400 invalidCursor.
	ErrInvalidPosition = errors.New("store: invalid page position")
)

// MaxPositionBytes bounds the length of a position a store returns as
// UserList.Next or GroupList.Next; the handler carries it inside a cursor.
const MaxPositionBytes = 2048

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

type dupNamesKey struct{}

// WithDuplicateGroupNames returns a context in which CreateGroup and
// ReplaceGroup accept a displayName that another group of the tenant has
// (see the package documentation). The handler sets it on every request
// when Config.AllowDuplicateGroupNames is true; an Authenticate hook may
// set it per tenant.
func WithDuplicateGroupNames(ctx context.Context) context.Context {
	return context.WithValue(ctx, dupNamesKey{}, true)
}

// DuplicateGroupNamesAllowed reports whether ctx carries
// [WithDuplicateGroupNames].
func DuplicateGroupNamesAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(dupNamesKey{}).(bool)
	return ok
}

// Page selects a window of a stable ordering: StartIndex is 1-based
// (RFC 7644 §3.4.2.4) and Count is the maximum number of resources to
// return (0 returns none, only the total).
type Page struct {
	StartIndex int
	Count      int
	// After, when not "", is a position the store returned as Next for
	// the same query: the page is the first Count matches after it, and
	// StartIndex is ignored (see "Positions" in the package
	// documentation). The handler sets it only in a [Query] given to a
	// store's querier, never for ListUsers or ListGroups.
	After string
	// NoTotal says the caller does not need TotalResults: the store may
	// skip counting and return TotalResults -1.
	NoTotal bool
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
	// Members is WithoutMembers when a group store need not load members
	// into the groups it returns. It shapes the output only: a filter or
	// sortBy on members must still be evaluated on the groups' members (or
	// the query answered with ErrUnsupported).
	Members Members
}

// Members says whether a group read must load the groups' members:
// GetGroup(ctx, id, store.WithoutMembers) reads the group's attributes
// only. The zero value is WithMembers.
type Members uint8

// Member loading.
const (
	// WithMembers loads Members.
	WithMembers Members = iota
	// WithoutMembers lets the store leave Members empty and not load them
	// (the projection excludes members, or only the group's existence or
	// attributes matter).
	WithoutMembers
)

// String returns the constant's name.
func (m Members) String() string {
	if m == WithoutMembers {
		return "WithoutMembers"
	}
	return "WithMembers"
}

// WithoutMembersIf returns WithoutMembers when exclude is true and
// WithMembers otherwise.
func WithoutMembersIf(exclude bool) Members {
	if exclude {
		return WithoutMembers
	}
	return WithMembers
}

// UserList is one page of users and the total number of matches (-1
// when the page asked for NoTotal and the store did not count).
type UserList struct {
	Resources    []*resource.User
	TotalResults int
	// Next is the position after the last of Resources when more matches
	// follow and the store can seek for the query, else "" (see
	// "Positions" in the package documentation).
	Next string
}

// GroupList is one page of groups and the total number of matches, as
// UserList.
type GroupList struct {
	Resources    []*resource.Group
	TotalResults int
	// Next is as UserList.Next.
	Next string
}

// Users stores User resources.
type Users interface {
	// GetUser returns the user with id, with Groups derived from
	// membership. It must return ErrNotFound if there is none.
	GetUser(ctx context.Context, id string) (*resource.User, error)

	// CreateUser stores a new user whose ID the caller has set and returns
	// it as stored, with Meta.Version set. It must return ErrConflict if a
	// user with the same ID exists, or if userName is taken in the tenant,
	// compared by filter.Fold key, also when two creates of one name run
	// at once.
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
	// GetGroup returns the group with id. With WithoutMembers the store
	// may leave Members empty and should not load them. It must return
	// ErrNotFound if there is none.
	GetGroup(ctx context.Context, id string, m Members) (*resource.Group, error)

	// CreateGroup stores a new group whose ID the caller has set and returns
	// it as stored. It must return ErrConflict if the ID exists, or if the
	// displayName is taken (see "Group displayName uniqueness" above).
	//
	// Members are references (see [MemberResolver]): the handler writes
	// only members whose value is the id of a user or a group of the
	// tenant, with Type set to what the id names ("User" or "Group"), and
	// a store returns each member's Type as written. A store may refuse a
	// member that names nothing itself, with an error the handler answers
	// as is, such as a 400 *scim.Error (examples/saas does, inside its
	// write's transaction); the same holds for ReplaceGroup, PatchMembers
	// and ReplaceGroupAttributes.
	CreateGroup(ctx context.Context, g *resource.Group) (*resource.Group, error)

	// ReplaceGroup replaces the stored group g.ID, members included. Errors
	// are as for ReplaceUser; ErrConflict is for a displayName taken by
	// another group (see "Group displayName uniqueness" above).
	ReplaceGroup(ctx context.Context, g *resource.Group, version string) (*resource.Group, error)

	// DeleteGroup deletes the group. Errors are as for DeleteUser.
	DeleteGroup(ctx context.Context, id, version string) error

	// ListGroups returns a page of all groups of the tenant in a stable
	// order, and the total. With WithoutMembers the store may leave
	// Members empty.
	ListGroups(ctx context.Context, p Page, m Members) (GroupList, error)
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

// GroupAttributesReplacer is an optional fast path: a store that can
// replace everything of a group but its members without reading or
// writing them, so that a rename costs the same in a group of ten members
// and in one of a hundred thousand. ReplaceGroupAttributes replaces the
// stored group g.ID with g, ignoring g.Members and keeping the stored
// membership as it is, and returns the group as stored, with a new
// Meta.Version and Members left empty. Errors are as for ReplaceGroup
// (ErrNotFound, ErrPreconditionFailed, and ErrConflict wherever
// ReplaceGroup would return it for the same g).
//
// The handler uses it for a PATCH whose operations do not touch members
// (displayName, externalId, extensions); PUT replaces members and uses
// ReplaceGroup.
type GroupAttributesReplacer interface {
	ReplaceGroupAttributes(ctx context.Context, g *resource.Group, version string) (*resource.Group, error)
}

// GroupStreamer is an optional fast path: a store that can read a group
// with its members in batches, so that the handler writes a GET of a
// large group to the client as the store reads it, holding one batch of
// members at a time rather than the whole membership. Without it the
// handler reads the group with GetGroup.
//
// StreamGroup reads the group id of ctx's tenant. It first calls head,
// once, with the group's attributes and version and Members empty, as
// GetGroup(ctx, id, WithoutMembers) returns them; then it calls batch
// with the members, in the order GetGroup(ctx, id, WithMembers) returns
// them, each call with at least one and at most max members (max < 1
// means 1), and returns nil after the last. A group without members
// gets head and no batch. It returns ErrNotFound, without calling head,
// if there is no such group.
//
// If head or batch returns an error, StreamGroup stops reading and
// returns that error as it is (not wrapped or classified), so the caller
// can stop a stream with an error of its own, such as after head when a
// conditional GET is answered 304. The slice given to batch is valid only
// during the call: the store may reuse it for the next batch, and the
// callee may change its elements (fill each member's Ref) but must not
// keep it.
//
// One state: head and every batch describe the group as it was at one
// instant between the call and the call of head, a snapshot, so the
// version head gives is the version of the members streamed, and a write
// of the group (or of its members) that ends after head was called is
// not seen by the stream, in part or in whole. A stream must not hold up
// writes: a write of the group during a stream, whose callbacks may be
// slow (they write to a client), completes without waiting for the
// stream to end. The memory store copies the group's attributes and one
// pointer per member under its read lock; store/sqlstore reads in one
// read-only snapshot transaction.
type GroupStreamer interface {
	StreamGroup(ctx context.Context, id string, max int, head func(g *resource.Group) error, batch func(members []resource.Member) error) error
}

// MemberType is what a member value names in a tenant, as a set: a user,
// a group, or (when a user and a group share the id) both.
type MemberType uint8

// Member types.
const (
	MemberUser MemberType = 1 << iota
	MemberGroup
)

// MemberResolver is an optional fast path for the rule the handler
// enforces before every write of members (POST, PUT, PATCH): a member's
// value must be the id of a user or a group of the tenant; its type is
// optional on input and, when given, must be what the id names (400
// invalidValue otherwise, as for an id that names nothing); the type
// stored is what the id names, and the member's $ref follows from it.
// Removing a member that is not there is not an error.
//
// ResolveMembers returns, for each of ids that names a user or a group
// of ctx's tenant, what it names; ids that name nothing (another tenant's
// ids included) are absent from the map. ids may repeat and may be many
// (a PUT of a large group): the store answers them in one query, or one
// per chunk of a few hundred, never one per id. Without a resolver the
// handler asks UserQuerier and GroupQuerier with "id eq" filters in
// chunks, and GetUser and GetGroup per id as the last resort.
type MemberResolver interface {
	ResolveMembers(ctx context.Context, ids []string) (map[string]MemberType, error)
}

// UserArchiver is an optional interface for a store that can keep the
// record of a deleted user (see "Archived users" above). The handler
// calls ArchiveUser for DELETE /Users/{id} when the request's connection
// has the DELETE policy connection.Deactivate, and answers 501 without
// changing anything when the store does not implement UserArchiver.
// Groups are never archived: DELETE /Groups/{id} is always DeleteGroup.
type UserArchiver interface {
	// ArchiveUser removes the user id of the tenant from SCIM and keeps
	// its record, in one atomic step: afterwards every method of
	// [Users], [Groups] and the fast paths behaves as after
	// DeleteUser(ctx, id, version). The user leaves every group (each
	// gets a new version and Meta.LastModified, as for DeleteUser), its
	// userName and externalId no longer conflict with anything, and its
	// id stays taken: CreateUser with it returns ErrConflict, so an id
	// names one record for ever. ArchiveUser must return ErrNotFound if
	// the tenant has no such user (an archived one included) and
	// ErrPreconditionFailed if version is not "" and differs from the
	// stored version, and then change nothing. Of two concurrent
	// ArchiveUser or DeleteUser calls for one user, one succeeds and the
	// other returns ErrNotFound.
	//
	// The record kept is the user as last stored, without Groups, with
	// Active set to false, Meta.LastModified set to at and a new
	// Meta.Version; at, the time of the DELETE (the handler's
	// Config.Clock), is also the record's Archived time.
	ArchiveUser(ctx context.Context, id, version string, at time.Time) error

	// GetArchivedUser returns the archived user id of the tenant, or
	// ErrNotFound if the tenant has no archived user with that id.
	GetArchivedUser(ctx context.Context, id string) (ArchivedUser, error)

	// ListArchivedUsers returns a page of the tenant's archived users in
	// a stable order, and the total.
	ListArchivedUsers(ctx context.Context, p Page) (ArchivedUserList, error)
}

// ArchivedUser is the record [UserArchiver] keeps of a user removed from
// SCIM.
type ArchivedUser struct {
	// User is the user as archived: Active false, Groups empty.
	User *resource.User
	// Archived is when the user was archived.
	Archived time.Time
}

// ArchivedUserList is one page of archived users and their total number.
type ArchivedUserList struct {
	Resources    []ArchivedUser
	TotalResults int
}
