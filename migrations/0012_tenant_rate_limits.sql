-- Requests per minute the edge lets through for the tenant (per client IP
-- and in all), as the tenant-config `limits` object; NULL: the defaults.
ALTER TABLE tenants ADD COLUMN rate_limits JSONB;
