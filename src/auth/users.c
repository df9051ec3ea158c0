/*
 * Users, their passwords and sessions (see users.h).
 */
#include "auth/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/codec.h"
#include "base/ct.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/rand.h"

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

bool users_password_check(const char *password, const char *hash)
{
    int log_n, r, p, used = 0;
    char s64[64], k64[64];
    if (!hash ||
        sscanf(hash, "scrypt$%d$%d$%d$%63[^$]$%63s%n", &log_n, &r, &p, s64, k64, &used) != 5 ||
        hash[used] != '\0')
        return false;
    uint8_t salt[48], want[48], got[SCRYPT_KEY];
    ssize_t sn = b64_decode(salt, sizeof salt, s64, strlen(s64), B64_STD);
    ssize_t kn = b64_decode(want, sizeof want, k64, strlen(k64), B64_STD);
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

users_result_t users_owns(db_t *db, const char *user_id, const char *wallet_url)
{
    conn_t k;
    db_stmt_t *st = prep(db, &k, false,
                         "SELECT 1 FROM user_wallet_addresses u JOIN wallet_addresses w ON w.id = "
                         "u.wallet_address_id WHERE u.user_id = ? AND w.url = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, user_id);
    db_bind_str(st, 2, wallet_url);
    db_rc_t r = db_step_one(st, &k.e);
    return done(&k, r == DB_ROW ? USERS_OK : r == DB_NOT_FOUND ? USERS_NOT_FOUND : USERS_ERROR);
}

static void random_hex(char *out, size_t n_hex)
{
    uint8_t b[64];
    rand_bytes(b, n_hex / 2);
    hex_encode(out, n_hex + 1, b, n_hex / 2);
}

static void session_hash(const char *cookie, char out[2 * SHA256_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    sha256(h, cookie, strlen(cookie));
    hex_encode(out, 2 * SHA256_LEN + 1, h, sizeof h);
}

users_result_t users_session_new(db_t *db, const user_t *u, int64_t ttl_ms,
                                 char cookie[USER_SESSION_LEN + 1], char csrf[USER_CSRF_LEN + 1])
{
    char hash[2 * SHA256_LEN + 1];
    random_hex(cookie, USER_SESSION_LEN);
    random_hex(csrf, USER_CSRF_LEN);
    session_hash(cookie, hash);
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
    session_hash(cookie, hash);
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
    session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, true, "DELETE FROM user_sessions WHERE id_hash = ?");
    if (!st)
        return done(&k, USERS_ERROR);
    db_bind_str(st, 1, hash);
    return done(&k, db_run(st, &k.e) == DB_OK ? USERS_OK : USERS_ERROR);
}

/* ---- admin routes ---- */

static db_t *g_db;

static bool name_ok(const char *s)
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

/* Links user to each wallet address id of list (a JSON array of ids) in conn's transaction. */
static int link_wallets(admin_call_t *call, db_conn_t *c, const char *user_id, const json_t *list,
                        db_err_t *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        ledger_id_t id;
        const char *s = json_string_value(v);
        if (!s || ledger_id_parse(s, strlen(s), &id) != 0) {
            admin_error(call, 400, "invalid_field",
                        "wallet_address_ids must be wallet address ids");
            return -1;
        }
        db_stmt_t *st = db_prepare(c,
                                   "INSERT INTO user_wallet_addresses (user_id, wallet_address_id) "
                                   "SELECT ?, id FROM wallet_addresses WHERE id = ?",
                                   e);
        if (!st)
            return -2;
        db_bind_str(st, 1, user_id);
        db_bind_str(st, 2, s);
        db_rc_t r = db_run(st, e);
        if (r == DB_CONSTRAINT)
            continue; /* already linked */
        if (r != DB_OK)
            return -2;
        if (db_changes(st) != 1) {
            admin_error(call, 404, "wallet_address_not_found", "no wallet address %s", s);
            return -1;
        }
    }
    return 0;
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

static json_t *user_json(db_conn_t *c, const char *id, const char *username, db_err_t *e)
{
    json_t *ids = json_array();
    db_stmt_t *st = db_prepare(c,
                               "SELECT wallet_address_id FROM user_wallet_addresses WHERE "
                               "user_id = ? ORDER BY wallet_address_id",
                               e);
    if (st) {
        db_bind_str(st, 1, id);
        while (db_step(st, e) == DB_ROW)
            json_array_append_new(ids, json_string(db_col_text(st, 0, NULL)));
    }
    return json_pack("{s:s,s:s,s:o}", "id", id, "username", username, "wallet_address_ids", ids);
}

static http_handler_result_t user_create(admin_call_t *call)
{
    static const char *const keys[] = {"username", "password", "wallet_address_ids", NULL};
    json_t *body = admin_body(call);
    if (!body || admin_check_keys(call, body, "the user", keys) != 0)
        return HTTP_DONE;
    const char *name = json_string_value(json_object_get(body, "username"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    const json_t *wallets = json_object_get(body, "wallet_address_ids");
    if (!name || !name_ok(name))
        return admin_error(call, 400, "invalid_field",
                           "'username' must be 1-64 letters, digits or . - _ @");
    if (!pw || strlen(pw) < USER_PASSWORD_MIN || strlen(pw) > USER_PASSWORD_MAX)
        return admin_error(call, 400, "invalid_field", "'password' must be 8-256 characters");
    if (wallets && !json_is_array(wallets))
        return admin_error(call, 400, "invalid_field", "'wallet_address_ids' must be a list");
    char hash[USER_HASH_MAX + 1], id[UUID_STR_LEN + 1];
    if (users_password_hash(pw, hash) != 0)
        return admin_error(call, 500, "internal", "cannot hash the password");
    uuid_v4(id);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(g_db, DB_CONN_WRITE, &e);
    if (!c || db_begin(c, DB_TX_WRITE, &e) != DB_OK) {
        if (c)
            db_release(c);
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
    db_stmt_t *st = db_prepare(c,
                               "INSERT INTO users (id, username, password_hash, created_ms) "
                               "VALUES (?, ?, ?, ?)",
                               &e);
    db_rc_t r = DB_ERROR;
    if (st) {
        db_bind_str(st, 1, id);
        db_bind_str(st, 2, name);
        db_bind_str(st, 3, hash);
        db_bind_i64(st, 4, clock_wall_ms());
        r = db_run(st, &e);
    }
    http_handler_result_t res;
    int lr = 0;
    if (r == DB_CONSTRAINT) {
        res = admin_error(call, 409, "username_taken", "user %s exists", name);
    } else if (r != DB_OK || (lr = link_wallets(call, c, id, wallets, &e)) == -2) {
        res = admin_error(call, 503, "storage_error", "the database is unavailable");
    } else if (lr != 0) {
        res = HTTP_DONE; /* answered */
    } else {
        json_t *doc = user_json(c, id, name, &e);
        res = db_commit(c, &e) == DB_OK
                  ? admin_reply(call, 201, doc)
                  : (json_decref(doc),
                     admin_error(call, 503, "storage_error", "the database is unavailable"));
    }
    db_rollback(c);
    db_release(c);
    return res;
}

/* GET /users: a page by id, as the other admin lists. */
static http_handler_result_t user_list(admin_call_t *call)
{
    size_t limit;
    ledger_id_t after = {0, 0};
    if (admin_query_limit(call, &limit) != 0)
        return HTTP_DONE;
    const char *cursor = http_req_query(call->req, "cursor");
    if (cursor && *cursor && ledger_id_parse(cursor, strlen(cursor), &after) != 0)
        return admin_error(call, 400, "invalid_cursor", "the cursor is not valid");
    char after_s[UUID_STR_LEN + 1];
    ledger_id_format(after, after_s);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(g_db, DB_CONN_READ, &e);
    db_stmt_t *st = c ? db_prepare(c,
                                   "SELECT id, username FROM users WHERE id > ? ORDER BY id "
                                   "LIMIT ?",
                                   &e)
                      : NULL;
    if (!st) {
        if (c)
            db_release(c);
        return admin_error(call, 503, "storage_error", "the database is unavailable");
    }
    db_bind_str(st, 1, after_s);
    db_bind_i64(st, 2, (int64_t)limit + 1);
    char ids[ADMIN_PAGE_MAX + 1][UUID_STR_LEN + 1], names[ADMIN_PAGE_MAX + 1][USER_NAME_MAX + 1];
    size_t n = 0;
    while (n <= limit && db_step(st, &e) == DB_ROW) {
        snprintf(ids[n], sizeof ids[n], "%s", db_col_text(st, 0, NULL));
        snprintf(names[n], sizeof names[n], "%s", db_col_text(st, 1, NULL));
        n++;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(list, user_json(c, ids[i], names[i], &e));
    db_release(c);
    json_t *next = n > limit ? json_string(ids[limit - 1]) : json_null();
    return admin_reply(call, 200, json_pack("{s:o,s:o}", "users", list, "next_cursor", next));
}

static http_handler_result_t user_link(admin_call_t *call)
{
    static const char *const keys[] = {"wallet_address_id", NULL};
    json_t *body = admin_body(call);
    ledger_id_t uid;
    if (!body || admin_check_keys(call, body, "the link", keys) != 0 ||
        admin_path_id(call, "id", &uid) != 0)
        return HTTP_DONE;
    char id[UUID_STR_LEN + 1], name[USER_NAME_MAX + 1] = "";
    ledger_id_format(uid, id);
    const json_t *wa = json_object_get(body, "wallet_address_id");
    if (!json_is_string(wa))
        return admin_error(call, 400, "invalid_field", "'wallet_address_id' must be an id");
    json_t *list = json_pack("[O]", wa);
    db_err_t e = {0};
    db_conn_t *c = db_acquire(g_db, DB_CONN_WRITE, &e);
    http_handler_result_t res = HTTP_DONE;
    if (!c || db_begin(c, DB_TX_WRITE, &e) != DB_OK) {
        res = admin_error(call, 503, "storage_error", "the database is unavailable");
        goto out;
    }
    db_stmt_t *st = db_prepare(c, "SELECT username FROM users WHERE id = ?", &e);
    db_rc_t r = DB_ERROR;
    if (st) {
        db_bind_str(st, 1, id);
        if ((r = db_step_one(st, &e)) == DB_ROW)
            snprintf(name, sizeof name, "%s", db_col_text(st, 0, NULL));
    }
    int lr;
    if (r == DB_NOT_FOUND)
        res = admin_error(call, 404, "user_not_found", "no user %s", id);
    else if (r != DB_ROW || (lr = link_wallets(call, c, id, list, &e)) == -2)
        res = admin_error(call, 503, "storage_error", "the database is unavailable");
    else if (lr == 0) {
        json_t *doc = user_json(c, id, name, &e);
        res = db_commit(c, &e) == DB_OK
                  ? admin_reply(call, 200, doc)
                  : (json_decref(doc),
                     admin_error(call, 503, "storage_error", "the database is unavailable"));
    }
out:
    json_decref(list);
    if (c) {
        db_rollback(c);
        db_release(c);
    }
    return res;
}

static const admin_route_t ROUTES[] = {
    ADMIN_ROUTE("POST", "/users", user_create),
    ADMIN_ROUTE("GET", "/users", user_list),
    ADMIN_ROUTE("POST", "/users/{id}/wallet-addresses", user_link),
};

int users_admin_register(http_server_t *s, admin_ctx_t *ctx, db_t *db)
{
    g_db = db;
    return admin_routes_register(s, ctx, ROUTES, sizeof ROUTES / sizeof *ROUTES);
}
