/*
 * Internals shared by the cache front (cache.c, with the in-process driver) and the Redis
 * driver (cache_redis.c). Not for use outside src/store.
 *
 * Threads: as cache.h: every call is safe from any thread.
 */
#ifndef RAFIKI_STORE_CACHE_INTERNAL_H
#define RAFIKI_STORE_CACHE_INTERNAL_H

#include "store/cache.h"

typedef struct cache_redis cache_redis_t;

cache_rc_t cache_fail(cache_err_t *err, cache_rc_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

cache_redis_t *cache_redis_open(const char *url, cache_err_t *err);
void cache_redis_close(cache_redis_t *r);
cache_rc_t cache_redis_get(cache_redis_t *r, const char *key, void *buf, size_t cap, size_t *len,
                           cache_err_t *err);
cache_rc_t cache_redis_set(cache_redis_t *r, const char *key, const void *val, size_t len,
                           uint64_t ttl_ms, bool nx, cache_err_t *err);
cache_rc_t cache_redis_incr(cache_redis_t *r, const char *key, int64_t delta, uint64_t ttl_ms,
                            int64_t *out, cache_err_t *err);
cache_rc_t cache_redis_del(cache_redis_t *r, const char *key, cache_err_t *err);

/* Strict decimal int64 (optional '-', digits, no spaces); 0 or -1. */
int cache_parse_i64(const char *s, size_t n, int64_t *out);

#endif
