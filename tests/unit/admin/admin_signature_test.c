/* Tests for src/admin/admin_signature.c. Expected signatures are computed here with OpenSSL's
 * HMAC over canonical text written by hand, not with the code under test. */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admin/admin_signature.h"

#define SECRET "test-secret-of-some-length"
#define NOW    1765100000000LL /* ms */

static cache_t *cache;
static admin_sig_config_t cfg;

static void setup(void)
{
    cache = cache_open(NULL, NULL);
    cr_assert_not_null(cache);
    cfg = (admin_sig_config_t){.cache = cache, .version = 1, .ttl_s = 30};
}

static void teardown(void)
{
    cache_close(cache);
}

TestSuite(admin_signature, .init = setup, .fini = teardown);

/* "t=<t>, v<version>=<hex HMAC-SHA256(secret, "<t>.<canonical>")>" */
static const char *sign(const char *secret, long long t, unsigned version, const char *canonical)
{
    static char header[256];
    char payload[1024];
    snprintf(payload, sizeof payload, "%lld.%s", t, canonical);
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)payload, strlen(payload),
         mac, &n);
    cr_assert_eq(n, 32u);
    int off = snprintf(header, sizeof header, "t=%lld, v%u=", t, version);
    for (unsigned i = 0; i < n; i++)
        off += snprintf(header + off, sizeof header - (size_t)off, "%02x", mac[i]);
    return header;
}

static admin_sig_result_t check_at(const char *header, const char *body, long long now)
{
    admin_sig_err_t err;
    return admin_signature_check(&cfg, SECRET, header, SLICE_STR(body), now, &err);
}

static admin_sig_result_t check(const char *header, const char *body)
{
    return check_at(header, body, NOW);
}

Test(admin_signature, ok_over_the_canonical_body)
{
    const char *body = "{ \"variables\": {\"b\": 1.50, \"a\": \"x\"}, \"query\": \"{ assets }\" }";
    const char *canon = "{\"query\":\"{ assets }\",\"variables\":{\"a\":\"x\",\"b\":1.5}}";
    admin_sig_err_t err;
    cr_assert_eq(admin_signature_check(&cfg, SECRET, sign(SECRET, NOW, 1, canon), SLICE_STR(body),
                                       NOW, &err),
                 ADMIN_SIG_OK, "%s", err.msg);
    /* the raw body is not what is signed */
    cr_expect_eq(check(sign(SECRET, NOW + 1, 1, body), body), ADMIN_SIG_BAD_SIGNATURE);
}

Test(admin_signature, empty_body_signs_as_empty_object)
{
    cr_expect_eq(check(sign(SECRET, NOW, 1, "{}"), ""), ADMIN_SIG_OK);
    cr_expect_eq(check(sign(SECRET, NOW + 1, 1, ""), ""), ADMIN_SIG_BAD_SIGNATURE);
}

Test(admin_signature, missing)
{
    admin_sig_err_t err;
    cr_expect_eq(check(NULL, "{}"), ADMIN_SIG_MISSING);
    cr_expect_eq(check("", "{}"), ADMIN_SIG_MISSING);
    const char *h = sign(SECRET, NOW, 1, "{}");
    cr_expect_eq(admin_signature_check(&cfg, NULL, h, SLICE_LIT("{}"), NOW, &err),
                 ADMIN_SIG_MISSING);
    cr_expect_eq(admin_signature_check(&cfg, "", h, SLICE_LIT("{}"), NOW, &err), ADMIN_SIG_MISSING);
    cr_expect_str_eq(admin_sig_result_str(err.code), "missing");
}

Test(admin_signature, malformed)
{
    char good[256];
    snprintf(good, sizeof good, "%s", sign(SECRET, NOW, 1, "{}"));
    const char *hex = strstr(good, "=") + 1;
    hex = strstr(hex, "=") + 1;
    char bad[300];
    /* prefix, time, separator, hex digits kept, suffix */
    static const struct {
        const char *pre, *sep;
        int hex_len;
        const char *post;
    } forms[] = {
        {"t=", ",v1=", 64, ""},   {"t=", ", v1=", 64, " "},   {"t=", ",  v1=", 64, ""},
        {"x=", ", v1=", 64, ""},  {"t=-", ", v1=", 64, ""},   {"t=", ", 1=", 64, ""},
        {"t=", ", v=", 64, ""},   {"t=", ", v1=", 64, ", x"}, {"t=", ", v1=", 63, ""},
        {"t=", ", v1=", 64, "a"}, {" t=", ", v1=", 64, ""},   {"t=", ", v1:", 64, ""},
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        snprintf(bad, sizeof bad, "%s%lld%s%.*s%s", forms[i].pre, NOW, forms[i].sep,
                 forms[i].hex_len, hex, forms[i].post);
        cr_expect_eq(check(bad, "{}"), ADMIN_SIG_MALFORMED, "%s", bad);
    }
    cr_expect_eq(check("t=abc, v1=00", "{}"), ADMIN_SIG_MALFORMED);
    char g[300];
    snprintf(g, sizeof g, "t=%lld, v1=%.62sgg", NOW, hex);
    cr_expect_eq(check(g, "{}"), ADMIN_SIG_MALFORMED);
    cr_expect_eq(check("t=12345678901234567890, v1=00", "{}"), ADMIN_SIG_MALFORMED);
    /* the unmodified header still passes */
    cr_expect_eq(check(good, "{}"), ADMIN_SIG_OK);
}

Test(admin_signature, version)
{
    cr_expect_eq(check(sign(SECRET, NOW, 2, "{}"), "{}"), ADMIN_SIG_WRONG_VERSION);
    cr_expect_eq(check(sign(SECRET, NOW, 0, "{}"), "{}"), ADMIN_SIG_WRONG_VERSION);
    cfg.version = 2;
    cr_expect_eq(check(sign(SECRET, NOW, 2, "{}"), "{}"), ADMIN_SIG_OK);
    cr_expect_eq(check(sign(SECRET, NOW + 1, 1, "{}"), "{}"), ADMIN_SIG_WRONG_VERSION);
}

Test(admin_signature, ttl_edges)
{
    const long long ttl = 30000;
    /* exactly ttl old passes (Rafiki refuses only now - t > ttl); one ms more fails */
    cr_expect_eq(check(sign(SECRET, NOW - ttl, 1, "{}"), "{}"), ADMIN_SIG_OK);
    cr_expect_eq(check(sign(SECRET, NOW - ttl - 1, 1, "{}"), "{}"), ADMIN_SIG_EXPIRED);
    cr_expect_eq(check(sign(SECRET, 0, 1, "{}"), "{}"), ADMIN_SIG_EXPIRED);
    /* the future: up to ttl ahead (clock skew) */
    cr_expect_eq(check(sign(SECRET, NOW + ttl, 1, "{}"), "{}"), ADMIN_SIG_OK);
    cr_expect_eq(check(sign(SECRET, NOW + ttl + 1, 1, "{}"), "{}"), ADMIN_SIG_EXPIRED);
    /* a shorter TTL */
    cfg.ttl_s = 1;
    cr_expect_eq(check(sign(SECRET, NOW - 1001, 1, "{}"), "{}"), ADMIN_SIG_EXPIRED);
    cr_expect_eq(check(sign(SECRET, NOW - 1000, 1, "{}"), "{}"), ADMIN_SIG_OK);
}

Test(admin_signature, bad_signature)
{
    cr_expect_eq(check(sign("another-secret", NOW, 1, "{\"a\":1}"), "{\"a\":1}"),
                 ADMIN_SIG_BAD_SIGNATURE);
    cr_expect_eq(check(sign(SECRET, NOW, 1, "{\"a\":1}"), "{\"a\":2}"), ADMIN_SIG_BAD_SIGNATURE);
    /* the timestamp is signed */
    char h[256];
    snprintf(h, sizeof h, "%s", sign(SECRET, NOW, 1, "{\"a\":1}"));
    h[strlen("t=") + 12] ^= 1; /* last digit of the 13-digit time */
    cr_expect_eq(check(h, "{\"a\":1}"), ADMIN_SIG_BAD_SIGNATURE);
    /* upper-case hex is refused, as Rafiki compares the text */
    snprintf(h, sizeof h, "%s", sign(SECRET, NOW + 5, 1, "{\"a\":1}"));
    for (char *p = strstr(h, "v1=") + 3; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    cr_expect_eq(check(h, "{\"a\":1}"), ADMIN_SIG_BAD_SIGNATURE);
}

Test(admin_signature, invalid_body)
{
    const char *h = sign(SECRET, NOW, 1, "{}");
    cr_expect_eq(check(h, "not json"), ADMIN_SIG_INVALID_BODY);
    cr_expect_eq(check(h, "\"a string\""), ADMIN_SIG_INVALID_BODY);
    cr_expect_eq(check(h, "{\"a\":"), ADMIN_SIG_INVALID_BODY);
    cr_expect_eq(check(h, "  "), ADMIN_SIG_INVALID_BODY);
    cr_expect_eq(
        check(h, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
        ADMIN_SIG_INVALID_BODY);
    /* leading white space and an array are fine */
    cr_expect_eq(check(sign(SECRET, NOW, 1, "[1,2]"), " \n[1, 2]"), ADMIN_SIG_OK);
}

Test(admin_signature, replay_refused)
{
    const char *body = "{\"query\":\"mutation\"}";
    char h[256];
    snprintf(h, sizeof h, "%s", sign(SECRET, NOW, 1, body));
    cr_expect_eq(check(h, body), ADMIN_SIG_OK);
    cr_expect_eq(check(h, body), ADMIN_SIG_REPLAYED);
    cr_expect_eq(check_at(h, body, NOW + 1000), ADMIN_SIG_REPLAYED);
    /* a signature that fails is not recorded: the right one still passes afterwards */
    char h2[256];
    snprintf(h2, sizeof h2, "%s", sign(SECRET, NOW + 1, 1, body));
    cr_expect_eq(check(h2, "{\"query\":\"other\"}"), ADMIN_SIG_BAD_SIGNATURE);
    cr_expect_eq(check(h2, body), ADMIN_SIG_OK);
    /* the replay key is shared through the cache: a second checker on it refuses too */
    admin_sig_config_t other = cfg;
    admin_sig_err_t err;
    cr_expect_eq(admin_signature_check(&other, SECRET, h2, SLICE_STR(body), NOW, &err),
                 ADMIN_SIG_REPLAYED);
    cr_expect_str_eq(admin_sig_result_str(err.code), "replayed");
}

/* A Redis stand-in that answers every command with an error, for as long as its client stays. */
static void *refusing_redis(void *arg)
{
    int lfd = *(int *)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c < 0)
            return NULL;
        char in[4096];
        while (read(c, in, sizeof in) > 0)
            if (write(c, "-ERR refused\r\n", 14) != 14)
                break;
        close(c);
    }
}

Test(admin_signature, storage_failure_refuses)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(lfd, 4), 0);
    cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);
    pthread_t th;
    pthread_create(&th, NULL, refusing_redis, &lfd);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    cache_err_t ce = {0};
    cache_t *redis = cache_open(url, &ce);
    cr_assert_not_null(redis, "%s", ce.msg);
    admin_sig_config_t c = cfg;
    c.cache = redis;
    admin_sig_err_t err;
    const char *h = sign(SECRET, NOW, 1, "{}");
    cr_expect_eq(admin_signature_check(&c, SECRET, h, SLICE_LIT("{}"), NOW, &err),
                 ADMIN_SIG_STORAGE);
    cr_expect_str_eq(admin_sig_result_str(err.code), "storage");
    /* a signature that does not verify never reaches the cache */
    cr_expect_eq(admin_signature_check(&c, "other", h, SLICE_LIT("{}"), NOW, &err),
                 ADMIN_SIG_BAD_SIGNATURE);
    cache_close(redis);
    shutdown(lfd, SHUT_RDWR);
    close(lfd);
    pthread_join(th, NULL);
}
