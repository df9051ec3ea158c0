-- What the last incoming_payment.partial_payment_received event of a pending incoming payment
-- reported as received (src/payments/incoming_payment.h, incoming_payment_partial_report): the
-- incoming payment worker records a new event only when the invoice account has received more
-- than this, so each increase is reported once however many passes or replicas see it.
ALTER TABLE incoming_payments ADD COLUMN reported_received BIGINT NOT NULL DEFAULT 0;
