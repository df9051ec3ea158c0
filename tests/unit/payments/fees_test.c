/* src/payments/fees.c: fee rounding, the fixed-debit fee, slippage, rates and the settings. */
#include <criterion/criterion.h>

#include <string.h>

#include "payments/fees.h"

#define S(lit) lit, sizeof(lit) - 1

Test(fees, fee_is_fixed_plus_ceil_of_basis_points)
{
    fees_t f = {.fixed = 50, .basis_points = 30};
    uint64_t fee, debit;
    cr_assert_eq(fees_for_send(&f, 10000, &fee), FEES_OK);
    cr_expect_eq(fee, 80, "50 + 0.30 %% of 10000 = 80, got %llu", (unsigned long long)fee);
    cr_assert_eq(fees_for_send(&f, 1, &fee), FEES_OK);
    cr_expect_eq(fee, 51, "a fraction of a unit is charged as a whole unit");
    cr_assert_eq(fees_for_send(&f, 0, &fee), FEES_OK);
    cr_expect_eq(fee, 50);
    cr_assert_eq(fees_debit_for_send(&f, 10000, &debit, &fee), FEES_OK);
    cr_expect_eq(debit, 10080);
    fees_t none = {0, 0};
    cr_assert_eq(fees_debit_for_send(&none, UINT64_MAX, &debit, &fee), FEES_OK);
    cr_expect_eq(debit, UINT64_MAX);
    cr_expect_eq(fee, 0);
}

Test(fees, overflow_is_reported)
{
    fees_t f = {.fixed = 1, .basis_points = 0};
    uint64_t fee, debit;
    cr_expect_eq(fees_debit_for_send(&f, UINT64_MAX, &debit, &fee), FEES_OVERFLOW);
    fees_t g = {.fixed = UINT64_MAX, .basis_points = 1};
    cr_expect_eq(fees_for_send(&g, 10000, &fee), FEES_OVERFLOW);
    fees_t all = {.fixed = 0, .basis_points = FEES_BPS_MAX};
    cr_expect_eq(fees_debit_for_send(&all, UINT64_MAX / 2 + 1, &debit, &fee), FEES_OVERFLOW);
    cr_expect_eq(fees_debit_for_send(&all, UINT64_MAX / 2, &debit, &fee), FEES_OK);
    cr_expect_eq(debit, UINT64_MAX - 1);
}

Test(fees, fixed_debit_charges_the_fee_on_the_debit_as_rafiki)
{
    fees_t f = {.fixed = 50, .basis_points = 30};
    uint64_t send, fee;
    cr_assert_eq(fees_send_for_debit(&f, 10080, &send, &fee), FEES_OK);
    cr_expect_eq(fee, 81, "50 + ceil(0.30 %% of 10080)");
    cr_expect_eq(send, 9999);
    /* the definition for small debits and a few fee shapes: fee on the debit, the rest sent */
    const fees_t shapes[] = {{0, 0}, {3, 0}, {0, 1}, {7, 333}, {1, 9999}, {0, 10000}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        for (uint64_t d = 0; d < 3000; d++) {
            fees_result_t r = fees_send_for_debit(&shapes[k], d, &send, &fee);
            uint64_t want = shapes[k].fixed + (d * shapes[k].basis_points + 9999) / 10000;
            if (want >= d) {
                cr_assert_eq(r, FEES_AMOUNT_TOO_LOW, "shape %zu debit %llu", k,
                             (unsigned long long)d);
                continue;
            }
            cr_assert_eq(r, FEES_OK);
            cr_assert_eq(fee, want, "shape %zu debit %llu", k, (unsigned long long)d);
            cr_assert_eq(send + fee, d, "nothing left over");
        }
    }
    fees_t none = {0, 0};
    cr_assert_eq(fees_send_for_debit(&none, UINT64_MAX, &send, &fee), FEES_OK);
    cr_expect_eq(send, UINT64_MAX, "no fee: everything is sent, no overflow on the way");
    fees_t huge = {.fixed = UINT64_MAX, .basis_points = 1};
    cr_expect_eq(fees_send_for_debit(&huge, 10, &send, &fee), FEES_AMOUNT_TOO_LOW);
}

/* Rafiki's quote/service.test.ts, "fees - fixed delivery": an incoming amount of 1000 in the
 * wallet's asset, and the debit amount each sending fee makes of it. */
Test(fees, rafiki_fixed_delivery_cases)
{
    static const struct {
        uint64_t fixed;
        uint32_t bps;
        uint64_t debit;
    } cases[] = {{0, 0, 1000}, {150, 0, 1150}, {0, 200, 1020}, {150, 200, 1170}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fees_t f = {.fixed = cases[i].fixed, .basis_points = cases[i].bps};
        uint64_t debit, fee;
        cr_assert_eq(fees_debit_for_send(&f, 1000, &debit, &fee), FEES_OK);
        cr_expect_eq(debit, cases[i].debit, "case %zu: %llu", i, (unsigned long long)debit);
    }
}

/* Rafiki's quote/service.test.ts, "fees - fixed send with cross-currency": a debit of 200, the
 * sending fee charged on it, the rest converted (floor) at the exchange rate. */
Test(fees, rafiki_fixed_send_cases)
{
    static const struct {
        uint64_t fixed;
        uint32_t bps;
        uint64_t num, den; /* exchange rate */
        uint64_t receive;
    } cases[] = {
        {0, 0, 1, 2, 100},  {0, 0, 1, 1, 200},   {20, 0, 1, 2, 90},        {101, 0, 1, 1, 99},
        {0, 200, 1, 2, 98}, {20, 200, 1, 2, 88}, {20, 200, 455, 1000, 80},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fees_t f = {.fixed = cases[i].fixed, .basis_points = cases[i].bps};
        uint64_t send, fee, receive;
        cr_assert_eq(fees_send_for_debit(&f, 200, &send, &fee), FEES_OK);
        cr_expect_eq(send + fee, 200);
        cr_assert_eq(fees_convert_floor(send, cases[i].num, cases[i].den, &receive), FEES_OK);
        cr_expect_eq(receive, cases[i].receive, "case %zu: %llu", i, (unsigned long long)receive);
    }
}

Test(fees, slippage_floors_what_must_arrive)
{
    cr_expect_eq(fees_min_delivered(1000, 10000), 990);
    cr_expect_eq(fees_min_delivered(999, 10000), 989, "989.01 floors to 989");
    cr_expect_eq(fees_min_delivered(UINT64_MAX, 0), UINT64_MAX);
    cr_expect_eq(fees_min_delivered(UINT64_MAX, FEES_PPM_DENOM), 0);
}

Test(fees, rates_floor_forward_and_ceil_back)
{
    uint64_t out;
    cr_assert_eq(fees_convert_floor(1000, 9, 10, &out), FEES_OK);
    cr_expect_eq(out, 900);
    cr_assert_eq(fees_convert_floor(7, 1, 3, &out), FEES_OK);
    cr_expect_eq(out, 2);
    cr_expect_eq(fees_convert_floor(UINT64_MAX, 2, 1, &out), FEES_OVERFLOW);
    cr_expect_eq(fees_convert_floor(1, 1, 0, &out), FEES_AMOUNT_ZERO);
    cr_assert_eq(fees_convert_ceil_inverse(2, 1, 3, &out), FEES_OK);
    cr_expect_eq(out, 6, "6 source units floor to 2");
    cr_assert_eq(fees_convert_ceil_inverse(900, 9, 10, &out), FEES_OK);
    cr_expect_eq(out, 1000);
    cr_expect_eq(fees_convert_ceil_inverse(UINT64_MAX, 1, 2, &out), FEES_OVERFLOW);
    for (uint64_t dest = 0; dest < 500; dest++) {
        cr_assert_eq(fees_convert_ceil_inverse(dest, 7, 11, &out), FEES_OK);
        uint64_t back, less;
        fees_convert_floor(out, 7, 11, &back);
        cr_assert_geq(back, dest);
        if (out > 0) {
            fees_convert_floor(out - 1, 7, 11, &less);
            cr_assert_lt(less, dest, "the inverse is the least source amount");
        }
    }
}

Test(fees, ppm_parser)
{
    uint32_t ppm;
    cr_assert_eq(fees_parse_ppm(S("0.01"), &ppm), 0);
    cr_expect_eq(ppm, 10000);
    cr_assert_eq(fees_parse_ppm(S("0"), &ppm), 0);
    cr_expect_eq(ppm, 0);
    cr_assert_eq(fees_parse_ppm(S("1"), &ppm), 0);
    cr_expect_eq(ppm, 1000000);
    cr_assert_eq(fees_parse_ppm(S("1.000000"), &ppm), 0);
    cr_assert_eq(fees_parse_ppm(S("0.000001"), &ppm), 0);
    cr_expect_eq(ppm, 1);
    const char *bad[] = {"",     "0.",   ".5",  "1.5",  "2",       "0.0000001",
                         "-0.1", "00.1", "0,1", "0.1x", "1.000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(fees_parse_ppm(bad[i], strlen(bad[i]), &ppm), -1, "'%s'", bad[i]);
    cr_expect_eq(fees_parse_ppm("0.5", 1, &ppm), 0, "reads only n bytes");
    cr_expect_eq(ppm, 0);
}

Test(fees, table_parser)
{
    fees_table_t t;
    cr_assert_eq(fees_table_parse(S("USD:50:30,EUR:0:25"), &t), 0);
    cr_assert_eq(t.n, 2);
    fees_t f = fees_table_get(&t, "EUR");
    cr_expect_eq(f.fixed, 0);
    cr_expect_eq(f.basis_points, 25);
    f = fees_table_get(&t, "USD");
    cr_expect_eq(f.fixed, 50);
    f = fees_table_get(&t, "XRP");
    cr_expect(f.fixed == 0 && f.basis_points == 0, "an asset without fees is free");
    cr_assert_eq(fees_table_parse("", 0, &t), 0);
    cr_expect_eq(t.n, 0);
    const char *bad[] = {"USD",
                         "USD:1",
                         "USD:1:10001",
                         "USD:-1:0",
                         "USD:01:0",
                         ":1:1",
                         "USD:1:1,",
                         "USD:1:1,USD:2:2",
                         "U-D:1:1",
                         "USD:1:1:1",
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456:1:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(fees_table_parse(bad[i], strlen(bad[i]), &t), -1, "'%s'", bad[i]);
}
