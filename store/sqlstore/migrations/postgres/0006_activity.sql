-- The provisioning activity log (package activity): one row per SCIM
-- request a tenant's IdP sent. at is the time in Unix microseconds and id
-- the append order; both order the log (newest first) and make its
-- cursors, through the index on (tenant, at DESC, id DESC), which also
-- finds the rows beyond a tenant's retention bound. The index on at finds
-- the expired rows of every tenant.
CREATE TABLE scim_activity (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      text COLLATE "C" NOT NULL,
    at          bigint NOT NULL,
    idp         text NOT NULL,
    method      text NOT NULL,
    endpoint    text NOT NULL,
    search      boolean NOT NULL,
    resource_id text NOT NULL,
    outcome     text NOT NULL,
    status      integer NOT NULL,
    latency_ns  bigint NOT NULL,
    scim_type   text NOT NULL,
    detail      text NOT NULL,
    quirks      text NOT NULL,
    request_id  text NOT NULL,
    user_agent  text NOT NULL
);
CREATE INDEX scim_activity_tenant_at ON scim_activity (tenant, at DESC, id DESC);
CREATE INDEX scim_activity_at ON scim_activity (at);
