/*
 * Grant and token rows of the authorization server (sql/050_auth.sql). Each write is one short
 * transaction through db_write_tx (grouped with others on SQLite); state changes are
 * conditional UPDATEs, so two
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

/* A read: one statement on a read connection, no transaction. */
typedef struct {
    db_conn_t *conn;
    db_err_t err;
} rd_t;

static grant_store_result_t rd_begin(auth_t *a, rd_t *r)
{
    memset(r, 0, sizeof *r);
    r->conn = db_acquire(a->cfg.db, DB_CONN_READ, &r->err);
    if (!r->conn) {
        LOGE("auth: database: %s", r->err.msg);
        return GSTORE_ERROR;
    }
    return GSTORE_OK;
}

static grant_store_result_t rd_end(rd_t *r, grant_store_result_t rc)
{
    if (rc == GSTORE_ERROR)
        LOGE("auth: database: %s", r->err.msg[0] ? r->err.msg : "unexpected result");
    db_release(r->conn);
    return rc;
}

/*
 * A write: a function of the connection run by db_write_tx, so that concurrent grant requests
 * share one commit on SQLite. It returns DB_OK to commit, DB_NOT_FOUND when the row it must
 * change is absent or not in the state asked for, DB_CONSTRAINT on a duplicate; it may run more
 * than once (retries), so it only writes what its argument says and its outputs.
 */
static grant_store_result_t write_tx(auth_t *a, db_tx_fn fn, void *arg)
{
    db_err_t err = {0};
    switch (db_write_tx(a->cfg.db, fn, arg, &err)) {
    case DB_OK:
        return GSTORE_OK;
    case DB_NOT_FOUND:
        return GSTORE_NOT_FOUND;
    case DB_CONSTRAINT:
        return GSTORE_CONFLICT;
    default:
        LOGE("auth: database: %s", err.msg);
        return GSTORE_ERROR;
    }
}

static db_rc_t exec(db_stmt_t *st, db_err_t *err)
{
    return st ? db_run(st, err) : DB_ERROR;
}

/* exec for a statement that must change exactly one row */
static db_rc_t exec_one(db_stmt_t *st, db_err_t *err)
{
    db_rc_t rc = exec(st, err);
    return rc == DB_OK && db_changes(st) != 1 ? DB_NOT_FOUND : rc;
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
    "interaction_expires_ms, last_continue_ms, created_ms, tenant_id"

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
    copy_col(st, 16, g->tenant_id, sizeof g->tenant_id);
}

static void bind_opt(db_stmt_t *st, int idx, const char *s)
{
    db_bind_str(st, idx, s && *s ? s : NULL);
}

typedef struct {
    const grant_t *g;
    const char *jwk, *access;
    uint32_t pending_max;
    bool full; /* out: refused, the client has pending_max pending grants */
} grant_insert_t;

/* Whether client has at least max PENDING grants whose interaction has not expired at now_ms
 * (expired ones are never answered, so they do not count). DB_OK or an error. */
static db_rc_t pending_full(db_conn_t *conn, const char *client, int64_t now_ms, uint32_t max,
                            bool *full, db_err_t *err)
{
    db_stmt_t *st = db_prepare(conn,
                               "SELECT count(*) FROM auth_grants WHERE client = ? AND "
                               "state = 'PENDING' AND interaction_expires_ms > ?",
                               err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, client);
    db_bind_i64(st, 2, now_ms);
    db_rc_t rc = db_step_one(st, err);
    if (rc != DB_ROW)
        return rc;
    *full = db_col_i64(st, 0) >= (int64_t)max;
    return DB_OK;
}

/* The identifiers of g's access items, for the admin API's identifier filter
 * (sql/063_auth_grant_list.sql, auth_grants.h). DB_OK or an error. */
static db_rc_t identifiers_insert(db_conn_t *conn, const grant_t *g, db_err_t *err)
{
    size_t i;
    json_t *item;
    json_array_foreach(g->access, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "identifier"));
        if (!id)
            continue;
        db_stmt_t *st = db_prepare(conn,
                                   "INSERT INTO auth_grant_identifiers (identifier, grant_id) "
                                   "VALUES (?, ?) ON CONFLICT DO NOTHING",
                                   err);
        if (!st)
            return err->code;
        db_bind_str(st, 1, id);
        db_bind_str(st, 2, g->id);
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

/* The subjects of g (sql/069_auth_grant_subjects.sql), created with it. DB_OK or an error. */
static db_rc_t subjects_insert(db_conn_t *conn, const grant_t *g, db_err_t *err)
{
    for (size_t i = 0; i < g->n_subjects; i++) {
        const auth_subject_t *s = &g->subjects[i];
        db_stmt_t *st = db_prepare(conn,
                                   "INSERT INTO auth_grant_subjects (id, grant_id, position, "
                                   "sub_id, sub_id_format, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                                   err);
        if (!st)
            return err->code;
        db_bind_str(st, 1, s->id);
        db_bind_str(st, 2, g->id);
        db_bind_i64(st, 3, (int64_t)i);
        db_bind_str(st, 4, s->sub_id);
        db_bind_str(st, 5, s->format);
        db_bind_i64(st, 6, g->created_ms);
        db_rc_t rc = db_run(st, err);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

static db_rc_t tx_grant_insert(db_conn_t *conn, void *arg, db_err_t *err)
{
    grant_insert_t *in = arg;
    const grant_t *g = in->g;
    in->full = false;
    if (g->state == GRANT_PENDING) {
        db_rc_t rc = pending_full(conn, g->client, g->created_ms, in->pending_max, &in->full, err);
        if (rc != DB_OK || in->full)
            return rc != DB_OK ? rc : DB_NOT_FOUND;
    }
    db_stmt_t *st = db_prepare(conn,
                               "INSERT INTO auth_grants (" GRANT_COLS ", updated_ms) VALUES "
                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               err);
    if (st) {
        db_bind_str(st, 1, g->id);
        db_bind_str(st, 2, grant_state_str(g->state));
        db_bind_str(st, 3, g->client);
        db_bind_str(st, 4, in->jwk);
        db_bind_str(st, 5, g->client_name);
        db_bind_str(st, 6, in->access ? in->access : "[]");
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
        bind_opt(st, 17, g->tenant_id);
        db_bind_i64(st, 18, g->created_ms);
    }
    db_rc_t rc = exec(st, err);
    if (rc == DB_OK)
        rc = identifiers_insert(conn, g, err);
    return rc == DB_OK ? subjects_insert(conn, g, err) : rc;
}

grant_store_result_t grant_insert(auth_t *a, const grant_t *g)
{
    char *jwk = g->client_jwk ? json_dumps(g->client_jwk, JSON_COMPACT) : NULL;
    char *access = json_dumps(g->access, JSON_COMPACT);
    grant_insert_t in = {g, jwk, access, a->cfg.pending_grants_max, false};
    grant_store_result_t rc = write_tx(a, tx_grant_insert, &in);
    if (rc == GSTORE_NOT_FOUND && in.full)
        rc = GSTORE_FULL;
    free(jwk);
    free(access);
    return rc;
}

static grant_store_result_t grant_select(auth_t *a, const char *sql, const char *p1, const char *p2,
                                         grant_t *out)
{
    rd_t r;
    if (rd_begin(a, &r) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(r.conn, sql, &r.err);
    grant_store_result_t rc = GSTORE_ERROR;
    if (st) {
        db_bind_str(st, 1, p1);
        if (p2)
            db_bind_str(st, 2, p2);
        db_rc_t res = db_step_one(st, &r.err);
        if (res == DB_ROW) {
            grant_read(st, out);
            rc = GSTORE_OK;
        } else if (res == DB_NOT_FOUND) {
            rc = GSTORE_NOT_FOUND;
        }
    }
    return rd_end(&r, rc);
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

grant_store_result_t grant_subjects_get(auth_t *a, const char *grant_id, auth_subject_t *out,
                                        size_t cap, size_t *n)
{
    *n = 0;
    rd_t r;
    if (rd_begin(a, &r) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(r.conn,
                               "SELECT id, sub_id, sub_id_format, created_ms FROM "
                               "auth_grant_subjects WHERE grant_id = ? ORDER BY position",
                               &r.err);
    if (!st)
        return rd_end(&r, GSTORE_ERROR);
    db_bind_str(st, 1, grant_id);
    db_rc_t rc;
    while ((rc = db_step(st, &r.err)) == DB_ROW && *n < cap) {
        auth_subject_t *s = &out[(*n)++];
        copy_col(st, 0, s->id, sizeof s->id);
        copy_col(st, 1, s->sub_id, sizeof s->sub_id);
        copy_col(st, 2, s->format, sizeof s->format);
        s->created_ms = db_col_i64(st, 3);
    }
    return rd_end(&r, rc == DB_ROW || rc == DB_DONE ? GSTORE_OK : GSTORE_ERROR);
}

typedef struct {
    const char *id, *interact_ref, *subject;
    grant_state_t from, to;
} grant_transition_t;

static db_rc_t tx_grant_transition(db_conn_t *conn, void *arg, db_err_t *err)
{
    const grant_transition_t *t = arg;
    db_stmt_t *st = db_prepare(conn,
                               "UPDATE auth_grants SET state = ?, interact_ref = COALESCE(?, "
                               "interact_ref), subject = COALESCE(?, subject), updated_ms = ? "
                               "WHERE id = ? AND state = ?",
                               err);
    if (st) {
        db_bind_str(st, 1, grant_state_str(t->to));
        db_bind_str(st, 2, t->interact_ref);
        db_bind_str(st, 3, t->subject);
        db_bind_i64(st, 4, clock_wall_ms());
        db_bind_str(st, 5, t->id);
        db_bind_str(st, 6, grant_state_str(t->from));
    }
    return exec_one(st, err);
}

grant_store_result_t grant_transition(auth_t *a, const char *id, grant_state_t from,
                                      grant_state_t to, const char *interact_ref,
                                      const char *subject)
{
    grant_transition_t t = {id, interact_ref, subject, from, to};
    return write_tx(a, tx_grant_transition, &t);
}

/* one column of one grant: text when given, else the number */
typedef struct {
    const char *sql, *text, *id;
    int64_t num;
} grant_set_t;

static db_rc_t tx_grant_set(db_conn_t *conn, void *arg, db_err_t *err)
{
    const grant_set_t *s = arg;
    db_stmt_t *st = db_prepare(conn, s->sql, err);
    if (st) {
        if (s->text)
            db_bind_str(st, 1, s->text);
        else
            db_bind_i64(st, 1, s->num);
        db_bind_str(st, 2, s->id);
    }
    return exec(st, err);
}

grant_store_result_t grant_set_session(auth_t *a, const char *id, const char *session_hash)
{
    grant_set_t s = {"UPDATE auth_grants SET session_hash = ? WHERE id = ?", session_hash, id, 0};
    return write_tx(a, tx_grant_set, &s);
}

grant_store_result_t grant_touch_continue(auth_t *a, const char *id, int64_t now_ms)
{
    grant_set_t s = {"UPDATE auth_grants SET last_continue_ms = ? WHERE id = ?", NULL, id, now_ms};
    return write_tx(a, tx_grant_set, &s);
}

/* ---- tokens ---- */

/* A new access token of the grant: its value goes to the caller, only its hash is stored. */
static db_rc_t token_insert(auth_t *a, db_conn_t *conn, const char *grant_id,
                            char value[AUTH_TOKEN_LEN + 1], char id[UUID_STR_LEN + 1],
                            db_err_t *err)
{
    char hash[AUTH_HASH_HEX_LEN + 1];
    auth_token_new(value);
    auth_hash(value, hash);
    uuid_v7(id);
    int64_t now = clock_wall_ms();
    db_stmt_t *st = db_prepare(conn,
                               "INSERT INTO auth_tokens (id, grant_id, token_hash, expires_ms, "
                               "revoked, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                               err);
    if (st) {
        db_bind_str(st, 1, id);
        db_bind_str(st, 2, grant_id);
        db_bind_str(st, 3, hash);
        db_bind_i64(st, 4, now + (int64_t)a->cfg.token_expiry_s * 1000);
        db_bind_bool(st, 5, false);
        db_bind_i64(st, 6, now);
    }
    return exec(st, err);
}

typedef struct {
    auth_t *a;
    const char *grant_id;
    grant_state_t from;
    char *value, *id;
} token_issue_t;

static db_rc_t tx_token_issue(db_conn_t *conn, void *arg, db_err_t *err)
{
    token_issue_t *t = arg;
    if (t->from != GRANT_FINALIZED) {
        db_stmt_t *st = db_prepare(conn,
                                   "UPDATE auth_grants SET state = 'FINALIZED', updated_ms = ? "
                                   "WHERE id = ? AND state = ?",
                                   err);
        if (st) {
            db_bind_i64(st, 1, clock_wall_ms());
            db_bind_str(st, 2, t->grant_id);
            db_bind_str(st, 3, grant_state_str(t->from));
        }
        db_rc_t rc = exec_one(st, err);
        if (rc != DB_OK)
            return rc;
    }
    return token_insert(t->a, conn, t->grant_id, t->value, t->id, err);
}

grant_store_result_t token_issue(auth_t *a, const char *grant_id, grant_state_t from,
                                 char value[AUTH_TOKEN_LEN + 1], char id[UUID_STR_LEN + 1])
{
    token_issue_t t = {a, grant_id, from, value, id};
    return write_tx(a, tx_token_issue, &t);
}

static grant_store_result_t token_select(auth_t *a, const char *sql, const char *key,
                                         token_row_t *out)
{
    rd_t r;
    if (rd_begin(a, &r) != GSTORE_OK)
        return GSTORE_ERROR;
    db_stmt_t *st = db_prepare(r.conn, sql, &r.err);
    grant_store_result_t rc = GSTORE_ERROR;
    if (st) {
        db_bind_str(st, 1, key);
        db_rc_t res = db_step_one(st, &r.err);
        if (res == DB_ROW) {
            copy_col(st, 0, out->id, sizeof out->id);
            copy_col(st, 1, out->grant_id, sizeof out->grant_id);
            out->expires_ms = db_col_i64(st, 2);
            /* a revoked grant revokes its tokens (the grant's state decides) */
            char state[16];
            copy_col(st, 4, state, sizeof state);
            out->revoked = db_col_bool(st, 3) || state_parse(state) == GRANT_REVOKED;
            rc = GSTORE_OK;
        } else if (res == DB_NOT_FOUND) {
            rc = GSTORE_NOT_FOUND;
        }
    }
    return rd_end(&r, rc);
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

typedef struct {
    auth_t *a;
    const char *id, *value_hash;
    bool rotate;
    char *value, *new_id;
} token_revoke_t;

static db_rc_t tx_token_revoke(db_conn_t *conn, void *arg, db_err_t *err)
{
    token_revoke_t *t = arg;
    char grant_id[UUID_STR_LEN + 1] = "";
    db_stmt_t *st = db_prepare(conn,
                               "SELECT grant_id FROM auth_tokens WHERE id = ? AND token_hash = ? "
                               "AND revoked = ?",
                               err);
    if (!st)
        return DB_ERROR;
    db_bind_str(st, 1, t->id);
    db_bind_str(st, 2, t->value_hash);
    db_bind_bool(st, 3, false);
    db_rc_t rc = db_step_one(st, err);
    if (rc != DB_ROW)
        return rc;
    copy_col(st, 0, grant_id, sizeof grant_id);
    st = db_prepare(conn, "UPDATE auth_tokens SET revoked = ? WHERE id = ?", err);
    if (st) {
        db_bind_bool(st, 1, true);
        db_bind_str(st, 2, t->id);
    }
    rc = exec(st, err);
    if (rc == DB_OK && t->rotate)
        rc = token_insert(t->a, conn, grant_id, t->value, t->new_id, err);
    return rc;
}

grant_store_result_t token_revoke(auth_t *a, const char *id, const char *value_hash, bool rotate,
                                  char value[AUTH_TOKEN_LEN + 1], char new_id[UUID_STR_LEN + 1])
{
    token_revoke_t t = {a, id, value_hash, rotate, value, new_id};
    return write_tx(a, tx_token_revoke, &t);
}

static db_rc_t tx_grant_revoke(db_conn_t *conn, void *arg, db_err_t *err)
{
    const char *id = arg;
    db_stmt_t *st = db_prepare(conn,
                               "UPDATE auth_grants SET state = 'REVOKED', updated_ms = ? WHERE "
                               "id = ?",
                               err);
    if (st) {
        db_bind_i64(st, 1, clock_wall_ms());
        db_bind_str(st, 2, id);
    }
    db_rc_t rc = exec_one(st, err);
    if (rc != DB_OK)
        return rc;
    st = db_prepare(conn, "UPDATE auth_tokens SET revoked = ? WHERE grant_id = ?", err);
    if (st) {
        db_bind_bool(st, 1, true);
        db_bind_str(st, 2, id);
    }
    return exec(st, err);
}

grant_store_result_t grant_revoke(auth_t *a, const char *id)
{
    return write_tx(a, tx_grant_revoke, (void *)id);
}
