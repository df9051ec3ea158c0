/*
 * The admin API's shared machinery: bearer authentication, the error body, status mapping of
 * ledger results, request field parsing and JSON building. Idempotency-Key handling is in
 * admin_idem.c; the routes are in admin_ledger.c (and later admin_*.c files).
 */
#include "backend/admin.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/assert.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "http/json.h"

int admin_api_register(http_server_t *s, admin_ctx_t *ctx)
{
    return admin_ledger_register(s, ctx);
}

static http_handler_result_t dispatch(http_req_t *req, void *user)
{
    const admin_binding_t *b = user;
    admin_call_t call;
    if (!admin_begin(&call, b->ctx, req, b->route->route))
        return HTTP_DONE;
    b->route->fn(&call);
    if (!call.answered) {
        LOGE("admin: %s returned without answering", b->route->route);
        admin_error(&call, 500, "internal", "the handler gave no answer");
    }
    return HTTP_DONE;
}

/* Runs on the headers, before the body: see admin_check_headers. */
static bool gate(http_req_t *req, void *user)
{
    const admin_binding_t *b = user;
    return admin_check_headers(b->ctx, req);
}

int admin_routes_register(http_server_t *s, admin_ctx_t *ctx, const admin_route_t *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ctx->n_bindings == ADMIN_ROUTES_MAX) {
            LOGE("admin: more than %d routes", ADMIN_ROUTES_MAX);
            return -1;
        }
        admin_binding_t *b = &ctx->bindings[ctx->n_bindings++];
        *b = (admin_binding_t){&routes[i], ctx};
        if (http_server_route_gated(s, routes[i].method, routes[i].pattern, gate, dispatch, b, 0) !=
            0)
            return -1;
    }
    return 0;
}

/* ---- authentication ---- */

bool admin_authorized(const admin_ctx_t *ctx, const char *authorization)
{
    if (!ctx->secret || !*ctx->secret || !authorization)
        return false;
    static const char scheme[] = "Bearer ";
    if (strncasecmp(authorization, scheme, sizeof scheme - 1) != 0)
        return false;
    const char *token = authorization + sizeof scheme - 1;
    /* Comparing digests keeps the time independent of where the strings differ and of the
     * secret's length. */
    uint8_t want[SHA256_LEN], got[SHA256_LEN];
    sha256(want, ctx->secret, strlen(ctx->secret));
    sha256(got, token, strlen(token));
    return ct_equal(want, got, SHA256_LEN);
}

bool admin_check_headers(const admin_ctx_t *ctx, http_req_t *req)
{
    const char *why = NULL;
    if (!ctx->secret || !*ctx->secret)
        why = "ADMIN_API_SECRET is unset: the admin API refuses every request";
    else if (!admin_authorized(ctx, http_req_header(req, "Authorization")))
        why = "missing or wrong bearer token (Authorization: Bearer $ADMIN_API_SECRET)";
    if (why) {
        http_req_add_header(req, "WWW-Authenticate", "Bearer");
        http_respond_error(req, 401, "unauthorized", why);
        return false;
    }
    if (http_req_has_body(req) && !http_req_content_type_is(req, "application/json")) {
        http_respond_error(req, 415, "unsupported_media_type",
                           "request bodies must be JSON sent with Content-Type: application/json");
        return false;
    }
    return true;
}

/* ---- errors ---- */

http_handler_result_t admin_error(admin_call_t *call, unsigned status, const char *code,
                                  const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return admin_reply(call, status, http_json_error_body(code, msg));
}

static bool result_is_not_found(ledger_result_t r)
{
    return r == LEDGER_ACCOUNT_NOT_FOUND || r == LEDGER_ASSET_NOT_FOUND ||
           r == LEDGER_PARENT_NOT_FOUND || r == LEDGER_PENDING_TRANSFER_NOT_FOUND ||
           r == LEDGER_TRANSFER_NOT_FOUND || r == LEDGER_DEBIT_ACCOUNT_NOT_FOUND ||
           r == LEDGER_CREDIT_ACCOUNT_NOT_FOUND;
}

http_handler_result_t admin_ledger_error(admin_call_t *call, ledger_result_t r, bool not_found_404,
                                         const char *what)
{
    ASSERT(r != LEDGER_OK);
    const char *code = ledger_result_str(r);
    if (r == LEDGER_STORAGE_ERROR || r == LEDGER_CLOSED) {
        LOGW("admin: %s: %s: ledger %s", call->route, what, code);
        return admin_error(call, 503, code, "%s: the ledger is unavailable (%s); retry", what,
                           code);
    }
    if (r == LEDGER_CURSOR_INVALID)
        return admin_error(call, 400, "invalid_cursor", "%s: the cursor is not valid", what);
    if (not_found_404 && result_is_not_found(r))
        return admin_error(call, 404, "not_found", "%s: not found (%s)", what, code);
    return admin_error(call, 422, code, "%s: rejected by the ledger: %s", what, code);
}

/* ---- body and fields ---- */

json_t *admin_body(admin_call_t *call)
{
    http_json_err_t err;
    json_t *doc = http_json_parse(http_req_body(call->req), &err);
    if (!doc) {
        admin_error(call, 400, err.code, "%s", err.message);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        admin_error(call, 400, "invalid_body", "the request body must be a JSON object");
        return NULL;
    }
    call->body = doc;
    return doc;
}

/* The value under key; NULL for absent or null. */
static json_t *field(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int amount_check(admin_call_t *call, const json_t *v, const char *key, bool positive,
                        uint64_t *out)
{
    uint64_t x;
    if (!json_is_string(v) ||
        http_json_parse_u64(json_string_value(v), json_string_length(v), &x) != 0) {
        admin_error(call, 400, "invalid_amount",
                    "field '%s' must be a string of decimal digits for an unsigned 64-bit "
                    "integer (0 to 18446744073709551615, no sign, no leading zeros)",
                    key);
        return -1;
    }
    if (positive && x == 0) {
        admin_error(call, 400, "invalid_amount", "field '%s' must be greater than 0", key);
        return -1;
    }
    *out = x;
    return 0;
}

int admin_get_amount(admin_call_t *call, const json_t *obj, const char *key, bool positive,
                     uint64_t *out)
{
    json_t *v = field(obj, key);
    if (!v) {
        admin_error(call, 400, "missing_field", "missing required field '%s'", key);
        return -1;
    }
    return amount_check(call, v, key, positive, out);
}

int admin_opt_amount(admin_call_t *call, const json_t *obj, const char *key, uint64_t *out,
                     bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    return v ? amount_check(call, v, key, false, out) : 0;
}

/* Signed canonical decimal: an optional '-' then a canonical u64 within the int64 range;
 * "-0" is refused so that every value has one spelling. */
static int parse_i64(const char *s, size_t n, int64_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    uint64_t mag;
    if (http_json_parse_u64(s + neg, n - neg, &mag) != 0)
        return -1;
    if (neg) {
        if (mag == 0 || mag > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)mag;
    }
    return 0;
}

int admin_opt_i64str(admin_call_t *call, const json_t *obj, const char *key, int64_t *out,
                     bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!json_is_string(v) || parse_i64(json_string_value(v), json_string_length(v), out) != 0) {
        admin_error(call, 400, "invalid_amount",
                    "field '%s' must be a string of decimal digits with an optional '-' for a "
                    "signed 64-bit integer",
                    key);
        return -1;
    }
    return 0;
}

static int id_check(admin_call_t *call, const json_t *v, const char *key, ledger_id_t *out)
{
    if (!json_is_string(v) ||
        ledger_id_parse(json_string_value(v), json_string_length(v), out) != 0) {
        admin_error(call, 400, "invalid_field", "field '%s' must be a UUID string", key);
        return -1;
    }
    return 0;
}

int admin_get_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out)
{
    json_t *v = field(obj, key);
    if (!v) {
        admin_error(call, 400, "missing_field", "missing required field '%s'", key);
        return -1;
    }
    return id_check(call, v, key, out);
}

int admin_opt_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out,
                 bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    return v ? id_check(call, v, key, out) : 0;
}

int admin_opt_uint(admin_call_t *call, const json_t *obj, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
    if (x < 0 || (uint64_t)x < min || (uint64_t)x > max) {
        admin_error(call, 400, "invalid_field",
                    "field '%s' must be an integer from %" PRIu64 " to %" PRIu64, key, min, max);
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

int admin_opt_bool(admin_call_t *call, const json_t *obj, const char *key, bool *out, bool *present)
{
    json_t *v = field(obj, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        admin_error(call, 400, "invalid_field", "field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int admin_check_keys(admin_call_t *call, const json_t *obj, const char *where,
                     const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            admin_error(call, 400, "unknown_field", "unknown field '%.64s' in %s", key, where);
            return -1;
        }
    }
    return 0;
}

/* ---- path and query ---- */

int admin_path_id(admin_call_t *call, const char *name, ledger_id_t *out)
{
    const char *v = http_req_param(call->req, name);
    if (!v || ledger_id_parse(v, strlen(v), out) != 0) {
        admin_error(call, 400, "invalid_id", "'%.64s' in the path is not a UUID", v ? v : "");
        return -1;
    }
    return 0;
}

int admin_query_id(admin_call_t *call, const char *name, ledger_id_t *out, bool *present)
{
    const char *v = http_req_query(call->req, name);
    bool given = v != NULL && *v != '\0';
    if (present)
        *present = given;
    if (!given)
        return 0;
    if (ledger_id_parse(v, strlen(v), out) != 0) {
        admin_error(call, 400, "invalid_id", "query parameter '%s' must be a UUID", name);
        return -1;
    }
    return 0;
}

int admin_query_limit(admin_call_t *call, size_t *out)
{
    const char *v = http_req_query(call->req, "limit");
    *out = ADMIN_PAGE_DEFAULT;
    if (!v)
        return 0;
    uint64_t x;
    if (http_json_parse_u64(v, strlen(v), &x) != 0 || x < 1 || x > ADMIN_PAGE_MAX) {
        admin_error(call, 400, "invalid_field", "query parameter 'limit' must be 1 to %d",
                    ADMIN_PAGE_MAX);
        return -1;
    }
    *out = (size_t)x;
    return 0;
}

/* ---- JSON building ---- */

json_t *admin_json_id(ledger_id_t id)
{
    char s[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(id, s);
    return json_string(s);
}

json_t *admin_json_id_or_null(ledger_id_t id)
{
    return ledger_id_is_zero(id) ? json_null() : admin_json_id(id);
}

json_t *admin_json_u64(uint64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRIu64, v);
    return json_string(s);
}

json_t *admin_json_i64(int64_t v)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, v);
    return json_string(s);
}

json_t *admin_json_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return json_null();
    char s[96];
    snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return json_string(s);
}
