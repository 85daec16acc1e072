// Package memory is the reference in-memory implementation of the
// [store.Store] contract, with every optional fast path: [store.UserQuerier],
// [store.GroupQuerier], [store.GroupMemberPatcher],
// [store.GroupAttributesReplacer], [store.MemberResolver] and
// [store.GroupStreamer], and
// [store.UserArchiver], which moves a user from the tenant's live indexes
// to an archive that no SCIM read consults, and, with an event log,
// [store.EventWriter].
//
// It is meant for tests, demos and small deployments that can lose their
// directory on restart. It is safe for concurrent use, keeps every tenant
// ([store.TenantFrom]) apart, and is deterministic: lists are in creation
// order, stable across pages. A page in that order seeks (its position is
// the creation sequence number, see "Positions" in package store), so the
// last page of a large tenant costs what the first does.
//
// # Indexes
//
// Each tenant keeps its users by id, by userName and by externalId, and its
// groups by id, by displayName and by externalId, so the lookups identity
// providers send before every write ("userName eq", "externalId eq",
// "id eq", "displayName eq", alone or on one side of an "and") do not scan.
// userName and displayName keys are [filter.Fold] keys, the folding rule
// filter.Match compares by, so that two names share a key exactly when
// [strings.EqualFold] says they are equal. Index hits are confirmed with
// [filter.Match], so query results are exactly those of the generic path.
//
// userName and, unless the context allows duplicates
// ([store.DuplicateGroupNamesAllowed]), group displayName are unique per
// tenant by those keys, checked under the tenant's lock, so concurrent
// creates of one name give one resource.
//
// Group members are a set keyed by the member's value, kept in insertion
// order: adding or removing one member, and replacing the group's other
// attributes (ReplaceGroupAttributes), cost the same in a group of ten and
// in a group of a hundred thousand. A reverse index from member value to
// groups fills User.Groups on every read.
//
// # Versions
//
// Meta.Version is a decimal counter, drawn from one sequence per tenant, so a
// resource deleted and created again never reuses a version. Every write
// changes it, including a membership change made by PatchMembers or by the
// deletion of a member.
//
// # Change events
//
// With [WithEventLog] the store is a [store.EventWriter]: the change
// events the handler hands each write (store.WithEvents) are taken under
// the tenant's lock with the change, only when it is made, with Version
// set, and appended to the app's [event.Log] before the write returns,
// in the order of the tenant's writes. The app pulls them with the log's
// After or is called synchronously through its Subscribe (see
// [Store.WritesEvents]). Without it the store writes no events.
//
// # What the store does not check
//
// The store keeps the members it is given, Type and $ref included, and
// does not check that they name anything: the handler resolves every
// member it writes through ResolveMembers (the tenant's user and group
// indexes) and refuses one that names no user or group of the tenant, or
// whose type contradicts what it names. A member written to the store
// directly is kept as it is. Members are identified by value alone; two
// members with the same value in one write collapse to the first.
package memory
