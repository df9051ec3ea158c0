/*
 * In-process running totals: a chained hash table under one mutex. Expired entries are
 * dropped when looked up and swept in bulk when the table is full.
 */
#include "stream/totals.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/mem.h"

/* Keys are "stream_received:" + 64 hex digits; anything longer is refused. */
#define TOTALS_KEY_MAX 127

typedef struct entry {
    struct entry *next;
    uint64_t total;
    uint64_t expires_ms;
    char key[TOTALS_KEY_MAX + 1];
} entry_t;

struct stream_totals_mem {
    pthread_mutex_t mu;
    entry_t **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    size_t max_entries;
};

static uint64_t hash_key(const char *k)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *k; k++) {
        h ^= (uint8_t)*k;
        h *= 1099511628211ull;
    }
    return h;
}

stream_totals_mem_t *stream_totals_mem_new(size_t max_entries)
{
    ASSERT(max_entries > 0);
    stream_totals_mem_t *m = xcalloc(1, sizeof *m);
    size_t n = 16;
    while (n < max_entries && n < ((size_t)1 << 30))
        n <<= 1;
    m->buckets = xcalloc(n, sizeof *m->buckets);
    m->nbuckets = n;
    m->max_entries = max_entries;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void stream_totals_mem_free(stream_totals_mem_t *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry_t *e = m->buckets[i];
        while (e != NULL) {
            entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&m->mu);
    free(m->buckets);
    free(m);
}

static void sweep(stream_totals_mem_t *m, uint64_t now)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        entry_t **pp = &m->buckets[i];
        while (*pp != NULL) {
            entry_t *e = *pp;
            if (e->expires_ms <= now) {
                *pp = e->next;
                free(e);
                m->count--;
            } else {
                pp = &e->next;
            }
        }
    }
}

/* The live entry for key, or NULL; drops an expired one on the way. Caller holds mu. */
static entry_t *find(stream_totals_mem_t *m, const char *key, uint64_t now, entry_t ***slot)
{
    entry_t **pp = &m->buckets[hash_key(key) & (m->nbuckets - 1)];
    *slot = pp;
    for (; *pp != NULL; pp = &(*pp)->next) {
        entry_t *e = *pp;
        if (strcmp(e->key, key) != 0)
            continue;
        if (e->expires_ms <= now) {
            *pp = e->next;
            free(e);
            m->count--;
            return NULL;
        }
        return e;
    }
    return NULL;
}

static int mem_get(void *ctx, const char *key, uint64_t *total)
{
    stream_totals_mem_t *m = ctx;
    entry_t **slot;
    pthread_mutex_lock(&m->mu);
    entry_t *e = find(m, key, clock_mono_ms(), &slot);
    *total = e ? e->total : 0;
    pthread_mutex_unlock(&m->mu);
    return 0;
}

static uint64_t add_saturating(uint64_t total, int64_t delta)
{
    if (delta >= 0)
        return total > UINT64_MAX - (uint64_t)delta ? UINT64_MAX : total + (uint64_t)delta;
    uint64_t d = (uint64_t)(-(delta + 1)) + 1; /* |delta| without overflow at INT64_MIN */
    return total < d ? 0 : total - d;
}

static int mem_incr(void *ctx, const char *key, int64_t delta, uint32_t ttl_s, uint64_t *total)
{
    stream_totals_mem_t *m = ctx;
    size_t klen = strlen(key);
    if (klen > TOTALS_KEY_MAX)
        return -1;
    int rc = 0;
    uint64_t now = clock_mono_ms();
    pthread_mutex_lock(&m->mu);
    entry_t **slot;
    entry_t *e = find(m, key, now, &slot);
    if (e == NULL) {
        if (m->count >= m->max_entries)
            sweep(m, now);
        if (m->count >= m->max_entries) {
            rc = -1; /* full of live entries */
            goto done;
        }
        e = xcalloc(1, sizeof *e);
        memcpy(e->key, key, klen + 1);
        e->next = *slot;
        *slot = e;
        m->count++;
    }
    e->total = add_saturating(e->total, delta);
    e->expires_ms = now + (uint64_t)ttl_s * 1000u;
    *total = e->total;
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}

stream_totals_t stream_totals_mem(stream_totals_mem_t *m)
{
    return (stream_totals_t){.ctx = m, .get = mem_get, .incr = mem_incr};
}

size_t stream_totals_mem_count(stream_totals_mem_t *m)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->count;
    pthread_mutex_unlock(&m->mu);
    return n;
}
