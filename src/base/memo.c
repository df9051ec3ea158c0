/* Memo (see memo.h): slots under MEMO_STRIPES mutexes, the slot chosen by FNV-1a of tag and key. */
#include "base/memo.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define MEMO_STRIPES 16

typedef struct {
    uint32_t tag;
    uint8_t key[MEMO_KEY_LEN];
    size_t size;
    void *val; /* NULL: empty */
} memo_slot_t;

struct memo {
    pthread_mutex_t mu[MEMO_STRIPES];
    size_t n;
    memo_slot_t *slot;
};

memo_t *memo_new(size_t slots)
{
    memo_t *m = xcalloc(1, sizeof *m);
    m->n = slots ? slots : 1;
    m->slot = xcalloc(m->n, sizeof *m->slot);
    for (int i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_init(&m->mu[i], NULL);
    return m;
}

void memo_free(memo_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->slot[i].val);
    for (int i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_destroy(&m->mu[i]);
    free(m->slot);
    free(m);
}

static size_t memo_index(const memo_t *m, uint32_t tag, const uint8_t key[MEMO_KEY_LEN])
{
    uint64_t h = 1469598103934665603ull ^ tag;
    for (int i = 0; i < MEMO_KEY_LEN; i++) {
        h ^= key[i];
        h *= 1099511628211ull;
    }
    return (size_t)(h % m->n);
}

bool memo_get(memo_t *m, uint32_t tag, const uint8_t key[MEMO_KEY_LEN], void *out, size_t size)
{
    size_t i = memo_index(m, tag, key);
    pthread_mutex_t *mu = &m->mu[i % MEMO_STRIPES];
    pthread_mutex_lock(mu);
    memo_slot_t *s = &m->slot[i];
    bool hit = s->val && s->tag == tag && s->size == size && memcmp(s->key, key, MEMO_KEY_LEN) == 0;
    if (hit)
        memcpy(out, s->val, size);
    pthread_mutex_unlock(mu);
    return hit;
}

void memo_put(memo_t *m, uint32_t tag, const uint8_t key[MEMO_KEY_LEN], const void *val,
              size_t size)
{
    size_t i = memo_index(m, tag, key);
    void *copy = xmalloc(size);
    memcpy(copy, val, size);
    pthread_mutex_t *mu = &m->mu[i % MEMO_STRIPES];
    pthread_mutex_lock(mu);
    memo_slot_t *s = &m->slot[i];
    void *old = s->val;
    *s = (memo_slot_t){.tag = tag, .size = size, .val = copy};
    memcpy(s->key, key, MEMO_KEY_LEN);
    pthread_mutex_unlock(mu);
    free(old);
}
