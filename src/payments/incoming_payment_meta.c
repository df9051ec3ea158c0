/*
 * Replacing the metadata of an incoming payment (incoming_payment_set_metadata in
 * incoming_payment.h): what Rafiki's updateIncomingPayment does, in any state.
 */
#include <string.h>

#include "payments/incoming_payment.h"
#include "payments/wallet_address_internal.h"
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
