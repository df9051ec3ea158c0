/*
 * Outgoing payments (see outgoing_payment.h): create, read and cancel, the outgoing_payments
 * table, and the ids derived from a payment. The state machine is outgoing_payment_worker.c.
 */
#include "payments/outgoing_payment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payments/grant_limits.h"
#include "payments/outgoing_payment_internal.h"
#include "payments/json.h"
#include "payments/webhooks.h"
#include "payments/rows.h"
#include "payments/tenants.h"
#include "base/assert.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

static const char *const state_names[OUTGOING_PAYMENT_STATE_COUNT] = {
    [OUTGOING_PAYMENT_FUNDING] = "FUNDING",     [OUTGOING_PAYMENT_SENDING] = "SENDING",
    [OUTGOING_PAYMENT_COMPLETED] = "COMPLETED", [OUTGOING_PAYMENT_FAILED] = "FAILED",
    [OUTGOING_PAYMENT_CANCELLED] = "CANCELLED",
};

static const char *const result_names[OUTGOING_PAYMENT_RESULT_COUNT] = {
    [OUTGOING_PAYMENT_OK] = "ok",
    [OUTGOING_PAYMENT_WALLET_NOT_FOUND] = "wallet_address_not_found",
    [OUTGOING_PAYMENT_WALLET_INACTIVE] = "wallet_address_inactive",
    [OUTGOING_PAYMENT_QUOTE_NOT_FOUND] = "quote_not_found",
    [OUTGOING_PAYMENT_QUOTE_WRONG_WALLET] = "quote_wallet_mismatch",
    [OUTGOING_PAYMENT_QUOTE_EXPIRED] = "quote_expired",
    [OUTGOING_PAYMENT_QUOTE_USED] = "quote_already_used",
    [OUTGOING_PAYMENT_NOT_FOUND] = "outgoing_payment_not_found",
    [OUTGOING_PAYMENT_NOT_CANCELLABLE] = "outgoing_payment_not_cancellable",
    [OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED] = "grant_limit_exceeded",
    [OUTGOING_PAYMENT_GRANT_INACTIVE] = "grant_interval_inactive",
    [OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH] = "asset_mismatch",
    [OUTGOING_PAYMENT_REASON_INVALID] = "reason_invalid",
    [OUTGOING_PAYMENT_STORAGE_ERROR] = "storage_error",
};

const char *outgoing_payment_state_str(outgoing_payment_state_t s)
{
    return (unsigned)s < OUTGOING_PAYMENT_STATE_COUNT ? state_names[s] : "UNKNOWN";
}

const char *outgoing_payment_result_str(outgoing_payment_result_t r)
{
    return (unsigned)r < OUTGOING_PAYMENT_RESULT_COUNT ? result_names[r] : "unknown";
}

/* A v4-shaped UUID from SHA-256(tag, id, step): stable across processes and restarts. */
static ledger_id_t derive_id(const char *tag, ledger_id_t id, uint32_t step)
{
    uint8_t in[64];
    size_t n = strlen(tag);
    ASSERT(n <= 32);
    memcpy(in, tag, n);
    for (int i = 0; i < 8; i++) {
        in[n + (size_t)i] = (uint8_t)(id.hi >> (56 - 8 * i));
        in[n + 8 + (size_t)i] = (uint8_t)(id.lo >> (56 - 8 * i));
    }
    for (int i = 0; i < 4; i++)
        in[n + 16 + (size_t)i] = (uint8_t)(step >> (24 - 8 * i));
    return ledger_id_derive(in, n + 20);
}

ledger_id_t outgoing_payment_transfer_id(ledger_id_t payment, uint32_t step)
{
    return derive_id("rafiki/outgoing-payment/transfer", payment, step);
}

/* One payment per quote: its id is a function of the quote's. It keeps the quote's 48-bit time
 * prefix (quote ids are version-7 UUIDs) with version 7 and derived bits after it, so payments
 * and their outgoing accounts enter the id indexes in time order, next to each other, rather
 * than one random index page each. (The quote_id column is unique as well.) */
static ledger_id_t payment_id_of_quote(ledger_id_t quote)
{
    ledger_id_t d = derive_id("rafiki/outgoing-payment", quote, 0);
    d.hi = (quote.hi & 0xffffffffffff0000ull) | 0x7000u | (d.hi & 0x0fffu);
    return d;
}

/* ---- JSON ---- */

static json_t *str_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *outgoing_payment_json(const outgoing_payment_t *p, const quote_t *q)
{
    const quote_amount_t *d = &q->debit_amount, *r = &q->receive_amount;
    json_t *meta = p->metadata[0] ? json_loads(p->metadata, 0, NULL) : NULL;
    return json_pack("{s:o,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                     pay_json_id(p->id), "wallet_address_id", pay_json_id(p->wallet_address_id),
                     "quote_id", pay_json_id(p->quote_id), "state",
                     outgoing_payment_state_str(p->state), "receiver", q->receiver, "debit_amount",
                     pay_amount_json(d->value, d->asset_code, d->asset_scale), "receive_amount",
                     pay_amount_json(r->value, r->asset_code, r->asset_scale), "sent_amount",
                     pay_amount_json(p->sent_amount, d->asset_code, d->asset_scale), "metadata",
                     meta ? meta : json_null(), "grant_id", pay_json_id_or_null(p->grant_id),
                     "error", str_or_null(p->error), "created_at", pay_json_time(p->created_ms),
                     "updated_at", pay_json_time(p->updated_ms));
}

/* An amount as webhooks.yaml spells it: {"value","assetCode","assetScale"}. */
static json_t *event_amount(uint64_t value, const char *code, uint8_t scale)
{
    return json_pack("{s:o,s:s,s:i}", "value", pay_json_u64(value), "assetCode", code, "assetScale",
                     (int)scale);
}

/* What is left in the payment's outgoing account for Rafiki's "balance": funded and not yet sent
 * while SENDING; 0 before funding (FUNDING, CANCELLED: a cancel happens only before). Once
 * terminal: under Rafiki's funding model the rest (fee included) waits for the wallet's
 * withdrawal; under ours the settle step returns it to the wallet account, so 0. */
static uint64_t event_balance(const outgoing_payment_t *p, const quote_t *q)
{
    uint64_t debit = q->debit_amount.value;
    bool held = p->state == OUTGOING_PAYMENT_SENDING ||
                (p->rafiki_funding &&
                 (p->state == OUTGOING_PAYMENT_COMPLETED || p->state == OUTGOING_PAYMENT_FAILED));
    if (!held || p->sent_amount >= debit)
        return 0;
    return debit - p->sent_amount;
}

/* The webhook event's data, Rafiki's OutgoingPayment.toData (webhooks.yaml outgoingPaymentEvent):
 * camelCase, optional fields (metadata, error, grantId) left out when empty, never null; a
 * representation of its own, the admin API keeps outgoing_payment_json. stateAttempts is 0: our
 * workers retry within a state without counting. */
static json_t *event_json(const outgoing_payment_t *p, const quote_t *q)
{
    const quote_amount_t *d = &q->debit_amount, *r = &q->receive_amount;
    json_t *o =
        json_pack("{s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:i,s:o,s:o,s:o}", "id", pay_json_id(p->id),
                  "walletAddressId", pay_json_id(p->wallet_address_id), "state",
                  outgoing_payment_state_str(p->state), "receiver", q->receiver, "debitAmount",
                  event_amount(d->value, d->asset_code, d->asset_scale), "receiveAmount",
                  event_amount(r->value, r->asset_code, r->asset_scale), "sentAmount",
                  event_amount(p->sent_amount, d->asset_code, d->asset_scale), "stateAttempts", 0,
                  "createdAt", pay_json_time(p->created_ms), "expiresAt",
                  pay_json_time(q->expires_ms), "balance", pay_json_u64(event_balance(p, q)));
    if (!o)
        return NULL;
    json_t *meta = p->metadata[0] ? json_loads(p->metadata, 0, NULL) : NULL;
    if (json_is_object(meta))
        json_object_set(o, "metadata", meta);
    json_decref(meta);
    if (p->error[0])
        json_object_set_new(o, "error", json_string(p->error));
    if (!ledger_id_is_zero(p->grant_id))
        json_object_set_new(o, "grantId", pay_json_id(p->grant_id));
    return o;
}

char *outgoing_payment_event_data(const outgoing_payment_t *p, const quote_t *q)
{
    json_t *data = event_json(p, q);
    char *text = webhook_event_data(data);
    json_decref(data);
    return text;
}

db_rc_t outgoing_payment_event_text(db_conn_t *c, const char *type, ledger_id_t id,
                                    const char *data, db_err_t *e)
{
    char rid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, rid);
    return (db_rc_t)webhook_event_add_text(c, type, rid, data, NULL, e);
}

/* Records a webhook event of type about p (as it now is in c's transaction) with its quote;
 * with extra (stolen; NULL: none), also under key in the data. */
static db_rc_t event_add(db_conn_t *c, const char *type, ledger_id_t id, const char *key,
                         json_t *extra, db_err_t *e)
{
    outgoing_payment_t *p = xmalloc(sizeof *p);
    quote_t *q = xmalloc(sizeof *q);
    db_rc_t rc = DB_ERROR;
    snprintf(e->msg, sizeof e->msg, "outgoing payment event: the row or its quote is unreadable");
    e->code = DB_ERROR;
    if (outgoing_payment_row_get(c, id, p) == OUTGOING_PAYMENT_OK &&
        quote_get_conn(c, p->quote_id, q) == QUOTE_OK) {
        json_t *data = event_json(p, q);
        if (data && extra)
            json_object_set(data, key, extra);
        char rid[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(id, rid);
        rc = data ? (db_rc_t)webhook_event_add(c, type, rid, data, e) : DB_NOMEM;
        json_decref(data);
    }
    json_decref(extra);
    free(p);
    free(q);
    return rc;
}

db_rc_t outgoing_payment_event(db_conn_t *c, const char *type, ledger_id_t id, db_err_t *e)
{
    return event_add(c, type, id, NULL, NULL, e);
}

/* Bytes a peer chose (a reject's message or address) as a JSON string: as they are when they
 * are UTF-8 without NUL, else with every NUL and non-ASCII byte as '?'. */
static json_t *peer_text(slice_t s)
{
    json_t *j = memchr(s.ptr, 0, s.len) ? NULL : json_stringn((const char *)s.ptr, s.len);
    if (j)
        return j;
    char *t = xmalloc(s.len + 1);
    for (size_t i = 0; i < s.len; i++)
        t[i] = s.ptr[i] == 0 || s.ptr[i] >= 0x80 ? '?' : (char)s.ptr[i];
    j = json_stringn(t, s.len);
    free(t);
    return j;
}

/* {number, error, ilpReject?: {code, message, triggeredBy?}}: the attempt of an attempt_failed
 * event. */
static json_t *attempt_json(const outgoing_attempt_t *a, int64_t number)
{
    json_t *o = json_pack("{s:I,s:s}", "number", (json_int_t)number, "error", a->error);
    if (!a->code || !a->code[0])
        return o;
    json_t *rj = json_pack("{s:s,s:o}", "code", a->code, "message", peer_text(a->message));
    if (rj && a->triggered_by.len > 0)
        json_object_set_new(rj, "triggeredBy", peer_text(a->triggered_by));
    json_object_set_new(o, "ilpReject", rj);
    return o;
}

db_rc_t outgoing_payment_attempt_failed(db_conn_t *c, ledger_id_t id, const outgoing_attempt_t *a,
                                        db_err_t *e)
{
    db_stmt_t *st = db_prepare(c,
                               "UPDATE outgoing_payments SET failed_attempts = failed_attempts + 1 "
                               "WHERE id = ? AND state = 'SENDING' AND settled = ?",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, id);
    db_bind_bool(st, 2, false);
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK || db_changes(st) != 1)
        return rc; /* no longer sending: nothing to report */
    if (!(st = db_prepare(c, "SELECT failed_attempts FROM outgoing_payments WHERE id = ?", e)))
        return e->code;
    pay_bind_id(st, 1, id);
    if ((rc = db_step_one(st, e)) != DB_ROW)
        return rc == DB_NOT_FOUND ? DB_ERROR : rc;
    int64_t number = db_col_i64(st, 0);
    return event_add(c, WEBHOOK_OUTGOING_PAYMENT_ATTEMPT_FAILED, id, "attempt",
                     attempt_json(a, number), e);
}

/* ---- grant refunds ---- */

db_rc_t outgoing_payment_grant_refund(db_conn_t *c, ledger_id_t id, uint64_t sent, db_err_t *e)
{
    db_stmt_t *st = db_prepare(
        c,
        "SELECT p.grant_id, p.grant_interval_start, q.debit_amount, q.receive_amount, "
        "q.send_amount FROM outgoing_payments p JOIN quotes q ON q.id = p.quote_id WHERE p.id = ?",
        e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, e);
    if (rc != DB_ROW || db_col_null(st, 0) || db_col_null(st, 1))
        return rc == DB_ROW || rc == DB_NOT_FOUND ? DB_OK : rc; /* no grant: nothing to give */
    char gid[GRANT_ID_MAX + 1];
    pay_col_str(st, 0, gid, sizeof gid);
    int64_t start = db_col_i64(st, 1);
    uint64_t debit = db_col_u64(st, 2), receive = db_col_u64(st, 3), send = db_col_u64(st, 4);
    if (sent > send)
        sent = send;
    /* what did not leave, and the receive amount less the share of it that left (floor: the
     * grant keeps no more spent than the quoted rate delivered) */
    uint64_t receive_kept = send ? (uint64_t)((unsigned __int128)receive * sent / send) : 0;
    grant_limits_result_t g =
        grant_limits_refund_tx(c, gid, start, debit - sent, receive - receive_kept, e);
    if (g == GRANT_LIMITS_OK)
        return DB_OK;
    return g == GRANT_LIMITS_RETRY ? DB_RETRY : (e->code < 0 ? e->code : DB_ERROR);
}

/* ---- the table ---- */

#define ROW_COLUMNS                                                                                \
    "id, wallet_address_id, quote_id, grant_id, state, settled, error, metadata, sent_amount, "    \
    "created_at, updated_at, request_id, rafiki_funding"

static int state_parse(const char *s, outgoing_payment_state_t *out)
{
    for (int i = 0; i < OUTGOING_PAYMENT_STATE_COUNT; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (outgoing_payment_state_t)i;
            return 0;
        }
    return -1;
}

outgoing_payment_result_t outgoing_payment_row_get(db_conn_t *c, ledger_id_t id,
                                                   outgoing_payment_t *out)
{
    db_err_t e;
    db_stmt_t *st = db_prepare(c, "SELECT " ROW_COLUMNS " FROM outgoing_payments WHERE id = ?", &e);
    if (!st)
        return OUTGOING_PAYMENT_STORAGE_ERROR;
    pay_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, &e);
    if (rc == DB_NOT_FOUND)
        return OUTGOING_PAYMENT_NOT_FOUND;
    if (rc != DB_ROW) {
        LOGE("outgoing payments: read failed: %s", e.msg);
        return OUTGOING_PAYMENT_STORAGE_ERROR;
    }
    memset(out, 0, sizeof *out);
    out->id = pay_col_id(st, 0);
    out->wallet_address_id = pay_col_id(st, 1);
    out->quote_id = pay_col_id(st, 2);
    out->grant_id = pay_col_id(st, 3);
    if (state_parse(db_col_text(st, 4, NULL), &out->state) != 0) {
        LOGE("outgoing payments: row %s has an unknown state", db_col_text(st, 0, NULL));
        return OUTGOING_PAYMENT_STORAGE_ERROR;
    }
    out->settled = db_col_bool(st, 5);
    pay_col_str(st, 6, out->error, sizeof out->error);
    pay_col_str(st, 7, out->metadata, sizeof out->metadata);
    out->sent_amount = db_col_u64(st, 8);
    out->created_ms = db_col_i64(st, 9);
    out->updated_ms = db_col_i64(st, 10);
    pay_col_str(st, 11, out->request_id, sizeof out->request_id);
    out->rafiki_funding = db_col_bool(st, 12);
    return OUTGOING_PAYMENT_OK;
}

/* A payment's create transaction: its outgoing sub-account, the row, its grant spend and its
 * created event, all or nothing. */
typedef struct {
    const outgoing_payment_t *p;
    ledger_account_t acct;  /* the sub-account to create */
    ledger_result_t ledger; /* of its creation */
    const char *client;
    int64_t next_attempt_ms; /* now, or now + lease when handed to this process's workers */
    const quote_t *q;
    const grant_limits_t *limits; /* NULL: no grant */
    grant_limits_result_t grant;  /* GRANT_LIMITS_OK unless the spend was refused */
    const char *event_data;       /* the created event's, made before the transaction */
} insert_t;

static void grant_id_str(ledger_id_t id, char out[LEDGER_ID_STR_LEN + 1])
{
    ledger_id_format(id, out);
}

/* Records the spend of the payment's quote under its grant. DB_OK; DB_INVALID with a->grant set
 * when the grant refuses (the transaction rolls back); the database's code otherwise. */
static db_rc_t grant_spend(db_conn_t *c, insert_t *a, int64_t *interval_start, db_err_t *e)
{
    char gid[LEDGER_ID_STR_LEN + 1];
    grant_id_str(a->p->grant_id, gid);
    grant_spend_t spend;
    a->grant = grant_limits_spend_tx(c, gid, a->limits, a->q->debit_amount.value,
                                     a->q->receive_amount.value, a->p->created_ms, &spend, e);
    if (a->grant == GRANT_LIMITS_OK) {
        *interval_start = spend.interval_start_ms;
        return DB_OK;
    }
    if (a->grant == GRANT_LIMITS_RETRY)
        return DB_RETRY;
    if (a->grant == GRANT_LIMITS_STORAGE)
        return e->code < 0 ? e->code : DB_ERROR;
    return DB_INVALID;
}

static db_rc_t tx_insert(db_conn_t *c, void *arg, db_err_t *e)
{
    insert_t *a = arg;
    const outgoing_payment_t *p = a->p;
    int64_t interval_start = 0;
    a->grant = GRANT_LIMITS_OK;
    /* The sub-account first: a row is never without its account. The id is the quote's
     * payment id, so a second payment of the quote finds it and then fails on the row. */
    ledger_account_t acct = a->acct; /* a retry starts from the same fields */
    a->ledger = ledger_account_create_in(c, &acct, e);
    if (a->ledger == LEDGER_STORAGE_ERROR)
        return e->code < 0 ? e->code : DB_ERROR;
    if (a->ledger != LEDGER_OK && a->ledger != LEDGER_EXISTS)
        return DB_INVALID; /* answered from a->ledger */
    db_rc_t rc = a->limits ? grant_spend(c, a, &interval_start, e) : DB_OK;
    if (rc != DB_OK)
        return rc;
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO outgoing_payments (id, wallet_address_id, quote_id, "
                               "grant_id, state, metadata, next_attempt_at, created_at, "
                               "updated_at, grant_interval_start, client, request_id, "
                               "rafiki_funding) VALUES (?, ?, ?, ?, 'FUNDING', ?, ?, ?, ?, ?, ?, "
                               "?, ?)",
                               e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, p->id);
    pay_bind_id(st, 2, p->wallet_address_id);
    pay_bind_id(st, 3, p->quote_id);
    quote_db_bind_id_or_null(st, 4, p->grant_id);
    db_bind_str(st, 5, p->metadata[0] ? p->metadata : NULL);
    db_bind_i64(st, 6, a->next_attempt_ms);
    db_bind_i64(st, 7, p->created_ms);
    db_bind_i64(st, 8, p->created_ms);
    if (a->limits)
        db_bind_i64(st, 9, interval_start);
    else
        db_bind_null(st, 9);
    db_bind_str(st, 10, a->client);
    /* the creating call's id (db_write_tx sets it on the leader): the worker logs under it */
    db_bind_str(st, 11, log_request_id()[0] ? log_request_id() : NULL);
    db_bind_bool(st, 12, p->rafiki_funding);
    rc = db_run(st, e);
    if (rc != DB_OK)
        return rc;
    /* in the same transaction: the wallet learns of the payment exactly when it exists, and
     * may deposit what FUNDING waits for */
    return outgoing_payment_event_text(c, WEBHOOK_OUTGOING_PAYMENT_CREATED, p->id, a->event_data,
                                       e);
}

/* ---- the API ---- */

static bool limit_asset_ok(const grant_amount_t *lim, const quote_amount_t *a)
{
    /* a limit given without an asset (a C caller) counts in the payment's */
    return !lim->asset_code[0] ||
           (strcmp(lim->asset_code, a->asset_code) == 0 && lim->asset_scale == a->asset_scale);
}

/* The grant's limits must be in the quote's assets: debit in the wallet's, receive in the
 * receiver's (grant_limits.h leaves this to the caller). */
static outgoing_payment_result_t limits_check(const grant_limits_t *l, const quote_t *q)
{
    if (l && ((l->has_debit && !limit_asset_ok(&l->debit, &q->debit_amount)) ||
              (l->has_receive && !limit_asset_ok(&l->receive, &q->receive_amount))))
        return OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH;
    return OUTGOING_PAYMENT_OK;
}

/* The quote of a request, checked against the wallet and the clock. */
static outgoing_payment_result_t quote_check(outgoing_payments_t *op,
                                             const outgoing_payment_request_t *req,
                                             quote_wallet_t *w, quote_t *q)
{
    quote_svc_t *qs = op->cfg.quotes;
    quote_lookup_t l = qs->dir.wallet_get(qs->dir.ctx, req->wallet_address_id, w);
    if (l != QUOTE_LOOKUP_FOUND)
        return l == QUOTE_LOOKUP_NOT_FOUND ? OUTGOING_PAYMENT_WALLET_NOT_FOUND
                                           : OUTGOING_PAYMENT_STORAGE_ERROR;
    if (!w->active)
        return OUTGOING_PAYMENT_WALLET_INACTIVE;
    quote_result_t qr = quote_get(qs->db, req->quote_id, q);
    if (qr != QUOTE_OK)
        return qr == QUOTE_NOT_FOUND ? OUTGOING_PAYMENT_QUOTE_NOT_FOUND
                                     : OUTGOING_PAYMENT_STORAGE_ERROR;
    if (!ledger_id_eq(q->wallet_address_id, w->id))
        return OUTGOING_PAYMENT_QUOTE_WRONG_WALLET;
    if (clock_wall_ms() >= q->expires_ms)
        return OUTGOING_PAYMENT_QUOTE_EXPIRED;
    return limits_check(req->limits, q);
}

outgoing_payment_result_t outgoing_payment_create(outgoing_payments_t *op,
                                                  const outgoing_payment_request_t *req,
                                                  outgoing_payment_t *out)
{
    quote_wallet_t w;
    quote_t q;
    outgoing_payment_result_t r = quote_check(op, req, &w, &q);
    if (r != OUTGOING_PAYMENT_OK)
        return r;
    outgoing_payment_t *p = xcalloc(1, sizeof *p);
    p->id = payment_id_of_quote(q.id);
    p->wallet_address_id = w.id;
    p->quote_id = q.id;
    p->grant_id = req->grant_id;
    p->state = OUTGOING_PAYMENT_FUNDING;
    p->created_ms = p->updated_ms = clock_wall_ms();
    if (req->metadata) {
        size_t n = strlen(req->metadata);
        ASSERT(n <= OUTGOING_PAYMENT_METADATA_MAX);
        memcpy(p->metadata, req->metadata, n + 1);
    }
    p->rafiki_funding =
        pay_tenant_rafiki_funding(op->cfg.quotes->db, p->wallet_address_id, op->cfg.rafiki_funding);
    /* Rafiki's model: parked in FUNDING until the wallet's deposit makes it due */
    bool handoff = op->cfg.handoff && !p->rafiki_funding && outgoing_payments_handoff_reserve(op);
    int64_t next_attempt = p->rafiki_funding
                               ? OUTGOING_PAYMENT_PARKED_MS
                               : p->created_ms + (handoff ? (int64_t)op->cfg.lease_ms : 0);
    insert_t ins = {.p = p,
                    .acct = {.id = p->id,
                             .asset_id = q.asset_id,
                             .parent_id = w.account_id,
                             .kind = LEDGER_KIND_OUTGOING},
                    .client = req->client,
                    .next_attempt_ms = next_attempt,
                    .q = &q,
                    .limits = req->limits};
    char *event_data = outgoing_payment_event_data(p, &q);
    ins.event_data = event_data;
    db_err_t e;
    db_rc_t rc = db_write_tx(op->cfg.quotes->db, tx_insert, &ins, &e);
    free(event_data);
    if (ins.ledger != LEDGER_OK && ins.ledger != LEDGER_EXISTS) {
        LOGE("outgoing payments: account create: %s%s%s", ledger_result_str(ins.ledger),
             ins.ledger == LEDGER_STORAGE_ERROR ? ": " : "",
             ins.ledger == LEDGER_STORAGE_ERROR ? e.msg : "");
        r = OUTGOING_PAYMENT_STORAGE_ERROR;
    } else if (rc == DB_CONSTRAINT) {
        r = OUTGOING_PAYMENT_QUOTE_USED;
    } else if (ins.grant != GRANT_LIMITS_OK && ins.grant != GRANT_LIMITS_STORAGE &&
               ins.grant != GRANT_LIMITS_RETRY) {
        r = ins.grant == GRANT_LIMITS_NOT_STARTED || ins.grant == GRANT_LIMITS_ENDED
                ? OUTGOING_PAYMENT_GRANT_INACTIVE
                : OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED;
    } else if (rc != DB_OK) {
        LOGE("outgoing payments: insert failed: %s", e.msg);
        r = OUTGOING_PAYMENT_STORAGE_ERROR;
    } else {
        *out = *p;
        if (handoff)
            outgoing_payments_handoff_push(op, p->id);
        handoff = false;
        outgoing_payments_kick(op);
    }
    if (handoff)
        outgoing_payments_handoff_release(op);
    free(p);
    return r;
}

outgoing_payment_result_t outgoing_payment_get(outgoing_payments_t *op, ledger_id_t id,
                                               outgoing_payment_t *out)
{
    db_err_t e;
    db_conn_t *c = db_acquire(op->cfg.quotes->db, DB_CONN_READ, &e);
    if (!c)
        return OUTGOING_PAYMENT_STORAGE_ERROR;
    outgoing_payment_result_t r = outgoing_payment_row_get(c, id, out);
    db_release(c);
    return r;
}

typedef struct {
    ledger_id_t id;
    const char *reason; /* NULL: none */
    outgoing_payment_t *out;
    outgoing_payment_result_t r;
} cancel_arg_t;

/* The metadata with "cancellationReason": reason (Rafiki's cancel). NULL when it would pass
 * OUTGOING_PAYMENT_METADATA_MAX; malloc'd text otherwise. */
static char *metadata_with_reason(const char *metadata, const char *reason)
{
    json_t *m = metadata[0] ? json_loads(metadata, 0, NULL) : NULL;
    if (!json_is_object(m)) {
        json_decref(m);
        m = json_object();
    }
    json_object_set_new(m, "cancellationReason", json_string(reason));
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    if (text && strlen(text) > OUTGOING_PAYMENT_METADATA_MAX) {
        free(text);
        return NULL;
    }
    return text;
}

/* Sets the metadata to *text (already checked) when the row is still FUNDING. */
static db_rc_t cancel_metadata(db_conn_t *c, cancel_arg_t *a, db_err_t *e)
{
    outgoing_payment_t *p = xmalloc(sizeof *p);
    outgoing_payment_result_t r = outgoing_payment_row_get(c, a->id, p);
    db_rc_t rc = DB_OK;
    char *text = NULL;
    if (r == OUTGOING_PAYMENT_OK && p->state == OUTGOING_PAYMENT_FUNDING &&
        !(text = metadata_with_reason(p->metadata, a->reason)))
        a->r = OUTGOING_PAYMENT_REASON_INVALID, rc = DB_INVALID;
    db_stmt_t *st = NULL;
    if (text && !(st = db_prepare(c, "UPDATE outgoing_payments SET metadata = ? WHERE id = ?", e)))
        rc = e->code;
    if (st) {
        db_bind_str(st, 1, text);
        pay_bind_id(st, 2, a->id);
        rc = db_run(st, e);
    }
    free(text);
    free(p);
    return rc;
}

static db_rc_t tx_cancel(db_conn_t *c, void *arg, db_err_t *e)
{
    cancel_arg_t *a = arg;
    db_rc_t rc0 = a->reason ? cancel_metadata(c, a, e) : DB_OK;
    if (rc0 != DB_OK)
        return rc0;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE outgoing_payments SET state = 'CANCELLED', updated_at = ?, "
                               "next_attempt_at = CASE WHEN rafiki_funding THEN ? ELSE "
                               "next_attempt_at END WHERE id = ? AND state = 'FUNDING'",
                               e);
    if (!st)
        return e->code;
    /* a parked payment (Rafiki's model) is made due so that a worker records it settled */
    int64_t now = clock_wall_ms();
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, now);
    pay_bind_id(st, 3, a->id);
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK)
        return rc;
    bool changed = db_changes(st) == 1;
    if (changed && (rc = outgoing_payment_grant_refund(c, a->id, 0, e)) != DB_OK)
        return rc;
    if (changed &&
        (rc = outgoing_payment_event(c, WEBHOOK_OUTGOING_PAYMENT_CANCELLED, a->id, e)) != DB_OK)
        return rc;
    a->r = outgoing_payment_row_get(c, a->id, a->out);
    if (a->r == OUTGOING_PAYMENT_OK && !changed)
        a->r = OUTGOING_PAYMENT_NOT_CANCELLABLE;
    return DB_OK;
}

outgoing_payment_result_t outgoing_payment_cancel(outgoing_payments_t *op, ledger_id_t id,
                                                  outgoing_payment_t *out)
{
    return outgoing_payment_cancel_reason(op, id, NULL, out);
}

outgoing_payment_result_t outgoing_payment_cancel_reason(outgoing_payments_t *op, ledger_id_t id,
                                                         const char *reason,
                                                         outgoing_payment_t *out)
{
    cancel_arg_t a = {.id = id, .reason = reason, .out = out, .r = OUTGOING_PAYMENT_STORAGE_ERROR};
    if (reason && strlen(reason) > OUTGOING_PAYMENT_REASON_MAX)
        return OUTGOING_PAYMENT_REASON_INVALID;
    db_err_t e;
    db_rc_t rc = db_write_tx(op->cfg.quotes->db, tx_cancel, &a, &e);
    if (rc == DB_INVALID && a.r == OUTGOING_PAYMENT_REASON_INVALID)
        return a.r;
    if (rc != DB_OK) {
        LOGE("outgoing payments: cancel failed: %s", e.msg);
        return OUTGOING_PAYMENT_STORAGE_ERROR;
    }
    if (a.r == OUTGOING_PAYMENT_OK)
        outgoing_payments_kick(op); /* settle whatever was funded */
    return a.r;
}

/* ---- the service ---- */

outgoing_payments_t *outgoing_payments_new(const outgoing_payments_config_t *cfg)
{
    outgoing_payments_t *op = xcalloc(1, sizeof *op);
    op->cfg = *cfg;
    if (!op->cfg.workers)
        op->cfg.workers = OUTGOING_PAYMENT_WORKERS_DEFAULT;
    if (op->cfg.workers > OUTGOING_PAYMENT_WORKERS_MAX)
        op->cfg.workers = OUTGOING_PAYMENT_WORKERS_MAX;
    if (!op->cfg.lease_ms)
        op->cfg.lease_ms = OUTGOING_PAYMENT_LEASE_MS_DEFAULT;
    if (!op->cfg.retry_ms)
        op->cfg.retry_ms = OUTGOING_PAYMENT_RETRY_MS_DEFAULT;
    if (!op->cfg.poll_ms)
        op->cfg.poll_ms = OUTGOING_PAYMENT_POLL_MS_DEFAULT;
    if (!op->cfg.claim_max || op->cfg.claim_max > OUTGOING_PAYMENT_CLAIM_MAX)
        op->cfg.claim_max = OUTGOING_PAYMENT_CLAIM_DEFAULT;
    pthread_mutex_init(&op->mu, NULL);
    pthread_cond_init(&op->wake, NULL);
    return op;
}

quote_svc_t *outgoing_payments_quotes(outgoing_payments_t *op)
{
    return op->cfg.quotes;
}

bool outgoing_payments_handoff_reserve(outgoing_payments_t *op)
{
    pthread_mutex_lock(&op->mu);
    bool ok = op->count + op->reserved < OUTGOING_PAYMENT_QUEUE_MAX && !op->stop;
    op->reserved += ok;
    pthread_mutex_unlock(&op->mu);
    return ok;
}

void outgoing_payments_handoff_push(outgoing_payments_t *op, ledger_id_t id)
{
    pthread_mutex_lock(&op->mu);
    ASSERT(op->reserved > 0);
    op->reserved--;
    op->queue[(op->head + op->count) % OUTGOING_PAYMENT_QUEUE_MAX] = id;
    op->count++;
    pthread_mutex_unlock(&op->mu);
}

void outgoing_payments_handoff_release(outgoing_payments_t *op)
{
    pthread_mutex_lock(&op->mu);
    ASSERT(op->reserved > 0);
    op->reserved--;
    pthread_mutex_unlock(&op->mu);
}

size_t outgoing_payments_handoff_take(outgoing_payments_t *op, ledger_id_t *out, size_t max)
{
    pthread_mutex_lock(&op->mu);
    size_t n = 0;
    for (; n < max && op->count > 0; n++, op->count--) {
        out[n] = op->queue[op->head];
        op->head = (op->head + 1) % OUTGOING_PAYMENT_QUEUE_MAX;
    }
    pthread_mutex_unlock(&op->mu);
    return n;
}

void outgoing_payments_kick(outgoing_payments_t *op)
{
    pthread_mutex_lock(&op->mu);
    op->kicks++;
    pthread_cond_signal(&op->wake);
    pthread_mutex_unlock(&op->mu);
}
