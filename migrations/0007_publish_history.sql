-- Who published each version, which version a rollback restored, and how
-- many times its push was tried (failed pushes are retried).
ALTER TABLE config_versions
    ADD COLUMN published_by   TEXT,
    ADD COLUMN rollback_of    BIGINT,
    ADD COLUMN push_attempts  INTEGER NOT NULL DEFAULT 0;

-- `refused`: the edge answered and will not take it (bad signature, stale,
-- invalid); unlike `failed` (unreachable, or the edge failing), it is not
-- retried.
ALTER TABLE config_versions
    DROP CONSTRAINT config_versions_push_status_check,
    ADD CONSTRAINT config_versions_push_status_check
        CHECK (push_status IN ('pending', 'accepted', 'failed', 'refused'));
