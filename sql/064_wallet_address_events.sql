-- Rafiki's wallet_address.web_monetization events (src/payments/wallet_address_events.h): what
-- the events of a wallet address have announced so far, and when it is due to be looked at.
-- total_events_amount: u64 (BIGINT bit pattern), the sum of the receivedAmount values of its
-- events; an event and the increase of this column are one transaction, so an amount is
-- announced once. process_at: milliseconds, NULL when nothing is to be announced (Rafiki's
-- processAt).
ALTER TABLE wallet_addresses ADD COLUMN total_events_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE wallet_addresses ADD COLUMN process_at BIGINT;
CREATE INDEX wallet_addresses_process_at ON wallet_addresses (process_at);
