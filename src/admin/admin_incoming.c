/*
 * Admin routes for incoming payments (see wallet_address_admin.h and incoming_payment.h). The
 * answer carries the payment's URL, amounts as {value, asset_code, asset_scale}, its state and,
 * while it is pending, one {type: "ilp", ilpAddress, sharedSecret} method with fresh STREAM
 * credentials whose payment tag is the invoice account.
 */
#include <string.h>

#include "payments/incoming_payment.h"
#include "admin/admin_payments.h"
#include "base/codec.h"
#include "base/log.h"
#include "ilp/packet.h"

static const wallet_ctx_t *g_wallet;

static json_t *methods_json(const incoming_payment_t *p)
{
    json_t *methods = json_array();
    stream_credentials_t cred;
    char secret[64];
    if (incoming_payment_credentials(g_wallet, p, &cred) != 0 ||
        b64_encode(secret, sizeof secret, cred.shared_secret, sizeof cred.shared_secret,
                   B64_URL | B64_NOPAD) < 0)
        return methods;
    json_array_append_new(methods, json_pack("{s:s,s:s,s:s}", "type", "ilp", "ilpAddress",
                                             cred.address, "sharedSecret", secret));
    return methods;
}

static json_t *ip_json(const incoming_payment_t *p)
{
    char url[WALLET_ADDRESS_URL_MAX + 64];
    if (incoming_payment_url(g_wallet, p->id, url, sizeof url) != 0)
        url[0] = '\0';
    json_t *meta = p->metadata[0] ? json_loads(p->metadata, 0, NULL) : NULL;
    json_t *incoming = p->has_incoming_amount
                           ? pay_amount_json(p->incoming_amount, p->asset_code, p->asset_scale)
                           : json_null();
    return json_pack("{s:o,s:s,s:o,s:o,s:o,s:o,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                     pay_json_id(p->id), "url", url, "wallet_address_id",
                     pay_json_id(p->wallet_address_id), "account_id", pay_json_id(p->account_id),
                     "incoming_amount", incoming, "received_amount",
                     pay_amount_json(p->received_amount, p->asset_code, p->asset_scale), "state",
                     incoming_payment_state_str(p->state, p->received_amount), "completed",
                     p->state == INCOMING_PAYMENT_COMPLETED, "expires_at",
                     pay_json_time(p->expires_ms), "metadata", meta ? meta : json_null(), "methods",
                     methods_json(p), "created_at", pay_json_time(p->created_ms), "updated_at",
                     pay_json_time(p->updated_ms), "completed_at", pay_json_time(p->completed_ms));
}

static http_handler_result_t ip_fail(admin_call_t *call, incoming_payment_result_t r,
                                     const db_err_t *e)
{
    const char *code = incoming_payment_result_str(r);
    switch (r) {
    case INCOMING_PAYMENT_NOT_FOUND:
        return admin_error(call, 404, "not_found", "incoming payment not found");
    case INCOMING_PAYMENT_EXPIRY_INVALID:
        return admin_error(call, 400, code,
                           "'expires_at' must be in the future and at most "
                           "INCOMING_PAYMENT_EXPIRY_MAX_MS ahead");
    case INCOMING_PAYMENT_AMOUNT_INVALID:
        return admin_error(call, 400, code, "'incoming_amount' must be 1..2^63-1");
    case INCOMING_PAYMENT_METADATA_INVALID:
        return admin_error(call, 400, code, "'metadata' is larger than %d bytes",
                           INCOMING_PAYMENT_METADATA_MAX);
    case INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND:
    case INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE:
        return admin_error(call, 422, code, "%s", code);
    case INCOMING_PAYMENT_ALREADY_COMPLETED:
    case INCOMING_PAYMENT_ALREADY_EXPIRED:
        return admin_error(call, 409, code, "the incoming payment has ended");
    default:
        LOGE("incoming payments: %s", e->msg);
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
}

/* Reads expires_at (ISO 8601 "YYYY-MM-DDTHH:mm:ss.sssZ") and metadata (object) of a create. */
static int ip_parse_extras(admin_call_t *call, const json_t *body, int64_t *expires_ms,
                           char **metadata)
{
    const json_t *exp = json_object_get(body, "expires_at");
    if (exp && !json_is_null(exp)) {
        const char *s = json_string_value(exp);
        if (!s || ilp_time_parse_iso(SLICE_STR(s), expires_ms) != ILP_OK) {
            admin_error(call, 400, "invalid_field",
                        "'expires_at' must be a time like 2026-01-31T12:00:00.000Z");
            return -1;
        }
    }
    const json_t *meta = json_object_get(body, "metadata");
    if (meta && !json_is_null(meta)) {
        if (!json_is_object(meta)) {
            admin_error(call, 400, "invalid_field", "'metadata' must be an object");
            return -1;
        }
        *metadata = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
        if (!*metadata) {
            admin_error(call, 500, "internal", "out of memory");
            return -1;
        }
    }
    return 0;
}

static http_handler_result_t ip_create(admin_call_t *call)
{
    static const char *const keys[] = {"wallet_address_id", "incoming_amount", "expires_at",
                                       "metadata", NULL};
    json_t *body = admin_body(call);
    incoming_payment_new_t in = {0};
    if (!body || admin_check_keys(call, body, "the incoming payment", keys) != 0 ||
        admin_get_id(call, body, "wallet_address_id", &in.wallet_address_id) != 0)
        return HTTP_DONE;
    wallet_address_t w;
    db_err_t e = {0};
    wallet_address_result_t wr = wallet_address_get(g_wallet, in.wallet_address_id, &w, &e);
    if (wr == WALLET_ADDRESS_NOT_FOUND)
        return ip_fail(call, INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND, &e);
    if (wr != WALLET_ADDRESS_OK)
        return ip_fail(call, INCOMING_PAYMENT_STORAGE_ERROR, &e);
    char *metadata = NULL;
    if (pay_amount_opt(call, body, "incoming_amount", w.asset_code, w.asset_scale,
                       &in.incoming_amount, &in.has_incoming_amount) != 0 ||
        ip_parse_extras(call, body, &in.expires_ms, &metadata) != 0)
        return HTTP_DONE;
    in.metadata = metadata;
    incoming_payment_t p;
    incoming_payment_result_t r = incoming_payment_create(g_wallet, &in, &p, &e);
    free(metadata);
    if (r != INCOMING_PAYMENT_OK)
        return ip_fail(call, r, &e);
    return admin_reply(call, 201, ip_json(&p));
}

typedef incoming_payment_result_t (*ip_by_id_fn)(const wallet_ctx_t *ctx, ledger_id_t id,
                                                 incoming_payment_t *out, db_err_t *err);

/* The shape of the routes on /incoming-payments/{id}: run fn on the id, answer the row. */
static http_handler_result_t ip_by_path(admin_call_t *call, ip_by_id_fn fn)
{
    ledger_id_t id;
    if (admin_path_id(call, "id", &id) != 0)
        return HTTP_DONE;
    incoming_payment_t p;
    db_err_t e = {0};
    incoming_payment_result_t r = fn(g_wallet, id, &p, &e);
    if (r != INCOMING_PAYMENT_OK)
        return ip_fail(call, r, &e);
    return admin_reply(call, 200, ip_json(&p));
}

static http_handler_result_t ip_get(admin_call_t *call)
{
    return ip_by_path(call, incoming_payment_get);
}

static http_handler_result_t ip_complete(admin_call_t *call)
{
    return ip_by_path(call, incoming_payment_complete);
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/incoming-payments", ip_create),
    ADMIN_ROUTE("GET", "/incoming-payments/{id}", ip_get),
    ADMIN_ROUTE("POST", "/incoming-payments/{id}/complete", ip_complete),
};

int admin_incoming_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *wctx)
{
    g_wallet = wctx;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof *ROUTES);
}
