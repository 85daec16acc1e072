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
	ReferenceTypes  []string
	SubAttributes   []*Attribute
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
