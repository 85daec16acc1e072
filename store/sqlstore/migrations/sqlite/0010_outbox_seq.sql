-- scim_outbox's seq without AUTOINCREMENT, which wrote the table's row of
-- sqlite_sequence in every write's transaction: one more page per
-- commit. A new event's seq is one more than the larger of the table's
-- largest seq and scim_outbox_state.last_pos, which now holds the
-- largest seq retention may have removed (Outbox.Prune raises it before
-- it deletes), so that seq still never goes back, even after retention
-- emptied the table. Here last_pos takes the last seq AUTOINCREMENT gave.
UPDATE scim_outbox_state SET last_pos = max(last_pos,
    COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'scim_outbox'), 0)) WHERE id = 1;
CREATE TABLE scim_outbox_new (
    seq     INTEGER PRIMARY KEY,
    tenant  text NOT NULL,
    data    text NOT NULL,
    written text NOT NULL
);
INSERT INTO scim_outbox_new (seq, tenant, data, written) SELECT seq, tenant, data, written FROM scim_outbox;
DROP TABLE scim_outbox;
ALTER TABLE scim_outbox_new RENAME TO scim_outbox;
CREATE INDEX scim_outbox_tenant ON scim_outbox (tenant, seq);
