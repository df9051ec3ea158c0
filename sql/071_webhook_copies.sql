-- Further deliveries of a webhook event (src/payments/webhooks_worker.c). Rafiki 2.0 stores one
-- delivery per recipient of an event (its `webhooks` table, recipientTenantId), each with its
-- own attempts and back-off. Here the event's own row in webhook_events is the delivery to the
-- tenant that owns the event's resource (the operator for its own resources), and a row of this
-- table is one more delivery of the same event: the operator's copy of a tenant's event when
-- SEND_TENANT_WEBHOOKS_TO_OPERATOR is true, written by webhook_event_add in the transaction of
-- the event itself. A copy is retried on its own schedule: a tenant's receiver being down does
-- not hold the operator's copy back, nor the reverse.
--
-- Copies of one resource's events are delivered in order among themselves, with the same
-- `blocked` bookkeeping as 033_webhook_order.sql. resource_id is the event's, kept here so that
-- order needs no join.
CREATE TABLE webhook_copies (
{{IF_SQLITE}}
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
{{END_IF}}
{{IF_POSTGRES}}
    seq BIGSERIAL PRIMARY KEY,
{{END_IF}}
    event_seq BIGINT NOT NULL REFERENCES webhook_events (seq),
    recipient_tenant_id TEXT,             -- NULL: the operator
    resource_id TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,     -- as webhook_events.state
    attempts INTEGER NOT NULL DEFAULT 0,
    process_at BIGINT NOT NULL,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_copies_ready ON webhook_copies (process_at) WHERE state = 0 AND blocked = FALSE;
CREATE INDEX webhook_copies_blocked ON webhook_copies (created_at) WHERE state = 0 AND blocked = TRUE;
CREATE INDEX webhook_copies_resource ON webhook_copies (resource_id, seq) WHERE state = 0;
CREATE INDEX webhook_copies_event ON webhook_copies (event_seq);
