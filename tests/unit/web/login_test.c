/* src/auth/login.c on SQLite and the in-process cache: the attempt limits per user name and per
 * client address (IPv6 by its /64, IPv4-mapped as IPv4), the lock's end, the bound on password
 * checks at once, and the sign-in form's tokens. Over HTTP and Redis:
 * tests/interop/login.test.mjs. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "web/login.h"
#include "base/clock.h"
#include "base/uuid.h"

#include "../payments/payments_db.h"

static db_t *db;
static cache_t *cache;

static void user_add(const char *name, const char *password)
{
    char hash[USER_HASH_MAX + 1], id[UUID_STR_LEN + 1];
    cr_assert_eq(users_password_hash(password, hash), 0);
    uuid_v4(id);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &e);
    cr_assert_not_null(c, "%s", e.msg);
    db_stmt_t *st = db_prepare(
        c, "INSERT INTO users (id, username, password_hash, created_ms) VALUES (?, ?, ?, ?)", &e);
    cr_assert_not_null(st, "%s", e.msg);
    db_bind_str(st, 1, id);
    db_bind_str(st, 2, name);
    db_bind_str(st, 3, hash);
    db_bind_i64(st, 4, clock_wall_ms());
    cr_assert_eq(db_run(st, &e), DB_OK, "%s", e.msg);
    db_release(c);
}

static void setup(void)
{
    db = bk_open("sqlite:", "login");
    cache = cache_open(NULL, NULL);
    cr_assert_not_null(cache);
    user_add("alice", "alice-password");
    user_add("bob", "bob-password");
}

static void teardown(void)
{
    cache_close(cache);
    db_close(db);
}

static login_result_t attempt(login_t *l, const char *addr, const char *name, const char *pw,
                              uint32_t *retry)
{
    user_t u;
    uint32_t r;
    login_result_t rc = login_attempt(l, addr, name, pw, &u, retry ? retry : &r);
    if (rc == LOGIN_OK)
        cr_expect_str_eq(u.username, name);
    return rc;
}

TestSuite(login, .init = setup, .fini = teardown, .timeout = 60);

Test(login, user_locked_until_the_window_ends)
{
    login_t *l =
        login_new(cache, db, "secret", &(login_opts_t){.user_failures_max = 2, .window_s = 1});
    uint32_t retry = 0;
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "wrong-1", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "192.0.2.2", "alice", "wrong-2", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "192.0.2.3", "alice", "alice-password", &retry), LOGIN_LOCKED,
                 "the right password, from any address, while the name is locked");
    cr_expect_eq(retry, 1);
    cr_expect_eq(attempt(l, "192.0.2.1", "bob", "bob-password", NULL), LOGIN_OK,
                 "another name is not locked");
    usleep(1100 * 1000);
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "alice-password", NULL), LOGIN_OK);
    login_free(l);
}

Test(login, success_resets_the_user_count)
{
    login_t *l = login_new(cache, db, "secret", &(login_opts_t){.user_failures_max = 2});
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "alice-password", NULL), LOGIN_OK);
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "192.0.2.1", "alice", "alice-password", NULL), LOGIN_OK);
    login_free(l);
}

Test(login, address_locked_ipv6_by_its_64)
{
    login_t *l = login_new(cache, db, "secret",
                           &(login_opts_t){.user_failures_max = 100, .address_failures_max = 2});
    cr_expect_eq(attempt(l, "2001:db8::1", "nobody-1", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "2001:db8::ffff:2", "nobody-2", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "2001:db8::3", "alice", "alice-password", NULL), LOGIN_LOCKED,
                 "the same /64");
    cr_expect_eq(attempt(l, "2001:db8:0:1::1", "alice", "alice-password", NULL), LOGIN_OK);
    cr_expect_eq(attempt(l, "198.51.100.7", "nobody-3", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "::ffff:198.51.100.7", "nobody-4", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(l, "198.51.100.7", "bob", "bob-password", NULL), LOGIN_LOCKED,
                 "an IPv4-mapped address counts as its IPv4 address");
    cr_expect_eq(attempt(l, "198.51.100.8", "bob", "bob-password", NULL), LOGIN_OK);
    login_free(l);
}

typedef struct {
    login_t *l;
    int i;
    login_result_t r;
} racer_t;

static void *race(void *arg)
{
    racer_t *x = arg;
    char addr[32], name[32];
    snprintf(addr, sizeof addr, "203.0.113.%d", x->i + 1);
    snprintf(name, sizeof name, "racer-%d", x->i);
    user_t u;
    uint32_t retry;
    x->r = login_attempt(x->l, addr, name, "wrong-password", &u, &retry);
    if (x->r == LOGIN_BUSY)
        cr_expect_eq(retry, 1);
    return NULL;
}

Test(login, password_checks_bounded)
{
    login_t *l = login_new(cache, db, "secret", &(login_opts_t){.hash_max = 1});
    enum { N = 8 };
    racer_t x[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        x[i] = (racer_t){.l = l, .i = i};
        cr_assert_eq(pthread_create(&t[i], NULL, race, &x[i]), 0);
    }
    int busy = 0, denied = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        busy += x[i].r == LOGIN_BUSY;
        denied += x[i].r == LOGIN_DENIED;
    }
    cr_expect_eq(busy + denied, N);
    cr_expect_gt(busy, 0, "8 checks at once with room for 1");
    cr_expect_gt(denied, 0);
    /* a refused attempt was not counted: the name can still sign in */
    cr_expect_eq(attempt(l, "203.0.113.1", "alice", "alice-password", NULL), LOGIN_OK);
    login_free(l);
}

Test(login, form_tokens)
{
    login_t *a = login_new(cache, db, "secret", NULL), *b = login_new(cache, db, "secret", NULL),
            *c = login_new(cache, db, "another", NULL);
    char nonce[LOGIN_CSRF_NONCE_LEN + 1], other[LOGIN_CSRF_NONCE_LEN + 1];
    char token[LOGIN_CSRF_TOKEN_LEN + 1];
    login_csrf_nonce(nonce);
    login_csrf_nonce(other);
    cr_assert_str_neq(nonce, other);
    cr_assert(login_csrf_token(a, nonce, token));
    cr_expect(login_csrf_check(a, nonce, token));
    cr_expect(login_csrf_check(b, nonce, token), "replicas with one secret agree");
    cr_expect_not(login_csrf_check(c, nonce, token), "another secret does not");
    cr_expect_not(login_csrf_check(a, other, token), "another cookie");
    cr_expect_not(login_csrf_check(a, nonce, ""));
    cr_expect_not(login_csrf_check(a, nonce, NULL));
    token[0] = token[0] == '0' ? '1' : '0';
    cr_expect_not(login_csrf_check(a, nonce, token));
    cr_expect_not(login_csrf_token(a, "0123", token), "a short cookie");
    cr_expect_not(login_csrf_token(a, "ZZ0123456789abcdef0123456789abcd", token), "not hex");
    login_free(a);
    login_free(b);
    login_free(c);
}

/* ---- login_attempt_check: other principals (the console's) under the same limits ---- */

static int check_calls;

/* login_check_fn: "right" is the password of every name; "fail" makes the check fail. */
static int fake_check(void *arg, db_t *d, const char *name, const char *password)
{
    (void)d;
    (void)name;
    check_calls++;
    *(bool *)arg = true;
    return strcmp(password, "fail") == 0 ? -1 : strcmp(password, "right") == 0 ? 0 : 1;
}

Test(login, check_fn_counts_for_its_key)
{
    login_t *l = login_new(cache, db, "secret", &(login_opts_t){.user_failures_max = 2});
    uint32_t retry = 0;
    bool called = false;
    check_calls = 0;
    cr_expect_eq(login_attempt_check(l, "192.0.2.9", "tenant:t1", "t1", "right", fake_check,
                                     &called, &retry),
                 LOGIN_OK);
    cr_expect(called);
    cr_expect_eq(
        login_attempt_check(l, "192.0.2.9", "tenant:t1", "t1", "x", fake_check, &called, &retry),
        LOGIN_DENIED);
    cr_expect_eq(
        login_attempt_check(l, "192.0.2.9", "tenant:t1", "t1", "y", fake_check, &called, &retry),
        LOGIN_DENIED);
    int before = check_calls;
    cr_expect_eq(login_attempt_check(l, "192.0.2.9", "tenant:t1", "t1", "right", fake_check,
                                     &called, &retry),
                 LOGIN_LOCKED, "the key is locked: not even checked");
    cr_expect_eq(check_calls, before);
    cr_expect_gt(retry, 0);
    cr_expect_eq(
        login_attempt_check(l, "192.0.2.9", "user:t1", "t1", "right", fake_check, &called, &retry),
        LOGIN_OK, "another key (same name, another kind) is not locked");
    cr_expect_eq(attempt(l, "192.0.2.9", "alice", "alice-password", NULL), LOGIN_OK,
                 "nor the wallet users' names");
    cr_expect_eq(
        login_attempt_check(l, "192.0.2.9", "user:u", "u", "fail", fake_check, &called, &retry),
        LOGIN_UNAVAILABLE);
    login_free(l);
}

Test(login, guards_with_other_prefixes_share_nothing)
{
    /* the console's guard and the wallet pages' on one cache (Redis when scaled out): a lock
     * of one is not a lock of the other (a CI run saw the console's test lock the address for
     * the wallet's sign-in) */
    login_t *wallet = login_new(cache, db, "secret", &(login_opts_t){.address_failures_max = 2});
    login_t *console = login_new(
        cache, db, "secret", &(login_opts_t){.address_failures_max = 2, .key_prefix = "console"});
    cr_expect_eq(attempt(console, "192.0.2.9", "nobody-1", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(console, "192.0.2.9", "nobody-2", "wrong", NULL), LOGIN_DENIED);
    cr_expect_eq(attempt(console, "192.0.2.9", "alice", "alice-password", NULL), LOGIN_LOCKED);
    cr_expect_eq(attempt(wallet, "192.0.2.9", "alice", "alice-password", NULL), LOGIN_OK,
                 "the wallet pages' sign-in is not locked by the console's failures");
    login_free(wallet);
    login_free(console);
}
