/* The sign-in guard: attempt limits, the bound on password checks, form tokens (see login.h). */
#include "web/login.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/assert.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/metrics.h"
#include "base/rand.h"

#define COUNTER_KEY_MAX (32 + LOGIN_ADDR_MAX + 2 * SHA256_LEN)

enum { TALLY_OK, TALLY_DENIED, TALLY_LOCKED, TALLY_BUSY, TALLY_UNAVAILABLE, TALLY_COUNT };

struct login {
    cache_t *cache;
    db_t *db;
    login_opts_t o;
    uint64_t window_ms;
    uint8_t csrf_key[SHA256_LEN];
    atomic_uint running; /* password checks now */
    _Atomic uint64_t tally[TALLY_COUNT];
};

/* One limited thing (a user name or an address): its count and lock keys. */
typedef struct {
    char n[COUNTER_KEY_MAX], lock[COUNTER_KEY_MAX];
    uint32_t max;
    int64_t count; /* after this attempt's increment */
} counter_t;

env_result_t login_opts_env(login_opts_t *o, env_err_t *err)
{
    uint64_t u, a, w, h;
    env_result_t r;
    if ((r = env_u64("LOGIN_USER_FAILURES_MAX", LOGIN_USER_FAILURES_DEFAULT, 1, 1000, &u, err)) !=
            ENV_OK ||
        (r = env_u64("LOGIN_ADDRESS_FAILURES_MAX", LOGIN_ADDRESS_FAILURES_DEFAULT, 1, 100000, &a,
                     err)) != ENV_OK ||
        (r = env_u64("LOGIN_WINDOW_S", LOGIN_WINDOW_S_DEFAULT, 1, 86400, &w, err)) != ENV_OK ||
        (r = env_u64("LOGIN_PASSWORD_CHECKS_MAX", LOGIN_HASH_MAX_DEFAULT, 1, 256, &h, err)) !=
            ENV_OK)
        return r;
    *o = (login_opts_t){.user_failures_max = (uint32_t)u,
                        .address_failures_max = (uint32_t)a,
                        .window_s = (uint32_t)w,
                        .hash_max = (uint32_t)h};
    return ENV_OK;
}

login_t *login_new(cache_t *cache, db_t *db, const char *secret, const login_opts_t *opts)
{
    ASSERT(cache && db);
    login_t *l = xcalloc(1, sizeof *l);
    l->cache = cache;
    l->db = db;
    if (opts)
        l->o = *opts;
    if (!l->o.user_failures_max)
        l->o.user_failures_max = LOGIN_USER_FAILURES_DEFAULT;
    if (!l->o.address_failures_max)
        l->o.address_failures_max = LOGIN_ADDRESS_FAILURES_DEFAULT;
    if (!l->o.window_s)
        l->o.window_s = LOGIN_WINDOW_S_DEFAULT;
    if (!l->o.hash_max)
        l->o.hash_max = LOGIN_HASH_MAX_DEFAULT;
    l->window_ms = (uint64_t)l->o.window_s * 1000u;
    /* a key of its own, derived, so a form token says nothing about the secret */
    static const char label[] = "rafiki sign-in form token v1";
    if (secret && *secret)
        hmac_sha256(l->csrf_key, secret, strlen(secret), label, sizeof label - 1);
    else
        rand_bytes(l->csrf_key, sizeof l->csrf_key);
    return l;
}

void login_free(login_t *l)
{
    free(l);
}

/* ---- attempts ---- */

/* The address an attempt counts for: IPv4 as is, an IPv4-mapped IPv6 address as its IPv4
 * address, other IPv6 by its /64 (one host usually holds all of it). */
static void addr_key(const char *addr, char out[LOGIN_ADDR_MAX])
{
    struct in6_addr a6;
    if (strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6) && inet_ntop(AF_INET, &a6.s6_addr[12], out, LOGIN_ADDR_MAX))
            return;
        memset(&a6.s6_addr[8], 0, 8);
        char net[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, &a6, net, sizeof net)) {
            snprintf(out, LOGIN_ADDR_MAX, "%s/64", net);
            return;
        }
    }
    snprintf(out, LOGIN_ADDR_MAX, "%s", addr);
}

static void counter_init(const login_t *l, counter_t *c, const char *kind, const char *id,
                         uint32_t max)
{
    const char *p = l->o.key_prefix ? l->o.key_prefix : "login";
    snprintf(c->n, sizeof c->n, "%s:n:%s:%s", p, kind, id);
    snprintf(c->lock, sizeof c->lock, "%s:lock:%s:%s", p, kind, id);
    c->max = max;
    c->count = 0;
}

/* The counters of an attempt into c: the user name's, then the address's when known. */
static size_t counters_of(const login_t *l, const char *addr, const char *username, counter_t c[2])
{
    uint8_t h[SHA256_LEN];
    char hex[2 * SHA256_LEN + 1], a[LOGIN_ADDR_MAX];
    sha256(h, username, strlen(username)); /* keys of a fixed length, whatever was typed */
    hex_encode(hex, sizeof hex, h, sizeof h);
    counter_init(l, &c[0], "u", hex, l->o.user_failures_max);
    if (!addr || !*addr)
        return 1;
    addr_key(addr, a);
    counter_init(l, &c[1], "a", a, l->o.address_failures_max);
    return 2;
}

/* 1 when c is locked at now_ms (seconds left in *retry_s), 0 when not, -1 when the cache
 * fails. */
static int lock_held(login_t *l, const counter_t *c, int64_t now_ms, uint32_t *retry_s)
{
    char v[24];
    size_t len = 0;
    uint64_t until;
    cache_err_t e;
    cache_rc_t rc = cache_get(l->cache, c->lock, v, sizeof v, &len, &e);
    if (rc == CACHE_MISS)
        return 0;
    if (rc != CACHE_OK) {
        LOGW("login: cache: %s", cache_rc_str(rc));
        return -1;
    }
    if (parse_u64(v, len, &until) != 0 || until <= (uint64_t)now_ms)
        return 0;
    uint64_t left_s = (until - (uint64_t)now_ms + 999) / 1000;
    if (left_s > *retry_s)
        *retry_s = (uint32_t)(left_s < l->o.window_s ? left_s : l->o.window_s);
    return 1;
}

static void lock_set(login_t *l, const counter_t *c, int64_t now_ms)
{
    char v[24];
    int n = snprintf(v, sizeof v, "%llu", (unsigned long long)((uint64_t)now_ms + l->window_ms));
    cache_err_t e;
    cache_rc_t rc = cache_set(l->cache, c->lock, v, (size_t)n, l->window_ms, &e);
    if (rc != CACHE_OK)
        LOGW("login: cannot set a lock: %s", cache_rc_str(rc));
}

/* Counts the attempt for each counter: LOCKED (and the lock set) when one is past its
 * maximum (attempts raced past the lock), UNAVAILABLE when the cache fails. */
static login_result_t count(login_t *l, counter_t *c, size_t n, int64_t now_ms, uint32_t *retry_s)
{
    bool over = false;
    for (size_t i = 0; i < n; i++) {
        cache_err_t e;
        cache_rc_t rc = cache_incr(l->cache, c[i].n, 1, l->window_ms, &c[i].count, &e);
        if (rc != CACHE_OK) {
            LOGW("login: cache: %s", cache_rc_str(rc));
            return LOGIN_UNAVAILABLE;
        }
        if (c[i].count > (int64_t)c[i].max) {
            lock_set(l, &c[i], now_ms);
            over = true;
        }
    }
    if (over)
        *retry_s = l->o.window_s;
    return over ? LOGIN_LOCKED : LOGIN_OK;
}

/* After a password check: a success clears the name's count and gives the address its
 * attempt back; a failure locks what reached its maximum; a failed check counts for nothing. */
static void settle(login_t *l, counter_t *c, size_t n, int64_t now_ms, login_result_t r)
{
    cache_err_t e;
    for (size_t i = 0; i < n; i++) {
        if (r == LOGIN_DENIED && c[i].count >= (int64_t)c[i].max)
            lock_set(l, &c[i], now_ms);
        else if (r == LOGIN_OK && i == 0)
            cache_del(l->cache, c[i].n, &e);
        else if (r != LOGIN_DENIED)
            cache_incr(l->cache, c[i].n, -1, l->window_ms, NULL, &e);
    }
}

static bool hash_enter(login_t *l)
{
    if (atomic_fetch_add(&l->running, 1) < l->o.hash_max)
        return true;
    atomic_fetch_sub(&l->running, 1);
    return false;
}

static login_result_t tally(login_t *l, login_result_t r)
{
    static const int index[] = {[LOGIN_OK] = TALLY_OK,
                                [LOGIN_DENIED] = TALLY_DENIED,
                                [LOGIN_LOCKED] = TALLY_LOCKED,
                                [LOGIN_BUSY] = TALLY_BUSY,
                                [LOGIN_UNAVAILABLE] = TALLY_UNAVAILABLE};
    atomic_fetch_add_explicit(&l->tally[index[r]], 1, memory_order_relaxed);
    return r;
}

/* login_check_fn over the built-in login's users (arg: the user_t to fill). */
static int users_check(void *arg, db_t *db, const char *username, const char *password)
{
    users_result_t u = users_login(db, username, password, arg);
    return u == USERS_OK ? 0 : u == USERS_DENIED ? 1 : -1;
}

login_result_t login_attempt(login_t *l, const char *addr, const char *username,
                             const char *password, user_t *out, uint32_t *retry_after_s)
{
    return login_attempt_check(l, addr, username, username, password, users_check, out,
                               retry_after_s);
}

login_result_t login_attempt_check(login_t *l, const char *addr, const char *key,
                                   const char *username, const char *password, login_check_fn fn,
                                   void *arg, uint32_t *retry_after_s)
{
    counter_t c[2];
    size_t n = counters_of(l, addr, key, c);
    int64_t now = clock_wall_ms();
    *retry_after_s = 0;
    int held = 0;
    for (size_t i = 0; i < n && held >= 0; i++) {
        int h = lock_held(l, &c[i], now, retry_after_s);
        held = h < 0 ? -1 : held + h;
    }
    if (held != 0)
        return tally(l, held < 0 ? LOGIN_UNAVAILABLE : LOGIN_LOCKED);
    if (!hash_enter(l)) {
        *retry_after_s = 1;
        return tally(l, LOGIN_BUSY);
    }
    login_result_t r = count(l, c, n, now, retry_after_s);
    if (r != LOGIN_OK) {
        atomic_fetch_sub(&l->running, 1);
        return tally(l, r);
    }
    int checked = fn(arg, l->db, username, password);
    atomic_fetch_sub(&l->running, 1);
    r = checked == 0 ? LOGIN_OK : checked > 0 ? LOGIN_DENIED : LOGIN_UNAVAILABLE;
    settle(l, c, n, now, r);
    return tally(l, r);
}

/* ---- form tokens ---- */

void login_csrf_nonce(char nonce[LOGIN_CSRF_NONCE_LEN + 1])
{
    uint8_t b[LOGIN_CSRF_NONCE_LEN / 2];
    rand_bytes(b, sizeof b);
    hex_encode(nonce, LOGIN_CSRF_NONCE_LEN + 1, b, sizeof b);
}

bool login_csrf_token(const login_t *l, const char *nonce, char token[LOGIN_CSRF_TOKEN_LEN + 1])
{
    if (!nonce || strlen(nonce) != LOGIN_CSRF_NONCE_LEN ||
        strspn(nonce, "0123456789abcdef") != LOGIN_CSRF_NONCE_LEN)
        return false;
    uint8_t mac[SHA256_LEN];
    hmac_sha256(mac, l->csrf_key, sizeof l->csrf_key, nonce, LOGIN_CSRF_NONCE_LEN);
    hex_encode(token, LOGIN_CSRF_TOKEN_LEN + 1, mac, sizeof mac);
    return true;
}

bool login_csrf_check(const login_t *l, const char *nonce, const char *token)
{
    char want[LOGIN_CSRF_TOKEN_LEN + 1];
    return token && strlen(token) == LOGIN_CSRF_TOKEN_LEN && login_csrf_token(l, nonce, want) &&
           ct_equal(want, token, LOGIN_CSRF_TOKEN_LEN);
}

int login_metrics_write(login_t *l, buf_t *b)
{
    if (!l)
        return 0;
    static const char *const names[TALLY_COUNT] = {"ok", "denied", "locked", "busy", "unavailable"};
    int rc = metrics_family(b, "rafiki_login_attempts_total", "counter",
                            "password sign-ins by result (locked and busy: refused unchecked)");
    for (int i = 0; i < TALLY_COUNT && rc == 0; i++) {
        char labels[32];
        snprintf(labels, sizeof labels, "result=\"%s\"", names[i]);
        rc = metrics_sample_u64(b, "rafiki_login_attempts_total", labels,
                                atomic_load_explicit(&l->tally[i], memory_order_relaxed));
    }
    if (rc == 0)
        rc = metrics_family(b, "rafiki_login_password_checks_running", "gauge",
                            "password checks running now (at most LOGIN_PASSWORD_CHECKS_MAX)");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_login_password_checks_running", "",
                                atomic_load(&l->running));
    return rc;
}
