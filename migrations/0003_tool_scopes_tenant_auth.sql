-- Scopes a token must carry to see and call a tool.
ALTER TABLE tools ADD COLUMN scopes TEXT[] NOT NULL DEFAULT '{}';

-- A tenant's OAuth authorization server (identity providers, scopes, access
-- rules, roles, pre-registered clients) as the document the edge serves,
-- with every client secret sealed for the edge. No row: a public server.
CREATE TABLE tenant_auth (
    tenant_id     BIGINT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    settings      JSONB NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
