-- Fees per asset as Rafiki keeps them (src/payments/fee.h; Rafiki's fees table): setFee inserts
-- a row each time, so the rows are the history and an asset's current fee of a type is its
-- newest row (highest seq). fixed is a u64 bit pattern, as amounts elsewhere; basis_points
-- 0..10000. asset_id names a ledger asset (checked in C, as in 040_payments.sql).
CREATE TABLE fees (
{{IF_SQLITE}}
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
{{END_IF}}
{{IF_POSTGRES}}
    seq BIGSERIAL PRIMARY KEY,
{{END_IF}}
    id TEXT NOT NULL UNIQUE,
    asset_id TEXT NOT NULL,
    type TEXT NOT NULL,                -- SENDING or RECEIVING
    fixed BIGINT NOT NULL,
    basis_points INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX fees_asset ON fees (asset_id, type, seq);
CREATE INDEX fees_asset_all ON fees (asset_id, seq);
