/*
 * Rafiki's Admin API signature check (see admin_signature.h): the header's parse, the signed
 * text "<t>.<canonical body>", the constant-time digest compare and the replay guard.
 */
#include "admin/admin_signature.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/assert.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/env.h"
#include "http/jcs.h"
#include "http/json.h"

#define HEX_LEN (2 * SHA256_LEN)
/* Longest timestamp accepted, in digits (unix milliseconds have 13 until the year 2286). */
#define T_DIGITS_MAX 19

static const char *const names[] = {
    [ADMIN_SIG_OK] = "ok",
    [ADMIN_SIG_MISSING] = "missing",
    [ADMIN_SIG_MALFORMED] = "malformed",
    [ADMIN_SIG_WRONG_VERSION] = "wrong_version",
    [ADMIN_SIG_EXPIRED] = "expired",
    [ADMIN_SIG_INVALID_BODY] = "invalid_body",
    [ADMIN_SIG_BAD_SIGNATURE] = "bad_signature",
    [ADMIN_SIG_REPLAYED] = "replayed",
    [ADMIN_SIG_STORAGE] = "storage",
};

const char *admin_sig_result_str(admin_sig_result_t r)
{
    return (size_t)r < sizeof names / sizeof *names && names[r] ? names[r] : "unknown";
}

__attribute__((format(printf, 3, 4))) static admin_sig_result_t
fail(admin_sig_err_t *err, admin_sig_result_t r, const char *fmt, ...)
{
    if (err) {
        err->code = r;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return r;
}

/* The parts of "t=<digits>, v<digits>=<64 hex>"; t and hex point into the header. */
typedef struct {
    const char *t;
    size_t t_len;
    uint64_t t_ms;
    uint64_t version;
    const char *hex;
} sig_parts_t;

static size_t digits(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

static int parse_header(const char *h, sig_parts_t *p)
{
    if (strnlen(h, ADMIN_SIGNATURE_HEADER_MAX + 1) > ADMIN_SIGNATURE_HEADER_MAX ||
        strncmp(h, "t=", 2) != 0)
        return -1;
    p->t = h + 2;
    p->t_len = digits(p->t, T_DIGITS_MAX);
    if (p->t_len == 0 || p->t_len > T_DIGITS_MAX || parse_u64(p->t, p->t_len, &p->t_ms) != 0)
        return -1;
    const char *v = p->t + p->t_len;
    if (strncmp(v, ", v", 3) != 0)
        return -1;
    v += 3;
    size_t vn = digits(v, 7);
    if (vn == 0 || vn > 7 || parse_u64(v, vn, &p->version) != 0 || v[vn] != '=')
        return -1;
    p->hex = v + vn + 1;
    for (size_t i = 0; i < HEX_LEN; i++)
        if (!((p->hex[i] >= '0' && p->hex[i] <= '9') || (p->hex[i] >= 'a' && p->hex[i] <= 'f') ||
              (p->hex[i] >= 'A' && p->hex[i] <= 'F')))
            return -1;
    return p->hex[HEX_LEN] == '\0' ? 0 : -1;
}

/* Appends the canonical body to b: "{}" for an empty body; else the body must be a JSON object
 * or array (Rafiki's strict body parser) read as JSON.parse reads it. */
static admin_sig_result_t canonical_body(slice_t body, buf_t *b, admin_sig_err_t *err)
{
    if (body.len == 0)
        return buf_append(b, "{}", 2), ADMIN_SIG_OK;
    size_t i = 0; /* RFC 8259 white space, then '{' or '[' (co-body's strict test) */
    while (i < body.len && (body.ptr[i] == ' ' || body.ptr[i] == '\t' || body.ptr[i] == '\r' ||
                            body.ptr[i] == '\n'))
        i++;
    if (i == body.len || (body.ptr[i] != '{' && body.ptr[i] != '['))
        return fail(err, ADMIN_SIG_INVALID_BODY, "the body is not a JSON object or array");
    if (http_json_depth(body.ptr, body.len, JCS_DEPTH_MAX) > JCS_DEPTH_MAX)
        return fail(err, ADMIN_SIG_INVALID_BODY, "JSON nested deeper than %d", JCS_DEPTH_MAX);
    json_error_t je;
    json_t *doc = json_loadb((const char *)body.ptr, body.len, JCS_JSON_LOAD_FLAGS, &je);
    if (!doc)
        return fail(err, ADMIN_SIG_INVALID_BODY, "invalid JSON: %s", je.text);
    jcs_result_t r = jcs_canonicalize(doc, b);
    json_decref(doc);
    if (r != JCS_OK)
        return fail(err, ADMIN_SIG_INVALID_BODY, "the body cannot be canonicalized: %s",
                    jcs_result_str(r));
    return ADMIN_SIG_OK;
}

/* Freshness: at most ttl old (Rafiki: now - t > ttl fails) and at most ttl ahead. Sets the
 * time the signature could still pass, for the replay entry. */
static admin_sig_result_t check_time(const admin_sig_config_t *cfg, const sig_parts_t *p,
                                     int64_t now_ms, uint64_t *left_ms, admin_sig_err_t *err)
{
    uint64_t ttl_ms = (uint64_t)cfg->ttl_s * 1000u;
    uint64_t now = now_ms > 0 ? (uint64_t)now_ms : 0;
    if (now > p->t_ms && now - p->t_ms > ttl_ms)
        return fail(err, ADMIN_SIG_EXPIRED, "signed %llu ms ago; at most %llu ms accepted",
                    (unsigned long long)(now - p->t_ms), (unsigned long long)ttl_ms);
    if (p->t_ms > now && p->t_ms - now > ttl_ms)
        return fail(err, ADMIN_SIG_EXPIRED, "signed %llu ms in the future; at most %llu ms",
                    (unsigned long long)(p->t_ms - now), (unsigned long long)ttl_ms);
    *left_ms = p->t_ms + ttl_ms - now + 1; /* <= 2 ttl + 1: no overflow */
    return ADMIN_SIG_OK;
}

/* HMAC-SHA256(secret, "<t>.<canonical body>") compared with the header's hex in constant time.
 * Upper-case hex fails, as Rafiki compares the text. */
static admin_sig_result_t check_digest(const char *secret, const sig_parts_t *p, slice_t body,
                                       admin_sig_err_t *err)
{
    buf_t b;
    buf_init(&b, 6 * body.len + 64 + T_DIGITS_MAX); /* numbers widen at most ~5x ("1e20") */
    buf_append(&b, p->t, p->t_len);
    buf_push(&b, '.');
    admin_sig_result_t r = canonical_body(body, &b, err);
    if (r == ADMIN_SIG_OK) {
        uint8_t mac[SHA256_LEN];
        char hex[HEX_LEN + 1];
        hmac_sha256(mac, secret, strlen(secret), b.ptr, b.len);
        hex_encode(hex, sizeof hex, mac, sizeof mac);
        if (!ct_equal(hex, p->hex, HEX_LEN))
            r = fail(err, ADMIN_SIG_BAD_SIGNATURE, "the digest does not match the body");
    }
    buf_free(&b);
    return r;
}

/* Claims the digest in the cache for as long as the signature could pass. */
static admin_sig_result_t claim(const admin_sig_config_t *cfg, const sig_parts_t *p,
                                uint64_t left_ms, admin_sig_err_t *err)
{
    char key[sizeof ADMIN_SIGNATURE_KEY_PREFIX + HEX_LEN];
    size_t n = sizeof ADMIN_SIGNATURE_KEY_PREFIX - 1;
    memcpy(key, ADMIN_SIGNATURE_KEY_PREFIX, n);
    for (size_t i = 0; i < HEX_LEN; i++) /* the digest matched, so it is lower-case hex */
        key[n + i] = p->hex[i];
    key[n + HEX_LEN] = '\0';
    cache_err_t ce = {0};
    cache_rc_t rc = cache_set_nx(cfg->cache, key, "1", 1, left_ms, &ce);
    if (rc == CACHE_EXISTS)
        return fail(err, ADMIN_SIG_REPLAYED, "this signature was already used");
    if (rc != CACHE_OK)
        return fail(err, ADMIN_SIG_STORAGE, "replay guard: %s: %s", cache_rc_str(rc), ce.msg);
    return ADMIN_SIG_OK;
}

admin_sig_result_t admin_signature_check(const admin_sig_config_t *cfg, const char *secret,
                                         const char *header, slice_t body, int64_t now_ms,
                                         admin_sig_err_t *err)
{
    ASSERT(cfg && cfg->cache);
    if (!header || !*header)
        return fail(err, ADMIN_SIG_MISSING, "no signature header");
    if (!secret || !*secret)
        return fail(err, ADMIN_SIG_MISSING, "no API secret is configured");
    sig_parts_t p;
    if (parse_header(header, &p) != 0)
        return fail(err, ADMIN_SIG_MALFORMED, "expected t=<ms>, v<version>=<64 hex digits>");
    if (p.version != cfg->version)
        return fail(err, ADMIN_SIG_WRONG_VERSION, "signature version %llu; expected %u",
                    (unsigned long long)p.version, cfg->version);
    uint64_t left_ms = 0;
    admin_sig_result_t r = check_time(cfg, &p, now_ms, &left_ms, err);
    if (r == ADMIN_SIG_OK)
        r = check_digest(secret, &p, body, err);
    if (r == ADMIN_SIG_OK)
        r = claim(cfg, &p, left_ms, err);
    if (r == ADMIN_SIG_OK && err)
        err->code = ADMIN_SIG_OK, err->msg[0] = '\0';
    return r;
}
