-- What HTTP tools' backends did, per tenant, minute and tool: calls by the
-- backend's status ('200', '503', …) or why there was none ('timeout',
-- 'unreachable', 'too_large', 'unsent').
CREATE TABLE usage_backend (
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    bucket     TIMESTAMPTZ NOT NULL,
    tool       TEXT NOT NULL,
    status     TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, bucket, tool, status)
);
