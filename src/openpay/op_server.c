/*
 * Open Payments port routes for wallet addresses (see op_server.h): the document, SPSP and the
 * key set, chosen by the path's last segment and the Accept header.
 */
#include "openpay/op_server.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "payments/tenants.h"
#include "payments/op_client.h"
#include "payments/wallet_address_props.h"
#include "openpay/spsp.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

/* Path segments a wallet address may have, plus one for "jwks.json". */
#define OP_WALLET_SEGMENTS_MAX 8

static const char JWKS_SUFFIX[] = "/jwks.json";

static http_handler_result_t op_not_found(http_req_t *req)
{
    http_respond_error(req, 404, "wallet_address_not_found", "no wallet address at this URL");
    return HTTP_DONE;
}

static http_handler_result_t op_unavailable(http_req_t *req, const db_err_t *e)
{
    LOGE("open payments: %s", e->msg);
    http_respond_error(req, 503, "storage_error", "the database is unavailable");
    return HTTP_DONE;
}

/* A JSON answer with its own content type. */
static http_handler_result_t op_json(http_req_t *req, const char *type, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        http_respond_error(req, 500, "internal", "out of memory");
        return HTTP_DONE;
    }
    http_respond(req, 200, type, text, strlen(text));
    free(text);
    return HTTP_DONE;
}

static http_handler_result_t op_jwks(http_req_t *req, const wallet_ctx_t *ctx,
                                     const wallet_address_t *w)
{
    wallet_key_t keys[WALLET_KEYS_MAX];
    size_t n = 0;
    db_err_t e = {0};
    if (wallet_key_list(ctx, w->id, keys, WALLET_KEYS_MAX, &n, &e) != WALLET_ADDRESS_OK)
        return op_unavailable(req, &e);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        if (!keys[i].revoked)
            json_array_append_new(list, wallet_key_jwk(&keys[i]));
    return op_json(req, "application/json", json_pack("{s:o}", "keys", list));
}

static http_handler_result_t op_spsp(http_req_t *req, const wallet_ctx_t *ctx,
                                     const wallet_address_t *w)
{
    json_t *doc = NULL;
    spsp_result_t r = spsp_answer(ctx->receiver, w->account_id, w->asset_code, w->asset_scale,
                                  http_req_header(req, "Receipt-Nonce"),
                                  http_req_header(req, "Receipt-Secret"), &doc);
    if (r == SPSP_RECEIPT_HEADERS_INVALID) {
        http_respond_error(req, 400, spsp_result_str(r),
                           "Receipt-Nonce (16 bytes) and Receipt-Secret (32 bytes) must both be "
                           "given in base64");
        return HTTP_DONE;
    }
    if (r != SPSP_OK) {
        http_respond_error(req, 503, "spsp_unavailable", "cannot issue STREAM credentials");
        return HTTP_DONE;
    }
    /* a tenant's wallet address receives under the tenant's ILP address */
    char tenant_address[ILP_ADDRESS_MAX_LEN + 1];
    const char *given = json_string_value(json_object_get(doc, "destination_account"));
    if (given &&
        pay_tenant_stream_address(ctx->db, w->id, ctx->receiver->address, given, tenant_address))
        json_object_set_new(doc, "destination_account", json_string(tenant_address));
    /* fresh credentials every time, but a client may reuse them: they do not expire */
    http_req_add_header(req, "Cache-Control", "max-age=60");
    return op_json(req, SPSP_CONTENT_TYPE, doc);
}

/* The document, with the additional properties an operator made visible in Open Payments
 * ({key: value}, as Rafiki's toOpenPaymentsType; none: no member). */
static http_handler_result_t op_document(http_req_t *req, const wallet_ctx_t *ctx,
                                         const wallet_address_t *w)
{
    json_t *doc = wallet_address_document(ctx, w);
    if (!doc) {
        http_respond_error(req, 503, "storage_error", "the database is unavailable");
        return HTTP_DONE;
    }
    wallet_prop_t *props = xmalloc(WALLET_PROPS_MAX * sizeof *props);
    size_t n = 0;
    if (wallet_props_list(ctx, w->id, props, WALLET_PROPS_MAX, &n, NULL) != WALLET_ADDRESS_OK) {
        free(props);
        json_decref(doc);
        http_respond_error(req, 503, "storage_error", "the database is unavailable");
        return HTTP_DONE;
    }
    json_t *visible = json_object();
    for (size_t i = 0; i < n; i++)
        if (props[i].visible_in_op)
            json_object_set_new(visible, props[i].key, json_string(props[i].value));
    if (json_object_size(visible) > 0)
        json_object_set(doc, "additionalProperties", visible);
    json_decref(visible);
    free(props);
    return op_json(req, "application/json", doc);
}

static _Atomic unsigned not_found_waiters;

/* Rafiki's getOrPollByUrl: looks again every poll_frequency_ms until lookup_timeout_ms has
 * passed, for a wallet that creates the address when told it was asked for. WALLET_ADDRESS_OK
 * when it appeared (and is in *w). */
static wallet_address_result_t wait_for_address(const op_server_config_t *cfg, const char *url,
                                                size_t n, wallet_address_t *w, db_err_t *e)
{
    wallet_address_result_t r = WALLET_ADDRESS_NOT_FOUND;
    if (atomic_fetch_add(&not_found_waiters, 1) >= OP_NOT_FOUND_WAITERS_MAX) {
        atomic_fetch_sub(&not_found_waiters, 1);
        return r;
    }
    uint64_t start = clock_mono_ms(), step = cfg->poll_frequency_ms ? cfg->poll_frequency_ms : 100;
    while (clock_mono_ms() - start < cfg->lookup_timeout_ms) {
        struct timespec ts = {.tv_sec = (time_t)(step / 1000),
                              .tv_nsec = (long)(step % 1000) * 1000000};
        nanosleep(&ts, NULL);
        r = wallet_address_get_by_url(cfg->wallet, url, n, w, e);
        if (r != WALLET_ADDRESS_NOT_FOUND)
            break;
    }
    atomic_fetch_sub(&not_found_waiters, 1);
    return r;
}

/* The wallet address of the request's path (without a trailing "/jwks.json"): its lookup, and
 * for an unknown one the not-found event and, with polling on, the wait. */
static wallet_address_result_t lookup(const op_server_config_t *cfg, const char *url, size_t n,
                                      wallet_address_t *w, db_err_t *e)
{
    wallet_address_result_t r = wallet_address_get_by_url(cfg->wallet, url, n, w, e);
    if (r != WALLET_ADDRESS_NOT_FOUND)
        return r;
    db_err_t ee = {0};
    if (wallet_address_not_found_event(cfg->wallet, url, n, &ee) != WALLET_ADDRESS_OK)
        LOGW("open payments: cannot record wallet_address.not_found: %s", ee.msg);
    if (!cfg->poll_not_found)
        return r;
    return wait_for_address(cfg, url, n, w, e);
}

static http_handler_result_t op_wallet(http_req_t *req, void *user)
{
    const op_server_config_t *cfg = user;
    const wallet_ctx_t *ctx = cfg->wallet;
    const char *path = http_req_path(req);
    if (ctx->instance_jwks && strcmp(path, OP_CLIENT_PATH "/jwks.json") == 0) {
        http_respond(req, 200, "application/json", ctx->instance_jwks, strlen(ctx->instance_jwks));
        return HTTP_DONE;
    }
    size_t plen = strlen(path), slen = sizeof JWKS_SUFFIX - 1;
    bool jwks = plen > slen && memcmp(path + plen - slen, JWKS_SUFFIX, slen) == 0;
    if (jwks)
        plen -= slen;
    char url[WALLET_ADDRESS_URL_MAX + 1];
    int n = snprintf(url, sizeof url, "%s%.*s", ctx->op_url, (int)plen, path);
    if (n < 0 || (size_t)n >= sizeof url)
        return op_not_found(req);
    if (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
    wallet_address_t w;
    db_err_t e = {0};
    wallet_address_result_t r = lookup(cfg, url, (size_t)n, &w, &e);
    if (r == WALLET_ADDRESS_STORAGE_ERROR)
        return op_unavailable(req, &e);
    if (r != WALLET_ADDRESS_OK || !w.active)
        return op_not_found(req);
    if (jwks)
        return op_jwks(req, ctx, &w);
    const char *accept = http_req_header(req, "Accept");
    if (accept && strstr(accept, SPSP_CONTENT_TYPE))
        return op_spsp(req, ctx, &w);
    return op_document(req, ctx, &w);
}

static http_handler_result_t op_healthz(http_req_t *req, void *user)
{
    (void)user; /* the configuration, unused */
    http_respond(req, 200, "application/json", "{\"status\":\"ok\"}", 15);
    return HTTP_DONE;
}

/* A wallet address is up to OP_WALLET_SEGMENTS_MAX path segments; its jwks.json one deeper. */
static const http_route_t WALLET_ROUTES[] = {
    {"GET", "/healthz", op_healthz, 0},
    {"GET", "/{s1}", op_wallet, 0},
    {"GET", "/{s1}/{s2}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}/{s5}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}/{s5}/{s6}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}/{s5}/{s6}/{s7}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}/{s5}/{s6}/{s7}/{s8}", op_wallet, 0},
    {"GET", "/{s1}/{s2}/{s3}/{s4}/{s5}/{s6}/{s7}/{s8}/{s9}", op_wallet, 0},
};

_Static_assert(HTTP_ROUTES_N(WALLET_ROUTES) == OP_WALLET_SEGMENTS_MAX + 2,
               "a route per wallet address depth, its jwks.json, and /healthz");

int op_server_register(http_server_t *s, const op_server_config_t *cfg)
{
    return http_server_routes(s, WALLET_ROUTES, HTTP_ROUTES_N(WALLET_ROUTES), (void *)cfg);
}
