// Package filter parses, validates and evaluates SCIM filters and PATCH
// paths (RFC 7644 §3.4.2.2, §3.5.2), and sorts resources (RFC 7644
// §3.4.2.3). It is HTTP-free: the handler turns an *Error into a 400 with
// its ScimType, stores receive the typed AST, and stores that cannot push a
// filter down use [Match] and [Sort] as the fallback.
//
// Every Entra and Okta create starts with a filtered GET, so the parser is
// hand-written for speed: one pass over the string, no regular expressions
// or reflection, names and escape-free strings kept as substrings of the
// input. Parsing `userName eq "bjensen@example.com"` costs one allocation,
// hundreds of times less than github.com/scim2/filter-parser/v2, which the
// tests keep as a differential oracle (see bench_test.go and fuzz_test.go).
//
// # Use
//
//	e, err := filter.Parse(r.URL.Query().Get("filter")) // *filter.Error: invalidFilter
//	if err == nil {
//		err = filter.Validate(e, reg.User) // unknown attribute, gt on a boolean, password
//	}
//	ok, err := filter.Match(e, reg.User, user)
//
//	m, err := filter.Compile(e, reg.User) // names checked once, for many resources
//	for _, u := range users {
//		if m.Match(u) { ... }
//	}
//
//	p, err := filter.ParsePath(`emails[type eq "work"].value`) // *filter.Error: invalidPath
//
// # Grammar
//
// The RFC 7644 §3.4.2.2 ABNF (figure 1, with errata 4690), precedence
// not > and > or, and/or associating to the left:
//
//	FILTER    = attrExp / FILTER SP ("and" / "or") SP FILTER / valuePath
//	          / "not" [SP] "(" FILTER ")" / "(" FILTER ")"
//	valuePath = attrPath "[" FILTER "]"            ; no valuePath inside
//	attrExp   = attrPath SP "pr" / attrPath SP compareOp SP compValue
//	compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//	compValue = false / null / true / number / string   ; JSON (RFC 8259)
//	attrPath  = [URI ":"] ATTRNAME ["." ATTRNAME]
//	ATTRNAME  = ["$"] ALPHA *("-" / "_" / DIGIT / ALPHA)
//	PATH      = attrPath / valuePath ["." ATTRNAME]  ; PATCH, RFC 7644 §3.5.2
//
// Operators, and, or, not, true, false and null are case-insensitive, and
// so are attribute names and URNs when resolved (RFC 7644 §3.10); the AST
// keeps names as written. A URN ends at the last ':' before the attribute
// name, so "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
// has URN "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
// name "manager" and sub-attribute "value" (a URN segment such as "2.0"
// may contain dots). A PATCH path naming a whole extension
// ("urn:...:enterprise:2.0:User") parses with Name "User"; callers compare
// [AttrPath.String] with their schema URNs. Strings are JSON strings with
// every escape decoded (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs;
// a lone surrogate becomes U+FFFD); raw control characters must be
// escaped. Whitespace between tokens may be any run of spaces, tabs, CR or
// LF, and may lead or trail.
//
// Inside brackets, paths are relative to the attribute: emails[type eq
// "work"] filters each email by its type.
//
// # Tolerated non-standard input
//
//   - Unquoted values without spaces: "externalId eq jyoung" and
//     "id eq 54D3... and manager eq 2819..." from older Entra documentation
//     (docs/idp-compatibility.md#entra-bare-filter-values). A bare token that reads as true, false or null
//     (any case) or as a JSON number is taken as such; any other token is a
//     string. [Validate] and [Match] take a number literal compared with a
//     string attribute as its text, so "externalId eq 12345" works.
//   - "emails[type eq \"work\"].value eq \"x\"" in a filter, as Entra sends
//     for an email matching attribute (docs/idp-compatibility.md#entra-value-path-filters): it parses as a [ValuePath]
//     whose Filter is the bracket filter AND-ed with the relative
//     comparison, emails[type eq "work" and value eq "x"], which means
//     the same thing ("some email is work and has value x"), so Match and
//     stores need nothing new; String writes that form.
//   - Capitalised operators and attribute names, PingOne's
//     `username Eq "%s"` and `email Co "%s"` (docs/idp-compatibility.md#filter-case).
//   - "not(x)" and "not (x)": the ABNF has no space, RFC 7644's examples do.
//   - Booleans as strings in comparisons, `roles[primary eq "True"]`, from
//     Entra's role mappings (docs/idp-compatibility.md#entra-bool-strings).
//   - "manager eq \"id\"", meaning manager.value (docs/idp-compatibility.md#entra-manager-eq), and
//     generally a comparison on a complex attribute without a sub-attribute
//     compares its value sub-attribute: "members eq", "groups eq" and RFC
//     7644's own "emails co \"example.com\"".
//
// '+' for space and percent-encoding (Okta URL-encodes the whole filter,
// docs/idp-compatibility.md#standard-requests) are undone by URL query parsing before the filter reaches Parse.
//
// # Canonical form
//
// String writes lower-case operators and keywords, single spaces, string
// values quoted with JSON escapes for '"', '\\' and control characters,
// numbers as written, and minimal parentheses: only an "or" under an
// "and", and a right operand with the same operator, are grouped. Parsing
// the result yields an equal AST.
//
// # Limits
//
// [Limits] bounds the input length (4096 bytes), the nesting of
// parentheses and brackets (16) and the number of comparisons (64). Each
// is checked while reading, so an input over a limit is refused in time
// linear in its length; the error's Pos is where the limit was crossed.
//
// # What identity providers send
//
// Microsoft Entra ID: `userName eq "<UPN>"` (also its Test Connection, with
// a random GUID), `externalId eq "<id>"`, `emails[type eq "work"].value eq
// "<mail>"`, `displayName eq "<group>"` on /Groups, and the manager check
// `id eq "<id>" and manager eq "<managerId>"`; only eq and and. PATCH paths
// `members[value eq "<id>"]`, `emails[type eq "work"].value`,
// `addresses[type eq "work"].country`, `roles[primary eq "True"].value`
// and enterprise URN paths.
//
// Okta: `userName eq "<login>"` only (OKTA-REF; Okta does not filter on
// meta.lastModified), and `displayName eq` for groups. PATCH path
// `members[value eq "<id>"]`.
//
// A store that implements exactly userName eq, externalId eq, id eq,
// displayName eq and members[value eq] therefore serves every IdP lookup;
// Match handles the rest.
package filter
