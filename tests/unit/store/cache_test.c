/* Tests for src/store/cache.c (the in-process driver). The same case bodies run on Redis in
 * tests/integration/cache_redis_test.c. */
#include "cache_cases.h"

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
