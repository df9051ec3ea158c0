-- Outgoing payments created under a grant (src/backend/outgoing_payment.c, grant_limits.h):
-- where the payment's spend was recorded, so that what a FAILED or CANCELLED payment did not
-- spend goes back to the same interval. NULL: the payment has no grant.
ALTER TABLE outgoing_payments ADD COLUMN grant_interval_start BIGINT;
