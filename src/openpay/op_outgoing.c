/*
 * Open Payments outgoing payments (op_resource.h): create (from a quote, or in one step from an
 * incoming payment and a debit amount), read, list, and the token's grant spending.
 */
#include "openpay/op_outgoing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "openpay/op_quotes.h"
#include "payments/json.h"

static json_t *outgoing_json(rs_t *rs, const outgoing_payment_t *p, const quote_t *q,
                             const char *wallet_url, const char *owner)
{
    char url[WALLET_ADDRESS_URL_MAX + 128], quote_url[WALLET_ADDRESS_URL_MAX + 128];
    rs_resource_url(rs, owner, "outgoing-payments", p->id, url, sizeof url);
    rs_resource_url(rs, owner, "quotes", q->id, quote_url, sizeof quote_url);
    bool failed = p->state == OUTGOING_PAYMENT_FAILED || p->state == OUTGOING_PAYMENT_CANCELLED;
    /* sent: what left towards the receiver, and the fee once the payment is done */
    uint64_t sent = p->sent_amount;
    if (p->state == OUTGOING_PAYMENT_COMPLETED)
        sent = q->debit_amount.value;
    if (sent > q->debit_amount.value)
        sent = q->debit_amount.value;
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o}", "id", url, "walletAddress", wallet_url, "quoteId",
        quote_url, "failed", failed, "receiver", q->receiver, "receiveAmount",
        rs_amount_json(q->receive_amount.value, q->receive_amount.asset_code,
                       q->receive_amount.asset_scale),
        "debitAmount",
        rs_amount_json(q->debit_amount.value, q->debit_amount.asset_code,
                       q->debit_amount.asset_scale),
        "sentAmount", rs_amount_json(sent, q->debit_amount.asset_code, q->debit_amount.asset_scale),
        "createdAt", pay_json_time(p->created_ms));
    if (doc && p->metadata[0]) {
        json_t *m = json_loads(p->metadata, 0, NULL);
        if (m)
            json_object_set_new(doc, "metadata", m);
    }
    return doc;
}

/* The spent amounts of the token's grant in the current interval (NULL members: none). */
static void grant_spent(rs_t *rs, const op_access_t *acc, json_t **debit, json_t **receive)
{
    *debit = *receive = NULL;
    grant_spend_t sp;
    db_err_t e;
    if (!acc->has_limits || grant_limits_spent(rs->wallet->db, acc->grant_id, &acc->limits,
                                               clock_wall_ms(), &sp, &e) != GRANT_LIMITS_OK)
        return;
    if (acc->limits.has_debit)
        *debit = rs_amount_json(sp.debit_spent, acc->limits.debit.asset_code,
                                acc->limits.debit.asset_scale);
    if (acc->limits.has_receive)
        *receive = rs_amount_json(sp.receive_spent, acc->limits.receive.asset_code,
                                  acc->limits.receive.asset_scale);
}

static unsigned outgoing_status(outgoing_payment_result_t r)
{
    switch (r) {
    case OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED:
    case OUTGOING_PAYMENT_GRANT_INACTIVE:
    case OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH:
        return 403;
    case OUTGOING_PAYMENT_QUOTE_NOT_FOUND:
        return 404;
    case OUTGOING_PAYMENT_QUOTE_USED:
        return 409;
    case OUTGOING_PAYMENT_STORAGE_ERROR:
        return 500;
    default:
        return 400;
    }
}

/* The quote a create pays: quoteId, or (1.3.0) one made here for incomingPayment and a fixed
 * debitAmount. Answers and returns false when there is none. */
static bool quote_of(http_req_t *req, rs_t *rs, const rs_create_t *c, const wallet_address_t *w,
                     quote_t *q)
{
    const char *quote_s = json_string_value(json_object_get(c->body, "quoteId"));
    const char *incoming = json_string_value(json_object_get(c->body, "incomingPayment"));
    const json_t *debit = json_object_get(c->body, "debitAmount");
    ledger_id_t qid;
    if (quote_s && !incoming && !debit) {
        if (rs_resource_id(rs, "quotes", quote_s, &qid) != 0 ||
            quote_get(rs->wallet->db, qid, q) != QUOTE_OK ||
            !rs_scope_has(rs, &c->scope, q->wallet_address_id)) {
            rs_error(req, rs, 404, "unknown quote");
            return false;
        }
        return true;
    }
    if (quote_s || !incoming || !debit) {
        rs_error(req, rs, 400, "give quoteId, or incomingPayment and debitAmount");
        return false;
    }
    quote_result_t r = receiver_url_ok(incoming)
                           ? quote_make(rs, w, incoming, debit, NULL, c->client, q)
                           : QUOTE_RECEIVER_NOT_FOUND;
    if (r != QUOTE_OK) {
        rs_error(req, rs, quote_status(r), quote_result_str(r));
        return false;
    }
    return true;
}

static http_handler_result_t outgoing_create(http_req_t *req, void *user)
{
    rs_t *rs = user;
    rs_create_t c;
    if (!rs_create_begin(req, rs, "outgoing-payment", &c))
        return HTTP_DONE;
    json_t *body = c.body;
    op_access_t *acc = &c.acc;
    http_handler_result_t res = HTTP_DONE;
    char *meta = NULL;
    quote_t *q = xcalloc(1, sizeof *q);
    wallet_address_t w;
    const json_t *md = json_object_get(body, "metadata");
    if (!rs_create_wallet(req, rs, &c, 400, &w))
        goto out;
    if (md && !json_is_object(md)) {
        rs_error(req, rs, 400, "metadata must be an object");
        goto out;
    }
    if (!quote_of(req, rs, &c, &w, q))
        goto out;
    if (acc->receiver[0] && strcmp(acc->receiver, q->receiver) != 0) {
        rs_error(req, rs, 403, "the grant limits payments to another receiver");
        goto out;
    }
    ledger_id_t gid = {0};
    ledger_id_parse(acc->grant_id, strlen(acc->grant_id), &gid);
    meta = md ? json_dumps(md, JSON_COMPACT) : NULL;
    outgoing_payment_request_t pr = {.wallet_address_id = w.id,
                                     .quote_id = q->id,
                                     .grant_id = gid,
                                     .limits = acc->has_limits ? &acc->limits : NULL,
                                     .metadata = meta,
                                     .client = c.client};
    outgoing_payment_t p;
    outgoing_payment_result_t r = outgoing_payment_create(rs->payments, &pr, &p);
    if (r != OUTGOING_PAYMENT_OK) {
        rs_error(req, rs, outgoing_status(r), outgoing_payment_result_str(r));
        goto out;
    }
    json_t *doc = outgoing_json(rs, &p, q, w.url, c.scope.owner), *sd, *sr;
    grant_spent(rs, acc, &sd, &sr);
    if (doc && sd)
        json_object_set_new(doc, "grantSpentDebitAmount", sd);
    if (doc && sr)
        json_object_set_new(doc, "grantSpentReceiveAmount", sr);
    res = rs_json(req, rs, 201, doc);
out:
    free(meta);
    free(q);
    rs_create_end(&c);
    return res;
}

static json_t *outgoing_row(rs_t *rs, ledger_id_t id, const char *wallet_url, const char *owner)
{
    outgoing_payment_t p;
    quote_t *q = xcalloc(1, sizeof *q);
    json_t *doc = NULL;
    if (outgoing_payment_get(rs->payments, id, &p) == OUTGOING_PAYMENT_OK &&
        quote_get(rs->wallet->db, p.quote_id, q) == QUOTE_OK)
        doc = outgoing_json(rs, &p, q, wallet_url, owner);
    free(q);
    return doc;
}

static http_handler_result_t outgoing_get(http_req_t *req, void *user)
{
    rs_t *rs = user;
    ledger_id_t id;
    outgoing_payment_t p;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    op_access_t acc;
    rs_scope_t scope;
    if (!rs_scope(req, rs, "unknown outgoing payment", &scope))
        return HTTP_DONE;
    if (rs_resource_id(rs, "outgoing-payments", http_req_param(req, "id"), &id) != 0 ||
        outgoing_payment_get(rs->payments, id, &p) != OUTGOING_PAYMENT_OK ||
        !rs_scope_has(rs, &scope, p.wallet_address_id) ||
        rs_wallet_url_of(rs, p.wallet_address_id, wallet_url, sizeof wallet_url) != 0)
        return rs_error(req, rs, 404, "unknown outgoing payment");
    if (!rs_authorize(req, rs, "outgoing-payment", "read", wallet_url, &acc))
        return HTTP_DONE;
    bool mine = rs_may_see(rs, PAY_RESOURCE_OUTGOING, p.id, &acc);
    json_decref(acc.client_jwk);
    json_t *doc = mine ? outgoing_row(rs, id, wallet_url, scope.owner) : NULL;
    return doc ? rs_json(req, rs, 200, doc) : rs_error(req, rs, 404, "unknown outgoing payment");
}

static http_handler_result_t outgoing_list(http_req_t *req, void *user)
{
    return rs_list(req, user, "outgoing-payment", PAY_RESOURCE_OUTGOING, outgoing_row);
}

static http_handler_result_t outgoing_grant(http_req_t *req, void *user)
{
    rs_t *rs = user;
    op_access_t acc;
    rs_scope_t scope;
    if (!rs_scope(req, rs, "unknown tenant", &scope) ||
        !rs_authorize(req, rs, "outgoing-payment", "create", NULL, &acc))
        return HTTP_DONE;
    json_t *sd, *sr;
    grant_spent(rs, &acc, &sd, &sr);
    json_decref(acc.client_jwk);
    return rs_json(req, rs, 200,
                   json_pack("{s:o,s:o}", "spentDebitAmount", sd ? sd : json_null(),
                             "spentReceiveAmount", sr ? sr : json_null()));
}

/* The operator's unprefixed routes, then Rafiki 2.0's under /{tenantId} (op_resource.h). */
const http_route_t OP_OUTGOING_ROUTES[] = {
    {"POST", "/outgoing-payments", outgoing_create, RS_BODY_MAX},
    {"GET", "/outgoing-payments", outgoing_list, 0},
    {"GET", "/outgoing-payments/{id}", outgoing_get, 0},
    {"GET", "/outgoing-payment-grant", outgoing_grant, 0},
    {"POST", "/{tenant}/outgoing-payments", outgoing_create, RS_BODY_MAX},
    {"GET", "/{tenant}/outgoing-payments", outgoing_list, 0},
    {"GET", "/{tenant}/outgoing-payments/{id}", outgoing_get, 0},
    {"GET", "/{tenant}/outgoing-payment-grant", outgoing_grant, 0},
};
const size_t OP_OUTGOING_ROUTES_N = HTTP_ROUTES_N(OP_OUTGOING_ROUTES);
