/*
 * The cache front end and the in-process driver. The in-process cache is a hash table split into
 * stripes, each with its own lock and chained buckets, so threads touching different keys rarely
 * contend. Expiry is lazy (an expired entry reads as absent and is dropped when met) plus a
 * sweep of one stripe every CACHE_SWEEP_EVERY writes to it, so dead keys cannot pile up.
 *
 * Memory is bounded by bytes, not entries: each stripe may hold 1/CACHE_STRIPES of the bound,
 * counting keys, values and the entry bookkeeping, and keeps its entries in write order so
 * that a write needing room evicts the oldest-written first. A client that mints keys (24 h
 * idempotency entries of ~700 B each) therefore pushes out old keys instead of growing the
 * process without limit.
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
#include "base/mem.h"
#include "store/store_internal.h"

#define CACHE_STRIPES 64
/* A stripe sweeps its expired entries after this many writes. */
#define CACHE_SWEEP_EVERY 1024
/* What malloc adds to each of an entry's three blocks, counted against the byte bound. */
#define CACHE_MALLOC_OVERHEAD 16u

typedef struct cache_entry {
    struct cache_entry *next;
    struct cache_entry *older, *newer; /* the stripe's write order */
    size_t cost;                       /* bytes counted against the bound */
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
    size_t bytes; /* sum of the entries' cost */
    cache_entry_t *oldest, *newest;
    unsigned writes;
} cache_stripe_t;

struct cache {
    cache_redis_t *redis;
    size_t stripe_bytes_max;
    cache_stripe_t stripes[CACHE_STRIPES];
};

STORE_FAIL_FN(cache_fail, cache_err_t, cache_rc_t)

const char *cache_rc_str(cache_rc_t rc)
{
    static const store_rc_name_t names[] = {
        {CACHE_OK, "ok"},
        {CACHE_MISS, "miss"},
        {CACHE_EXISTS, "exists"},
        {CACHE_ERROR, "error"},
        {CACHE_CONN, "connection failure"},
        {CACHE_INVALID, "invalid argument"},
        {CACHE_TOO_BIG, "value larger than buffer"},
        {CACHE_NOT_INT, "not an integer"},
        {CACHE_NOMEM, "out of memory"},
    };
    return store_rc_name(names, sizeof names / sizeof names[0], rc);
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
    /* FNV-1a leaves the top bits of similar short keys ("e1", "e2") nearly equal, and the
     * stripe is taken from the top bits: a finalising mix (MurmurHash3's) spreads them, so keys
     * share the stripes, their locks and their byte budgets evenly. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static cache_stripe_t *stripe_of(cache_t *c, uint64_t h)
{
    return &c->stripes[(h >> 58) % CACHE_STRIPES];
}

static bool expired(const cache_entry_t *e, uint64_t now)
{
    return e->expires_ms != 0 && e->expires_ms <= now;
}

/* What an entry with this key and value length costs against the bound. */
static size_t entry_cost(const char *key, size_t len)
{
    return sizeof(cache_entry_t) + strlen(key) + 1 + len + 3 * CACHE_MALLOC_OVERHEAD;
}

static void order_unlink(cache_stripe_t *s, cache_entry_t *e)
{
    if (e->older)
        e->older->newer = e->newer;
    else if (s->oldest == e)
        s->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else if (s->newest == e)
        s->newest = e->older;
    e->older = e->newer = NULL;
}

/* Makes e the newest-written entry of its stripe. */
static void order_touch(cache_stripe_t *s, cache_entry_t *e)
{
    order_unlink(s, e);
    e->older = s->newest;
    if (s->newest)
        s->newest->newer = e;
    s->newest = e;
    if (!s->oldest)
        s->oldest = e;
}

/* Removes the entry *pp points at (a bucket link) from the locked stripe and frees it. */
static void entry_drop(cache_stripe_t *s, cache_entry_t **pp)
{
    cache_entry_t *e = *pp;
    *pp = e->next;
    order_unlink(s, e);
    s->bytes -= e->cost;
    s->count--;
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
            entry_drop(s, pp);
            return NULL;
        }
        return pp;
    }
    return NULL;
}

/* The bucket link pointing at e, which is in the stripe. */
static cache_entry_t **link_of(cache_stripe_t *s, cache_entry_t *e)
{
    cache_entry_t **pp = &s->buckets[e->hash % s->nbuckets];
    while (*pp != e)
        pp = &(*pp)->next;
    return pp;
}

static void sweep(cache_stripe_t *s, uint64_t now)
{
    for (size_t b = 0; b < s->nbuckets; b++) {
        cache_entry_t **pp = &s->buckets[b];
        while (*pp) {
            if (expired(*pp, now))
                entry_drop(s, pp);
            else
                pp = &(*pp)->next;
        }
    }
}

/* Evicts the oldest-written entries other than keep (whose cost is not in the stripe's bytes
 * while it is being rewritten) until need more bytes fit; need is at most the stripe's bound. */
static void make_room(cache_t *c, cache_stripe_t *s, const cache_entry_t *keep, size_t need)
{
    while (s->bytes + need > c->stripe_bytes_max) {
        cache_entry_t *victim = s->oldest == keep ? keep->newer : s->oldest;
        ASSERT(victim != NULL); /* counted bytes belong to some entry other than keep */
        entry_drop(s, link_of(s, victim));
    }
}

static void grow(cache_stripe_t *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 64;
    cache_entry_t **nb = xcalloc(n, sizeof *nb);
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
}

/* Inserts a new entry (key known absent) without a value in the locked stripe. */
static cache_entry_t *insert(cache_stripe_t *s, const char *key, uint64_t h, uint64_t now)
{
    if (++s->writes % CACHE_SWEEP_EVERY == 0)
        sweep(s, now);
    if (s->count >= s->nbuckets)
        grow(s);
    cache_entry_t *e = xcalloc(1, sizeof *e);
    e->key = xstrdup(key);
    e->hash = h;
    e->next = s->buckets[h % s->nbuckets];
    s->buckets[h % s->nbuckets] = e;
    s->count++;
    order_touch(s, e);
    return e;
}

/* Stores the value in e, evicting older entries for room; -1 when a value this large cannot
 * be held (more than a stripe's share of the bound) or memory is short. */
static int entry_store(cache_t *c, cache_stripe_t *s, cache_entry_t *e, const void *val, size_t len)
{
    size_t cost = entry_cost(e->key, len);
    if (cost > c->stripe_bytes_max)
        return -1;
    uint8_t *v = malloc(len ? len : 1);
    if (!v)
        return -1;
    if (len)
        memcpy(v, val, len);
    s->bytes -= e->cost; /* the old value makes way for the new one */
    e->cost = 0;
    make_room(c, s, e, cost);
    free(e->val);
    e->val = v;
    e->len = len;
    e->cost = cost;
    s->bytes += cost;
    order_touch(s, e);
    return 0;
}

/* Stores the value under key (e: its entry, or NULL to insert one) and returns the entry, or
 * NULL (CACHE_NOMEM) after dropping a new entry or leaving an existing value as it was. */
static cache_entry_t *store_at(cache_t *c, cache_stripe_t *s, cache_entry_t *e, const char *key,
                               uint64_t h, uint64_t now, const void *val, size_t len)
{
    if (!e)
        e = insert(s, key, h, now);
    if (e && entry_store(c, s, e, val, len) == 0)
        return e;
    if (e && !e->val)
        entry_drop(s, link_of(s, e));
    return NULL;
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
    cache_entry_t **pp = find(s, key, h, now);
    cache_entry_t *e = pp ? *pp : NULL;
    cache_rc_t rc = CACHE_EXISTS;
    if (!e || !nx) {
        cache_entry_t *w = store_at(c, s, e, key, h, now, val, len);
        rc = w ? CACHE_OK : CACHE_NOMEM;
        if (w)
            w->expires_ms = deadline(now, ttl_ms);
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
    int64_t cur = 0, next = 0;
    cache_rc_t rc = CACHE_OK;
    if (e && cache_parse_i64((const char *)e->val, e->len, &cur) != 0)
        rc = CACHE_NOT_INT;
    else if (__builtin_add_overflow(cur, delta, &next))
        rc = CACHE_NOT_INT;
    if (rc == CACHE_OK) {
        char text[24];
        int n = snprintf(text, sizeof text, "%lld", (long long)next);
        cache_entry_t *w = store_at(c, s, e, key, h, now, text, (size_t)n);
        rc = w ? CACHE_OK : CACHE_NOMEM;
        if (w && !e) /* an existing counter keeps its expiry */
            w->expires_ms = deadline(now, ttl_ms);
        if (w && out)
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
    if (pp)
        entry_drop(s, pp);
    pthread_mutex_unlock(&s->mu);
    return pp ? CACHE_OK : CACHE_MISS;
}

/* ---- front end ---- */

cache_t *cache_open(const char *url, cache_err_t *err)
{
    return cache_open_opts(url, NULL, err);
}

cache_rc_t cache_opts_env(cache_opts_t *opts, cache_err_t *err)
{
    uint64_t mb;
    env_err_t e;
    if (env_u64("CACHE_MEMORY_MAX_MB", CACHE_MEM_BYTES_DEFAULT >> 20, 64, 1u << 20, &mb, &e) != 0)
        return cache_fail(err, CACHE_INVALID, "%s", e.msg);
    opts->mem_bytes_max = (size_t)mb << 20;
    return CACHE_OK;
}

cache_t *cache_open_opts(const char *url, const cache_opts_t *opts, cache_err_t *err)
{
    cache_t *c = calloc(1, sizeof *c);
    if (!c) {
        cache_fail(err, CACHE_NOMEM, "out of memory");
        return NULL;
    }
    size_t max = opts && opts->mem_bytes_max ? opts->mem_bytes_max : CACHE_MEM_BYTES_DEFAULT;
    c->stripe_bytes_max = max / CACHE_STRIPES;
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
        while (s->oldest)
            entry_drop(s, link_of(s, s->oldest));
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

bool cache_is_remote(const cache_t *c)
{
    return c->redis != NULL;
}

void cache_mem_usage(cache_t *c, size_t *bytes, size_t *entries)
{
    *bytes = *entries = 0;
    for (int i = 0; i < CACHE_STRIPES; i++) {
        cache_stripe_t *s = &c->stripes[i];
        pthread_mutex_lock(&s->mu);
        *bytes += s->bytes;
        *entries += s->count;
        pthread_mutex_unlock(&s->mu);
    }
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
