-- Tools may declare behaviour hints (MCP annotations) and a structured
-- result with its output schema.
ALTER TABLE tools
    ADD COLUMN annotations         JSONB,
    ADD COLUMN output_schema       JSONB,
    ADD COLUMN structured_content  JSONB;
