/*
 * Exact bounds of a path's exchange rate and packet sizing from them (see rate_bounds.h).
 * Ratios are compared by cross-multiplication: a 64 x 64-bit product always fits 128 bits.
 */
#include "stream/rate_bounds.h"

#include "base/assert.h"

typedef unsigned __int128 u128;

static uint64_t sat_u64(u128 v)
{
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* a/b < c/d, denominators > 0 */
static bool ratio_less(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return (u128)a * d < (u128)c * b;
}

void stream_rate_bounds_init(stream_rate_bounds_t *b, uint64_t source, uint64_t arrived)
{
    ASSERT(source > 0);
    b->lo_num = arrived;
    b->lo_den = source;
    /* arrived + 1 does not fit: no upper bound is known (callers then send nothing sized by
     * it, rather than guess) */
    b->hi_num = arrived == UINT64_MAX ? 0 : arrived + 1;
    b->hi_den = arrived == UINT64_MAX ? 0 : source;
}

void stream_rate_bounds_update(stream_rate_bounds_t *b, uint64_t source, uint64_t arrived)
{
    if (source == 0)
        return;
    stream_rate_bounds_t p;
    stream_rate_bounds_init(&p, source, arrived);
    bool hi_known = b->hi_den > 0, p_hi_known = p.hi_den > 0;
    /* the reply's upper bound at or below our lower one, or its lower bound at or above our
     * upper one: the rate moved, start again from this reply */
    bool moved = (p_hi_known && !ratio_less(b->lo_num, b->lo_den, p.hi_num, p.hi_den)) ||
                 (hi_known && !ratio_less(p.lo_num, p.lo_den, b->hi_num, b->hi_den));
    if (moved) {
        *b = p;
        return;
    }
    if (ratio_less(b->lo_num, b->lo_den, p.lo_num, p.lo_den)) {
        b->lo_num = p.lo_num;
        b->lo_den = p.lo_den;
    }
    if (p_hi_known && (!hi_known || ratio_less(p.hi_num, p.hi_den, b->hi_num, b->hi_den))) {
        b->hi_num = p.hi_num;
        b->hi_den = p.hi_den;
    }
}

uint64_t stream_rate_dest_low(const stream_rate_bounds_t *b, uint64_t source)
{
    ASSERT(b->lo_den > 0);
    return sat_u64((u128)source * b->lo_num / b->lo_den);
}

uint64_t stream_rate_dest_high(const stream_rate_bounds_t *b, uint64_t source)
{
    if (b->hi_den == 0)
        return UINT64_MAX;
    u128 p = (u128)source * b->hi_num;
    u128 c = p / b->hi_den + (p % b->hi_den != 0);
    return c == 0 ? 0 : sat_u64(c - 1);
}

uint64_t stream_rate_source_max(const stream_rate_bounds_t *b, uint64_t dest)
{
    if (b->hi_den == 0)
        return 0;
    ASSERT(b->hi_num > 0);
    /* (dest + 1) x hi_den < 2^64 x 2^64: fits */
    return sat_u64(((u128)dest + 1) * b->hi_den / b->hi_num);
}
