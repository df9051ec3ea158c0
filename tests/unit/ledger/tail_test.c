/* The unmerged tail in memory (src/ledger/tail.c) against a plain model: adds, finds, per-bucket
 * prefixes dropped after a merge, sorted bucket keys and the oldest seq left, over random runs
 * that crowd a few buckets (so map deletions shift probe chains and queues wrap). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "ledger/tail.h"

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct {
    ledger_id_t id;
    int64_t seq;
    bool alive;
} model_t;

/* An id in one of 6 buckets, so buckets hold many entries. */
static ledger_id_t crowded_id(uint64_t *s)
{
    uint64_t bucket = 1000 + xs(s) % 6;
    return (ledger_id_t){bucket << 52 | (xs(s) & ((1ull << 52) - 1)), xs(s)};
}

Test(ledger_tail, matches_a_model_over_random_runs)
{
    enum { N = 20000 };
    model_t *m = calloc(N, sizeof *m);
    ltail_key_t *keys = calloc(N, sizeof *keys);
    cr_assert(m && keys);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ull;
        ltail_t *t = ltail_new();
        size_t n = 0, alive = 0;
        for (int step = 0; step < 6000; step++) {
            uint64_t r = xs(&s) % 10;
            if (r < 6 && n < N) { /* add, seq increasing */
                ledger_transfer_t x = {.id = crowded_id(&s), .amount = (uint64_t)n + 1};
                m[n] = (model_t){.id = x.id, .seq = (int64_t)n + 1, .alive = true};
                ltail_add(t, &x, m[n].seq);
                n++;
                alive++;
            } else if (r < 8 && n) { /* find a known one, alive or dropped */
                size_t i = xs(&s) % n;
                int64_t seq = 0;
                ledger_transfer_t *x = ltail_find(t, m[i].id, &seq);
                cr_assert_eq(x != NULL, m[i].alive, "seed %llu entry %zu", (unsigned long long)seed,
                             i);
                if (x) {
                    cr_assert_eq(seq, m[i].seq);
                    cr_assert_eq(x->amount, (uint64_t)i + 1);
                }
            } else if (n) { /* merge a prefix of one bucket: its oldest entries */
                uint32_t b = ltail_bucket_of(m[xs(&s) % n].id);
                size_t have = ltail_bucket_count(t, b), want = 0;
                for (size_t i = 0; i < n; i++)
                    want += m[i].alive && ltail_bucket_of(m[i].id) == b;
                cr_assert_eq(have, want);
                if (!have)
                    continue;
                size_t k = 1 + xs(&s) % have;
                ltail_bucket_sorted(t, b, k, keys);
                for (size_t i = 1; i < k; i++)
                    cr_assert_lt(ledger_id_cmp(keys[i - 1].id, keys[i].id), 0, "not sorted");
                /* the k oldest alive entries of b, by seq */
                size_t taken = 0;
                for (size_t i = 0; i < n && taken < k; i++) {
                    if (!m[i].alive || ltail_bucket_of(m[i].id) != b)
                        continue;
                    bool listed = false;
                    for (size_t j = 0; j < k; j++)
                        listed |= ledger_id_eq(keys[j].id, m[i].id) && keys[j].seq == m[i].seq;
                    cr_assert(listed, "an old entry is missing from the merge");
                    m[i].alive = false;
                    taken++;
                }
                ltail_bucket_drop(t, b, k);
                alive -= k;
            }
            cr_assert_eq(ltail_count(t), alive);
        }
        int64_t oldest = INT64_MAX;
        for (size_t i = 0; i < n; i++)
            if (m[i].alive && m[i].seq < oldest)
                oldest = m[i].seq;
        cr_assert_eq(ltail_min_seq(t, NULL), oldest);
        ltail_clear(t);
        cr_assert_eq(ltail_count(t), 0u);
        cr_assert_eq(ltail_min_seq(t, NULL), INT64_MAX);
        cr_assert_null(ltail_find(t, m[0].id, NULL));
        ltail_free(t);
    }
    free(m);
    free(keys);
}

Test(ledger_tail, oldest_seq_skips_what_a_merge_takes)
{
    ltail_t *t = ltail_new();
    ledger_id_t a = {0x0010000000000000ull, 1}, b = {0x0020000000000000ull, 2};
    ledger_id_t c = {0x0010000000000000ull, 3};
    ledger_transfer_t x = {.id = a};
    ltail_add(t, &x, 5);
    x.id = b;
    ltail_add(t, &x, 6);
    x.id = c;
    ltail_add(t, &x, 7);
    size_t *skip = calloc(LTAIL_BUCKETS, sizeof *skip);
    cr_assert_eq(ltail_min_seq(t, skip), 5);
    skip[ltail_bucket_of(a)] = 1; /* a's bucket merges its first entry (a) */
    cr_assert_eq(ltail_min_seq(t, skip), 6);
    skip[ltail_bucket_of(b)] = 1;
    cr_assert_eq(ltail_min_seq(t, skip), 7);
    skip[ltail_bucket_of(a)] = 2;
    cr_assert_eq(ltail_min_seq(t, skip), INT64_MAX);
    free(skip);
    ltail_free(t);
}
