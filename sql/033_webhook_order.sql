-- Webhook delivery order without a scan of the backlog (src/backend/webhooks_worker.c).
--
-- An event that has an earlier pending event of its resource when it is added is `blocked`: the
-- worker's claim skips it through the index below, so a long backlog (receiver down for hours)
-- costs each claim only the events that can go now, not every waiting one. When an event is
-- delivered or given up, the next pending event of its resource is unblocked in the same
-- transaction. A row left blocked by a race (added while its predecessor was being finished in
-- another transaction) is unblocked by the worker's periodic sweep; the claim still checks that
-- no earlier event of the resource is pending, so `blocked` only ever delays, never reorders.

ALTER TABLE webhook_events ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX webhook_events_due;
CREATE INDEX webhook_events_ready ON webhook_events (process_at) WHERE state = 0 AND blocked = FALSE;
CREATE INDEX webhook_events_blocked ON webhook_events (created_at) WHERE state = 0 AND blocked = TRUE;
