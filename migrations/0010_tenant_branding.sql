-- How a tenant's pages at the edge (sign-in choice, consent) look.
ALTER TABLE tenants
    ADD COLUMN logo_url      TEXT,
    ADD COLUMN accent_color  TEXT CHECK (accent_color ~ '^#[0-9a-fA-F]{6}$');
