-- Users, groups and group memberships of every tenant. Text compares
-- bytewise (BINARY), as in the library's in-memory evaluator; data holds the
-- whole resource as JSON. SQLite enforces the foreign key only with
-- PRAGMA foreign_keys=ON; the store deletes memberships itself.
CREATE TABLE scim_users (
    tenant           text NOT NULL,
    id               text NOT NULL,
    user_name        text NOT NULL,
    user_name_folded text NOT NULL,
    external_id      text,
    display_name     text,
    active           integer,
    data             text NOT NULL,
    version          integer NOT NULL,
    created          text,
    last_modified    text,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_folded);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id);
CREATE INDEX scim_users_order ON scim_users (tenant, created, id);

CREATE TABLE scim_groups (
    tenant              text NOT NULL,
    id                  text NOT NULL,
    display_name        text NOT NULL,
    display_name_folded text NOT NULL,
    external_id         text,
    data                text NOT NULL,
    version             integer NOT NULL,
    created             text,
    last_modified       text,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_folded);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
CREATE INDEX scim_groups_order ON scim_groups (tenant, created, id);

CREATE TABLE scim_group_members (
    tenant      text NOT NULL,
    group_id    text NOT NULL,
    member_id   text NOT NULL,
    member_type text,
    display     text,
    PRIMARY KEY (tenant, group_id, member_id),
    FOREIGN KEY (tenant, group_id) REFERENCES scim_groups (tenant, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_member ON scim_group_members (tenant, member_id);
