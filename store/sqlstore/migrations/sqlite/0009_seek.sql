-- Keyset ("seek") paging in the default order. A list page in the default
-- order starts after the last row of the previous page with
-- a keyset condition on (COALESCE(created, ''), id) instead of skipping rows with
-- OFFSET, so a page costs the same at the end of a walk as at its start.
-- The order key is COALESCE(created, '') rather than created so that a row
-- without a creation time sorts first on SQLite and PostgreSQL alike
-- (their NULLs sort at opposite ends); the index replaces the one on
-- (tenant, created, id).
DROP INDEX scim_users_order;
CREATE INDEX scim_users_seek ON scim_users (tenant, COALESCE(created, ''), id);
DROP INDEX scim_groups_order;
CREATE INDEX scim_groups_seek ON scim_groups (tenant, COALESCE(created, ''), id);
