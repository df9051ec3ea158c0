-- The incoming payment of an invoice account: the partial payment decision
-- (src/payments/partial_decision.h) is handed a packet's destination account and records the
-- event of the incoming payment that owns it (incoming_payment_partial_event).
CREATE INDEX incoming_payments_account ON incoming_payments (account_id);
