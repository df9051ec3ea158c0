/* Tests for src/connector/ratelimit.c over the in-process counter store. */
#include <criterion/criterion.h>

#include "connector/ratelimit.h"

Test(ratelimit, packets_per_second_then_next_window)
{
    stream_totals_mem_t *m = stream_totals_mem_new(1024);
    stream_totals_t store = stream_totals_mem(m);
    ledger_id_t peer = {1, 2};
    ratelimit_limits_t lim = {.packets_per_s = 3};
    int64_t t = 1700000000123;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ratelimit_check(&store, peer, &lim, 10, t), RATELIMIT_OK);
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 10, t + 500), RATELIMIT_PACKETS);
    cr_assert_eq(ratelimit_check(&store, (ledger_id_t){1, 3}, &lim, 10, t), RATELIMIT_OK,
                 "other peers have their own budget");
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 10, t + 1000), RATELIMIT_OK);
    stream_totals_mem_free(m);
}

Test(ratelimit, throughput_per_second)
{
    stream_totals_mem_t *m = stream_totals_mem_new(1024);
    stream_totals_t store = stream_totals_mem(m);
    ledger_id_t peer = {5, 5};
    ratelimit_limits_t lim = {.amount_per_s = 100};
    int64_t t = 1700000000000;
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 60, t), RATELIMIT_OK);
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 40, t), RATELIMIT_OK);
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 1, t), RATELIMIT_AMOUNT);
    cr_assert_eq(ratelimit_check(&store, peer, &lim, 0, t), RATELIMIT_OK, "zero amount is free");
    ratelimit_limits_t none = {0};
    cr_assert_eq(ratelimit_check(&store, peer, &none, 1000000, t), RATELIMIT_OK);
    stream_totals_mem_free(m);
}

Test(ratelimit, result_names_are_stable)
{
    cr_assert_str_eq(ratelimit_result_str(RATELIMIT_OK), "ok");
    cr_assert_str_eq(ratelimit_result_str(RATELIMIT_PACKETS), "packets");
    cr_assert_str_eq(ratelimit_result_str(RATELIMIT_AMOUNT), "amount");
    cr_assert_str_eq(ratelimit_result_str((ratelimit_result_t)99), "unknown");
}
