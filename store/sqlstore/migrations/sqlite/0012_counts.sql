-- The number of users and of groups of each tenant, kept by the database
-- itself: triggers on every INSERT and DELETE of scim_users and
-- scim_groups (CreateUser, DeleteUser, ArchiveUser, CreateGroup,
-- DeleteGroup, and an app's own statements alike) and on an UPDATE that
-- moves a row to another tenant, in the writing statement's transaction,
-- so that a rolled-back write changes no count. An unfiltered list reads
-- its totalResults from here (query.go count) instead of counting the
-- tenant's rows. A tenant's row stays when its count falls to zero. On
-- SQLite writes are serialized anyway, so the one row per tenant and type
-- costs no concurrency.
CREATE TABLE scim_counts (
    tenant        text NOT NULL,
    resource_type text NOT NULL, -- "User" or "Group"
    n             integer NOT NULL,
    PRIMARY KEY (tenant, resource_type)
) WITHOUT ROWID;

CREATE TRIGGER scim_users_count_insert AFTER INSERT ON scim_users BEGIN
    INSERT INTO scim_counts (tenant, resource_type, n) VALUES (NEW.tenant, 'User', 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scim_users_count_delete AFTER DELETE ON scim_users BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND resource_type = 'User';
END;
CREATE TRIGGER scim_users_count_move AFTER UPDATE OF tenant ON scim_users WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND resource_type = 'User';
    INSERT INTO scim_counts (tenant, resource_type, n) VALUES (NEW.tenant, 'User', 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER scim_groups_count_insert AFTER INSERT ON scim_groups BEGIN
    INSERT INTO scim_counts (tenant, resource_type, n) VALUES (NEW.tenant, 'Group', 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER scim_groups_count_delete AFTER DELETE ON scim_groups BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND resource_type = 'Group';
END;
CREATE TRIGGER scim_groups_count_move AFTER UPDATE OF tenant ON scim_groups WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1 WHERE tenant = OLD.tenant AND resource_type = 'Group';
    INSERT INTO scim_counts (tenant, resource_type, n) VALUES (NEW.tenant, 'Group', 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1;
END;

-- The rows already there (Migrate holds the write lock: none is added
-- meanwhile).
INSERT INTO scim_counts (tenant, resource_type, n)
    SELECT tenant, 'User', COUNT(*) FROM scim_users GROUP BY tenant;
INSERT INTO scim_counts (tenant, resource_type, n)
    SELECT tenant, 'Group', COUNT(*) FROM scim_groups GROUP BY tenant;
