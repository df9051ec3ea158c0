/* payments/keyset.c (creation-order pages in memory), payments/assets.c (Rafiki's asset model:
 * thresholds, soft delete refused while in use, pages), payments/settlement.c (deposits and
 * withdrawals with Rafiki's transfer errors) and the peer questions of connector/peers.c the
 * GraphQL face asks, on SQLite with the real ledger. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "assets_cases.h"
#include "payments/keyset.h"

/* keys 1..5 created at times 10,20,20,30,40 (ids 1..5): ascending order is 1,2,3,4,5 */
static void keys5(pay_key_t *k)
{
    int64_t t[] = {10, 20, 20, 30, 40};
    for (int i = 0; i < 5; i++)
        k[i] = (pay_key_t){t[i], ac_id((uint64_t)i + 1)};
}

static void expect_ids(const pay_key_t *k, const size_t *pos, size_t n, const char *want)
{
    char got[64] = "";
    size_t at = 0;
    for (size_t i = 0; i < n && at < sizeof got; i++) {
        int w = snprintf(got + at, sizeof got - at, "%s%llu", i ? "," : "",
                         (unsigned long long)k[pos[i]].id.lo);
        at += w > 0 ? (size_t)w : 0;
    }
    cr_expect_str_eq(got, want);
}

Test(keyset, windows_in_four_directions)
{
    pay_key_t k[5];
    keys5(k);
    size_t pos[8], n;
    pay_keyset_t q = {.asc = true, .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "1,2");
    q = (pay_keyset_t){.asc = true, .has_cursor = true, .cursor = ac_id(2), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "3,4");
    q = (pay_keyset_t){.asc = false, .limit = 3};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "5,4,3");
    q = (pay_keyset_t){.asc = false, .has_cursor = true, .cursor = ac_id(3), .limit = 5};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "2,1");
    q = (pay_keyset_t){
        .asc = true, .backward = true, .has_cursor = true, .cursor = ac_id(4), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "2,3");
    q = (pay_keyset_t){
        .asc = false, .backward = true, .has_cursor = true, .cursor = ac_id(2), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    expect_ids(k, pos, n, "4,3");
    q = (pay_keyset_t){.asc = true, .has_cursor = true, .cursor = ac_id(99), .limit = 2};
    pay_keyset_window(k, 5, &q, pos, &n);
    cr_expect_eq(n, 0, "a cursor no row has: an empty page");
}

Test(keyset, sort_by_time_then_id)
{
    pay_key_t k[3] = {{30, ac_id(1)}, {10, ac_id(9)}, {10, ac_id(2)}};
    size_t idx[3] = {0, 1, 2};
    pay_keys_sort(k, idx, 3);
    cr_expect_eq(idx[0], 2);
    cr_expect_eq(idx[1], 1);
    cr_expect_eq(idx[2], 0);
}

ASSETS_CASES(assets_sqlite, "sqlite:", (void)0)
