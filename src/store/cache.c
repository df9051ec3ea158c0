/*
 * The cache front end and the in-process driver. The in-process cache is a hash table split into
 * stripes, each with its own lock and chained buckets, so threads touching different keys rarely
 * contend. Expiry is lazy (an expired entry reads as absent and is dropped when met) plus a
 * sweep of one stripe every CACHE_SWEEP_EVERY writes to it, so dead keys cannot pile up.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/env.h"
#include "store/cache_internal.h"

#define CACHE_STRIPES 64
/* A stripe sweeps its expired entries after this many writes. */
#define CACHE_SWEEP_EVERY 1024
/* Most entries in the in-process cache; a write past it fails with CACHE_NOMEM rather than
 * letting a flood of keys exhaust memory. */
#define CACHE_ENTRIES_MAX (4u * 1024u * 1024u)

typedef struct cache_entry {
    struct cache_entry *next;
    uint64_t hash;
    uint64_t expires_ms; /* monotonic; 0 = never */
    size_t len;
    char *key;
    uint8_t *val;
} cache_entry_t;

typedef struct {
    pthread_mutex_t mu;
    cache_entry_t **buckets;
    size_t nbuckets, count;
    unsigned writes;
} cache_stripe_t;

struct cache {
    cache_redis_t *redis;
    cache_stripe_t stripes[CACHE_STRIPES];
};

cache_rc_t cache_fail(cache_err_t *err, cache_rc_t code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *cache_rc_str(cache_rc_t rc)
{
    switch (rc) {
    case CACHE_OK:
        return "ok";
    case CACHE_MISS:
        return "miss";
    case CACHE_EXISTS:
        return "exists";
    case CACHE_ERROR:
        return "error";
    case CACHE_CONN:
        return "connection failure";
    case CACHE_INVALID:
        return "invalid argument";
    case CACHE_TOO_BIG:
        return "value larger than buffer";
    case CACHE_NOT_INT:
        return "not an integer";
    case CACHE_NOMEM:
        return "out of memory";
    }
    return "unknown";
}

int cache_parse_i64(const char *s, size_t n, int64_t *out)
{
    bool neg = n > 0 && s[0] == '-';
    size_t i = neg ? 1 : 0;
    if (i == n || n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* ---- in-process driver ---- */

static uint64_t hash_key(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (uint8_t)*k) * 1099511628211ull;
    return h ^ (h >> 29);
}

static cache_stripe_t *stripe_of(cache_t *c, uint64_t h)
{
    return &c->stripes[(h >> 58) % CACHE_STRIPES];
}

static bool expired(const cache_entry_t *e, uint64_t now)
{
    return e->expires_ms != 0 && e->expires_ms <= now;
}

static void entry_free(cache_entry_t *e)
{
    free(e->key);
    free(e->val);
    free(e);
}

/* Finds key in the stripe (locked), dropping it if it has expired; returns the link to it. */
static cache_entry_t **find(cache_stripe_t *s, const char *key, uint64_t h, uint64_t now)
{
    if (!s->nbuckets)
        return NULL;
    cache_entry_t **pp = &s->buckets[h % s->nbuckets];
    for (; *pp; pp = &(*pp)->next) {
        cache_entry_t *e = *pp;
        if (e->hash != h || strcmp(e->key, key) != 0)
            continue;
        if (expired(e, now)) {
            *pp = e->next;
            entry_free(e);
            s->count--;
            return NULL;
        }
        return pp;
    }
    return NULL;
}

static void sweep(cache_stripe_t *s, uint64_t now)
{
    for (size_t b = 0; b < s->nbuckets; b++) {
        cache_entry_t **pp = &s->buckets[b];
        while (*pp) {
            cache_entry_t *e = *pp;
            if (expired(e, now)) {
                *pp = e->next;
                entry_free(e);
                s->count--;
            } else {
                pp = &e->next;
            }
        }
    }
}

static int grow(cache_stripe_t *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    cache_entry_t **nb = calloc(n, sizeof *nb);
    if (!nb)
        return -1;
    for (size_t b = 0; b < s->nbuckets; b++) {
        cache_entry_t *e = s->buckets[b];
        while (e) {
            cache_entry_t *next = e->next;
            e->next = nb[e->hash % n];
            nb[e->hash % n] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = nb;
    s->nbuckets = n;
    return 0;
}

/* Inserts a new entry (key known absent) in the locked stripe; NULL on OOM or when full. */
static cache_entry_t *insert(cache_stripe_t *s, const char *key, uint64_t h, uint64_t now)
{
    if (++s->writes % CACHE_SWEEP_EVERY == 0)
        sweep(s, now);
    if (s->count >= CACHE_ENTRIES_MAX / CACHE_STRIPES)
        return NULL;
    if (s->count >= s->nbuckets && grow(s) != 0)
        return NULL;
    cache_entry_t *e = calloc(1, sizeof *e);
    if (!e || !(e->key = strdup(key))) {
        free(e);
        return NULL;
    }
    e->hash = h;
    e->next = s->buckets[h % s->nbuckets];
    s->buckets[h % s->nbuckets] = e;
    s->count++;
    return e;
}

static int entry_store(cache_entry_t *e, const void *val, size_t len)
{
    uint8_t *v = malloc(len ? len : 1);
    if (!v)
        return -1;
    if (len)
        memcpy(v, val, len);
    free(e->val);
    e->val = v;
    e->len = len;
    return 0;
}

static uint64_t deadline(uint64_t now, uint64_t ttl_ms)
{
    return ttl_ms ? now + ttl_ms : 0;
}

static cache_rc_t mem_get(cache_t *c, const char *key, void *buf, size_t cap, size_t *len)
{
    uint64_t h = hash_key(key), now = clock_mono_ms();
    cache_stripe_t *s = stripe_of(c, h);
    pthread_mutex_lock(&s->mu);
    cache_entry_t **pp = find(s, key, h, now);
    cache_rc_t rc = CACHE_MISS;
    if (pp) {
        *len = (*pp)->len;
        rc = (*pp)->len > cap ? CACHE_TOO_BIG : CACHE_OK;
        if (rc == CACHE_OK && (*pp)->len)
            memcpy(buf, (*pp)->val, (*pp)->len);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static cache_rc_t mem_set(cache_t *c, const char *key, const void *val, size_t len, uint64_t ttl_ms,
                          bool nx)
{
    uint64_t h = hash_key(key), now = clock_mono_ms();
    cache_stripe_t *s = stripe_of(c, h);
    pthread_mutex_lock(&s->mu);
    cache_rc_t rc = CACHE_OK;
    cache_entry_t **pp = find(s, key, h, now);
    cache_entry_t *e = pp ? *pp : NULL;
    if (e && nx) {
        rc = CACHE_EXISTS;
    } else {
        if (!e)
            e = insert(s, key, h, now);
        if (!e || entry_store(e, val, len) != 0)
            rc = CACHE_NOMEM; /* a fresh entry without a value is dropped by the next find */
        else
            e->expires_ms = deadline(now, ttl_ms);
        if (rc != CACHE_OK && e && !e->val)
            e->expires_ms = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static cache_rc_t mem_incr(cache_t *c, const char *key, int64_t delta, uint64_t ttl_ms,
                           int64_t *out)
{
    uint64_t h = hash_key(key), now = clock_mono_ms();
    cache_stripe_t *s = stripe_of(c, h);
    pthread_mutex_lock(&s->mu);
    cache_entry_t **pp = find(s, key, h, now);
    cache_entry_t *e = pp ? *pp : NULL;
    int64_t cur = 0, next;
    cache_rc_t rc = CACHE_OK;
    if (e && cache_parse_i64((const char *)e->val, e->len, &cur) != 0)
        rc = CACHE_NOT_INT;
    else if (__builtin_add_overflow(cur, delta, &next))
        rc = CACHE_NOT_INT;
    if (rc == CACHE_OK) {
        bool created = !e;
        if (!e)
            e = insert(s, key, h, now);
        char text[24];
        int n = snprintf(text, sizeof text, "%lld", (long long)next);
        if (!e || entry_store(e, text, (size_t)n) != 0) {
            rc = CACHE_NOMEM;
            if (e && !e->val)
                e->expires_ms = 1;
        } else if (created) {
            e->expires_ms = deadline(now, ttl_ms);
        }
        if (rc == CACHE_OK && out)
            *out = next;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static cache_rc_t mem_del(cache_t *c, const char *key)
{
    uint64_t h = hash_key(key), now = clock_mono_ms();
    cache_stripe_t *s = stripe_of(c, h);
    pthread_mutex_lock(&s->mu);
    cache_entry_t **pp = find(s, key, h, now);
    cache_rc_t rc = CACHE_MISS;
    if (pp) {
        cache_entry_t *e = *pp;
        *pp = e->next;
        entry_free(e);
        s->count--;
        rc = CACHE_OK;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- front end ---- */

cache_t *cache_open(const char *url, cache_err_t *err)
{
    cache_t *c = calloc(1, sizeof *c);
    if (!c) {
        cache_fail(err, CACHE_NOMEM, "out of memory");
        return NULL;
    }
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&c->stripes[i].mu, NULL);
    if (url && url[0]) {
        c->redis = cache_redis_open(url, err);
        if (!c->redis) {
            cache_close(c);
            return NULL;
        }
    }
    return c;
}

cache_t *cache_open_env(cache_err_t *err)
{
    return cache_open(env_str("REDIS_URL", ""), err);
}

void cache_close(cache_t *c)
{
    if (!c)
        return;
    cache_redis_close(c->redis);
    for (int i = 0; i < CACHE_STRIPES; i++) {
        cache_stripe_t *s = &c->stripes[i];
        for (size_t b = 0; b < s->nbuckets; b++) {
            cache_entry_t *e = s->buckets[b];
            while (e) {
                cache_entry_t *next = e->next;
                entry_free(e);
                e = next;
            }
        }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

bool cache_is_remote(const cache_t *c)
{
    return c->redis != NULL;
}

static cache_rc_t check_key(const char *key, cache_err_t *err)
{
    ASSERT(key);
    size_t n = strlen(key);
    if (n == 0 || n > CACHE_KEY_MAX)
        return cache_fail(err, CACHE_INVALID, "cache key must be 1..%d bytes", CACHE_KEY_MAX);
    return CACHE_OK;
}

static cache_rc_t mem_result(cache_rc_t rc, const char *key, cache_err_t *err)
{
    if (rc == CACHE_NOMEM)
        return cache_fail(err, rc, "in-process cache: out of memory or full (key %.64s)", key);
    if (rc == CACHE_NOT_INT)
        return cache_fail(err, rc, "value of %.64s is not an integer or would overflow", key);
    if (rc == CACHE_TOO_BIG)
        return cache_fail(err, rc, "value of %.64s is larger than the buffer", key);
    return rc;
}

cache_rc_t cache_get(cache_t *c, const char *key, void *buf, size_t cap, size_t *len,
                     cache_err_t *err)
{
    cache_rc_t rc = check_key(key, err);
    if (rc != CACHE_OK)
        return rc;
    size_t ignored;
    if (!len)
        len = &ignored;
    if (c->redis)
        return cache_redis_get(c->redis, key, buf, cap, len, err);
    return mem_result(mem_get(c, key, buf, cap, len), key, err);
}

static cache_rc_t set_common(cache_t *c, const char *key, const void *val, size_t len,
                             uint64_t ttl_ms, bool nx, cache_err_t *err)
{
    cache_rc_t rc = check_key(key, err);
    if (rc != CACHE_OK)
        return rc;
    if (len > CACHE_VALUE_MAX)
        return cache_fail(err, CACHE_INVALID, "cache value larger than %u bytes", CACHE_VALUE_MAX);
    if (c->redis)
        return cache_redis_set(c->redis, key, val, len, ttl_ms, nx, err);
    return mem_result(mem_set(c, key, val, len, ttl_ms, nx), key, err);
}

cache_rc_t cache_set(cache_t *c, const char *key, const void *val, size_t len, uint64_t ttl_ms,
                     cache_err_t *err)
{
    return set_common(c, key, val, len, ttl_ms, false, err);
}

cache_rc_t cache_set_nx(cache_t *c, const char *key, const void *val, size_t len, uint64_t ttl_ms,
                        cache_err_t *err)
{
    return set_common(c, key, val, len, ttl_ms, true, err);
}

cache_rc_t cache_incr(cache_t *c, const char *key, int64_t delta, uint64_t ttl_ms, int64_t *out,
                      cache_err_t *err)
{
    cache_rc_t rc = check_key(key, err);
    if (rc != CACHE_OK)
        return rc;
    if (c->redis)
        return cache_redis_incr(c->redis, key, delta, ttl_ms, out, err);
    return mem_result(mem_incr(c, key, delta, ttl_ms, out), key, err);
}

cache_rc_t cache_del(cache_t *c, const char *key, cache_err_t *err)
{
    cache_rc_t rc = check_key(key, err);
    if (rc != CACHE_OK)
        return rc;
    if (c->redis)
        return cache_redis_del(c->redis, key, err);
    return mem_del(c, key);
}
