/*
 * What a STREAM sender knows of its path's exchange rate, and how it sizes packets from it.
 *
 * Every hop rounds down, so a reply saying that `arrived` destination units came of `source`
 * source units only bounds the rate: arrived/source <= rate < (arrived + 1)/source. The bounds
 * are kept as exact ratios of 64-bit integers (products taken in 128 bits), tightened by every
 * authentic reply and reset when a reply falls outside them (the rate moved). Sizing from them:
 *
 *  - a packet of s source units delivers at least floor(s x lo) and at most ceil(s x hi) - 1;
 *  - the most source units that cannot deliver more than d is floor((d + 1) / hi): then
 *    s x rate < s x hi <= d + 1, so floor(s x rate) <= d. A sender that must not deliver more
 *    than d sends no more than that; when it is 0, one source unit may already deliver more than
 *    d (d is below the rate's granularity) and the sender stops short rather than overpay.
 *
 * No floating point; every function is pure and answers saturated values, never overflows.
 *
 * Threads: a rate_bounds_t belongs to one payment's sender; the functions are pure over it.
 */
#ifndef RAFIKI_STREAM_RATE_BOUNDS_H
#define RAFIKI_STREAM_RATE_BOUNDS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    /* lo_num/lo_den <= rate (inclusive); rate < hi_num/hi_den (exclusive); hi_den 0: unknown
     * (no upper bound, when a reply said UINT64_MAX arrived). Denominators of lo are > 0. */
    uint64_t lo_num, lo_den;
    uint64_t hi_num, hi_den;
} stream_rate_bounds_t;

/* Bounds from one reply: arrived destination units for source (> 0) source units. */
void stream_rate_bounds_init(stream_rate_bounds_t *b, uint64_t source, uint64_t arrived);

/* Tightens b with another reply (source 0 is ignored); when the reply contradicts b (the rate
 * changed), b is reset to the reply's bounds. */
void stream_rate_bounds_update(stream_rate_bounds_t *b, uint64_t source, uint64_t arrived);

/* The least source units may deliver: floor(source x lo), saturating at UINT64_MAX. */
uint64_t stream_rate_dest_low(const stream_rate_bounds_t *b, uint64_t source);

/* The most source units may deliver: ceil(source x hi) - 1 (UINT64_MAX when hi is unknown or
 * the product does not fit). */
uint64_t stream_rate_dest_high(const stream_rate_bounds_t *b, uint64_t source);

/* The most source units that cannot deliver more than dest: floor((dest + 1) / hi), saturating
 * at UINT64_MAX; 0 when hi is unknown or one source unit may already deliver more than dest. */
uint64_t stream_rate_source_max(const stream_rate_bounds_t *b, uint64_t dest);

#endif
