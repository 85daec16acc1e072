-- Nothing changes on PostgreSQL: migration 0010 takes AUTOINCREMENT off
-- SQLite's scim_outbox (see migrations/sqlite/0010_outbox_seq.sql); this
-- keeps the two dialects' migrations numbered alike.
SELECT 1;
