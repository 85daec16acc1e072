// Package scimtest replays, as black-box HTTP, what the identity providers
// do to a SCIM 2.0 server (RFC 7643, RFC 7644), so that an app can check in
// its own tests that Microsoft Entra ID, Okta, JumpCloud, OneLogin and
// PingOne will provision it on the first try.
//
// The requests are the ones the vendors document, with their quirks
// (capitalised ops, "False" as a boolean, member removal by value array,
// `username Eq`, PUT-only updates, ...), and each answer is checked
// against what that IdP needs back. The package needs no network and no
// IdP account: it is the offline part of testing a SCIM integration.
//
// # Use
//
// In a test of the app, point a [Target] at the handler the app serves,
// in process (Handler) or over the network (BaseURL), and call [Run]:
//
//	func TestSCIM(t *testing.T) {
//		scimtest.Run(t, scimtest.Target{
//			Handler: app.Routes(),                      // SCIM mounted at /scim/v2
//			BaseURL: "https://app.example.com/scim/v2", // the Tenant URL
//			Token:   token,                             // the Secret Token
//		})
//	}
//
// [Entra], [Okta], [JumpCloud], [OneLogin] and [PingOne] run one IdP's
// flows. Every flow is a subtest, so one can be rerun with
// go test -run 'TestSCIM/Entra/aadOptscim062020/groups'.
//
// Flows run one after another. Each creates its users and groups with
// unique names (a random suffix) and deletes them when it ends, so the
// target can be a shared development server; only JumpCloud's
// manual_import needs no other client writing to the tenant while it
// lists every user twice.
//
// A failure names the flow step, the request (method, URL, body), and the
// expected and actual value. When a request answers an unexpected status,
// the flow stops there (its later steps would only repeat the failure) and
// its cleanup still runs.
//
// # Flows
//
// Microsoft Entra ID, each flow twice: in subtest "default", and in subtest
// "aadOptscim062020" with that flag appended to every request's query, as
// Entra does when it is added to the Tenant URL (lowercase ops, JSON
// booleans, path-less replace with dotted keys, member removal by filter):
//
//   - test_connection: `userName eq "<random GUID>"` answers 200 and
//     exactly the empty ListResponse; the same with externalId and on
//     /Groups with excludedAttributes=members.
//   - provision_user: match by userName and by externalId (nothing),
//     create with the tutorial's body (enterprise schema, meta, roles []),
//     match again (found by both), read, delete (204, then 404).
//   - update_user: Replace emails[type eq "work"].value and
//     name.familyName; with the flag, a path-less replace with keys
//     "name.givenName" and "urn:...:enterprise:2.0:User:employeeNumber".
//   - disable_enable: active "False" then "True" (false, true with the
//     flag); a disabled user stays matchable.
//   - manager: add the manager (an array of one object; a bare string on
//     the extension path with the flag), checked with Entra's query
//     `id eq "..." and manager eq "..."`, then clear it with "".
//   - work_address: two adds to addresses[type eq "work"] of a user with no
//     address make one work address.
//   - groups: match by displayName with excludedAttributes=members, create
//     with a Microsoft schema URI, read without members, add two members
//     (value array, $ref null), remove one (value array; members[value eq]
//     with the flag), each sent twice as a retry would (the second
//     changes nothing), with the exact membership checked after each step,
//     then delete.
//
// Okta, subtest "OIN" (Okta Integration Network template):
//
//   - test_connection: GET /Users?startIndex=1&count=2 is a ListResponse
//     with integer counts.
//   - user_lifecycle: match, POST with password and groups [] (password
//     never returned), match with the userName in capitals, duplicate POST
//     answers 409 uniqueness, GET then PUT with id, meta and groups, PATCH
//     deactivate {"op":"replace","value":{"active":false}} and reactivate.
//   - group_push: POST with members [], PATCH rename {id, displayName} with
//     members add, then rename with remove by filter and add in one
//     request, replace members [], DELETE.
//
// Okta, subtest "AIW" (App Integration Wizard, PUT only):
// user_lifecycle (PUT profile, PUT active false, PUT active true) and
// group_push (PUT the member list: two, one, none).
//
// Okta's entitlement management (Okta Identity Governance), not part of
// Run since most apps serve no roles: [OktaEntitlements] reads
// /ResourceTypes, /Schemas and every resource of each type whose schema is
// Okta's Role or Entitlement URN (startIndex and count=100, as Okta
// imports), then assigns a listed role with a PATCH and two with a PUT,
// and checks that an unknown role or entitlement is 400 invalidValue.
//
// JumpCloud: test_connection (creates and deletes a test user and a test
// group; nothing is left), manual_import (walks every page of GET /Users:
// integer counts, no duplicate, no gap, the same order twice), and
// group_takeover (finds the app's group by displayName, adds two members,
// removes one with a value array).
//
// OneLogin: group_membership (lists GET /Groups, adds a member with a
// lowercase "op":"add"). PingOne: filter_casing (`username Eq "..."`).
//
// User PATCH may answer 200 with the resource or 204, and group PATCH 204
// or 200, as Entra and Okta accept both; the flows then read the resource
// back and check it.
//
// # Sources
//
// The request bodies are JSON fixtures embedded from testdata/, one per
// step, named <idp>_<step>.json; each names its source in a "_source"
// member, removed before sending, and testdata/README.md lists them. The
// main sources are Microsoft Learn's "Tutorial: Develop and plan
// provisioning for a SCIM endpoint in Microsoft Entra ID"
// (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
// and "Known issues and resolutions with SCIM 2.0 protocol compliance"
// (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility),
// Okta's "SCIM 2.0 Protocol Reference"
// (https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/)
// and "SCIM technical questions"
// (https://developer.okta.com/docs/concepts/scim/faqs/), JumpCloud's custom
// SCIM integration guide
// (https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration)
// and PingOne's filter expressions
// (https://docs.pingidentity.com/pingone/integrations/p1_scim_filter_expressions.html).
// Where a vendor publishes no body (JumpCloud, OneLogin and PingOne users),
// the fixture is the plain RFC 7643 resource and its _source says so.
package scimtest
