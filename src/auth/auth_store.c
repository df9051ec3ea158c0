/*
 * Grant and token rows of the authorization server (sql/050_auth.sql). Each call runs in its
 * own short transaction on its own connection; state changes are conditional UPDATEs, so two
 * requests racing on one grant (two continues, a continue and a cancel) cannot both win, also
 * across replicas.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/rand.h"

static const char *const state_names[] = {"PENDING", "APPROVED", "FINALIZED", "DENIED", "REVOKED"};

const char *grant_state_str(grant_state_t s)
{
    return state_names[s];
}

static grant_state_t state_parse(const char *s)
{
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, state_names[i]) == 0)
            return (grant_state_t)i;
    return GRANT_REVOKED; /* unreadable: treat as unusable */
}

void grant_release(grant_t *g)
{
    json_decref(g->client_jwk);
    json_decref(g->access);
    g->client_jwk = g->access = NULL;
}

void auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
    static const char hex[] = "0123456789ABCDEF";
    uint8_t b[AUTH_TOKEN_LEN / 2];
    rand_bytes(b, sizeof b);
    for (size_t i = 0; i < sizeof b; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[AUTH_TOKEN_LEN] = '\0';
}

void auth_hash(const char *token, char out[AUTH_HASH_HEX_LEN + 1])
{
    uint8_t h[SHA256_LEN];
    sha256(h, token, strlen(token));
    hex_encode(out, AUTH_HASH_HEX_LEN + 1, h, sizeof h);
}

/* ---- plumbing ---- */

typedef struct {
    db_conn_t *conn;
    db_err_t err;
} tx_t;

static grant_store_result_t tx_begin(auth_t *a, tx_t *t, bool write)
{
    memset(t, 0, sizeof *t);
    t->conn = db_acquire(a->cfg.db, write ? DB_CONN_WRITE : DB_CONN_READ, &t->err);
    if (!t->conn) {
        LOGE("auth: database: %s", t->err.msg);
        return GSTORE_ERROR;
    }
    if (write && db_begin(t->conn, DB_TX_WRITE, &t->err) != DB_OK) {
        LOGE("auth: database: %s", t->err.msg);
        db_release(t->conn);
        return GSTORE_ERROR;
    }
    return GSTORE_OK;
}

static grant_store_result_t tx_end(tx_t *t, grant_store_result_t rc)
{
    if (db_in_tx(t->conn)) {
        if (rc == GSTORE_OK && db_commit(t->conn, &t->err) != DB_OK)
            rc = GSTORE_ERROR;
        else if (rc != GSTORE_OK)
            db_rollback(t->conn);
    }
    if (rc == GSTORE_ERROR && t->err.msg[0])
        LOGE("auth: database: %s", t->err.msg);
    db_release(t->conn);
    return rc;
}

static grant_store_result_t run(db_stmt_t *st, tx_t *t)
{
    if (!st)
        return GSTORE_ERROR;
    db_rc_t rc = db_run(st, &t->err);
    return rc == DB_OK ? GSTORE_OK : rc == DB_CONSTRAINT ? GSTORE_CONFLICT : GSTORE_ERROR;
}

static void copy_col(db_stmt_t *st, int col, char *out, size_t cap)
{
    const char *v = db_col_null(st, col) ? "" : db_col_text(st, col, NULL);
    snprintf(out, cap, "%s", v ? v : "");
}

static json_t *json_col(db_stmt_t *st, int col)
{
    if (db_col_null(st, col))
        return NULL;
    size_t n;
    const char *v = db_col_text(st, col, &n);
    return v ? json_loadb(v, n, 0, NULL) : NULL;
}

/* ---- grants ---- */

#define GRANT_COLS                                                                                 \
    "id, state, client, client_jwk, client_name, access, continue_hash, finish_uri, "              \
    "client_nonce, interact_id, interact_nonce, interact_ref, session_hash, "                      \
    "interaction_expires_ms, last_continue_ms, created_ms"

static void grant_read(db_stmt_t *st, grant_t *g)
{
    memset(g, 0, sizeof *g);
    copy_col(st, 0, g->id, sizeof g->id);
    char state[16];
    copy_col(st, 1, state, sizeof state);
    g->state = state_parse(state);
    copy_col(st, 2, g->client, sizeof g->client);
    g->client_jwk = json_col(st, 3);
    copy_col(st, 4, g->client_name, sizeof g->client_name);
    g->access = json_col(st, 5);
    copy_col(st, 6, g->continue_hash, sizeof g->continue_hash);
    copy_col(st, 7, g->finish_uri, sizeof g->finish_uri);
    copy_col(st, 8, g->client_nonce, sizeof g->client_nonce);
    copy_col(st, 9, g->interact_id, sizeof g->interact_id);
    copy_col(st, 10, g->interact_nonce, sizeof g->interact_nonce);
    copy_col(st, 11, g->interact_ref, sizeof g->interact_ref);
    copy_col(st, 12, g->session_hash, sizeof g->session_hash);
    g->interaction_expires_ms = db_col_null(st, 13) ? 0 : db_col_i64(st, 13);
    g->last_continue_ms = db_col_i64(st, 14);
    g->created_ms = db_col_i64(st, 15);
}

static void bind_opt(db_stmt_t *st, int idx, const char *s)
{
    db_bind_str(st, idx, s && *s ? s : NULL);
}

grant_store_result_t grant_insert(auth_t *a, const grant_t *g)
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn,
                               "INSERT INTO auth_grants (" GRANT_COLS ", updated_ms) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               &t.err);
    char *jwk = g->client_jwk ? json_dumps(g->client_jwk, JSON_COMPACT) : NULL;
    char *access = json_dumps(g->access, JSON_COMPACT);
    if (st) {
        db_bind_str(st, 1, g->id);
        db_bind_str(st, 2, grant_state_str(g->state));
        db_bind_str(st, 3, g->client);
        db_bind_str(st, 4, jwk);
        db_bind_str(st, 5, g->client_name);
        db_bind_str(st, 6, access ? access : "[]");
        db_bind_str(st, 7, g->continue_hash);
        bind_opt(st, 8, g->finish_uri);
        bind_opt(st, 9, g->client_nonce);
        bind_opt(st, 10, g->interact_id);
        bind_opt(st, 11, g->interact_nonce);
        bind_opt(st, 12, g->interact_ref);
        bind_opt(st, 13, g->session_hash);
        if (g->interaction_expires_ms)
            db_bind_i64(st, 14, g->interaction_expires_ms);
        else
            db_bind_null(st, 14);
        db_bind_i64(st, 15, g->last_continue_ms);
        db_bind_i64(st, 16, g->created_ms);
        db_bind_i64(st, 17, g->created_ms);
    }
    grant_store_result_t rc = run(st, &t);
    free(jwk);
    free(access);
    return tx_end(&t, rc);
}

static grant_store_result_t grant_select(auth_t *a, const char *sql, const char *p1, const char *p2,
                                         grant_t *out)
{
    tx_t t;
    if (tx_begin(a, &t, false) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn, sql, &t.err);
    grant_store_result_t rc = GSTORE_ERROR;
    if (st) {
        db_bind_str(st, 1, p1);
        if (p2)
            db_bind_str(st, 2, p2);
        db_rc_t r = db_step_one(st, &t.err);
        if (r == DB_ROW) {
            grant_read(st, out);
            rc = GSTORE_OK;
        } else if (r == DB_NOT_FOUND) {
            rc = GSTORE_NOT_FOUND;
        }
    }
    return tx_end(&t, rc);
}

grant_store_result_t grant_get(auth_t *a, const char *id, grant_t *out)
{
    return grant_select(a, "SELECT " GRANT_COLS " FROM auth_grants WHERE id = ?", id, NULL, out);
}

grant_store_result_t grant_get_by_interaction(auth_t *a, const char *interact_id, const char *nonce,
                                              grant_t *out)
{
    return grant_select(
        a, "SELECT " GRANT_COLS " FROM auth_grants WHERE interact_id = ? AND interact_nonce = ?",
        interact_id, nonce, out);
}

grant_store_result_t grant_transition(auth_t *a, const char *id, grant_state_t from,
                                      grant_state_t to, const char *interact_ref,
                                      const char *subject)
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn,
                               "UPDATE auth_grants SET state = ?, interact_ref = COALESCE(?, "
                               "interact_ref), subject = COALESCE(?, subject), updated_ms = ? "
                               "WHERE id = ? AND state = ?",
                               &t.err);
    if (st) {
        db_bind_str(st, 1, grant_state_str(to));
        db_bind_str(st, 2, interact_ref);
        db_bind_str(st, 3, subject);
        db_bind_i64(st, 4, clock_wall_ms());
        db_bind_str(st, 5, id);
        db_bind_str(st, 6, grant_state_str(from));
    }
    grant_store_result_t rc = run(st, &t);
    if (rc == GSTORE_OK && db_changes(st) != 1)
        rc = GSTORE_NOT_FOUND;
    return tx_end(&t, rc);
}

static grant_store_result_t grant_set(auth_t *a, const char *sql, const char *text, int64_t num,
                                      const char *id)
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn, sql, &t.err);
    if (st) {
        if (text)
            db_bind_str(st, 1, text);
        else
            db_bind_i64(st, 1, num);
        db_bind_str(st, 2, id);
    }
    return tx_end(&t, run(st, &t));
}

grant_store_result_t grant_set_session(auth_t *a, const char *id, const char *session_hash)
{
    return grant_set(a, "UPDATE auth_grants SET session_hash = ? WHERE id = ?", session_hash, 0,
                     id);
}

grant_store_result_t grant_touch_continue(auth_t *a, const char *id, int64_t now_ms)
{
    return grant_set(a, "UPDATE auth_grants SET last_continue_ms = ? WHERE id = ?", NULL, now_ms,
                     id);
}

/* ---- tokens ---- */

static grant_store_result_t token_insert(auth_t *a, tx_t *t, const char *grant_id,
                                         char value[AUTH_TOKEN_LEN + 1], char id[UUID_STR_LEN + 1])
{
    char hash[AUTH_HASH_HEX_LEN + 1];
    auth_token_new(value);
    auth_hash(value, hash);
    uuid_v4(id);
    int64_t now = clock_wall_ms();
    db_stmt_t *st = db_prepare(t->conn,
                               "INSERT INTO auth_tokens (id, grant_id, token_hash, expires_ms, "
                               "revoked, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                               &t->err);
    if (st) {
        db_bind_str(st, 1, id);
        db_bind_str(st, 2, grant_id);
        db_bind_str(st, 3, hash);
        db_bind_i64(st, 4, now + (int64_t)a->cfg.token_expiry_s * 1000);
        db_bind_bool(st, 5, false);
        db_bind_i64(st, 6, now);
    }
    return run(st, t);
}

grant_store_result_t token_issue(auth_t *a, const char *grant_id, grant_state_t from,
                                 char value[AUTH_TOKEN_LEN + 1], char id[UUID_STR_LEN + 1])
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    grant_store_result_t rc = GSTORE_OK;
    if (from != GRANT_FINALIZED) {
        db_stmt_t *st = db_prepare(t.conn,
                                   "UPDATE auth_grants SET state = 'FINALIZED', updated_ms = ? "
                                   "WHERE id = ? AND state = ?",
                                   &t.err);
        if (st) {
            db_bind_i64(st, 1, clock_wall_ms());
            db_bind_str(st, 2, grant_id);
            db_bind_str(st, 3, grant_state_str(from));
        }
        rc = run(st, &t);
        if (rc == GSTORE_OK && db_changes(st) != 1)
            rc = GSTORE_NOT_FOUND;
    }
    if (rc == GSTORE_OK)
        rc = token_insert(a, &t, grant_id, value, id);
    return tx_end(&t, rc);
}

static grant_store_result_t token_select(auth_t *a, const char *sql, const char *key,
                                         token_row_t *out)
{
    tx_t t;
    if (tx_begin(a, &t, false) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn, sql, &t.err);
    grant_store_result_t rc = GSTORE_ERROR;
    if (st) {
        db_bind_str(st, 1, key);
        db_rc_t r = db_step_one(st, &t.err);
        if (r == DB_ROW) {
            copy_col(st, 0, out->id, sizeof out->id);
            copy_col(st, 1, out->grant_id, sizeof out->grant_id);
            out->expires_ms = db_col_i64(st, 2);
            /* a revoked grant revokes its tokens (the grant's state decides) */
            char state[16];
            copy_col(st, 4, state, sizeof state);
            out->revoked = db_col_bool(st, 3) || state_parse(state) == GRANT_REVOKED;
            rc = GSTORE_OK;
        } else if (r == DB_NOT_FOUND) {
            rc = GSTORE_NOT_FOUND;
        }
    }
    return tx_end(&t, rc);
}

grant_store_result_t token_get(auth_t *a, const char *value, token_row_t *out)
{
    char hash[AUTH_HASH_HEX_LEN + 1];
    auth_hash(value, hash);
    return token_select(a,
                        "SELECT t.id, t.grant_id, t.expires_ms, t.revoked, g.state FROM "
                        "auth_tokens t JOIN auth_grants g ON g.id = t.grant_id WHERE "
                        "t.token_hash = ?",
                        hash, out);
}

grant_store_result_t token_get_by_id(auth_t *a, const char *id, token_row_t *out)
{
    return token_select(a,
                        "SELECT t.id, t.grant_id, t.expires_ms, t.revoked, g.state FROM "
                        "auth_tokens t JOIN auth_grants g ON g.id = t.grant_id WHERE t.id = ?",
                        id, out);
}

grant_store_result_t token_revoke(auth_t *a, const char *id, const char *value_hash, bool rotate,
                                  char value[AUTH_TOKEN_LEN + 1], char new_id[UUID_STR_LEN + 1])
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    char grant_id[UUID_STR_LEN + 1] = "";
    db_stmt_t *st = db_prepare(t.conn,
                               "SELECT grant_id FROM auth_tokens WHERE id = ? AND token_hash = ? "
                               "AND revoked = ?",
                               &t.err);
    grant_store_result_t rc = GSTORE_ERROR;
    if (st) {
        db_bind_str(st, 1, id);
        db_bind_str(st, 2, value_hash);
        db_bind_bool(st, 3, false);
        db_rc_t r = db_step_one(st, &t.err);
        rc = r == DB_ROW ? GSTORE_OK : r == DB_NOT_FOUND ? GSTORE_NOT_FOUND : GSTORE_ERROR;
        if (rc == GSTORE_OK)
            copy_col(st, 0, grant_id, sizeof grant_id);
    }
    if (rc == GSTORE_OK) {
        st = db_prepare(t.conn, "UPDATE auth_tokens SET revoked = ? WHERE id = ?", &t.err);
        if (st) {
            db_bind_bool(st, 1, true);
            db_bind_str(st, 2, id);
        }
        rc = run(st, &t);
    }
    if (rc == GSTORE_OK && rotate)
        rc = token_insert(a, &t, grant_id, value, new_id);
    return tx_end(&t, rc);
}

grant_store_result_t grant_revoke(auth_t *a, const char *id)
{
    tx_t t;
    if (tx_begin(a, &t, true) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(t.conn,
                               "UPDATE auth_grants SET state = 'REVOKED', updated_ms = ? WHERE "
                               "id = ?",
                               &t.err);
    if (st) {
        db_bind_i64(st, 1, clock_wall_ms());
        db_bind_str(st, 2, id);
    }
    grant_store_result_t rc = run(st, &t);
    if (rc == GSTORE_OK && db_changes(st) != 1)
        rc = GSTORE_NOT_FOUND;
    if (rc == GSTORE_OK) {
        st = db_prepare(t.conn, "UPDATE auth_tokens SET revoked = ? WHERE grant_id = ?", &t.err);
        if (st) {
            db_bind_bool(st, 1, true);
            db_bind_str(st, 2, id);
        }
        rc = run(st, &t);
    }
    return tx_end(&t, rc);
}
