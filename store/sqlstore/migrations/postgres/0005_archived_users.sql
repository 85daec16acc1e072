-- Users removed from SCIM by ArchiveUser (a connection whose DELETE policy
-- is "deactivate"). ArchiveUser moves the row here from scim_users, and
-- drops its memberships, in one transaction: no read of scim_users or
-- scim_group_members needs a condition, and the unique userName index no
-- longer holds the name. The primary key keeps an archived id taken
-- (CreateUser checks it). data is the resource's JSON form, as in
-- scim_users; a migration that rewrites scim_users.data rewrites it here
-- too.
CREATE TABLE scim_archived_users (
    tenant        text COLLATE "C" NOT NULL,
    id            text COLLATE "C" NOT NULL,
    user_name     text COLLATE "C" NOT NULL,
    external_id   text COLLATE "C",
    data          text NOT NULL,
    version       bigint NOT NULL,
    created       text COLLATE "C",
    last_modified text COLLATE "C",
    archived      text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX scim_archived_users_order ON scim_archived_users (tenant, archived, id);
