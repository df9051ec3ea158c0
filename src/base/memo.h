/*
 * Memo: a small direct-mapped table of copies of values that never change once they exist,
 * keyed by a tag and 16 bytes (an id). A slot holds one value; a new one in a taken slot
 * replaces it, so a lookup may miss for a value put before. The store's memo of committed rows
 * (store/db.h, db_memo_get) is one.
 * Threads: any thread, concurrently (a few striped mutexes); memo_free once nothing uses it.
 */
#ifndef RAFIKI_BASE_MEMO_H
#define RAFIKI_BASE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMO_KEY_LEN 16

typedef struct memo memo_t;

/* A memo of slots slots (at least 1). */
memo_t *memo_new(size_t slots);
void memo_free(memo_t *m);
/* Copies the value of (tag, key) into out when the memo has one of exactly size bytes. */
bool memo_get(memo_t *m, uint32_t tag, const uint8_t key[MEMO_KEY_LEN], void *out, size_t size);
/* Keeps a copy of size bytes at val for (tag, key). */
void memo_put(memo_t *m, uint32_t tag, const uint8_t key[MEMO_KEY_LEN], const void *val,
              size_t size);

#endif
