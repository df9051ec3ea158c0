/*
 * Cache test bodies shared by the in-process unit tests (tests/unit/store/cache_test.c) and the
 * Redis integration tests (tests/integration/cache_redis_test.c). url NULL = in-process. Keys
 * get a random prefix so runs against one Redis server never see each other's keys.
 */
#ifndef RAFIKI_TESTS_STORE_CACHE_CASES_H
#define RAFIKI_TESTS_STORE_CACHE_CASES_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/rand.h"
#include "store/cache.h"

typedef struct {
    cache_t *c;
    char prefix[32];
} cc_t;

static cc_t cc_open(const char *url)
{
    cc_t t;
    cache_err_t err = {0};
    t.c = cache_open(url, &err);
    cr_assert_not_null(t.c, "%s", err.msg);
    cr_assert_eq(cache_is_remote(t.c), url != NULL);
    snprintf(t.prefix, sizeof t.prefix, "t%016llx:", (unsigned long long)rand_u64());
    return t;
}

static const char *cc_key(const cc_t *t, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s", t->prefix, name);
    return buf;
}

static void case_cache_basic(const char *url)
{
    cc_t t = cc_open(url);
    char k[128], buf[64];
    size_t len = 0;
    cache_err_t err = {0};
    const char *key = cc_key(&t, "a", k, sizeof k);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_MISS);
    const uint8_t val[] = {'h', 0, 'i', 0xff};
    cr_assert_eq(cache_set(t.c, key, val, sizeof val, 0, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(len, sizeof val);
    cr_assert_arr_eq(buf, val, sizeof val);
    cr_assert_eq(cache_get(t.c, key, buf, 2, &len, &err), CACHE_TOO_BIG);
    cr_assert_eq(len, sizeof val);
    cr_assert_eq(cache_set(t.c, key, "xy", 2, 0, &err), CACHE_OK, "replaces");
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(buf, "xy", 2), 0);
    cr_assert_eq(cache_set(t.c, cc_key(&t, "empty", k, sizeof k), "", 0, 0, &err), CACHE_OK);
    cr_assert_eq(cache_get(t.c, k, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(len, 0);
    key = cc_key(&t, "a", k, sizeof k);
    cr_assert_eq(cache_del(t.c, key, &err), CACHE_OK);
    cr_assert_eq(cache_del(t.c, key, &err), CACHE_MISS);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_MISS);
    cr_assert_eq(cache_get(t.c, "", buf, sizeof buf, &len, &err), CACHE_INVALID);
    char longkey[CACHE_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    cr_assert_eq(cache_set(t.c, longkey, "v", 1, 0, &err), CACHE_INVALID);
    cache_close(t.c);
}

static void case_cache_ttl(const char *url)
{
    cc_t t = cc_open(url);
    char k[128], buf[16];
    size_t len;
    cache_err_t err = {0};
    const char *key = cc_key(&t, "ttl", k, sizeof k);
    cr_assert_eq(cache_set(t.c, key, "v", 1, 300, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(cache_set_nx(t.c, key, "w", 1, 300, &err), CACHE_EXISTS);
    usleep(600 * 1000);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_MISS, "expired");
    cr_assert_eq(cache_set_nx(t.c, key, "w", 1, 0, &err), CACHE_OK, "absent after expiry");
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(buf[0], 'w');
    cache_close(t.c);
}

static void case_cache_setnx(const char *url)
{
    cc_t t = cc_open(url);
    char k[128], buf[16];
    size_t len;
    cache_err_t err = {0};
    const char *key = cc_key(&t, "nx", k, sizeof k);
    cr_assert_eq(cache_set_nx(t.c, key, "first", 5, 60000, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(cache_set_nx(t.c, key, "second", 6, 60000, &err), CACHE_EXISTS);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(buf, "first", 5), 0);
    cache_close(t.c);
}

static void case_cache_incr(const char *url)
{
    cc_t t = cc_open(url);
    char k[128], buf[32];
    size_t len;
    int64_t v = 0;
    cache_err_t err = {0};
    const char *key = cc_key(&t, "n", k, sizeof k);
    cr_assert_eq(cache_incr(t.c, key, 5, 0, &v, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(v, 5);
    cr_assert_eq(cache_incr(t.c, key, -8, 0, &v, &err), CACHE_OK);
    cr_assert_eq(v, -3);
    cr_assert_eq(cache_get(t.c, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(buf, "-3", 2), 0, "stored as decimal text on both drivers");

    /* TTL applies when the key is created by incr, and then it starts again from zero */
    key = cc_key(&t, "ttl", k, sizeof k);
    cr_assert_eq(cache_incr(t.c, key, 10, 300, &v, &err), CACHE_OK, "%s", err.msg);
    cr_assert_eq(cache_incr(t.c, key, 1, 100000, &v, &err), CACHE_OK);
    cr_assert_eq(v, 11);
    usleep(600 * 1000);
    cr_assert_eq(cache_incr(t.c, key, 1, 0, &v, &err), CACHE_OK);
    cr_assert_eq(v, 1, "the first expiry was kept, not replaced by the second call's");

    /* an existing key without expiry does not get one from incr */
    key = cc_key(&t, "keep", k, sizeof k);
    cr_assert_eq(cache_set(t.c, key, "5", 1, 0, &err), CACHE_OK);
    cr_assert_eq(cache_incr(t.c, key, 1, 50, &v, &err), CACHE_OK);
    usleep(120 * 1000);
    cr_assert_eq(cache_incr(t.c, key, 1, 0, &v, &err), CACHE_OK);
    cr_assert_eq(v, 7);

    key = cc_key(&t, "text", k, sizeof k);
    cr_assert_eq(cache_set(t.c, key, "abc", 3, 0, &err), CACHE_OK);
    cr_assert_eq(cache_incr(t.c, key, 1, 0, &v, &err), CACHE_NOT_INT);
    cr_assert_eq(err.code, CACHE_NOT_INT);
    key = cc_key(&t, "max", k, sizeof k);
    cr_assert_eq(cache_set(t.c, key, "9223372036854775807", 19, 0, &err), CACHE_OK);
    cr_assert_eq(cache_incr(t.c, key, 1, 0, &v, &err), CACHE_NOT_INT, "overflow");
    cr_assert_eq(cache_incr(t.c, key, -1, 0, &v, &err), CACHE_OK);
    cr_assert_eq(v, INT64_MAX - 1);
    cache_close(t.c);
}

typedef struct {
    cache_t *c;
    const char *counter, *lock;
    int won;
} cc_worker_t;

static void *cc_worker(void *arg)
{
    cc_worker_t *w = arg;
    cache_err_t err;
    for (int i = 0; i < 500; i++)
        if (cache_incr(w->c, w->counter, 1, 0, NULL, &err) != CACHE_OK)
            return NULL;
    w->won = cache_set_nx(w->c, w->lock, "me", 2, 60000, &err) == CACHE_OK;
    return NULL;
}

/* Concurrent increments are all counted; exactly one of racing set_nx calls wins. */
static void case_cache_threads(const char *url)
{
    cc_t t = cc_open(url);
    char kc[128], kl[128];
    cc_worker_t ws[8];
    pthread_t th[8];
    cc_key(&t, "count", kc, sizeof kc);
    cc_key(&t, "lock", kl, sizeof kl);
    for (int i = 0; i < 8; i++) {
        ws[i] = (cc_worker_t){.c = t.c, .counter = kc, .lock = kl};
        pthread_create(&th[i], NULL, cc_worker, &ws[i]);
    }
    int won = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        won += ws[i].won;
    }
    cr_assert_eq(won, 1);
    int64_t v = 0;
    cache_err_t err;
    cr_assert_eq(cache_incr(t.c, kc, 0, 0, &v, &err), CACHE_OK);
    cr_assert_eq(v, 8 * 500, "v=%lld", (long long)v);
    cache_close(t.c);
}

#define CACHE_CASES(suite, url_expr, skip_stmt)                                                    \
    Test(suite, get_set_del)                                                                       \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_cache_basic(url_expr);                                                                \
    }                                                                                              \
    Test(suite, ttl_expiry)                                                                        \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_cache_ttl(url_expr);                                                                  \
    }                                                                                              \
    Test(suite, set_if_absent)                                                                     \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_cache_setnx(url_expr);                                                                \
    }                                                                                              \
    Test(suite, incr_decr)                                                                         \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_cache_incr(url_expr);                                                                 \
    }                                                                                              \
    Test(suite, threads)                                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_cache_threads(url_expr);                                                              \
    }

#endif
