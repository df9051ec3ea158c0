/*
 * Incoming payments over the incoming_payments table and one invoice account each (see
 * incoming_payment.h for the states and why ending one is two steps).
 *
 * Ledger calls never run inside one of our database transactions: on SQLite the ledger takes
 * the single writer connection itself, so holding it here would deadlock.
 */
#include "backend/incoming_payment.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/admin.h"
#include "backend/wallet_address_internal.h"
#include "backend/webhooks.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"

static const char *const RESULT_NAMES[INCOMING_PAYMENT_RESULT_COUNT] = {
    [INCOMING_PAYMENT_OK] = "ok",
    [INCOMING_PAYMENT_NOT_FOUND] = "not_found",
    [INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND] = "wallet_address_not_found",
    [INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE] = "wallet_address_inactive",
    [INCOMING_PAYMENT_EXPIRY_INVALID] = "expires_at_invalid",
    [INCOMING_PAYMENT_AMOUNT_INVALID] = "invalid_amount",
    [INCOMING_PAYMENT_METADATA_INVALID] = "metadata_invalid",
    [INCOMING_PAYMENT_ALREADY_COMPLETED] = "already_completed",
    [INCOMING_PAYMENT_ALREADY_EXPIRED] = "already_expired",
    [INCOMING_PAYMENT_STORAGE_ERROR] = "storage_error",
};

const char *incoming_payment_result_str(incoming_payment_result_t r)
{
    return (unsigned)r < INCOMING_PAYMENT_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

const char *incoming_payment_state_str(incoming_payment_state_t s, uint64_t received)
{
    switch (s) {
    case INCOMING_PAYMENT_PENDING:
        return received > 0 ? "processing" : "pending";
    case INCOMING_PAYMENT_COMPLETED:
        return "completed";
    case INCOMING_PAYMENT_EXPIRED:
        return "expired";
    }
    return "unknown";
}

static incoming_payment_result_t ip_storage(db_err_t *err, const db_err_t *e)
{
    if (err)
        *err = *e;
    return INCOMING_PAYMENT_STORAGE_ERROR;
}

static incoming_payment_result_t ip_ledger_fail(ledger_result_t r, db_err_t *err)
{
    db_err_t e = {.code = DB_ERROR};
    snprintf(e.msg, sizeof e.msg, "ledger: %s", ledger_result_str(r));
    return ip_storage(err, &e);
}

/* ---- rows ---- */

/* The row with what settlement needs from its wallet address (the wallet account). */
#define IP_COLUMNS                                                                                 \
    "p.id, p.wallet_address_id, p.account_id, w.asset_id, w.asset_code, w.asset_scale, "           \
    "p.incoming_amount, p.state, p.settled, p.expires_at, p.created_at, p.updated_at, "            \
    "p.completed_at, p.metadata, w.account_id FROM incoming_payments p JOIN wallet_addresses w "   \
    "ON w.id = p.wallet_address_id"

static void ip_from_row(db_stmt_t *st, incoming_payment_t *p, ledger_id_t *wallet_account)
{
    memset(p, 0, sizeof *p);
    p->id = pay_col_id(st, 0);
    p->wallet_address_id = pay_col_id(st, 1);
    p->account_id = pay_col_id(st, 2);
    p->asset_id = pay_col_id(st, 3);
    pay_col_str(st, 4, p->asset_code, sizeof p->asset_code);
    p->asset_scale = (uint8_t)db_col_i64(st, 5);
    p->has_incoming_amount = !db_col_null(st, 6);
    p->incoming_amount = db_col_u64(st, 6);
    p->state = (incoming_payment_state_t)db_col_i64(st, 7);
    p->settled = db_col_bool(st, 8);
    p->expires_ms = db_col_i64(st, 9);
    p->created_ms = db_col_i64(st, 10);
    p->updated_ms = db_col_i64(st, 11);
    p->completed_ms = db_col_i64(st, 12);
    pay_col_str(st, 13, p->metadata, sizeof p->metadata);
    if (wallet_account)
        *wallet_account = pay_col_id(st, 14);
}

/* Reads the row only (received_amount stays 0). */
static incoming_payment_result_t ip_read(const wallet_ctx_t *ctx, ledger_id_t id,
                                         incoming_payment_t *out, ledger_id_t *wallet_account,
                                         db_err_t *err)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    if (!c)
        return ip_storage(err, &e);
    incoming_payment_result_t r = INCOMING_PAYMENT_OK;
    db_stmt_t *st = db_prepare(c, "SELECT " IP_COLUMNS " WHERE p.id = ?", &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        pay_bind_id(st, 1, id);
        rc = db_step_one(st, &e);
    }
    if (rc == DB_ROW)
        ip_from_row(st, out, wallet_account);
    else
        r = rc == DB_NOT_FOUND ? INCOMING_PAYMENT_NOT_FOUND : ip_storage(err, &e);
    db_release(c);
    return r;
}

/* Fills received_amount from the invoice account's credits. */
static incoming_payment_result_t ip_received(const wallet_ctx_t *ctx, incoming_payment_t *p,
                                             db_err_t *err)
{
    ledger_status_t s;
    ledger_result_t r = ledger_account_status(ctx->ledger, p->account_id, &s);
    if (r != LEDGER_OK)
        return ip_ledger_fail(r, err);
    p->received_amount = s.total_received;
    return INCOMING_PAYMENT_OK;
}

/* ---- webhook events ---- */

static json_t *amount_json(uint64_t v, const incoming_payment_t *p)
{
    return json_pack("{s:o,s:s,s:i}", "value", admin_json_u64(v), "assetCode", p->asset_code,
                     "assetScale", (int)p->asset_scale);
}

/* The event's data: the payment as Rafiki's webhooks show it (camelCase, amounts with
 * assetCode/assetScale), with the state it has once the caller's transaction commits. */
static json_t *ip_event_json(const wallet_ctx_t *ctx, const incoming_payment_t *p)
{
    char url[WALLET_ADDRESS_URL_MAX + 64];
    if (incoming_payment_url(ctx, p->id, url, sizeof url) != 0)
        url[0] = '\0';
    json_t *meta = p->metadata[0] ? json_loads(p->metadata, 0, NULL) : NULL;
    return json_pack(
        "{s:o,s:s,s:o,s:o,s:o,s:b,s:s,s:o,s:o,s:o,s:o}", "id", admin_json_id(p->id), "url", url,
        "walletAddressId", admin_json_id(p->wallet_address_id), "incomingAmount",
        p->has_incoming_amount ? amount_json(p->incoming_amount, p) : json_null(), "receivedAmount",
        amount_json(p->received_amount, p), "completed", p->state == INCOMING_PAYMENT_COMPLETED,
        "state", incoming_payment_state_str(p->state, p->received_amount), "expiresAt",
        admin_json_time(p->expires_ms), "metadata", meta ? meta : json_null(), "createdAt",
        admin_json_time(p->created_ms), "updatedAt", admin_json_time(p->updated_ms));
}

/* Records type for p in c's open transaction. */
static db_rc_t ip_event(db_conn_t *c, const wallet_ctx_t *ctx, const char *type,
                        const incoming_payment_t *p, db_err_t *e)
{
    char id[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->id, id);
    json_t *data = ip_event_json(ctx, p);
    int rc = data ? webhook_event_add(c, type, id, data, e) : DB_NOMEM;
    json_decref(data);
    return (db_rc_t)rc;
}

/* ---- create ---- */

typedef struct {
    const wallet_ctx_t *ctx;
    const incoming_payment_t *p;
    const char *client;
    ledger_account_t acct;  /* the invoice account, created in the same transaction */
    ledger_result_t ledger; /* its result when not LEDGER_OK */
} ip_insert_t;

static db_rc_t tx_ip_insert(db_conn_t *c, void *arg, db_err_t *e)
{
    ip_insert_t *a = arg;
    const incoming_payment_t *p = a->p;
    ledger_account_t acct = a->acct; /* a retry starts from the same fields */
    a->ledger = ledger_account_create_in(c, &acct, e);
    if (a->ledger == LEDGER_STORAGE_ERROR)
        return e->code;
    if (a->ledger != LEDGER_OK)
        return DB_CONSTRAINT; /* answered from a->ledger */
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO incoming_payments (id, wallet_address_id, account_id, "
                               "incoming_amount, state, settled, expires_at, metadata, "
                               "created_at, updated_at, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                               "?, ?, ?)",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, p->id);
    pay_bind_id(st, 2, p->wallet_address_id);
    pay_bind_id(st, 3, p->account_id);
    if (p->has_incoming_amount)
        db_bind_u64(st, 4, p->incoming_amount);
    else
        db_bind_null(st, 4);
    db_bind_i64(st, 5, p->state);
    db_bind_bool(st, 6, false);
    db_bind_i64(st, 7, p->expires_ms);
    db_bind_str(st, 8, p->metadata[0] ? p->metadata : NULL);
    db_bind_i64(st, 9, p->created_ms);
    db_bind_i64(st, 10, p->updated_ms);
    db_bind_str(st, 11, a->client);
    db_rc_t rc = db_run(st, e);
    return rc == DB_OK ? ip_event(c, a->ctx, WEBHOOK_INCOMING_PAYMENT_CREATED, p, e) : rc;
}

/* Checks the request against its wallet address and fills the new row's fields. */
static incoming_payment_result_t ip_prepare(const wallet_ctx_t *ctx,
                                            const incoming_payment_new_t *in, incoming_payment_t *p,
                                            wallet_address_t *w, db_err_t *err)
{
    wallet_address_result_t wr = wallet_address_get(ctx, in->wallet_address_id, w, err);
    if (wr == WALLET_ADDRESS_NOT_FOUND)
        return INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND;
    if (wr != WALLET_ADDRESS_OK)
        return INCOMING_PAYMENT_STORAGE_ERROR;
    if (!w->active)
        return INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE;
    /* max_balance is an int64 in the ledger: larger amounts could never be received */
    if (in->has_incoming_amount && (in->incoming_amount == 0 || in->incoming_amount > INT64_MAX))
        return INCOMING_PAYMENT_AMOUNT_INVALID;
    int64_t now = clock_wall_ms();
    int64_t max = (int64_t)ctx->incoming_expiry_max_ms;
    int64_t expires = in->expires_ms ? in->expires_ms : now + max;
    if (expires <= now || expires - now > max)
        return INCOMING_PAYMENT_EXPIRY_INVALID;
    size_t mlen = in->metadata ? strlen(in->metadata) : 0;
    if (mlen > INCOMING_PAYMENT_METADATA_MAX)
        return INCOMING_PAYMENT_METADATA_INVALID;
    *p = (incoming_payment_t){.id = ledger_id_time_ordered(),
                              .wallet_address_id = w->id,
                              .asset_id = w->asset_id,
                              .asset_scale = w->asset_scale,
                              .has_incoming_amount = in->has_incoming_amount,
                              .incoming_amount = in->incoming_amount,
                              .state = INCOMING_PAYMENT_PENDING,
                              .expires_ms = expires,
                              .created_ms = now,
                              .updated_ms = now};
    memcpy(p->asset_code, w->asset_code, sizeof p->asset_code);
    memcpy(p->metadata, in->metadata ? in->metadata : "", mlen + 1);
    return INCOMING_PAYMENT_OK;
}

incoming_payment_result_t incoming_payment_create(const wallet_ctx_t *ctx,
                                                  const incoming_payment_new_t *in,
                                                  incoming_payment_t *out, db_err_t *err)
{
    static incoming_payment_t zero;
    incoming_payment_t p = zero;
    wallet_address_t w;
    incoming_payment_result_t r = ip_prepare(ctx, in, &p, &w, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    p.account_id = ledger_id_time_ordered();
    ip_insert_t a = {.ctx = ctx,
                     .p = &p,
                     .client = in->client,
                     .acct = {.id = p.account_id,
                              .asset_id = w.asset_id,
                              .parent_id = w.account_id,
                              .kind = LEDGER_KIND_INVOICE,
                              .stream_enabled = true,
                              .has_max_balance = p.has_incoming_amount,
                              .max_balance = (int64_t)p.incoming_amount}};
    db_err_t e = {0};
    if (db_write_tx(ctx->db, tx_ip_insert, &a, &e) != DB_OK)
        return a.ledger != LEDGER_OK && a.ledger != LEDGER_STORAGE_ERROR
                   ? ip_ledger_fail(a.ledger, err)
                   : ip_storage(err, &e);
    *out = p;
    return INCOMING_PAYMENT_OK;
}

/* ---- ending: the state change, then the settlement ---- */

/* The id of the transfer that sweeps a payment's balance into its wallet account: derived
 * from the payment's id so a repeated settlement finds the first one (ledger idempotency). */
static ledger_id_t sweep_transfer_id(ledger_id_t id)
{
    uint8_t in[16 + 16] = "rafiki-ip-sweep!";
    for (int k = 0; k < 8; k++) {
        in[16 + k] = (uint8_t)(id.hi >> (56 - 8 * k));
        in[24 + k] = (uint8_t)(id.lo >> (56 - 8 * k));
    }
    return ledger_id_derive(in, sizeof in);
}

/* Closes the invoice account: max_balance 0 (with the balance swept, nothing more can arrive;
 * before, nothing beyond what is there) and STREAM off. The update goes through the batcher, so
 * credits committed before it are all the account will ever get. Idempotent. */
static ledger_result_t ip_close(const wallet_ctx_t *ctx, const incoming_payment_t *p)
{
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(ctx->ledger, p->account_id, &a);
    if (r != LEDGER_OK || (a.has_max_balance && a.max_balance == 0 && !a.stream_enabled))
        return r;
    a.has_max_balance = true;
    a.max_balance = 0;
    a.stream_enabled = false;
    return ledger_account_update(ctx->ledger, &a);
}

/* Closes the invoice account and moves its balance to the wallet account. Safe to run again at
 * any point. */
static ledger_result_t ip_sweep(const wallet_ctx_t *ctx, const incoming_payment_t *p,
                                ledger_id_t wallet_account)
{
    ledger_result_t r = ip_close(ctx, p);
    if (r != LEDGER_OK)
        return r;
    ledger_status_t s;
    if ((r = ledger_account_status(ctx->ledger, p->account_id, &s)) != LEDGER_OK)
        return r;
    if (s.balance <= 0)
        return LEDGER_OK;
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = sweep_transfer_id(p->id),
                      .debit_account_id = p->account_id,
                      .credit_account_id = wallet_account,
                      .amount = (uint64_t)s.balance,
                      .code = ADMIN_CODE_TRANSFER};
    ledger_result_t res;
    r = ledger_transfers_execute(ctx->ledger, &op, 1, &res);
    if (r != LEDGER_OK)
        return r;
    return res == LEDGER_EXISTS ? LEDGER_OK : res;
}

static db_rc_t tx_mark_settled(db_conn_t *c, void *arg, db_err_t *e)
{
    const incoming_payment_t *p = arg;
    db_stmt_t *st = db_prepare(c, "UPDATE incoming_payments SET settled = ? WHERE id = ?", e);
    if (!st)
        return e->code;
    db_bind_bool(st, 1, true);
    pay_bind_id(st, 2, p->id);
    return db_run(st, e);
}

/* Settles an ended payment and records it. */
static incoming_payment_result_t ip_settle(const wallet_ctx_t *ctx, incoming_payment_t *p,
                                           ledger_id_t wallet_account, db_err_t *err)
{
    ledger_result_t lr = ip_sweep(ctx, p, wallet_account);
    if (lr != LEDGER_OK) {
        LOGW("incoming payment: settlement failed (%s); the worker retries", ledger_result_str(lr));
        return ip_ledger_fail(lr, err);
    }
    db_err_t e = {0};
    if (db_write_tx(ctx->db, tx_mark_settled, p, &e) != DB_OK)
        return ip_storage(err, &e);
    p->settled = true;
    return INCOMING_PAYMENT_OK;
}

typedef struct {
    const wallet_ctx_t *ctx;
    incoming_payment_t *p; /* the row as read, with its final received amount */
    incoming_payment_state_t to;
    int64_t now_ms;
    incoming_payment_state_t found; /* the state when the change did not apply */
} ip_end_t;

static db_rc_t tx_end(db_conn_t *c, void *arg, db_err_t *e)
{
    ip_end_t *a = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE incoming_payments SET state = ?, completed_at = ?, "
                               "updated_at = ? WHERE id = ? AND state = ?",
                               e);
    if (!st)
        return e->code;
    db_bind_i64(st, 1, a->to);
    db_bind_i64(st, 2, a->now_ms);
    db_bind_i64(st, 3, a->now_ms);
    pay_bind_id(st, 4, a->p->id);
    db_bind_i64(st, 5, INCOMING_PAYMENT_PENDING);
    db_rc_t rc = db_run(st, e);
    if (rc == DB_OK && db_changes(st) == 1) {
        incoming_payment_t after = *a->p;
        after.state = a->to;
        after.completed_ms = after.updated_ms = a->now_ms;
        return ip_event(c, a->ctx,
                        a->to == INCOMING_PAYMENT_COMPLETED ? WEBHOOK_INCOMING_PAYMENT_COMPLETED
                                                            : WEBHOOK_INCOMING_PAYMENT_EXPIRED,
                        &after, e);
    }
    if (rc != DB_OK)
        return rc;
    if (!(st = db_prepare(c, "SELECT state FROM incoming_payments WHERE id = ?", e)))
        return e->code;
    pay_bind_id(st, 1, a->p->id);
    if ((rc = db_step_one(st, e)) != DB_ROW)
        return rc;
    a->found = (incoming_payment_state_t)db_col_i64(st, 0);
    return DB_OK;
}

/* The state change of a pending payment, after closing its account so that the received amount
 * the event reports is final. *found receives the state when it had ended before. */
static incoming_payment_result_t ip_transition(const wallet_ctx_t *ctx, incoming_payment_t *p,
                                               incoming_payment_state_t to,
                                               incoming_payment_state_t *found, db_err_t *err)
{
    ledger_result_t lr = ip_close(ctx, p);
    if (lr != LEDGER_OK)
        return ip_ledger_fail(lr, err);
    incoming_payment_result_t r = ip_received(ctx, p, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    ip_end_t a = {.ctx = ctx, .p = p, .to = to, .now_ms = clock_wall_ms()};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_end, &a, &e);
    if (rc == DB_NOT_FOUND)
        return INCOMING_PAYMENT_NOT_FOUND;
    if (rc != DB_OK)
        return ip_storage(err, &e);
    *found = a.found;
    return INCOMING_PAYMENT_OK;
}

/* Ends a pending payment (to completed or expired), then settles it. ALREADY_* when it had
 * ended before; *out is the row after, with received_amount. */
static incoming_payment_result_t ip_end(const wallet_ctx_t *ctx, ledger_id_t id,
                                        incoming_payment_state_t to, incoming_payment_t *out,
                                        db_err_t *err)
{
    incoming_payment_t p;
    ledger_id_t wallet_account;
    incoming_payment_state_t found = 0;
    incoming_payment_result_t r = ip_read(ctx, id, &p, &wallet_account, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    if (p.state == INCOMING_PAYMENT_PENDING) {
        if ((r = ip_transition(ctx, &p, to, &found, err)) != INCOMING_PAYMENT_OK ||
            (r = ip_read(ctx, id, &p, &wallet_account, err)) != INCOMING_PAYMENT_OK)
            return r;
    } else {
        found = p.state;
    }
    if (!p.settled)
        r = ip_settle(ctx, &p, wallet_account, err);
    if (r == INCOMING_PAYMENT_OK)
        r = ip_received(ctx, &p, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    if (out)
        *out = p;
    if (found == INCOMING_PAYMENT_COMPLETED)
        return INCOMING_PAYMENT_ALREADY_COMPLETED;
    if (found == INCOMING_PAYMENT_EXPIRED)
        return INCOMING_PAYMENT_ALREADY_EXPIRED;
    return INCOMING_PAYMENT_OK;
}

incoming_payment_result_t incoming_payment_complete(const wallet_ctx_t *ctx, ledger_id_t id,
                                                    incoming_payment_t *out, db_err_t *err)
{
    return ip_end(ctx, id, INCOMING_PAYMENT_COMPLETED, out, err);
}

/* What a pending payment should become now, or PENDING to stay. */
static incoming_payment_state_t ip_due(const incoming_payment_t *p, int64_t now_ms)
{
    if (p->has_incoming_amount && p->received_amount >= p->incoming_amount)
        return INCOMING_PAYMENT_COMPLETED;
    if (p->expires_ms <= now_ms)
        return INCOMING_PAYMENT_EXPIRED;
    return INCOMING_PAYMENT_PENDING;
}

incoming_payment_result_t incoming_payment_get(const wallet_ctx_t *ctx, ledger_id_t id,
                                               incoming_payment_t *out, db_err_t *err)
{
    incoming_payment_t p;
    incoming_payment_result_t r = ip_read(ctx, id, &p, NULL, err);
    if (r == INCOMING_PAYMENT_OK)
        r = ip_received(ctx, &p, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    incoming_payment_state_t to =
        p.state == INCOMING_PAYMENT_PENDING ? ip_due(&p, clock_wall_ms()) : p.state;
    if (to != p.state) {
        r = ip_end(ctx, id, to, &p, err);
        if (r == INCOMING_PAYMENT_ALREADY_COMPLETED || r == INCOMING_PAYMENT_ALREADY_EXPIRED)
            r = INCOMING_PAYMENT_OK; /* someone else ended it first: p is the row after */
        if (r != INCOMING_PAYMENT_OK)
            return r;
    }
    *out = p;
    return INCOMING_PAYMENT_OK;
}

int incoming_payment_url(const wallet_ctx_t *ctx, ledger_id_t id, char *out, size_t cap)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    int n = snprintf(out, cap, "%s/incoming-payments/%s", ctx->op_url, s);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

incoming_payment_result_t incoming_payment_get_by_url(const wallet_ctx_t *ctx, const char *url,
                                                      size_t len, incoming_payment_t *out,
                                                      db_err_t *err)
{
    static const char path[] = "/incoming-payments/";
    size_t base = strlen(ctx->op_url), plen = sizeof path - 1;
    ledger_id_t id;
    if (len != base + plen + LEDGER_ID_STR_LEN || memcmp(url, ctx->op_url, base) != 0 ||
        memcmp(url + base, path, plen) != 0 ||
        ledger_id_parse(url + base + plen, LEDGER_ID_STR_LEN, &id) != 0)
        return INCOMING_PAYMENT_NOT_FOUND;
    return incoming_payment_get(ctx, id, out, err);
}

int incoming_payment_credentials(const wallet_ctx_t *ctx, const incoming_payment_t *p,
                                 stream_credentials_t *out)
{
    if (!ctx->receiver || p->state != INCOMING_PAYMENT_PENDING)
        return -1;
    char tag[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(p->account_id, tag);
    stream_connection_details_t d = {.payment_tag = SLICE(tag, LEDGER_ID_STR_LEN),
                                     .has_asset = true,
                                     .asset_code = SLICE_STR(p->asset_code),
                                     .asset_scale = p->asset_scale};
    return stream_receiver_credentials(ctx->receiver, &d, out) == STREAM_OK ? 0 : -1;
}
