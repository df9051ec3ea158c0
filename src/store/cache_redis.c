/*
 * Redis driver over hiredis (blocking API). A fixed pool of connections, each behind its own
 * mutex; a caller takes the next slot round-robin. A connection that fails is dropped and
 * reopened on its next use; idempotent commands (GET, SET, SET NX, DEL) are retried once on a
 * fresh connection, INCRBY is not (it may have been applied before the connection broke).
 * Opening a Redis cache sets SIGPIPE to SIG_IGN if it is still at its default (see below).
 *
 * URLs: redis://[[user]:password@]host[:port][/db] and unix:///path/to.sock[?db=N].
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/cache_internal.h"

#define REDIS_POOL_SIZE  4
#define REDIS_TIMEOUT_MS 2000

typedef struct {
    pthread_mutex_t mu;
    redisContext *ctx;
} redis_slot_t;

struct cache_redis {
    char host[256];
    char path[256]; /* unix socket; host unused when set */
    int port;
    int dbnum;
    char user[128];
    char password[256];
    atomic_uint next;
    redis_slot_t slots[REDIS_POOL_SIZE];
};

/* Increments key by delta, setting an expiry only when this call created the key. */
static const char INCR_SCRIPT[] =
    "local existed = redis.call('EXISTS', KEYS[1]) "
    "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) "
    "if existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
    "return v";

static int copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

static int parse_db(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v > 1000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_unix(cache_redis_t *r, const char *rest)
{
    const char *q = strchr(rest, '?');
    size_t n = q ? (size_t)(q - rest) : strlen(rest);
    if (n == 0 || copy_part(r->path, sizeof r->path, rest, n) != 0)
        return -1;
    if (q)
        return strncmp(q + 1, "db=", 3) == 0 ? parse_db(q + 4, &r->dbnum) : -1;
    return 0;
}

static int parse_tcp(cache_redis_t *r, const char *rest)
{
    const char *at = strrchr(rest, '@');
    const char *slash = strchr(at ? at : rest, '/');
    if (at) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (!colon)
            return -1;
        if (copy_part(r->user, sizeof r->user, rest, (size_t)(colon - rest)) != 0 ||
            copy_part(r->password, sizeof r->password, colon + 1, (size_t)(at - colon - 1)) != 0)
            return -1;
        rest = at + 1;
    }
    size_t hostport = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *colon = memchr(rest, ':', hostport);
    size_t hostlen = colon ? (size_t)(colon - rest) : hostport;
    if (hostlen == 0 || copy_part(r->host, sizeof r->host, rest, hostlen) != 0)
        return -1;
    r->port = 6379;
    if (colon) {
        char port[8];
        if (copy_part(port, sizeof port, colon + 1, hostport - hostlen - 1) != 0)
            return -1;
        char *end;
        long p = strtol(port, &end, 10);
        if (end == port || *end || p <= 0 || p > 65535)
            return -1;
        r->port = (int)p;
    }
    if (slash && slash[1])
        return parse_db(slash + 1, &r->dbnum);
    return 0;
}

/* Runs one command on a fresh context during connect; 0 when the reply is not an error. */
static int setup_cmd(redisContext *ctx, redisReply *reply)
{
    int ok = reply && reply->type != REDIS_REPLY_ERROR;
    (void)ctx;
    freeReplyObject(reply);
    return ok ? 0 : -1;
}

static redisContext *connect_ctx(cache_redis_t *r, cache_err_t *err)
{
    struct timeval tv = {REDIS_TIMEOUT_MS / 1000, (REDIS_TIMEOUT_MS % 1000) * 1000};
    redisContext *ctx = r->path[0] ? redisConnectUnixWithTimeout(r->path, tv)
                                   : redisConnectWithTimeout(r->host, r->port, tv);
    if (!ctx || ctx->err) {
        cache_fail(err, CACHE_CONN, "redis: cannot connect to %s: %s",
                   r->path[0] ? r->path : r->host, ctx ? ctx->errstr : "out of memory");
        redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, tv);
    int bad = 0;
    if (r->password[0]) {
        bad = r->user[0] ? setup_cmd(ctx, redisCommand(ctx, "AUTH %s %s", r->user, r->password))
                         : setup_cmd(ctx, redisCommand(ctx, "AUTH %s", r->password));
        if (bad)
            cache_fail(err, CACHE_CONN, "redis: authentication failed");
    }
    if (!bad && r->dbnum) {
        bad = setup_cmd(ctx, redisCommand(ctx, "SELECT %d", r->dbnum));
        if (bad)
            cache_fail(err, CACHE_CONN, "redis: SELECT %d failed", r->dbnum);
    }
    if (bad) {
        redisFree(ctx);
        return NULL;
    }
    return ctx;
}

/* hiredis writes with plain write(2): a connection the server closed would raise SIGPIPE and
 * kill the process. A server process must ignore SIGPIPE anyway; if nobody has installed a
 * handler, do it here (once, before any connection exists). */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction ign = {.sa_handler = SIG_IGN};
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}

cache_redis_t *cache_redis_open(const char *url, cache_err_t *err)
{
    cache_redis_t *r = calloc(1, sizeof *r);
    if (!r) {
        cache_fail(err, CACHE_NOMEM, "out of memory");
        return NULL;
    }
    int bad = -1;
    if (strncmp(url, "unix://", 7) == 0)
        bad = parse_unix(r, url + 7);
    else if (strncmp(url, "redis://", 8) == 0)
        bad = parse_tcp(r, url + 8);
    if (bad) {
        free(r);
        cache_fail(err, CACHE_INVALID,
                   "REDIS_URL: expected redis://[:password@]host[:port][/db] or unix:///path");
        return NULL;
    }
    for (int i = 0; i < REDIS_POOL_SIZE; i++)
        pthread_mutex_init(&r->slots[i].mu, NULL);
    ignore_sigpipe();
    /* Connect one slot now so a wrong URL fails at start-up. */
    r->slots[0].ctx = connect_ctx(r, err);
    if (!r->slots[0].ctx) {
        cache_redis_close(r);
        return NULL;
    }
    return r;
}

void cache_redis_close(cache_redis_t *r)
{
    if (!r)
        return;
    for (int i = 0; i < REDIS_POOL_SIZE; i++) {
        redisFree(r->slots[i].ctx);
        pthread_mutex_destroy(&r->slots[i].mu);
    }
    memset(r->password, 0, sizeof r->password);
    free(r);
}

typedef enum { CMD_GET, CMD_SET, CMD_INCR, CMD_DEL } redis_cmd_t;

typedef struct {
    redis_cmd_t cmd;
    const char *key;
    const void *val;
    size_t len;
    uint64_t ttl_ms;
    bool nx;
    int64_t delta;
} redis_req_t;

static redisReply *send_req(redisContext *ctx, const redis_req_t *q)
{
    size_t klen = strlen(q->key);
    unsigned long long ttl = (unsigned long long)q->ttl_ms;
    switch (q->cmd) {
    case CMD_GET:
        return redisCommand(ctx, "GET %b", q->key, klen);
    case CMD_DEL:
        return redisCommand(ctx, "DEL %b", q->key, klen);
    case CMD_SET:
        if (q->ttl_ms)
            return redisCommand(ctx, q->nx ? "SET %b %b PX %llu NX" : "SET %b %b PX %llu", q->key,
                                klen, q->val, q->len, ttl);
        return redisCommand(ctx, q->nx ? "SET %b %b NX" : "SET %b %b", q->key, klen, q->val,
                            q->len);
    case CMD_INCR:
        if (q->ttl_ms)
            return redisCommand(ctx, "EVAL %s 1 %b %lld %llu", INCR_SCRIPT, q->key, klen,
                                (long long)q->delta, ttl);
        return redisCommand(ctx, "INCRBY %b %lld", q->key, klen, (long long)q->delta);
    }
    return NULL;
}

/* Sends the request on a pooled connection, reconnecting once; the reply is the caller's. */
static redisReply *run(cache_redis_t *r, const redis_req_t *q, cache_err_t *err)
{
    unsigned i = atomic_fetch_add(&r->next, 1) % REDIS_POOL_SIZE;
    redis_slot_t *s = &r->slots[i];
    pthread_mutex_lock(&s->mu);
    redisReply *reply = NULL;
    bool retry = q->cmd != CMD_INCR;
    for (int attempt = 0; attempt < 2 && !reply; attempt++) {
        if (!s->ctx)
            s->ctx = connect_ctx(r, err);
        if (!s->ctx)
            break;
        reply = send_req(s->ctx, q);
        if (!reply) {
            cache_fail(err, CACHE_CONN, "redis: %s", s->ctx->errstr);
            redisFree(s->ctx);
            s->ctx = NULL;
            if (!retry)
                break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return reply;
}

static cache_rc_t reply_error(redisReply *reply, cache_err_t *err)
{
    cache_rc_t code = CACHE_ERROR;
    if (reply->type == REDIS_REPLY_ERROR &&
        (strstr(reply->str, "not an integer") || strstr(reply->str, "overflow")))
        code = CACHE_NOT_INT;
    cache_fail(err, code, "redis: %s",
               reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply type");
    freeReplyObject(reply);
    return code;
}

cache_rc_t cache_redis_get(cache_redis_t *r, const char *key, void *buf, size_t cap, size_t *len,
                           cache_err_t *err)
{
    redis_req_t q = {.cmd = CMD_GET, .key = key};
    redisReply *reply = run(r, &q, err);
    if (!reply)
        return CACHE_CONN;
    if (reply->type == REDIS_REPLY_NIL) {
        freeReplyObject(reply);
        return CACHE_MISS;
    }
    if (reply->type != REDIS_REPLY_STRING)
        return reply_error(reply, err);
    *len = reply->len;
    cache_rc_t rc = CACHE_OK;
    if (reply->len > cap)
        rc = cache_fail(err, CACHE_TOO_BIG, "value of %.64s is larger than the buffer", key);
    else if (reply->len)
        memcpy(buf, reply->str, reply->len);
    freeReplyObject(reply);
    return rc;
}

cache_rc_t cache_redis_set(cache_redis_t *r, const char *key, const void *val, size_t len,
                           uint64_t ttl_ms, bool nx, cache_err_t *err)
{
    static const char empty[1];
    redis_req_t q = {.cmd = CMD_SET,
                     .key = key,
                     .val = val ? val : empty,
                     .len = len,
                     .ttl_ms = ttl_ms,
                     .nx = nx};
    redisReply *reply = run(r, &q, err);
    if (!reply)
        return CACHE_CONN;
    if (reply->type == REDIS_REPLY_NIL) { /* NX and the key exists */
        freeReplyObject(reply);
        return CACHE_EXISTS;
    }
    if (reply->type != REDIS_REPLY_STATUS)
        return reply_error(reply, err);
    freeReplyObject(reply);
    return CACHE_OK;
}

cache_rc_t cache_redis_incr(cache_redis_t *r, const char *key, int64_t delta, uint64_t ttl_ms,
                            int64_t *out, cache_err_t *err)
{
    redis_req_t q = {.cmd = CMD_INCR, .key = key, .delta = delta, .ttl_ms = ttl_ms};
    redisReply *reply = run(r, &q, err);
    if (!reply)
        return CACHE_CONN;
    if (reply->type != REDIS_REPLY_INTEGER)
        return reply_error(reply, err);
    if (out)
        *out = (int64_t)reply->integer;
    freeReplyObject(reply);
    return CACHE_OK;
}

cache_rc_t cache_redis_del(cache_redis_t *r, const char *key, cache_err_t *err)
{
    redis_req_t q = {.cmd = CMD_DEL, .key = key};
    redisReply *reply = run(r, &q, err);
    if (!reply)
        return CACHE_CONN;
    if (reply->type != REDIS_REPLY_INTEGER)
        return reply_error(reply, err);
    cache_rc_t rc = reply->integer > 0 ? CACHE_OK : CACHE_MISS;
    freeReplyObject(reply);
    return rc;
}
