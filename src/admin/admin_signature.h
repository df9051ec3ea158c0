/*
 * Rafiki's Admin API request signature, for the GraphQL admin API (coming; no route calls this
 * yet). A client sends
 *
 *     signature: t=<unix time in milliseconds>, v<version>=<hex HMAC-SHA256>
 *
 * where the HMAC is keyed with the API secret (the bytes of the string as configured) over
 * "<t>.<RFC 8785 canonical JSON of the request body>" (http/jcs.h), lower-case hex, exactly as
 * Rafiki's generateApiSignature (packages/backend/src/tests/apiSignature.ts) and its admin UI
 * sign. An empty body is signed as "{}" (Rafiki's body parser gives {} for it).
 *
 * The check, in order: the header's form (malformed), the version against
 * ADMIN_API_SIGNATURE_VERSION, freshness (now - t <= ttl, as Rafiki: a signature exactly ttl old
 * still passes), the body as JSON, the digest (constant time), then the replay guard: the
 * digest is claimed with a set-if-absent in the cache (Redis when scaled out), so a signature is
 * accepted once on any replica. Differences from Rafiki, on purpose: a timestamp more than ttl
 * in the future is refused as expired (Rafiki accepts any future time), the replay entry lives
 * exactly as long as the signature could pass (Rafiki passes milliseconds to EXPIRE, keeping it
 * 1000 times too long), the digest rather than the whole header is the replay key (so extra
 * text after the digest cannot make a replay look new), and only signatures that verify are
 * recorded. Rafiki answers every failure with HTTP 401 "Unauthorized" (koa ctx.throw), and a
 * body that is not JSON with 400 before authentication.
 *
 * Threads: any thread; the cache is thread-safe. A check may block on a Redis round trip.
 */
#ifndef RAFIKI_ADMIN_ADMIN_SIGNATURE_H
#define RAFIKI_ADMIN_ADMIN_SIGNATURE_H

#include <stdint.h>

#include "base/slice.h"
#include "store/cache.h"

#define ADMIN_SIGNATURE_VERSION_DEFAULT 1
#define ADMIN_SIGNATURE_TTL_S_DEFAULT   30
/* Bounds of ADMIN_API_SIGNATURE_TTL_SECONDS (1 s .. 1 day) and ADMIN_API_SIGNATURE_VERSION. */
#define ADMIN_SIGNATURE_TTL_S_MAX   86400
#define ADMIN_SIGNATURE_VERSION_MAX 1000000
/* Longest header value read: "t=" 20 digits ", v" 7 digits "=" 64 hex digits, and slack. */
#define ADMIN_SIGNATURE_HEADER_MAX 128
/* Cache key prefix of the replay guard: "adminsig:seen:<hex digest>". */
#define ADMIN_SIGNATURE_KEY_PREFIX "adminsig:seen:"

typedef enum {
    ADMIN_SIG_OK = 0,
    ADMIN_SIG_MISSING,       /* no signature header, or no secret to check it with */
    ADMIN_SIG_MALFORMED,     /* not "t=<digits>, v<digits>=<64 hex digits>" */
    ADMIN_SIG_WRONG_VERSION, /* v<n> is not the configured version */
    ADMIN_SIG_EXPIRED,       /* older than the TTL, or more than the TTL in the future */
    ADMIN_SIG_INVALID_BODY,  /* the body is not JSON (Rafiki: 400 before authentication) */
    ADMIN_SIG_BAD_SIGNATURE, /* the digest does not match */
    ADMIN_SIG_REPLAYED,      /* this signature was accepted before */
    ADMIN_SIG_STORAGE,       /* the replay guard's cache failed: refuse, do not guess */
    ADMIN_SIG_RESULT_COUNT
} admin_sig_result_t;

/* Stable snake_case name of a result ("bad_signature"). */
const char *admin_sig_result_str(admin_sig_result_t r);

typedef struct {
    cache_t *cache;   /* the replay guard; required */
    uint32_t version; /* ADMIN_API_SIGNATURE_VERSION */
    uint32_t ttl_s;   /* ADMIN_API_SIGNATURE_TTL_SECONDS */
} admin_sig_config_t;

/* The detail of a refusal, for the log (never the secret or the expected digest). */
typedef struct {
    admin_sig_result_t code;
    char msg[160];
} admin_sig_err_t;

/* Checks header (NULL when absent) over body at now_ms (unix milliseconds) with secret
 * (NUL-terminated; NULL or "" refuses as missing). ADMIN_SIG_OK records the signature in the
 * replay guard; any other result says why not, with the detail in err (may be NULL). */
admin_sig_result_t admin_signature_check(const admin_sig_config_t *cfg, const char *secret,
                                         const char *header, slice_t body, int64_t now_ms,
                                         admin_sig_err_t *err);

#endif
