package resource

import "github.com/scimkit/scim/internal/scimtype"

// The scimType values of RFC 7644 §3.12, table 9: the one vocabulary of
// SCIM error types of the module. Every error of packages resource, filter
// and patch carries one of them, and the root package's ScimType
// constants are these.
const (
	ScimTypeInvalidFilter = scimtype.InvalidFilter // a filter or sortBy that cannot be parsed or names nothing
	ScimTypeTooMany       = scimtype.TooMany       // more results than the server returns
	ScimTypeUniqueness    = scimtype.Uniqueness    // a unique attribute's value is taken
	ScimTypeMutability    = scimtype.Mutability    // a change to an immutable or read-only attribute
	ScimTypeInvalidSyntax = scimtype.InvalidSyntax // a body that is not the message it should be
	ScimTypeInvalidPath   = scimtype.InvalidPath   // a PATCH path that cannot be parsed or names nothing
	ScimTypeNoTarget      = scimtype.NoTarget      // a PATCH path that matches nothing
	ScimTypeInvalidValue  = scimtype.InvalidValue  // a value of the wrong type or out of bounds
	ScimTypeInvalidVers   = scimtype.InvalidVers   // an unsupported SCIM protocol version
	ScimTypeSensitive     = scimtype.Sensitive     // sensitive information in the request URI
)

// RequestError is the one shape of the errors of a client's request:
// SCIMError returns the scimType (one of the ScimType constants) and a
// detail that is safe to show to the client. *Error, *filter.Error and
// *patch.Error implement it, and the handler answers any error that does,
// wrapped or not, with status 400, its scimType and its detail; an app
// may implement it for its own errors. Match it with errors.As:
//
//	var re resource.RequestError
//	if errors.As(err, &re) { scimType, detail := re.SCIMError(); ... }
type RequestError interface {
	error
	SCIMError() (scimType, detail string)
}

// Error is a decoding or validation failure of a resource body. ScimType is
// the scimType the handler answers with (status 400): invalidSyntax,
// invalidValue, mutability or uniqueness.
type Error struct {
	ScimType string
	Detail   string
}

// Error implements the error interface.
func (e *Error) Error() string { return "scim " + e.ScimType + ": " + e.Detail }

// SCIMError returns ScimType and Detail (RequestError).
func (e *Error) SCIMError() (scimType, detail string) { return e.ScimType, e.Detail }
