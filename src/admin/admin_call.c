/*
 * The life of every admin call: its route table binding (admin_routes_register), authentication
 * on the headers, Idempotency-Key handling for POST and PATCH, and the one path every answer
 * takes (admin_reply, admin_error), which records it for replay.
 *
 * Idempotency (IL-RFC 38 / Stripe style) lives in the cache (store/cache.h), so replicas sharing
 * a Redis share the keys. The entry for (route, key) is named "admin-idem:" + hex SHA-256 of
 * route + "\n" + key, which bounds its length whatever the client sends, and holds one of:
 *
 *     "P" <fingerprint>                                   in flight (set-if-absent, short TTL)
 *     "D" <fingerprint> " " <status, 3 digits> "\n" <body>   finished (24 h TTL)
 *
 * where the fingerprint is the hex SHA-256 of method "\n" path "\n" body. The first request
 * claims the key with set-if-absent; a duplicate finds the marker and is refused with 409
 * idempotency_key_in_flight, or, once the first has finished, receives the same status and body
 * again (idempotency_key_reused 409 when its fingerprint differs). Answers with a 5xx status
 * release the key instead of being stored, so the client's retry runs again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "admin/admin_audit.h"
#include "base/assert.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "http/json.h"

#define IDEM_PREFIX "admin-idem:"
/* First read buffer for a stored answer; larger ones are read again at their size. */
#define IDEM_READ_FIRST 8192

static void hex_sha256(char out[2 * SHA256_LEN + 1], const void *data, size_t n)
{
    uint8_t h[SHA256_LEN];
    sha256(h, data, n);
    hex_encode(out, 2 * SHA256_LEN + 1, h, SHA256_LEN);
}

/* Printable ASCII without spaces, 1..ADMIN_IDEMPOTENCY_KEY_MAX characters. */
static bool idem_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > ADMIN_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

static void idem_names(admin_call_t *call, const char *key)
{
    char scoped[ADMIN_IDEMPOTENCY_KEY_MAX + 128];
    int n = snprintf(scoped, sizeof scoped, "%s\n%s", call->route, key);
    char h[2 * SHA256_LEN + 1];
    hex_sha256(h, scoped, (size_t)n < sizeof scoped ? (size_t)n : sizeof scoped - 1);
    snprintf(call->idem_cache_key, sizeof call->idem_cache_key, IDEM_PREFIX "%s", h);

    const char *method = http_req_method(call->req), *path = http_req_path(call->req);
    slice_t body = http_req_body(call->req);
    size_t ml = strlen(method), pl = strlen(path), total = ml + 1 + pl + 1 + body.len;
    char *buf = malloc(total ? total : 1);
    if (!buf) {
        call->fingerprint[0] = '\0';
        return;
    }
    memcpy(buf, method, ml);
    buf[ml] = '\n';
    memcpy(buf + ml + 1, path, pl);
    buf[ml + 1 + pl] = '\n';
    if (body.len)
        memcpy(buf + ml + pl + 2, body.ptr, body.len);
    hex_sha256(call->fingerprint, buf, total);
    free(buf);
}

/* Reads the entry; returns its bytes (malloc'd, NUL-terminated) or NULL with *rc. */
static char *idem_read(cache_t *c, const char *key, size_t *len, cache_rc_t *rc)
{
    size_t cap = IDEM_READ_FIRST;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *buf = malloc(cap + 1);
        if (!buf) {
            *rc = CACHE_NOMEM;
            return NULL;
        }
        *rc = cache_get(c, key, buf, cap, len, NULL);
        if (*rc == CACHE_OK) {
            buf[*len] = '\0';
            return buf;
        }
        free(buf);
        if (*rc != CACHE_TOO_BIG)
            return NULL;
        cap = *len;
    }
    return NULL;
}

/* Replays a finished entry: "D" fp " " sss "\n" body. Returns false when it is malformed. */
static bool idem_replay(admin_call_t *call, const char *v, size_t len)
{
    const size_t head = 1 + 2 * SHA256_LEN + 1 + 3 + 1;
    if (len < head || v[1 + 2 * SHA256_LEN] != ' ' || v[head - 1] != '\n')
        return false;
    const char *s = v + 1 + 2 * SHA256_LEN + 1;
    unsigned status = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        status = status * 10 + (unsigned)(s[i] - '0');
    }
    http_req_add_header(call->req, "Idempotent-Replayed", "true");
    http_respond(call->req, status, "application/json", v + head, len - head);
    call->answered = true;
    return true;
}

/* Answers for a key someone else holds. Returns true when answered, false when the entry vanished
 * (expired between our claim and read): the caller claims again. */
static bool idem_answer_existing(admin_call_t *call, cache_rc_t *rc)
{
    size_t len = 0;
    char *v = idem_read(call->ctx->cache, call->idem_cache_key, &len, rc);
    if (!v)
        return *rc != CACHE_MISS;
    bool same = len > 2 * SHA256_LEN && memcmp(v + 1, call->fingerprint, 2 * SHA256_LEN) == 0;
    bool done = false;
    if (v[0] == 'P')
        admin_error(call, 409, same ? "idempotency_key_in_flight" : "idempotency_key_reused",
                    same ? "a request with this Idempotency-Key is still being processed; "
                           "retry later"
                         : "this Idempotency-Key was used for a different request");
    else if (v[0] == 'D' && !same)
        admin_error(call, 409, "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request");
    else if (v[0] == 'D')
        done = idem_replay(call, v, len);
    if (!call->answered && !done)
        admin_error(call, 500, "internal", "unreadable idempotency record");
    free(v);
    return true;
}

/* Claims the key or answers for it. Returns true when the handler should run. */
static bool idem_begin(admin_call_t *call, const char *key)
{
    if (!idem_key_valid(key)) {
        admin_error(call, 400, "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to %d printable ASCII characters without spaces",
                    ADMIN_IDEMPOTENCY_KEY_MAX);
        return false;
    }
    idem_names(call, key);
    if (!call->fingerprint[0]) {
        admin_error(call, 500, "internal", "out of memory");
        return false;
    }
    char marker[1 + 2 * SHA256_LEN];
    marker[0] = 'P';
    memcpy(marker + 1, call->fingerprint, 2 * SHA256_LEN);
    for (int attempt = 0; attempt < 3; attempt++) {
        cache_err_t err;
        cache_rc_t rc = cache_set_nx(call->ctx->cache, call->idem_cache_key, marker, sizeof marker,
                                     ADMIN_IDEMPOTENCY_INFLIGHT_MS, &err);
        if (rc == CACHE_OK) {
            call->idem = true;
            return true;
        }
        if (rc == CACHE_EXISTS && idem_answer_existing(call, &rc) && rc >= 0)
            return false;
        if (rc < 0 && rc != CACHE_TOO_BIG) {
            LOGW("admin: idempotency cache: %s", cache_rc_str(rc));
            admin_error(call, 503, "cache_unavailable",
                        "the idempotency store is unavailable; retry");
            return false;
        }
    }
    admin_error(call, 503, "cache_unavailable", "could not claim the Idempotency-Key; retry");
    return false;
}

bool admin_begin(admin_call_t *call, admin_ctx_t *ctx, http_req_t *req, const char *route)
{
    memset(call, 0, sizeof *call);
    call->ctx = ctx;
    call->req = req;
    call->route = route;
    /* The route's gate ran these checks before the body; they are repeated here for callers
     * that reach admin_begin another way, and cost a hash. */
    if (!admin_check_headers(ctx, req)) {
        call->answered = true;
        return false;
    }
    const char *method = http_req_method(req);
    bool mutation = strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0;
    const char *key = http_req_header(req, "Idempotency-Key");
    if (mutation && key && ctx->cache)
        return idem_begin(call, key);
    return true;
}

/* Records the answer under the held key: stored for replay, or released on a 5xx. */
static void idem_finish(admin_call_t *call, unsigned status, const char *body, size_t len)
{
    cache_err_t err;
    cache_t *c = call->ctx->cache;
    if (status >= 500) {
        cache_del(c, call->idem_cache_key, &err);
        return;
    }
    const size_t head = 1 + 2 * SHA256_LEN + 1 + 3 + 1;
    char *v = malloc(head + len);
    if (!v) {
        cache_del(c, call->idem_cache_key, &err);
        return;
    }
    v[0] = 'D';
    memcpy(v + 1, call->fingerprint, 2 * SHA256_LEN);
    snprintf(v + 1 + 2 * SHA256_LEN, 6, " %03u\n", status % 1000);
    memcpy(v + head, body, len);
    cache_rc_t rc =
        cache_set(c, call->idem_cache_key, v, head + len, ADMIN_IDEMPOTENCY_TTL_MS, &err);
    if (rc != CACHE_OK) {
        LOGW("admin: storing the idempotent answer of %s: %s", call->route, err.msg);
        cache_del(c, call->idem_cache_key, &err);
    }
    free(v);
}

http_handler_result_t admin_reply(admin_call_t *call, unsigned status, json_t *doc)
{
    ASSERT(!call->answered);
    call->answered = true;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text)
        admin_audit_rest(call, status, doc);
    json_decref(doc);
    json_decref(call->body);
    call->body = NULL;
    if (!text) {
        if (call->idem)
            idem_finish(call, 500, "", 0);
        http_respond_error(call->req, 500, "internal", "could not build the answer");
        return HTTP_DONE;
    }
    size_t len = strlen(text);
    if (call->idem)
        idem_finish(call, status, text, len);
    http_respond(call->req, status, "application/json", text, len);
    free(text);
    return HTTP_DONE;
}

/* ---- routes ---- */

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
