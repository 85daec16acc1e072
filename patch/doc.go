// Package patch applies SCIM PATCH requests (RFC 7644 §3.5.2) to the typed
// resources of package resource, atomically, with the normalisations that
// real identity providers need. It does not import net/http: an app can
// reuse it in jobs and tests.
//
// # Use
//
// [ParseRequest] decodes a PatchOp body into [Op] values. [ApplyUser] and
// [ApplyGroup] apply them in order to a resource, all or nothing: on error
// the resource is unchanged and the error is an *[Error] carrying the RFC
// 7644 §3.12 scimType. They report whether anything changed, so that a
// no-op (Okta's group rename sent with every membership change) skips the
// write. [Members] recognises requests that only add and remove group
// members, so that a handler can use a store's membership fast path
// without loading a large group; [PlanGroup] answers that and the
// handler's other questions (does the request touch members, which
// members does it send) from one reading of the operations, and its
// Apply applies that reading. ParseRequest reads every operation once:
// the Op values it returns carry the parsed path and value.
//
// # Semantics
//
// add, replace and remove work with and without a path, on simple,
// complex and multi-valued attributes, sub-attributes, value-filter paths
// (`emails[type eq "work"].value`, evaluated with filter.Match, which
// honours caseExact) and extension attributes
// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`,
// or a bare `manager`, which resource.Resolve finds in the extension).
// Adding a value that is present changes nothing; a singular complex
// attribute is merged on add and replace; a null or "" value in a replace
// clears the attribute (RFC 7643 §2.5); a value with "primary": true
// clears primary on the others (RFC 7643 §2.4), and "primary": false is
// kept. The result must pass the registry's validation and immutability
// checks. The body and every value are read by the JSON reader of resource
// bodies, with its text rules and limits. Value-filter operations cost time
// linear in the operations and the attribute's size (index.go).
//
// Errors (scimType): a malformed body or unknown op is invalidSyntax; a
// path that does not parse or names no attribute is invalidPath; a remove
// without a path, or a replace whose filter matches nothing and cannot
// create a value, is noTarget; a value of the wrong type, or a resource
// that no longer validates (userName set to "") is invalidValue; a change
// of a read-only attribute (id, meta, groups), of an immutable one, or the
// removal of a required one (userName, a group's displayName: "not
// compatible with ... current state", RFC 7644 §3.12) is mutability.
// Read-only values equal to the current ones are accepted.
//
// # IdP normalisations
//
// Each is a [quirk.Set] bit, on by default, that [Options].Disable turns off;
// docs/idp-compatibility.md gives each one's request shape and sources, and each
// has a named test replaying the vendor-documented body from testdata/.
//
//   - [quirk.OpCase]: "Add", "Replace", "Remove". Microsoft Entra ID
//     (Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM
//     endpoint").
//   - [quirk.KeyCase]: "operations", "Op", "Path", "Value".
//   - [quirk.MissingSchemas]: a PatchOp body without schemas.
//   - [quirk.EmptyOperations]: "Operations": [] is a no-op.
//   - [quirk.BoolStrings]: "True"/"False" for booleans, also in
//     sub-attributes and filter-created values. Entra (Microsoft Learn,
//     "Known issues and resolutions with SCIM 2.0 protocol compliance").
//   - [quirk.PathlessPaths]: path-less values with keys "name.givenName"
//     and "urn:...:enterprise:2.0:User:employeeNumber". Entra, same page.
//   - [quirk.RemoveByValue]: {"op":"Remove","path":"members","value":[{"$ref":null,"value":"id"}]}
//     removes only the listed members. Entra (tutorial), JumpCloud.
//   - [quirk.CreateOnNoMatch]: add or replace through an eq filter that
//     matches nothing creates the value; several operations with the same
//     filter fill one value. Entra.
//   - [quirk.ManagerString]: manager as a bare id, "" to clear. Entra.
//   - [quirk.UnwrapArray]: manager as a one-element array. Entra (tutorial).
//   - [quirk.LoneObject]: a lone object for a multi-valued attribute. Entra.
//   - [quirk.RoleStrings]: roles whose value is a JSON-encoded object.
//     Entra's SingleAppRoleAssignment mapping (Microsoft Learn, "Customize
//     Microsoft Entra attribute mappings").
//   - [quirk.ReadOnlyValues]: meta, groups and schemas in a path-less value
//     are ignored. Okta (group rename with id), Okta and Entra bodies
//     (Okta "SCIM 2.0 Protocol Reference").
//   - [quirk.IdempotentRemove]: removing an absent value succeeds. Okta and
//     Entra membership updates.
//   - [quirk.UnknownAttributes]: a key of a value that no schema defines
//     (a path-less "favouriteColour", a sub-attribute "emails[].label", an
//     unknown key of an extension object) is kept or ignored as a POST
//     would; off, it is invalidSyntax. A path naming one is invalidPath
//     either way.
//
// [Options].Fired records the normalisations that applied to a request.
//
// Handled without a switch, because RFC 7643 §2.5 already allows them:
// "$ref": null (Entra) is an unassigned sub-attribute; Okta's
// {"op":"replace","path":"members","value":[]} empties the group;
// {"op":"replace","value":{"active":false}} (Okta deactivation) is a
// path-less replace; Okta's rename with unchanged id and displayName
// reports changed == false.
package patch
