-- The request id (X-Request-Id, src/base/log.h) of the API call behind a row, so that work done
-- later for it logs under the same id: an outgoing payment's worker, and the delivery of a
-- webhook event (which also sends it as X-Request-Id). NULL: none (made before this column, or
-- by a worker without one).
ALTER TABLE outgoing_payments ADD COLUMN request_id TEXT;
ALTER TABLE webhook_events ADD COLUMN request_id TEXT;
