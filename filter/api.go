package filter

// This file pins the package's API; bodies marked TODO are being written.

import (
	"errors"

	"github.com/scimkit/scim/resource"
)

var errTODO = errors.New("filter: not implemented yet")

// Error is a parse or validation failure. ScimType is "invalidFilter" for
// filters and "invalidPath" for PATCH paths (RFC 7644 §3.12); Pos is the
// byte offset in the input where the problem was found.
type Error struct {
	ScimType string
	Pos      int
	Msg      string
}

func (e *Error) Error() string { return e.ScimType + ": " + e.Msg }

// Limits bound what the parser accepts; the zero value of a field means its
// default.
type Limits struct {
	MaxLength  int // bytes of input; default 4096
	MaxDepth   int // nesting of parentheses, not and brackets; default 16
	MaxClauses int // comparisons; default 64
}

// Parse parses a filter with the default limits.
func Parse(s string) (Expr, error) { return Limits{}.Parse(s) }

// Parse parses a filter (RFC 7644 §3.4.2.2).
func (l Limits) Parse(s string) (Expr, error) { return nil, errTODO }

// ParsePath parses a PATCH path with the default limits.
func ParsePath(s string) (*Path, error) { return Limits{}.ParsePath(s) }

// ParsePath parses a PATCH path (RFC 7644 §3.5.2).
func (l Limits) ParsePath(s string) (*Path, error) { return nil, errTODO }

// Validate checks e against rt's schemas: attributes exist, operators fit
// their types, no filtering on returned:never attributes. Errors are
// *Error with ScimType invalidFilter.
func Validate(e Expr, rt *resource.ResourceType) error { return errTODO }

// Match reports whether r, a resource of type rt, matches e.
func Match(e Expr, rt *resource.ResourceType, r resource.Resource) (bool, error) {
	return false, errTODO
}

// Sort sorts rs, resources of type rt, stably by the attribute by
// (RFC 7644 §3.4.2.3): multi-valued attributes sort by their primary value,
// or the first; unassigned values sort last when ascending, first when
// descending; strings compare by the attribute's caseExact.
func Sort[T resource.Resource](rt *resource.ResourceType, rs []T, by AttrPath, descending bool) error {
	return errTODO
}
