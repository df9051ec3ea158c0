/*
 * Admin routes for wallet addresses and their client keys (see wallet_address_admin.h), and
 * the amount helpers of the payments routes. Handlers validate the request shape here and
 * leave every rule about the resource to wallet_address.c, mapping its results to answers.
 */
#include "admin/admin_payments.h"

#include <string.h>

#include "base/log.h"

/* One payments context per process: the routes reach it through this (set at registration). */
static const wallet_ctx_t *g_wallet;

int pay_amount_opt(admin_call_t *call, const json_t *body, const char *key, const char *asset_code,
                   uint8_t asset_scale, uint64_t *out, bool *present)
{
    static const char *const keys[] = {"value", "asset_code", "asset_scale", NULL};
    const json_t *a = json_object_get(body, key);
    *present = a && !json_is_null(a);
    if (!*present)
        return 0;
    if (!json_is_object(a)) {
        admin_error(call, 400, "invalid_field",
                    "'%s' must be {\"value\": string, \"asset_code\": string, \"asset_scale\": "
                    "integer}",
                    key);
        return -1;
    }
    if (admin_check_keys(call, a, key, keys) != 0 || admin_get_amount(call, a, "value", true, out))
        return -1;
    const char *code = json_string_value(json_object_get(a, "asset_code"));
    const json_t *scale = json_object_get(a, "asset_scale");
    if (!code || !json_is_integer(scale)) {
        admin_error(call, 400, "invalid_field", "'%s' needs asset_code and asset_scale", key);
        return -1;
    }
    if (strcmp(code, asset_code) != 0 || json_integer_value(scale) != asset_scale) {
        admin_error(call, 422, "asset_mismatch", "'%s' must be in %s with scale %d", key,
                    asset_code, (int)asset_scale);
        return -1;
    }
    return 0;
}

static json_t *wallet_json(const wallet_address_t *w)
{
    return json_pack("{s:o,s:s,s:o,s:{s:s,s:i},s:o,s:s,s:s,s:o,s:o}", "id", pay_json_id(w->id),
                     "url", w->url, "asset_id", pay_json_id(w->asset_id), "asset", "code",
                     w->asset_code, "scale", (int)w->asset_scale, "account_id",
                     pay_json_id(w->account_id), "public_name", w->public_name, "status",
                     w->active ? "active" : "inactive", "created_at", pay_json_time(w->created_ms),
                     "updated_at", pay_json_time(w->updated_ms));
}

static json_t *key_json(const wallet_key_t *k)
{
    return json_pack("{s:o,s:o,s:s,s:o,s:b,s:o,s:o}", "id", pay_json_id(k->id), "wallet_address_id",
                     pay_json_id(k->wallet_address_id), "kid", k->kid, "jwk", wallet_key_jwk(k),
                     "revoked", k->revoked, "created_at", pay_json_time(k->created_ms),
                     "updated_at", pay_json_time(k->updated_ms));
}

/* Answers a result that is not OK. */
static http_handler_result_t wa_fail(admin_call_t *call, wallet_address_result_t r,
                                     const db_err_t *e)
{
    const char *code = wallet_address_result_str(r);
    switch (r) {
    case WALLET_ADDRESS_NOT_FOUND:
        return admin_error(call, 404, "not_found", "wallet address not found");
    case WALLET_ADDRESS_KEY_NOT_FOUND:
        return admin_error(call, 404, code, "no key with this kid");
    case WALLET_ADDRESS_URL_INVALID:
        return admin_error(call, 400, code,
                           "'url' must be %s/ followed by path segments of letters, digits, "
                           "'-', '_', '.' or '~', not a reserved path",
                           g_wallet->op_url);
    case WALLET_ADDRESS_NAME_INVALID:
    case WALLET_ADDRESS_KEY_INVALID:
        return admin_error(call, 400, code, "%s is not valid", code);
    case WALLET_ADDRESS_URL_TAKEN:
    case WALLET_ADDRESS_KEY_EXISTS:
        return admin_error(call, 409, code, "%s", code);
    case WALLET_ADDRESS_ASSET_NOT_FOUND:
    case WALLET_ADDRESS_KEYS_FULL:
    case WALLET_ADDRESS_INACTIVE:
        return admin_error(call, 422, code, "%s", code);
    default:
        LOGE("wallet addresses: %s", e->msg);
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

static http_handler_result_t wa_create(admin_call_t *call)
{
    static const char *const keys[] = {"asset_id", "url", "public_name", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the wallet address", keys) != 0)
        return HTTP_DONE;
    ledger_id_t asset;
    if (admin_get_id(call, body, "asset_id", &asset) != 0)
        return HTTP_DONE;
    const char *url = json_string_value(json_object_get(body, "url"));
    const json_t *name = json_object_get(body, "public_name");
    if (!url)
        return admin_error(call, 400, "invalid_field", "'url' must be a string");
    if (name && !json_is_null(name) && !json_is_string(name))
        return admin_error(call, 400, "invalid_field", "'public_name' must be a string");
    wallet_address_t w;
    db_err_t e = {0};
    wallet_address_result_t r =
        wallet_address_create(g_wallet, asset, url, json_string_value(name), &w, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    return admin_reply(call, 201, wallet_json(&w));
}

static http_handler_result_t wa_get(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    wallet_address_t w;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_address_get(g_wallet, id, &w, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    return admin_reply(call, 200, wallet_json(&w));
}

static http_handler_result_t wa_list(admin_call_t *call)
{
    size_t limit;
    ledger_id_t after;
    if (admin_query_limit(call, &limit) != 0 || admin_query_cursor(call, &after) != 0)
        return HTTP_DONE;
    wallet_address_t page[ADMIN_PAGE_MAX + 1];
    size_t n;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_address_list(g_wallet, after, page, limit + 1, &n, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(list, wallet_json(&page[i]));
    json_t *next = n > limit ? pay_json_id(page[limit - 1].id) : json_null();
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o}", "wallet_addresses", list, "next_cursor", next));
}

static http_handler_result_t wa_patch(admin_call_t *call)
{
    static const char *const keys[] = {"public_name", "status", NULL};
    ledger_id_t id;
    json_t *body;
    if (admin_path_id(call, "id", &id) != 0 || !(body = admin_body(call)) ||
        admin_check_keys(call, body, "the wallet address", keys) != 0)
        return HTTP_DONE;
    const json_t *name = json_object_get(body, "public_name");
    const json_t *status = json_object_get(body, "status");
    if (name && !json_is_string(name))
        return admin_error(call, 400, "invalid_field", "'public_name' must be a string");
    bool active = true;
    const char *st = json_string_value(status);
    if (status && !(st && (!strcmp(st, "active") || !strcmp(st, "inactive"))))
        return admin_error(call, 400, "invalid_field", "'status' must be active or inactive");
    if (st)
        active = strcmp(st, "active") == 0;
    wallet_address_t w;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_address_update(g_wallet, id, json_string_value(name),
                                                      status ? &active : NULL, &w, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    return admin_reply(call, 200, wallet_json(&w));
}

static http_handler_result_t key_list(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    wallet_address_t w;
    wallet_key_t keys[WALLET_KEYS_MAX];
    size_t n = 0;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_address_get(g_wallet, id, &w, &e);
    if (r == WALLET_ADDRESS_OK)
        r = wallet_key_list(g_wallet, id, keys, WALLET_KEYS_MAX, &n, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, key_json(&keys[i]));
    return admin_reply(call, 200, json_pack("{s:o}", "keys", list));
}

static http_handler_result_t key_add(admin_call_t *call)
{
    static const char *const keys[] = {"jwk", NULL};
    ledger_id_t id;
    json_t *body;
    if (admin_path_id(call, "id", &id) != 0 || !(body = admin_body(call)) ||
        admin_check_keys(call, body, "the key", keys) != 0)
        return HTTP_DONE;
    const char *kid, *x, *why;
    if (wallet_key_parse_jwk(json_object_get(body, "jwk"), &kid, &x, &why) != 0)
        return admin_error(call, 400, "key_invalid", "%s", why);
    wallet_key_t k;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_key_add(g_wallet, id, kid, x, &k, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    return admin_reply(call, 201, key_json(&k));
}

static http_handler_result_t key_revoke(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    const char *kid = http_req_param(call->req, "kid");
    wallet_key_t k;
    db_err_t e = {0};
    wallet_address_result_t r = wallet_key_revoke(g_wallet, id, kid ? kid : "", &k, &e);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r, &e);
    return admin_reply(call, 200, key_json(&k));
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/wallet-addresses", wa_create),
    ADMIN_ROUTE("GET", "/wallet-addresses", wa_list),
    ADMIN_ROUTE("GET", "/wallet-addresses/{id}", wa_get),
    ADMIN_ROUTE("PATCH", "/wallet-addresses/{id}", wa_patch),
    ADMIN_ROUTE("GET", "/wallet-addresses/{id}/keys", key_list),
    ADMIN_ROUTE("POST", "/wallet-addresses/{id}/keys", key_add),
    ADMIN_ROUTE("DELETE", "/wallet-addresses/{id}/keys/{kid}", key_revoke),
};

int admin_wallet_addresses_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *wctx)
{
    g_wallet = wctx;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof *ROUTES);
}
