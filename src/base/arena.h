/*
 * Arena: many small allocations freed together (one per request or per batch). Blocks are
 * chained; arena_reset keeps the first block for reuse.
 * Threads: arenas share nothing; one arena is used by one thread at a time.
 */
#ifndef RAFIKI_BASE_ARENA_H
#define RAFIKI_BASE_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block_t;
typedef struct {
    arena_block_t *head;
    size_t block_size;
} arena_t;

void arena_init(arena_t *a, size_t block_size);
/* 16-byte aligned memory that lives until reset/free; never NULL (out of memory aborts, see
 * mem.h; n above SIZE_MAX / 2 is a programmer error). */
void *arena_alloc(arena_t *a, size_t n);
/* Copy n bytes and add a NUL. */
char *arena_strndup(arena_t *a, const char *s, size_t n);
void arena_reset(arena_t *a);
void arena_free(arena_t *a);

#endif
