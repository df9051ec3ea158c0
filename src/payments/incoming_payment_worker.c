/*
 * The incoming payment worker: expires what is due, completes what has been paid in full,
 * and finishes settlements a crash interrupted. Each pass reads ids in pages and then acts on
 * each through the same functions the API uses (incoming_payment_get ends a due payment), so
 * the worker has no transition logic of its own.
 *
 * Why it polls the ledger for "paid in full": money reaches the invoice account through the
 * connector's local STREAM delivery, which knows nothing about incoming payments; the ledger's
 * counters are the only record, and reading one is O(1). A connector hook that reported the
 * credit would end payments sooner; until there is one, GET also ends a payment it finds paid.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payments/incoming_payment.h"
#include "payments/wallet_address_events.h"
#include "payments/rows.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

typedef enum { SCAN_DUE, SCAN_AMOUNTS, SCAN_UNSETTLED } scan_t;

static const char *const SCAN_SQL[] = {
    [SCAN_DUE] = "SELECT id, account_id, incoming_amount FROM incoming_payments WHERE state = 1 "
                 "AND expires_at <= ? AND id > ? ORDER BY id LIMIT ?",
    [SCAN_AMOUNTS] = "SELECT id, account_id, incoming_amount, reported_received FROM "
                     "incoming_payments WHERE state = 1 AND id > ? ORDER BY id LIMIT ?",
    [SCAN_UNSETTLED] = "SELECT id, account_id, incoming_amount FROM incoming_payments WHERE "
                       "state <> 1 AND settled = ? AND id > ? ORDER BY id LIMIT ?",
};

typedef struct {
    ledger_id_t id;
    ledger_id_t account_id;
    bool has_incoming_amount;
    uint64_t incoming_amount;
    uint64_t reported_received; /* SCAN_AMOUNTS only: what the last partial event reported */
    uint64_t received;          /* filled by scan_paid */
} scan_row_t;

/* Reads one page of rows after `after`; *n how many. */
static db_rc_t scan_page(const wallet_ctx_t *ctx, scan_t kind, int64_t now_ms, ledger_id_t after,
                         scan_row_t *rows, size_t *n, db_err_t *e)
{
    *n = 0;
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, e);
    if (!c)
        return e->code;
    db_rc_t rc = DB_DONE;
    db_stmt_t *st = db_prepare(c, SCAN_SQL[kind], e);
    if (!st) {
        rc = e->code;
        goto done;
    }
    int i = 1;
    if (kind == SCAN_DUE)
        db_bind_i64(st, i++, now_ms);
    else if (kind == SCAN_UNSETTLED)
        db_bind_bool(st, i++, false);
    pay_bind_id(st, i++, after);
    db_bind_i64(st, i, INCOMING_PAYMENT_WORKER_BATCH);
    while ((rc = db_step(st, e)) == DB_ROW && *n < INCOMING_PAYMENT_WORKER_BATCH)
        rows[(*n)++] = (scan_row_t){pay_col_id(st, 0),
                                    pay_col_id(st, 1),
                                    !db_col_null(st, 2),
                                    db_col_u64(st, 2),
                                    kind == SCAN_AMOUNTS ? db_col_u64(st, 3) : 0,
                                    0};
done:
    db_release(c);
    return rc < 0 ? rc : DB_OK;
}

/* Whether a row's incoming amount has arrived (one O(1) counter read, kept in row->received). */
static bool scan_paid(const wallet_ctx_t *ctx, scan_row_t *row)
{
    ledger_status_t s;
    if (ledger_account_status(ctx->ledger, row->account_id, &s) != LEDGER_OK)
        return false;
    row->received = s.total_received;
    return row->has_incoming_amount && s.total_received >= row->incoming_amount;
}

/* A pending payment that has received more than its last partial event said: one more event
 * (incoming_payment_partial_report; a storage error leaves it to the next pass). None with
 * the partial payment decision on: its events are the ones a wallet answers. */
static void scan_partial(const wallet_ctx_t *ctx, const scan_row_t *row, db_err_t *err)
{
    if (!ctx->partial_decision && row->received > row->reported_received)
        incoming_payment_partial_report(ctx, row->id, row->received, NULL, err);
}

/* Handles one page of a scan through one incoming_payments_end; returns how many rows changed. */
static size_t scan_act(const wallet_ctx_t *ctx, scan_t kind, scan_row_t *rows, size_t n,
                       db_err_t *err)
{
    incoming_payment_end_t ends[INCOMING_PAYMENT_WORKER_BATCH];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* due: completed if it was paid in full meanwhile, else expired; amounts: most open
         * payments are not paid yet, some partly (reported once per increase); unsettled:
         * ended before, ending settles them */
        bool paid = kind != SCAN_UNSETTLED && scan_paid(ctx, &rows[i]);
        if (kind == SCAN_AMOUNTS && !paid) {
            scan_partial(ctx, &rows[i], err); /* an event, not an ending: not counted */
            continue;
        }
        ends[k++] =
            (incoming_payment_end_t){.id = rows[i].id,
                                     .to = kind == SCAN_DUE && !paid ? INCOMING_PAYMENT_EXPIRED
                                                                     : INCOMING_PAYMENT_COMPLETED};
    }
    incoming_payments_end(ctx, ends, k, err);
    size_t changed = 0;
    for (size_t i = 0; i < k; i++) {
        incoming_payment_result_t r = ends[i].result;
        changed += kind == SCAN_UNSETTLED ? r == INCOMING_PAYMENT_ALREADY_COMPLETED ||
                                                r == INCOMING_PAYMENT_ALREADY_EXPIRED
                                          : r == INCOMING_PAYMENT_OK;
    }
    return changed;
}

incoming_payment_result_t incoming_payment_worker_run(const wallet_ctx_t *ctx, int64_t now_ms,
                                                      ledger_id_t *amounts_cursor, size_t *changed,
                                                      db_err_t *err)
{
    size_t count = 0;
    incoming_payment_result_t r = INCOMING_PAYMENT_OK;
    scan_row_t rows[INCOMING_PAYMENT_WORKER_BATCH];
    for (int kind = SCAN_DUE; kind <= SCAN_UNSETTLED && r == INCOMING_PAYMENT_OK; kind++) {
        bool amounts = kind == SCAN_AMOUNTS;
        ledger_id_t after = amounts && amounts_cursor ? *amounts_cursor : (ledger_id_t){0, 0};
        size_t n;
        do {
            db_err_t e = {0};
            if (scan_page(ctx, (scan_t)kind, now_ms, after, rows, &n, &e) != DB_OK) {
                if (err)
                    *err = e;
                r = INCOMING_PAYMENT_STORAGE_ERROR;
                break;
            }
            count += scan_act(ctx, (scan_t)kind, rows, n, err);
            after = n == INCOMING_PAYMENT_WORKER_BATCH ? rows[n - 1].id : (ledger_id_t){0, 0};
            /* due and unsettled rows leave their scan as they are handled: one page a pass;
             * the amounts scan goes on from its cursor next pass, or through all pages now */
        } while (amounts && !amounts_cursor && n == INCOMING_PAYMENT_WORKER_BATCH);
        if (amounts && amounts_cursor)
            *amounts_cursor = after;
    }
    if (changed)
        *changed = count;
    return r;
}

/* ---- the thread ---- */

struct incoming_payment_worker {
    const wallet_ctx_t *ctx;
    uint32_t interval_ms;
    ledger_id_t amounts_cursor; /* where the next pass goes on checking paid amounts */
    ledger_id_t marks_cursor;   /* where the next web monetization mark pass goes on */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* The wallet addresses' web monetization events ride on this worker's pass
 * (wallet_address_events.h): a page of marks, then a page of due wallet addresses. */
static void wallet_events_pass(incoming_payment_worker_t *w)
{
    db_err_t e = {0};
    size_t n;
    int64_t now = clock_wall_ms();
    if (wa_events_mark_pass(w->ctx, now, &w->marks_cursor, NULL, &e) != WA_EVENTS_OK ||
        wa_events_process(w->ctx, now, WA_EVENTS_BATCH, &n, &e) != WA_EVENTS_OK)
        LOGW("wallet address events: %s (retrying)", e.msg);
}

static void *worker_main(void *arg)
{
    incoming_payment_worker_t *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        pthread_mutex_unlock(&w->mu);
        db_err_t e = {0};
        if (incoming_payment_worker_run(w->ctx, clock_wall_ms(), &w->amounts_cursor, NULL, &e) !=
            INCOMING_PAYMENT_OK)
            LOGW("incoming payment worker: %s (retrying)", e.msg);
        wallet_events_pass(w);
        pthread_mutex_lock(&w->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += w->interval_ms / 1000;
        until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

incoming_payment_worker_t *incoming_payment_worker_start(const wallet_ctx_t *ctx,
                                                         uint32_t interval_ms)
{
    incoming_payment_worker_t *w = xcalloc(1, sizeof *w);
    w->ctx = ctx;
    w->interval_ms = interval_ms ? interval_ms : 1000;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

void incoming_payment_worker_stop(incoming_payment_worker_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
