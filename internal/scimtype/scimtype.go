// Package scimtype is the one vocabulary of SCIM error types: the
// scimType values of RFC 7644 §3.12, table 9. Package resource exports
// them as its ScimType constants, which the root package and package
// filter name again; this package exists so that internal/jsonparse, below
// resource, uses the same values. No other file of the module spells a
// scimType as a string.
package scimtype

// The scimType values of RFC 7644 §3.12, table 9.
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Sensitive     = "sensitive"
)
