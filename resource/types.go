package resource

import (
	"encoding/json"
	"time"
)

// Schema URNs defined by RFC 7643.
const (
	// UserSchema is the core User schema (RFC 7643 §4.1).
	UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	// GroupSchema is the core Group schema (RFC 7643 §4.2).
	GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// EnterpriseUserSchema is the enterprise User extension (RFC 7643 §4.3).
	EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// Meta is the read-only resource metadata of RFC 7643 §3.1. The library
// fills ResourceType, Created, LastModified and Location; the store owns
// Version, an opaque string that changes on every write (it is rendered as the
// weak ETag W/"<Version>").
type Meta struct {
	ResourceType string
	Created      time.Time
	LastModified time.Time
	Location     string
	Version      string
}

// Name is the components of a user's name (RFC 7643 §4.1.1).
type Name struct {
	Formatted       string
	FamilyName      string
	GivenName       string
	MiddleName      string
	HonorificPrefix string
	HonorificSuffix string
}

// MultiValue is one value of a simple multi-valued attribute: emails,
// phoneNumbers, ims, photos, entitlements, roles and x509Certificates
// (RFC 7643 §2.4, §4.1.2). Primary is nil when unassigned: false is a
// value (RFC 7643 §2.5) and is kept.
type MultiValue struct {
	Value   string
	Display string
	Type    string
	Primary *bool
}

// IsPrimary reports whether the value is the primary one.
func (v *MultiValue) IsPrimary() bool { return v.Primary != nil && *v.Primary }

// Address is one value of User.addresses (RFC 7643 §4.1.2). Primary is
// as in MultiValue.
type Address struct {
	Formatted     string
	StreetAddress string
	Locality      string
	Region        string
	PostalCode    string
	Country       string
	Type          string
	Primary       *bool
}

// IsPrimary reports whether the address is the primary one.
func (a *Address) IsPrimary() bool { return a.Primary != nil && *a.Primary }

// GroupRef is one value of the read-only User.groups attribute, derived by
// the store from group membership (RFC 7643 §4.1.2).
type GroupRef struct {
	Value   string
	Ref     string
	Display string
	Type    string // "direct" or "indirect"
}

// Member is one value of Group.members (RFC 7643 §4.2).
type Member struct {
	Value   string // the id of the member resource
	Ref     string
	Display string
	Type    string // "User" or "Group"
}

// Manager is the enterprise extension's manager reference (RFC 7643 §4.3).
type Manager struct {
	Value       string
	Ref         string
	DisplayName string
}

// EnterpriseUser is the enterprise User extension (RFC 7643 §4.3).
type EnterpriseUser struct {
	EmployeeNumber string
	CostCenter     string
	Organization   string
	Division       string
	Department     string
	Manager        *Manager
}

// User is a SCIM User resource (RFC 7643 §4.1) with the enterprise extension.
//
// Empty strings, nil pointers and empty slices mean "unassigned" (RFC 7643
// §2.5) and are omitted when encoding. Password is write-only: it is decoded
// from requests so that the app can use it, and never encoded.
type User struct {
	ID                string
	ExternalID        string
	UserName          string
	Name              *Name
	DisplayName       string
	NickName          string
	ProfileURL        string
	Title             string
	UserType          string
	PreferredLanguage string
	Locale            string
	Timezone          string
	Active            *bool
	Password          string
	Emails            []MultiValue
	PhoneNumbers      []MultiValue
	IMs               []MultiValue
	Photos            []MultiValue
	Addresses         []Address
	Groups            []GroupRef // read-only, derived from membership by the store
	Entitlements      []MultiValue
	Roles             []MultiValue
	X509Certificates  []MultiValue

	// Enterprise is the enterprise extension, nil when the user has none.
	Enterprise *EnterpriseUser

	// Extensions holds registered custom extensions, keyed by the
	// extension's canonical schema URN; each value is the JSON object of that
	// extension.
	Extensions map[string]json.RawMessage

	// Extra holds top-level attributes that no registered schema defines,
	// keyed by the name as sent, kept and returned unchanged.
	Extra map[string]json.RawMessage

	Meta Meta
}

// IsActive reports whether active is assigned and true, the one state that
// should grant access. An unassigned Active (never sent, or removed by a
// PATCH, which leaves it unassigned: RFC 7644 §3.5.2.2) is not active, so
// removing the attribute never undoes a deactivation. RFC 7643 gives
// active no default; every IdP sends it on create.
func (u *User) IsActive() bool { return u.Active != nil && *u.Active }

// Group is a SCIM Group resource (RFC 7643 §4.2).
type Group struct {
	ID          string
	ExternalID  string
	DisplayName string
	Members     []Member

	// Extensions and Extra work as in User.
	Extensions map[string]json.RawMessage
	Extra      map[string]json.RawMessage

	Meta Meta
}
