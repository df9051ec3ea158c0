/*
 * The outgoing payment state machine (see outgoing_payment.h): claiming due rows, and the fund,
 * send and settle steps. Each step submits ledger work under a derived id, then moves the row
 * with a conditional UPDATE; a step that finds the row moved by someone else (a cancel) reads
 * it again and goes on from where it now is. The worker threads themselves (start, loop, stop)
 * are at the end.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "payments/outgoing_payment.h"
#include "payments/op_client.h"
#include "payments/outgoing_payment_internal.h"
#include "payments/rows.h"
#include "base/assert.h"
#include "base/clock.h"
#include "payments/webhooks.h"
#include "base/log.h"
#include "base/mem.h"
#include "stream/sender.h"

/* What a step asks of the loop that runs a claimed payment. */
typedef enum {
    STEP_AGAIN, /* the row moved on: read it and run the next step now */
    STEP_WAIT,  /* not possible yet (funds, pending holds, storage): try after retry_ms */
    STEP_DONE,  /* settled: nothing more to do */
    STEP_PARK,  /* Rafiki's model, FUNDING: no worker takes it until the wallet's deposit */
} step_t;

/* Steps one payment may run in one claim: fund, send, settle, plus one re-read after a race. */
#define STEPS_MAX 6

/* ---- row updates ---- */

typedef struct {
    ledger_id_t id;
    outgoing_payment_state_t from, to;
    const char *error; /* NULL: keep */
    uint64_t sent;
    bool settled;
    bool changed;
    int64_t now;            /* updated_at; 0: the clock when it runs */
    const char *event_data; /* the COMPLETED event's, made beforehand (NULL: made here) */
} move_t;

static db_rc_t tx_move(db_conn_t *c, void *arg, db_err_t *e)
{
    move_t *m = arg;
    db_stmt_t *st =
        db_prepare(c,
                   "UPDATE outgoing_payments SET state = ?, error = COALESCE(?, error), "
                   "sent_amount = ?, settled = ?, updated_at = ? "
                   "WHERE id = ? AND state = ? AND settled = ?",
                   e);
    if (!st)
        return e->code;
    db_bind_str(st, 1, outgoing_payment_state_str(m->to));
    db_bind_str(st, 2, m->error);
    db_bind_u64(st, 3, m->sent);
    db_bind_bool(st, 4, m->settled);
    db_bind_i64(st, 5, m->now ? m->now : clock_wall_ms());
    pay_bind_id(st, 6, m->id);
    db_bind_str(st, 7, outgoing_payment_state_str(m->from));
    db_bind_bool(st, 8, false);
    db_rc_t rc = db_run(st, e);
    m->changed = rc == DB_OK && db_changes(st) == 1;
    if (rc != DB_OK || !m->changed || m->to == m->from)
        return rc;
    /* the event commits with the state change it reports; funded: the money left the wallet
     * (FUNDING -> SENDING, or a local payment's one commit that funds and pays) */
    if (m->from == OUTGOING_PAYMENT_FUNDING &&
        (m->to == OUTGOING_PAYMENT_SENDING || m->to == OUTGOING_PAYMENT_COMPLETED) &&
        (rc = outgoing_payment_event(c, WEBHOOK_OUTGOING_PAYMENT_FUNDED, m->id, e)) != DB_OK)
        return rc;
    if (m->to == OUTGOING_PAYMENT_COMPLETED && m->event_data)
        return outgoing_payment_event_text(c, WEBHOOK_OUTGOING_PAYMENT_COMPLETED, m->id,
                                           m->event_data, e);
    if (m->to == OUTGOING_PAYMENT_COMPLETED)
        return outgoing_payment_event(c, WEBHOOK_OUTGOING_PAYMENT_COMPLETED, m->id, e);
    if (m->to == OUTGOING_PAYMENT_FAILED &&
        (rc = outgoing_payment_grant_refund(c, m->id, m->sent, e)) != DB_OK)
        return rc;
    if (m->to == OUTGOING_PAYMENT_FAILED)
        return outgoing_payment_event(c, WEBHOOK_OUTGOING_PAYMENT_FAILED, m->id, e);
    return DB_OK;
}

/* Moves p from its state to `to` (settled: also marks it settled). STEP_AGAIN whether or not the
 * row was still in p's state (a cancel may have won), STEP_WAIT on a storage error. */
static step_t move(outgoing_payments_t *op, const outgoing_payment_t *p,
                   outgoing_payment_state_t to, const char *error, uint64_t sent, bool settled)
{
    move_t m = {
        .id = p->id, .from = p->state, .to = to, .error = error, .sent = sent, .settled = settled};
    db_err_t e;
    if (db_write_tx(op->cfg.quotes->db, tx_move, &m, &e) != DB_OK) {
        LOGE("outgoing payments: state update failed: %s", e.msg);
        return STEP_WAIT;
    }
    if (m.changed && to != p->state)
        LOGD("outgoing payment: %s -> %s%s%s", outgoing_payment_state_str(p->state),
             outgoing_payment_state_str(to), error ? " " : "", error ? error : "");
    return STEP_AGAIN;
}

typedef struct {
    ledger_id_t id;
    int64_t at;
} reschedule_t;

static db_rc_t tx_reschedule(db_conn_t *c, void *arg, db_err_t *e)
{
    const reschedule_t *r = arg;
    /* parking applies only while FUNDING: a deposit that committed meanwhile made it due */
    db_stmt_t *st =
        db_prepare(c,
                   r->at == OUTGOING_PAYMENT_PARKED_MS
                       ? "UPDATE outgoing_payments SET next_attempt_at = ? WHERE id = "
                         "? AND state = 'FUNDING'"
                       : "UPDATE outgoing_payments SET next_attempt_at = ? WHERE id = ?",
                   e);
    if (!st)
        return e->code;
    db_bind_i64(st, 1, r->at);
    pay_bind_id(st, 2, r->id);
    return db_run(st, e);
}

/* ---- ledger ---- */

/* The longest chain: fund, send, fee and, across assets, deliver. */
#define LEG_MAX 4

/* LEDGER_OK when every result says applied now or before (LEDGER_EXISTS), else the first other
 * result (for a chain: the op that failed, not linked_event_failed; its index into *failed when
 * failed is not NULL). A chain that ran before answers exists for one op and
 * linked_event_failed for the others: it is applied, since its ops are derived from the payment
 * and only ever applied together. */
static ledger_result_t first_failure(const ledger_result_t *res, size_t n, size_t *failed)
{
    for (size_t i = 0; i < n; i++) {
        if (res[i] == LEDGER_OK || res[i] == LEDGER_EXISTS || res[i] == LEDGER_LINKED_EVENT_FAILED)
            continue;
        if (failed)
            *failed = i;
        return res[i];
    }
    return LEDGER_OK;
}

/* Runs ops as one submission; first_failure of its results (or the submission's failure). */
static ledger_result_t ledger_run(outgoing_payments_t *op, const ledger_op_t *ops, size_t n)
{
    ledger_result_t res[LEG_MAX];
    ASSERT(n <= LEG_MAX);
    ledger_result_t r = ledger_transfers_execute(op->cfg.quotes->ledger, ops, n, res);
    return r != LEDGER_OK ? r : first_failure(res, n, NULL);
}

static bool ledger_transient(ledger_result_t r)
{
    return r == LEDGER_STORAGE_ERROR || r == LEDGER_CLOSED;
}

static ledger_op_t transfer(ledger_id_t payment, uint32_t code, ledger_id_t from, ledger_id_t to,
                            uint64_t amount)
{
    return (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .id = outgoing_payment_transfer_id(payment, code),
                         .debit_account_id = from,
                         .credit_account_id = to,
                         .amount = amount,
                         .code = code};
}

/* ---- steps ---- */

static step_t step_send_local(outgoing_payments_t *op, const outgoing_payment_t *p,
                              const quote_t *q);

static step_t step_fund(outgoing_payments_t *op, const outgoing_payment_t *p, const quote_t *q)
{
    if (clock_wall_ms() >= q->expires_ms)
        return move(op, p, OUTGOING_PAYMENT_FAILED, "quote_expired", 0, false);
    /* Local: funding is the first leg of the one chain that pays (step_send_local) */
    if (!ledger_id_is_zero(q->receiver_account_id))
        return step_send_local(op, p, q);
    ledger_account_t acct;
    ledger_result_t r = ledger_account_get(op->cfg.quotes->ledger, p->id, &acct);
    if (r != LEDGER_OK) {
        LOGE("outgoing payment: its account: %s", ledger_result_str(r));
        return STEP_WAIT;
    }
    ledger_op_t fund =
        transfer(p->id, OUTGOING_PAYMENT_CODE_FUND, acct.parent_id, p->id, q->debit_amount.value);
    r = ledger_run(op, &fund, 1);
    if (r == LEDGER_OK)
        return move(op, p, OUTGOING_PAYMENT_SENDING, NULL, 0, false);
    if (r == LEDGER_EXCEEDS_CREDITS || ledger_transient(r))
        return STEP_WAIT; /* the wallet may still deposit until the quote expires */
    LOGW("outgoing payment: funding refused: %s", ledger_result_str(r));
    return move(op, p, OUTGOING_PAYMENT_FAILED, "funding_failed", 0, false);
}

/* The legs of a local payment: fund, send, fee; across assets send and fee go to the debit
 * asset's liquidity account and a deliver leg pays the invoice from the receive asset's.
 * Returns the number of legs (0: an account or asset is unreadable, try later). */
static size_t local_legs(outgoing_payments_t *op, const outgoing_payment_t *p, const quote_t *q,
                         ledger_op_t ops[LEG_MAX])
{
    ledger_t *l = op->cfg.quotes->ledger;
    ledger_asset_t src, dst;
    ledger_account_t acct, invoice;
    if (ledger_asset_get(l, q->asset_id, &src) != LEDGER_OK ||
        ledger_account_get(l, p->id, &acct) != LEDGER_OK ||
        ledger_account_get(l, q->receiver_account_id, &invoice) != LEDGER_OK)
        return 0;
    bool fx = !ledger_id_eq(invoice.asset_id, src.id);
    if (fx && ledger_asset_get(l, invoice.asset_id, &dst) != LEDGER_OK)
        return 0;
    size_t n = 0;
    /* Rafiki's model: the wallet deposited the debit amount already, and the fee stays in the
     * outgoing account for the wallet's withdrawal */
    if (!p->rafiki_funding)
        ops[n++] = transfer(p->id, OUTGOING_PAYMENT_CODE_FUND, acct.parent_id, p->id,
                            q->debit_amount.value);
    ops[n++] = transfer(p->id, OUTGOING_PAYMENT_CODE_SEND, p->id,
                        fx ? src.liquidity_account_id : q->receiver_account_id, q->send_amount);
    if (q->fee > 0 && !p->rafiki_funding)
        ops[n++] =
            transfer(p->id, OUTGOING_PAYMENT_CODE_FEE, p->id, src.liquidity_account_id, q->fee);
    if (fx)
        ops[n++] = transfer(p->id, OUTGOING_PAYMENT_CODE_DELIVER, dst.liquidity_account_id,
                            q->receiver_account_id, q->receive_amount.value);
    for (size_t i = 0; i + 1 < n; i++)
        ops[i].flags |= LEDGER_F_LINKED;
    return n;
}

/* The guard of a local payment's chain: the row moves to COMPLETED (and its event is written)
 * in the transaction that moves the money, and only from where the worker read it, so a
 * cancel that won the row first undoes the chain. */
static db_rc_t guard_complete(db_conn_t *c, void *arg, const ledger_result_t *res, size_t n,
                              bool *keep, db_err_t *e)
{
    move_t *m = arg;
    m->changed = false;
    if (first_failure(res, n, NULL) != LEDGER_OK)
        return *keep = true, DB_OK; /* refused: nothing moved, the row stays */
    /* applied now, or a chain that ran before (exists) */
    db_rc_t rc = tx_move(c, m, e);
    /* a cancel that came first: the money must not move (a chain applied before stays) */
    *keep = rc == DB_OK && (m->changed || res[0] != LEDGER_OK);
    return rc;
}

static step_t step_send_local(outgoing_payments_t *op, const outgoing_payment_t *p,
                              const quote_t *q)
{
    /* One chain, all or nothing, its ops only ever submitted together, and the row's move to
     * COMPLETED in the same transaction (guard_complete): one commit pays. */
    ledger_op_t ops[LEG_MAX];
    size_t n = local_legs(op, p, q, ops), failed = 0;
    if (n == 0)
        return STEP_WAIT;
    /* Nothing left over (debit = send + fee), or nothing to give back (Rafiki's model: the
     * wallet withdraws the rest): settled with the same update. */
    bool settled = q->debit_amount.value - q->send_amount - q->fee == 0 || p->rafiki_funding;
    move_t m = {.id = p->id,
                .from = p->state,
                .to = OUTGOING_PAYMENT_COMPLETED,
                .sent = q->send_amount,
                .settled = settled,
                .now = clock_wall_ms()};
    /* the event's data is made here, not on the batcher while every batch waits */
    outgoing_payment_t *after = xmalloc(sizeof *after);
    *after = *p;
    after->state = OUTGOING_PAYMENT_COMPLETED;
    after->sent_amount = q->send_amount;
    after->updated_ms = m.now;
    char *event_data = outgoing_payment_event_data(after, q);
    free(after);
    m.event_data = event_data;
    ledger_result_t res[LEG_MAX];
    ledger_result_t r =
        ledger_transfers_execute_guarded(op->cfg.quotes->ledger, ops, n, res, guard_complete, &m);
    free(event_data);
    if (r == LEDGER_OK)
        r = first_failure(res, n, &failed);
    if (r == LEDGER_OK || r == LEDGER_GUARD_REFUSED) {
        if (m.changed)
            LOGD("outgoing payment: %s -> COMPLETED", outgoing_payment_state_str(p->state));
        const quote_directory_t *dir = &op->cfg.quotes->dir;
        if (m.changed && dir->receiver_paid)
            dir->receiver_paid(dir->ctx, q->incoming_payment_id);
        return STEP_AGAIN; /* completed, or cancelled first: the row says which */
    }
    if (ledger_transient(r))
        return STEP_WAIT;
    bool short_funds = r == LEDGER_EXCEEDS_CREDITS; /* the wallet's (leg 0) or the liquidity's */
    if (short_funds && clock_wall_ms() < q->expires_ms)
        return STEP_WAIT; /* the wallet spent the money since it was checked: until expiry */
    if (short_funds)
        return move(op, p, OUTGOING_PAYMENT_FAILED,
                    failed == 0 ? "insufficient_balance" : "insufficient_liquidity", 0, false);
    /* the incoming payment is full (its max balance), gone, or in another asset */
    LOGW("outgoing payment: the receiver refused: %s", ledger_result_str(r));
    return move(op, p, OUTGOING_PAYMENT_FAILED, "receiver_refused", 0, false);
}

/* Stable error names of a remote payment that failed (stream_pay_error_str is prose). */
static const char *stream_error_code(stream_pay_error_t e)
{
    static const char *const names[] = {
        [STREAM_PAY_OK] = "stream_ok",
        [STREAM_PAY_ERR_ARGS] = "stream_invalid_receiver",
        [STREAM_PAY_ERR_RATE_PROBE] = "stream_rate_probe_failed",
        [STREAM_PAY_ERR_EXCHANGE_RATE] = "stream_exchange_rate_too_low",
        [STREAM_PAY_ERR_CONNECTOR] = "stream_rejected",
        [STREAM_PAY_ERR_CLOSED] = "stream_closed_by_receiver",
        [STREAM_PAY_ERR_RECEIVE_MAX] = "stream_receive_max_exceeded",
        [STREAM_PAY_ERR_ASSET_CONFLICT] = "stream_asset_conflict",
        [STREAM_PAY_ERR_PROTOCOL] = "stream_protocol_violation",
        [STREAM_PAY_ERR_RETRIES] = "stream_too_many_retries",
        [STREAM_PAY_ERR_TIMEOUT] = "stream_timeout",
        [STREAM_PAY_ERR_LIMIT] = "stream_packet_limit",
    };
    return (size_t)e < sizeof names / sizeof names[0] ? names[e] : "stream_error";
}

/* Reads the outgoing account; false (try later) while holds of packets are open. */
static bool outgoing_sent(outgoing_payments_t *op, const outgoing_payment_t *p, uint64_t *sent)
{
    ledger_account_t acct;
    if (ledger_account_get(op->cfg.quotes->ledger, p->id, &acct) != LEDGER_OK ||
        acct.counters.debits_pending > 0)
        return false;
    *sent = acct.counters.debits_posted;
    return true;
}

/* outgoing_sent right after a run: the holds of its last packets post or void as their replies
 * are applied, which may come a moment after the sender has them; waits up to ~1 s for that,
 * so a final reject fails the payment now rather than after another attempt. */
static bool outgoing_sent_after(outgoing_payments_t *op, const outgoing_payment_t *p,
                                uint64_t *sent)
{
    for (int i = 0; i < 50; i++) {
        if (outgoing_sent(op, p, sent))
            return true;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/* Streams the rest of send_amount from the outgoing account through the in-process connector
 * (res: what the run saw). What was sent is what the ledger posted from that account (the fee
 * moves only after), so a run after a crash sends only the remainder. */
static stream_pay_error_t stream_rest(outgoing_payments_t *op, const outgoing_payment_t *p,
                                      const quote_t *q, stream_pay_mode_t mode, uint64_t amount,
                                      stream_pay_result_t *res)
{
    quote_link_t link = {.connector = op->cfg.quotes->connector, .source = p->id};
    uint32_t timeout = op->cfg.lease_ms / 2 < 20000 ? op->cfg.lease_ms / 2 : 20000;
    stream_pay_opts_t o = {.destination = SLICE_STR(q->destination),
                           .shared_secret = q->shared_secret,
                           .send = quote_link_send,
                           .send_ctx = &link,
                           .mode = mode,
                           .amount = amount,
                           .min_rate_num = q->min_delivered,
                           .min_rate_den = q->send_amount,
                           .source_asset_code = SLICE_STR(q->debit_amount.asset_code),
                           .source_asset_scale = q->debit_amount.asset_scale,
                           .timeout_ms = timeout};
    stream_pay_error_t err = stream_pay(&o, res);
    if (err != STREAM_PAY_OK)
        LOGW("outgoing payment: stream to %s: %s (%llu sent in this run%s%s)", q->destination,
             stream_pay_error_str(err), (unsigned long long)res->sent,
             res->last_reject_code[0] ? ", last reject " : "", res->last_reject_code);
    return err;
}

typedef struct {
    ledger_id_t id;
    outgoing_attempt_t attempt;
} attempt_arg_t;

static db_rc_t tx_attempt_failed(db_conn_t *c, void *arg, db_err_t *e)
{
    const attempt_arg_t *a = arg;
    return outgoing_payment_attempt_failed(c, a->id, &a->attempt, e);
}

/* Records outgoing_payment.attempt_failed for a run of stream_rest that ended with e without
 * finishing the payment: the error and the last reject it saw. A storage failure is logged and
 * the event lost (the payment goes on). */
static void attempt_failed(outgoing_payments_t *op, const outgoing_payment_t *p,
                           stream_pay_error_t e, const stream_pay_result_t *res)
{
    attempt_arg_t a = {
        .id = p->id,
        .attempt = {.error = stream_error_code(e),
                    .code = res->last_reject_code,
                    .triggered_by =
                        SLICE(res->last_reject_triggered_by, res->last_reject_triggered_by_len),
                    .message = SLICE(res->last_reject_message, res->last_reject_message_len)}};
    db_err_t err;
    if (db_write_tx(op->cfg.quotes->db, tx_attempt_failed, &a, &err) != DB_OK)
        LOGE("outgoing payments: attempt_failed event: %s", err.msg);
}

/* What a remote incoming payment still takes by its own count (incoming amount less received);
 * false when it cannot be read, has no incoming amount or is in another asset. */
static bool remote_left(outgoing_payments_t *op, const quote_t *q, uint64_t *left)
{
    const quote_svc_t *svc = op->cfg.quotes;
    quote_remote_incoming_t ri;
    if (!svc->remote_incoming ||
        svc->remote_incoming(svc->remote_incoming_ctx, q->receiver, &ri) != QUOTE_LOOKUP_FOUND ||
        !ri.has_incoming_amount || strcmp(ri.asset_code, q->receive_amount.asset_code) != 0 ||
        ri.asset_scale != q->receive_amount.asset_scale)
        return false;
    *left = ri.incoming_amount > ri.received_amount ? ri.incoming_amount - ri.received_amount : 0;
    return true;
}

static step_t step_send_remote(outgoing_payments_t *op, const outgoing_payment_t *p,
                               const quote_t *q)
{
    uint64_t sent, left;
    if (!op->cfg.quotes->connector)
        return move(op, p, OUTGOING_PAYMENT_FAILED, "receiver_unsupported", 0, false);
    if (!outgoing_sent(op, p, &sent))
        return STEP_WAIT;
    /* An incoming payment of another instance may take more than it asks for (Rafiki's does):
     * deliver the quoted receive amount rather than send the quoted source amount, whose
     * slippage margin would overfill it. What arrived in earlier runs is counted at the
     * quote's minimum rate, a lower bound, so a resumed run delivers no more than what the
     * incoming payment says it still takes. */
    bool delivery = op_client_is_incoming_url(q->receiver, strlen(q->receiver));
    uint64_t arrived = q->send_amount
                           ? (uint64_t)((unsigned __int128)sent * q->min_delivered / q->send_amount)
                           : 0;
    uint64_t rest =
        delivery ? (arrived < q->receive_amount.value ? q->receive_amount.value - arrived : 0)
                 : (sent < q->send_amount ? q->send_amount - sent : 0);
    if (delivery && sent > 0 && rest > 0 && remote_left(op, q, &left) && left < rest)
        rest = left;
    if (rest > 0) {
        stream_pay_result_t *res = xcalloc(1, sizeof *res);
        stream_pay_error_t e = stream_rest(
            op, p, q, delivery ? STREAM_PAY_FIXED_DELIVERY : STREAM_PAY_FIXED_SOURCE, rest, res);
        bool read = outgoing_sent_after(op, p, &sent);
        bool done = delivery ? e == STREAM_PAY_OK || (e == STREAM_PAY_ERR_RECEIVE_MAX && sent > 0)
                             : sent >= q->send_amount;
        /* an attempt failed unless it finished the payment (unknown while holds are open) or
         * only ran out of its time while sending (a long payment takes several runs) */
        bool failed = e != STREAM_PAY_OK && (read ? !done : e != STREAM_PAY_ERR_RECEIVE_MAX) &&
                      !(e == STREAM_PAY_ERR_TIMEOUT && res->sent > 0);
        if (failed)
            attempt_failed(op, p, e, res);
        free(res);
        if (!read)
            return STEP_WAIT;
        bool temporary =
            e == STREAM_PAY_ERR_RETRIES || e == STREAM_PAY_ERR_TIMEOUT || e == STREAM_PAY_OK;
        if (!done && temporary && clock_wall_ms() < q->expires_ms)
            return STEP_WAIT; /* resumed with what is left at the next claim */
        if (!done)
            return move(op, p, OUTGOING_PAYMENT_FAILED, stream_error_code(e), sent, false);
    }
    if (q->fee > 0 && !p->rafiki_funding) { /* Rafiki's model: the wallet withdraws it */
        ledger_asset_t asset;
        if (ledger_asset_get(op->cfg.quotes->ledger, q->asset_id, &asset) != LEDGER_OK)
            return STEP_WAIT;
        ledger_op_t fee =
            transfer(p->id, OUTGOING_PAYMENT_CODE_FEE, p->id, asset.liquidity_account_id, q->fee);
        ledger_result_t r = ledger_run(op, &fee, 1);
        if (ledger_transient(r))
            return STEP_WAIT;
        if (r != LEDGER_OK)
            LOGE("outgoing payment: fee transfer refused: %s", ledger_result_str(r));
    }
    /* sent may include the fee of an earlier run that stopped before this update */
    return move(op, p, OUTGOING_PAYMENT_COMPLETED, NULL, delivery ? sent : q->send_amount, false);
}

/* Rafiki's model, as its lifecycle: a SENDING payment whose quote has expired fails
 * ("quote_expired") at its next attempt, also when the wallet deposited after the expiry; what
 * it holds waits for the wallet's withdrawal. Waits while holds of packets are open. */
static step_t step_expired(outgoing_payments_t *op, const outgoing_payment_t *p)
{
    uint64_t sent;
    if (!outgoing_sent(op, p, &sent))
        return STEP_WAIT;
    return move(op, p, OUTGOING_PAYMENT_FAILED, "quote_expired", sent, false);
}

/* Returns what is left in the outgoing account to the wallet account, then marks it settled
 * (Rafiki's model: only marks it, once no hold is open; the wallet withdraws the rest). */
static step_t step_settle(outgoing_payments_t *op, const outgoing_payment_t *p)
{
    ledger_account_t acct;
    ledger_result_t r = ledger_account_get(op->cfg.quotes->ledger, p->id, &acct);
    if (r != LEDGER_OK)
        return STEP_WAIT;
    const ledger_counters_t *c = &acct.counters;
    if (c->debits_pending > 0)
        return STEP_WAIT; /* packets in flight: their holds post or void first */
    uint64_t left = c->credits_posted - c->debits_posted;
    if (left > 0 && !p->rafiki_funding) { /* Rafiki's model: left for the wallet's withdrawal */
        ledger_op_t refund =
            transfer(p->id, OUTGOING_PAYMENT_CODE_REFUND, p->id, acct.parent_id, left);
        r = ledger_run(op, &refund, 1);
        if (ledger_transient(r))
            return STEP_WAIT;
        if (r != LEDGER_OK) /* a refund of another amount exists: the operator must look */
            LOGE("outgoing payment: %llu left in its account, refund refused: %s",
                 (unsigned long long)left, ledger_result_str(r));
    }
    move(op, p, p->state, NULL, p->sent_amount, true);
    return STEP_DONE;
}

/* Reads the payment and its quote on one connection; false when either is unreadable. */
static bool payment_read(outgoing_payments_t *op, ledger_id_t id, outgoing_payment_t *p, quote_t *q)
{
    db_err_t e;
    db_conn_t *c = db_acquire(op->cfg.quotes->db, DB_CONN_READ, &e);
    if (!c)
        return false;
    bool ok = outgoing_payment_row_get(c, id, p) == OUTGOING_PAYMENT_OK &&
              quote_get_conn(c, p->quote_id, q) == QUOTE_OK;
    db_release(c);
    return ok;
}

/* Runs one claimed payment as far as it goes. */
static void payment_run(outgoing_payments_t *op, ledger_id_t id)
{
    outgoing_payment_t *p = xmalloc(sizeof *p);
    step_t s = STEP_AGAIN;
    for (int i = 0; i < STEPS_MAX && s == STEP_AGAIN; i++) {
        quote_t q;
        if (!payment_read(op, id, p, &q)) {
            s = STEP_WAIT;
            break;
        }
        log_request_id_set(p->request_id); /* its lines, events and packets: the creating call's */
        if (p->settled)
            s = STEP_DONE;
        else if (p->state == OUTGOING_PAYMENT_FUNDING && p->rafiki_funding)
            s = STEP_PARK; /* the wallet's deposit makes it due again */
        else if (p->state == OUTGOING_PAYMENT_FUNDING)
            s = step_fund(op, p, &q);
        else if (p->state == OUTGOING_PAYMENT_SENDING && p->rafiki_funding &&
                 clock_wall_ms() >= q.expires_ms)
            s = step_expired(op, p);
        else if (p->state == OUTGOING_PAYMENT_SENDING && !ledger_id_is_zero(q.receiver_account_id))
            s = step_send_local(op, p, &q);
        else if (p->state == OUTGOING_PAYMENT_SENDING)
            s = step_send_remote(op, p, &q);
        else
            s = step_settle(op, p);
    }
    if (s != STEP_DONE) {
        reschedule_t r = {.id = id,
                          .at = s == STEP_PARK ? OUTGOING_PAYMENT_PARKED_MS
                                               : clock_wall_ms() + (int64_t)op->cfg.retry_ms};
        db_err_t e;
        if (db_write_tx(op->cfg.quotes->db, tx_reschedule, &r, &e) != DB_OK)
            LOGE("outgoing payments: reschedule failed: %s", e.msg);
    }
    log_request_id_set(NULL);
    free(p);
}

/* ---- claiming ---- */

typedef struct {
    size_t max, n;
    ledger_id_t ids[OUTGOING_PAYMENT_CLAIM_MAX];
    int64_t now, lease_until;
} claim_t;

static db_rc_t tx_claim(db_conn_t *c, void *arg, db_err_t *e)
{
    claim_t *cl = arg;
    /* Postgres: rows another replica is claiming right now are skipped, not waited for. */
    const char *sql = db_conn_kind(c) == DB_POSTGRES
                          ? "SELECT id FROM outgoing_payments WHERE settled = ? AND "
                            "next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? "
                            "FOR UPDATE SKIP LOCKED"
                          : "SELECT id FROM outgoing_payments WHERE settled = ? AND "
                            "next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?";
    db_stmt_t *st = db_prepare(c, sql, e);
    if (!st)
        return e->code;
    db_bind_bool(st, 1, false);
    db_bind_i64(st, 2, cl->now);
    db_bind_i64(st, 3, (int64_t)cl->max);
    cl->n = 0;
    db_rc_t rc;
    while ((rc = db_step(st, e)) == DB_ROW)
        cl->ids[cl->n++] = pay_col_id(st, 0);
    if (rc != DB_DONE)
        return rc;
    for (size_t i = 0; i < cl->n; i++) {
        st = db_prepare(c,
                        "UPDATE outgoing_payments SET next_attempt_at = ?, attempts = attempts + 1 "
                        "WHERE id = ?",
                        e);
        if (!st)
            return e->code;
        db_bind_i64(st, 1, cl->lease_until);
        pay_bind_id(st, 2, cl->ids[i]);
        if ((rc = db_run(st, e)) != DB_OK)
            return rc;
    }
    return DB_OK;
}

/* Whether any row is due, read without the writer: most looks find none, and a claim is a
 * write transaction. A row that becomes due right after is found by the next look. */
static bool any_due(outgoing_payments_t *op, int64_t now)
{
    db_err_t e;
    db_conn_t *c = db_acquire(op->cfg.quotes->db, DB_CONN_READ, &e);
    if (!c)
        return true; /* let the claim report it */
    db_stmt_t *st = db_prepare(
        c, "SELECT 1 FROM outgoing_payments WHERE settled = ? AND next_attempt_at <= ? LIMIT 1",
        &e);
    db_rc_t rc = DB_ROW;
    if (st) {
        db_bind_bool(st, 1, false);
        db_bind_i64(st, 2, now);
        rc = db_step(st, &e);
    }
    db_release(c);
    return rc != DB_DONE;
}

/* Claims up to max due rows from the database and runs them; returns how many. */
static size_t run_claimed(outgoing_payments_t *op, size_t max)
{
    claim_t cl = {.max = max < OUTGOING_PAYMENT_CLAIM_MAX ? max : OUTGOING_PAYMENT_CLAIM_MAX};
    cl.now = clock_wall_ms();
    cl.lease_until = cl.now + (int64_t)op->cfg.lease_ms;
    db_err_t e;
    if (cl.max == 0 || !any_due(op, cl.now))
        return 0;
    if (db_write_tx(op->cfg.quotes->db, tx_claim, &cl, &e) != DB_OK) {
        LOGE("outgoing payments: claim failed: %s", e.msg);
        return 0;
    }
    for (size_t i = 0; i < cl.n; i++)
        payment_run(op, cl.ids[i]);
    return cl.n;
}

size_t outgoing_payments_run_due(outgoing_payments_t *op, size_t max)
{
    /* Payments created here first (leased to this process already), but every
     * OUTGOING_PAYMENT_CLAIM_EVERY-th pass claims from the database even while some are
     * queued, so that retries and rows left by a dead replica are not starved by new work. */
    if (atomic_fetch_add(&op->passes, 1) % OUTGOING_PAYMENT_CLAIM_EVERY == 0) {
        size_t n = run_claimed(op, max);
        if (n > 0)
            return n;
    }
    ledger_id_t ids[OUTGOING_PAYMENT_CLAIM_MAX];
    size_t taken = outgoing_payments_handoff_take(
        op, ids, max < OUTGOING_PAYMENT_CLAIM_MAX ? max : OUTGOING_PAYMENT_CLAIM_MAX);
    for (size_t i = 0; i < taken; i++)
        payment_run(op, ids[i]);
    return taken > 0 ? taken : run_claimed(op, max);
}

void outgoing_payments_handoff_drop(outgoing_payments_t *op)
{
    ledger_id_t ids[OUTGOING_PAYMENT_CLAIM_MAX];
    size_t n;
    while ((n = outgoing_payments_handoff_take(op, ids, OUTGOING_PAYMENT_CLAIM_MAX)) > 0)
        for (size_t i = 0; i < n; i++) {
            reschedule_t r = {.id = ids[i], .at = clock_wall_ms()};
            db_err_t e;
            if (db_write_tx(op->cfg.quotes->db, tx_reschedule, &r, &e) != DB_OK)
                LOGW("outgoing payments: a queued payment waits for its lease: %s", e.msg);
        }
}

void *outgoing_payments_worker(void *arg)
{
    outgoing_payments_t *op = arg;
    for (;;) {
        pthread_mutex_lock(&op->mu);
        uint64_t seen = op->kicks;
        bool stop = op->stop;
        pthread_mutex_unlock(&op->mu);
        if (stop)
            break;
        if (outgoing_payments_run_due(op, op->cfg.claim_max) > 0)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)op->cfg.poll_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        pthread_mutex_lock(&op->mu);
        while (!op->stop && op->kicks == seen)
            if (pthread_cond_timedwait(&op->wake, &op->mu, &ts) != 0)
                break;
        pthread_mutex_unlock(&op->mu);
    }
    return NULL;
}

/* ---- the worker threads ---- */

int outgoing_payments_start(outgoing_payments_t *op)
{
    for (unsigned i = 0; i < op->cfg.workers; i++) {
        if (pthread_create(&op->threads[i], NULL, outgoing_payments_worker, op) != 0)
            return -1;
        op->nthreads++;
    }
    return 0;
}

void outgoing_payments_free(outgoing_payments_t *op)
{
    if (!op)
        return;
    pthread_mutex_lock(&op->mu);
    op->stop = true;
    pthread_cond_broadcast(&op->wake);
    pthread_mutex_unlock(&op->mu);
    for (unsigned i = 0; i < op->nthreads; i++)
        pthread_join(op->threads[i], NULL);
    outgoing_payments_handoff_drop(op);
    pthread_cond_destroy(&op->wake);
    pthread_mutex_destroy(&op->mu);
    free(op);
}
