-- What the edge reports, rolled up per tenant and minute: tool calls (and
-- logins) by tool and outcome, with their latency; and which users were
-- active (pseudonymous ids from the edge) per tenant and minute, counted
-- distinct over any wider bucket.
CREATE TABLE usage_rollups (
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    bucket          TIMESTAMPTZ NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('tool_call', 'login')),
    tool            TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    latency_ms_sum  BIGINT NOT NULL,
    latency_ms_max  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, bucket, kind, tool, outcome)
);

CREATE TABLE usage_active_users (
    tenant_id  BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    bucket     TIMESTAMPTZ NOT NULL,
    user_hash  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, bucket, user_hash)
);
