/*
 * Webhook events: recording them in the caller's transaction (see webhooks.h). The delivery
 * worker is in webhooks_worker.c; the admin listing in admin_webhooks.c.
 */
#include "payments/webhooks.h"
#include "payments/rows.h"
#include "payments/webhooks_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/mem.h"
#include "base/uuid.h"

static const char *const TYPES[] = {
    WEBHOOK_INCOMING_PAYMENT_CREATED,   WEBHOOK_INCOMING_PAYMENT_COMPLETED,
    WEBHOOK_INCOMING_PAYMENT_EXPIRED,   WEBHOOK_OUTGOING_PAYMENT_CREATED,
    WEBHOOK_OUTGOING_PAYMENT_COMPLETED, WEBHOOK_OUTGOING_PAYMENT_FAILED,
    WEBHOOK_WALLET_ADDRESS_NOT_FOUND,   WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION,
    WEBHOOK_ASSET_LIQUIDITY_LOW,        WEBHOOK_PEER_LIQUIDITY_LOW,
    WEBHOOK_INCOMING_PAYMENT_PARTIAL,   WEBHOOK_OUTGOING_PAYMENT_FUNDED,
    WEBHOOK_OUTGOING_PAYMENT_CANCELLED, WEBHOOK_OUTGOING_PAYMENT_ATTEMPT_FAILED,
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

#define TYPE_COUNT (sizeof TYPES / sizeof TYPES[0])

/* WEBHOOK_EVENTS_DISABLED: set once at start-up, before any thread records events. */
static bool type_disabled[TYPE_COUNT];

/* The index of type (len bytes) in TYPES, or -1. */
static int type_index(const char *type, size_t len)
{
    for (size_t i = 0; i < TYPE_COUNT; i++)
        if (strlen(TYPES[i]) == len && memcmp(type, TYPES[i], len) == 0)
            return (int)i;
    return -1;
}

bool webhook_type_known(const char *type)
{
    return type && type_index(type, strlen(type)) >= 0;
}

bool webhook_type_enabled(const char *type)
{
    int i = type ? type_index(type, strlen(type)) : -1;
    return i >= 0 && !type_disabled[i];
}

int webhook_types_disable(const char *csv, char *bad, size_t cap)
{
    bool set[TYPE_COUNT] = {false};
    for (const char *p = csv ? csv : ""; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t from = 0, to = len;
        while (from < to && p[from] == ' ')
            from++;
        while (to > from && p[to - 1] == ' ')
            to--;
        int i = to > from ? type_index(p + from, to - from) : -1;
        if (i < 0 && to > from) {
            snprintf(bad, cap, "%.*s", (int)(to - from), p + from);
            return -1;
        }
        if (i >= 0)
            set[i] = true;
        p += len + (end ? 1 : 0);
    }
    memcpy(type_disabled, set, sizeof set);
    return 0;
}

/* SEND_TENANT_WEBHOOKS_TO_OPERATOR: set once at start-up, like type_disabled. */
static bool copy_to_operator;

void webhook_copy_to_operator(bool on)
{
    copy_to_operator = on;
}

#define COPY_SQL                                                                                   \
    "INSERT INTO webhook_copies (event_seq, recipient_tenant_id, resource_id, state, attempts, "   \
    "process_at, blocked, created_at, updated_at) SELECT e.seq, NULL, e.resource_id, 0, 0, ?, "    \
    "EXISTS (SELECT 1 FROM webhook_copies p WHERE p.resource_id = e.resource_id AND p.state = "    \
    "0), ?, ? FROM webhook_events e JOIN tenant_resources r ON " WEBHOOK_OWNER_JOIN_E              \
    " JOIN tenants t ON t.id = r.tenant_id AND NOT t.is_operator WHERE e.id = ?"

/* The operator's copy of event id when a tenant that is not the operator owns its resource
 * (sql/071_webhook_copies.sql); nothing otherwise. Blocked behind an earlier pending copy of the
 * resource, as events are behind events. */
static db_rc_t copy_add(db_conn_t *conn, const char *id, int64_t now, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn, COPY_SQL, err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, now);
    db_bind_str(st, 4, id);
    return db_run(st, err);
}

static db_rc_t invalid(db_err_t *err, const char *msg)
{
    err->code = DB_INVALID;
    snprintf(err->msg, sizeof err->msg, "webhook event: %s", msg);
    return DB_INVALID;
}

char *webhook_event_data(const json_t *data)
{
    return json_is_object(data) ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

db_rc_t webhook_event_add_text(db_conn_t *conn, const char *type, const char *resource_id,
                               const char *data, char id_out[37], db_err_t *err)
{
    ASSERT(conn && db_in_tx(conn));
    if (!webhook_type_known(type))
        return invalid(err, "unknown type");
    if (!webhook_type_enabled(type)) { /* WEBHOOK_EVENTS_DISABLED: not recorded at all */
        if (id_out)
            id_out[0] = '\0';
        return DB_OK;
    }
    size_t rlen = resource_id ? strlen(resource_id) : 0;
    if (rlen == 0 || rlen > WEBHOOK_RESOURCE_ID_MAX)
        return invalid(err, "resource_id must have 1..1024 characters");
    if (!data) { /* webhook_event_data ran out of memory */
        err->code = DB_NOMEM;
        snprintf(err->msg, sizeof err->msg, "webhook event: out of memory");
        return DB_NOMEM;
    }
    if (data[0] != '{')
        return invalid(err, "data must be a JSON object");
    if (strlen(data) > WEBHOOK_DATA_MAX)
        return invalid(err, "data exceeds WEBHOOK_DATA_MAX");
    db_stmt_t *st = db_prepare(conn,
                               "INSERT INTO webhook_events (id, type, resource_id, data, state, "
                               "attempts, process_at, created_at, updated_at, blocked, "
                               "request_id) VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, EXISTS (SELECT 1 "
                               "FROM webhook_events WHERE resource_id = ? AND state = 0), ?)",
                               err);
    if (!st)
        return err->code;
    char id[UUID_STR_LEN + 1];
    uuid_v7(id); /* time-ordered: events are written at the rate of payments */
    int64_t now = clock_wall_ms();
    db_bind_str(st, 1, id);
    db_bind_str(st, 2, type);
    db_bind_text(st, 3, resource_id, rlen);
    db_bind_str(st, 4, data);
    db_bind_i64(st, 5, now);
    db_bind_i64(st, 6, now);
    db_bind_i64(st, 7, now);
    db_bind_text(st, 8, resource_id, rlen);
    /* the request this change belongs to (db_write_tx sets the caller's on the leader) */
    const char *rid = log_request_id();
    db_bind_str(st, 9, rid[0] ? rid : NULL);
    int rc = db_run(st, err);
    if (rc == DB_OK && copy_to_operator)
        rc = copy_add(conn, id, now, err);
    if (rc == DB_OK && id_out)
        memcpy(id_out, id, sizeof id);
    return rc;
}

db_rc_t webhook_event_add_id(db_conn_t *conn, const char *type, const char *resource_id,
                             const json_t *data, char id_out[37], db_err_t *err)
{
    if (!json_is_object(data))
        return invalid(err, "data must be a JSON object");
    char *text = webhook_event_data(data);
    db_rc_t rc = webhook_event_add_text(conn, type, resource_id, text, id_out, err);
    free(text);
    return rc;
}

db_rc_t webhook_event_add(db_conn_t *conn, const char *type, const char *resource_id,
                          const json_t *data, db_err_t *err)
{
    return webhook_event_add_id(conn, type, resource_id, data, NULL, err);
}

/* ---- listing ---- */

/* The cursor's position: the seq of the event named after_id, 0 when there is none. */
static db_rc_t cursor_seq(db_conn_t *c, const char *after_id, int64_t *seq, db_err_t *err)
{
    *seq = 0;
    if (!after_id || !*after_id)
        return DB_OK;
    db_stmt_t *st = db_prepare(c, "SELECT seq FROM webhook_events WHERE id = ?", err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, after_id);
    db_rc_t rc = db_step_one(st, err);
    if (rc == DB_ROW) {
        *seq = db_col_i64(st, 0);
        rc = DB_OK;
    }
    return rc;
}

static void event_read(db_stmt_t *st, webhook_event_t *e)
{
    e->seq = db_col_i64(st, 0);
    e->id = db_col_text(st, 1, NULL);
    e->type = db_col_text(st, 2, NULL);
    e->resource_id = db_col_text(st, 3, NULL);
    e->data = db_col_text(st, 4, NULL);
    e->state = (webhook_state_t)db_col_i64(st, 5);
    e->attempts = (unsigned)db_col_i64(st, 6);
    e->last_status = (unsigned)db_col_i64(st, 7);
    e->last_error = db_col_null(st, 8) ? NULL : db_col_text(st, 8, NULL);
    e->created_ms = db_col_i64(st, 9);
    e->updated_ms = db_col_i64(st, 10);
    e->process_at_ms = db_col_i64(st, 11);
}

db_rc_t webhook_events_list(db_t *db, const webhook_filter_t *f, webhook_event_fn fn, void *user,
                            db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    int64_t after = 0;
    db_rc_t rc = cursor_seq(c, f->after_id, &after, err);
    if (rc != DB_OK)
        goto done;
    /* An empty string or -1 switches a filter off, so one statement serves every combination. */
    db_stmt_t *st = db_prepare(
        c,
        "SELECT seq, id, type, resource_id, data, state, attempts, last_status, last_error, "
        "created_at, updated_at, process_at FROM webhook_events "
        "WHERE seq > ? AND (? = '' OR type = ?) AND (? = '' OR resource_id = ?) "
        "AND (? < 0 OR state = ?) ORDER BY seq LIMIT ?",
        err);
    if (!st) {
        rc = err->code;
        goto done;
    }
    const char *type = f->type ? f->type : "", *res = f->resource_id ? f->resource_id : "";
    db_bind_i64(st, 1, after);
    db_bind_str(st, 2, type);
    db_bind_str(st, 3, type);
    db_bind_str(st, 4, res);
    db_bind_str(st, 5, res);
    db_bind_i64(st, 6, f->state);
    db_bind_i64(st, 7, f->state);
    db_bind_i64(st, 8, (int64_t)f->limit);
    while ((rc = db_step(st, err)) == DB_ROW) {
        webhook_event_t e;
        event_read(st, &e);
        fn(&e, user);
    }
    if (rc == DB_DONE)
        rc = DB_OK;
done:
    db_release(c);
    return rc;
}

db_rc_t webhook_event_latest(db_t *db, const char *resource_id, const char *const *types,
                             size_t ntypes, char id_out[37], char *type_out, size_t type_cap,
                             db_err_t *err)
{
    ASSERT(ntypes >= 1 && ntypes <= 2);
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    /* the (resource_id, seq) index (sql/057_liquidity_withdrawals.sql) answers it */
    db_stmt_t *st = db_prepare(c,
                               "SELECT id, type FROM webhook_events WHERE resource_id = ? AND "
                               "(type = ? OR type = ?) ORDER BY seq DESC LIMIT 1",
                               err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        db_bind_str(st, 1, resource_id);
        db_bind_str(st, 2, types[0]);
        db_bind_str(st, 3, types[ntypes - 1]);
        rc = db_step_one(st, err);
    }
    if (rc == DB_ROW) {
        pay_col_str(st, 0, id_out, 37);
        if (type_out)
            pay_col_str(st, 1, type_out, type_cap);
        rc = DB_OK;
    }
    db_release(c);
    return rc;
}

db_rc_t webhook_event_get(db_t *db, const char *id, char *type_out, size_t type_cap,
                          char *resource_out, size_t resource_cap, db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c, "SELECT type, resource_id FROM webhook_events WHERE id = ?", err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        db_bind_str(st, 1, id);
        rc = db_step_one(st, err);
    }
    if (rc == DB_ROW) {
        pay_col_str(st, 0, type_out, type_cap);
        pay_col_str(st, 1, resource_out, resource_cap);
        rc = DB_OK;
    }
    db_release(c);
    return rc;
}

db_rc_t webhook_event_data_read(db_t *db, const char *id, char *out, size_t cap, db_err_t *err)
{
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_stmt_t *st = db_prepare(c, "SELECT data FROM webhook_events WHERE id = ?", err);
    db_rc_t rc = st ? DB_OK : err->code;
    if (st) {
        db_bind_str(st, 1, id);
        rc = db_step_one(st, err);
    }
    if (rc == DB_ROW) {
        size_t len;
        const char *data = db_col_text(st, 0, &len);
        rc = len < cap ? DB_OK : DB_INVALID;
        if (rc == DB_OK)
            memcpy(out, data, len + 1);
    }
    db_release(c);
    return rc;
}

/* ---- signature ---- */

int webhook_signature(char *out, size_t cap, const uint8_t *secret, size_t secret_len, int64_t t_ms,
                      const void *body, size_t body_len)
{
    char ts[24];
    int tn = snprintf(ts, sizeof ts, "%lld.", (long long)t_ms);
    ASSERT(tn > 0 && (size_t)tn < sizeof ts);
    uint8_t *msg = xmalloc((size_t)tn + body_len);
    memcpy(msg, ts, (size_t)tn);
    memcpy(msg + tn, body, body_len);
    uint8_t mac[SHA256_LEN];
    hmac_sha256(mac, secret, secret_len, msg, (size_t)tn + body_len);
    free(msg);
    char hex[2 * SHA256_LEN + 1];
    hex_encode(hex, sizeof hex, mac, sizeof mac);
    int n = snprintf(out, cap, "t=%lld, v1=%s", (long long)t_ms, hex);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}
