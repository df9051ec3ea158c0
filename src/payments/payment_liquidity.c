/*
 * Rafiki's liquidity calls on payments (see payment_liquidity.h): the deposit that funds an
 * outgoing payment under a ledger guard, withdrawals of what payments hold, their post and
 * void, and the deprecated calls by webhook event.
 */
#include "payments/payment_liquidity.h"

#include <stdlib.h>
#include <string.h>

#include "payments/json.h"
#include "payments/outgoing_payment_internal.h"
#include "payments/wallet_address_events.h"
#include "payments/rows.h"
#include "payments/webhooks.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

static const char *const RESULT_NAMES[PAYMENT_LIQUIDITY_RESULT_COUNT] = {
    [PAYMENT_LIQUIDITY_OK] = "ok",
    [PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT] = "not_found",
    [PAYMENT_LIQUIDITY_UNKNOWN_EVENT] = "unknown_event",
    [PAYMENT_LIQUIDITY_WRONG_STATE] = "wrong_state",
    [PAYMENT_LIQUIDITY_SELF_FUNDED] = "self_funded",
    [PAYMENT_LIQUIDITY_INVALID_AMOUNT] = "invalid_amount",
    [PAYMENT_LIQUIDITY_AMOUNT_ZERO] = "amount_zero",
    [PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE] = "insufficient_balance",
    [PAYMENT_LIQUIDITY_TRANSFER_EXISTS] = "transfer_exists",
    [PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER] = "unknown_transfer",
    [PAYMENT_LIQUIDITY_ALREADY_POSTED] = "already_posted",
    [PAYMENT_LIQUIDITY_ALREADY_VOIDED] = "already_voided",
    [PAYMENT_LIQUIDITY_TRANSFER_EXPIRED] = "transfer_expired",
    [PAYMENT_LIQUIDITY_STORAGE_ERROR] = "storage_error",
};

const char *payment_liquidity_result_str(payment_liquidity_result_t r)
{
    return (unsigned)r < PAYMENT_LIQUIDITY_RESULT_COUNT ? RESULT_NAMES[r] : "unknown";
}

/* ---- ids ---- */

/* The id of the newest event of the payment of one of types (Rafiki's transfer id), else
 * fallback. false on a database failure. */
static bool event_transfer_id(db_t *db, ledger_id_t payment, const char *const *types,
                              size_t ntypes, ledger_id_t fallback, ledger_id_t *out)
{
    char rid[LEDGER_ID_STR_LEN + 1], eid[37];
    ledger_id_format(payment, rid);
    db_err_t e = {0};
    db_rc_t rc = webhook_event_latest(db, rid, types, ntypes, eid, NULL, 0, &e);
    if (rc == DB_NOT_FOUND || (rc == DB_OK && ledger_id_parse(eid, strlen(eid), out) != 0)) {
        *out = fallback;
        return true;
    }
    if (rc != DB_OK)
        LOGE("payment liquidity: event lookup: %s", e.msg);
    return rc == DB_OK;
}

/* The withdrawal id of an incoming payment without its event: a tag of its own. */
static ledger_id_t incoming_withdrawal_id(ledger_id_t id)
{
    uint8_t in[16 + 16] = "rafiki-ip-withdr";
    ledger_id_bytes(id, in + 16);
    return ledger_id_derive(in, sizeof in);
}

/* ---- withdrawals ---- */

static payment_liquidity_result_t ledger_fail(const char *what, ledger_result_t r)
{
    switch (r) {
    case LEDGER_EXISTS:
    case LEDGER_EXISTS_WITH_DIFFERENT_FLAGS:
    case LEDGER_EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID:
    case LEDGER_EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID:
    case LEDGER_EXISTS_WITH_DIFFERENT_AMOUNT:
    case LEDGER_EXISTS_WITH_DIFFERENT_TIMEOUT:
    case LEDGER_EXISTS_WITH_DIFFERENT_CODE:
        return PAYMENT_LIQUIDITY_TRANSFER_EXISTS;
    case LEDGER_EXCEEDS_CREDITS:
        return PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE;
    default:
        LOGE("payment liquidity: %s: %s", what, ledger_result_str(r));
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    }
}

/* Creates withdrawal w->id of w->amount from w->account_id to its asset's settlement account. */
static payment_liquidity_result_t withdraw(ledger_t *l, payment_withdrawal_t *w)
{
    ledger_asset_t a;
    ledger_result_t r = ledger_asset_get(l, w->asset_id, &a);
    if (r != LEDGER_OK)
        return ledger_fail("withdrawal asset", r);
    w->pending = w->timeout_s > 0;
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .flags = w->pending ? LEDGER_F_PENDING : 0,
                      .id = w->id,
                      .debit_account_id = w->account_id,
                      .credit_account_id = a.settlement_account_id,
                      .amount = w->amount,
                      .timeout_ms = w->timeout_s * 1000u,
                      .code = PAY_CODE_WITHDRAWAL};
    ledger_result_t res = LEDGER_OK;
    r = ledger_transfers_execute(l, &op, 1, &res);
    if (r == LEDGER_OK)
        r = res;
    return r == LEDGER_OK ? PAYMENT_LIQUIDITY_OK : ledger_fail("withdrawal", r);
}

payment_liquidity_result_t payment_liquidity_outgoing_withdraw(outgoing_payments_t *op,
                                                               ledger_id_t id, uint64_t timeout_s,
                                                               payment_withdrawal_t *out)
{
    static const char *const types[] = {WEBHOOK_OUTGOING_PAYMENT_COMPLETED,
                                        WEBHOOK_OUTGOING_PAYMENT_FAILED};
    quote_svc_t *qs = outgoing_payments_quotes(op);
    if (timeout_s > PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX)
        timeout_s = PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX;
    outgoing_payment_t *p = xmalloc(sizeof *p);
    outgoing_payment_result_t pr = outgoing_payment_get(op, id, p);
    payment_liquidity_result_t r = PAYMENT_LIQUIDITY_OK;
    if (pr != OUTGOING_PAYMENT_OK)
        r = pr == OUTGOING_PAYMENT_NOT_FOUND ? PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT
                                             : PAYMENT_LIQUIDITY_STORAGE_ERROR;
    else if (p->state != OUTGOING_PAYMENT_COMPLETED && p->state != OUTGOING_PAYMENT_FAILED)
        r = PAYMENT_LIQUIDITY_WRONG_STATE;
    else if (!p->rafiki_funding)
        r = PAYMENT_LIQUIDITY_SELF_FUNDED;
    free(p);
    if (r != PAYMENT_LIQUIDITY_OK)
        return r;
    ledger_account_t acct;
    ledger_result_t lr = ledger_account_get(qs->ledger, id, &acct);
    if (lr != LEDGER_OK)
        return ledger_fail("outgoing account", lr);
    const ledger_counters_t *c = &acct.counters;
    uint64_t used = c->debits_posted + c->debits_pending; /* never above credits_posted */
    if (c->credits_posted <= used)
        return PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE;
    *out = (payment_withdrawal_t){.account_id = id,
                                  .asset_id = acct.asset_id,
                                  .amount = c->credits_posted - used,
                                  .timeout_s = timeout_s};
    if (!event_transfer_id(qs->db, id, types, 2,
                           outgoing_payment_transfer_id(id, OUTGOING_PAYMENT_CODE_WITHDRAWAL),
                           &out->id))
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    return withdraw(qs->ledger, out);
}

payment_liquidity_result_t payment_liquidity_incoming_withdraw(const wallet_ctx_t *ctx,
                                                               ledger_id_t id, uint64_t timeout_s,
                                                               payment_withdrawal_t *out)
{
    static const char *const types[] = {WEBHOOK_INCOMING_PAYMENT_COMPLETED,
                                        WEBHOOK_INCOMING_PAYMENT_EXPIRED};
    if (timeout_s > PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX)
        timeout_s = PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX;
    incoming_payment_t *p = xmalloc(sizeof *p);
    db_err_t e = {0};
    incoming_payment_result_t ir = incoming_payment_get(ctx, id, p, &e);
    payment_liquidity_result_t r = PAYMENT_LIQUIDITY_OK;
    if (ir != INCOMING_PAYMENT_OK)
        r = ir == INCOMING_PAYMENT_NOT_FOUND ? PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT
                                             : PAYMENT_LIQUIDITY_STORAGE_ERROR;
    else if (p->state == INCOMING_PAYMENT_PENDING)
        r = PAYMENT_LIQUIDITY_WRONG_STATE;
    else if (!p->rafiki_funding)
        r = PAYMENT_LIQUIDITY_SELF_FUNDED;
    else if (p->received_amount == 0)
        r = PAYMENT_LIQUIDITY_AMOUNT_ZERO;
    else
        *out = (payment_withdrawal_t){.account_id = p->account_id,
                                      .asset_id = p->asset_id,
                                      .amount = p->received_amount,
                                      .timeout_s = timeout_s};
    if (ir == INCOMING_PAYMENT_STORAGE_ERROR)
        LOGE("payment liquidity: incoming payment: %s", e.msg);
    free(p);
    if (r != PAYMENT_LIQUIDITY_OK)
        return r;
    if (!event_transfer_id(ctx->db, id, types, 2, incoming_withdrawal_id(id), &out->id))
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    return withdraw(ctx->ledger, out);
}

payment_liquidity_result_t payment_liquidity_withdrawal_resolve(ledger_t *l, ledger_id_t id,
                                                                bool post)
{
    ledger_transfer_t t;
    ledger_result_t r = ledger_transfer_get(l, id, &t);
    if (r == LEDGER_TRANSFER_NOT_FOUND || (r == LEDGER_OK && t.code != PAY_CODE_WITHDRAWAL))
        return PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER;
    if (r != LEDGER_OK)
        return ledger_fail("withdrawal read", r);
    ledger_op_t op = {.kind = post ? LEDGER_OP_POST_PENDING : LEDGER_OP_VOID_PENDING,
                      .pending_id = id};
    ledger_result_t res = LEDGER_OK;
    r = ledger_transfers_execute(l, &op, 1, &res);
    if (r == LEDGER_OK)
        r = res;
    switch (r) {
    case LEDGER_OK:
        return PAYMENT_LIQUIDITY_OK;
    case LEDGER_PENDING_TRANSFER_NOT_FOUND:
        return PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER;
    case LEDGER_PENDING_TRANSFER_ALREADY_POSTED:
    case LEDGER_PENDING_TRANSFER_NOT_PENDING:
        return PAYMENT_LIQUIDITY_ALREADY_POSTED;
    case LEDGER_PENDING_TRANSFER_ALREADY_VOIDED:
        return PAYMENT_LIQUIDITY_ALREADY_VOIDED;
    case LEDGER_PENDING_TRANSFER_EXPIRED:
        return PAYMENT_LIQUIDITY_TRANSFER_EXPIRED;
    default:
        return ledger_fail(post ? "post" : "void", r);
    }
}

/* ---- balances ---- */

/* The available balance of account (0 when it holds nothing or is overdrawn by holds). */
static payment_liquidity_result_t available(ledger_t *l, ledger_id_t account, uint64_t *out)
{
    ledger_account_t a;
    ledger_result_t r = ledger_account_get(l, account, &a);
    if (r == LEDGER_ACCOUNT_NOT_FOUND)
        return PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT;
    if (r != LEDGER_OK)
        return ledger_fail("balance", r);
    const ledger_counters_t *c = &a.counters;
    uint64_t used = c->debits_posted + c->debits_pending;
    *out = c->credits_posted > used ? c->credits_posted - used : 0;
    return PAYMENT_LIQUIDITY_OK;
}

payment_liquidity_result_t payment_liquidity_outgoing_balance(outgoing_payments_t *op,
                                                              ledger_id_t id, uint64_t *out)
{
    outgoing_payment_t *p = xmalloc(sizeof *p);
    outgoing_payment_result_t pr = outgoing_payment_get(op, id, p);
    free(p);
    if (pr != OUTGOING_PAYMENT_OK)
        return pr == OUTGOING_PAYMENT_NOT_FOUND ? PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT
                                                : PAYMENT_LIQUIDITY_STORAGE_ERROR;
    return available(outgoing_payments_quotes(op)->ledger, id, out);
}

payment_liquidity_result_t payment_liquidity_incoming_balance(const wallet_ctx_t *ctx,
                                                              ledger_id_t id, uint64_t *out)
{
    incoming_payment_t *p = xcalloc(1, sizeof *p);
    db_err_t e = {0};
    incoming_payment_result_t ir = incoming_payment_get(ctx, id, p, &e);
    ledger_id_t account = p->account_id;
    free(p);
    if (ir != INCOMING_PAYMENT_OK)
        return ir == INCOMING_PAYMENT_NOT_FOUND ? PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT
                                                : PAYMENT_LIQUIDITY_STORAGE_ERROR;
    return available(ctx->ledger, account, out);
}

/* ---- the deposit ---- */

typedef struct {
    ledger_id_t id;
    int64_t now;
    const char *event_data; /* outgoing_payment.funded, made before the batch */
    bool changed;
} deposit_guard_t;

/* In the deposit's batch: FUNDING -> SENDING (due at once, with its funded event) only if the
 * deposit applied now and the row is still a parked FUNDING payment; else nothing moves. */
static db_rc_t guard_deposit(db_conn_t *c, void *arg, const ledger_result_t *res, size_t n,
                             bool *keep, db_err_t *e)
{
    deposit_guard_t *g = arg;
    (void)n;
    g->changed = false;
    if (res[0] != LEDGER_OK)
        return *keep = true, DB_OK; /* refused or there before: nothing applied now */
    db_stmt_t *st = db_prepare(c,
                               "UPDATE outgoing_payments SET state = 'SENDING', next_attempt_at "
                               "= ?, updated_at = ? WHERE id = ? AND state = 'FUNDING' AND "
                               "rafiki_funding = ?",
                               e);
    if (!st)
        return e->code;
    db_bind_i64(st, 1, g->now);
    db_bind_i64(st, 2, g->now);
    pay_bind_id(st, 3, g->id);
    db_bind_bool(st, 4, true);
    db_rc_t rc = db_run(st, e);
    g->changed = rc == DB_OK && db_changes(st) == 1;
    if (g->changed)
        rc = outgoing_payment_event_text(c, WEBHOOK_OUTGOING_PAYMENT_FUNDED, g->id, g->event_data,
                                         e);
    *keep = rc == DB_OK && g->changed; /* a cancel that came first: the money stays out */
    return rc;
}

/* Checks the payment for a deposit of *amount (NULL: its debit amount) and fills the op. */
static payment_liquidity_result_t deposit_prepare(outgoing_payments_t *op, outgoing_payment_t *p,
                                                  quote_t *q, const uint64_t *amount,
                                                  ledger_op_t *dep)
{
    static const char *const types[] = {WEBHOOK_OUTGOING_PAYMENT_CREATED};
    quote_svc_t *qs = outgoing_payments_quotes(op);
    ledger_id_t id = p->id;
    outgoing_payment_result_t pr = outgoing_payment_get(op, id, p);
    if (pr != OUTGOING_PAYMENT_OK)
        return pr == OUTGOING_PAYMENT_NOT_FOUND ? PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT
                                                : PAYMENT_LIQUIDITY_STORAGE_ERROR;
    if (p->state != OUTGOING_PAYMENT_FUNDING)
        return PAYMENT_LIQUIDITY_WRONG_STATE;
    if (!p->rafiki_funding)
        return PAYMENT_LIQUIDITY_SELF_FUNDED;
    if (quote_get(qs->db, p->quote_id, q) != QUOTE_OK)
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    if (amount && *amount != q->debit_amount.value)
        return PAYMENT_LIQUIDITY_INVALID_AMOUNT;
    ledger_asset_t a;
    ledger_result_t lr = ledger_asset_get(qs->ledger, q->asset_id, &a);
    if (lr != LEDGER_OK)
        return ledger_fail("deposit asset", lr);
    *dep = (ledger_op_t){.kind = LEDGER_OP_CREATE,
                         .debit_account_id = a.settlement_account_id,
                         .credit_account_id = id,
                         .amount = q->debit_amount.value,
                         .code = PAY_CODE_DEPOSIT};
    if (!event_transfer_id(qs->db, id, types, 1,
                           outgoing_payment_transfer_id(id, OUTGOING_PAYMENT_CODE_DEPOSIT),
                           &dep->id))
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    return PAYMENT_LIQUIDITY_OK;
}

payment_liquidity_result_t payment_liquidity_outgoing_deposit(outgoing_payments_t *op,
                                                              ledger_id_t id,
                                                              const uint64_t *amount,
                                                              ledger_id_t *transfer_out)
{
    outgoing_payment_t *p = xcalloc(1, sizeof *p);
    quote_t *q = xmalloc(sizeof *q);
    ledger_op_t dep;
    p->id = id;
    payment_liquidity_result_t r = deposit_prepare(op, p, q, amount, &dep);
    char *event_data = NULL;
    deposit_guard_t g = {.id = id, .now = clock_wall_ms()};
    if (r == PAYMENT_LIQUIDITY_OK) {
        p->state = OUTGOING_PAYMENT_SENDING; /* the funded event shows the row as it will be */
        p->updated_ms = g.now;
        g.event_data = event_data = outgoing_payment_event_data(p, q);
        ledger_result_t res = LEDGER_OK;
        ledger_result_t lr = ledger_transfers_execute_guarded(outgoing_payments_quotes(op)->ledger,
                                                              &dep, 1, &res, guard_deposit, &g);
        if (lr == LEDGER_OK)
            lr = res;
        if (lr == LEDGER_GUARD_REFUSED)
            r = PAYMENT_LIQUIDITY_WRONG_STATE; /* cancelled, or deposited, meanwhile */
        else if (lr != LEDGER_OK)
            r = ledger_fail("deposit", lr);
        else if (transfer_out)
            *transfer_out = dep.id;
    }
    free(event_data);
    free(q);
    free(p);
    if (r == PAYMENT_LIQUIDITY_OK)
        outgoing_payments_kick(op);
    return r;
}

/* ---- by webhook event (deprecated in Rafiki) ---- */

/* The type and payment of event_id: UNKNOWN_EVENT when there is none or its resource is not an
 * id. */
static payment_liquidity_result_t event_read(db_t *db, const char *event_id, char *type,
                                             size_t type_cap, ledger_id_t *payment)
{
    char rid[WEBHOOK_RESOURCE_ID_MAX + 1];
    db_err_t e = {0};
    if (!event_id || strlen(event_id) > 36)
        return PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    db_rc_t rc = webhook_event_get(db, event_id, type, type_cap, rid, sizeof rid, &e);
    if (rc == DB_NOT_FOUND)
        return PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    if (rc != DB_OK) {
        LOGE("payment liquidity: event read: %s", e.msg);
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    }
    return ledger_id_parse(rid, strlen(rid), payment) == 0 ? PAYMENT_LIQUIDITY_OK
                                                           : PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
}

payment_liquidity_result_t payment_liquidity_event_deposit(outgoing_payments_t *op,
                                                           const char *event_id)
{
    char type[WEBHOOK_TYPE_MAX + 1];
    ledger_id_t payment;
    payment_liquidity_result_t r =
        event_read(outgoing_payments_quotes(op)->db, event_id, type, sizeof type, &payment);
    if (r != PAYMENT_LIQUIDITY_OK)
        return r;
    if (strcmp(type, WEBHOOK_OUTGOING_PAYMENT_CREATED) != 0)
        return PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    return payment_liquidity_outgoing_deposit(op, payment, NULL, NULL);
}

/* A wallet_address.web_monetization event's withdrawal (wallet_address_events.h). */
static payment_liquidity_result_t
web_monetization_withdraw(const wallet_ctx_t *ctx, const char *event_id, payment_withdrawal_t *out)
{
    uint64_t amount = 0;
    switch (wa_events_event_withdraw(ctx, event_id, &amount)) {
    case WA_EVENTS_OK:
        *out = (payment_withdrawal_t){.amount = amount};
        ledger_id_parse(event_id, strlen(event_id), &out->id);
        return PAYMENT_LIQUIDITY_OK;
    case WA_EVENTS_TRANSFER_EXISTS:
        return PAYMENT_LIQUIDITY_TRANSFER_EXISTS;
    case WA_EVENTS_INSUFFICIENT_BALANCE:
        return PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE;
    case WA_EVENTS_STORAGE_ERROR:
        return PAYMENT_LIQUIDITY_STORAGE_ERROR;
    default:
        return PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    }
}

payment_liquidity_result_t payment_liquidity_event_withdraw(outgoing_payments_t *op,
                                                            const wallet_ctx_t *ctx,
                                                            const char *event_id,
                                                            payment_withdrawal_t *out)
{
    char type[WEBHOOK_TYPE_MAX + 1];
    ledger_id_t payment;
    payment_liquidity_result_t r = event_read(ctx->db, event_id, type, sizeof type, &payment);
    if (r != PAYMENT_LIQUIDITY_OK)
        return r;
    if (strcmp(type, WEBHOOK_INCOMING_PAYMENT_COMPLETED) == 0 ||
        strcmp(type, WEBHOOK_INCOMING_PAYMENT_EXPIRED) == 0)
        return payment_liquidity_incoming_withdraw(ctx, payment, 0, out);
    if (op && (strcmp(type, WEBHOOK_OUTGOING_PAYMENT_COMPLETED) == 0 ||
               strcmp(type, WEBHOOK_OUTGOING_PAYMENT_FAILED) == 0))
        return payment_liquidity_outgoing_withdraw(op, payment, 0, out);
    if (strcmp(type, WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION) == 0)
        return web_monetization_withdraw(ctx, event_id, out);
    return PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
}
