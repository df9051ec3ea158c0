/*
 * Key-value cache interface: idempotency keys, rate-limit counters, STREAM received totals,
 * sessions. Two drivers behind one API:
 *   - in-process (url NULL or ""): a hash table with per-key expiry, striped locks, bounded by
 *     bytes (oldest-written entries are evicted first); for the single-process (SQLite)
 *     deployment;
 *   - Redis (REDIS_URL = redis://[:password@]host[:port][/db] or unix:///path/to.sock[?db=N]),
 *     over hiredis with a small pool of connections, reconnecting on failure; for replicas.
 *
 * Keys are NUL-terminated strings of at most CACHE_KEY_MAX bytes; values are bytes of at most
 * CACHE_VALUE_MAX. A TTL of 0 means no expiry. Every call is thread-safe. Calls return a
 * cache_rc_t: CACHE_OK / CACHE_MISS / CACHE_EXISTS are outcomes, negative values are failures,
 * described in err (may be NULL).
 */
#ifndef RAFIKI_STORE_CACHE_H
#define RAFIKI_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keys are short structured names ("idem:<key>", "stream_received:<conn id>"). */
#define CACHE_KEY_MAX 512
/* Values are small records (an idempotent response, a session); 1 MiB bounds one. */
#define CACHE_VALUE_MAX (1024u * 1024u)

typedef enum {
    CACHE_OK = 0,
    CACHE_MISS = 1,   /* get/del: no such key (or it has expired) */
    CACHE_EXISTS = 2, /* set_nx: the key is already present; nothing written */

    CACHE_ERROR = -1,   /* the server reported an error */
    CACHE_CONN = -2,    /* cannot connect / connection lost (after one reconnect attempt) */
    CACHE_INVALID = -3, /* bad URL, key or value too long */
    CACHE_TOO_BIG = -4, /* get: the value is larger than the caller's buffer (*len = its size) */
    CACHE_NOT_INT = -5, /* incr: the stored value is not a decimal int64, or would overflow */
    CACHE_NOMEM = -6,
} cache_rc_t;

typedef struct {
    cache_rc_t code;
    char msg[256];
} cache_err_t;

typedef struct cache cache_t;

/* The in-process cache's bound: keys, values and bookkeeping together (an idempotency entry of
 * the admin API costs ~700 B, so 128 MiB holds ~190k of them). Writes past it evict the
 * oldest-written entries; one stripe holds 1/64 of it, so a value needs bound/64 to be stored.
 * Redis is bounded by its own maxmemory instead. */
#define CACHE_MEM_BYTES_DEFAULT (128u * 1024u * 1024u)

typedef struct {
    size_t mem_bytes_max; /* in-process bound; 0 = CACHE_MEM_BYTES_DEFAULT */
} cache_opts_t;

/* Opens the in-process cache (url NULL or "") or connects to Redis. NULL with err on a bad URL
 * or when Redis cannot be reached. */
cache_t *cache_open(const char *url, cache_err_t *err);
/* The same with options (NULL: defaults). */
cache_t *cache_open_opts(const char *url, const cache_opts_t *opts, cache_err_t *err);
/* Options from CACHE_MEMORY_MAX_MB (64..1048576, default 128). Returns 0, or -1 with err. */
int cache_opts_env(cache_opts_t *opts, cache_err_t *err);
/* cache_open($REDIS_URL): the in-process cache when REDIS_URL is unset or empty. */
cache_t *cache_open_env(cache_err_t *err);
void cache_close(cache_t *c);
/* True for the Redis driver. */
bool cache_is_remote(const cache_t *c);
/* What the in-process driver holds now (0 and 0 for Redis). */
void cache_mem_usage(cache_t *c, size_t *bytes, size_t *entries);

/* Copies the value of key into buf (cap bytes) and sets *len. CACHE_OK, CACHE_MISS, or
 * CACHE_TOO_BIG (buf untouched, *len = the value's size). */
cache_rc_t cache_get(cache_t *c, const char *key, void *buf, size_t cap, size_t *len,
                     cache_err_t *err);
/* Sets key to the value, replacing any, expiring after ttl_ms (0 = never). */
cache_rc_t cache_set(cache_t *c, const char *key, const void *val, size_t len, uint64_t ttl_ms,
                     cache_err_t *err);
/* Sets key only if absent (atomically): CACHE_OK when written, CACHE_EXISTS when present. */
cache_rc_t cache_set_nx(cache_t *c, const char *key, const void *val, size_t len, uint64_t ttl_ms,
                        cache_err_t *err);
/* Adds delta (negative to decrement) to the decimal integer at key (absent = 0) and writes the
 * new value to *out (may be NULL). When the key is created by this call and ttl_ms > 0, it
 * expires after ttl_ms; an existing key's expiry is kept. CACHE_NOT_INT if the value is not an
 * integer or the result would overflow int64. */
cache_rc_t cache_incr(cache_t *c, const char *key, int64_t delta, uint64_t ttl_ms, int64_t *out,
                      cache_err_t *err);
/* Removes key: CACHE_OK, or CACHE_MISS when it was absent. */
cache_rc_t cache_del(cache_t *c, const char *key, cache_err_t *err);

const char *cache_rc_str(cache_rc_t rc);

#endif
