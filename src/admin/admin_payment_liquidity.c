/*
 * Routes of Rafiki's funding model (see admin_payment_liquidity.h): parse, call the domain
 * (payment_liquidity.h), map its result to a status.
 */
#include "admin/admin_payment_liquidity.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* The process's services, set at registration. */
static outgoing_payments_t *g_op;
static const wallet_ctx_t *g_wallet;

static unsigned liquidity_status(payment_liquidity_result_t r)
{
    switch (r) {
    case PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT:
    case PAYMENT_LIQUIDITY_UNKNOWN_EVENT:
    case PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER:
        return 404;
    case PAYMENT_LIQUIDITY_INVALID_AMOUNT:
        return 400;
    case PAYMENT_LIQUIDITY_AMOUNT_ZERO:
    case PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE:
        return 422;
    case PAYMENT_LIQUIDITY_STORAGE_ERROR:
        return 503;
    default:
        return 409;
    }
}

static http_handler_result_t liquidity_error(admin_call_t *call, payment_liquidity_result_t r)
{
    return admin_error(call, liquidity_status(r), payment_liquidity_result_str(r),
                       "payment liquidity: %s", payment_liquidity_result_str(r));
}

static json_t *withdrawal_json(const payment_withdrawal_t *w)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:b,s:o}", "id", pay_json_id(w->id), "account_id",
                     pay_json_id(w->account_id), "asset_id", pay_json_id(w->asset_id), "amount",
                     pay_json_u64(w->amount), "pending", w->pending, "timeout_seconds",
                     w->pending ? pay_json_u64(w->timeout_s) : json_null());
}

static http_handler_result_t deposit_route(admin_call_t *call)
{
    static const char *const keys[] = {"amount", NULL};
    ledger_id_t id, transfer;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    json_t *body = admin_body_opt(call);
    uint64_t amount = 0;
    bool has_amount = false;
    if (!body || admin_check_keys(call, body, "the deposit", keys) != 0 ||
        admin_opt_amount(call, body, "amount", &amount, &has_amount) != 0)
        return HTTP_DONE;
    payment_liquidity_result_t r =
        payment_liquidity_outgoing_deposit(g_op, id, has_amount ? &amount : NULL, &transfer);
    if (r != PAYMENT_LIQUIDITY_OK)
        return liquidity_error(call, r);
    outgoing_payment_t *p = xmalloc(sizeof *p);
    quote_t *q = xmalloc(sizeof *q);
    json_t *doc = NULL;
    if (outgoing_payment_get(g_op, id, p) == OUTGOING_PAYMENT_OK &&
        quote_get(outgoing_payments_quotes(g_op)->db, p->quote_id, q) == QUOTE_OK)
        doc = json_pack("{s:o,s:o,s:o}", "id", pay_json_id(transfer), "outgoing_payment_id",
                        pay_json_id(id), "amount", pay_json_u64(q->debit_amount.value));
    free(q);
    free(p);
    if (!doc)
        return admin_error(call, 503, "storage_error", "the payment is not readable");
    return admin_reply(call, 200, doc);
}

/* A withdrawal route: the optional timeout_seconds, then the domain call. */
static http_handler_result_t withdrawal_route(admin_call_t *call, bool incoming)
{
    static const char *const keys[] = {"timeout_seconds", NULL};
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    json_t *body = admin_body_opt(call);
    uint64_t timeout = 0;
    if (!body || admin_check_keys(call, body, "the withdrawal", keys) != 0 ||
        admin_opt_uint(call, body, "timeout_seconds", 1, PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX, &timeout,
                       NULL) != 0)
        return HTTP_DONE;
    payment_withdrawal_t w;
    payment_liquidity_result_t r =
        incoming ? payment_liquidity_incoming_withdraw(g_wallet, id, timeout, &w)
                 : payment_liquidity_outgoing_withdraw(g_op, id, timeout, &w);
    if (r != PAYMENT_LIQUIDITY_OK)
        return liquidity_error(call, r);
    return admin_reply(call, 201, withdrawal_json(&w));
}

static http_handler_result_t outgoing_withdrawal_route(admin_call_t *call)
{
    return withdrawal_route(call, false);
}

static http_handler_result_t incoming_withdrawal_route(admin_call_t *call)
{
    return withdrawal_route(call, true);
}

/* The {id} of /webhook-events/{id}/...: an event id (UUID text) into out; -1 answered. */
static int event_path_id(admin_call_t *call, char out[LEDGER_ID_STR_LEN + 1])
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return -1;
    ledger_id_format(id, out);
    return 0;
}

static http_handler_result_t event_deposit_route(admin_call_t *call)
{
    char eid[LEDGER_ID_STR_LEN + 1];
    if (event_path_id(call, eid) != 0)
        return HTTP_DONE;
    payment_liquidity_result_t r = payment_liquidity_event_deposit(g_op, eid);
    if (r != PAYMENT_LIQUIDITY_OK)
        return liquidity_error(call, r);
    return admin_reply(call, 200, json_pack("{s:b}", "success", true));
}

static http_handler_result_t event_withdrawal_route(admin_call_t *call)
{
    char eid[LEDGER_ID_STR_LEN + 1];
    if (event_path_id(call, eid) != 0)
        return HTTP_DONE;
    payment_withdrawal_t w;
    payment_liquidity_result_t r = payment_liquidity_event_withdraw(g_op, g_wallet, eid, &w);
    if (r != PAYMENT_LIQUIDITY_OK)
        return liquidity_error(call, r);
    return admin_reply(call, 201, withdrawal_json(&w));
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/outgoing-payments/{id}/deposit", deposit_route),
    ADMIN_ROUTE("POST", "/outgoing-payments/{id}/withdrawal", outgoing_withdrawal_route),
    ADMIN_ROUTE("POST", "/incoming-payments/{id}/withdrawal", incoming_withdrawal_route),
    ADMIN_ROUTE("POST", "/webhook-events/{id}/deposit", event_deposit_route),
    ADMIN_ROUTE("POST", "/webhook-events/{id}/withdrawal", event_withdrawal_route),
};

int admin_payment_liquidity_register(http_server_t *s, admin_ctx_t *ctx, outgoing_payments_t *op,
                                     const wallet_ctx_t *wctx)
{
    g_op = op;
    g_wallet = wctx;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof ROUTES[0]);
}
