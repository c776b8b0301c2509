-- Tenants: one per customer; the slug is its subdomain label on the edge.
CREATE TABLE tenants (
    id            BIGSERIAL PRIMARY KEY,
    slug          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z][a-z0-9-]{0,38}[a-z0-9]$')
);

-- Tools a tenant publishes to its MCP endpoint.
CREATE TABLE tools (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    title         TEXT,
    description   TEXT NOT NULL,
    input_schema  JSONB NOT NULL,
    content       JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT tools_tenant_name_key UNIQUE (tenant_id, name)
);

-- Every published config version, immutable once written; only the push
-- outcome columns change, as the edge answers.
CREATE TABLE config_versions (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL CHECK (version > 0),
    payload       TEXT NOT NULL,
    signature     TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    push_status   TEXT NOT NULL DEFAULT 'pending'
                  CHECK (push_status IN ('pending', 'accepted', 'failed')),
    push_detail   TEXT,
    pushed_at     TIMESTAMPTZ,
    CONSTRAINT config_versions_tenant_version_key UNIQUE (tenant_id, version)
);
