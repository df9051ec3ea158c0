/* The batcher's Bloom filter of transfer ids (src/ledger/bloom.c): never a false negative, even
 * across growth, and few false positives. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "ledger/bloom.h"

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static ledger_id_t rand_id(uint64_t *s)
{
    return (ledger_id_t){xs(s), xs(s)};
}

Test(ledger_bloom, no_false_negatives_across_growth_and_few_false_positives)
{
    lbloom_t *b = lbloom_new(1000); /* grows several times below */
    uint64_t seed = 0x1234567u;
    const size_t n = 600000;
    for (size_t i = 0; i < n; i++)
        lbloom_add(b, rand_id(&seed));
    cr_assert_eq(lbloom_count(b), n);
    seed = 0x1234567u;
    for (size_t i = 0; i < n; i++)
        cr_assert(lbloom_maybe(b, rand_id(&seed)), "added id %zu reported absent", i);
    /* ids never added: mostly "no" */
    uint64_t other = 0xabcdefu;
    size_t fp = 0;
    const size_t probes = 200000;
    for (size_t i = 0; i < probes; i++)
        fp += lbloom_maybe(b, rand_id(&other));
    cr_assert_lt(fp, probes / 20, "false positive rate %zu/%zu", fp, probes);
    /* about 12 bits per id (growth doubles, so up to ~2x that) */
    cr_assert_lt(lbloom_bytes(b), n * 4);
    lbloom_free(b);
}

Test(ledger_bloom, sequential_and_structured_ids)
{
    lbloom_t *b = lbloom_new(0);
    for (uint64_t i = 1; i <= 100000; i++)
        lbloom_add(b, (ledger_id_t){0, i});
    for (uint64_t i = 1; i <= 100000; i++)
        cr_assert(lbloom_maybe(b, (ledger_id_t){0, i}));
    size_t fp = 0;
    for (uint64_t i = 1; i <= 100000; i++)
        fp += lbloom_maybe(b, (ledger_id_t){i, 0});
    cr_assert_lt(fp, 5000u, "false positives %zu", fp);
    cr_assert(!lbloom_maybe(b, (ledger_id_t){0, 0}) || fp > 0);
    lbloom_free(b);
}
