/*
 * Webhook events: recording them in the caller's transaction (see webhooks.h). The delivery
 * worker is in webhooks_worker.c; the admin listing in admin_webhooks.c.
 */
#include "backend/webhooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/uuid.h"

static const char *const TYPES[] = {
    WEBHOOK_INCOMING_PAYMENT_CREATED,   WEBHOOK_INCOMING_PAYMENT_COMPLETED,
    WEBHOOK_INCOMING_PAYMENT_EXPIRED,   WEBHOOK_OUTGOING_PAYMENT_CREATED,
    WEBHOOK_OUTGOING_PAYMENT_COMPLETED, WEBHOOK_OUTGOING_PAYMENT_FAILED,
    WEBHOOK_WALLET_ADDRESS_NOT_FOUND,   WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION,
    WEBHOOK_ASSET_LIQUIDITY_LOW,        WEBHOOK_PEER_LIQUIDITY_LOW,
};

const char *webhook_state_str(webhook_state_t s)
{
    switch (s) {
    case WEBHOOK_STATE_PENDING:
        return "pending";
    case WEBHOOK_STATE_DELIVERED:
        return "delivered";
    case WEBHOOK_STATE_FAILED:
        return "failed";
    }
    return "unknown";
}

bool webhook_type_known(const char *type)
{
    if (!type)
        return false;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(type, TYPES[i]) == 0)
            return true;
    return false;
}

static int invalid(db_err_t *err, const char *msg)
{
    err->code = DB_INVALID;
    snprintf(err->msg, sizeof err->msg, "webhook event: %s", msg);
    return DB_INVALID;
}

int webhook_event_add_id(db_conn_t *conn, const char *type, const char *resource_id,
                         const json_t *data, char id_out[37], db_err_t *err)
{
    ASSERT(conn && db_in_tx(conn));
    if (!webhook_type_known(type))
        return invalid(err, "unknown type");
    size_t rlen = resource_id ? strlen(resource_id) : 0;
    if (rlen == 0 || rlen > WEBHOOK_RESOURCE_ID_MAX)
        return invalid(err, "resource_id must have 1..1024 characters");
    if (!json_is_object(data))
        return invalid(err, "data must be a JSON object");
    char *text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        err->code = DB_NOMEM;
        snprintf(err->msg, sizeof err->msg, "webhook event: out of memory");
        return DB_NOMEM;
    }
    int rc;
    if (strlen(text) > WEBHOOK_DATA_MAX) {
        rc = invalid(err, "data exceeds WEBHOOK_DATA_MAX");
        goto done;
    }
    db_stmt_t *st = db_prepare(conn,
                               "INSERT INTO webhook_events (id, type, resource_id, data, state, "
                               "attempts, process_at, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?)",
                               err);
    if (!st) {
        rc = err->code;
        goto done;
    }
    char id[UUID_STR_LEN + 1];
    uuid_v4(id);
    int64_t now = clock_wall_ms();
    db_bind_str(st, 1, id);
    db_bind_str(st, 2, type);
    db_bind_text(st, 3, resource_id, rlen);
    db_bind_str(st, 4, text);
    db_bind_i64(st, 5, now);
    db_bind_i64(st, 6, now);
    db_bind_i64(st, 7, now);
    rc = db_run(st, err);
    if (rc == DB_OK && id_out)
        memcpy(id_out, id, sizeof id);
done:
    free(text);
    return rc;
}

int webhook_event_add(db_conn_t *conn, const char *type, const char *resource_id,
                      const json_t *data, db_err_t *err)
{
    return webhook_event_add_id(conn, type, resource_id, data, NULL, err);
}
