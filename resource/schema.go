package resource

import "github.com/scimkit/scim/internal/jsonparse"

// AttrType is a SCIM attribute data type (RFC 7643 §2.3).
type AttrType string

// Attribute data types of RFC 7643 §2.3.
const (
	TypeString    AttrType = "string"
	TypeBoolean   AttrType = "boolean"
	TypeDecimal   AttrType = "decimal"
	TypeInteger   AttrType = "integer"
	TypeDateTime  AttrType = "dateTime"
	TypeBinary    AttrType = "binary"
	TypeReference AttrType = "reference"
	TypeComplex   AttrType = "complex"
)

// Mutability values of RFC 7643 §7.
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Returned values of RFC 7643 §7.
const (
	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"
)

// Uniqueness values of RFC 7643 §7.
const (
	UniquenessNone   = "none"
	UniquenessServer = "server"
	UniquenessGlobal = "global"
)

// Attribute describes one attribute of a schema (RFC 7643 §7). The registry
// built from these definitions is the single source for validation,
// /Schemas, filtering, projection, sorting and PATCH.
//
// For the attributes of a custom extension the characteristics are
// enforced as follows (resource/decode.go, validate.go, projection.go,
// patch): Type on every value (a string for an integer, 1.5 for an
// integer, a dateTime that is not RFC 3339 are invalidValue; a reference
// must be a URI, and an absolute one when its ReferenceTypes are only
// "external" or "uri"); Required on the attribute and on the sub-attributes
// of each complex value present; CaseExact in filters, sorting and
// CanonicalOnly; Mutability readOnly (ignored in a POST or PUT body, where
// the stored value stays; a PATCH changing it is mutability), immutable
// (set once, then mutability) and writeOnly; Returned in every response.
// Uniqueness is advertised in /Schemas only: the library enforces the
// uniqueness of userName and of group displayName, and a store that
// declares another attribute unique enforces it itself.
type Attribute struct {
	Name            string
	Type            AttrType
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      string
	Returned        string
	Uniqueness      string
	CanonicalValues []string
	// CanonicalOnly makes CanonicalValues binding for a custom extension
	// attribute of type string: a value that is none of them (compared by
	// CaseExact) is invalidValue. RFC 7643 §7 makes canonical values
	// suggestions ("MAY be used"), so without it any value is accepted, as
	// for the core attributes (Entra and Okta send emails types outside
	// the canonical ones). It is not advertised in /Schemas, which has no
	// such characteristic.
	CanonicalOnly  bool
	ReferenceTypes []string
	SubAttributes  []*Attribute
}

// Sub returns the sub-attribute named name, compared case-insensitively, or
// nil.
func (a *Attribute) Sub(name string) *Attribute {
	for _, s := range a.SubAttributes {
		if jsonparse.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// Schema is a SCIM schema definition (RFC 7643 §7).
type Schema struct {
	ID          string // the schema URN
	Name        string
	Description string
	Attributes  []*Attribute
}

// Attr returns the attribute named name, compared case-insensitively, or nil.
func (s *Schema) Attr(name string) *Attribute {
	for _, a := range s.Attributes {
		if jsonparse.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// SchemaExtension is an extension schema attached to a resource type
// (RFC 7643 §6).
type SchemaExtension struct {
	Schema   *Schema
	Required bool
}

// ResourceType describes a resource endpoint and its schemas (RFC 7643 §6).
type ResourceType struct {
	ID          string // "User" or "Group"
	Name        string
	Endpoint    string // "/Users"
	Description string
	Schema      *Schema
	Extensions  []SchemaExtension
}
