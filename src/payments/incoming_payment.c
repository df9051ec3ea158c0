/*
 * Incoming payments over the incoming_payments table and one invoice account each (see
 * incoming_payment.h for the states and why ending one is two steps).
 *
 * Ledger calls never run inside one of our database transactions: on SQLite the ledger takes
 * the single writer connection itself, so holding it here would deadlock.
 */
#include "payments/incoming_payment.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "payments/json.h"
#include "payments/op_urls.h"
#include "payments/rows.h"
#include "payments/tenants.h"
#include "payments/webhooks.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

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
    [INCOMING_PAYMENT_WRONG_STATE] = "wrong_state",
    [INCOMING_PAYMENT_ALREADY_ACTIONED] = "already_actioned",
    [INCOMING_PAYMENT_ACTION_NOT_PERFORMED] = "action_not_performed",
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
    "p.completed_at, p.metadata, w.account_id, p.rafiki_funding, p.approved_at, p.cancelled_at, "  \
    "p.cancellation_reason FROM incoming_payments p JOIN wallet_addresses w "                      \
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
    p->rafiki_funding = db_col_bool(st, 15);
    p->approved_ms = db_col_i64(st, 16);
    p->cancelled_ms = db_col_i64(st, 17);
    pay_col_str(st, 18, p->cancellation_reason, sizeof p->cancellation_reason);
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
    return json_pack("{s:o,s:s,s:i}", "value", pay_json_u64(v), "assetCode", p->asset_code,
                     "assetScale", (int)p->asset_scale);
}

/* The event's data: Rafiki's IncomingPayment.toData (webhooks.yaml incomingPaymentEvent), with
 * the state p has once the caller's transaction commits: camelCase, amounts with
 * assetCode/assetScale, incomingAmount and metadata left out when the payment has none (the
 * schema allows no null). A representation of its own: the admin API's JSON is not this. */
static json_t *ip_event_json(const incoming_payment_t *p)
{
    json_t *o = json_pack("{s:o,s:o,s:o,s:b,s:o,s:o}", "id", pay_json_id(p->id), "walletAddressId",
                          pay_json_id(p->wallet_address_id), "receivedAmount",
                          amount_json(p->received_amount, p), "completed",
                          p->state == INCOMING_PAYMENT_COMPLETED, "expiresAt",
                          pay_json_time(p->expires_ms), "createdAt", pay_json_time(p->created_ms));
    if (!o)
        return NULL;
    if (p->has_incoming_amount)
        json_object_set_new(o, "incomingAmount", amount_json(p->incoming_amount, p));
    json_t *meta = p->metadata[0] ? json_loads(p->metadata, 0, NULL) : NULL;
    if (json_is_object(meta))
        json_object_set(o, "metadata", meta);
    json_decref(meta);
    if (p->approved_ms)
        json_object_set_new(o, "approvedAt", pay_json_time(p->approved_ms));
    if (p->cancelled_ms)
        json_object_set_new(o, "cancelledAt", pay_json_time(p->cancelled_ms));
    return o;
}

/* The data of an event about p (as it will be once the transaction commits), serialised before
 * the transaction so that the writer does not wait for it; NULL when memory ran out. */
static char *ip_event_data(const incoming_payment_t *p)
{
    json_t *data = ip_event_json(p);
    char *text = webhook_event_data(data);
    json_decref(data);
    return text;
}

/* Records type for payment id with data from ip_event_data in c's open transaction. */
static db_rc_t ip_event(db_conn_t *c, const char *type, ledger_id_t id, const char *data,
                        db_err_t *e)
{
    char rid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, rid);
    return (db_rc_t)webhook_event_add_text(c, type, rid, data, NULL, e);
}

/* ---- partial receipts ---- */

typedef struct {
    ledger_id_t id;
    uint64_t received;
    const char *event_data;
    bool recorded;
} ip_partial_t;

static db_rc_t tx_partial(db_conn_t *c, void *arg, db_err_t *e)
{
    ip_partial_t *a = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE incoming_payments SET reported_received = ? "
                               "WHERE id = ? AND state = ? AND reported_received < ?",
                               e);
    if (!st)
        return e->code;
    db_bind_u64(st, 1, a->received);
    pay_bind_id(st, 2, a->id);
    db_bind_i64(st, 3, INCOMING_PAYMENT_PENDING);
    db_bind_u64(st, 4, a->received);
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK || db_changes(st) != 1)
        return rc;
    a->recorded = true;
    return ip_event(c, WEBHOOK_INCOMING_PAYMENT_PARTIAL, a->id, a->event_data, e);
}

incoming_payment_result_t incoming_payment_partial_report(const wallet_ctx_t *ctx, ledger_id_t id,
                                                          uint64_t received, bool *recorded,
                                                          db_err_t *err)
{
    if (recorded)
        *recorded = false;
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = ip_read(ctx, id, p, NULL, err);
    if (r != INCOMING_PAYMENT_OK || p->state != INCOMING_PAYMENT_PENDING || received == 0 ||
        (p->has_incoming_amount && received >= p->incoming_amount)) {
        free(p);
        return r == INCOMING_PAYMENT_NOT_FOUND ? INCOMING_PAYMENT_OK : r;
    }
    p->received_amount = received;
    ip_partial_t a = {.id = id, .received = received, .event_data = ip_event_data(p)};
    db_err_t e = {0};
    db_rc_t rc = a.event_data ? db_write_tx(ctx->db, tx_partial, &a, &e) : DB_NOMEM;
    free((char *)a.event_data);
    free(p);
    if (rc != DB_OK)
        return ip_storage(err, &e);
    if (recorded)
        *recorded = a.recorded;
    return INCOMING_PAYMENT_OK;
}

/* ---- a partial payment waiting for the wallet's decision (partial_decision.h) ---- */

typedef struct {
    ledger_id_t id;
    const char *event_data;
} ip_partial_event_t;

static db_rc_t tx_partial_event(db_conn_t *c, void *arg, db_err_t *e)
{
    ip_partial_event_t *a = arg;
    return ip_event(c, WEBHOOK_INCOMING_PAYMENT_PARTIAL, a->id, a->event_data, e);
}

/* The id of the incoming payment whose invoice account is account_id. */
static incoming_payment_result_t ip_of_account(const wallet_ctx_t *ctx, ledger_id_t account_id,
                                               ledger_id_t *id, db_err_t *err)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    if (!c)
        return ip_storage(err, &e);
    db_stmt_t *st = db_prepare(c, "SELECT id FROM incoming_payments WHERE account_id = ?", &e);
    db_rc_t rc = st ? DB_OK : e.code;
    if (st) {
        pay_bind_id(st, 1, account_id);
        rc = db_step_one(st, &e);
    }
    if (rc == DB_ROW)
        *id = pay_col_id(st, 0);
    db_release(c);
    if (rc == DB_ROW)
        return INCOMING_PAYMENT_OK;
    return rc == DB_NOT_FOUND ? INCOMING_PAYMENT_NOT_FOUND : ip_storage(err, &e);
}

incoming_payment_result_t incoming_payment_partial_event(const wallet_ctx_t *ctx,
                                                         ledger_id_t account_id,
                                                         const char *partial_id, const char *data,
                                                         size_t data_len, ledger_id_t *id,
                                                         db_err_t *err)
{
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = ip_of_account(ctx, account_id, id, err);
    if (r == INCOMING_PAYMENT_OK)
        r = ip_read(ctx, *id, p, NULL, err);
    if (r != INCOMING_PAYMENT_OK) {
        free(p);
        return r;
    }
    p->received_amount = 0; /* Rafiki's toData(0n) */
    json_t *o = ip_event_json(p);
    free(p);
    if (o) {
        json_object_set_new(o, "partialIncomingPaymentId", json_string(partial_id));
        json_object_set_new(o, "dataFromSender", json_stringn(data, data_len));
    }
    ip_partial_event_t a = {.id = *id, .event_data = webhook_event_data(o)};
    json_decref(o);
    db_err_t e = {0};
    db_rc_t rc = a.event_data ? db_write_tx(ctx->db, tx_partial_event, &a, &e) : DB_NOMEM;
    free((char *)a.event_data);
    return rc == DB_OK ? INCOMING_PAYMENT_OK : ip_storage(err, &e);
}

/* ---- create ---- */

typedef struct {
    const wallet_ctx_t *ctx;
    const incoming_payment_t *p;
    const char *event_data; /* incoming_payment.created's */
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
    db_stmt_t *st =
        db_prepare(c,
                   "INSERT INTO incoming_payments (id, wallet_address_id, account_id, "
                   "incoming_amount, state, settled, expires_at, metadata, "
                   "created_at, updated_at, client, rafiki_funding) VALUES (?, ?, ?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?)",
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
    db_bind_bool(st, 12, p->rafiki_funding);
    db_rc_t rc = db_run(st, e);
    return rc == DB_OK ? ip_event(c, WEBHOOK_INCOMING_PAYMENT_CREATED, p->id, a->event_data, e)
                       : rc;
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
                              .updated_ms = now,
                              .rafiki_funding =
                                  pay_tenant_rafiki_funding(ctx->db, w->id, ctx->rafiki_funding)};
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
    char *event_data = ip_event_data(&p);
    a.event_data = event_data;
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_ip_insert, &a, &e);
    free(event_data);
    if (rc != DB_OK)
        return a.ledger != LEDGER_OK && a.ledger != LEDGER_STORAGE_ERROR
                   ? ip_ledger_fail(a.ledger, err)
                   : ip_storage(err, &e);
    *out = p;
    return INCOMING_PAYMENT_OK;
}

/* ---- ending: the state change, then the settlement ---- */

/* One payment being ended and settled by ip_end_many. */
typedef struct {
    ledger_id_t id;
    incoming_payment_state_t to;
    incoming_payment_t p; /* the row as read, then as after, with received_amount */
    ledger_id_t wallet_account;
    incoming_payment_state_t found; /* its state when it had ended before */
    bool pending;                   /* it was pending when read: this call ends it */
    bool closed;                    /* its account is closed (by this call, or found so) */
    bool received_final;            /* p.received_amount was read after the close */
    char *event_data;               /* the event of its state change, made before the tx */
    incoming_payment_result_t r;
} ip_ending_t;

/* Closes the invoice accounts of e[i] where sel(e[i]): max_balance 0 (with the balance swept,
 * nothing more can arrive; before, nothing beyond what is there) and STREAM off, all in one
 * transaction. The update waits for the batcher, so credits committed before it are all an
 * account will ever get. Idempotent: closed accounts are left out. */
static incoming_payment_result_t ip_close_many(const wallet_ctx_t *ctx, ip_ending_t *e, size_t n,
                                               bool (*sel)(const ip_ending_t *), db_err_t *err)
{
    ledger_account_t *accts = xmalloc(n * sizeof *accts);
    size_t k = 0;
    ledger_result_t r = LEDGER_OK;
    for (size_t i = 0; i < n && r == LEDGER_OK; i++) {
        if (!sel(&e[i]) || e[i].closed)
            continue;
        ledger_account_t *a = &accts[k];
        if ((r = ledger_account_get(ctx->ledger, e[i].p.account_id, a)) != LEDGER_OK ||
            (a->has_max_balance && a->max_balance == 0 && !a->stream_enabled))
            continue;
        a->has_max_balance = true;
        a->max_balance = 0;
        a->stream_enabled = false;
        k++;
    }
    if (r == LEDGER_OK && k > 0)
        r = ledger_accounts_update(ctx->ledger, accts, k, NULL);
    free(accts);
    for (size_t i = 0; i < n && r == LEDGER_OK; i++)
        e[i].closed = e[i].closed || sel(&e[i]);
    return r == LEDGER_OK ? INCOMING_PAYMENT_OK : ip_ledger_fail(r, err);
}

static bool sel_pending(const ip_ending_t *e)
{
    return e->r == INCOMING_PAYMENT_OK && e->pending;
}

static bool sel_unsettled(const ip_ending_t *e)
{
    return e->r == INCOMING_PAYMENT_OK && !e->p.settled;
}

/* The id of the transfer that sweeps a payment's balance into its wallet account: derived
 * from the payment's id so a repeated settlement finds the first one (ledger idempotency). */
static ledger_id_t sweep_transfer_id(ledger_id_t id)
{
    uint8_t in[16 + 16] = "rafiki-ip-sweep!";
    ledger_id_bytes(id, in + 16);
    return ledger_id_derive(in, sizeof in);
}

/* The state change of one pending payment in c's transaction, with its event; e->found
 * receives the state when another process ended it first. */
static db_rc_t tx_end_one(db_conn_t *c, ip_ending_t *e, int64_t now, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c,
                               "UPDATE incoming_payments SET state = ?, completed_at = ?, "
                               "updated_at = ? WHERE id = ? AND state = ?",
                               err);
    if (!st)
        return err->code;
    db_bind_i64(st, 1, e->to);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, now);
    pay_bind_id(st, 4, e->id);
    db_bind_i64(st, 5, INCOMING_PAYMENT_PENDING);
    db_rc_t rc = db_run(st, err);
    if (rc == DB_OK && db_changes(st) == 1)
        return ip_event(c,
                        e->to == INCOMING_PAYMENT_COMPLETED ? WEBHOOK_INCOMING_PAYMENT_COMPLETED
                                                            : WEBHOOK_INCOMING_PAYMENT_EXPIRED,
                        e->id, e->event_data, err);
    if (rc != DB_OK)
        return rc;
    if (!(st = db_prepare(c, "SELECT state FROM incoming_payments WHERE id = ?", err)))
        return err->code;
    pay_bind_id(st, 1, e->id);
    if ((rc = db_step_one(st, err)) != DB_ROW)
        return rc;
    e->found = (incoming_payment_state_t)db_col_i64(st, 0);
    return DB_OK;
}

/* Records one settled. */
static db_rc_t tx_settled_one(db_conn_t *c, ip_ending_t *e, int64_t now, db_err_t *err)
{
    (void)now;
    db_stmt_t *st = db_prepare(c, "UPDATE incoming_payments SET settled = ? WHERE id = ?", err);
    if (!st)
        return err->code;
    db_bind_bool(st, 1, true);
    pay_bind_id(st, 2, e->id);
    return db_run(st, err);
}

/* Sets r on every selected ending that is still OK. */
static void ip_fail_many(ip_ending_t *e, size_t n, bool (*sel)(const ip_ending_t *),
                         incoming_payment_result_t r)
{
    for (size_t i = 0; i < n; i++)
        if (sel(&e[i]))
            e[i].r = r;
}

static bool sel_open(const ip_ending_t *e)
{
    return sel_pending(e) || sel_unsettled(e);
}

/* One transaction of ip_finish_many: the state changes of the pending endings, with their
 * events, and the settled mark of every unsettled one whose balance moved (or had nothing to
 * move). op_of[i]: the index of ending i's sweep in res, or -1 (no sweep; res may be NULL). */
typedef struct {
    ip_ending_t *e;
    size_t n;
    int64_t now_ms;
    const ptrdiff_t *op_of;
} ip_finish_t;

static bool ip_swept(const ip_finish_t *a, size_t i, const ledger_result_t *res)
{
    ptrdiff_t j = a->op_of[i];
    return j < 0 || res[j] == LEDGER_OK || res[j] == LEDGER_EXISTS;
}

static db_rc_t finish_rows(db_conn_t *c, ip_finish_t *a, const ledger_result_t *res, db_err_t *err)
{
    for (size_t i = 0; i < a->n; i++) {
        ip_ending_t *e = &a->e[i];
        db_rc_t rc = DB_OK;
        if (sel_pending(e)) {
            e->found = 0; /* set on every run: the batch may run the guard again */
            rc = tx_end_one(c, e, a->now_ms, err);
        }
        if (rc == DB_OK && sel_unsettled(e) && ip_swept(a, i, res))
            rc = tx_settled_one(c, e, a->now_ms, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

/* ledger_guard_fn: the rows commit with the sweeps, whichever of them applied. */
static db_rc_t finish_guard(db_conn_t *c, void *arg, const ledger_result_t *res, size_t n,
                            bool *keep, db_err_t *err)
{
    (void)n;
    *keep = true;
    return finish_rows(c, arg, res, err);
}

static db_rc_t finish_plain(db_conn_t *c, void *arg, db_err_t *err)
{
    return finish_rows(c, arg, NULL, err);
}

/* The events of the pending endings, made after their accounts closed (the received amount
 * is final) and before the transaction (not on the batcher while every batch waits). */
static void ip_events_make(const wallet_ctx_t *ctx, ip_ending_t *e, size_t n, int64_t now_ms,
                           db_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!sel_pending(&e[i]))
            continue;
        e[i].r = ip_received(ctx, &e[i].p, err);
        e[i].received_final = e[i].r == INCOMING_PAYMENT_OK;
        incoming_payment_t after = e[i].p;
        after.state = e[i].to;
        after.completed_ms = after.updated_ms = now_ms;
        if (e[i].r == INCOMING_PAYMENT_OK)
            e[i].event_data = ip_event_data(&after);
    }
}

/* The sweep of each unsettled ending with money in its closed account (none for Rafiki's
 * funding model: the wallet withdraws it) into ops; op_of[i] its index or -1. How many. */
static size_t ip_sweeps(const wallet_ctx_t *ctx, ip_ending_t *e, size_t n, ledger_op_t *ops,
                        ptrdiff_t *op_of, db_err_t *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        op_of[i] = -1;
        if (!sel_unsettled(&e[i]))
            continue;
        ledger_status_t s;
        ledger_result_t lr = ledger_account_status(ctx->ledger, e[i].p.account_id, &s);
        if (lr != LEDGER_OK)
            e[i].r = ip_ledger_fail(lr, err);
        else if (s.balance > 0 && !e[i].p.rafiki_funding)
            op_of[i] = (ptrdiff_t)k,
            ops[k++] = (ledger_op_t){.kind = LEDGER_OP_CREATE,
                                     .id = sweep_transfer_id(e[i].id),
                                     .debit_account_id = e[i].p.account_id,
                                     .credit_account_id = e[i].wallet_account,
                                     .amount = (uint64_t)s.balance,
                                     .code = PAY_CODE_TRANSFER};
    }
    return k;
}

/* The results of ip_finish_many's one submission (or transaction) on each ending. */
static void ip_finish_results(ip_ending_t *e, size_t n, const ip_finish_t *a,
                              const ledger_result_t *res, incoming_payment_result_t r,
                              db_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].event_data);
        e[i].event_data = NULL;
        if (r != INCOMING_PAYMENT_OK && sel_open(&e[i])) {
            e[i].r = r;
            continue;
        }
        bool pending = sel_pending(&e[i]), unsettled = sel_unsettled(&e[i]);
        if (pending && !e[i].found) { /* ours: the row is as written */
            e[i].p.state = e[i].to;
            e[i].p.completed_ms = e[i].p.updated_ms = a->now_ms;
        }
        if (unsettled && ip_swept(a, i, res)) {
            e[i].p.settled = true;
        } else if (unsettled) {
            ledger_result_t one = res[a->op_of[i]];
            LOGW("incoming payment: settlement failed (%s); the worker retries",
                 ledger_result_str(one));
            e[i].r = ip_ledger_fail(one, err);
        }
    }
}

/* Ends the pending endings and settles every unsettled one: their accounts closed (one account
 * update, so credits committed before it are all an account will ever get), then in one
 * commit the balances swept into the wallet accounts (one ledger submission) with the state
 * changes, their events and the settled marks (its guard); a transaction alone when there is
 * nothing to sweep. A sweep that fails leaves its payment ended but unsettled for the worker. */
static void ip_finish_many(const wallet_ctx_t *ctx, ip_ending_t *e, size_t n, db_err_t *err)
{
    incoming_payment_result_t r = ip_close_many(ctx, e, n, sel_open, err);
    if (r != INCOMING_PAYMENT_OK) {
        ip_fail_many(e, n, sel_open, r);
        return;
    }
    ledger_op_t *ops = xmalloc(n * sizeof *ops);
    ptrdiff_t *op_of = xmalloc(n * sizeof *op_of);
    ledger_result_t *res = xmalloc(n * sizeof *res);
    ip_finish_t a = {.e = e, .n = n, .now_ms = clock_wall_ms(), .op_of = op_of};
    ip_events_make(ctx, e, n, a.now_ms, err);
    size_t k = ip_sweeps(ctx, e, n, ops, op_of, err);
    if (k > 0) {
        ledger_result_t lr =
            ledger_transfers_execute_guarded(ctx->ledger, ops, k, res, finish_guard, &a);
        r = lr == LEDGER_OK ? INCOMING_PAYMENT_OK : ip_ledger_fail(lr, err);
    } else {
        db_err_t dbe = {0};
        if (db_write_tx(ctx->db, finish_plain, &a, &dbe) != DB_OK)
            r = ip_storage(err, &dbe);
    }
    ip_finish_results(e, n, &a, res, r, err);
    free(res);
    free(op_of);
    free(ops);
}

/* Ends pending payments (each to e[i].to: completed or expired), then settles every one not
 * settled yet, with a few transactions for all n. e[i].r: OK, ALREADY_* when it had ended
 * before, NOT_FOUND or STORAGE_ERROR; e[i].p the row after, with received_amount. */
static void ip_end_many(const wallet_ctx_t *ctx, ip_ending_t *e, size_t n, db_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        e[i].r = ip_read(ctx, e[i].id, &e[i].p, &e[i].wallet_account, err);
        e[i].pending = e[i].r == INCOMING_PAYMENT_OK && e[i].p.state == INCOMING_PAYMENT_PENDING;
        e[i].found = e[i].pending ? 0 : e[i].p.state;
    }
    ip_finish_many(ctx, e, n, err);
    for (size_t i = 0; i < n; i++)
        if (sel_pending(&e[i]) && e[i].found) { /* another process ended it first: its row */
            e[i].r = ip_read(ctx, e[i].id, &e[i].p, &e[i].wallet_account, err);
            e[i].received_final = false; /* the row read has no received amount: read it again */
        }
    for (size_t i = 0; i < n; i++) {
        if (e[i].r == INCOMING_PAYMENT_OK && !e[i].received_final)
            e[i].r = ip_received(ctx, &e[i].p, err);
        if (e[i].r == INCOMING_PAYMENT_OK && e[i].found == INCOMING_PAYMENT_COMPLETED)
            e[i].r = INCOMING_PAYMENT_ALREADY_COMPLETED;
        else if (e[i].r == INCOMING_PAYMENT_OK && e[i].found == INCOMING_PAYMENT_EXPIRED)
            e[i].r = INCOMING_PAYMENT_ALREADY_EXPIRED;
    }
}

void incoming_payments_end(const wallet_ctx_t *ctx, incoming_payment_end_t *ends, size_t n,
                           db_err_t *err)
{
    if (n == 0)
        return;
    ip_ending_t *e = xcalloc(n, sizeof *e);
    for (size_t i = 0; i < n; i++)
        e[i] = (ip_ending_t){.id = ends[i].id, .to = ends[i].to};
    ip_end_many(ctx, e, n, err);
    for (size_t i = 0; i < n; i++)
        ends[i].result = e[i].r;
    free(e);
}

/* One payment: ip_end_many of one. *out (may be NULL) is the row after. */
static incoming_payment_result_t ip_end(const wallet_ctx_t *ctx, ledger_id_t id,
                                        incoming_payment_state_t to, incoming_payment_t *out,
                                        db_err_t *err)
{
    ip_ending_t e = {.id = id, .to = to};
    ip_end_many(ctx, &e, 1, err);
    if (out && (e.r == INCOMING_PAYMENT_OK || e.r == INCOMING_PAYMENT_ALREADY_COMPLETED ||
                e.r == INCOMING_PAYMENT_ALREADY_EXPIRED))
        *out = e.p;
    return e.r;
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
    /* Ended but not settled (another process between its steps, or a crash): the settlement
     * runs here too, so whoever reads an ended payment finds its money in the wallet account. */
    if (to != p.state || (p.state != INCOMING_PAYMENT_PENDING && !p.settled)) {
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
    char s[LEDGER_ID_STR_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_format(id, s);
    if (pay_tenant_owner(ctx->db, PAY_OWNED_INCOMING, s, owner) == PAY_TENANT_STORAGE_ERROR)
        return -1;
    return pay_op_url(ctx->op_url, owner, "incoming-payments", id, out, cap);
}

incoming_payment_result_t incoming_payment_get_by_url(const wallet_ctx_t *ctx, const char *url,
                                                      size_t len, incoming_payment_t *out,
                                                      db_err_t *err)
{
    char tenant[PAY_TENANT_ID_LEN + 1], want[PAY_TENANT_ID_LEN + 1], owner[PAY_TENANT_ID_LEN + 1];
    ledger_id_t id;
    if (pay_op_url_parse(ctx->op_url, url, len, "incoming-payments", tenant, &id) != 0)
        return INCOMING_PAYMENT_NOT_FOUND;
    incoming_payment_result_t r = incoming_payment_get(ctx, id, out, err);
    if (r != INCOMING_PAYMENT_OK)
        return r;
    /* the URL's tenant is the payment's owner's (the operator's: none, or its own id) */
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    pay_tenant_result_t t = pay_op_path_owner(ctx->db, tenant, want);
    if (t == PAY_TENANT_OK)
        t = pay_tenant_owner(ctx->db, PAY_OWNED_INCOMING, s, owner);
    if (t == PAY_TENANT_STORAGE_ERROR) {
        if (err)
            *err = (db_err_t){.code = DB_ERROR, .msg = "tenant look-up failed"};
        return INCOMING_PAYMENT_STORAGE_ERROR;
    }
    return t == PAY_TENANT_OK && strcmp(want, owner) == 0 ? INCOMING_PAYMENT_OK
                                                          : INCOMING_PAYMENT_NOT_FOUND;
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
    if (stream_receiver_credentials(ctx->receiver, &d, out) != STREAM_OK)
        return -1;
    char tenant_address[ILP_ADDRESS_MAX_LEN + 1];
    if (pay_tenant_stream_address(ctx->db, p->wallet_address_id, ctx->receiver->address,
                                  out->address, tenant_address)) {
        out->address_len = strlen(tenant_address);
        memcpy(out->address, tenant_address, out->address_len + 1);
    }
    return 0;
}
