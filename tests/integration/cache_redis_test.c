/* The cache test bodies of tests/unit/store/cache_cases.h on a real Redis (TEST_REDIS_URL, set
 * by scripts/with-services.sh). */
#include <hiredis/hiredis.h>
#include <stdlib.h>

#include "../unit/store/cache_cases.h"

static const char *redis_url(void)
{
    const char *u = getenv("TEST_REDIS_URL");
    return u && u[0] ? u : NULL;
}

#define REDIS_SKIP                                                                                 \
    do {                                                                                           \
        if (!redis_url())                                                                          \
            cr_skip("TEST_REDIS_URL is not set");                                                  \
    } while (0)

CACHE_CASES(cache_redis, redis_url(), REDIS_SKIP)

/* A Redis URL with a database number selects it: keys in db 1 are not seen from db 0. */
Test(cache_redis, url_selects_database)
{
    REDIS_SKIP;
    char url1[600];
    const char *base = redis_url();
    snprintf(url1, sizeof url1, "%s%s", base, strncmp(base, "unix://", 7) == 0 ? "?db=1" : "/1");
    cache_err_t err = {0};
    cache_t *a = cache_open(base, &err);
    cache_t *b = cache_open(url1, &err);
    cr_assert(a && b, "%s", err.msg);
    char key[64];
    snprintf(key, sizeof key, "dbsel:%016llx", (unsigned long long)rand_u64());
    cr_assert_eq(cache_set(b, key, "1", 1, 10000, &err), CACHE_OK, "%s", err.msg);
    char buf[8];
    size_t len;
    cr_assert_eq(cache_get(a, key, buf, sizeof buf, &len, &err), CACHE_MISS);
    cr_assert_eq(cache_get(b, key, buf, sizeof buf, &len, &err), CACHE_OK);
    cache_close(a);
    cache_close(b);
}

/* Kills every client connection that has selected db (this test's own pool only). */
static void kill_db_clients(const char *sock, int db)
{
    redisContext *admin = redisConnectUnix(sock);
    cr_assert(admin && !admin->err);
    redisReply *list = redisCommand(admin, "CLIENT LIST");
    cr_assert(list && list->type == REDIS_REPLY_STRING);
    char want[16];
    snprintf(want, sizeof want, " db=%d ", db);
    int killed = 0;
    for (char *line = list->str; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (strstr(line, want) && strncmp(line, "id=", 3) == 0) {
            long long id = strtoll(line + 3, NULL, 10);
            freeReplyObject(redisCommand(admin, "CLIENT KILL ID %lld", id));
            killed++;
        }
        line = end ? end + 1 : NULL;
    }
    freeReplyObject(list);
    redisFree(admin);
    cr_assert_gt(killed, 0);
}

/* The server drops the client's connections: the next calls reconnect transparently. */
Test(cache_redis, reconnects_after_server_kills_connections)
{
    REDIS_SKIP;
    const char *base = redis_url();
    if (strncmp(base, "unix://", 7) != 0)
        cr_skip("needs a unix:// TEST_REDIS_URL");
    char url[600];
    snprintf(url, sizeof url, "%s?db=7", base);
    cache_err_t err = {0};
    cache_t *c = cache_open(url, &err);
    cr_assert_not_null(c, "%s", err.msg);
    char key[64], buf[8];
    size_t len;
    snprintf(key, sizeof key, "reconn:%016llx", (unsigned long long)rand_u64());
    for (int i = 0; i < 8; i++) /* touch every pooled connection */
        cr_assert_eq(cache_set(c, key, "v", 1, 10000, &err), CACHE_OK, "%s", err.msg);
    kill_db_clients(base + strlen("unix://"), 7);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(cache_get(c, key, buf, sizeof buf, &len, &err), CACHE_OK, "%d: %s", i,
                     err.msg);
    cache_close(c);
}
