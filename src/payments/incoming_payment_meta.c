/*
 * What Rafiki's admin API keeps of an incoming payment beyond incoming_payment.c's rows:
 * replacing its metadata (updateIncomingPayment, in any state) and the sender's wallet address
 * an operator names (incoming_payment.h).
 */
#include <stdio.h>
#include <string.h>

#include "payments/incoming_payment.h"
#include "payments/rows.h"
#include "base/clock.h"
#include "base/log.h"

typedef struct {
    ledger_id_t id;
    const char *metadata;
    int64_t now_ms;
} meta_arg_t;

static db_rc_t tx_set_metadata(db_conn_t *c, void *arg, db_err_t *e)
{
    const meta_arg_t *a = arg;
    db_stmt_t *st = db_prepare(c,
                               "UPDATE incoming_payments SET metadata = ?, updated_at = ? WHERE "
                               "id = ?",
                               e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, a->metadata);
    db_bind_i64(st, 2, a->now_ms);
    pay_bind_id(st, 3, a->id);
    db_rc_t rc = db_run(st, e);
    if (rc == DB_OK && db_changes(st) == 0)
        return DB_NOT_FOUND;
    return rc;
}

incoming_payment_result_t incoming_payment_set_metadata(const wallet_ctx_t *ctx, ledger_id_t id,
                                                        const char *metadata,
                                                        incoming_payment_t *out, db_err_t *err)
{
    if (metadata && strlen(metadata) > INCOMING_PAYMENT_METADATA_MAX)
        return INCOMING_PAYMENT_METADATA_INVALID;
    meta_arg_t a = {id, metadata, clock_wall_ms()};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_set_metadata, &a, &e);
    if (rc == DB_NOT_FOUND)
        return INCOMING_PAYMENT_NOT_FOUND;
    if (rc != DB_OK) {
        LOGE("incoming payments: metadata: %s", e.msg);
        if (err)
            *err = e;
        return INCOMING_PAYMENT_STORAGE_ERROR;
    }
    return incoming_payment_get(ctx, id, out, err);
}

typedef struct {
    ledger_id_t id;
    const char *sender;
} sender_arg_t;

static db_rc_t tx_set_sender(db_conn_t *c, void *arg, db_err_t *e)
{
    const sender_arg_t *a = arg;
    db_stmt_t *st =
        db_prepare(c, "UPDATE incoming_payments SET sender_wallet_address = ? WHERE id = ?", e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, a->sender);
    pay_bind_id(st, 2, a->id);
    db_rc_t rc = db_run(st, e);
    if (rc == DB_OK && db_changes(st) == 0)
        return DB_NOT_FOUND;
    return rc;
}

incoming_payment_result_t incoming_payment_set_sender(const wallet_ctx_t *ctx, ledger_id_t id,
                                                      const char *sender, db_err_t *err)
{
    if (sender && strlen(sender) > INCOMING_PAYMENT_SENDER_MAX)
        return INCOMING_PAYMENT_METADATA_INVALID;
    sender_arg_t a = {id, sender};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_set_sender, &a, &e);
    if (rc == DB_NOT_FOUND)
        return INCOMING_PAYMENT_NOT_FOUND;
    if (rc == DB_OK)
        return INCOMING_PAYMENT_OK;
    LOGE("incoming payments: sender: %s", e.msg);
    if (err)
        *err = e;
    return INCOMING_PAYMENT_STORAGE_ERROR;
}

incoming_payment_result_t incoming_payment_sender(const wallet_ctx_t *ctx, ledger_id_t id,
                                                  char *out, size_t cap, db_err_t *err)
{
    out[0] = '\0';
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    db_stmt_t *st =
        c ? db_prepare(c, "SELECT sender_wallet_address FROM incoming_payments WHERE id = ?", &e)
          : NULL;
    db_rc_t rc = DB_ERROR;
    if (st) {
        pay_bind_id(st, 1, id);
        rc = db_step_one(st, &e);
        if (rc == DB_ROW && !db_col_null(st, 0))
            snprintf(out, cap, "%s", db_col_text(st, 0, NULL));
    }
    if (c)
        db_release(c);
    if (rc == DB_ROW || rc == DB_NOT_FOUND)
        return INCOMING_PAYMENT_OK;
    LOGE("incoming payments: sender: %s", e.msg);
    if (err)
        *err = e;
    return INCOMING_PAYMENT_STORAGE_ERROR;
}
