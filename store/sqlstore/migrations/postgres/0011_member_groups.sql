-- The groups of a page of users are looked up by member: (tenant,
-- member_id) then group_id in one index, so that the lookup reads only the
-- index (the join to scim_groups needs group_id). With the index of 0001 on
-- (tenant, member_id) alone, SQLite without statistics (no app runs
-- ANALYZE) read the primary key instead, which covers the query but is
-- ordered by group: every membership of the tenant was visited for each
-- page, 10,000 of them for a page next to a group of 10,000 members. The
-- index replaces the one of 0001, whose lookups (DeleteUser's, by member)
-- it answers as well.
DROP INDEX scim_group_members_member;
CREATE INDEX scim_group_members_member ON scim_group_members (tenant, member_id, group_id);
