/*
 * A growing Bloom filter of transfer ids (internal). The SQLite batcher asks it before probing
 * the id index: "no" means the id is certainly not stored, so only the few "maybe" ids cost an
 * index search. It never forgets an id, so it has no false negatives; about 1% of absent ids
 * answer "maybe".
 *
 * Layout: blocked (each id sets LEDGER_BLOOM_K bits of one 64-byte block, one cache line), about
 * 12 bits per id. When the newest filter holds its capacity a new one of twice the capacity is
 * added, so memory stays ~1.5 bytes per id, and a lookup reads one cache line per filter (a
 * handful for any realistic ledger: capacities double).
 *
 * Threads: a filter is not synchronised. The ledger's filter-building thread fills a new one
 * alone, then hands it over under the ledger mutex; after that only the batcher (holding that
 * mutex) adds to it and asks it. Nothing here blocks or touches the database.
 */
#ifndef RAFIKI_LEDGER_BLOOM_H
#define RAFIKI_LEDGER_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/types.h"

typedef struct lbloom lbloom_t;

/* A filter for about `expected` ids before it first grows (at least a minimum size). */
lbloom_t *lbloom_new(size_t expected);
void lbloom_free(lbloom_t *b);
void lbloom_add(lbloom_t *b, ledger_id_t id);
/* false: id was never added. true: it may have been. */
bool lbloom_maybe(const lbloom_t *b, ledger_id_t id);
/* Ids added and bytes held, for tests and logs. */
size_t lbloom_count(const lbloom_t *b);
size_t lbloom_bytes(const lbloom_t *b);

#endif
