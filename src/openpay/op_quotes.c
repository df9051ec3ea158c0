/*
 * Open Payments quotes (op_resource.h): create and read; the quote_make and receiver checks the
 * outgoing payments' one-step create shares (op_quotes.h).
 */
#include "openpay/op_quotes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "http/json.h"
#include "payments/json.h"

static json_t *quote_json(rs_t *rs, const quote_t *q, const char *wallet_url, const char *owner)
{
    char url[WALLET_ADDRESS_URL_MAX + 128];
    rs_resource_url(rs, owner, "quotes", q->id, url, sizeof url);
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o}", "id", url, "walletAddress", wallet_url,
                     "receiver", q->receiver, "receiveAmount",
                     rs_amount_json(q->receive_amount.value, q->receive_amount.asset_code,
                                    q->receive_amount.asset_scale),
                     "debitAmount",
                     rs_amount_json(q->debit_amount.value, q->debit_amount.asset_code,
                                    q->debit_amount.asset_scale),
                     "method", "ilp", "createdAt", pay_json_time(q->created_ms), "expiresAt",
                     pay_json_time(q->expires_ms));
}

/* An amount of a request body into a quote amount; 0, or -1 when malformed. */
static int quote_amount(const json_t *a, quote_amount_t *out)
{
    const char *v = json_string_value(json_object_get(a, "value"));
    const char *code = json_string_value(json_object_get(a, "assetCode"));
    const json_t *scale = json_object_get(a, "assetScale");
    if (!v || !code || strlen(code) > ASSET_CODE_MAX_LEN || !json_is_integer(scale) ||
        json_integer_value(scale) < 0 || json_integer_value(scale) > 255 ||
        http_json_parse_u64(v, strlen(v), &out->value) != 0)
        return -1;
    snprintf(out->asset_code, sizeof out->asset_code, "%s", code);
    out->asset_scale = (uint8_t)json_integer_value(scale);
    return 0;
}

unsigned quote_status(quote_result_t r)
{
    return r == QUOTE_STORAGE_ERROR ? 500 : 400;
}

/* Prices a quote for (wallet w, receiver, debit | receive) and records its client. */
quote_result_t quote_make(rs_t *rs, const wallet_address_t *w, const char *receiver,
                          const json_t *debit, const json_t *receive, const char *client,
                          quote_t *q)
{
    quote_request_t qr = {.wallet_address_id = w->id,
                          .receiver = receiver,
                          .receiver_len = strlen(receiver),
                          .has_debit = debit != NULL,
                          .has_receive = receive != NULL,
                          .client = client};
    if ((debit && quote_amount(debit, &qr.debit_amount) != 0) ||
        (receive && quote_amount(receive, &qr.receive_amount) != 0))
        return QUOTE_ASSET_MISMATCH;
    return quote_create(outgoing_payments_quotes(rs->payments), &qr, q);
}

bool receiver_url_ok(const char *s)
{
    const char *p = strncmp(s, "https://", 8) == 0  ? s + 8
                    : strncmp(s, "http://", 7) == 0 ? s + 7
                                                    : NULL;
    const char *seg = p ? strstr(p, "/incoming-payments/") : NULL;
    return seg && seg > p && seg[strlen("/incoming-payments/")] != '\0';
}

static http_handler_result_t quote_create_route(http_req_t *req, void *user)
{
    rs_t *rs = user;
    rs_create_t c;
    if (!rs_create_begin(req, rs, "quote", &c))
        return HTTP_DONE;
    json_t *body = c.body;
    const char *receiver = json_string_value(json_object_get(body, "receiver"));
    const char *method = json_string_value(json_object_get(body, "method"));
    const json_t *debit = json_object_get(body, "debitAmount");
    const json_t *receive = json_object_get(body, "receiveAmount");
    wallet_address_t w;
    http_handler_result_t res;
    quote_t *q = xcalloc(1, sizeof *q);
    quote_result_t r;
    if (!receiver || !receiver_url_ok(receiver) || !method || strcmp(method, "ilp") != 0)
        res = rs_error(req, rs, 400,
                       "receiver (an incoming payment URL) and method \"ilp\" are "
                       "required");
    else if (debit && receive)
        res = rs_error(req, rs, 400, "debitAmount and receiveAmount are mutually exclusive");
    else if (!rs_create_wallet(req, rs, &c, 400, &w))
        res = HTTP_DONE;
    else if ((r = quote_make(rs, &w, receiver, debit, receive, c.client, q)) != QUOTE_OK)
        res = rs_error(req, rs, quote_status(r), quote_result_str(r));
    else
        res = rs_json(req, rs, 201, quote_json(rs, q, w.url, c.scope.owner));
    free(q);
    rs_create_end(&c);
    return res;
}

static http_handler_result_t quote_get_route(http_req_t *req, void *user)
{
    rs_t *rs = user;
    ledger_id_t id;
    quote_t *q = xcalloc(1, sizeof *q);
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    http_handler_result_t res = HTTP_DONE;
    op_access_t acc;
    rs_scope_t scope;
    if (!rs_scope(req, rs, "unknown quote", &scope)) {
        /* answered */
    } else if (rs_resource_id(rs, "quotes", http_req_param(req, "id"), &id) != 0 ||
               quote_get(rs->wallet->db, id, q) != QUOTE_OK ||
               !rs_scope_has(rs, &scope, q->wallet_address_id) ||
               rs_wallet_url_of(rs, q->wallet_address_id, wallet_url, sizeof wallet_url) != 0) {
        res = rs_error(req, rs, 404, "unknown quote");
    } else if (!rs_authorize(req, rs, "quote", "read", wallet_url, &acc)) {
        res = HTTP_DONE;
    } else {
        bool mine = rs_may_see(rs, PAY_RESOURCE_QUOTE, q->id, &acc);
        json_decref(acc.client_jwk);
        res = mine ? rs_json(req, rs, 200, quote_json(rs, q, wallet_url, scope.owner))
                   : rs_error(req, rs, 404, "unknown quote");
    }
    free(q);
    return res;
}

/* The operator's unprefixed routes, then Rafiki 2.0's under /{tenantId} (op_resource.h). */
const http_route_t OP_QUOTES_ROUTES[] = {
    {"POST", "/quotes", quote_create_route, RS_BODY_MAX},
    {"GET", "/quotes/{id}", quote_get_route, 0},
    {"POST", "/{tenant}/quotes", quote_create_route, RS_BODY_MAX},
    {"GET", "/{tenant}/quotes/{id}", quote_get_route, 0},
};
const size_t OP_QUOTES_ROUTES_N = HTTP_ROUTES_N(OP_QUOTES_ROUTES);
