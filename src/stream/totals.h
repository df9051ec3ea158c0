/*
 * Running per-connection totals for STREAM receipts. The stateless receiver stores nothing per
 * connection except these counters, behind a small interface so the in-process table below and
 * a cache (connector_counters_cache: INCRBY with a TTL, Redis when configured) are
 * interchangeable. The connector's rate limits count in the same store.
 *
 * Keys are short ASCII strings (the receiver's come from stream_receiver_totals_key). Every
 * entry expires ttl_s seconds after its last increment.
 *
 * Threads: an implementation's get and incr may be called from any thread at once (HTTP
 * handler threads, the ledger batcher, the HTTP client thread). They may block briefly (a
 * mutex, or a round trip to Redis) but never wait on the ledger or the connector, so a call
 * from a ledger callback cannot deadlock. new/free must not run concurrently with anything.
 */
#ifndef RAFIKI_STREAM_TOTALS_H
#define RAFIKI_STREAM_TOTALS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    void *ctx;
    /* Current total, 0 when absent or expired. Returns 0 or -1 when the store failed. */
    int (*get)(void *ctx, const char *key, uint64_t *total);
    /*
     * Add delta (negative to revert) to key's total, refresh its expiry, set *total to the new
     * value. A total never goes below 0 or above UINT64_MAX (it saturates). Returns 0 or -1.
     */
    int (*incr)(void *ctx, const char *key, int64_t delta, uint32_t ttl_s, uint64_t *total);
} stream_totals_t;

/* The in-process implementation: a mutex-protected open hash table with lazy expiry. */
typedef struct stream_totals_mem stream_totals_mem_t;

/* Never NULL (out of memory aborts, base/mem.h). max_entries bounds memory: when full, expired
 * entries are swept, and if none are expired incr fails (-1) rather than growing. */
stream_totals_mem_t *stream_totals_mem_new(size_t max_entries);
void stream_totals_mem_free(stream_totals_mem_t *m);
stream_totals_t stream_totals_mem(stream_totals_mem_t *m);
/* Number of live entries (tests). */
size_t stream_totals_mem_count(stream_totals_mem_t *m);

#endif
