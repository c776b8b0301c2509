-- A tool bound to the tenant's HTTPS endpoint (tenant-config `HttpBinding`:
-- method, URL template, where each argument goes, timeout, size limit);
-- NULL: the tool answers with its fixed content.
ALTER TABLE tools ADD COLUMN http JSONB;
