/*
 * The memo of rows that never change once committed (db.h, db_memo_get/db_memo_put): a
 * direct-mapped table of DB_MEMO_SLOTS copies per database handle, each slot under one mutex of
 * a few stripes. A slot holds one row; a new row in a taken slot replaces it. Rows enter only
 * from connections outside a transaction, which read committed rows only, so a memo never holds
 * a row that a rollback undid.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_internal.h"
#include "base/mem.h"

#define MEMO_STRIPES 16

typedef struct {
    uint32_t tag;
    uint8_t key[DB_MEMO_KEY_LEN];
    size_t size;
    void *val; /* NULL: empty */
} memo_slot_t;

struct db_memo {
    pthread_mutex_t mu[MEMO_STRIPES];
    memo_slot_t slot[DB_MEMO_SLOTS];
};

db_memo_t *db_memo_new(void)
{
    db_memo_t *m = xcalloc(1, sizeof *m);
    for (int i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_init(&m->mu[i], NULL);
    return m;
}

void db_memo_free(db_memo_t *m)
{
    if (!m)
        return;
    for (int i = 0; i < DB_MEMO_SLOTS; i++)
        free(m->slot[i].val);
    for (int i = 0; i < MEMO_STRIPES; i++)
        pthread_mutex_destroy(&m->mu[i]);
    free(m);
}

/* The slot of (tag, key): FNV-1a over both. */
static size_t memo_index(uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN])
{
    uint64_t h = 1469598103934665603ull ^ tag;
    for (int i = 0; i < DB_MEMO_KEY_LEN; i++) {
        h ^= key[i];
        h *= 1099511628211ull;
    }
    return (size_t)(h % DB_MEMO_SLOTS);
}

bool db_memo_get(db_t *db, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], void *out, size_t size)
{
    db_memo_t *m = db->memo;
    size_t i = memo_index(tag, key);
    pthread_mutex_t *mu = &m->mu[i % MEMO_STRIPES];
    pthread_mutex_lock(mu);
    memo_slot_t *s = &m->slot[i];
    bool hit =
        s->val && s->tag == tag && s->size == size && memcmp(s->key, key, DB_MEMO_KEY_LEN) == 0;
    if (hit)
        memcpy(out, s->val, size);
    pthread_mutex_unlock(mu);
    return hit;
}

void db_memo_put(db_conn_t *c, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], const void *val,
                 size_t size)
{
    if (db_in_tx(c))
        return; /* a row read in a transaction may be one it wrote and may roll back */
    db_memo_t *m = c->db->memo;
    size_t i = memo_index(tag, key);
    void *copy = xmalloc(size);
    memcpy(copy, val, size);
    pthread_mutex_t *mu = &m->mu[i % MEMO_STRIPES];
    pthread_mutex_lock(mu);
    memo_slot_t *s = &m->slot[i];
    void *old = s->val;
    *s = (memo_slot_t){.tag = tag, .size = size, .val = copy};
    memcpy(s->key, key, DB_MEMO_KEY_LEN);
    pthread_mutex_unlock(mu);
    free(old);
}
