-- Admins of the control plane: people who sign in (by OpenID Connect, or
-- with a one-time link from the command line). An admin invited by email
-- who has not signed in yet has no subject.
CREATE TABLE admins (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT NOT NULL,
    is_operator   BOOLEAN NOT NULL DEFAULT false,
    oidc_subject  TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    signed_in_at  TIMESTAMPTZ,
    CONSTRAINT admins_email_key UNIQUE (email),
    CONSTRAINT admins_oidc_subject_key UNIQUE (oidc_subject),
    CONSTRAINT admins_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND email = lower(email))
);

-- Who may do what in a tenant.
CREATE TABLE memberships (
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    admin_id    BIGINT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, admin_id)
);
CREATE INDEX memberships_admin_idx ON memberships (admin_id);

-- One-time sign-in links (the first operator's bootstrap); only a hash of
-- the secret is kept.
CREATE TABLE sign_in_links (
    token_hash  BYTEA PRIMARY KEY,
    admin_id    BIGINT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

-- API tokens for automation, each scoped to one tenant and one role; only
-- a hash of the secret is kept.
CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    token_hash    BYTEA NOT NULL,
    created_by    BIGINT REFERENCES admins (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);

-- Every change anyone makes: who, what, when, before and after, from where.
-- Append-only; tenant_id is null for platform-wide actions.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    tenant_id   BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    before      JSONB,
    after       JSONB,
    ip          TEXT
);
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, id DESC);

-- Admin sessions (tower-sessions' Postgres store, created here rather than
-- by the store so the schema has one history).
CREATE TABLE admin_sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    data         BYTEA NOT NULL,
    expiry_date  TIMESTAMPTZ NOT NULL
);
