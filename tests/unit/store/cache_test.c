/* Tests for src/store/cache.c (the in-process driver). The same case bodies run on Redis in
 * tests/integration/cache_redis_test.c. */
#include "cache_cases.h"
#include "store/cache_internal.h"

CACHE_CASES(cache_mem, NULL, (void)0)

Test(cache_mem, many_keys_and_sweep)
{
    cache_err_t err = {0};
    cache_t *c = cache_open(NULL, &err);
    cr_assert_not_null(c);
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cr_assert_eq(cache_set(c, key, key, strlen(key), i % 2 ? 1 : 0, &err), CACHE_OK);
    }
    usleep(20 * 1000);
    char buf[32];
    size_t len;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cache_rc_t rc = cache_get(c, key, buf, sizeof buf, &len, &err);
        cr_assert_eq(rc, i % 2 ? CACHE_MISS : CACHE_OK, "key %d", i);
        if (rc == CACHE_OK)
            cr_assert_eq(memcmp(buf, key, len), 0);
    }
    cache_close(c);
}

/* Fills a cache bounded at 1 MiB with n idempotency-sized entries (~700 B) named e<i>. */
static cache_t *filled(int n, size_t bound)
{
    cache_err_t err = {0};
    cache_opts_t o = {.mem_bytes_max = bound};
    cache_t *c = cache_open_opts(NULL, &o, &err);
    cr_assert_not_null(c);
    char key[32], val[640];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "e%d", i);
        cr_assert_eq(cache_set(c, key, val, sizeof val, 24u * 3600 * 1000, &err), CACHE_OK,
                     "entry %d: %s", i, err.msg);
    }
    return c;
}

static bool present(cache_t *c, int i)
{
    char key[32], buf[1024];
    size_t len;
    snprintf(key, sizeof key, "e%d", i);
    return cache_get(c, key, buf, sizeof buf, &len, NULL) == CACHE_OK;
}

Test(cache_mem, bounded_by_bytes_evicting_the_oldest)
{
    /* 20,000 entries of ~750 B are ~15 MB: a 1 MiB bound must hold and keep the newest. */
    cache_t *c = filled(20000, 1u << 20);
    size_t bytes, entries;
    cache_mem_usage(c, &bytes, &entries);
    cr_assert_leq(bytes, 1u << 20);
    cr_assert(entries > 800 && entries < 1500, "%zu entries in 1 MiB", entries);
    cr_assert(present(c, 19999) && present(c, 19990), "the newest entries were evicted");
    int old_left = 0;
    for (int i = 0; i < 10000; i++)
        old_left += present(c, i);
    cr_assert_eq(old_left, 0, "old entries survive while new ones came in");
    cache_close(c);
}

static int count_present(cache_t *c, int from, int to)
{
    int n = 0;
    for (int i = from; i < to; i++)
        n += present(c, i);
    return n;
}

Test(cache_mem, rewrite_makes_an_entry_young_and_del_returns_bytes)
{
    cache_t *c = filled(100, 1u << 20);
    size_t before, n;
    cache_mem_usage(c, &before, &n);
    cr_assert_eq(n, 100);
    /* 900 more entries (~14 a stripe, the bound holds ~21), then rewrite e0..e49: they are now
     * younger than all of those, and e50..e99 older. */
    cache_err_t err;
    char key[32], val[640] = {0};
    for (int i = 0; i < 900; i++) {
        snprintf(key, sizeof key, "m%d", i);
        cr_assert_eq(cache_set(c, key, val, sizeof val, 0, &err), CACHE_OK);
    }
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "e%d", i);
        cr_assert_eq(cache_set(c, key, val, sizeof val, 0, &err), CACHE_OK);
    }
    /* New keys until half of the first 100 are gone: eviction (oldest first within each of the
     * 64 stripes) must have taken mostly the entries not rewritten. */
    for (int i = 100; count_present(c, 0, 100) > 50; i++) {
        snprintf(key, sizeof key, "e%d", i);
        cr_assert_eq(cache_set(c, key, val, sizeof val, 0, &err), CACHE_OK);
    }
    int young = count_present(c, 0, 50), old = count_present(c, 50, 100);
    cr_assert_gt(young, old + 20, "rewritten %d kept, untouched %d kept", young, old);
    size_t full;
    cache_mem_usage(c, &full, &n);
    cr_assert_eq(cache_set(c, "e0", val, sizeof val, 0, &err), CACHE_OK);
    cr_assert_eq(cache_del(c, "e0", &err), CACHE_OK);
    size_t after;
    cache_mem_usage(c, &after, &n);
    cr_assert_lt(after, full, "a deleted entry's bytes are not returned to the budget");
    cache_close(c);
}

Test(cache_mem, value_larger_than_a_stripe_is_refused)
{
    cache_err_t err = {0};
    cache_opts_t o = {.mem_bytes_max = 64u * 1024u}; /* 1 KiB a stripe */
    cache_t *c = cache_open_opts(NULL, &o, &err);
    char big[2048] = {0};
    cr_assert_eq(cache_set(c, "big", big, sizeof big, 0, &err), CACHE_NOMEM);
    cr_assert_eq(cache_get(c, "big", big, sizeof big, NULL, &err), CACHE_MISS);
    cr_assert_eq(cache_set(c, "small", big, 10, 0, &err), CACHE_OK);
    cr_assert_eq(cache_set(c, "small", big, sizeof big, 0, &err), CACHE_NOMEM);
    size_t len = 0;
    cr_assert_eq(cache_get(c, "small", big, sizeof big, &len, &err), CACHE_OK);
    cr_assert_eq(len, 10, "a refused rewrite keeps the old value");
    cache_close(c);
}

Test(cache_open, bad_redis_urls)
{
    cache_err_t err = {0};
    cr_assert_null(cache_open("http://x", &err));
    cr_assert_eq(err.code, CACHE_INVALID);
    cr_assert_null(cache_open("redis://", &err));
    cr_assert_eq(err.code, CACHE_INVALID);
    cr_assert_null(cache_open("redis://host:notaport", &err));
    cr_assert_eq(err.code, CACHE_INVALID);
    cr_assert_null(cache_open("unix:///nonexistent/redis.sock", &err));
    cr_assert_eq(err.code, CACHE_CONN, "%s", err.msg);
}

Test(cache_rc, every_result_has_a_name)
{
    for (int rc = CACHE_NOMEM; rc <= CACHE_EXISTS; rc++)
        cr_expect_str_neq(cache_rc_str((cache_rc_t)rc), "unknown", "result %d", rc);
    cr_expect_str_eq(cache_rc_str(CACHE_TOO_BIG), "value larger than buffer");
    cr_expect_str_eq(cache_rc_str((cache_rc_t)42), "unknown");
    cache_err_t err = {0};
    cr_expect_eq(cache_fail(&err, CACHE_CONN, "lost %s", "redis"), CACHE_CONN);
    cr_expect_eq(err.code, CACHE_CONN);
    cr_expect_str_eq(err.msg, "lost redis");
    cr_expect_eq(cache_fail(NULL, CACHE_ERROR, "nothing"), CACHE_ERROR);
}
