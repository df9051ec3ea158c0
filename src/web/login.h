/*
 * What guards the password sign-ins of the auth port's pages (consent.h: POST /login,
 * wallet_ui.h: POST /wallet/login), both through login_attempt:
 *
 *   - Failed attempts are limited per user name and per client address (an IPv6 client by
 *     its /64). Every attempt that goes on to a password check counts for both before the
 *     check runs, so concurrent guesses cannot overshoot; a success resets the name's count
 *     and takes its attempt back from the address. When a count reaches its maximum, the name
 *     or address is locked for the window: attempts are then refused at once (LOGIN_LOCKED,
 *     429 with Retry-After), with no password check, even with the right password. Counts
 *     ("login:n:u:<sha256 of the name>", "login:n:a:<address>") expire one window after their
 *     first attempt, locks ("login:lock:...", holding the wall time they end) one window after
 *     they are set. They live in the cache, so replicas on one Redis share them.
 *   - Password checks (scrypt: 32 MiB and ~50 ms of CPU each) run at most hash_max at once in
 *     this process; an attempt beyond that is refused at once (LOGIN_BUSY, 503 with
 *     Retry-After: 1) rather than queued, and is not counted.
 *   - The sign-in form has no session yet, so its CSRF token is a signed double submit: a
 *     random value in the cookie LOGIN_CSRF_COOKIE and, in the form, its HMAC-SHA256 under a
 *     key derived from IDP_SECRET (the same on every replica). A page that cannot read or set
 *     our cookies cannot make the pair.
 *
 * A name can be locked by anyone who knows it (the price of a per-name limit); the address
 * limit is the wider one. A cache failure refuses the sign-in (LOGIN_UNAVAILABLE).
 *
 * Threads: any thread; login_attempt blocks on the cache, the database and the password check.
 */
#ifndef RAFIKI_WEB_LOGIN_H
#define RAFIKI_WEB_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "payments/users.h"
#include "base/env.h"
#include "base/slice.h"
#include "store/cache.h"
#include "store/db.h"

#define LOGIN_USER_FAILURES_DEFAULT    5   /* LOGIN_USER_FAILURES_MAX */
#define LOGIN_ADDRESS_FAILURES_DEFAULT 20  /* LOGIN_ADDRESS_FAILURES_MAX: a NAT hides many */
#define LOGIN_WINDOW_S_DEFAULT         900 /* LOGIN_WINDOW_S */
/* LOGIN_PASSWORD_CHECKS_MAX: 4 x 32 MiB of scrypt at most, and 2 of our 16 auth threads left */
#define LOGIN_HASH_MAX_DEFAULT 4
#define LOGIN_ADDR_MAX         64 /* a numeric address, with room */
#define LOGIN_CSRF_COOKIE      "rafiki_login_csrf"
#define LOGIN_CSRF_NONCE_LEN   32 /* hex characters of the cookie's value */
#define LOGIN_CSRF_TOKEN_LEN   64 /* hex characters of the form's token */

typedef struct {
    uint32_t user_failures_max;    /* attempts per user name and window; 0 = default */
    uint32_t address_failures_max; /* attempts per client address and window; 0 = default */
    uint32_t window_s;             /* counting window and lock length; 0 = default */
    uint32_t hash_max;             /* password checks at once in this process; 0 = default */
    /* the cache keys' prefix, so two guards never share counts or locks: NULL is "login" (the
     * wallet pages' sign-in), the console's is "console" */
    const char *key_prefix;
} login_opts_t;

typedef enum {
    LOGIN_OK = 0,
    LOGIN_DENIED,      /* unknown name or wrong password: 401 */
    LOGIN_LOCKED,      /* too many failures for the name or the address: 429, *retry_after_s */
    LOGIN_BUSY,        /* too many password checks at once: 503, *retry_after_s = 1 */
    LOGIN_UNAVAILABLE, /* the database or the cache failed: 503 */
} login_result_t;

typedef struct login login_t;

/* Options from LOGIN_USER_FAILURES_MAX (1-1000), LOGIN_ADDRESS_FAILURES_MAX (1-100000),
 * LOGIN_WINDOW_S (1-86400), LOGIN_PASSWORD_CHECKS_MAX (1-256): ENV_OK, or ENV_INVALID with err
 * naming the variable. */
env_result_t login_opts_env(login_opts_t *opts, env_err_t *err);
/* A guard over cache and db (both outlive it); secret keys the form tokens (IDP_SECRET; NULL:
 * a random key, good for this process only). Never NULL. */
login_t *login_new(cache_t *cache, db_t *db, const char *secret, const login_opts_t *opts);
void login_free(login_t *l);

/* Signs in username with password for a client at addr (http_req_client_addr; "" when
 * unknown, then only the name is limited): LOGIN_OK with the user in *out, or why not;
 * *retry_after_s is set for LOGIN_LOCKED and LOGIN_BUSY. */
login_result_t login_attempt(login_t *l, const char *addr, const char *username,
                             const char *password, user_t *out, uint32_t *retry_after_s);

/* A password check for login_attempt_check: 0 when password is right for username, 1 when
 * not (or no such name), -1 when it cannot tell (the database failed). */
typedef int (*login_check_fn)(void *arg, db_t *db, const char *username, const char *password);
/* login_attempt for any kind of principal: the attempt counts for key (what the per-name limit
 * counts; callers give each kind of name a prefix of its own) and addr, and fn decides. */
login_result_t login_attempt_check(login_t *l, const char *addr, const char *key,
                                   const char *username, const char *password, login_check_fn fn,
                                   void *arg, uint32_t *retry_after_s);

/* The form token of a cookie value (LOGIN_CSRF_NONCE_LEN hex digits); false when the value is
 * malformed. */
bool login_csrf_token(const login_t *l, const char *nonce, char token[LOGIN_CSRF_TOKEN_LEN + 1]);
/* A new random cookie value. */
void login_csrf_nonce(char nonce[LOGIN_CSRF_NONCE_LEN + 1]);
/* True when token is the form token of nonce (constant time). */
bool login_csrf_check(const login_t *l, const char *nonce, const char *token);

/* Appends the guard's metrics (Prometheus text): refusals by reason and the most password
 * checks seen running at once. 0, or -1 when b is full. l may be NULL (nothing written). */
int login_metrics_write(login_t *l, buf_t *b);

#endif
