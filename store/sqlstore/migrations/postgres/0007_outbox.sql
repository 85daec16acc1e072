-- The transactional outbox of change events (store.EventWriter). Every
-- write that changes something inserts its events here in its own
-- transaction. seq is the insertion order; pos, the position consumers
-- read in, is assigned to committed rows only, in seq order, by one
-- positioner at a time (it holds the row of scim_outbox_state), so that
-- pos grows in commit order per resource and a cursor over pos never
-- skips a row that commits late. data is the event's JSON form.
CREATE TABLE scim_outbox (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pos     bigint,
    tenant  text COLLATE "C" NOT NULL,
    data    text NOT NULL,
    written text COLLATE "C" NOT NULL
);
-- Partial indexes: an insert (the write path) touches only the primary
-- key and scim_outbox_unpositioned.
CREATE INDEX scim_outbox_unpositioned ON scim_outbox (seq) WHERE pos IS NULL;
CREATE UNIQUE INDEX scim_outbox_pos ON scim_outbox (pos) WHERE pos IS NOT NULL;
CREATE INDEX scim_outbox_tenant ON scim_outbox (tenant, pos) WHERE pos IS NOT NULL;

-- One row: epoch tells this outbox's cursors from another database's,
-- last_pos is the last position assigned.
CREATE TABLE scim_outbox_state (
    id       integer PRIMARY KEY CHECK (id = 1),
    epoch    text NOT NULL,
    last_pos bigint NOT NULL
);
INSERT INTO scim_outbox_state (id, epoch, last_pos)
    VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 8), 0);

-- The drainers (Outbox.Run), one row per consumer name: the position
-- delivered up to, and the lease of the replica draining it.
CREATE TABLE scim_outbox_consumers (
    name        text COLLATE "C" PRIMARY KEY,
    delivered   bigint NOT NULL,
    holder      text COLLATE "C",
    lease_until text COLLATE "C"
);

-- Per tenant, the last position retention removed: a cursor before it
-- has lost events (event.ErrCursorExpired).
CREATE TABLE scim_outbox_pruned (
    tenant text COLLATE "C" PRIMARY KEY,
    pos    bigint NOT NULL
);
