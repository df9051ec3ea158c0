-- outgoing_payment.attempt_failed (ours, not Rafiki's; src/payments/outgoing_payment_worker.c):
-- how many attempts to send a payment over ILP have failed so far. Each failure raises it in the
-- transaction that records its event, whose data carries the new value as the attempt number.
ALTER TABLE outgoing_payments ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
