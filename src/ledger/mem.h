/*
 * Small helpers shared by the ledger's in-memory structures (internal): growing arrays and the
 * hash of an id for open-addressing maps (core.c, tail.c).
 *
 * Threads: pure functions of their arguments; any thread, never blocking. The arrays they grow
 * belong to the caller, who keeps them to one thread at a time.
 */
#ifndef RAFIKI_LEDGER_MEM_H
#define RAFIKI_LEDGER_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/mem.h"
#include "ledger/types.h"

/* Returns p grown to hold at least need elements of elem bytes (capacity doubling from 64),
 * updating *cap; p itself when it already does. Aborts when out of memory. */
static inline void *lmem_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = xrealloc(p, n * elem);
    *cap = n;
    return q;
}

/* A well-mixed 64-bit hash of an id, for map slots (mask it to the table size). */
static inline uint64_t lmem_id_hash(ledger_id_t id)
{
    uint64_t h = id.hi ^ (id.lo * 0x9E3779B97F4A7C15ull);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return h;
}

#endif
