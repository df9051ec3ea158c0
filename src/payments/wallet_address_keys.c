/*
 * Client keys of wallet addresses (wallet_address_keys): Ed25519 public keys as JWKs. Only the
 * kid and the public key x are stored; the other JWK members are fixed for this key type and
 * written back when the key is served, so a stored key has one spelling.
 */
#include <string.h>

#include "payments/wallet_address.h"
#include "payments/rows.h"
#include "base/clock.h"
#include "base/codec.h"

/* An optional string member that, when present, must equal want. */
static bool member_is(const json_t *jwk, const char *key, const char *want, bool required)
{
    const json_t *v = json_object_get(jwk, key);
    if (!v)
        return !required;
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

int wallet_key_parse_jwk(const json_t *jwk, const char **kid, const char **x, const char **why)
{
    if (!json_is_object(jwk)) {
        *why = "jwk must be an object";
        return -1;
    }
    if (!member_is(jwk, "kty", "OKP", true) || !member_is(jwk, "crv", "Ed25519", true)) {
        *why = "jwk must be an Ed25519 key (kty OKP, crv Ed25519)";
        return -1;
    }
    if (!member_is(jwk, "alg", "EdDSA", false) || !member_is(jwk, "use", "sig", false)) {
        *why = "jwk alg must be EdDSA and use sig when given";
        return -1;
    }
    const char *k = json_string_value(json_object_get(jwk, "kid"));
    size_t klen = k ? strlen(k) : 0;
    bool kid_ok = klen > 0 && klen <= WALLET_KEY_KID_MAX;
    for (size_t i = 0; kid_ok && i < klen; i++)
        kid_ok = k[i] > 0x20 && k[i] < 0x7f; /* printable, no space: it goes into URL paths */
    if (!kid_ok) {
        *why = "jwk kid must be 1..128 printable ASCII characters";
        return -1;
    }
    const char *xv = json_string_value(json_object_get(jwk, "x"));
    uint8_t raw[48];
    if (!xv || strlen(xv) != WALLET_KEY_X_LEN ||
        b64_decode(raw, sizeof raw, xv, WALLET_KEY_X_LEN, B64_URL) != 32) {
        *why = "jwk x must be a 32-byte public key in unpadded base64url";
        return -1;
    }
    *kid = k;
    *x = xv;
    return 0;
}

json_t *wallet_key_jwk(const wallet_key_t *k)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "kid", k->kid, "alg", "EdDSA", "kty", "OKP", "crv",
                     "Ed25519", "x", k->x);
}

/* ---- rows ---- */

#define KEY_COLUMNS                                                                                \
    "id, wallet_address_id, kid, x, revoked, created_at, updated_at FROM wallet_address_keys"

static void key_from_row(db_stmt_t *st, wallet_key_t *k)
{
    memset(k, 0, sizeof *k);
    k->id = pay_col_id(st, 0);
    k->wallet_address_id = pay_col_id(st, 1);
    pay_col_str(st, 2, k->kid, sizeof k->kid);
    pay_col_str(st, 3, k->x, sizeof k->x);
    k->revoked = db_col_bool(st, 4);
    k->created_ms = db_col_i64(st, 5);
    k->updated_ms = db_col_i64(st, 6);
}

static wallet_address_result_t key_storage(db_err_t *err, const db_err_t *e)
{
    if (err)
        *err = *e;
    return WALLET_ADDRESS_STORAGE_ERROR;
}

static db_rc_t wallet_exists(db_conn_t *c, ledger_id_t id, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, "SELECT 1 FROM wallet_addresses WHERE id = ?{{FOR_UPDATE}}", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, id);
    db_rc_t rc = db_step_one(st, e);
    return rc == DB_ROW ? DB_OK : rc;
}

/* One key by (wallet address, kid) into k: DB_OK, DB_NOT_FOUND or an error. */
static db_rc_t key_read(db_conn_t *c, ledger_id_t wid, const char *kid, wallet_key_t *k,
                        db_err_t *e)
{
    db_stmt_t *st =
        db_prepare(c, "SELECT " KEY_COLUMNS " WHERE wallet_address_id = ? AND kid = ?", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, wid);
    db_bind_str(st, 2, kid);
    db_rc_t rc = db_step_one(st, e);
    if (rc == DB_ROW)
        key_from_row(st, k);
    return rc == DB_ROW ? DB_OK : rc;
}

typedef struct {
    wallet_key_t *k;
    wallet_address_result_t r;
} key_arg_t;

static db_rc_t tx_key_add(db_conn_t *c, void *arg, db_err_t *e)
{
    key_arg_t *a = arg;
    wallet_key_t *k = a->k, old;
    db_rc_t rc = wallet_exists(c, k->wallet_address_id, e);
    if (rc != DB_OK)
        return rc;
    if ((rc = key_read(c, k->wallet_address_id, k->kid, &old, e)) != DB_NOT_FOUND) {
        a->r = WALLET_ADDRESS_KEY_EXISTS;
        return rc == DB_OK ? DB_CONSTRAINT : rc;
    }
    db_stmt_t *st =
        db_prepare(c, "SELECT COUNT(*) FROM wallet_address_keys WHERE wallet_address_id = ?", e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, k->wallet_address_id);
    if ((rc = db_step_one(st, e)) != DB_ROW)
        return rc;
    if (db_col_i64(st, 0) >= WALLET_KEYS_MAX) {
        a->r = WALLET_ADDRESS_KEYS_FULL;
        return DB_CONSTRAINT;
    }
    st = db_prepare(c,
                    "INSERT INTO wallet_address_keys (id, wallet_address_id, kid, x, revoked, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    e);
    if (!st)
        return e->code;
    pay_bind_id(st, 1, k->id);
    pay_bind_id(st, 2, k->wallet_address_id);
    db_bind_str(st, 3, k->kid);
    db_bind_str(st, 4, k->x);
    db_bind_bool(st, 5, false);
    db_bind_i64(st, 6, k->created_ms);
    db_bind_i64(st, 7, k->updated_ms);
    if ((rc = db_run(st, e)) == DB_CONSTRAINT)
        a->r = WALLET_ADDRESS_KEY_EXISTS; /* a concurrent add of the same kid won */
    return rc;
}

/* Maps a transaction's outcome: a->r when the transaction set it, else by code. */
static wallet_address_result_t key_result(db_rc_t rc, const key_arg_t *a, db_err_t *err,
                                          const db_err_t *e)
{
    if (rc == DB_OK)
        return WALLET_ADDRESS_OK;
    if (a->r != WALLET_ADDRESS_OK)
        return a->r;
    if (rc == DB_NOT_FOUND)
        return WALLET_ADDRESS_NOT_FOUND;
    return key_storage(err, e);
}

wallet_address_result_t wallet_key_add(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                       const char *kid, const char *x, wallet_key_t *out,
                                       db_err_t *err)
{
    if (strlen(kid) == 0 || strlen(kid) > WALLET_KEY_KID_MAX || strlen(x) != WALLET_KEY_X_LEN)
        return WALLET_ADDRESS_KEY_INVALID;
    wallet_key_t k = {.id = ledger_id_random(), .wallet_address_id = wallet_address_id};
    memcpy(k.kid, kid, strlen(kid) + 1);
    memcpy(k.x, x, WALLET_KEY_X_LEN + 1);
    k.created_ms = k.updated_ms = clock_wall_ms();
    key_arg_t a = {&k, WALLET_ADDRESS_OK};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_key_add, &a, &e);
    wallet_address_result_t r = key_result(rc, &a, err, &e);
    if (r == WALLET_ADDRESS_OK)
        *out = k;
    return r;
}

static db_rc_t tx_key_revoke(db_conn_t *c, void *arg, db_err_t *e)
{
    key_arg_t *a = arg;
    wallet_key_t *k = a->k;
    db_rc_t rc = wallet_exists(c, k->wallet_address_id, e);
    if (rc != DB_OK)
        return rc;
    int64_t now = k->updated_ms;
    if ((rc = key_read(c, k->wallet_address_id, k->kid, k, e)) != DB_OK) {
        if (rc == DB_NOT_FOUND)
            a->r = WALLET_ADDRESS_KEY_NOT_FOUND;
        return rc;
    }
    if (k->revoked)
        return DB_OK;
    db_stmt_t *st =
        db_prepare(c, "UPDATE wallet_address_keys SET revoked = ?, updated_at = ? WHERE id = ?", e);
    if (!st)
        return e->code;
    db_bind_bool(st, 1, true);
    db_bind_i64(st, 2, now);
    pay_bind_id(st, 3, k->id);
    k->revoked = true;
    k->updated_ms = now;
    return db_run(st, e);
}

wallet_address_result_t wallet_key_revoke(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                          const char *kid, wallet_key_t *out, db_err_t *err)
{
    if (strlen(kid) == 0 || strlen(kid) > WALLET_KEY_KID_MAX)
        return WALLET_ADDRESS_KEY_NOT_FOUND;
    wallet_key_t k = {.wallet_address_id = wallet_address_id, .updated_ms = clock_wall_ms()};
    memcpy(k.kid, kid, strlen(kid) + 1);
    key_arg_t a = {&k, WALLET_ADDRESS_OK};
    db_err_t e = {0};
    db_rc_t rc = db_write_tx(ctx->db, tx_key_revoke, &a, &e);
    wallet_address_result_t r = key_result(rc, &a, err, &e);
    if (r == WALLET_ADDRESS_OK)
        *out = k;
    return r;
}

wallet_address_result_t wallet_key_list(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                        wallet_key_t *out, size_t cap, size_t *n, db_err_t *err)
{
    *n = 0;
    db_err_t e = {0};
    db_conn_t *c = db_acquire(ctx->db, DB_CONN_READ, &e);
    if (!c)
        return key_storage(err, &e);
    wallet_address_result_t r = WALLET_ADDRESS_OK;
    db_stmt_t *st = db_prepare(
        c, "SELECT " KEY_COLUMNS " WHERE wallet_address_id = ? ORDER BY created_at, id", &e);
    db_rc_t rc = DB_DONE;
    if (st) {
        pay_bind_id(st, 1, wallet_address_id);
        while ((rc = db_step(st, &e)) == DB_ROW && *n < cap)
            key_from_row(st, &out[(*n)++]);
    }
    if (!st || rc < 0)
        r = key_storage(err, &e);
    db_release(c);
    return r;
}
