-- The console's payments per minute (src/payments/pay_minutes.h): finished outgoing payments by
-- their last change, completed incoming payments by their completion, so the last hour's are
-- one range of each index however many older ones the tables hold. Partial indexes: a payment
-- enters one when it finishes, so the payment path's earlier state changes write nothing here.
CREATE INDEX outgoing_payments_state_updated ON outgoing_payments (updated_at, state)
    WHERE state IN ('COMPLETED', 'FAILED');
CREATE INDEX incoming_payments_state_completed ON incoming_payments (state, completed_at)
    WHERE state = 2;
