-- removed: how many of the tenant's rows of the type were ever deleted,
-- moved to another tenant or moved in the list order (an UPDATE of
-- created or id, which the store never makes and an app's own SQL may).
-- It only grows. With n it tells a replica whether the list positions it
-- remembered (query.go's anchors, anchors.go) still hold: they do while
-- removed is unchanged and every row added since lies after the last row
-- it saw.
ALTER TABLE scim_counts ADD COLUMN removed integer NOT NULL DEFAULT 0;

DROP TRIGGER scim_users_count_delete;
CREATE TRIGGER scim_users_count_delete AFTER DELETE ON scim_users BEGIN
    UPDATE scim_counts SET n = n - 1, removed = removed + 1 WHERE tenant = OLD.tenant AND resource_type = 'User';
END;
DROP TRIGGER scim_users_count_move;
CREATE TRIGGER scim_users_count_move AFTER UPDATE OF tenant ON scim_users WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1, removed = removed + 1 WHERE tenant = OLD.tenant AND resource_type = 'User';
    INSERT INTO scim_counts (tenant, resource_type, n, removed) VALUES (NEW.tenant, 'User', 1, 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1, removed = removed + 1;
END;
CREATE TRIGGER scim_users_count_reorder AFTER UPDATE OF created, id ON scim_users
    WHEN OLD.created IS NOT NEW.created OR OLD.id IS NOT NEW.id BEGIN
    UPDATE scim_counts SET removed = removed + 1 WHERE tenant = NEW.tenant AND resource_type = 'User';
END;

DROP TRIGGER scim_groups_count_delete;
CREATE TRIGGER scim_groups_count_delete AFTER DELETE ON scim_groups BEGIN
    UPDATE scim_counts SET n = n - 1, removed = removed + 1 WHERE tenant = OLD.tenant AND resource_type = 'Group';
END;
DROP TRIGGER scim_groups_count_move;
CREATE TRIGGER scim_groups_count_move AFTER UPDATE OF tenant ON scim_groups WHEN OLD.tenant IS NOT NEW.tenant BEGIN
    UPDATE scim_counts SET n = n - 1, removed = removed + 1 WHERE tenant = OLD.tenant AND resource_type = 'Group';
    INSERT INTO scim_counts (tenant, resource_type, n, removed) VALUES (NEW.tenant, 'Group', 1, 1)
        ON CONFLICT (tenant, resource_type) DO UPDATE SET n = n + 1, removed = removed + 1;
END;
CREATE TRIGGER scim_groups_count_reorder AFTER UPDATE OF created, id ON scim_groups
    WHEN OLD.created IS NOT NEW.created OR OLD.id IS NOT NEW.id BEGIN
    UPDATE scim_counts SET removed = removed + 1 WHERE tenant = NEW.tenant AND resource_type = 'Group';
END;
