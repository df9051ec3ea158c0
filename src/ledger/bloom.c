/*
 * Growing blocked Bloom filter of transfer ids. See bloom.h.
 */
#include "ledger/bloom.h"

#include <stdlib.h>

#include "base/assert.h"
#include "base/mem.h"

#define BLOCK_WORDS  8 /* 512 bits, one cache line */
#define BITS_PER_ID  12
#define K            7
#define MIN_CAPACITY 65536
#define MAX_FILTERS  40

typedef struct {
    uint64_t *blocks; /* nblocks * BLOCK_WORDS words */
    size_t nblocks;
    size_t capacity; /* ids it takes before the next filter starts */
    size_t count;
} filter_t;

struct lbloom {
    filter_t f[MAX_FILTERS];
    size_t n;
    size_t count;
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

static void filter_init(filter_t *f, size_t capacity)
{
    f->capacity = capacity;
    f->nblocks = (capacity * BITS_PER_ID + BLOCK_WORDS * 64 - 1) / (BLOCK_WORDS * 64);
    f->blocks = xcalloc(f->nblocks * BLOCK_WORDS, sizeof *f->blocks);
    f->count = 0;
}

/* The block of an id and the K bit positions (9 bits each) in it, from two 64-bit hashes. */
static uint64_t *block_of(const filter_t *f, uint64_t h1)
{
    return f->blocks + (size_t)(h1 % f->nblocks) * BLOCK_WORDS;
}

static void hashes(ledger_id_t id, uint64_t *h1, uint64_t *h2)
{
    *h1 = mix(id.hi ^ mix(id.lo + 0x9E3779B97F4A7C15ull));
    *h2 = mix(*h1 ^ 0xD6E8FEB86659FD93ull);
}

lbloom_t *lbloom_new(size_t expected)
{
    lbloom_t *b = xcalloc(1, sizeof *b);
    filter_init(&b->f[0], expected > MIN_CAPACITY ? expected : MIN_CAPACITY);
    b->n = 1;
    return b;
}

void lbloom_free(lbloom_t *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        free(b->f[i].blocks);
    free(b);
}

void lbloom_add(lbloom_t *b, ledger_id_t id)
{
    filter_t *f = &b->f[b->n - 1];
    if (f->count >= f->capacity) {
        ASSERT(b->n < MAX_FILTERS);
        filter_init(&b->f[b->n], f->capacity * 2);
        f = &b->f[b->n++];
    }
    uint64_t h1, h2;
    hashes(id, &h1, &h2);
    uint64_t *w = block_of(f, h1);
    for (int i = 0; i < K; i++) {
        unsigned bit = (unsigned)(h2 >> (9 * i)) & 511u;
        w[bit >> 6] |= 1ull << (bit & 63);
    }
    f->count++;
    b->count++;
}

bool lbloom_maybe(const lbloom_t *b, ledger_id_t id)
{
    uint64_t h1, h2;
    hashes(id, &h1, &h2);
    uint64_t mask[BLOCK_WORDS] = {0};
    for (int i = 0; i < K; i++) {
        unsigned bit = (unsigned)(h2 >> (9 * i)) & 511u;
        mask[bit >> 6] |= 1ull << (bit & 63);
    }
    for (size_t k = b->n; k-- > 0;) {
        const uint64_t *w = block_of(&b->f[k], h1);
        bool all = true;
        for (int i = 0; i < BLOCK_WORDS && all; i++)
            all = (w[i] & mask[i]) == mask[i];
        if (all)
            return true;
    }
    return false;
}

size_t lbloom_count(const lbloom_t *b)
{
    return b->count;
}

size_t lbloom_bytes(const lbloom_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += b->f[i].nblocks * BLOCK_WORDS * sizeof(uint64_t);
    return n;
}
