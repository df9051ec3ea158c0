/*
 * Users of the built-in login (the playground and small wallets; a wallet with its own login
 * uses the interaction API instead): a user name, a password kept as a scrypt hash (OpenSSL;
 * N = 2^15, r = 8, p = 1, 16-byte salt), the wallet addresses the user owns, and browser
 * sessions with their CSRF token. Admin routes (admin port): POST /users, GET /users,
 * POST /users/{id}/wallet-addresses.
 *
 * Threads: any thread; every call takes its own database connection and may block on it;
 * password checks cost ~50 ms of CPU by design.
 */
#ifndef RAFIKI_AUTH_USERS_H
#define RAFIKI_AUTH_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/admin.h"
#include "base/uuid.h"
#include "http/server.h"
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
    USERS_CONFLICT,
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
/* True when the user owns the wallet address at url. */
users_result_t users_owns(db_t *db, const char *user_id, const char *wallet_url);

/* A new session for the user: its cookie value and CSRF token, valid for ttl_ms. */
users_result_t users_session_new(db_t *db, const user_t *u, int64_t ttl_ms,
                                 char cookie[USER_SESSION_LEN + 1], char csrf[USER_CSRF_LEN + 1]);
/* The user and CSRF token of a live session cookie: OK, NOT_FOUND (unknown or expired), ERROR. */
users_result_t users_session_get(db_t *db, const char *cookie, user_t *u,
                                 char csrf[USER_CSRF_LEN + 1]);

/* Ends the session of this cookie (nothing when there is none): OK or ERROR. */
users_result_t users_session_end(db_t *db, const char *cookie);

/* The admin routes; db outlives the server. 0 or -1. */
int users_admin_register(http_server_t *s, admin_ctx_t *ctx, db_t *db);

#endif
