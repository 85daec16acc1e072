-- Users, groups and group memberships of every tenant. Text columns use the
-- "C" collation so that ordering is bytewise, as in the library's
-- in-memory evaluator; data holds the whole resource as JSON.
CREATE TABLE scim_users (
    tenant           text COLLATE "C" NOT NULL,
    id               text COLLATE "C" NOT NULL,
    user_name        text COLLATE "C" NOT NULL,
    user_name_folded text COLLATE "C" NOT NULL,
    external_id      text COLLATE "C",
    display_name     text COLLATE "C",
    active           boolean,
    data             text NOT NULL,
    version          bigint NOT NULL,
    created          text COLLATE "C",
    last_modified    text COLLATE "C",
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_folded);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id);
CREATE INDEX scim_users_order ON scim_users (tenant, created, id);

CREATE TABLE scim_groups (
    tenant              text COLLATE "C" NOT NULL,
    id                  text COLLATE "C" NOT NULL,
    display_name        text COLLATE "C" NOT NULL,
    display_name_folded text COLLATE "C" NOT NULL,
    external_id         text COLLATE "C",
    data                text NOT NULL,
    version             bigint NOT NULL,
    created             text COLLATE "C",
    last_modified       text COLLATE "C",
    PRIMARY KEY (tenant, id)
);
CREATE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_folded);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
CREATE INDEX scim_groups_order ON scim_groups (tenant, created, id);

CREATE TABLE scim_group_members (
    tenant      text COLLATE "C" NOT NULL,
    group_id    text COLLATE "C" NOT NULL,
    member_id   text COLLATE "C" NOT NULL,
    member_type text COLLATE "C",
    display     text COLLATE "C",
    PRIMARY KEY (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_member ON scim_group_members (tenant, member_id);
