-- Tenants as Rafiki 2.0 keeps them (src/payments/tenants.c): several wallets in one
-- installation. Conventions as in 001_ledger.sql (ids are canonical lower-case UUID text, times
-- are BIGINT milliseconds).
--
-- api_secret is the key of the tenant's admin API signatures (an HMAC needs the secret itself,
-- so it is kept as given); it is never logged and no API answers it after the request that set
-- it. The operator tenant (is_operator) is the one of OPERATOR_TENANT_ID and ADMIN_API_SECRET,
-- written at start; exactly one live row has it.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    email TEXT,
    api_secret TEXT NOT NULL,
    idp_consent_url TEXT,
    idp_secret TEXT,
    public_name TEXT,
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT                     -- NULL: live
);

-- Rafiki's tenant settings: keys EXCHANGE_RATES_URL, WEBHOOK_URL, WEBHOOK_TIMEOUT,
-- WEBHOOK_MAX_RETRY, WALLET_ADDRESS_URL, ILP_ADDRESS; a tenant's setting overrides the
-- instance's. Deleted with the tenant.
CREATE TABLE tenant_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- Which tenant owns a resource: assets (kind 1), peers (2) and wallet addresses (3). A
-- resource without a row is the operator's, so an installation with one wallet writes nothing
-- here; payments, quotes, keys and events belong to the owner of their wallet address (or
-- asset, peer). Lists of one tenant read its rows through the index.
CREATE TABLE tenant_resources (
    resource_id TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX tenant_resources_tenant ON tenant_resources (tenant_id, kind);
-- One operator: a second writer's insert fails here instead of making another.
CREATE UNIQUE INDEX tenants_operator ON tenants (is_operator) WHERE is_operator;
