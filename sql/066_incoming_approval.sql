-- Rafiki's approval of incoming payments (src/payments/incoming_payment.h,
-- incoming_payment_approve / incoming_payment_cancel; Admin GraphQL approveIncomingPayment and
-- cancelIncomingPayment): when the wallet approved or cancelled a pending payment, in
-- milliseconds, NULL while it has done neither; at most one of the two is ever set. With
-- POLL_INCOMING_PAYMENT_CREATED_WEBHOOK a create waits for one of them.
-- cancellation_reason: the reason the wallet gave with its cancel, NULL when none.
ALTER TABLE incoming_payments ADD COLUMN approved_at BIGINT;
ALTER TABLE incoming_payments ADD COLUMN cancelled_at BIGINT;
ALTER TABLE incoming_payments ADD COLUMN cancellation_reason TEXT;
