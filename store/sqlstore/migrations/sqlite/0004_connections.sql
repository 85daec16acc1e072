-- SCIM connections (one per tenant) and their Secret Tokens, kept only
-- as the hex SHA-256 hash of the secret; the unique index on hash is the
-- lookup of every request. Times are text in the store's fixed-width UTC
-- layout, so comparing the text compares the instants.
CREATE TABLE scim_connections (
    tenant        text PRIMARY KEY,
    enabled       integer NOT NULL,
    profile       text NOT NULL,
    delete_policy text NOT NULL,
    scim_managed  integer NOT NULL,
    created       text NOT NULL,
    updated       text NOT NULL
);

CREATE TABLE scim_tokens (
    id        text PRIMARY KEY,
    tenant    text NOT NULL,
    hash      text NOT NULL,
    label     text NOT NULL,
    hint      text NOT NULL,
    created   text NOT NULL,
    last_used text,
    revoked   text
);
CREATE UNIQUE INDEX scim_tokens_hash ON scim_tokens (hash);
CREATE INDEX scim_tokens_tenant ON scim_tokens (tenant, created, id);
