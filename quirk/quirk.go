// Package quirk names the tolerances the library has for what identity
// providers send that a strict reading of RFC 7643 and RFC 7644 would
// refuse or misread. Each tolerance has one constant here, with its IdP
// and the entry of docs/idp-compatibility.md that gives the request shape,
// the vendor source and the fixture that replays it.
//
// A [Set] is a set of tolerances. The packages that apply them take the
// set explicitly: resource.DecodeOptions (request bodies), patch.Options
// (PATCH requests) and filter.Options (filters), each as a Disable field
// whose zero value keeps every tolerance on. The handler passes one set
// to all three for a request: Config.DisableQuirks by default, or the set
// an Authenticate hook chose for the request with scim.WithQuirks, so
// that turning a tolerance off turns it off in decoding, PATCH and
// filters alike.
//
// Each of the three option types also has a Fired *Set: the package adds
// a tolerance to it ([Set.Use], [Set.Add]) where the tolerance changed how
// the request was read, so that the handler can report which ones a
// request needed (scim.Observation.Quirks) by their stable names
// ([Set.Names]).
//
// Tolerances that have no constant are always on; docs/idp-compatibility.md
// says for each why it cannot misread a valid request.
//
// The package imports only the standard library and nothing of this
// module, so that every package can depend on it.
package quirk

import (
	"strconv"
	"strings"
)

// Set is a set of tolerances, one bit each.
type Set uint32

const (
	// OpCase accepts PATCH op names in any case ("Add", "Replace",
	// "Remove"). Microsoft Entra ID sends them capitalised unless the
	// aadOptscim062020 flag is set. Off, only the RFC's lower-case names
	// parse (invalidSyntax). See docs/idp-compatibility.md#op-case.
	OpCase Set = 1 << iota

	// KeyCase accepts the PatchOp message keys in any case ("operations",
	// "Op", "Path", "Value"), as RFC 7643 §2.1 does for attribute names.
	// Off, a key in another case is invalidSyntax. See
	// docs/idp-compatibility.md#patchop-key-case.
	KeyCase

	// MissingSchemas accepts a PatchOp body without "schemas". Off, it is
	// invalidSyntax. See docs/idp-compatibility.md#patchop-schemas.
	MissingSchemas

	// EmptyOperations accepts "Operations": [] as a request that changes
	// nothing, although RFC 7644 §3.5.2 asks for one or more. Off, it is
	// invalidSyntax. See docs/idp-compatibility.md#empty-operations.
	EmptyOperations

	// BoolStrings accepts the strings "True" and "False" (any case) for
	// boolean attributes and sub-attributes: in POST and PUT bodies, in
	// PATCH values (and the eq values of value filters that create an
	// element), and compared with a boolean attribute in filters, where
	// filter validation turns them into the boolean literals. Entra
	// without aadOptscim062020. Off, such a string is invalidValue in
	// bodies and PATCH and invalidFilter in filters. See
	// docs/idp-compatibility.md#entra-bool-strings.
	BoolStrings

	// PathlessPaths resolves the keys of a path-less PATCH add or replace
	// value as attribute paths ("name.givenName", an enterprise attribute
	// URN), each applied as an operation of its own. Entra with
	// aadOptscim062020. Off, such a key is invalidPath. See
	// docs/idp-compatibility.md#entra-pathless-paths.
	PathlessPaths

	// RemoveByValue makes a PATCH remove with path "members" and a value
	// array remove only the listed values. Entra, JumpCloud. Off, RFC 7644
	// §3.5.2.2 applies and every member is removed. See
	// docs/idp-compatibility.md#remove-by-value.
	RemoveByValue

	// CreateOnNoMatch makes a PATCH add or replace whose value filter is a
	// conjunction of eq comparisons, and matches nothing, create the value
	// the filter describes. Entra. Off, RFC 7644 §3.5.2.3 applies:
	// noTarget. See docs/idp-compatibility.md#entra-create-on-no-match.
	CreateOnNoMatch

	// ManagerString accepts the enterprise manager as a bare string (its
	// value) and "" as "no manager", in request bodies and PATCH values.
	// Entra. Off, it is invalidValue. See
	// docs/idp-compatibility.md#entra-manager-string.
	ManagerString

	// UnwrapArray takes a one-element array for a singular complex
	// attribute (or extension object) as its element, and [] as none, in
	// request bodies and PATCH values. Entra. Off, it is invalidValue. See
	// docs/idp-compatibility.md#entra-manager-array.
	UnwrapArray

	// LoneObject takes a lone value for a multi-valued attribute as a
	// one-element array, in request bodies and PATCH values. Entra. Off,
	// it is invalidValue. See
	// docs/idp-compatibility.md#entra-lone-object.
	LoneObject

	// RoleStrings unpacks PATCH roles whose "value" is a JSON-encoded
	// object {"id","value","displayName"}. Entra's SingleAppRoleAssignment
	// mapping. Off, the string is stored as sent. See
	// docs/idp-compatibility.md#entra-role-strings.
	RoleStrings

	// ReadOnlyValues ignores meta, groups and schemas as keys of a
	// path-less PATCH add or replace value. Okta and Entra. Off, a value
	// that changes them is a mutability error. POST and PUT bodies always
	// ignore read-only attributes, as RFC 7644 §3.5.1 says. See
	// docs/idp-compatibility.md#read-only-attributes.
	ReadOnlyValues

	// IdempotentRemove makes a PATCH remove whose value filter matches
	// nothing (removing an absent member) a successful no-op. Okta and
	// Entra. Off, RFC 7644 §3.12 applies: noTarget. See
	// docs/idp-compatibility.md#idempotent-members.
	IdempotentRemove

	// UnknownAttributes accepts attributes and sub-attributes that the
	// resource's schemas do not define, in POST and PUT bodies and in PATCH
	// values: a top-level one is kept as sent (resource.User.Extra), one
	// inside a custom extension is kept in it, and one inside a core or
	// enterprise complex attribute is ignored. Off, such an attribute is
	// invalidSyntax naming it, as the SCIM interoperability profile draft
	// expects of a strict server; a PATCH path naming one is invalidPath
	// either way. New constants go after this one, so that the bits of a
	// stored Set keep their meaning. See
	// docs/idp-compatibility.md#unknown-attributes.
	UnknownAttributes
)

// All is every tolerance: the library's default, which every IdP needs.
const All = OpCase | KeyCase | MissingSchemas | EmptyOperations | BoolStrings | PathlessPaths |
	RemoveByValue | CreateOnNoMatch | ManagerString | UnwrapArray | LoneObject | RoleStrings |
	ReadOnlyValues | IdempotentRemove | UnknownAttributes

// names are the short names of the tolerances, in bit order: each is the
// anchor of its entry in docs/idp-compatibility.md, and never changes.
var names = [...]string{
	"op-case",                  // OpCase
	"patchop-key-case",         // KeyCase
	"patchop-schemas",          // MissingSchemas
	"empty-operations",         // EmptyOperations
	"entra-bool-strings",       // BoolStrings
	"entra-pathless-paths",     // PathlessPaths
	"remove-by-value",          // RemoveByValue
	"entra-create-on-no-match", // CreateOnNoMatch
	"entra-manager-string",     // ManagerString
	"entra-manager-array",      // UnwrapArray
	"entra-lone-object",        // LoneObject
	"entra-role-strings",       // RoleStrings
	"read-only-attributes",     // ReadOnlyValues
	"idempotent-members",       // IdempotentRemove
	"unknown-attributes",       // UnknownAttributes
}

// Names returns the short names of the tolerances of s, in the order of
// their constants: the anchors of docs/idp-compatibility.md ("op-case",
// "entra-bool-strings"), stable across releases, for logs and metrics
// labels. Bits that name no tolerance are left out; the empty set gives
// nil.
func (s Set) Names() []string {
	s &= All
	if s == 0 {
		return nil
	}
	out := make([]string, 0, bits(s))
	for i, n := range names {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String returns the names of s joined by "|" ("op-case|entra-bool-strings"),
// "none" for the empty set; bits that name no tolerance are appended in
// hexadecimal.
func (s Set) String() string {
	if s == 0 {
		return "none"
	}
	str := strings.Join(s.Names(), "|")
	if rest := s &^ All; rest != 0 {
		if str != "" {
			str += "|"
		}
		str += "0x" + strconv.FormatUint(uint64(rest), 16)
	}
	return str
}

// bits counts the tolerances of s.
func bits(s Set) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

// Add adds q to the set s points to; a nil s adds nothing. The packages
// that apply tolerances call it, through their options' Fired field, at
// the point where a tolerant reading differs from the strict one, so that
// the set holds the tolerances that changed how a request was read. It is
// not synchronised: one set belongs to one request.
func (s *Set) Add(q Set) {
	if s != nil {
		*s |= q
	}
}

// Use reports whether s holds every tolerance of q and, when it does,
// records q in fired (which may be nil): the one call at a point where a
// tolerance changes the reading of a request.
func (s Set) Use(q Set, fired *Set) bool {
	if !s.Has(q) {
		return false
	}
	fired.Add(q)
	return true
}

// Has reports whether s holds every tolerance of q.
func (s Set) Has(q Set) bool { return s&q == q }

// Without returns s without the tolerances of q.
func (s Set) Without(q Set) Set { return s &^ q }

// Bool is the one reading of the BoolStrings tolerance: when s has
// BoolStrings, the strings "true" and "false" in any case stand for the
// booleans (ok is true); otherwise, and for any other string, ok is false.
func (s Set) Bool(str string) (v, ok bool) {
	if !s.Has(BoolStrings) {
		return false, false
	}
	switch {
	case strings.EqualFold(str, "true"):
		return true, true
	case strings.EqualFold(str, "false"):
		return false, true
	}
	return false, false
}
