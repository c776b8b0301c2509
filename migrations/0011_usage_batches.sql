-- The ids of the edge's signed usage reports already counted, kept past the
-- time a signed report is accepted at all, so a replayed report is refused.
CREATE TABLE usage_batches (
    id           TEXT PRIMARY KEY,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX usage_batches_received_at ON usage_batches (received_at);
