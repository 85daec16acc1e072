// Package event holds the normalised provisioning change events of a SCIM
// server: what an app learns when an identity provider creates, changes,
// deactivates or deletes a user or a group, whatever store keeps the
// directory and whichever IdP sent the request.
//
// An [Event] is one committed change of one resource, with a stable id,
// the tenant, the request that caused it and the connection's IdP profile.
// [UserEvents] and [GroupEvents] turn the before and after of a write into
// its events (a deactivation from active, the changed attribute paths of
// an update, members added and removed); [MemberEvents] does it for a
// membership change applied without reading the group.
//
// Delivery: a [Sink] takes the events of a change, a [Handler] is called
// with them (at least once, in order per resource, the same ID on every
// delivery), and a [Source] serves them by cursor for reconciliation and
// polling. [Log] is all three in memory, with bounded retention
// ([LogOptions]) and synchronous delivery; a durable outbox implements
// the same interfaces.
//
// [Event.SET] encodes an event as the claims of a Security Event Token
// (RFC 8417) per RFC 9967, the SCIM events profile, for apps that forward
// events to other systems. Signing is the app's: the package returns the
// claims, and [UnsecuredJWT] the unsigned form RFC 8417 §2.4 shows.
//
// The package imports only the standard library and package resource.
package event
