-- Each tenant's keys for the user assertions its HTTP tools send
-- (tenant-config `assertion`): the newest signs, the one before it stays
-- listed in the tenant's JWKS until retired (the overlap after a rotation).
-- The private key is sealed for the edge (PKCS #8, AES-GCM under the seal
-- key, bound to the tenant and key id); the control plane never signs.
CREATE TABLE assertion_keys (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    -- The Ed25519 public key, base64url (a JWK's `x`).
    public_x TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, kid)
);
CREATE INDEX assertion_keys_tenant ON assertion_keys (tenant_id, id DESC);
