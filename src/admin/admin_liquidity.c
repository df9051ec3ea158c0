/*
 * Liquidity threshold routes (see admin_liquidity.h): the path names an asset or a peer, which
 * is resolved to the account whose balance the monitor watches.
 */
#include "admin/admin_liquidity.h"

#include <stdio.h>
#include <string.h>

#include "payments/liquidity.h"
#include "connector/peers.h"

/* The threshold record for the asset or peer of the path (without its threshold), or an
 * answer (404, 503) and -1. */
static int owner_resolve(admin_call_t *call, liquidity_kind_t kind, liquidity_threshold_t *t)
{
    memset(t, 0, sizeof *t);
    t->kind = kind;
    if (admin_path_id(call, "id", &t->owner_id) != 0)
        return -1;
    if (kind == LIQUIDITY_ASSET) {
        ledger_asset_t a;
        ledger_result_t r = ledger_asset_get(call->ctx->ledger, t->owner_id, &a);
        if (r != LEDGER_OK) {
            admin_ledger_error(call, r, true, "asset");
            return -1;
        }
        t->account_id = a.liquidity_account_id;
        t->asset_id = a.id;
        snprintf(t->asset_code, sizeof t->asset_code, "%s", a.code);
        t->asset_scale = a.scale;
        return 0;
    }
    peer_t *p = NULL;
    peers_result_t pr = peers_db_get(call->ctx->db, t->owner_id, &p);
    if (pr != PEERS_OK) {
        if (pr == PEERS_NOT_FOUND)
            admin_error(call, 404, "not_found", "peer not found");
        else
            admin_error(call, 503, "storage_error", "peers: the database is unavailable");
        return -1;
    }
    t->account_id = p->account_id;
    t->asset_id = p->asset_id;
    snprintf(t->asset_code, sizeof t->asset_code, "%s", p->asset_code);
    t->asset_scale = p->asset_scale;
    peer_release(p);
    return 0;
}

static http_handler_result_t reply(admin_call_t *call, const liquidity_threshold_t *t, bool set)
{
    return admin_reply(call, 200,
                       json_pack("{s:o,s:o,s:o,s:b}", "id", pay_json_id(t->owner_id), "account_id",
                                 pay_json_id(t->account_id), "threshold",
                                 set ? pay_json_u64(t->threshold) : json_null(), "low",
                                 set && t->low));
}

/* The routes of both families share their handlers: the route names the kind. */
static liquidity_kind_t route_kind(const admin_call_t *call)
{
    return strstr(call->route, " /peers/") ? LIQUIDITY_PEER : LIQUIDITY_ASSET;
}

static http_handler_result_t threshold_get(admin_call_t *call)
{
    liquidity_kind_t kind = route_kind(call);
    liquidity_threshold_t t;
    if (owner_resolve(call, kind, &t) != 0)
        return HTTP_DONE;
    db_err_t err = {0};
    db_rc_t rc = liquidity_threshold_get(call->ctx->db, t.owner_id, &t, &err);
    if (rc != DB_OK && rc != DB_NOT_FOUND)
        return admin_error(call, 503, "storage_error", "liquidity: the database is unavailable");
    return reply(call, &t, rc == DB_OK);
}

static http_handler_result_t threshold_put(admin_call_t *call)
{
    liquidity_kind_t kind = route_kind(call);
    static const char *const keys[] = {"threshold", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the threshold", keys) != 0)
        return HTTP_DONE;
    if (!json_object_get(body, "threshold"))
        return admin_error(call, 400, "missing_field",
                           "field 'threshold' is required (an amount, or null to remove it)");
    liquidity_threshold_t t;
    bool set = false;
    uint64_t v = 0;
    if (admin_opt_amount(call, body, "threshold", &v, &set) != 0 ||
        owner_resolve(call, kind, &t) != 0)
        return HTTP_DONE;
    t.threshold = v;
    db_err_t err = {0};
    db_rc_t rc = set ? liquidity_threshold_set(call->ctx->db, &t, &err)
                     : liquidity_threshold_clear(call->ctx->db, t.owner_id, &err);
    if (rc != DB_OK)
        return admin_error(call, 503, "storage_error", "liquidity: the database is unavailable");
    return reply(call, &t, set);
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("GET", "/assets/{id}/liquidity-threshold", threshold_get),
    ADMIN_ROUTE("PUT", "/assets/{id}/liquidity-threshold", threshold_put),
    ADMIN_ROUTE("GET", "/peers/{id}/liquidity-threshold", threshold_get),
    ADMIN_ROUTE("PUT", "/peers/{id}/liquidity-threshold", threshold_put),
};

int admin_liquidity_register(http_server_t *s, admin_ctx_t *ctx)
{
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof ROUTES[0]);
}
