-- The operator console's payments and webhook events pages (src/payments/pay_console.h): lists
-- newest first, 50 rows a page, keyset paging on (created_at, id) or (created_at, seq), with
-- optional filters on state, wallet address and a creation time range. Each combination reads
-- one of these indexes (a time range rides on the created_at column of the index it uses), so a
-- page costs its 51 rows however many payments and events the database holds.
CREATE INDEX incoming_payments_created ON incoming_payments (created_at, id);
CREATE INDEX incoming_payments_state_created ON incoming_payments (state, created_at, id);
CREATE INDEX incoming_payments_wallet_created ON incoming_payments (wallet_address_id, created_at, id);
CREATE INDEX outgoing_payments_created ON outgoing_payments (created_at, id);
CREATE INDEX outgoing_payments_state_created ON outgoing_payments (state, created_at, id);
-- outgoing_payments_wallet (wallet_address_id, created_at) serves the wallet address filter.
CREATE INDEX webhook_events_created ON webhook_events (created_at, seq);
CREATE INDEX webhook_events_type_created ON webhook_events (type, created_at, seq);
-- A payment's events: webhook_events_by_resource (057_liquidity_withdrawals.sql).
