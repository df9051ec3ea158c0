/*
 * Tests for src/stream/rate_bounds.c: exact rate bounds from probe replies and the sizing of
 * fixed-delivery packets, with rates that do not terminate in decimal (1111/1000 seen through
 * a small probe, 10/9, 7/3, 3/7). A path here delivers floor(source x num / den), as one
 * converting hop does.
 */
#include <criterion/criterion.h>

#include "stream/rate_bounds.h"

static uint64_t path(uint64_t source, uint64_t num, uint64_t den)
{
    return (uint64_t)((unsigned __int128)source * num / den);
}

/*
 * Pays target through a path of rate num/den, probed with probe_source units, one packet at a
 * time sized by stream_rate_source_max and counted from what arrived, as the sender does.
 * Asserts that no packet takes the total past target; returns what was delivered.
 */
static uint64_t pay(uint64_t num, uint64_t den, uint64_t probe_source, uint64_t target)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, probe_source, path(probe_source, num, den));
    uint64_t delivered = 0;
    for (int packets = 0; delivered < target; packets++) {
        cr_assert_lt(packets, 64, "the payment does not converge");
        uint64_t s = stream_rate_source_max(&b, target - delivered);
        if (s == 0)
            break;
        uint64_t arrived = path(s, num, den);
        cr_assert_leq(arrived, stream_rate_dest_high(&b, s));
        cr_assert_geq(arrived, stream_rate_dest_low(&b, s));
        delivered += arrived;
        cr_assert_leq(delivered, target, "overpaid: %llu of %llu", (unsigned long long)delivered,
                      (unsigned long long)target);
        stream_rate_bounds_update(&b, s, arrived);
    }
    return delivered;
}

/* Issue 18 §3.1: a probe of 100 saw 111 arrive of a rate of 1.111; sizing the packet as
 * ceil(500 x 100 / 111) = 451 delivers 501. */
Test(stream_rate_bounds, small_probe_of_a_non_terminating_rate)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 100, 111);
    cr_assert_eq(path(451, 1111, 1000), 501); /* what the old sizing sent */
    cr_assert_geq(stream_rate_dest_high(&b, 451), 501);
    uint64_t s = stream_rate_source_max(&b, 500);
    cr_assert_eq(s, 447); /* floor(501 x 100 / 112) */
    cr_assert_leq(stream_rate_dest_high(&b, s), 500);
    cr_assert_eq(pay(1111, 1000, 100, 500), 500);
}

Test(stream_rate_bounds, ten_ninths_delivers_exactly)
{
    /* a probe of 10^6 sees 1111111: 451 (the old ceil) would deliver 501 */
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 1000000, 1111111);
    cr_assert_eq(stream_rate_source_max(&b, 500), 450);
    cr_assert_eq(path(450, 10, 9), 500);
    cr_assert_eq(pay(10, 9, 1000000, 500), 500);
    cr_assert_eq(pay(10, 9, 1000, 500), 500);
    cr_assert_eq(pay(10, 9, 7, 123457), 123457);
    cr_assert_eq(pay(1111, 1000, 1000000, 500), 500);
}

/* 7/3: packets deliver 2, 4, 7, 9, ... of 1, 2, 3, 4 units; 499 is the most one large packet
 * and no overpay reach of 500 (215 units deliver 501): the payment stops short by less than one
 * source unit's worth. Amounts the rate meets exactly are delivered exactly. */
Test(stream_rate_bounds, seven_thirds_stops_short_rather_than_overpay)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 1000000, 2333333);
    cr_assert_eq(stream_rate_source_max(&b, 500), 214);
    cr_assert_eq(stream_rate_source_max(&b, 1), 0); /* one unit may deliver 2 */
    uint64_t got = pay(7, 3, 1000000, 500);
    cr_assert_eq(got, 499);
    cr_assert_eq(pay(7, 3, 1000000, 700), 700);
    cr_assert_eq(pay(7, 3, 1000000, 701), 700);
    cr_assert_eq(pay(7, 3, 1000000, 702), 702);
}

Test(stream_rate_bounds, three_sevenths_delivers_exactly)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 1000000, 428571);
    /* 1169 x 3 / 7 = 501 exactly: the upper bound must exclude it */
    cr_assert_eq(stream_rate_source_max(&b, 500), 1168);
    cr_assert_eq(pay(3, 7, 1000000, 500), 500);
    cr_assert_eq(pay(3, 7, 1000000, 1), 1);
    cr_assert_eq(pay(3, 7, 5, 500), 500);
}

Test(stream_rate_bounds, replies_tighten_and_a_moved_rate_resets)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 100, 111);   /* [1.11, 1.12) */
    stream_rate_bounds_update(&b, 447, 496); /* [1.1096, 1.1119): only hi tightens */
    cr_assert_eq(b.lo_num, 111);
    cr_assert_eq(b.lo_den, 100);
    cr_assert_eq(b.hi_num, 497);
    cr_assert_eq(b.hi_den, 447);
    stream_rate_bounds_update(&b, 0, 5); /* ignored */
    cr_assert_eq(b.hi_den, 447);
    stream_rate_bounds_update(&b, 1000, 2000); /* 2.0 >= hi: the rate moved */
    cr_assert_eq(b.lo_num, 2000);
    cr_assert_eq(b.lo_den, 1000);
    cr_assert_eq(b.hi_num, 2001);
    cr_assert_eq(b.hi_den, 1000);
    stream_rate_bounds_update(&b, 10, 5); /* hi 0.6 <= lo: moved down */
    cr_assert_eq(b.lo_num, 5);
    cr_assert_eq(b.hi_num, 6);
}

Test(stream_rate_bounds, extremes_saturate)
{
    stream_rate_bounds_t b;
    stream_rate_bounds_init(&b, 1, UINT64_MAX); /* no upper bound known */
    cr_assert_eq(stream_rate_source_max(&b, UINT64_MAX), 0);
    cr_assert_eq(stream_rate_dest_high(&b, 1), UINT64_MAX);
    cr_assert_eq(stream_rate_dest_low(&b, 2), UINT64_MAX);
    stream_rate_bounds_update(&b, 2, 3); /* a known upper bound replaces the unknown one */
    cr_assert_eq(b.hi_den, 2);
    stream_rate_bounds_init(&b, UINT64_MAX, 0); /* almost nothing arrives */
    cr_assert_eq(stream_rate_source_max(&b, UINT64_MAX), UINT64_MAX);
    cr_assert_eq(stream_rate_dest_high(&b, UINT64_MAX), 0);
    cr_assert_eq(stream_rate_dest_low(&b, UINT64_MAX), 0);
    stream_rate_bounds_init(&b, 3, 1);
    cr_assert_eq(stream_rate_dest_high(&b, 3), 1); /* ceil(3 x 2/3) - 1 */
    cr_assert_eq(stream_rate_dest_high(&b, 0), 0);
}
