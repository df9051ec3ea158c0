/*
 * idempotencyKey for GraphQL mutations (admin_gql_idem.h). An entry is the JSON
 * {"operationName", "requestParams", "requestResult"} as Rafiki stores it, named
 * "gql-idem:" + hex SHA-256 of the caller's tenant id, a NUL and the key (so any key fits the
 * cache's key bound, and one tenant's key never replays another tenant's answer); the lock is
 * "gql-lock:" + the same digest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "admin/admin_gql_idem.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/slice.h"
#include "http/jcs.h"

#define NAME_MAX_LEN (16 + 2 * SHA256_LEN + 1)

static void names(const char *tenant, const char *key, char entry[NAME_MAX_LEN],
                  char lock[NAME_MAX_LEN])
{
    size_t tl = tenant ? strlen(tenant) : 0, kl = strlen(key);
    char *both = xmalloc(tl + 1 + kl);
    memcpy(both, tenant ? tenant : "", tl);
    both[tl] = '\0';
    memcpy(both + tl + 1, key, kl);
    uint8_t h[SHA256_LEN];
    sha256(h, both, tl + 1 + kl);
    free(both);
    char hex[2 * SHA256_LEN + 1];
    hex_encode(hex, sizeof hex, h, SHA256_LEN);
    snprintf(entry, NAME_MAX_LEN, "gql-idem:%s", hex);
    snprintf(lock, NAME_MAX_LEN, "gql-lock:%s", hex);
}

/* True when a and b are equal as canonical JSON. */
static bool json_same(const json_t *a, const json_t *b)
{
    buf_t x, y;
    buf_init(&x, CACHE_VALUE_MAX);
    buf_init(&y, CACHE_VALUE_MAX);
    bool same = jcs_canonicalize(a, &x) == JCS_OK && jcs_canonicalize(b, &y) == JCS_OK &&
                x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0;
    buf_free(&x);
    buf_free(&y);
    return same;
}

/* The stored entry of the key, or NULL when there is none (or it cannot be read). */
static json_t *stored(cache_t *cache, const char *entry)
{
    size_t cap = 8192, len = 0;
    char *buf = xmalloc(cap);
    cache_rc_t rc = cache_get(cache, entry, buf, cap, &len, NULL);
    if (rc == CACHE_TOO_BIG && len <= CACHE_VALUE_MAX) {
        cap = len;
        buf = xrealloc(buf, cap);
        rc = cache_get(cache, entry, buf, cap, &len, NULL);
    }
    json_t *doc = rc == CACHE_OK ? json_loadb(buf, len, 0, NULL) : NULL;
    free(buf);
    return json_is_object(doc) ? doc : (json_decref(doc), NULL);
}

static void store(cache_t *cache, const char *entry, const gql_call_t *call, json_t *result)
{
    json_t *doc = json_pack("{s:s,s:O,s:O}", "operationName", call->field, "requestParams",
                            call->args, "requestResult", result);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    cache_err_t err;
    if (!text ||
        cache_set(cache, entry, text, strlen(text), ADMIN_GQL_IDEM_TTL_MS, &err) != CACHE_OK)
        LOGW("graphql: %s: the idempotent answer could not be stored", call->field);
    free(text);
    json_decref(doc);
}

static gql_resolve_t replay(const gql_call_t *call, const char *key, json_t *doc, json_t **out)
{
    json_t *op = json_object_get(doc, "operationName");
    json_t *params = json_object_get(doc, "requestParams");
    json_t *result = json_object_get(doc, "requestResult");
    if (!json_is_string(op) || strcmp(json_string_value(op), call->field) != 0 || !params ||
        !result || !json_same(params, call->args))
        return admin_gql_fail(call, GQL_CODE_INTERNAL,
                              "Incoming arguments are different than the original request for "
                              "idempotencyKey: %s",
                              key);
    *out = json_incref(result);
    return GQL_RESOLVED;
}

gql_resolve_t admin_gql_idem_run(cache_t *cache, const gql_call_t *call, gql_resolver_fn fn,
                                 json_t **out)
{
    json_t *k = json_object_get(json_object_get(call->args, "input"), "idempotencyKey");
    if (!cache || !json_is_string(k))
        return fn(call, out);
    const char *key = json_string_value(k);
    char entry[NAME_MAX_LEN], lock[NAME_MAX_LEN];
    names(admin_gql_req(call)->tenant_id, key, entry, lock);
    cache_err_t err;
    cache_rc_t rc = cache_set_nx(cache, lock, "1", 1, ADMIN_GQL_IDEM_LOCK_MS, &err);
    if (rc == CACHE_EXISTS)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Concurrent request for idempotencyKey: %s",
                              key);
    if (rc != CACHE_OK) {
        LOGW("graphql: idempotency lock: %s", cache_rc_str(rc));
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Could not check idempotencyKey: %s; retry",
                              key);
    }
    gql_resolve_t r;
    json_t *doc = stored(cache, entry);
    if (doc) {
        r = replay(call, key, doc, out);
        json_decref(doc);
    } else {
        r = fn(call, out);
        if (r == GQL_RESOLVED)
            store(cache, entry, call, *out);
    }
    cache_del(cache, lock, &err);
    return r;
}
