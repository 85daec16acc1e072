-- removed: how many of the tenant's rows of the type were ever deleted,
-- moved to another tenant or moved in the list order (an UPDATE of
-- created or id, which the store never makes and an app's own SQL may),
-- summed over the slots like n. It only grows (TRUNCATE raises it too).
-- With n it tells a replica whether the list positions it remembered
-- (anchors.go) still hold: they do while removed is unchanged and every
-- row added since lies after the last row it saw.
ALTER TABLE scim_counts ADD COLUMN removed bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION scim_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scim_counts AS c (tenant, resource_type, slot, n, removed)
        SELECT tenant, TG_ARGV[0], pg_backend_pid() % 64, TG_ARGV[1]::bigint * COUNT(*),
            CASE WHEN TG_ARGV[1] = '-1' THEN COUNT(*) ELSE 0 END
        FROM changed_rows GROUP BY tenant ORDER BY tenant
        ON CONFLICT (tenant, resource_type, slot) DO UPDATE SET n = c.n + EXCLUDED.n, removed = c.removed + EXCLUDED.removed;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION scim_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scim_counts AS c (tenant, resource_type, slot, n, removed)
        VALUES (OLD.tenant, TG_ARGV[0], pg_backend_pid() % 64, -1, 1), (NEW.tenant, TG_ARGV[0], pg_backend_pid() % 64, 1, 1)
        ON CONFLICT (tenant, resource_type, slot) DO UPDATE SET n = c.n + EXCLUDED.n, removed = c.removed + EXCLUDED.removed;
    RETURN NULL;
END
$$;

CREATE FUNCTION scim_counts_reorder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scim_counts AS c (tenant, resource_type, slot, n, removed)
        VALUES (NEW.tenant, TG_ARGV[0], pg_backend_pid() % 64, 0, 1)
        ON CONFLICT (tenant, resource_type, slot) DO UPDATE SET removed = c.removed + 1;
    RETURN NULL;
END
$$;

-- TRUNCATE empties the counts and raises removed, so that positions
-- remembered before it never hold after it.
CREATE OR REPLACE FUNCTION scim_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE scim_counts SET n = 0, removed = removed + 1 WHERE resource_type = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_count_reorder AFTER UPDATE OF created, id ON scim_users
    FOR EACH ROW WHEN (OLD.created IS DISTINCT FROM NEW.created OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION scim_counts_reorder('User');
CREATE TRIGGER scim_groups_count_reorder AFTER UPDATE OF created, id ON scim_groups
    FOR EACH ROW WHEN (OLD.created IS DISTINCT FROM NEW.created OR OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION scim_counts_reorder('Group');
