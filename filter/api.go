package filter

import "fmt"

// Error is a parse or validation failure, a resource.RequestError. ScimType
// is invalidFilter for filters, invalidPath for PATCH paths and
// invalidValue for sortBy (RFC 7644 §3.12); Pos is the
// byte offset in the input where the problem was found, or -1 for
// validation errors (Validate, Match, Sort), which concern the AST. Msg is
// safe to show to the client as the error detail.
type Error struct {
	ScimType string
	Pos      int
	Msg      string
}

// Error returns the scimType and the message.
func (e *Error) Error() string { return e.ScimType + ": " + e.Msg }

// SCIMError returns ScimType and, as the detail, Error()
// (resource.RequestError).
func (e *Error) SCIMError() (scimType, detail string) { return e.ScimType, e.Error() }

func newErrorNoPos(scimType string, format string, arg ...any) *Error {
	return &Error{ScimType: scimType, Pos: noPos, Msg: fmt.Sprintf(format, arg...)}
}

func newError(scimType string, pos int, msg string, arg ...any) *Error {
	if len(arg) > 0 {
		msg = fmt.Sprintf(msg, arg...)
	}
	return &Error{ScimType: scimType, Pos: pos, Msg: fmt.Sprintf("%s (at byte %d)", msg, pos)}
}

// Limits bound what the parser accepts; the zero value of a field means its
// default. Every limit is checked as the input is read, so an input over a
// limit is refused in time linear in its length (a 400, never a slow
// request).
type Limits struct {
	MaxLength  int // bytes of input; default 4096 (DefaultMaxLength)
	MaxDepth   int // nesting of parentheses (including not's) and brackets; default 16
	MaxClauses int // comparisons, including those inside brackets; default 64
}

// Parse parses a filter with the default limits.
func Parse(s string) (Expr, error) { return Limits{}.Parse(s) }

// Parse parses a filter (RFC 7644 §3.4.2.2). Errors are *Error with
// ScimType invalidFilter. See the package documentation for the grammar
// and the non-standard inputs it tolerates.
func (l Limits) Parse(s string) (Expr, error) {
	p, err := l.newParser(s, InvalidFilter)
	if err != nil {
		return nil, err
	}
	e, err := p.parseFilter()
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ParsePath parses a PATCH path with the default limits.
func ParsePath(s string) (*Path, error) { return Limits{}.ParsePath(s) }

// ParsePath parses a PATCH path (RFC 7644 §3.5.2): "name.givenName",
// "members[value eq \"id\"]", "emails[type eq \"work\"].value",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".
// Errors, including those inside the brackets, are *Error with ScimType
// invalidPath.
func (l Limits) ParsePath(s string) (*Path, error) {
	p, err := l.newParser(s, InvalidPath)
	if err != nil {
		return nil, err
	}
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	return path, nil
}
