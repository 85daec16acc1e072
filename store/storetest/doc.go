// Package storetest is the conformance kit for [store.Store]
// implementations: an app that keeps SCIM users and groups in its own
// database runs [Run] against its store in an ordinary test, the way
// testing/fstest.TestFS checks an fs.FS.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return newEmptyTestStore(t)
//		})
//	}
//
// Run checks every rule of the store package's doc comments, one subtest
// per rule, so that a failing rule can be rerun alone:
//
//	go test -run 'TestStore/Users/Replace_version_mismatch'
//
// The groups of cases are Users, Groups, Membership, Tenants, Query,
// PatchMembers, MemberReferences, ReplaceGroupAttributes, Archive, StreamGroup, Events, RoundTrip (an
// unassigned active and members' display read back as written) and Identity
// (userName and group displayName uniqueness under filter.Fold, also from
// 16 goroutines at once, and its agreement with eq, sw and co lookups for
// the Kelvin sign, long s, final sigma, dotted and dotless i, ß and ẞ, Ǆ,
// ǅ and ǆ, NFC and NFD spellings). Archive runs when the store implements
// store.UserArchiver: an archived user is gone from every SCIM read and
// write (get, list, id, userName and externalId queries, member
// resolution, its groups, which get new versions), its userName and
// externalId can be created again while its id stays taken, the record
// reads back with active false and its archive time, versions and
// tenants are honoured, and of 16 concurrent archives and deletes of one
// user exactly one succeeds. StreamGroup runs when the store implements
// store.GroupStreamer: head then batches of at most max members agree
// with GetGroup (attributes, version, members in its order) for several
// batch sizes, a group not there or another tenant's calls nothing back
// and is ErrNotFound, an error of head or batch stops the stream and is
// returned as is, and writes made inside the first batch (PatchMembers,
// ReplaceGroup, DeleteGroup, DeleteUser of a member) complete and are not
// seen by the stream. Events runs when the store writes change
// events (store.EventWriter with WritesEvents true), reading what it
// recorded through [WithEventSource] (or the store, when it is an
// event.Source): every write (CreateUser, ReplaceUser, DeleteUser,
// CreateGroup, ReplaceGroup, DeleteGroup and the PatchMembers,
// ReplaceGroupAttributes and ArchiveUser it implements) with events in
// its context records exactly them, in order, every field as given,
// with Version set to the version the write returned ("" for a delete);
// a write that fails (ErrConflict, ErrPreconditionFailed, ErrNotFound)
// or carries no events records nothing; and each tenant reads only its
// own events. The optional fast paths a store
// implements (discovered by type assertion, as the handler discovers them)
// are checked against the generic path the handler would otherwise take:
// QueryUsers and QueryGroups against ListUsers or ListGroups,
// filter.Match, filter.Sort and paging over a fixed corpus and a list of
// filters, with store.WithMembers and store.WithoutMembers, and QueryUsers with a
// pr and an eq filter on every string and boolean attribute of every
// schema (core, enterprise, a custom extension) of a user that has them
// all (Query/Every_attribute); PatchMembers against
// GetGroup and ReplaceGroup; ReplaceGroupAttributes against ReplaceGroup,
// with the members left as they were. ResolveMembers is checked per
// tenant, for users, groups and ids naming nothing, and member types must
// round-trip through every write and read. A fast path that answers
// store.ErrUnsupported is accepted.
//
// # Preconditions
//
// newStore is called once per case and must return an empty store: no
// users and no groups in any tenant. The store must be safe for
// concurrent use: the Concurrent cases write from 16 goroutines at once.
// Stores backed by a shared database should use a fresh schema or
// database per call, or truncate the tables; newStore may register
// cleanups with t.Cleanup. The cases use the tenants "", "tenant-a",
// "tenant-b" and "fold-0", "fold-1", ..., ids chosen by the kit (short
// strings such as "u01" and "g1") and times truncated to the second in
// UTC. Resources are compared field by field, nil and empty slices and maps counting as equal,
// times compared with time.Time.Equal. Meta.Version values are opaque: the
// kit checks that they are set and that every write changes them.
// Meta.Location and Meta.ResourceType belong to the handler, which fills
// them on every response, and are ignored. User.Active is compared as
// is: unassigned is not true. User.Groups and Group.Members are compared
// as sets; a GroupRef's Ref and a Member's Ref are ignored, and an empty
// GroupRef Type counts as "direct".
//
// The kit needs the filter and resource packages' evaluator (filter.Parse,
// filter.Match, filter.Sort, resource.NewRegistry) to compute the results
// of the generic path.
package storetest
