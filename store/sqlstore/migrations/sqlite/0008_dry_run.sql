-- Dry-run (shadow) mode: a connection whose dry_run is set has its
-- requests answered as they would be and nothing written
-- (connection.Connection.DryRun); existing connections are not in dry
-- run. The activity log records, per request, whether it was a dry run
-- and its would-be effects (activity.Entry.DryRun and Effects, the
-- effects as a JSON array of strings, "" for none).
ALTER TABLE scim_connections ADD COLUMN dry_run integer NOT NULL DEFAULT 0;
ALTER TABLE scim_activity ADD COLUMN dry_run integer NOT NULL DEFAULT 0;
ALTER TABLE scim_activity ADD COLUMN effects text NOT NULL DEFAULT '';
