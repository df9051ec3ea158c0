/*
 * Quotes (see quote.h): pricing against a local incoming payment, remote receivers
 * (Open Payments incoming payments through op_client.h, wallet addresses through SPSP), and the
 * quotes table.
 */
#include "payments/quote.h"
#include "payments/fee.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/log.h"
#include "base/mem.h"
#include "payments/op_client.h"
#include "payments/json.h"
#include "payments/rows.h"

static const char *const quote_names[QUOTE_RESULT_COUNT] = {
    [QUOTE_OK] = "ok",
    [QUOTE_WALLET_NOT_FOUND] = "wallet_address_not_found",
    [QUOTE_WALLET_INACTIVE] = "wallet_address_inactive",
    [QUOTE_RECEIVER_NOT_FOUND] = "receiver_not_found",
    [QUOTE_RECEIVER_INACTIVE] = "receiver_inactive",
    [QUOTE_RECEIVER_ASSET] = "receiver_asset_unsupported",
    [QUOTE_AMOUNTS_CONFLICT] = "amounts_conflict",
    [QUOTE_AMOUNT_REQUIRED] = "amount_required",
    [QUOTE_ASSET_MISMATCH] = "asset_mismatch",
    [QUOTE_AMOUNT_ZERO] = "amount_zero",
    [QUOTE_AMOUNT_TOO_LOW] = "amount_too_low",
    [QUOTE_RECEIVE_EXCEEDS] = "receive_amount_exceeds_incoming",
    [QUOTE_OVERFLOW] = "amount_overflow",
    [QUOTE_RATE_UNAVAILABLE] = "rate_unavailable",
    [QUOTE_NOT_FOUND] = "quote_not_found",
    [QUOTE_STORAGE_ERROR] = "storage_error",
};

const char *quote_result_str(quote_result_t r)
{
    return (unsigned)r < QUOTE_RESULT_COUNT ? quote_names[r] : "unknown";
}

/* ---- pricing ---- */

static bool same_asset(const quote_amount_t *a, const ledger_asset_t *asset)
{
    return strcmp(a->asset_code, asset->code) == 0 && a->asset_scale == asset->scale;
}

static quote_result_t fees_error(fees_result_t fr)
{
    return fr == FEES_OVERFLOW ? QUOTE_OVERFLOW : QUOTE_AMOUNT_TOO_LOW;
}

/* Sets the amounts of q from the request and the (local, same-asset) receiver. */
static quote_result_t price_local(const quote_request_t *req, const fees_t *fees,
                                  const ledger_asset_t *asset, const quote_receiver_t *rcv,
                                  quote_t *q)
{
    uint64_t remaining = UINT64_MAX;
    if (rcv->has_incoming_amount)
        remaining = rcv->incoming_amount > rcv->received_amount
                        ? rcv->incoming_amount - rcv->received_amount
                        : 0;
    const quote_amount_t *given = req->has_debit ? &req->debit_amount : &req->receive_amount;
    if ((req->has_debit || req->has_receive) && !same_asset(given, asset))
        return QUOTE_ASSET_MISMATCH;
    if ((req->has_debit || req->has_receive) && given->value == 0)
        return QUOTE_AMOUNT_ZERO;
    uint64_t send, fee, debit;
    fees_result_t fr;
    if (req->has_debit) {
        debit = req->debit_amount.value;
        fr = fees_send_for_debit(fees, debit, &send, &fee);
    } else {
        send = req->has_receive ? req->receive_amount.value : remaining;
        if (!req->has_receive && (!rcv->has_incoming_amount || remaining == 0))
            return QUOTE_AMOUNT_REQUIRED;
        fr = fees_debit_for_send(fees, send, &debit, &fee);
    }
    if (fr != FEES_OK)
        return fees_error(fr);
    if (send > remaining)
        return QUOTE_RECEIVE_EXCEEDS;
    q->debit_amount.value = debit;
    q->send_amount = send;
    q->fee = fee;
    q->receive_amount.value = send; /* one asset, no rate: exactly what is sent arrives */
    q->min_delivered = send;
    return QUOTE_OK;
}

static quote_result_t lookup_result(quote_lookup_t l, quote_result_t not_found)
{
    return l == QUOTE_LOOKUP_NOT_FOUND ? not_found : QUOTE_STORAGE_ERROR;
}

/* A remote incoming payment (op_client.h): its credentials, the amount left to pay when the
 * request fixes none, and in *cap what it still takes (UINT64_MAX: no incoming amount). */
static quote_result_t remote_incoming(const quote_svc_t *svc, const quote_request_t *req,
                                      const char *url, quote_request_t *fixed, quote_spsp_t *creds,
                                      uint64_t *cap)
{
    if (!svc->remote_incoming)
        return QUOTE_RECEIVER_NOT_FOUND;
    quote_remote_incoming_t ri;
    if (svc->remote_incoming(svc->remote_incoming_ctx, url, &ri) != QUOTE_LOOKUP_FOUND)
        return QUOTE_RECEIVER_NOT_FOUND;
    if (!ri.open)
        return QUOTE_RECEIVER_INACTIVE;
    uint64_t left = ri.has_incoming_amount && ri.incoming_amount > ri.received_amount
                        ? ri.incoming_amount - ri.received_amount
                        : 0;
    *cap = ri.has_incoming_amount ? left : UINT64_MAX;
    if (!req->has_debit && !req->has_receive) {
        if (left == 0)
            return QUOTE_AMOUNT_REQUIRED;
        fixed->has_receive = true;
        fixed->receive_amount.value = left;
        memcpy(fixed->receive_amount.asset_code, ri.asset_code, sizeof ri.asset_code);
        fixed->receive_amount.asset_scale = ri.asset_scale;
    } else if (req->has_receive && ri.has_incoming_amount && req->receive_amount.value > left) {
        return QUOTE_RECEIVE_EXCEEDS;
    }
    *creds = ri.credentials;
    return QUOTE_OK;
}

/* A receiver that is not a local incoming payment: an incoming payment of another instance
 * (Open Payments) or a wallet address (SPSP); then probe and price. */
static quote_result_t resolve_remote(const quote_svc_t *svc, const quote_request_t *req,
                                     const fees_t *fees, const ledger_asset_t *asset, quote_t *q)
{
    if (!svc->connector)
        return QUOTE_RECEIVER_NOT_FOUND;
    quote_request_t fixed = *req;
    quote_spsp_t creds;
    quote_result_t r = QUOTE_RECEIVER_NOT_FOUND;
    uint64_t cap = UINT64_MAX;
    if (op_client_is_incoming_url(q->receiver, strlen(q->receiver)))
        r = remote_incoming(svc, req, q->receiver, &fixed, &creds, &cap);
    else if (svc->http && quote_spsp_fetch(svc->http, q->receiver, &creds) == QUOTE_LOOKUP_FOUND)
        r = QUOTE_OK;
    if (r != QUOTE_OK)
        return r;
    quote_probe_t rate;
    r = quote_probe(svc, &creds, asset, &rate);
    if (r == QUOTE_OK)
        r = quote_price_ilp(svc, &fixed, fees, asset, &rate, q);
    /* a fixed debit must not buy more than the incoming payment still takes: it is paid as a
     * fixed delivery, and its receiver may accept any amount */
    if (r == QUOTE_OK && q->receive_amount.value > cap)
        r = QUOTE_RECEIVE_EXCEEDS;
    if (r == QUOTE_OK) {
        memcpy(q->destination, creds.destination, sizeof creds.destination);
        memcpy(q->shared_secret, creds.shared_secret, sizeof creds.shared_secret);
    }
    return r;
}

/* A local incoming payment: amounts without a rate in the same asset, else at the connector's. */
static quote_result_t resolve_local(const quote_svc_t *svc, const quote_request_t *req,
                                    const fees_t *fees, const ledger_asset_t *asset,
                                    const quote_receiver_t *rcv, quote_t *q)
{
    if (!rcv->open)
        return QUOTE_RECEIVER_INACTIVE;
    quote_result_t r;
    if (ledger_id_eq(rcv->asset_id, asset->id)) {
        r = price_local(req, fees, asset, rcv, q);
        memcpy(q->receive_amount.asset_code, asset->code, sizeof asset->code);
        q->receive_amount.asset_scale = asset->scale;
    } else {
        r = quote_price_local_fx(svc, req, fees, asset, rcv, q);
    }
    q->receiver_account_id = rcv->account_id;
    q->incoming_payment_id = rcv->incoming_payment_id;
    return r;
}

static quote_result_t quote_insert(db_t *db, const quote_t *q, const char *client);

quote_result_t quote_create(quote_svc_t *svc, const quote_request_t *req, quote_t *out)
{
    if (req->has_debit && req->has_receive)
        return QUOTE_AMOUNTS_CONFLICT;
    if (req->receiver_len == 0 || req->receiver_len > QUOTE_RECEIVER_MAX)
        return QUOTE_RECEIVER_NOT_FOUND;
    quote_wallet_t w;
    quote_lookup_t l = svc->dir.wallet_get(svc->dir.ctx, req->wallet_address_id, &w);
    if (l != QUOTE_LOOKUP_FOUND)
        return lookup_result(l, QUOTE_WALLET_NOT_FOUND);
    if (!w.active)
        return QUOTE_WALLET_INACTIVE;
    quote_svc_t scoped; /* the wallet's tenant may have rates of its own */
    rates_t *own = svc->rates_for ? svc->rates_for(svc->rates_for_ctx, w.id) : NULL;
    if (own) {
        scoped = *svc;
        scoped.rates = own;
        svc = &scoped;
    }
    ledger_asset_t asset;
    if (ledger_asset_get(svc->ledger, w.asset_id, &asset) != LEDGER_OK)
        return QUOTE_STORAGE_ERROR;
    /* Rafiki's: the debit asset's current sending fee (fee.h; PAYMENT_FEES when it has none) */
    fees_t fees;
    if (fee_sending_for_quote(svc->db, &asset, &svc->fees, &fees) != FEE_OK)
        return QUOTE_STORAGE_ERROR;
    quote_t *q = xcalloc(1, sizeof *q);
    memcpy(q->receiver, req->receiver, req->receiver_len);
    q->receiver[req->receiver_len] = '\0';
    quote_receiver_t rcv;
    quote_result_t r;
    l = svc->dir.receiver_local(svc->dir.ctx, req->receiver, req->receiver_len, &rcv);
    if (l == QUOTE_LOOKUP_FOUND)
        r = resolve_local(svc, req, &fees, &asset, &rcv, q);
    else if (l == QUOTE_LOOKUP_NOT_FOUND)
        r = resolve_remote(svc, req, &fees, &asset, q);
    else
        r = QUOTE_STORAGE_ERROR;
    if (r == QUOTE_OK) {
        q->id = ledger_id_time_ordered();
        q->wallet_address_id = w.id;
        q->asset_id = w.asset_id;
        memcpy(q->debit_amount.asset_code, asset.code, sizeof asset.code);
        q->debit_amount.asset_scale = asset.scale;
        q->created_ms = clock_wall_ms();
        q->expires_ms = q->created_ms + (int64_t)svc->lifespan_ms;
        r = quote_insert(svc->db, q, req->client);
    }
    if (r == QUOTE_OK)
        *out = *q;
    free(q);
    return r;
}

/* ---- JSON ---- */

json_t *quote_to_json(const quote_t *q)
{
    const quote_amount_t *d = &q->debit_amount, *r = &q->receive_amount;
    return json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", pay_json_id(q->id),
                     "wallet_address_id", pay_json_id(q->wallet_address_id), "receiver",
                     q->receiver, "debit_amount",
                     pay_amount_json(d->value, d->asset_code, d->asset_scale), "receive_amount",
                     pay_amount_json(r->value, r->asset_code, r->asset_scale), "fee",
                     pay_amount_json(q->fee, d->asset_code, d->asset_scale), "min_delivered",
                     pay_amount_json(q->min_delivered, r->asset_code, r->asset_scale), "expires_at",
                     pay_json_time(q->expires_ms), "created_at", pay_json_time(q->created_ms));
}

/* ---- the quotes table ---- */

void quote_db_bind_id_or_null(db_stmt_t *st, int idx, ledger_id_t id)
{
    if (ledger_id_is_zero(id))
        db_bind_null(st, idx);
    else
        pay_bind_id(st, idx, id);
}

typedef struct {
    const quote_t *q;
    const char *client;
} quote_insert_t;

static db_rc_t tx_insert(db_conn_t *c, void *arg, db_err_t *e)
{
    const quote_insert_t *a = arg;
    const quote_t *q = a->q;
    db_stmt_t *st = db_prepare(
        c,
        "INSERT INTO quotes (id, wallet_address_id, receiver, asset_id, debit_amount, "
        "debit_asset_code, debit_asset_scale, send_amount, fee, receive_amount, min_delivered, "
        "receive_asset_code, receive_asset_scale, receiver_account_id, incoming_payment_id, "
        "expires_at, created_at, destination, shared_secret, client) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, q->id);
    pay_bind_id(st, 2, q->wallet_address_id);
    db_bind_str(st, 3, q->receiver);
    pay_bind_id(st, 4, q->asset_id);
    db_bind_u64(st, 5, q->debit_amount.value);
    db_bind_str(st, 6, q->debit_amount.asset_code);
    db_bind_i64(st, 7, q->debit_amount.asset_scale);
    db_bind_u64(st, 8, q->send_amount);
    db_bind_u64(st, 9, q->fee);
    db_bind_u64(st, 10, q->receive_amount.value);
    db_bind_u64(st, 11, q->min_delivered);
    db_bind_str(st, 12, q->receive_amount.asset_code);
    db_bind_i64(st, 13, q->receive_amount.asset_scale);
    quote_db_bind_id_or_null(st, 14, q->receiver_account_id);
    quote_db_bind_id_or_null(st, 15, q->incoming_payment_id);
    db_bind_i64(st, 16, q->expires_ms);
    db_bind_i64(st, 17, q->created_ms);
    bool remote = ledger_id_is_zero(q->receiver_account_id);
    char secret[64];
    if (remote &&
        b64_encode(secret, sizeof secret, q->shared_secret, sizeof q->shared_secret, B64_STD) < 0)
        return DB_INVALID;
    db_bind_str(st, 18, remote ? q->destination : NULL);
    db_bind_str(st, 19, remote ? secret : NULL);
    db_bind_str(st, 20, a->client);
    return db_run(st, e);
}

static quote_result_t quote_insert(db_t *db, const quote_t *q, const char *client)
{
    db_err_t e;
    quote_insert_t a = {q, client};
    db_rc_t rc = db_write_tx(db, tx_insert, &a, &e);
    if (rc != DB_OK) {
        LOGE("quotes: insert failed: %s", e.msg);
        return QUOTE_STORAGE_ERROR;
    }
    return QUOTE_OK;
}

static void row_read(db_stmt_t *st, quote_t *q)
{
    memset(q, 0, sizeof *q);
    q->id = pay_col_id(st, 0);
    q->wallet_address_id = pay_col_id(st, 1);
    pay_col_str(st, 2, q->receiver, sizeof q->receiver);
    q->asset_id = pay_col_id(st, 3);
    q->debit_amount.value = db_col_u64(st, 4);
    pay_col_str(st, 5, q->debit_amount.asset_code, sizeof q->debit_amount.asset_code);
    q->debit_amount.asset_scale = (uint8_t)db_col_i64(st, 6);
    q->send_amount = db_col_u64(st, 7);
    q->fee = db_col_u64(st, 8);
    q->receive_amount.value = db_col_u64(st, 9);
    q->min_delivered = db_col_u64(st, 10);
    pay_col_str(st, 11, q->receive_amount.asset_code, sizeof q->receive_amount.asset_code);
    q->receive_amount.asset_scale = (uint8_t)db_col_i64(st, 12);
    q->receiver_account_id = pay_col_id(st, 13);
    q->incoming_payment_id = pay_col_id(st, 14);
    q->expires_ms = db_col_i64(st, 15);
    q->created_ms = db_col_i64(st, 16);
    pay_col_str(st, 17, q->destination, sizeof q->destination);
    size_t n = 0;
    const char *secret = db_col_text(st, 18, &n);
    uint8_t tmp[48];
    if (n > 0 &&
        b64_decode(tmp, sizeof tmp, secret, n, B64_STD) != (ssize_t)STREAM_SHARED_SECRET_LEN)
        LOGE("quotes: a malformed shared secret in quote %s", db_col_text(st, 0, NULL));
    else if (n > 0)
        memcpy(q->shared_secret, tmp, sizeof q->shared_secret);
}

quote_result_t quote_get_conn(db_conn_t *conn, ledger_id_t id, quote_t *out)
{
    db_err_t e;
    uint8_t key[DB_MEMO_KEY_LEN]; /* quotes never change once created: the memo keeps them */
    ledger_id_bytes(id, key);
    if (db_memo_get(db_conn_db(conn), DB_MEMO_QUOTE, key, out, sizeof *out))
        return QUOTE_OK;
    db_stmt_t *st = db_prepare(
        conn,
        "SELECT id, wallet_address_id, receiver, asset_id, debit_amount, debit_asset_code, "
        "debit_asset_scale, send_amount, fee, receive_amount, min_delivered, receive_asset_code, "
        "receive_asset_scale, receiver_account_id, incoming_payment_id, expires_at, created_at, "
        "destination, shared_secret "
        "FROM quotes WHERE id = ?",
        &e);
    if (!st)
        return QUOTE_STORAGE_ERROR;
    pay_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, &e);
    if (rc == DB_NOT_FOUND)
        return QUOTE_NOT_FOUND;
    if (rc != DB_ROW) {
        LOGE("quotes: read failed: %s", e.msg);
        return QUOTE_STORAGE_ERROR;
    }
    row_read(st, out);
    db_memo_put(conn, DB_MEMO_QUOTE, key, out, sizeof *out);
    return QUOTE_OK;
}

quote_result_t quote_get(db_t *db, ledger_id_t id, quote_t *out)
{
    db_err_t e;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    if (!c)
        return QUOTE_STORAGE_ERROR;
    quote_result_t r = quote_get_conn(c, id, out);
    db_release(c);
    return r;
}
