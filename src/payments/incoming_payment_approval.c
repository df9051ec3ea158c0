/*
 * Rafiki's approval of incoming payments: the wallet approves or cancels a pending payment
 * (approveIncomingPayment / cancelIncomingPayment), and with POLL_INCOMING_PAYMENT_CREATED_WEBHOOK
 * a create waits for that answer (incoming_payment.h). The decision is two columns of the row
 * (sql/066_incoming_approval.sql), set once by a conditional UPDATE, so two replicas racing on
 * one payment record one decision.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "payments/incoming_payment.h"
#include "payments/rows.h"
#include "base/clock.h"
#include "base/mem.h"

static incoming_payment_result_t ap_storage(db_err_t *err, const db_err_t *e)
{
    if (err)
        *err = *e;
    return INCOMING_PAYMENT_STORAGE_ERROR;
}

/* The decision to record on one payment. */
typedef struct {
    ledger_id_t id;
    bool approve;
    const char *reason; /* cancel only; NULL: none */
    int64_t now_ms;
    incoming_payment_result_t r;
} ap_action_t;

/* Why the conditional UPDATE changed nothing: the row as it is now, read in the same
 * transaction. An earlier decision of the same kind is OK (Rafiki answers the row again). */
static db_rc_t ap_classify(db_conn_t *c, ap_action_t *a, db_err_t *e)
{
    db_stmt_t *st = db_prepare(
        c, "SELECT state, approved_at, cancelled_at FROM incoming_payments WHERE id = ?", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, a->id);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_NOT_FOUND) {
        a->r = INCOMING_PAYMENT_NOT_FOUND;
        return DB_OK;
    }
    if (rc != DB_ROW)
        return rc;
    bool approved = !db_col_null(st, 1), cancelled = !db_col_null(st, 2);
    if (db_col_i64(st, 0) != INCOMING_PAYMENT_PENDING)
        a->r = INCOMING_PAYMENT_WRONG_STATE;
    else if (a->approve ? cancelled : approved)
        a->r = INCOMING_PAYMENT_ALREADY_ACTIONED;
    else
        a->r = INCOMING_PAYMENT_OK;
    return DB_OK;
}

static db_rc_t tx_action(db_conn_t *c, void *arg, db_err_t *e)
{
    ap_action_t *a = arg;
    db_stmt_t *st = db_prepare(
        c,
        a->approve ? "UPDATE incoming_payments SET approved_at = ?, updated_at = ? WHERE id = ? "
                     "AND state = ? AND approved_at IS NULL AND cancelled_at IS NULL"
                   : "UPDATE incoming_payments SET cancelled_at = ?, updated_at = ?, "
                     "cancellation_reason = ? WHERE id = ? AND state = ? AND approved_at IS NULL "
                     "AND cancelled_at IS NULL",
        e);
    if (!st)
        return e->code;
    int i = 1;
    db_bind_i64(st, i++, a->now_ms);
    db_bind_i64(st, i++, a->now_ms);
    if (!a->approve)
        db_bind_str(st, i++, a->reason);
    pay_bind_id(st, i++, a->id);
    db_bind_i64(st, i, INCOMING_PAYMENT_PENDING);
    db_rc_t rc = db_run(st, e);
    if (rc != DB_OK)
        return rc;
    if (db_changes(st) == 1) {
        a->r = INCOMING_PAYMENT_OK;
        return DB_OK;
    }
    return ap_classify(c, a, e);
}

/* reason cut to INCOMING_PAYMENT_REASON_MAX bytes at a UTF-8 character boundary. */
static void ap_reason(const char *reason, char *out, size_t cap)
{
    size_t n = strlen(reason);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
            n--; /* reason[n] would start the cut character */
    }
    memcpy(out, reason, n);
    out[n] = '\0';
}

/* Rafiki's approve and cancel: the checks in its order, then the decision, then the row. */
static incoming_payment_result_t ap_act(const wallet_ctx_t *ctx, ap_action_t *a,
                                        incoming_payment_t *out, db_err_t *err)
{
    incoming_payment_t *p = xmalloc(sizeof *p);
    /* the read ends a payment that is due (expired, paid in full) first, as the worker would */
    incoming_payment_result_t r = incoming_payment_get(ctx, a->id, p, err);
    if (r == INCOMING_PAYMENT_OK && (p->state != INCOMING_PAYMENT_PENDING || p->received_amount))
        r = INCOMING_PAYMENT_WRONG_STATE; /* Rafiki's PROCESSING is not PENDING either */
    if (r == INCOMING_PAYMENT_OK) {
        db_err_t e = {0};
        a->now_ms = clock_wall_ms();
        if (db_write_tx(ctx->db, tx_action, a, &e) != DB_OK)
            r = ap_storage(err, &e);
        else
            r = a->r;
    }
    if (r == INCOMING_PAYMENT_OK)
        r = incoming_payment_get(ctx, a->id, p, err);
    if (r == INCOMING_PAYMENT_OK && out)
        *out = *p;
    free(p);
    return r;
}

incoming_payment_result_t incoming_payment_approve(const wallet_ctx_t *ctx, ledger_id_t id,
                                                   incoming_payment_t *out, db_err_t *err)
{
    ap_action_t a = {.id = id, .approve = true};
    return ap_act(ctx, &a, out, err);
}

incoming_payment_result_t incoming_payment_cancel(const wallet_ctx_t *ctx, ledger_id_t id,
                                                  const char *reason, incoming_payment_t *out,
                                                  db_err_t *err)
{
    char cut[INCOMING_PAYMENT_REASON_MAX + 1];
    if (reason)
        ap_reason(reason, cut, sizeof cut);
    ap_action_t a = {.id = id, .approve = false, .reason = reason ? cut : NULL};
    return ap_act(ctx, &a, out, err);
}

static void ap_sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Rafiki's poll(): ask, stop on an answer, else count the time the ask took plus the pause
 * and give up once that reaches the timeout, else pause and ask again. */
static incoming_payment_result_t ap_poll(const wallet_ctx_t *ctx, ledger_id_t id,
                                         incoming_payment_t *p, db_err_t *err)
{
    uint64_t elapsed = 0;
    for (;;) {
        uint64_t start = clock_mono_ms();
        incoming_payment_result_t r = incoming_payment_get(ctx, id, p, err);
        if (r != INCOMING_PAYMENT_OK)
            return r;
        if (p->cancelled_ms)
            return INCOMING_PAYMENT_ACTION_NOT_PERFORMED;
        if (p->approved_ms)
            return INCOMING_PAYMENT_OK;
        elapsed += clock_mono_ms() - start + ctx->approval_poll_frequency_ms;
        if (elapsed >= ctx->approval_poll_timeout_ms)
            return INCOMING_PAYMENT_ACTION_NOT_PERFORMED;
        ap_sleep_ms(ctx->approval_poll_frequency_ms);
    }
}

static atomic_uint approval_waiters;

incoming_payment_result_t incoming_payment_await_approval(const wallet_ctx_t *ctx, ledger_id_t id,
                                                          incoming_payment_t *out, db_err_t *err)
{
    if (!ctx->approval_poll)
        return INCOMING_PAYMENT_OK;
    if (atomic_fetch_add(&approval_waiters, 1) >= INCOMING_PAYMENT_APPROVAL_WAITERS_MAX) {
        atomic_fetch_sub(&approval_waiters, 1);
        return INCOMING_PAYMENT_ACTION_NOT_PERFORMED;
    }
    incoming_payment_t *p = xmalloc(sizeof *p);
    incoming_payment_result_t r = ap_poll(ctx, id, p, err);
    atomic_fetch_sub(&approval_waiters, 1);
    if (r == INCOMING_PAYMENT_OK)
        *out = *p;
    free(p);
    return r;
}
