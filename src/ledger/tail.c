/*
 * The unmerged tail in memory: entries in a slab with a free list, an open-addressing map from
 * id to slab index (backward-shift deletion, no tombstones), and per bucket a queue of slab
 * indices in the order they were added; then the rolling merge that moves the tail's ranges into
 * the id index and keeps the tail in step with the rows. See tail.h.
 */
#include "ledger/tail.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "ledger/lstore.h"
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
    ltail_t *t = xcalloc(1, sizeof *t);
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
    t->map = xcalloc(t->map_cap, sizeof *t->map);
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

/* ---- the rolling merge ---- */

struct lmerge {
    ltail_t *tail;
    /* readers of the tail outside the batcher (lmerge_find); the batcher, its only writer, takes
     * it to change the tail and reads without it */
    pthread_rwlock_t lock;
    uint32_t merge_rows; /* opts.merge_rows: a fixed target, or 0 */
    /* ids in transfer_ids (merged), for the tail's target size (merge_at) */
    int64_t stored;
    /* the next bucket, the boundary stored in ledger_meta, and what the current batch merges
     * (take[b] first entries of bucket b, listed in took[0..n_took)) */
    uint32_t cursor;
    int64_t merged_seq;
    size_t take[LTAIL_BUCKETS];
    uint32_t took[LTAIL_BUCKETS];
    size_t n_took;
    uint32_t next_cursor;    /* the cursor once the batch commits */
    int64_t next_merged_seq; /* likewise the boundary */
    ltail_key_t *keys;
    size_t keys_cap;
};

lmerge_t *lmerge_new(uint32_t merge_rows, int64_t stored)
{
    lmerge_t *m = xcalloc(1, sizeof *m);
    m->tail = ltail_new();
    pthread_rwlock_init(&m->lock, NULL);
    m->merge_rows = merge_rows;
    m->stored = stored;
    m->merged_seq = INT64_MIN; /* unknown: the first merge writes it */
    return m;
}

void lmerge_free(lmerge_t *m)
{
    if (!m)
        return;
    ltail_free(m->tail);
    pthread_rwlock_destroy(&m->lock);
    free(m->keys);
    free(m);
}

ltail_t *lmerge_tail(lmerge_t *m)
{
    return m->tail;
}

void lmerge_set_stored(lmerge_t *m, int64_t stored)
{
    m->stored = stored;
}

bool lmerge_find(lmerge_t *m, ledger_id_t id, ledger_transfer_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    const ledger_transfer_t *t = ltail_find(m->tail, id, NULL);
    if (t)
        *out = *t;
    pthread_rwlock_unlock(&m->lock);
    return t != NULL;
}

/*
 * The tail's target size T: each batch merges whole buckets of the tail, in turn, until the
 * tail is back to T (lmerge_step). A bucket then holds what arrived during one sweep of all
 * buckets, about T / LTAIL_BUCKETS ids, and covers 1 / LTAIL_BUCKETS of the id index. With N
 * stored (random) ids in about N / 136 leaf pages, a sweep writes about min(T, N / 136) leaves
 * to the WAL for T transfers: a fixed T costs up to a page (4 KiB) per transfer once the index
 * outgrows it, while T = N / 8 writes every leaf once per N / 8 transfers, about 240 bytes per
 * transfer at any size (docs/BENCHMARKS.md). The tail lives in memory (~150 bytes a transfer),
 * hence the cap. opts.merge_rows fixes T instead.
 */
#define MERGE_ROWS_MIN 16384
/* the fewest ids a merge step may take from one bucket */
#define MERGE_STEP_MIN 1024
#define MERGE_ROWS_MAX 524288
static size_t merge_at(const lmerge_t *m)
{
    if (m->merge_rows)
        return m->merge_rows;
    size_t want = (size_t)(m->stored / 8);
    return want < MERGE_ROWS_MIN ? MERGE_ROWS_MIN : want > MERGE_ROWS_MAX ? MERGE_ROWS_MAX : want;
}

db_rc_t lmerge_step(lmerge_t *m, db_conn_t *conn, int64_t seq0, db_err_t *err)
{
    /* hysteresis: once over the target, merge a sixteenth of it, so the fixed costs of a merge
     * step (the index's inner pages rewritten, statements) are shared by many ids while a
     * step stays a small part of a full merge */
    size_t target = merge_at(m);
    size_t left = ltail_count(m->tail);
    if (left <= target)
        return DB_OK;
    size_t step = target / 16;
    target -= step;
    /* A bucket is merged whole, but not beyond a step's worth: ids that share their top bits
     * (time-ordered ones, like the connector's version-7 ids, all land in one bucket) are
     * merged oldest first, a step at a time, and the cursor stays on the bucket. */
    size_t most = step > MERGE_STEP_MIN ? step : MERGE_STEP_MIN;
    uint32_t cursor = m->cursor;
    for (uint32_t swept = 0; left > target && swept < LTAIL_BUCKETS; swept++) {
        uint32_t b = cursor;
        size_t n = ltail_bucket_count(m->tail, b);
        bool partial = n > most;
        if (partial)
            n = most;
        else
            cursor = (cursor + 1) % LTAIL_BUCKETS;
        if (n == 0)
            continue;
        m->keys = lmem_grow(m->keys, &m->keys_cap, n, sizeof *m->keys);
        ltail_bucket_sorted(m->tail, b, n, m->keys);
        db_rc_t rc = lstore_merge_keys(conn, m->keys, n, err);
        if (rc != DB_OK)
            return rc;
        m->take[b] = n;
        m->took[m->n_took++] = b;
        left -= n;
        if (partial)
            break; /* the rest of b waits for the next step */
    }
    m->next_cursor = cursor;
    m->next_merged_seq = m->merged_seq;
    if (m->n_took == 0)
        return DB_OK;
    int64_t oldest = ltail_min_seq(m->tail, m->take);
    m->next_merged_seq = (oldest < seq0 ? oldest : seq0) - 1;
    if (m->next_merged_seq == m->merged_seq)
        return DB_OK;
    return lstore_set_merged_seq(conn, m->next_merged_seq, err);
}

/* Forgets the batch's merge plan. */
static void plan_clear(lmerge_t *m)
{
    for (size_t i = 0; i < m->n_took; i++)
        m->take[m->took[i]] = 0;
    m->n_took = 0;
}

bool lmerge_commit(lmerge_t *m, lcore_t *c, int64_t seq0)
{
    ledger_transfer_t *first;
    size_t n = lcore_new_transfers(c, &first);
    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < m->n_took; i++) {
        uint32_t b = m->took[i];
        m->stored += (int64_t)m->take[b];
        ltail_bucket_drop(m->tail, b, m->take[b]);
    }
    for (size_t i = 0; i < lcore_resolved_count(c); i++) {
        const ledger_transfer_t *r = lcore_resolved_at(c, i);
        ledger_transfer_t *t = ltail_find(m->tail, r->id, NULL);
        if (t)
            *t = *r;
    }
    for (size_t i = 0; i < n; i++)
        ltail_add(m->tail, &first[i], seq0 + (int64_t)i);
    pthread_rwlock_unlock(&m->lock);
    bool merged = m->n_took > 0;
    if (merged) {
        m->cursor = m->next_cursor;
        m->merged_seq = m->next_merged_seq;
    }
    plan_clear(m);
    return merged;
}

void lmerge_abort(lmerge_t *m)
{
    plan_clear(m);
}
