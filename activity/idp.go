package activity

import (
	"strings"

	"github.com/scimkit/scim/connection"
	"github.com/scimkit/scim/quirk"
)

// userAgents are the User-Agent prefixes that name an IdP's SCIM client,
// compared case-insensitively.
var userAgents = []struct {
	prefix string
	idp    connection.Profile
}{
	// Okta documents its client's User-Agent, "Okta SCIM Client 1.0.0"
	// (the Okta SCIM 2.0 protocol reference).
	{"okta scim client", connection.Okta},
	// Microsoft documents none; "Microsoft Azure AD SCIM provisioning
	// 1.0.0" is what third-party SCIM servers match Entra's client on.
	{"microsoft azure ad scim", connection.Entra},
}

// entraQuirks are the tolerances only Microsoft Entra ID's requests are
// known to need (docs/idp-compatibility.md names the IdP of each):
// capitalised op names, "True"/"False" strings, path-less dotted keys,
// the value filter that creates its element, and its manager and role
// forms. A request that fires one of them came from Entra (or its
// validator).
const entraQuirks = quirk.OpCase | quirk.BoolStrings | quirk.PathlessPaths | quirk.CreateOnNoMatch |
	quirk.ManagerString | quirk.UnwrapArray | quirk.LoneObject | quirk.RoleStrings

// GuessIdP returns the identity provider that sent the request of ob, as
// Entry.IdP records it:
//
//  1. the profile of the request's connection, when it names an IdP
//     ("entra", "okta", "jumpcloud", "onelogin", "pingone"; not
//     "generic" or "strict");
//  2. else the IdP whose SCIM client's User-Agent the request carries
//     (Okta's "Okta SCIM Client ...", Entra's "Microsoft Azure AD SCIM
//     ...", in any case);
//  3. else "entra" when the request needed a tolerance only Entra's
//     requests are known to need (capitalised ops, "True" as a boolean,
//     path-less dotted keys, ...);
//  4. else [Unknown].
//
// JumpCloud, OneLogin and PingOne have no known User-Agent or request
// shape of their own: without a connection naming them they are Unknown.
func GuessIdP(ob Observation) string {
	if ob.Connection != nil {
		switch p := ob.Connection.Profile; p {
		case connection.Entra, connection.Okta, connection.JumpCloud, connection.OneLogin, connection.PingOne:
			return string(p)
		}
	}
	for _, ua := range userAgents {
		if len(ob.UserAgent) >= len(ua.prefix) && strings.EqualFold(ob.UserAgent[:len(ua.prefix)], ua.prefix) {
			return string(ua.idp)
		}
	}
	if ob.Quirks&entraQuirks != 0 {
		return string(connection.Entra)
	}
	return Unknown
}
