/*
 * Per-peer packet rate (T05) and amount throughput (T04) limits, kept in a shared counter store
 * so every replica of the connector draws from the same budget.
 *
 * Design: fixed one-second windows. For a peer and the current second s, the counters
 *   "rl:n:<peer>:<s>" (packets) and "rl:a:<peer>:<s>" (amount)
 * are incremented atomically in the store (the in-process table, or Redis INCRBY + EXPIRE via
 * the cache), each expiring after 2 s. A packet that takes the packet count above
 * packets_per_s is rejected T05; one that takes the amount above amount_per_s is rejected T04.
 * A rejected packet's increments are not reverted: a peer flooding past its budget stays
 * limited for the rest of the window. A fixed window admits at most 2x the limit across one
 * window boundary; in exchange each check is one or two atomic increments, which Redis does in
 * one round trip each, with no read-modify-write race between replicas.
 *
 * The store is the stream layer's counter interface (stream/totals.h), which has exactly the
 * operation needed (incr with TTL, saturating). A store error lets the packet through (fail open)
 * and is logged: losing the limiter must not stop payments.
 *
 * Threads: ratelimit_check may be called from any thread at once; it waits only on the store
 * (a mutex, or a Redis round trip).
 */
#ifndef RAFIKI_CONNECTOR_RATELIMIT_H
#define RAFIKI_CONNECTOR_RATELIMIT_H

#include <stdint.h>

#include "ledger/ledger.h"
#include "stream/totals.h"

typedef enum {
    RATELIMIT_OK = 0,
    RATELIMIT_PACKETS = 1, /* T05 Rate Limited */
    RATELIMIT_AMOUNT = 2,  /* T04 Insufficient Liquidity (throughput) */
} ratelimit_result_t;

/* A stable snake_case name for r (logs, metrics). */
const char *ratelimit_result_str(ratelimit_result_t r);

typedef struct {
    uint64_t packets_per_s; /* 0 = no packet limit */
    uint64_t amount_per_s;  /* 0 = no throughput limit */
} ratelimit_limits_t;

/*
 * Counts one packet of amount for peer at wall time now_ms and says whether it is within the
 * limits. Does nothing (RATELIMIT_OK) when both limits are 0.
 */
ratelimit_result_t ratelimit_check(const stream_totals_t *store, ledger_id_t peer,
                                   const ratelimit_limits_t *limits, uint64_t amount,
                                   int64_t now_ms);

#endif
