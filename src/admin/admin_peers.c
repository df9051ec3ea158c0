/*
 * Admin routes for peers and STREAM credentials (see admin_peers.h). A peer is stored in the
 * peers table and mirrored into the running connector's registry (routes included) at once;
 * its balance is a ledger account of kind peer created with it.
 */
#include "admin/admin_peers.h"

#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/log.h"

/* One connector per process: the routes reach it through this (set at registration). */
static connector_t *g_conn;

static json_t *peer_json(const peer_t *p, int64_t min_balance, const char *const *tokens,
                         size_t ntokens)
{
    json_t *routes = json_array();
    for (size_t i = 0; i < p->nroutes; i++)
        json_array_append_new(routes, json_string(p->routes[i]));
    json_t *out = json_null();
    if (p->outgoing_endpoint)
        out = json_pack("{s:s}", "endpoint", p->outgoing_endpoint);
    json_t *doc = json_pack(
        "{s:o,s:o,s:o,s:s,s:s,s:{s:s,s:i},s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
        pay_json_id(p->id), "asset_id", pay_json_id(p->asset_id), "account_id",
        pay_json_id(p->account_id), "name", p->name, "ilp_address", p->ilp_address, "asset", "code",
        p->asset_code, "scale", (int)p->asset_scale, "max_packet_amount",
        pay_json_u64(p->max_packet_amount), "packets_per_s", pay_json_u64(p->packets_per_s),
        "amount_per_s", pay_json_u64(p->amount_per_s), "min_balance", pay_json_i64(min_balance),
        "outgoing", out, "routes", routes, "created_at", pay_json_time(p->created_ms), "updated_at",
        pay_json_time(p->updated_ms));
    if (doc && tokens) {
        json_t *t = json_array();
        for (size_t i = 0; i < ntokens; i++)
            json_array_append_new(t, json_string(tokens[i]));
        json_object_set_new(doc, "incoming_tokens", t);
    }
    return doc;
}

/* Reads a JSON array of strings into v (pointers into body). */
static int string_list(admin_call_t *call, const json_t *body, const char *key, size_t max,
                       size_t min_len, size_t max_len, const char **v, size_t *n, bool *present)
{
    const json_t *a = json_object_get(body, key);
    *present = a && !json_is_null(a);
    *n = 0;
    if (!*present)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > max) {
        admin_error(call, 400, "invalid_field", "'%s' must be an array of at most %zu strings", key,
                    max);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (!s || strlen(s) < min_len || strlen(s) > max_len) {
            admin_error(call, 400, "invalid_field",
                        "'%s[%zu]' must be a string of %zu..%zu "
                        "characters",
                        key, i, min_len, max_len);
            return -1;
        }
        v[(*n)++] = s;
    }
    return 0;
}

static int copy_str(admin_call_t *call, const json_t *body, const char *key, char *out, size_t cap)
{
    const json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) >= cap) {
        admin_error(call, 400, "invalid_field", "'%s' must be a string shorter than %zu", key, cap);
        return -1;
    }
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* The fields shared by create and update, applied onto p. */
static int parse_peer_fields(admin_call_t *call, const json_t *body, peer_t *p, const char **tokens,
                             size_t *ntokens, bool *has_tokens)
{
    if (copy_str(call, body, "name", p->name, sizeof p->name) != 0 ||
        copy_str(call, body, "ilp_address", p->ilp_address, sizeof p->ilp_address) != 0 ||
        admin_opt_amount(call, body, "max_packet_amount", &p->max_packet_amount, NULL) != 0 ||
        admin_opt_amount(call, body, "packets_per_s", &p->packets_per_s, NULL) != 0 ||
        admin_opt_amount(call, body, "amount_per_s", &p->amount_per_s, NULL) != 0)
        return -1;
    const char *routes[PEER_ROUTES_MAX];
    size_t nroutes;
    bool has_routes;
    if (string_list(call, body, "routes", PEER_ROUTES_MAX, 0, ILP_ADDRESS_MAX_LEN, routes, &nroutes,
                    &has_routes) != 0 ||
        string_list(call, body, "incoming_tokens", PEER_INCOMING_TOKENS_MAX, PEER_TOKEN_MIN,
                    PEER_TOKEN_MAX, tokens, ntokens, has_tokens) != 0)
        return -1;
    if (has_routes)
        peer_set_routes(p, routes, nroutes);
    const json_t *out = json_object_get(body, "outgoing");
    if (json_is_null(out)) {
        peer_set_outgoing(p, NULL, NULL);
    } else if (out) {
        const char *ep = json_string_value(json_object_get(out, "endpoint"));
        const char *tok = json_string_value(json_object_get(out, "token"));
        if (!json_is_object(out) || !ep || !tok) {
            admin_error(call, 400, "invalid_field",
                        "'outgoing' must be {\"endpoint\": URL, \"token\": string}");
            return -1;
        }
        peer_set_outgoing(p, ep, tok);
    }
    peers_err_t err;
    if (peer_validate(p, &err) != PEERS_OK) {
        admin_error(call, 400, "invalid_field", "%s", err.msg);
        return -1;
    }
    return 0;
}

static void hash_tokens(const char *const *tokens, size_t n, uint8_t (*h)[SHA256_LEN])
{
    for (size_t i = 0; i < n; i++)
        peer_token_hash(h[i], tokens[i], strlen(tokens[i]));
}

static http_handler_result_t peer_store_error(admin_call_t *call, peers_result_t r)
{
    if (r == PEERS_TOKEN_TAKEN)
        return admin_error(call, 409, "token_taken", "an incoming token is already in use");
    if (r == PEERS_NOT_FOUND)
        return admin_error(call, 404, "not_found", "peer not found");
    return admin_error(call, 503, "storage_error", "peers: the database is unavailable");
}

static http_handler_result_t peer_create(admin_call_t *call)
{
    static const char *const keys[] = {"asset_id",          "ilp_address", "name",
                                       "max_packet_amount", "min_balance", "incoming_tokens",
                                       "outgoing",          "routes",      "packets_per_s",
                                       "amount_per_s",      NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the peer", keys) != 0)
        return HTTP_DONE;
    peer_t *p = peer_new();
    ledger_account_t acct = {.kind = LEDGER_KIND_PEER};
    const char *tokens[PEER_INCOMING_TOKENS_MAX];
    size_t ntokens = 0;
    bool has_tokens;
    http_handler_result_t res = HTTP_DONE;
    if (admin_get_id(call, body, "asset_id", &p->asset_id) != 0 ||
        admin_opt_i64str(call, body, "min_balance", &acct.min_balance, NULL) != 0 ||
        parse_peer_fields(call, body, p, tokens, &ntokens, &has_tokens) != 0)
        goto done;
    ledger_asset_t asset;
    ledger_result_t r = ledger_asset_get(call->ctx->ledger, p->asset_id, &asset);
    if (r != LEDGER_OK) {
        res = admin_ledger_error(call, r, false, "asset");
        goto done;
    }
    snprintf(p->asset_code, sizeof p->asset_code, "%s", asset.code);
    p->asset_scale = asset.scale;
    acct.asset_id = p->asset_id;
    acct.max_packet_amount = p->max_packet_amount;
    if ((r = ledger_account_create(call->ctx->ledger, &acct)) != LEDGER_OK) {
        res = admin_ledger_error(call, r, false, "peer account");
        goto done;
    }
    p->id = ledger_id_random();
    p->account_id = acct.id;
    peers_result_t pr = peers_db_insert(call->ctx->db, p, tokens, ntokens, NULL);
    if (pr != PEERS_OK) {
        res = peer_store_error(call, pr);
        goto done;
    }
    peer_t *stored;
    if (peers_db_get(call->ctx->db, p->id, &stored) == PEERS_OK) {
        uint8_t h[PEER_INCOMING_TOKENS_MAX][SHA256_LEN];
        hash_tokens(tokens, ntokens, h);
        peers_put(connector_peers(g_conn), stored, h, ntokens);
        res = admin_reply(call, 201, peer_json(stored, acct.min_balance, tokens, ntokens));
        peer_release(stored);
    } else {
        res = admin_error(call, 503, "storage_error", "peers: the database is unavailable");
    }
done:
    peer_release(p);
    return res;
}

static int64_t account_min_balance(admin_ctx_t *ctx, ledger_id_t id)
{
    ledger_account_t a;
    return ledger_account_get(ctx->ledger, id, &a) == LEDGER_OK ? a.min_balance : 0;
}

static http_handler_result_t peer_get(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    peer_t *p;
    peers_result_t r = peers_db_get(call->ctx->db, id, &p);
    if (r != PEERS_OK)
        return peer_store_error(call, r);
    json_t *doc = peer_json(p, account_min_balance(call->ctx, p->account_id), NULL, 0);
    peer_release(p);
    return admin_reply(call, 200, doc);
}

static http_handler_result_t peer_list(admin_call_t *call)
{
    size_t limit, n = 0;
    ledger_id_t after = {0, 0};
    bool has_cursor;
    if (admin_query_limit(call, &limit) != 0 ||
        admin_query_id(call, "cursor", &after, &has_cursor) != 0)
        return HTTP_DONE;
    peer_t *page[ADMIN_PAGE_MAX + 1];
    if (peers_db_list(call->ctx->db, after, page, limit + 1, &n) != PEERS_OK)
        return admin_error(call, 503, "storage_error", "peers: the database is unavailable");
    json_t *list = json_array();
    size_t shown = n > limit ? limit : n;
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(
            list, peer_json(page[i], account_min_balance(call->ctx, page[i]->account_id), NULL, 0));
    json_t *next = n > limit ? pay_json_id(page[limit - 1]->id) : json_null();
    for (size_t i = 0; i < n; i++)
        peer_release(page[i]);
    return admin_reply(call, 200, json_pack("{s:o,s:o}", "peers", list, "next_cursor", next));
}

static http_handler_result_t peer_patch(admin_call_t *call)
{
    static const char *const keys[] = {
        "ilp_address", "name",   "max_packet_amount", "min_balance",  "incoming_tokens",
        "outgoing",    "routes", "packets_per_s",     "amount_per_s", NULL};
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the peer update", keys) != 0)
        return HTTP_DONE;
    peer_t *p;
    peers_result_t pr = peers_db_get(call->ctx->db, id, &p);
    if (pr != PEERS_OK)
        return peer_store_error(call, pr);
    http_handler_result_t res = HTTP_DONE;
    const char *tokens[PEER_INCOMING_TOKENS_MAX];
    size_t ntokens = 0;
    bool has_tokens, has_min;
    ledger_account_t acct;
    ledger_result_t r = ledger_account_get(call->ctx->ledger, p->account_id, &acct);
    if (r != LEDGER_OK) {
        res = admin_ledger_error(call, r, false, "peer account");
        goto done;
    }
    if (admin_opt_i64str(call, body, "min_balance", &acct.min_balance, &has_min) != 0 ||
        parse_peer_fields(call, body, p, tokens, &ntokens, &has_tokens) != 0)
        goto done;
    if (has_min && (r = ledger_account_update(call->ctx->ledger, &acct)) != LEDGER_OK) {
        res = admin_ledger_error(call, r, false, "peer account");
        goto done;
    }
    pr = peers_db_update(call->ctx->db, p, has_tokens ? tokens : NULL, ntokens, NULL);
    if (pr != PEERS_OK) {
        res = peer_store_error(call, pr);
        goto done;
    }
    peer_t *stored;
    if (peers_db_get(call->ctx->db, id, &stored) != PEERS_OK) {
        res = admin_error(call, 503, "storage_error", "peers: the database is unavailable");
        goto done;
    }
    uint8_t h[PEER_INCOMING_TOKENS_MAX][SHA256_LEN];
    hash_tokens(tokens, ntokens, h);
    peers_put(connector_peers(g_conn), stored, has_tokens ? h : NULL, ntokens);
    res = admin_reply(call, 200, peer_json(stored, acct.min_balance, NULL, 0));
    peer_release(stored);
done:
    peer_release(p);
    return res;
}

static http_handler_result_t peer_delete(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    peers_result_t r = peers_db_delete(call->ctx->db, id);
    if (r != PEERS_OK)
        return peer_store_error(call, r);
    peers_remove(connector_peers(g_conn), id);
    return admin_reply(call, 200, json_pack("{s:o,s:b}", "id", pay_json_id(id), "deleted", 1));
}

static http_handler_result_t stream_credentials(admin_call_t *call)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    stream_credentials_t cred;
    connector_result_t rc = connector_stream_credentials(g_conn, id, &cred);
    if (rc == CONNECTOR_NOT_FOUND)
        return admin_error(call, 404, "not_found", "no STREAM-enabled account with this id");
    if (rc != CONNECTOR_OK)
        return admin_error(call, 503, "storage_error", "accounts: the database is unavailable");
    char secret[64];
    b64_encode(secret, sizeof secret, cred.shared_secret, sizeof cred.shared_secret, B64_STD);
    return admin_reply(
        call, 200,
        json_pack("{s:s,s:s}", "destination_account", cred.address, "shared_secret", secret));
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/peers", peer_create),
    ADMIN_ROUTE("GET", "/peers", peer_list),
    ADMIN_ROUTE("GET", "/peers/{id}", peer_get),
    ADMIN_ROUTE("PATCH", "/peers/{id}", peer_patch),
    ADMIN_ROUTE("DELETE", "/peers/{id}", peer_delete),
    ADMIN_ROUTE("POST", "/accounts/{id}/stream-credentials", stream_credentials),
};

int admin_peers_register(http_server_t *s, admin_ctx_t *ctx, connector_t *conn)
{
    g_conn = conn;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof *ROUTES);
}
