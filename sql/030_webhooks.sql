-- Webhook events (src/backend/webhooks.c). Shared by SQLite and Postgres; conventions as in
-- 001_ledger.sql: ids are canonical lower-case UUID text, times are BIGINT milliseconds since the
-- epoch.
--
-- A row is written by webhook_event_add in the same transaction as the state change it reports,
-- so an event exists exactly when its change committed. The delivery worker claims due rows,
-- POSTs them to WEBHOOK_URL and records the outcome here: the table is the whole delivery state,
-- so a restart resumes where the last process stopped.
--
-- seq orders events by creation: per resource, an event is not sent while an earlier pending
-- event of the same resource exists (seq is assigned at insert; writers of one resource are
-- serialised by that resource's own row lock, so seq order is their commit order).

CREATE TABLE webhook_events (
{{IF_SQLITE}}
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
{{END_IF}}
{{IF_POSTGRES}}
    seq BIGSERIAL PRIMARY KEY,
{{END_IF}}
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    resource_id TEXT NOT NULL,            -- the payment, wallet address, asset or peer it reports
    data TEXT NOT NULL,                   -- JSON object, sent as the body's "data"
    state INTEGER NOT NULL DEFAULT 0,     -- 0 pending, 1 delivered, 2 failed (retries exhausted)
    attempts INTEGER NOT NULL DEFAULT 0,  -- deliveries started, counted when claimed
    process_at BIGINT NOT NULL,           -- pending: not before this time (back-off or lease)
    last_status INTEGER NOT NULL DEFAULT 0, -- HTTP status of the last attempt, 0 = no answer
    last_error TEXT,                      -- why the last attempt failed, NULL after success
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The worker's scan: only pending rows are indexed, so delivered history costs it nothing.
CREATE INDEX webhook_events_due ON webhook_events (process_at) WHERE state = 0;
CREATE INDEX webhook_events_resource ON webhook_events (resource_id, seq) WHERE state = 0;
-- GET /webhook-events?type=
CREATE INDEX webhook_events_type ON webhook_events (type, seq);
