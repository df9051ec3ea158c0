/*
 * Users of the built-in login (the playground and small wallets; a wallet with its own login
 * uses the interaction API instead): a user name, a password kept as a scrypt hash (OpenSSL;
 * N = 2^15, r = 8, p = 1, 16-byte salt), the wallet addresses the user owns, and browser
 * sessions with their CSRF token. The admin routes over it are admin/admin_users.c.
 *
 * Threads: any thread; every call takes its own database connection and may block on it;
 * password checks cost ~50 ms of CPU by design.
 */
#ifndef RAFIKI_PAYMENTS_USERS_H
#define RAFIKI_PAYMENTS_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/digest.h"
#include "base/uuid.h"
#include "ledger/ledger.h"
#include "payments/wallet_address.h"
#include "store/db.h"

#define USER_NAME_MAX     64
#define USER_PASSWORD_MIN 8
#define USER_PASSWORD_MAX 256
#define USER_HASH_MAX     160
#define USER_SESSION_LEN  32 /* hex characters of a session cookie value */
#define USER_CSRF_LEN     32

typedef struct {
    char id[UUID_STR_LEN + 1];
    char username[USER_NAME_MAX + 1];
} user_t;

typedef enum {
    USERS_OK = 0,
    USERS_NOT_FOUND,
    USERS_DENIED,
    USERS_CONFLICT,  /* the user name is taken */
    USERS_INVALID,   /* a name or password outside the rules below */
    USERS_NO_WALLET, /* users_link: no such wallet address */
    USERS_ERROR
} users_result_t;

/* Hashes password into out ("scrypt$15$8$1$<salt>$<key>"); 0, or -1 when OpenSSL fails. */
int users_password_hash(const char *password, char out[USER_HASH_MAX + 1]);
/* True when password matches hash (constant time over the derived key). */
bool users_password_check(const char *password, const char *hash);

/* The user with this name and password: OK, DENIED (unknown name or wrong password, the same
 * answer and about the same time for both), ERROR. Costs a password check: the sign-in pages
 * call it through login_attempt (login.h), which limits and bounds those. */
users_result_t users_login(db_t *db, const char *username, const char *password, user_t *out);
/* The ids of the user's wallet addresses (up to cap, in id order) into ids; *n their count. */
users_result_t users_wallet_addresses(db_t *db, const char *user_id, char ids[][UUID_STR_LEN + 1],
                                      size_t cap, size_t *n);
/* OK when the user owns the wallet address at url, NOT_FOUND when not (or no such address). */
users_result_t users_owns(const wallet_ctx_t *w, const char *user_id, const char *wallet_url);

/* True for 1-USER_NAME_MAX letters, digits or . - _ @. */
bool users_name_ok(const char *username);
/* A new user with a password of USER_PASSWORD_MIN-MAX characters, owning the n wallet
 * addresses (all or nothing): OK (out filled), INVALID, CONFLICT, NOT_FOUND (wallet_ids[*missing]
 * is no wallet address), ERROR. Hashes the password (~50 ms). */
users_result_t users_create(const wallet_ctx_t *w, const char *username, const char *password,
                            const ledger_id_t *wallet_ids, size_t n, user_t *out, size_t *missing);
/* Gives the user one more wallet address (kept when it has it already): OK (out is the user),
 * NOT_FOUND (no such user), NO_WALLET, ERROR. */
users_result_t users_link(const wallet_ctx_t *w, const char *user_id, ledger_id_t wallet_id,
                          user_t *out);
/* Up to cap users with ids after `after` ("" for the first page), in id order. */
users_result_t users_list(db_t *db, const char *after, user_t *out, size_t cap, size_t *n);

/* A new session for the user: its cookie value and CSRF token, valid for ttl_ms. */
/* n_hex random hex digits (n_hex even, at most 128) into out (n_hex + 1 bytes): session
 * cookies and form tokens. */
void users_random_hex(char *out, size_t n_hex);
/* A session cookie as stored: hex SHA-256, so the table never holds a usable cookie. */
void users_session_hash(const char *cookie, char out[2 * SHA256_LEN + 1]);
users_result_t users_session_new(db_t *db, const user_t *u, int64_t ttl_ms,
                                 char cookie[USER_SESSION_LEN + 1], char csrf[USER_CSRF_LEN + 1]);
/* The user and CSRF token of a live session cookie: OK, NOT_FOUND (unknown or expired), ERROR. */
users_result_t users_session_get(db_t *db, const char *cookie, user_t *u,
                                 char csrf[USER_CSRF_LEN + 1]);

/* Ends the session of this cookie (nothing when there is none): OK or ERROR. */
users_result_t users_session_end(db_t *db, const char *cookie);

#endif
