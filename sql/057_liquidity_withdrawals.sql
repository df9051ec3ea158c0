-- Rafiki's liquidity calls on payments (src/payments/payment_liquidity.h) find the newest event
-- of a payment of given types (its created, completed, expired or failed event, whose id is the
-- deposit's or withdrawal's transfer id, as in Rafiki): by resource and creation order, across
-- delivered events too (webhook_events_resource covers pending ones only).
CREATE INDEX webhook_events_by_resource ON webhook_events (resource_id, seq);
