// Package sqlstore is a [store.Store] on PostgreSQL or SQLite through
// database/sql: the production store for apps that run several replicas
// behind a load balancer on one PostgreSQL, and an embedded default on a
// SQLite file. It imports no driver; the app opens the database with the
// driver of its choice and hands it over:
//
//	db, err := sql.Open("pgx", dsn) // import _ "github.com/jackc/pgx/v5/stdlib"
//	st, err := sqlstore.New(db, sqlstore.Postgres)
//
//	db, err := sql.Open("sqlite", "file:scim.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate")
//	st, err := sqlstore.New(db, sqlstore.SQLite) // import _ "modernc.org/sqlite"
//
// With SQLite, a busy timeout and immediate transactions (the modernc.org
// DSN parameters above) keep concurrent writers from failing with
// SQLITE_BUSY; an in-memory database needs db.SetMaxOpenConns(1), since
// every connection to ":memory:" is a database of its own.
//
// # Schema and migrations
//
// New applies the embedded, versioned migrations (see [Store.Migrate]),
// recorded in scim_schema_migrations; replicas starting at once are safe.
// Migration 0002 recomputes the folded columns with filter.Fold in Go, and
// 0003 rewrites the data columns into the resource's JSON form in Go, so
// an app that applies the schema itself still runs them through
// [Store.Migrate].
// The tables are scim_users, scim_groups and scim_group_members, all keyed
// by tenant ([store.TenantFrom]) first:
//
//   - scim_users: primary key (tenant, id); a unique index on (tenant,
//     user_name_folded) enforces userName uniqueness per tenant,
//     case-insensitively, in the database, so two concurrent creates of
//     one userName give one success and one [store.ErrConflict]; an index
//     on (tenant, external_id). The whole resource is in the data column
//     in its JSON form ([resource.User.MarshalJSON], without id, meta
//     and groups); userName, externalId, displayName, active, meta.created and
//     meta.lastModified also have columns of their own.
//   - scim_groups: primary key (tenant, id), indexes on (tenant,
//     display_name_folded) and (tenant, external_id), and a unique index
//     on (tenant, display_name_key), which enforces displayName uniqueness
//     (store's "Group displayName uniqueness") in the database:
//     display_name_key is the folded name of a group that holds it, NULL
//     for one written while duplicates are allowed
//     ([store.DuplicateGroupNamesAllowed]); a write that takes a name
//     first checks that no group has it, and the index settles two
//     concurrent writes that both pass the check.
//   - scim_group_members: primary key (tenant, group_id, member_id) and an
//     index on (tenant, member_id, group_id) (migration 0011), which
//     derives User.groups from the index alone and removes a deleted user
//     from its groups. [Store.PatchMembers] adds and removes
//     members without reading the group, [Store.ReplaceGroupAttributes]
//     renames a group without touching its members, and
//     [Store.ResolveMembers] looks member ids up in scim_users and
//     scim_groups, 500 per query; excludedAttributes=members
//     ([store.Query].Members, GetGroup's [store.WithoutMembers]) never
//     touches this table.
//   - scim_connections and scim_tokens (migration 0004): the
//     [connection.Store] returned by [Store.Connections], one row per
//     tenant's connection and per Secret Token, tokens kept as the hex
//     SHA-256 hash of the secret under a unique index; migration 0008
//     adds the connection's dry_run flag.
//   - scim_archived_users (migration 0005): the users [Store.ArchiveUser]
//     removed from SCIM under a connection's DELETE policy "deactivate",
//     primary key (tenant, id), ordered by (tenant, archived, id). The
//     row moves here from scim_users, with active false, in the
//     transaction that drops its memberships, so no read of the other
//     tables needs a condition and the userName index no longer holds its
//     name; CreateUser refuses an archived id. [Store.GetArchivedUser] and
//     [Store.ListArchivedUsers] read it for the app.
//   - scim_outbox, scim_outbox_state, scim_outbox_consumers and
//     scim_outbox_pruned (migration 0007): the outbox of change events
//     ([store.EventWriter]). Every write inserts the events of its
//     context in its own transaction; [Store.Outbox] returns the
//     [Outbox], whose Run delivers them at least once to a handler under
//     a lease per consumer (several replicas may run it; one drains at a
//     time), and whose After serves them to pull consumers
//     ([event.Source]). Retention ([WithOutboxRetention], 7 days by
//     default) removes delivered events. The outbox is off unless the store is
//     made [WithOutbox].
//   - scim_counts (migration 0012): the number of users and of groups of
//     each tenant, kept by triggers on INSERT, DELETE, TRUNCATE and an
//     UPDATE of tenant of scim_users and scim_groups in the writing
//     transaction (so every path, the app's own SQL too, and a rollback
//     are counted right), read as totalResults of an unfiltered list
//     instead of COUNT(*) over the tenant. On PostgreSQL it is split in
//     64 slots per tenant and type, one per connection, so concurrent
//     creates of one tenant do not queue on one locked row; a trigger
//     still costs each create or delete one upsert. An app that applies
//     the schema itself ([WithoutMigrate]) applies this migration too,
//     or unfiltered totals read 0. Its removed column (migration 0013)
//     counts the rows ever deleted, moved to another tenant or reordered,
//     so that a page far into an unfiltered list can seek from positions
//     the store remembered while they still hold, instead of OFFSET.
//
// Every write is conditioned on the version read (UPDATE ... WHERE version
// = $v): a stale version is [store.ErrPreconditionFailed], which the
// library's PATCH retries. Passwords are not stored.
//
// # Queries
//
// [Store.QueryUsers] and [Store.QueryGroups] translate the filter into a
// WHERE clause with bind parameters, count with COUNT(*) (an unfiltered
// list reads scim_counts instead), sort with ORDER BY
// (the sort key, then meta.created and id, the list order) and page with
// LIMIT and OFFSET; in the list order a page after a position (a cursor's,
// or the one the handler remembers for the next startIndex) seeks by
// keyset on an index instead and skips the count when no total is needed
// (see "Positions" in package store). Every operator, and/or/not and value filters translate:
// the indexed columns directly (userName eq, externalId eq, id eq and group
// displayName eq use the indexes), other attributes of the core schema and
// the enterprise extension through the JSON functions of the dialect
// (jsonb on PostgreSQL, json_extract and json_each on SQLite, so
// emails[type eq "work"].value eq "x" is an EXISTS over the array), group
// members and User.groups through EXISTS on scim_group_members, and the
// attributes of custom extensions (operands.go): strings, references,
// binaries and booleans; integers and decimals compared as filter.Match
// compares them (exactly when both sides are integers that fit an int64,
// else as float64, from the number's text as sent); dateTimes on
// PostgreSQL by instant at nanosecond precision; sub-attributes of
// complex ones and value filters on multi-valued complex ones
// (projects[name eq "x"]) as EXISTS over the array.
//
// sortBy is ordered in SQL with exactly filter.Sort's order (missing
// values last ascending, first descending; ties in the list order): on
// the columns, and on singular attributes of the JSON (title,
// name.familyName, custom extensions) as typed values: numbers as
// float64, booleans, strings bytewise (folded when not caseExact),
// dateTimes by instant on PostgreSQL. Where SQL cannot give that order the
// matches are sorted in Go with filter.Sort: dateTimes on SQLite,
// multi-valued attributes, and any query of which a match holds a
// non-ASCII string of a sort that folds, a value of another JSON type, or
// a number outside float8's normal range (counted with COUNT(*)). Under a
// sort on a column (userName, id, externalId, meta.created,
// meta.lastModified, active, group displayName) pages seek too: the
// position holds the row's key and tie-breakers, and a page under
// sortBy=userName is a range of the userName index.
//
// Strings that are not caseExact compare by [filter.Fold] keys, the
// library's one folding rule. userName and group displayName have folded
// columns (user_name_folded, display_name_folded) computed in Go with
// filter.Fold, never with SQL lower(), so uniqueness, eq, co, sw, ew and
// ordering on them agree with filter.Match for every value. Other
// attributes compare with an ASCII value only, through lower() under
// COLLATE "C" with the Kelvin sign and long s replaced by k and s, which
// is exactly Fold against an ASCII key; a comparison of such an attribute
// with a non-ASCII value is not translated.
//
// What is not translated answers [store.ErrUnsupported], and the handler
// falls back to listing and filter.Match with exact totals: the schemas
// attribute, meta.resourceType, meta.location and meta.version, value
// filters on singular complex attributes, groups.display and groups.type,
// members.$ref, multi-valued simple attributes of custom extensions
// (tags eq "x"), comparisons of their dateTimes on SQLite, filter
// values that are not a finite float64 or are finer than microseconds,
// and non-ASCII values compared case-insensitively as above.
//
// # Your own tables
//
// An app that keeps its users in a table of its own writes its own store
// and reuses the filter translation: [Translate] turns a filter into a
// WHERE condition over the app's columns, given a [Mapping] from
// attribute paths to column expressions (and, in Mapping.Folded, to the
// app's columns holding filter.Fold of a value), with the same operator,
// case-folding and NULL semantics as QueryUsers, and answers
// [store.ErrUnsupported] for what has no column, so the app's QueryUsers
// can return it and let the handler fall back. The guide
// docs/using-your-own-tables.md walks through such a store.
//
// # Outages
//
// When the database cannot be reached or is busy (connection refused or
// lost, too many connections, a server shutting down, SQLITE_BUSY after
// the busy timeout, a context deadline), every method returns an error
// wrapping [store.ErrUnavailable], which the handler answers 503 with
// Retry-After; the next call dials again, so the store recovers without a
// restart. [Unavailable] is the classification, usable by an app's own
// store over database/sql.
package sqlstore
