-- Liquidity thresholds (src/backend/liquidity.c): when the balance of an asset's liquidity
-- account or of a peer's account falls below its threshold, an asset.liquidity_low or
-- peer.liquidity_low webhook event is recorded, once per fall: `low` is set with the event (in
-- one transaction, by a conditional UPDATE, so replicas record it once) and cleared when the
-- balance is back at or above the threshold. Conventions as in 001_ledger.sql.

CREATE TABLE liquidity_thresholds (
    owner_id TEXT PRIMARY KEY,         -- the asset's or the peer's id (the event's resource)
    kind INTEGER NOT NULL,             -- 1 asset, 2 peer
    account_id TEXT NOT NULL,          -- whose balance is watched
    asset_id TEXT NOT NULL,
    asset_code TEXT NOT NULL,
    asset_scale INTEGER NOT NULL,
    threshold BIGINT NOT NULL,         -- u64
    low BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at BIGINT NOT NULL
);
