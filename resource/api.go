package resource

// This file pins the package's API; bodies marked TODO are being written.

import "errors"

var errTODO = errors.New("resource: not implemented yet")

// Error is a decoding or validation failure of a resource body. ScimType is
// the RFC 7644 §3.12 scimType the handler answers with (status 400):
// "invalidSyntax", "invalidValue", "mutability", "uniqueness".
type Error struct {
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return "scim " + e.ScimType + ": " + e.Detail }

// Resource is the read view of a resource used by filtering, sorting and
// projection. Get returns the value of the attribute name of the schema
// schemaURN (both canonical, as in the registry) in JSON-like form: string,
// bool, int64, float64, time.Time for dateTime, map[string]any with
// canonical sub-attribute names for complex values, []any for
// multi-valued; nil when unassigned.
type Resource interface {
	Get(schemaURN, name string) any
}

var (
	_ Resource = (*User)(nil)
	_ Resource = (*Group)(nil)
)

// Registry holds the resource types a server serves and their schemas: the
// core User with the enterprise extension and any registered custom
// extensions, and the core Group.
type Registry struct {
	User  *ResourceType
	Group *ResourceType
}

// DecodeUser decodes a User request body: attribute names and schema URNs
// case-insensitively, null as unassigned, "True"/"False" strings for
// booleans, read-only attributes (id, meta, groups) ignored, unknown URNs in
// schemas ignored, unknown attributes kept in Extra. Malformed JSON is an
// *Error with scimType invalidSyntax; a wrong type is invalidValue.
func (r *Registry) DecodeUser(data []byte) (*User, error) { return nil, errTODO }

// DecodeGroup decodes a Group request body like DecodeUser.
func (r *Registry) DecodeGroup(data []byte) (*Group, error) { return nil, errTODO }

// ValidateUser checks a decoded user against the schema: required
// attributes (userName), canonical values where the schema is strict, and
// custom extensions against their schemas.
func (r *Registry) ValidateUser(u *User) error { return errTODO }

// ValidateGroup checks a decoded group (displayName is required).
func (r *Registry) ValidateGroup(g *Group) error { return errTODO }

// Projection selects the attributes to return (RFC 7644 §3.4.2.5). A nil
// *Projection returns the default set.
type Projection struct {
	// TODO
}

// NewProjection parses the comma-separated attributes and
// excludedAttributes query parameters for rt. Unknown attribute names are
// ignored, as RFC 7644 allows. Attributes with returned "always" (id,
// schemas) are always included, "never" (password) never.
func NewProjection(rt *ResourceType, attributes, excludedAttributes string) (*Projection, error) {
	return nil, errTODO
}

// Excludes reports whether the top-level attribute name of schema urn
// ("" for core) is left out, so that the handler can skip loading it
// (members).
func (p *Projection) Excludes(urn, name string) bool { return false }

// AppendUser appends the JSON encoding of u to dst: canonical attribute
// names, schemas listing the core schema and the extensions present,
// unassigned values omitted, no nulls, no password, only the attributes p
// selects.
func (r *Registry) AppendUser(dst []byte, u *User, p *Projection) []byte { return dst }

// AppendGroup appends the JSON encoding of g to dst, like AppendUser.
func (r *Registry) AppendGroup(dst []byte, g *Group, p *Projection) []byte { return dst }
