-- The transactional outbox of change events (store.EventWriter). Every
-- write that changes something inserts its events here in its own
-- transaction. SQLite has one writer at a time, so seq (AUTOINCREMENT:
-- never reused, even after retention deleted the last rows) is the commit
-- order and the position consumers read in. data is the event's JSON
-- form.
CREATE TABLE scim_outbox (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant  text NOT NULL,
    data    text NOT NULL,
    written text NOT NULL
);
CREATE INDEX scim_outbox_tenant ON scim_outbox (tenant, seq);

-- One row: epoch tells this outbox's cursors from another database's.
-- last_pos is unused on SQLite (sqlite_sequence holds the last seq).
CREATE TABLE scim_outbox_state (
    id       integer PRIMARY KEY CHECK (id = 1),
    epoch    text NOT NULL,
    last_pos integer NOT NULL
);
INSERT INTO scim_outbox_state (id, epoch, last_pos) VALUES (1, lower(hex(randomblob(4))), 0);

-- The drainers (Outbox.Run), one row per consumer name: the position
-- delivered up to, and the lease of the replica draining it.
CREATE TABLE scim_outbox_consumers (
    name        text PRIMARY KEY,
    delivered   integer NOT NULL,
    holder      text,
    lease_until text
);

-- Per tenant, the last position retention removed: a cursor before it
-- has lost events (event.ErrCursorExpired).
CREATE TABLE scim_outbox_pruned (
    tenant text PRIMARY KEY,
    pos    integer NOT NULL
);
