-- Logs and progress a tool reports while it runs (a JSON array of
-- `{"log": …}` / `{"progress": …}` entries, validated by the service layer).
ALTER TABLE tools ADD COLUMN notifications JSONB NOT NULL DEFAULT '[]';
