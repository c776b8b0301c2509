-- Tools may report a tool execution error (`isError`) as their result.
ALTER TABLE tools ADD COLUMN is_error BOOLEAN NOT NULL DEFAULT false;

-- Prompts, resources and resource templates: each definition is stored as
-- the validated JSON document the edge serves, keyed as MCP clients address
-- it (name, URI, URI template).
CREATE TABLE prompts (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    definition    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT prompts_tenant_name_key UNIQUE (tenant_id, name)
);

CREATE TABLE resources (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    uri           TEXT NOT NULL,
    definition    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT resources_tenant_uri_key UNIQUE (tenant_id, uri)
);

CREATE TABLE resource_templates (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    uri_template  TEXT NOT NULL,
    definition    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT resource_templates_tenant_uri_template_key UNIQUE (tenant_id, uri_template)
);
