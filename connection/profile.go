package connection

import (
	"fmt"

	"github.com/scimkit/scim/quirk"
)

// Profile names the identity provider of a connection and selects the
// tolerances (package quirk) applied to its requests.
type Profile string

// Profiles. Every profile but Strict has every tolerance on today: each
// tolerance is documented as unable to misread a valid request, and the
// traffic known for Okta, JumpCloud, OneLogin and PingOne does not show
// that any of them can do without one (a tolerance documented for Entra
// may be needed by another IdP's custom mapping). The named profiles
// record which IdP a connection serves, so that a set narrowed on
// evidence later applies to existing connections.
const (
	Entra     Profile = "entra"
	Okta      Profile = "okta"
	JumpCloud Profile = "jumpcloud"
	OneLogin  Profile = "onelogin"
	PingOne   Profile = "pingone"
	// Generic is an IdP the library has no profile for: every tolerance
	// on, the server's default.
	Generic Profile = "generic"
	// Strict reads requests as RFC 7643 and RFC 7644 are written: every
	// tolerance of package quirk off, including quirk.UnknownAttributes,
	// so that an attribute the schemas do not define is refused
	// (invalidSyntax), as the SCIM interoperability profile draft expects.
	// The tolerances that have no quirk constant (attribute names in any
	// case, unknown schema URNs, unquoted filter values) stay on.
	Strict Profile = "strict"
)

// Profiles lists the profiles, in the order a settings page offers them.
var Profiles = []Profile{Entra, Okta, JumpCloud, OneLogin, PingOne, Generic, Strict}

// Valid reports whether p is one of [Profiles].
func (p Profile) Valid() bool {
	for _, q := range Profiles {
		if p == q {
			return true
		}
	}
	return false
}

// ParseProfile returns the profile named s (as stored or posted by a
// form), or an error wrapping [ErrInvalid].
func ParseProfile(s string) (Profile, error) {
	if p := Profile(s); p.Valid() {
		return p, nil
	}
	return "", fmt.Errorf("%w: unknown profile %q", ErrInvalid, s)
}

// Quirks returns the tolerance set of the profile, the set scim.WithQuirks
// gets for its requests: none for Strict, quirk.All for the others and
// for an unknown profile.
func (p Profile) Quirks() quirk.Set {
	if p == Strict {
		return 0
	}
	return quirk.All
}
