/*
 * The unmerged tail in memory: entries in a slab with a free list, an open-addressing map from
 * id to slab index (backward-shift deletion, no tombstones), and per bucket a queue of slab
 * indices in the order they were added. See tail.h.
 */
#include "ledger/tail.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "ledger/mem.h"

typedef struct {
    ledger_transfer_t x;
    int64_t seq;
} entry_t;

typedef struct {
    uint32_t *idx; /* slab indices; live ones are idx[head..len) */
    size_t head, len, cap;
} queue_t;

struct ltail {
    entry_t *slab;
    uint32_t *free_list;
    size_t n_slab, cap_slab, n_free, cap_free;
    uint32_t *map; /* slab index + 1; 0 = empty */
    size_t map_cap, count;
    queue_t q[LTAIL_BUCKETS];
};

static size_t hash_of(ledger_id_t id, size_t mask)
{
    return (size_t)lmem_id_hash(id) & mask;
}

uint32_t ltail_bucket_of(ledger_id_t id)
{
    return (uint32_t)(id.hi >> 52); /* 12 bits: LTAIL_BUCKETS */
}

ltail_t *ltail_new(void)
{
    ltail_t *t = calloc(1, sizeof *t);
    ASSERT(t != NULL);
    return t;
}

void ltail_free(ltail_t *t)
{
    if (!t)
        return;
    for (size_t b = 0; b < LTAIL_BUCKETS; b++)
        free(t->q[b].idx);
    free(t->slab);
    free(t->free_list);
    free(t->map);
    free(t);
}

void ltail_clear(ltail_t *t)
{
    for (size_t b = 0; b < LTAIL_BUCKETS; b++)
        t->q[b].head = t->q[b].len = 0;
    t->n_slab = t->n_free = t->count = 0;
    if (t->map)
        memset(t->map, 0, t->map_cap * sizeof *t->map);
}

size_t ltail_count(const ltail_t *t)
{
    return t->count;
}

static size_t map_slot(const ltail_t *t, ledger_id_t id)
{
    size_t mask = t->map_cap - 1;
    size_t i = hash_of(id, mask);
    while (t->map[i] && !ledger_id_eq(t->slab[t->map[i] - 1].x.id, id))
        i = (i + 1) & mask;
    return i;
}

static void map_grow(ltail_t *t)
{
    if (t->map_cap && (t->count + 1) * 2 <= t->map_cap)
        return;
    uint32_t *old = t->map;
    size_t old_cap = t->map_cap;
    t->map_cap = old_cap ? old_cap * 2 : 64;
    t->map = calloc(t->map_cap, sizeof *t->map);
    ASSERT(t->map != NULL);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            t->map[map_slot(t, t->slab[old[i] - 1].x.id)] = old[i];
    free(old);
}

static void map_remove(ltail_t *t, size_t i)
{
    size_t mask = t->map_cap - 1;
    size_t j = i;
    t->map[i] = 0;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->map[j])
            return;
        size_t k = hash_of(t->slab[t->map[j] - 1].x.id, mask);
        /* slot j stays unless its home k lies cyclically outside (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        t->map[i] = t->map[j];
        t->map[j] = 0;
        i = j;
    }
}

ledger_transfer_t *ltail_find(const ltail_t *t, ledger_id_t id, int64_t *seq)
{
    if (!t->map_cap)
        return NULL;
    size_t i = map_slot(t, id);
    if (!t->map[i])
        return NULL;
    entry_t *e = &t->slab[t->map[i] - 1];
    if (seq)
        *seq = e->seq;
    return &e->x;
}

void ltail_add(ltail_t *t, const ledger_transfer_t *x, int64_t seq)
{
    ledger_transfer_t *cur = ltail_find(t, x->id, NULL);
    if (cur) {
        *cur = *x; /* same id: only its state may have changed */
        return;
    }
    map_grow(t);
    uint32_t at;
    if (t->n_free) {
        at = t->free_list[--t->n_free];
    } else {
        t->slab = lmem_grow(t->slab, &t->cap_slab, t->n_slab + 1, sizeof *t->slab);
        ASSERT(t->n_slab < UINT32_MAX);
        at = (uint32_t)t->n_slab++;
    }
    t->slab[at] = (entry_t){.x = *x, .seq = seq};
    t->map[map_slot(t, x->id)] = at + 1;
    t->count++;
    queue_t *q = &t->q[ltail_bucket_of(x->id)];
    ASSERT(q->len == q->head || t->slab[q->idx[q->len - 1]].seq < seq);
    if (q->len == q->cap && q->head > 0) { /* reuse the dropped front */
        memmove(q->idx, q->idx + q->head, (q->len - q->head) * sizeof *q->idx);
        q->len -= q->head;
        q->head = 0;
    }
    q->idx = lmem_grow(q->idx, &q->cap, q->len + 1, sizeof *q->idx);
    q->idx[q->len++] = at;
}

size_t ltail_bucket_count(const ltail_t *t, uint32_t b)
{
    ASSERT(b < LTAIL_BUCKETS);
    return t->q[b].len - t->q[b].head;
}

static int key_cmp(const void *a, const void *b)
{
    return ledger_id_cmp(((const ltail_key_t *)a)->id, ((const ltail_key_t *)b)->id);
}

void ltail_bucket_sorted(const ltail_t *t, uint32_t b, size_t n, ltail_key_t *out)
{
    const queue_t *q = &t->q[b];
    ASSERT(n <= q->len - q->head);
    for (size_t i = 0; i < n; i++) {
        const entry_t *e = &t->slab[q->idx[q->head + i]];
        out[i] = (ltail_key_t){.id = e->x.id, .seq = e->seq};
    }
    if (n > 1)
        qsort(out, n, sizeof *out, key_cmp);
}

void ltail_bucket_drop(ltail_t *t, uint32_t b, size_t n)
{
    queue_t *q = &t->q[b];
    ASSERT(n <= q->len - q->head);
    for (size_t i = 0; i < n; i++) {
        uint32_t at = q->idx[q->head + i];
        map_remove(t, map_slot(t, t->slab[at].x.id));
        t->free_list = lmem_grow(t->free_list, &t->cap_free, t->n_free + 1, sizeof *t->free_list);
        t->free_list[t->n_free++] = at;
        t->count--;
    }
    q->head += n;
    if (q->head == q->len)
        q->head = q->len = 0;
}

int64_t ltail_min_seq(const ltail_t *t, const size_t *skip)
{
    int64_t min = INT64_MAX;
    for (size_t b = 0; b < LTAIL_BUCKETS; b++) {
        const queue_t *q = &t->q[b];
        size_t first = q->head + (skip ? skip[b] : 0);
        if (first < q->len && t->slab[q->idx[first]].seq < min)
            min = t->slab[q->idx[first]].seq;
    }
    return min;
}

void ltail_each(const ltail_t *t, void (*fn)(void *arg, const ledger_transfer_t *x, int64_t seq),
                void *arg)
{
    for (size_t b = 0; b < LTAIL_BUCKETS; b++) {
        const queue_t *q = &t->q[b];
        for (size_t i = q->head; i < q->len; i++)
            fn(arg, &t->slab[q->idx[i]].x, t->slab[q->idx[i]].seq);
    }
}
