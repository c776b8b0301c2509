-- Rounds of input a tool asks the client for before it answers (MCP
-- 2026-07-28 multi round-trip requests): a JSON array of objects mapping a
-- name to an elicitation, sampling or roots request.
ALTER TABLE tools ADD COLUMN input_rounds JSONB NOT NULL DEFAULT '[]';
