package event

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"github.com/scimkit/scim/internal/jsonparse"
	"slices"
	"time"
)

// Type is what happened to a resource. The string values are stable: they
// may be stored (an outbox, an activity log) and compared by consumers.
type Type string

// The event types. A user's access follows its deactivated and reactivated
// events (see [UserEvents]); a group's membership follows MembersAdded and
// MembersRemoved.
const (
	// UserCreated: a user was created. Attributes lists the attributes it
	// was created with; Resource is the user.
	UserCreated Type = "user.created"
	// UserUpdated: attributes of a user other than the active state
	// changed. Attributes lists them.
	UserUpdated Type = "user.updated"
	// UserDeactivated: a user that was active (active=true) no longer is
	// (active false or unassigned). The app should end its sessions.
	UserDeactivated Type = "user.deactivated"
	// UserReactivated: a user that was not active is active=true again.
	UserReactivated Type = "user.reactivated"
	// UserDeleted: a user was deleted, and with it its memberships (no
	// MembersRemoved is issued for them). Resource is nil and Version "".
	UserDeleted Type = "user.deleted"
	// GroupCreated: a group was created. Its initial members, if any,
	// follow as one MembersAdded event, so that membership is followed
	// from member events alone.
	GroupCreated Type = "group.created"
	// GroupUpdated: attributes of a group other than its members changed;
	// a rename lists "displayName" in Attributes.
	GroupUpdated Type = "group.updated"
	// GroupDeleted: a group was deleted, and with it all its memberships
	// (no MembersRemoved is issued for them). Resource is nil and Version "".
	GroupDeleted Type = "group.deleted"
	// MembersAdded: Members were added to the group ResourceID.
	MembersAdded Type = "group.members_added"
	// MembersRemoved: Members were removed from the group ResourceID.
	MembersRemoved Type = "group.members_removed"
)

// Types lists every Type, users' first.
var Types = []Type{
	UserCreated, UserUpdated, UserDeactivated, UserReactivated, UserDeleted,
	GroupCreated, GroupUpdated, GroupDeleted, MembersAdded, MembersRemoved,
}

// Valid reports whether t is one of the types above.
func (t Type) Valid() bool { return t.ResourceType() != "" }

// ResourceType is the SCIM resource type an event of this type is about:
// "User" or "Group" ("" for an unknown type).
func (t Type) ResourceType() string {
	switch t {
	case UserCreated, UserUpdated, UserDeactivated, UserReactivated, UserDeleted:
		return User
	case GroupCreated, GroupUpdated, GroupDeleted, MembersAdded, MembersRemoved:
		return Group
	}
	return ""
}

// The values of Event.ResourceType, the SCIM resource type names.
const (
	User  = "User"
	Group = "Group"
)

// Event is one normalised change committed to a tenant's directory: what
// an app acts on (end the sessions of a deactivated user), forwards (as a
// Security Event Token, [Event.SET]) or records.
//
// What a consumer may rely on, from every [Source] and [Handler] delivery of
// this module:
//   - At least once: an event of a committed change is delivered, possibly
//     more than once (after a crash, or after a handler's error). ID is the
//     same on every delivery, so a consumer that remembers the IDs it has
//     applied (or applies events idempotently) acts exactly once.
//   - In order per resource: the events of one resource (Tenant,
//     ResourceType, ResourceID) arrive in the order of its changes, and
//     Version says which state each one follows. Events of different
//     resources may interleave in any order.
//   - The events of one change share Request, Time and Version and come
//     in the order of [Types] within their resource type (updated before
//     deactivated or reactivated; members added before removed).
//
// An Event is a value: the slices it holds are not changed by the library
// after it is handed out.
type Event struct {
	// ID identifies the event: 128 random bits as 32 lowercase hex digits
	// ([NewID]), unique across tenants and stable across redeliveries.
	ID string
	// Tenant is the tenant whose directory changed (store.TenantFrom of
	// the request; "" for an app with one tenant).
	Tenant string
	// ResourceType is "User" or "Group" (the constants User and Group).
	ResourceType string
	// ResourceID is the SCIM id of the user or group that changed.
	ResourceID string
	// ExternalID is the resource's externalId after the change (before it,
	// for a delete), "" when it has none. RFC 9967 §2.1 puts it in sub_id
	// so that a receiver can match the resource in its own domain.
	ExternalID string
	// Type is what happened.
	Type Type
	// Time is when the change was committed, as the handler saw it.
	Time time.Time
	// Request identifies the request that caused the change (the app's
	// request id, a trace id); all events of one request share it. It is
	// the SET's "txn".
	Request string
	// Method is the HTTP method of that request: POST, PUT, PATCH or
	// DELETE. It chooses between RFC 9967's put and patch events.
	Method string
	// Profile is the IdP profile of the connection the request came
	// through (connection.Profile as a string, e.g. "entra"), "" when
	// unknown.
	Profile string
	// Attributes are the attribute paths an update changed (for a create,
	// those the resource was created with), in RFC 7644 §3.5.2 path syntax
	// at the granularity described at [UserEvents]: "name.givenName",
	// "emails", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".
	// Core attributes come first, then extension ones, each sorted. Nil for
	// deactivated, reactivated, deleted and member events.
	Attributes []string
	// Members are the ids of the members added (MembersAdded) or removed
	// (MembersRemoved); nil for other types.
	Members []string
	// Version is the resource's version after the change (the store's
	// meta.version, the ETag without W/"..."); "" for a delete.
	Version string
	// Resource is the resource's JSON form after the change
	// (resource.User or Group MarshalJSON: never a password; a group's
	// without its members, which Members events carry), or nil: always
	// nil for a delete, and nil when the producer leaves it out.
	Resource json.RawMessage
}

// NewID returns a new event id: 128 bits from crypto/rand as 32 lowercase
// hex digits.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand.Read's documentation)
	return hex.EncodeToString(b[:])
}

// Clone returns a copy of e that shares no slice with it.
func (e Event) Clone() Event {
	e.Attributes = slices.Clone(e.Attributes)
	e.Members = slices.Clone(e.Members)
	e.Resource = slices.Clone(e.Resource)
	return e
}

// Changed reports whether the update changed path or, for a path without
// a sub-attribute ("name"), any of its sub-attributes ("name.givenName");
// an extension's URN stands for all its attributes.
// Paths compare case-insensitively, as SCIM attribute names do.
func (e Event) Changed(path string) bool {
	for _, a := range e.Attributes {
		if len(a) < len(path) {
			continue
		}
		if jsonparse.EqualFold(a[:len(path)], path) && (len(a) == len(path) || a[len(path)] == '.' || a[len(path)] == ':') {
			return true
		}
	}
	return false
}
