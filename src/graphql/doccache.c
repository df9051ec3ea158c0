/*
 * The document cache (doccache.h): a small table of parsed, validated documents, found by a
 * 64-bit hash of the text and then the text itself, the least recently used one replaced.
 */
#include "graphql/doccache.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"

static uint64_t text_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

void gql_doc_cache_init(gql_doc_cache_t *c)
{
    memset(c, 0, sizeof *c);
    ASSERT(pthread_mutex_init(&c->lock, NULL) == 0);
}

void gql_doc_cache_free(gql_doc_cache_t *c)
{
    for (unsigned i = 0; i < GQL_DOC_CACHE_SLOTS; i++)
        if (c->slot[i])
            gql_doc_release(c->slot[i]);
    pthread_mutex_destroy(&c->lock);
}

gql_doc_t *gql_doc_new(const uint8_t *text, size_t len)
{
    gql_doc_t *d = xcalloc(1, sizeof *d);
    arena_init(&d->arena, 16 * 1024);
    d->text = (const uint8_t *)arena_strndup(&d->arena, (const char *)text, len);
    d->len = len;
    d->hash = text_hash(text, len);
    atomic_init(&d->refs, 1);
    return d;
}

gql_doc_t *gql_doc_cache_get(gql_doc_cache_t *c, const uint8_t *text, size_t len)
{
    if (len > GQL_DOC_CACHE_TEXT_MAX)
        return NULL;
    uint64_t h = text_hash(text, len);
    gql_doc_t *found = NULL;
    pthread_mutex_lock(&c->lock);
    for (unsigned i = 0; i < GQL_DOC_CACHE_SLOTS && !found; i++) {
        gql_doc_t *d = c->slot[i];
        if (d && d->hash == h && d->len == len && memcmp(d->text, text, len) == 0) {
            atomic_fetch_add(&d->refs, 1);
            d->used = ++c->clock;
            found = d;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void gql_doc_cache_put(gql_doc_cache_t *c, gql_doc_t *d)
{
    if (d->len > GQL_DOC_CACHE_TEXT_MAX)
        return;
    gql_doc_t *evicted = NULL;
    pthread_mutex_lock(&c->lock);
    unsigned victim = 0;
    for (unsigned i = 0; i < GQL_DOC_CACHE_SLOTS; i++) {
        gql_doc_t *e = c->slot[i];
        if (e && e->hash == d->hash && e->len == d->len && memcmp(e->text, d->text, d->len) == 0)
            goto done; /* another request cached the same text first */
        if (!e || (c->slot[victim] && e->used < c->slot[victim]->used))
            victim = i;
        if (!e)
            break;
    }
    evicted = c->slot[victim];
    atomic_fetch_add(&d->refs, 1);
    d->used = ++c->clock;
    c->slot[victim] = d;
done:
    pthread_mutex_unlock(&c->lock);
    if (evicted)
        gql_doc_release(evicted);
}

void gql_doc_release(gql_doc_t *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    arena_free(&d->arena);
    free(d);
}
