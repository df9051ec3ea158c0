-- The console's payments per minute (src/payments/pay_minutes.h): outgoing payments by state
-- and last change, incoming payments by state and completion, so the last hour's finished
-- payments are one range of each index however many older ones the tables hold.
CREATE INDEX outgoing_payments_state_updated ON outgoing_payments (state, updated_at);
CREATE INDEX incoming_payments_state_completed ON incoming_payments (state, completed_at);
