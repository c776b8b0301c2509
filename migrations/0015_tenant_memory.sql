-- Per-user memory tools for the tenant's signed-in users, as the
-- tenant-config `memory` object (tool names, quotas); NULL: switched off.
ALTER TABLE tenants ADD COLUMN memory JSONB;
