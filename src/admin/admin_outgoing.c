/*
 * Admin routes for quotes and outgoing payments (see outgoing_payment_routes.h): request
 * parsing, result-to-status mapping and the JSON of both resources.
 */
#include "admin/admin_outgoing.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

/* One payments service per process: the routes reach it through this (set at registration). */
static outgoing_payments_t *g_op;

/* ---- quotes ---- */

static unsigned quote_status(quote_result_t r)
{
    switch (r) {
    case QUOTE_AMOUNTS_CONFLICT:
    case QUOTE_AMOUNT_ZERO:
        return 400;
    case QUOTE_STORAGE_ERROR:
        return 503;
    default:
        return 422;
    }
}

/* {value, asset_code, asset_scale} under key; absent or null leaves *present false. */
static int parse_amount(admin_call_t *call, const json_t *body, const char *key,
                        quote_amount_t *out, bool *present)
{
    static const char *const keys[] = {"value", "asset_code", "asset_scale", NULL};
    const json_t *a = json_object_get(body, key);
    *present = a && !json_is_null(a);
    if (!*present)
        return 0;
    const char *code = json_string_value(json_object_get(a, "asset_code"));
    const json_t *scale = json_object_get(a, "asset_scale");
    if (!json_is_object(a) || !code || strlen(code) == 0 || strlen(code) > ASSET_CODE_MAX_LEN ||
        !json_is_integer(scale) || json_integer_value(scale) < 0 ||
        json_integer_value(scale) > 255) {
        admin_error(call, 400, "invalid_field",
                    "'%s' must be {\"value\": \"u64\", \"asset_code\": string, "
                    "\"asset_scale\": 0..255}",
                    key);
        return -1;
    }
    if (admin_check_keys(call, a, key, keys) != 0 ||
        admin_get_amount(call, a, "value", false, &out->value) != 0)
        return -1;
    memcpy(out->asset_code, code, strlen(code) + 1);
    out->asset_scale = (uint8_t)json_integer_value(scale);
    return 0;
}

static http_handler_result_t quote_create_route(admin_call_t *call)
{
    static const char *const keys[] = {"wallet_address_id", "receiver", "debit_amount",
                                       "receive_amount", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the quote", keys) != 0)
        return HTTP_DONE;
    quote_request_t req = {0};
    const json_t *rcv = json_object_get(body, "receiver");
    if (admin_get_id(call, body, "wallet_address_id", &req.wallet_address_id) != 0 ||
        parse_amount(call, body, "debit_amount", &req.debit_amount, &req.has_debit) != 0 ||
        parse_amount(call, body, "receive_amount", &req.receive_amount, &req.has_receive) != 0)
        return HTTP_DONE;
    if (!json_is_string(rcv) || json_string_length(rcv) == 0 ||
        json_string_length(rcv) > QUOTE_RECEIVER_MAX)
        return admin_error(call, 400, "invalid_field", "'receiver' must be a URL of 1..%d chars",
                           QUOTE_RECEIVER_MAX);
    req.receiver = json_string_value(rcv);
    req.receiver_len = json_string_length(rcv);
    quote_t *q = xmalloc(sizeof *q);
    quote_result_t r = quote_create(outgoing_payments_quotes(g_op), &req, q);
    http_handler_result_t res =
        r == QUOTE_OK ? admin_reply(call, 201, quote_to_json(q))
                      : admin_error(call, quote_status(r), quote_result_str(r), "quote refused");
    free(q);
    return res;
}

static http_handler_result_t quote_get_route(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    quote_t *q = xmalloc(sizeof *q);
    quote_result_t r = quote_get(outgoing_payments_quotes(g_op)->db, id, q);
    http_handler_result_t res;
    if (r == QUOTE_OK)
        res = admin_reply(call, 200, quote_to_json(q));
    else
        res = admin_error(call, r == QUOTE_NOT_FOUND ? 404 : 503, quote_result_str(r),
                          "quote not readable");
    free(q);
    return res;
}

/* ---- outgoing payments ---- */

static unsigned payment_status(outgoing_payment_result_t r)
{
    switch (r) {
    case OUTGOING_PAYMENT_NOT_FOUND:
        return 404;
    case OUTGOING_PAYMENT_QUOTE_USED:
    case OUTGOING_PAYMENT_NOT_CANCELLABLE:
        return 409;
    case OUTGOING_PAYMENT_REASON_INVALID:
        return 400;
    case OUTGOING_PAYMENT_STORAGE_ERROR:
        return 503;
    default:
        return 422;
    }
}

/* Answers with the payment and its quote, or the error r. */
static http_handler_result_t payment_reply(admin_call_t *call, unsigned status,
                                           outgoing_payment_result_t r, const outgoing_payment_t *p)
{
    if (r != OUTGOING_PAYMENT_OK)
        return admin_error(call, payment_status(r), outgoing_payment_result_str(r),
                           "outgoing payment refused");
    quote_t *q = xmalloc(sizeof *q);
    http_handler_result_t res;
    if (quote_get(outgoing_payments_quotes(g_op)->db, p->quote_id, q) == QUOTE_OK)
        res = admin_reply(call, status, outgoing_payment_json(p, q));
    else
        res = admin_error(call, 503, "storage_error", "the payment's quote is not readable");
    free(q);
    return res;
}

/* metadata as compact JSON text (caller frees), NULL when absent; -1 answered. */
static int parse_metadata(admin_call_t *call, const json_t *body, char **out)
{
    const json_t *m = json_object_get(body, "metadata");
    *out = NULL;
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_object(m)) {
        admin_error(call, 400, "invalid_field", "'metadata' must be a JSON object");
        return -1;
    }
    *out = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    if (!*out || strlen(*out) > OUTGOING_PAYMENT_METADATA_MAX) {
        free(*out);
        *out = NULL;
        admin_error(call, 400, "metadata_too_large", "'metadata' exceeds %d bytes as JSON",
                    OUTGOING_PAYMENT_METADATA_MAX);
        return -1;
    }
    return 0;
}

/* limits (grant_limits.h's JSON form): only with a grant_id. A grant without limits still has
 * its spending recorded. *out: lim when there is a grant, else NULL. 0, or -1 answered. */
static int parse_limits(admin_call_t *call, const json_t *body, bool has_grant, grant_limits_t *lim,
                        const grant_limits_t **out)
{
    const json_t *l = json_object_get(body, "limits");
    bool present = l && !json_is_null(l);
    memset(lim, 0, sizeof *lim);
    *out = has_grant ? lim : NULL;
    if (present && !has_grant) {
        admin_error(call, 400, "missing_field", "'limits' needs a 'grant_id'");
        return -1;
    }
    http_json_err_t err;
    if (present && grant_limits_from_json(l, lim, &err) != 0) {
        admin_error(call, 400, err.code, "%s", err.message);
        return -1;
    }
    return 0;
}

static http_handler_result_t payment_create_route(admin_call_t *call)
{
    static const char *const keys[] = {"wallet_address_id", "quote_id", "metadata",
                                       "grant_id",          "limits",   NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the outgoing payment", keys) != 0)
        return HTTP_DONE;
    outgoing_payment_request_t req = {0};
    grant_limits_t limits;
    char *meta = NULL;
    bool has_grant = false;
    if (admin_get_id(call, body, "wallet_address_id", &req.wallet_address_id) != 0 ||
        admin_get_id(call, body, "quote_id", &req.quote_id) != 0 ||
        admin_opt_id(call, body, "grant_id", &req.grant_id, &has_grant) != 0 ||
        parse_limits(call, body, has_grant, &limits, &req.limits) != 0 ||
        parse_metadata(call, body, &meta) != 0)
        return HTTP_DONE;
    req.metadata = meta;
    outgoing_payment_t *p = xmalloc(sizeof *p);
    outgoing_payment_result_t r = outgoing_payment_create(g_op, &req, p);
    http_handler_result_t res = payment_reply(call, 201, r, p);
    free(p);
    free(meta);
    return res;
}

typedef outgoing_payment_result_t (*payment_by_id_fn)(outgoing_payments_t *op, ledger_id_t id,
                                                      outgoing_payment_t *out);

/* A route on /outgoing-payments/{id}: runs fn on the id and answers with the payment. */
static http_handler_result_t payment_by_path(admin_call_t *call, payment_by_id_fn fn)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    outgoing_payment_t *p = xmalloc(sizeof *p);
    http_handler_result_t res = payment_reply(call, 200, fn(g_op, id, p), p);
    free(p);
    return res;
}

static http_handler_result_t payment_get_route(admin_call_t *call)
{
    return payment_by_path(call, outgoing_payment_get);
}

/* POST /outgoing-payments/{id}/cancel {reason?}: Rafiki's cancelOutgoingPayment. */
static http_handler_result_t payment_cancel_route(admin_call_t *call)
{
    static const char *const keys[] = {"reason", NULL};
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    json_t *body = admin_body_opt(call);
    if (!body || admin_check_keys(call, body, "the cancel", keys) != 0)
        return HTTP_DONE;
    const json_t *reason = json_object_get(body, "reason");
    if (reason && !json_is_null(reason) && !json_is_string(reason))
        return admin_error(call, 400, "invalid_field", "'reason' must be a string");
    outgoing_payment_t *p = xmalloc(sizeof *p);
    http_handler_result_t res = payment_reply(
        call, 200, outgoing_payment_cancel_reason(g_op, id, json_string_value(reason), p), p);
    free(p);
    return res;
}

static const admin_route_t routes[] = {
    ADMIN_ROUTE("POST", "/quotes", quote_create_route),
    ADMIN_ROUTE("GET", "/quotes/{id}", quote_get_route),
    ADMIN_ROUTE("POST", "/outgoing-payments", payment_create_route),
    ADMIN_ROUTE("GET", "/outgoing-payments/{id}", payment_get_route),
    ADMIN_ROUTE("POST", "/outgoing-payments/{id}/cancel", payment_cancel_route),
};

int admin_outgoing_register(http_server_t *s, admin_ctx_t *ctx, outgoing_payments_t *op)
{
    g_op = op;
    return admin_routes_register(s, ctx, routes, sizeof routes / sizeof routes[0]);
}
