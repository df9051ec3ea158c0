/*
 * Users, their passwords and sessions (see users.h).
 */
#include "payments/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/rand.h"
#include "base/uuid.h"

#define SCRYPT_LOG_N  15
#define SCRYPT_R      8
#define SCRYPT_P      1
#define SCRYPT_SALT   16
#define SCRYPT_KEY    32
#define SCRYPT_MAXMEM (64u * 1024u * 1024u)

static int derive(const char *password, const uint8_t *salt, size_t salt_len, int log_n, int r,
                  int p, uint8_t key[SCRYPT_KEY])
{
    if (log_n < 10 || log_n > 20 || r < 1 || r > 32 || p < 1 || p > 4)
        return -1;
    return EVP_PBE_scrypt(password, strlen(password), salt, salt_len, (uint64_t)1 << log_n,
                          (uint64_t)r, (uint64_t)p, SCRYPT_MAXMEM, key, SCRYPT_KEY) == 1
               ? 0
               : -1;
}

int users_password_hash(const char *password, char out[USER_HASH_MAX + 1])
{
    uint8_t salt[SCRYPT_SALT], key[SCRYPT_KEY];
    char s64[32], k64[64];
    rand_bytes(salt, sizeof salt);
    if (derive(password, salt, sizeof salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, key) != 0 ||
        b64_encode(s64, sizeof s64, salt, sizeof salt, B64_STD) < 0 ||
        b64_encode(k64, sizeof k64, key, sizeof key, B64_STD) < 0)
        return -1;
    int n = snprintf(out, USER_HASH_MAX + 1, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG_N, SCRYPT_R,
                     SCRYPT_P, s64, k64);
    return n > 0 && n <= USER_HASH_MAX ? 0 : -1;
}

/* A decimal int in [0, 255] from the n bytes at s; -1 when it is not one. */
static int small_int(const char *s, size_t n)
{
    int v = 0;
    if (n == 0 || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= 255 ? v : -1;
}

/* The six '$'-separated fields of a stored hash ("scrypt", N, r, p, salt, key); 0 or -1. */
static int hash_fields(const char *hash, const char *f[6], size_t len[6])
{
    const char *p = hash;
    for (int i = 0; i < 6; i++) {
        const char *end = i < 5 ? strchr(p, '$') : p + strlen(p);
        if (!end)
            return -1;
        f[i] = p;
        len[i] = (size_t)(end - p);
        p = end + 1;
    }
    return len[0] == 6 && memcmp(f[0], "scrypt", 6) == 0 && len[4] < 64 && len[5] < 64 ? 0 : -1;
}

bool users_password_check(const char *password, const char *hash)
{
    const char *f[6];
    size_t len[6];
    if (!hash || hash_fields(hash, f, len) != 0)
        return false;
    int log_n = small_int(f[1], len[1]), r = small_int(f[2], len[2]), p = small_int(f[3], len[3]);
    if (log_n < 0 || r < 0 || p < 0)
        return false;
    uint8_t salt[48], want[48], got[SCRYPT_KEY];
    ssize_t sn = b64_decode(salt, sizeof salt, f[4], len[4], B64_STD);
    ssize_t kn = b64_decode(want, sizeof want, f[5], len[5], B64_STD);
    if (sn <= 0 || kn != SCRYPT_KEY || derive(password, salt, (size_t)sn, log_n, r, p, got) != 0)
        return false;
    return ct_equal(got, want, SCRYPT_KEY);
}

/* ---- database ---- */

typedef struct {
    db_conn_t *c;
    db_err_t e;
} conn_t;

static db_stmt_t *prep(db_t *db, conn_t *k, bool write, const char *sql)
{
    memset(k, 0, sizeof *k);
    k->c = db_acquire(db, write ? DB_CONN_WRITE : DB_CONN_READ, &k->e);
    return k->c ? db_prepare(k->c, sql, &k->e) : NULL;
}

static users_result_t done(conn_t *k, users_result_t rc)
{
    if (rc == USERS_ERROR)
        LOGE("users: database: %s", k->e.msg);
    if (k->c)
        db_release(k->c);
    return rc;
}

users_result_t users_login(db_t *db, const char *username, const char *password, user_t *out)
{
    conn_t k;
    db_stmt_t *st = prep(db, &k, false, "SELECT id, password_hash FROM users WHERE username = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, username);
    db_rc_t r = db_step_one(st, &k.e);
    if (r != DB_ROW && r != DB_NOT_FOUND)
        return done(&k, USERS_ERROR);
    char id[UUID_STR_LEN + 1] = "", hash[USER_HASH_MAX + 1];
    /* an unknown user costs a scrypt too, so the answer's timing does not tell which it was */
    snprintf(hash, sizeof hash, "%s",
             "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    if (r == DB_ROW) {
        snprintf(id, sizeof id, "%s", db_col_text(st, 0, NULL));
        snprintf(hash, sizeof hash, "%s", db_col_text(st, 1, NULL));
    }
    done(&k, USERS_OK);
    bool ok = users_password_check(password, hash) && r == DB_ROW;
    if (!ok)
        return USERS_DENIED;
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->username, sizeof out->username, "%s", username);
    return USERS_OK;
}

users_result_t users_owns(const wallet_ctx_t *w, const char *user_id, const char *wallet_url)
{
    wallet_address_t wa;
    db_err_t e;
    wallet_address_result_t wr =
        wallet_address_get_by_url(w, wallet_url, strlen(wallet_url), &wa, &e);
    if (wr == WALLET_ADDRESS_NOT_FOUND)
        return USERS_NOT_FOUND;
    if (wr != WALLET_ADDRESS_OK)
        return USERS_ERROR;
    char wid[UUID_STR_LEN + 1];
    ledger_id_format(wa.id, wid);
    conn_t k;
    db_stmt_t *st = prep(w->db, &k, false,
                         "SELECT 1 FROM user_wallet_addresses WHERE user_id = ? AND "
                         "wallet_address_id = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, user_id);
    db_bind_str(st, 2, wid);
    db_rc_t r = db_step_one(st, &k.e);
    return done(&k, r == DB_ROW ? USERS_OK : r == DB_NOT_FOUND ? USERS_NOT_FOUND : USERS_ERROR);
}

void users_random_hex(char *out, size_t n_hex)
{
    uint8_t b[64];
    ASSERT(n_hex / 2 <= sizeof b);
    rand_bytes(b, n_hex / 2);
    hex_encode(out, n_hex + 1, b, n_hex / 2);
}

void users_session_hash(const char *cookie, char out[2 * SHA256_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    sha256(h, cookie, strlen(cookie));
    hex_encode(out, 2 * SHA256_LEN + 1, h, sizeof h);
}

users_result_t users_session_new(db_t *db, const user_t *u, int64_t ttl_ms,
                                 char cookie[USER_SESSION_LEN + 1], char csrf[USER_CSRF_LEN + 1])
{
    char hash[2 * SHA256_LEN + 1];
    users_random_hex(cookie, USER_SESSION_LEN);
    users_random_hex(csrf, USER_CSRF_LEN);
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, true,
                         "INSERT INTO user_sessions (id_hash, user_id, csrf, expires_ms) VALUES "
                         "(?, ?, ?, ?)");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, hash);
    db_bind_str(st, 2, u->id);
    db_bind_str(st, 3, csrf);
    db_bind_i64(st, 4, clock_wall_ms() + ttl_ms);
    return done(&k, db_run(st, &k.e) == DB_OK ? USERS_OK : USERS_ERROR);
}

users_result_t users_session_get(db_t *db, const char *cookie, user_t *u,
                                 char csrf[USER_CSRF_LEN + 1])
{
    if (strlen(cookie) != USER_SESSION_LEN)
        return USERS_NOT_FOUND;
    char hash[2 * SHA256_LEN + 1];
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, false,
                         "SELECT s.user_id, u.username, s.csrf FROM user_sessions s JOIN users u "
                         "ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_ms > ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, clock_wall_ms());
    db_rc_t r = db_step_one(st, &k.e);
    if (r == DB_ROW) {
        snprintf(u->id, sizeof u->id, "%s", db_col_text(st, 0, NULL));
        snprintf(u->username, sizeof u->username, "%s", db_col_text(st, 1, NULL));
        snprintf(csrf, USER_CSRF_LEN + 1, "%s", db_col_text(st, 2, NULL));
    }
    return done(&k, r == DB_ROW ? USERS_OK : r == DB_NOT_FOUND ? USERS_NOT_FOUND : USERS_ERROR);
}

users_result_t users_session_end(db_t *db, const char *cookie)
{
    char hash[2 * SHA256_LEN + 1];
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, true, "DELETE FROM user_sessions WHERE id_hash = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, hash);
    return done(&k, db_run(st, &k.e) == DB_OK ? USERS_OK : USERS_ERROR);
}

users_result_t users_wallet_addresses(db_t *db, const char *user_id, char ids[][UUID_STR_LEN + 1],
                                      size_t cap, size_t *n)
{
    db_err_t e;
    *n = 0;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c,
                                   "SELECT wallet_address_id FROM user_wallet_addresses WHERE "
                                   "user_id = ? ORDER BY wallet_address_id",
                                   &e)
                      : NULL;
    db_rc_t rc = DB_ERROR;
    if (st) {
        db_bind_str(st, 1, user_id);
        while ((rc = db_step(st, &e)) == DB_ROW)
            if (*n < cap)
                snprintf(ids[(*n)++], UUID_STR_LEN + 1, "%s", db_col_text(st, 0, NULL));
    }
    if (c)
        db_release(c);
    return rc == DB_DONE ? USERS_OK : USERS_ERROR;
}

/* ---- creating and linking ---- */

bool users_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > USER_NAME_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_' || *s == '@'))
            return false;
    return true;
}

/* The first of ids that is not a wallet address: NOT_FOUND with *missing its index. */
static users_result_t wallets_exist(const wallet_ctx_t *w, const ledger_id_t *ids, size_t n,
                                    size_t *missing)
{
    for (size_t i = 0; i < n; i++) {
        wallet_address_t wa;
        db_err_t e;
        wallet_address_result_t r = wallet_address_get(w, ids[i], &wa, &e);
        if (r == WALLET_ADDRESS_NOT_FOUND) {
            *missing = i;
            return USERS_NOT_FOUND;
        }
        if (r != WALLET_ADDRESS_OK)
            return USERS_ERROR;
    }
    return USERS_OK;
}

/* Links user_id to each of ids in c's transaction; a link that exists already is kept. */
static users_result_t link_all(db_conn_t *c, const char *user_id, const ledger_id_t *ids, size_t n,
                               db_err_t *e)
{
    for (size_t i = 0; i < n; i++) {
        char wid[UUID_STR_LEN + 1];
        ledger_id_format(ids[i], wid);
        db_stmt_t *st = db_prepare(c,
                                   "INSERT INTO user_wallet_addresses (user_id, wallet_address_id) "
                                   "VALUES (?, ?)",
                                   e);
        if (!st)
            return USERS_ERROR;
        db_bind_str(st, 1, user_id);
        db_bind_str(st, 2, wid);
        db_rc_t r = db_run(st, e);
        if (r != DB_OK && r != DB_CONSTRAINT) /* a constraint: already linked */
            return USERS_ERROR;
    }
    return USERS_OK;
}

/* Runs the insert of a new user (id, name, hash) and its links in one transaction. */
static users_result_t create_tx(db_t *db, const user_t *u, const char *hash, const ledger_id_t *ids,
                                size_t n)
{
    conn_t k;
    db_stmt_t *st = NULL;
    memset(&k, 0, sizeof k);
    k.c = db_acquire(db, DB_CONN_WRITE, &k.e);
    if (!k.c || db_begin(k.c, DB_TX_WRITE, &k.e) != DB_OK)
        return done(&k, USERS_ERROR);
    st = db_prepare(
        k.c, "INSERT INTO users (id, username, password_hash, created_ms) VALUES (?, ?, ?, ?)",
        &k.e);
    users_result_t rc = USERS_ERROR;
    if (st) {
        db_bind_str(st, 1, u->id);
        db_bind_str(st, 2, u->username);
        db_bind_str(st, 3, hash);
        db_bind_i64(st, 4, clock_wall_ms());
        db_rc_t r = db_run(st, &k.e);
        rc = r == DB_CONSTRAINT ? USERS_CONFLICT : r == DB_OK ? USERS_OK : USERS_ERROR;
    }
    if (rc == USERS_OK)
        rc = link_all(k.c, u->id, ids, n, &k.e);
    if (rc == USERS_OK && db_commit(k.c, &k.e) != DB_OK)
        rc = USERS_ERROR;
    db_rollback(k.c);
    return done(&k, rc);
}

users_result_t users_create(const wallet_ctx_t *w, const char *username, const char *password,
                            const ledger_id_t *wallet_ids, size_t n, user_t *out, size_t *missing)
{
    if (!users_name_ok(username) || strlen(password) < USER_PASSWORD_MIN ||
        strlen(password) > USER_PASSWORD_MAX)
        return USERS_INVALID;
    users_result_t rc = wallets_exist(w, wallet_ids, n, missing);
    if (rc != USERS_OK)
        return rc;
    char hash[USER_HASH_MAX + 1];
    if (users_password_hash(password, hash) != 0)
        return USERS_ERROR;
    uuid_v4(out->id);
    snprintf(out->username, sizeof out->username, "%s", username);
    return create_tx(w->db, out, hash, wallet_ids, n);
}

users_result_t users_link(const wallet_ctx_t *w, const char *user_id, ledger_id_t wallet_id,
                          user_t *out)
{
    size_t missing;
    conn_t k;
    db_stmt_t *st = prep(w->db, &k, false, "SELECT username FROM users WHERE id = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, user_id);
    db_rc_t r = db_step_one(st, &k.e);
    if (r == DB_ROW) {
        snprintf(out->id, sizeof out->id, "%s", user_id);
        snprintf(out->username, sizeof out->username, "%s", db_col_text(st, 0, NULL));
    }
    done(&k, USERS_OK);
    if (r != DB_ROW)
        return r == DB_NOT_FOUND ? USERS_NOT_FOUND : USERS_ERROR;
    users_result_t rc = wallets_exist(w, &wallet_id, 1, &missing);
    if (rc != USERS_OK)
        return rc == USERS_NOT_FOUND ? USERS_NO_WALLET : rc;
    memset(&k, 0, sizeof k);
    k.c = db_acquire(w->db, DB_CONN_WRITE, &k.e);
    if (!k.c)
        return done(&k, USERS_ERROR);
    return done(&k, link_all(k.c, user_id, &wallet_id, 1, &k.e));
}

users_result_t users_list(db_t *db, const char *after, user_t *out, size_t cap, size_t *n)
{
    *n = 0;
    conn_t k;
    db_stmt_t *st =
        prep(db, &k, false, "SELECT id, username FROM users WHERE id > ? ORDER BY id LIMIT ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, after);
    db_bind_i64(st, 2, (int64_t)cap);
    db_rc_t r;
    while ((r = db_step(st, &k.e)) == DB_ROW && *n < cap) {
        snprintf(out[*n].id, sizeof out[*n].id, "%s", db_col_text(st, 0, NULL));
        snprintf(out[*n].username, sizeof out[*n].username, "%s", db_col_text(st, 1, NULL));
        (*n)++;
    }
    return done(&k, r == DB_DONE || r == DB_ROW ? USERS_OK : USERS_ERROR);
}
