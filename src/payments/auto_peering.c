/*
 * Rafiki's auto-peering service (see auto_peering.h): the bounded readers of both bodies, the
 * accepting side and the initiating side over peering.h's peer rules.
 */
#include "payments/auto_peering.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/uuid.h"
#include "http/json.h"
#include "payments/assets.h"
#include "payments/peering.h"
#include "payments/settlement.h"

/* JavaScript's Number.MAX_SAFE_INTEGER: above it a JSON number is not exact for Rafiki. */
#define AUTOPEER_JS_SAFE_MAX 9007199254740991ull

const char *autopeer_result_str(autopeer_result_t r)
{
    static const char *const names[AUTOPEER_RESULT_COUNT] = {"Ok",
                                                             "InvalidIlpConfiguration",
                                                             "InvalidPeerIlpConfiguration",
                                                             "UnknownAsset",
                                                             "PeerUnsupportedAsset",
                                                             "InvalidPeerUrl",
                                                             "InvalidPeeringRequest",
                                                             "LiquidityError",
                                                             "StorageError"};
    return (unsigned)r < AUTOPEER_RESULT_COUNT ? names[r] : "Unknown";
}

const char *autopeer_result_message(autopeer_result_t r)
{
    static const char *const msgs[AUTOPEER_RESULT_COUNT] = {
        "OK",
        "The ILP configuration is misconfigured",
        "Requested peer's ILP configuration is misconfigured",
        "Unknown asset",
        "Peer does not support asset",
        "Peer URL is invalid or peer does not support auto-peering",
        "Invalid peering request",
        "Could not deposit liquidity to peer",
        "Internal server error"};
    return (unsigned)r < AUTOPEER_RESULT_COUNT ? msgs[r] : "Internal server error";
}

autopeer_result_t autopeer_result_parse(const char *type)
{
    for (int i = AUTOPEER_INVALID_ILP_CONFIGURATION; type && i < AUTOPEER_STORAGE_ERROR; i++)
        if (strcmp(type, autopeer_result_str((autopeer_result_t)i)) == 0)
            return (autopeer_result_t)i;
    return AUTOPEER_RESULT_COUNT;
}

/* ---- readers ---- */

/* A string member of 1..max bytes into *out; absent or null: *out NULL. False: another type,
 * empty, or longer than max. */
static bool str_member(const json_t *o, const char *key, size_t max, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return false;
    *out = json_string_value(v);
    return true;
}

/* An address or URL: kept when a string within max, else NULL for the peer rules to refuse. */
static const char *lenient_member(const json_t *o, const char *key, size_t max)
{
    const char *s;
    return str_member(o, key, max, &s) ? s : NULL;
}

/* httpToken: the token this instance will accept the other's packets with, so not a short
 * guessable one (PEER_TOKEN_MIN; Rafiki sends UUIDs). */
static bool token_member(const json_t *o, const char **out)
{
    return str_member(o, "httpToken", PEER_TOKEN_MAX, out) && *out &&
           strlen(*out) >= PEER_TOKEN_MIN;
}

/* The body parsed as one JSON object, or NULL. */
static json_t *object_read(const uint8_t *body, size_t len)
{
    if (!body || len == 0 || len > AUTOPEER_BODY_MAX)
        return NULL;
    http_json_err_t err;
    json_t *root = http_json_parse((slice_t){body, len}, &err);
    if (root && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    return root;
}

/* maxPacketAmount: a non-negative integer, a decimal string or null; 0 is none (Rafiki tests
 * the value for truth). */
static bool max_packet_member(const json_t *o, bool *has, uint64_t *out)
{
    json_t *v = json_object_get(o, "maxPacketAmount");
    *has = false;
    *out = 0;
    if (!v || json_is_null(v))
        return true;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return false;
        *out = (uint64_t)json_integer_value(v);
    } else if (!json_is_string(v) ||
               http_json_parse_u64(json_string_value(v), json_string_length(v), out) != 0) {
        return false;
    }
    *has = *out > 0;
    return true;
}

/* asset: {code: a string within ASSET_CODE_MAX_LEN, scale: an integer 0..255}. */
static bool asset_member(const json_t *o, const char **code, uint8_t *scale)
{
    json_t *a = json_object_get(o, "asset");
    json_t *s = json_object_get(a, "scale");
    if (!json_is_object(a) || !str_member(a, "code", ASSET_CODE_MAX_LEN, code) || !*code ||
        !json_is_integer(s) || json_integer_value(s) < 0 || json_integer_value(s) > 255)
        return false;
    *scale = (uint8_t)json_integer_value(s);
    return true;
}

autopeer_result_t autopeer_request_read(const uint8_t *body, size_t len, autopeer_request_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = object_read(body, len);
    if (!root)
        return AUTOPEER_INVALID_PEERING_REQUEST;
    out->root = root;
    out->static_ilp_address = lenient_member(root, "staticIlpAddress", ILP_ADDRESS_MAX_LEN);
    out->connector_url = lenient_member(root, "ilpConnectorUrl", PEER_ENDPOINT_MAX);
    if (!asset_member(root, &out->asset_code, &out->asset_scale) ||
        !token_member(root, &out->http_token) ||
        !str_member(root, "name", PEER_NAME_MAX, &out->name) ||
        !max_packet_member(root, &out->has_max_packet_amount, &out->max_packet_amount)) {
        autopeer_request_free(out);
        return AUTOPEER_INVALID_PEERING_REQUEST;
    }
    return AUTOPEER_OK;
}

void autopeer_request_free(autopeer_request_t *r)
{
    json_decref(r->root);
    memset(r, 0, sizeof *r);
}

autopeer_result_t autopeer_details_read(const uint8_t *body, size_t len, autopeer_details_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *root = object_read(body, len);
    if (!root)
        return AUTOPEER_INVALID_PEERING_REQUEST;
    out->root = root;
    out->static_ilp_address = lenient_member(root, "staticIlpAddress", ILP_ADDRESS_MAX_LEN);
    out->connector_url = lenient_member(root, "ilpConnectorUrl", PEER_ENDPOINT_MAX);
    if (!token_member(root, &out->http_token) ||
        !str_member(root, "name", PEER_NAME_MAX, &out->name)) {
        autopeer_details_free(out);
        return AUTOPEER_INVALID_PEERING_REQUEST;
    }
    return AUTOPEER_OK;
}

void autopeer_details_free(autopeer_details_t *d)
{
    json_decref(d->root);
    memset(d, 0, sizeof *d);
}

autopeer_result_t autopeer_error_read(const uint8_t *body, size_t len)
{
    json_t *root = object_read(body, len);
    const char *type = json_string_value(json_object_get(json_object_get(root, "error"), "type"));
    autopeer_result_t r = autopeer_result_parse(type);
    json_decref(root);
    return r == AUTOPEER_INVALID_PEER_ILP_CONFIGURATION ? AUTOPEER_INVALID_ILP_CONFIGURATION
           : r == AUTOPEER_UNKNOWN_ASSET                ? AUTOPEER_PEER_UNSUPPORTED_ASSET
                                                        : AUTOPEER_INVALID_PEERING_REQUEST;
}

/* ---- both sides ---- */

/* Rafiki's handlePeerError. */
static autopeer_result_t from_peer(pay_peer_result_t r, const peers_err_t *err, const char *what)
{
    if (r == PAY_PEER_OK)
        return AUTOPEER_OK;
    if (r == PAY_PEER_INVALID_ADDRESS || r == PAY_PEER_INVALID_ENDPOINT)
        return AUTOPEER_INVALID_PEER_ILP_CONFIGURATION;
    LOGW("auto-peering: %s: %s%s%s", what, pay_peer_result_str(r), err->msg[0] ? ": " : "",
         err->msg);
    return r == PAY_PEER_STORAGE_ERROR ? AUTOPEER_STORAGE_ERROR : AUTOPEER_INVALID_PEERING_REQUEST;
}

/* Creates the peer; when one has its static address and asset, updates that one's name,
 * maximum packet amount and tokens instead (Rafiki's updatePeer of auto-peering). */
static autopeer_result_t create_or_update(const autopeer_t *ap, const pay_peer_input_t *in,
                                          peer_t **out, const char *what)
{
    peers_err_t err = {{0}};
    pay_peer_result_t r = pay_peer_create(ap->db, ap->ledger, ap->reg, in, out, &err);
    if (r != PAY_PEER_DUPLICATE)
        return from_peer(r, &err, what);
    ledger_id_t id;
    peers_result_t pr =
        peers_db_find_address(ap->db, in->static_ilp_address, in->asset_id, NULL, &id);
    if (pr != PEERS_OK)
        return from_peer(pr == PEERS_NOT_FOUND ? PAY_PEER_UNKNOWN : PAY_PEER_STORAGE_ERROR, &err,
                         what);
    pay_peer_input_t up = *in;
    up.static_ilp_address = NULL;
    up.has_liquidity_threshold = false;
    up.initial_liquidity = 0;
    r = pay_peer_update(ap->db, ap->ledger, ap->reg, id, &up, out, &err);
    return from_peer(r, &err, what);
}

autopeer_result_t autopeer_accept(const autopeer_t *ap, const autopeer_request_t *req, json_t **out)
{
    *out = NULL;
    pay_asset_t a;
    pay_asset_result_t ar =
        pay_asset_by_code(ap->db, ap->ledger, req->asset_code, req->asset_scale, &a);
    if (ar == PAY_ASSET_STORAGE_ERROR)
        return AUTOPEER_STORAGE_ERROR;
    if (ar != PAY_ASSET_OK || a.deleted_ms != 0)
        return AUTOPEER_UNKNOWN_ASSET;
    char token[UUID_STR_LEN + 1];
    uuid_v4(token);
    const char *incoming[1] = {req->http_token};
    pay_peer_input_t in = {.asset_id = a.ledger.id,
                           .static_ilp_address = req->static_ilp_address,
                           .has_name = req->name != NULL,
                           .name = req->name,
                           .has_max_packet_amount = req->has_max_packet_amount,
                           .max_packet_amount = req->max_packet_amount,
                           .has_http = true,
                           .endpoint = req->connector_url,
                           .auth_token = token,
                           .has_incoming = true,
                           .incoming = incoming,
                           .n_incoming = 1,
                           .initial_liquidity = AUTOPEER_INITIAL_LIQUIDITY};
    peer_t *p = NULL;
    autopeer_result_t r = create_or_update(ap, &in, &p, "could not accept peering request");
    if (r != AUTOPEER_OK)
        return r;
    *out = json_pack("{s:s,s:s,s:s}", "staticIlpAddress", ap->ilp_address, "ilpConnectorUrl",
                     ap->connector_url, "httpToken", p->outgoing_token ? p->outgoing_token : token);
    if (ap->instance_name)
        json_object_set_new(*out, "name", json_string(ap->instance_name));
    if (ap->tenant_id)
        json_object_set_new(*out, "tenantId", json_string(ap->tenant_id));
    peer_release(p);
    return AUTOPEER_OK;
}

/* The request body A sends (Rafiki's PeeringRequestArgs). */
static json_t *request_body(const autopeer_t *ap, const autopeer_initiate_t *in,
                            const pay_asset_t *a, const char *token)
{
    json_t *max;
    if (!in->has_max_packet_amount)
        max = json_null(); /* Rafiki sends Number(undefined), which JSON spells null */
    else if (in->max_packet_amount <= AUTOPEER_JS_SAFE_MAX)
        max = json_integer((json_int_t)in->max_packet_amount);
    else { /* exact as a string, which Rafiki's BigInt() takes too */
        char s[24];
        snprintf(s, sizeof s, "%llu", (unsigned long long)in->max_packet_amount);
        max = json_string(s);
    }
    json_t *body =
        json_pack("{s:s,s:s,s:{s:s,s:i},s:s,s:o}", "ilpConnectorUrl", ap->connector_url,
                  "staticIlpAddress", ap->ilp_address, "asset", "code", a->ledger.code, "scale",
                  (int)a->ledger.scale, "httpToken", token, "maxPacketAmount", max);
    ASSERT(body);
    if (ap->instance_name)
        json_object_set_new(body, "name", json_string(ap->instance_name));
    return body;
}

/* What axios would reach: an http(s) URL with a host, no control bytes or blanks. */
static bool peer_url_ok(const char *u)
{
    size_t skip = strncmp(u, "http://", 7) == 0 ? 7 : strncmp(u, "https://", 8) == 0 ? 8 : 0;
    size_t n = strnlen(u, PEER_ENDPOINT_MAX + 1);
    if (!skip || n > PEER_ENDPOINT_MAX || !u[skip] || u[skip] == '/')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
            return false;
    return true;
}

/* Rafiki's sendPeeringRequest: B's details, or the error B's answer or its absence means. */
static autopeer_result_t send_request(const autopeer_t *ap, const autopeer_initiate_t *in,
                                      const pay_asset_t *a, const char *token,
                                      autopeer_details_t *d)
{
    if (!in->peer_url || !peer_url_ok(in->peer_url))
        return AUTOPEER_INVALID_PEERING_REQUEST; /* axios throws before it connects */
    json_t *body = request_body(ap, in, a, token);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    ASSERT(text);
    const http_header_t h[] = {{"Content-Type", "application/json"},
                               {"Accept", "application/json"}};
    http_client_req_t req = {.method = "POST",
                             .url = in->peer_url,
                             .headers = h,
                             .n_headers = 2,
                             .body = {(const uint8_t *)text, strlen(text)},
                             .timeout_ms = ap->timeout_ms ? ap->timeout_ms : AUTOPEER_TIMEOUT_MS,
                             .response_max = AUTOPEER_BODY_MAX};
    http_client_resp_t resp = {0};
    http_client_result_t hr = http_client_do_sync(ap->http, &req, &resp);
    free(text);
    autopeer_result_t r;
    if (hr == HTTP_CLIENT_CONNECT_FAILED || hr == HTTP_CLIENT_RESOLVE)
        r = AUTOPEER_INVALID_PEER_URL; /* axios' ECONNREFUSED, ENOTFOUND */
    else if (hr != HTTP_CLIENT_OK)
        r = AUTOPEER_INVALID_PEERING_REQUEST;
    else if (resp.status < 200 || resp.status > 299)
        r = autopeer_error_read(resp.body.ptr, resp.body.len);
    else
        r = autopeer_details_read(resp.body.ptr, resp.body.len, d);
    if (r != AUTOPEER_OK)
        LOGW("auto-peering: peering request: %s (%s, status %u)", autopeer_result_str(r),
             http_client_result_str(hr), resp.status);
    http_client_resp_free(&resp);
    return r;
}

autopeer_result_t autopeer_initiate(const autopeer_t *ap, const autopeer_initiate_t *in,
                                    peer_t **out)
{
    *out = NULL;
    pay_asset_t a;
    pay_asset_result_t ar = pay_asset_get(ap->db, ap->ledger, in->asset_id, &a);
    if (ar == PAY_ASSET_STORAGE_ERROR)
        return AUTOPEER_STORAGE_ERROR;
    if (ar != PAY_ASSET_OK)
        return AUTOPEER_UNKNOWN_ASSET;
    char token[UUID_STR_LEN + 1];
    uuid_v4(token);
    autopeer_details_t d;
    autopeer_result_t r = send_request(ap, in, &a, token, &d);
    if (r != AUTOPEER_OK)
        return r;
    const char *incoming[1] = {d.http_token};
    pay_peer_input_t p = {.asset_id = a.ledger.id,
                          .static_ilp_address = d.static_ilp_address,
                          .has_name = in->name || d.name,
                          .name = in->name ? in->name : d.name,
                          .has_max_packet_amount = in->has_max_packet_amount,
                          .max_packet_amount = in->max_packet_amount,
                          .has_http = true,
                          .endpoint = d.connector_url,
                          .auth_token = token,
                          .has_incoming = true,
                          .incoming = incoming,
                          .n_incoming = 1,
                          .has_liquidity_threshold = in->has_liquidity_threshold,
                          .liquidity_threshold = in->liquidity_threshold};
    r = create_or_update(ap, &p, out, "could not create or update peer");
    autopeer_details_free(&d);
    if (r == AUTOPEER_OK && in->liquidity_to_deposit &&
        pay_deposit(ap->ledger, (*out)->account_id, ledger_id_random(), in->liquidity_to_deposit) !=
            PAY_MOVE_OK) {
        LOGW("auto-peering: could not deposit liquidity to peer");
        peer_release(*out);
        *out = NULL;
        r = AUTOPEER_LIQUIDITY_ERROR;
    }
    return r;
}
