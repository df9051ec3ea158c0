-- Rafiki's asset fields that the ledger's assets table does not hold (src/payments/assets.c):
-- the withdrawal threshold and the soft delete of deleteAsset (a deleted asset is hidden from
-- reads and lists, and createAsset with its code and scale brings it back). The liquidity
-- threshold stays in liquidity_thresholds. One row per asset that has either; conventions as in
-- 001_ledger.sql (u64 as BIGINT bit patterns, times in milliseconds).

CREATE TABLE asset_settings (
    asset_id TEXT PRIMARY KEY REFERENCES assets (id),
    withdrawal_threshold BIGINT,  -- u64; NULL: none
    deleted_at BIGINT,            -- NULL: live
    updated_at BIGINT NOT NULL
);
