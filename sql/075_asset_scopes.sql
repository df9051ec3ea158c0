-- Asset codes unique per tenant (Rafiki 2.0: each tenant has its own assets, so two wallets in
-- one installation may both have USD with scale 2). assets.scope names whose namespace the
-- (code, scale) pair is unique in: '' for the operator's (every asset made before tenants), a
-- tenant's id for a tenant's (src/ledger/types.h ledger_asset_t.scope).
{{IF_POSTGRES}}
ALTER TABLE assets ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE assets DROP CONSTRAINT assets_code_scale_key;
ALTER TABLE assets ADD CONSTRAINT assets_code_scale_scope_key UNIQUE (code, scale, scope);
{{END_IF}}
{{IF_SQLITE}}
-- SQLite cannot drop a table's UNIQUE constraint: the table is rebuilt (its documented
-- procedure; the migrator runs SQLite files with foreign key enforcement off and checks every
-- reference before it commits).
CREATE TABLE assets_scoped (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    scale INTEGER NOT NULL,
    liquidity_account_id TEXT NOT NULL,
    settlement_account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    UNIQUE (code, scale, scope)
);
INSERT INTO assets_scoped (id, code, scale, liquidity_account_id, settlement_account_id, created_at)
    SELECT id, code, scale, liquidity_account_id, settlement_account_id, created_at FROM assets;
DROP TABLE assets;
ALTER TABLE assets_scoped RENAME TO assets;
{{END_IF}}
