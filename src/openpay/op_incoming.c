/*
 * Open Payments incoming payments (op_resource.h): create, read (a public view without
 * Authorization), complete, list.
 */
#include "openpay/op_incoming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/interval.h"
#include "http/json.h"
#include "openpay/op_request.h"
#include "payments/incoming_payment.h"
#include "payments/json.h"

static json_t *incoming_json(rs_t *rs, const incoming_payment_t *p, const char *wallet_url,
                             const char *owner, bool methods)
{
    char url[WALLET_ADDRESS_URL_MAX + 128];
    rs_resource_url(rs, owner, "incoming-payments", p->id, url, sizeof url);
    json_t *doc =
        json_pack("{s:s,s:s,s:b,s:o,s:o,s:o}", "id", url, "walletAddress", wallet_url, "completed",
                  p->state == INCOMING_PAYMENT_COMPLETED, "receivedAmount",
                  rs_amount_json(p->received_amount, p->asset_code, p->asset_scale), "createdAt",
                  pay_json_time(p->created_ms), "expiresAt", pay_json_time(p->expires_ms));
    if (!doc)
        return NULL;
    if (p->has_incoming_amount)
        json_object_set_new(doc, "incomingAmount",
                            rs_amount_json(p->incoming_amount, p->asset_code, p->asset_scale));
    if (p->metadata[0]) {
        json_t *m = json_loads(p->metadata, 0, NULL);
        if (m)
            json_object_set_new(doc, "metadata", m);
    }
    if (methods) {
        json_t *list = json_array();
        stream_credentials_t cred;
        if (p->state == INCOMING_PAYMENT_PENDING &&
            incoming_payment_credentials(rs->wallet, p, &cred) == 0) {
            char secret[64];
            b64_encode(secret, sizeof secret, cred.shared_secret, sizeof cred.shared_secret,
                       B64_URL | B64_NOPAD);
            json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "type", "ilp", "ilpAddress",
                                                  cred.address, "sharedSecret", secret));
        }
        json_object_set_new(doc, "methods", list);
    }
    return doc;
}

static http_handler_result_t incoming_create_run(http_req_t *req, void *user)
{
    rs_t *rs = user;
    rs_create_t c;
    if (!rs_create_begin(req, rs, "incoming-payment", &c))
        return HTTP_DONE;
    json_t *body = c.body;
    http_handler_result_t res = HTTP_DONE;
    wallet_address_t w;
    incoming_payment_new_t in = {0};
    const char *key;
    json_t *v;
    char *meta = NULL;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "walletAddress") && strcmp(key, "incomingAmount") &&
            strcmp(key, "expiresAt") && strcmp(key, "metadata")) {
            rs_error(req, rs, 400, "unknown field in the incoming payment");
            goto out;
        }
    }
    if (!rs_create_wallet(req, rs, &c, 404, &w))
        goto out;
    in.wallet_address_id = w.id;
    const json_t *amt = json_object_get(body, "incomingAmount");
    if (amt) {
        const char *val = json_string_value(json_object_get(amt, "value"));
        const char *code = json_string_value(json_object_get(amt, "assetCode"));
        const json_t *scale = json_object_get(amt, "assetScale");
        if (!val || http_json_parse_u64(val, strlen(val), &in.incoming_amount) != 0 ||
            in.incoming_amount == 0 || !code || strcmp(code, w.asset_code) != 0 ||
            !json_is_integer(scale) || json_integer_value(scale) != w.asset_scale) {
            rs_error(req, rs, 400,
                     "incomingAmount must be a positive amount in the wallet "
                     "address's asset");
            goto out;
        }
        in.has_incoming_amount = true;
    }
    const char *exp = json_string_value(json_object_get(body, "expiresAt"));
    if (json_object_get(body, "expiresAt") &&
        (!exp || iso_datetime_parse(exp, strlen(exp), &in.expires_ms) != 0)) {
        rs_error(req, rs, 400, "expiresAt must be an RFC 3339 date-time");
        goto out;
    }
    const json_t *md = json_object_get(body, "metadata");
    if (md && !json_is_object(md)) {
        rs_error(req, rs, 400, "metadata must be an object");
        goto out;
    }
    in.metadata = meta = md ? json_dumps(md, JSON_COMPACT) : NULL;
    in.client = c.client;
    incoming_payment_t p;
    db_err_t e;
    incoming_payment_result_t r = incoming_payment_create(rs->wallet, &in, &p, &e);
    /* Rafiki's create waits for the wallet's approval when told to poll (403 otherwise) */
    if (r == INCOMING_PAYMENT_OK)
        r = incoming_payment_await_approval(rs->wallet, p.id, &p, &e);
    if (r == INCOMING_PAYMENT_OK)
        res = rs_json(req, rs, 201, incoming_json(rs, &p, w.url, c.scope.owner, true));
    else if (r == INCOMING_PAYMENT_STORAGE_ERROR)
        rs_error(req, rs, 500, "storage unavailable");
    else if (r == INCOMING_PAYMENT_ACTION_NOT_PERFORMED)
        rs_error(req, rs, 403, "action not performed");
    else
        rs_error(req, rs, 400, incoming_payment_result_str(r));
out:
    free(meta);
    rs_create_end(&c);
    return res;
}

/* POST [/{tenantId}]/incoming-payments: on the pool when the create may wait for the wallet's
 * approval, so the listener's thread goes on serving its other connections meanwhile. */
static http_handler_result_t incoming_create(http_req_t *req, void *user)
{
    rs_t *rs = user;
    if (rs->waits && rs->wallet->approval_poll)
        return http_offload(rs->waits, req, incoming_create_run, user);
    return incoming_create_run(req, user);
}

/* The incoming payment of [/{tenantId}]/incoming-payments/{id} (in the path's scope, *scope)
 * and its wallet address URL; answers 404 (another tenant's as an unknown one). */
static bool incoming_load(http_req_t *req, rs_t *rs, incoming_payment_t *p, rs_scope_t *scope,
                          char *wallet_url, size_t cap)
{
    static const char unknown[] = "unknown incoming payment";
    ledger_id_t id;
    db_err_t e;
    incoming_payment_result_t r = INCOMING_PAYMENT_NOT_FOUND;
    if (!rs_scope(req, rs, unknown, scope))
        return false;
    if (rs_resource_id(rs, "incoming-payments", http_req_param(req, "id"), &id) == 0)
        r = incoming_payment_get(rs->wallet, id, p, &e);
    if (r == INCOMING_PAYMENT_OK && rs_scope_has(rs, scope, p->wallet_address_id) &&
        rs_wallet_url_of(rs, p->wallet_address_id, wallet_url, cap) == 0)
        return true;
    if (r == INCOMING_PAYMENT_OK)
        r = INCOMING_PAYMENT_NOT_FOUND;
    rs_error(req, rs, r == INCOMING_PAYMENT_STORAGE_ERROR ? 500 : 404,
             r == INCOMING_PAYMENT_STORAGE_ERROR ? "storage unavailable" : unknown);
    return false;
}

static http_handler_result_t incoming_get(http_req_t *req, void *user)
{
    rs_t *rs = user;
    incoming_payment_t p;
    rs_scope_t scope;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    if (!incoming_load(req, rs, &p, &scope, wallet_url, sizeof wallet_url))
        return HTTP_DONE;
    if (!http_req_header(req, "Authorization")) {
        /* the public view: where to ask for access, and what has arrived */
        char as[WALLET_ADDRESS_AUTH_SERVER_MAX];
        wallet_address_auth_server(rs->wallet, scope.owner, as);
        return rs_json(req, rs, 200,
                       json_pack("{s:s,s:o}", "authServer", as, "receivedAmount",
                                 rs_amount_json(p.received_amount, p.asset_code, p.asset_scale)));
    }
    op_access_t acc;
    if (!rs_authorize(req, rs, "incoming-payment", "read", wallet_url, &acc))
        return HTTP_DONE;
    bool mine = rs_may_see(rs, PAY_RESOURCE_INCOMING, p.id, &acc);
    json_decref(acc.client_jwk);
    if (!mine)
        return rs_error(req, rs, 404, "unknown incoming payment");
    return rs_json(req, rs, 200, incoming_json(rs, &p, wallet_url, scope.owner, true));
}

static http_handler_result_t incoming_complete(http_req_t *req, void *user)
{
    rs_t *rs = user;
    incoming_payment_t p;
    rs_scope_t scope;
    char wallet_url[WALLET_ADDRESS_URL_MAX + 1];
    if (!incoming_load(req, rs, &p, &scope, wallet_url, sizeof wallet_url))
        return HTTP_DONE;
    op_access_t acc;
    if (!rs_authorize(req, rs, "incoming-payment", "complete", wallet_url, &acc))
        return HTTP_DONE;
    /* only the client that created it may complete it (there is no complete-all) */
    bool mine = rs_may_see(rs, PAY_RESOURCE_INCOMING, p.id, &acc);
    json_decref(acc.client_jwk);
    if (!mine)
        return rs_error(req, rs, 404, "unknown incoming payment");
    db_err_t e;
    incoming_payment_result_t r = incoming_payment_complete(rs->wallet, p.id, &p, &e);
    if (r == INCOMING_PAYMENT_ALREADY_COMPLETED || r == INCOMING_PAYMENT_ALREADY_EXPIRED)
        return rs_error(req, rs, 409, incoming_payment_result_str(r));
    if (r != INCOMING_PAYMENT_OK)
        return rs_error(req, rs, 500, "storage unavailable");
    return rs_json(req, rs, 200, incoming_json(rs, &p, wallet_url, scope.owner, false));
}

static json_t *incoming_row(rs_t *rs, ledger_id_t id, const char *wallet_url, const char *owner)
{
    incoming_payment_t p;
    db_err_t e;
    if (incoming_payment_get(rs->wallet, id, &p, &e) != INCOMING_PAYMENT_OK)
        return NULL;
    return incoming_json(rs, &p, wallet_url, owner, false);
}

static http_handler_result_t incoming_list(http_req_t *req, void *user)
{
    return rs_list(req, user, "incoming-payment", PAY_RESOURCE_INCOMING, incoming_row);
}

/* The operator's unprefixed routes, then Rafiki 2.0's under /{tenantId} (op_resource.h). */
const http_route_t OP_INCOMING_ROUTES[] = {
    {"POST", "/incoming-payments", incoming_create, RS_BODY_MAX},
    {"GET", "/incoming-payments", incoming_list, 0},
    {"GET", "/incoming-payments/{id}", incoming_get, 0},
    {"POST", "/incoming-payments/{id}/complete", incoming_complete, RS_BODY_MAX},
    {"POST", "/{tenant}/incoming-payments", incoming_create, RS_BODY_MAX},
    {"GET", "/{tenant}/incoming-payments", incoming_list, 0},
    {"GET", "/{tenant}/incoming-payments/{id}", incoming_get, 0},
    {"POST", "/{tenant}/incoming-payments/{id}/complete", incoming_complete, RS_BODY_MAX},
};
const size_t OP_INCOMING_ROUTES_N = HTTP_ROUTES_N(OP_INCOMING_ROUTES);
