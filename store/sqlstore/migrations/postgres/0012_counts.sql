-- The number of users and of groups of each tenant, kept by the database
-- itself: triggers on every INSERT and DELETE of scim_users and
-- scim_groups (CreateUser, DeleteUser, ArchiveUser, CreateGroup,
-- DeleteGroup, and an app's own statements alike), on an UPDATE that
-- moves a row to another tenant and on TRUNCATE, in the writing
-- statement's transaction, so that a rolled-back write changes no count.
-- An unfiltered list reads its totalResults from here (query.go count)
-- instead of counting the tenant's rows. A tenant's row stays when its
-- count falls to zero.
--
-- The INSERT and DELETE triggers run once per statement, over its
-- transition table: one update of a count per tenant the statement
-- touched, not one per row (a bulk load of a million rows in one
-- statement updates one row once). A count row is locked from the write
-- that changes it until its transaction commits, so concurrent creates of
-- one tenant's users would wait there for each other's commit; the count
-- is therefore split in slots, one per connection (its backend's pid
-- modulo 64), which the read sums: connections change their own slot, so
-- a slot's n may be negative and only the sum is the count.
CREATE TABLE scim_counts (
    tenant        text COLLATE "C" NOT NULL,
    resource_type text COLLATE "C" NOT NULL, -- 'User' or 'Group'
    slot          smallint NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (tenant, resource_type, slot)
);

-- TG_ARGV[0] is the resource type of the trigger's table, TG_ARGV[1] the
-- sign of the change (1 for INSERT, -1 for DELETE); changed_rows is the
-- statement's transition table. Tenants are locked in order, so that two
-- statements of several tenants each do not deadlock on them.
CREATE FUNCTION scim_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scim_counts AS c (tenant, resource_type, slot, n)
        SELECT tenant, TG_ARGV[0], pg_backend_pid() % 64, TG_ARGV[1]::bigint * COUNT(*)
        FROM changed_rows GROUP BY tenant ORDER BY tenant
        ON CONFLICT (tenant, resource_type, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION scim_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scim_counts AS c (tenant, resource_type, slot, n)
        VALUES (OLD.tenant, TG_ARGV[0], pg_backend_pid() % 64, -1), (NEW.tenant, TG_ARGV[0], pg_backend_pid() % 64, 1)
        ON CONFLICT (tenant, resource_type, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION scim_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM scim_counts WHERE resource_type = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_count_insert AFTER INSERT ON scim_users
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_add('User', '1');
CREATE TRIGGER scim_users_count_delete AFTER DELETE ON scim_users
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_add('User', '-1');
CREATE TRIGGER scim_users_count_move AFTER UPDATE OF tenant ON scim_users
    FOR EACH ROW WHEN (OLD.tenant IS DISTINCT FROM NEW.tenant) EXECUTE FUNCTION scim_counts_move('User');
CREATE TRIGGER scim_users_count_truncate AFTER TRUNCATE ON scim_users
    FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_truncate('User');

CREATE TRIGGER scim_groups_count_insert AFTER INSERT ON scim_groups
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_add('Group', '1');
CREATE TRIGGER scim_groups_count_delete AFTER DELETE ON scim_groups
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_add('Group', '-1');
CREATE TRIGGER scim_groups_count_move AFTER UPDATE OF tenant ON scim_groups
    FOR EACH ROW WHEN (OLD.tenant IS DISTINCT FROM NEW.tenant) EXECUTE FUNCTION scim_counts_move('Group');
CREATE TRIGGER scim_groups_count_truncate AFTER TRUNCATE ON scim_groups
    FOR EACH STATEMENT EXECUTE FUNCTION scim_counts_truncate('Group');

-- The rows already there, in slot 0. CREATE TRIGGER locked both tables
-- against writes until this migration commits, after any write in
-- progress ended, so these counts and the triggers together miss no row
-- and count none twice.
INSERT INTO scim_counts (tenant, resource_type, slot, n)
    SELECT tenant, 'User', 0, COUNT(*) FROM scim_users GROUP BY tenant;
INSERT INTO scim_counts (tenant, resource_type, slot, n)
    SELECT tenant, 'Group', 0, COUNT(*) FROM scim_groups GROUP BY tenant;
