/*
 * The console's users and sessions (see console_users.h).
 */
#include "payments/console_users.h"

#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/codec.h"
#include "base/digest.h"
#include "base/log.h"
#include "base/rand.h"

typedef struct {
    db_conn_t *c;
    db_err_t e;
} conn_t;

const char *console_result_str(console_result_t r)
{
    static const char *const s[CONSOLE_RESULT_COUNT] = {"ok",         "not found", "denied",
                                                        "name taken", "invalid",   "storage error"};
    return (unsigned)r < CONSOLE_RESULT_COUNT ? s[r] : "unknown";
}

bool console_role_parse(const char *s, console_role_t *out)
{
    if (s && strcmp(s, "viewer") == 0)
        *out = CONSOLE_VIEWER;
    else if (s && strcmp(s, "operator") == 0)
        *out = CONSOLE_OPERATOR;
    else
        return false;
    return true;
}

const char *console_role_str(console_role_t r)
{
    return r == CONSOLE_OPERATOR ? "operator" : "viewer";
}

static db_stmt_t *prep(db_t *db, conn_t *k, bool write, const char *sql)
{
    memset(k, 0, sizeof *k);
    k->c = db_acquire(db, write ? DB_CONN_WRITE : DB_CONN_READ, &k->e);
    return k->c ? db_prepare(k->c, sql, &k->e) : NULL;
}

static console_result_t done(conn_t *k, console_result_t rc)
{
    if (rc == CONSOLE_ERROR)
        LOGE("console: database: %s", k->e.msg);
    if (k->c)
        db_release(k->c);
    return rc;
}

console_result_t console_user_create(db_t *db, const char *name, console_role_t role,
                                     const char *password, console_user_t *out)
{
    size_t pw_len = strlen(password);
    if (!users_name_ok(name) || (role != CONSOLE_VIEWER && role != CONSOLE_OPERATOR) ||
        pw_len < USER_PASSWORD_MIN || pw_len > USER_PASSWORD_MAX)
        return CONSOLE_INVALID;
    char hash[USER_HASH_MAX + 1];
    if (users_password_hash(password, hash) != 0)
        return CONSOLE_ERROR;
    uuid_v4(out->id);
    snprintf(out->name, sizeof out->name, "%s", name);
    out->role = role;
    conn_t k;
    db_stmt_t *st = prep(db, &k, true,
                         "INSERT INTO console_users (id, name, password_hash, role, created_ms) "
                         "VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, out->id);
    db_bind_str(st, 2, name);
    db_bind_str(st, 3, hash);
    db_bind_str(st, 4, console_role_str(role));
    db_bind_i64(st, 5, clock_wall_ms());
    db_rc_t r = db_run(st, &k.e);
    return done(&k, r == DB_OK           ? CONSOLE_OK
                    : r == DB_CONSTRAINT ? CONSOLE_CONFLICT
                                         : CONSOLE_ERROR);
}

console_result_t console_user_check(db_t *db, const char *name, const char *password,
                                    console_user_t *out)
{
    conn_t k;
    db_stmt_t *st =
        prep(db, &k, false, "SELECT id, password_hash, role FROM console_users WHERE name = ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, name);
    db_rc_t r = db_step_one(st, &k.e);
    if (r != DB_ROW && r != DB_NOT_FOUND)
        return done(&k, CONSOLE_ERROR);
    /* an unknown name costs a scrypt too, so the answer's timing does not tell which it was */
    char hash[USER_HASH_MAX + 1] =
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    console_user_t u = {0};
    if (r == DB_ROW) {
        snprintf(u.id, sizeof u.id, "%s", db_col_text(st, 0, NULL));
        snprintf(hash, sizeof hash, "%s", db_col_text(st, 1, NULL));
        if (!console_role_parse(db_col_text(st, 2, NULL), &u.role))
            r = DB_NOT_FOUND; /* a row we did not write: nobody signs in with it */
    }
    done(&k, CONSOLE_OK);
    bool ok = users_password_check(password, hash) && r == DB_ROW;
    if (!ok)
        return CONSOLE_DENIED;
    snprintf(u.name, sizeof u.name, "%s", name);
    *out = u;
    return CONSOLE_OK;
}

/* ---- sessions ---- */

console_result_t console_session_new(db_t *db, const console_principal_t *p, int64_t now_ms,
                                     char cookie[CONSOLE_SESSION_LEN + 1],
                                     char csrf[CONSOLE_CSRF_LEN + 1])
{
    char hash[2 * SHA256_LEN + 1];
    users_random_hex(cookie, CONSOLE_SESSION_LEN);
    users_random_hex(csrf, CONSOLE_CSRF_LEN);
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, true,
                         "INSERT INTO console_sessions (id_hash, tenant_id, user_name, role, csrf, "
                         "created_ms, seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, hash);
    db_bind_str(st, 2, p->tenant_id);
    db_bind_str(st, 3, p->user_name);
    db_bind_str(st, 4, console_role_str(p->role));
    db_bind_str(st, 5, csrf);
    db_bind_i64(st, 6, now_ms);
    db_bind_i64(st, 7, now_ms);
    return done(&k, db_run(st, &k.e) == DB_OK ? CONSOLE_OK : CONSOLE_ERROR);
}

/* Records now_ms as the last use of the session with this hash. */
static console_result_t session_touch(db_t *db, const char *hash, int64_t now_ms)
{
    conn_t k;
    db_stmt_t *st = prep(db, &k, true, "UPDATE console_sessions SET seen_ms = ? WHERE id_hash = ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_i64(st, 1, now_ms);
    db_bind_str(st, 2, hash);
    return done(&k, db_run(st, &k.e) == DB_OK ? CONSOLE_OK : CONSOLE_ERROR);
}

console_result_t console_session_get(db_t *db, const char *cookie, int64_t now_ms, int64_t max_ms,
                                     int64_t idle_ms, console_principal_t *p,
                                     char csrf[CONSOLE_CSRF_LEN + 1])
{
    if (strlen(cookie) != CONSOLE_SESSION_LEN)
        return CONSOLE_NOT_FOUND;
    char hash[2 * SHA256_LEN + 1];
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st = prep(db, &k, false,
                         "SELECT tenant_id, user_name, role, csrf FROM console_sessions WHERE "
                         "id_hash = ? AND created_ms > ? AND seen_ms > ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, now_ms - max_ms);
    db_bind_i64(st, 3, now_ms - idle_ms);
    db_rc_t r = db_step_one(st, &k.e);
    if (r == DB_ROW) {
        snprintf(p->tenant_id, sizeof p->tenant_id, "%s", db_col_text(st, 0, NULL));
        snprintf(p->user_name, sizeof p->user_name, "%s", db_col_text(st, 1, NULL));
        if (!console_role_parse(db_col_text(st, 2, NULL), &p->role))
            r = DB_NOT_FOUND;
        snprintf(csrf, CONSOLE_CSRF_LEN + 1, "%s", db_col_text(st, 3, NULL));
    }
    console_result_t rc = r == DB_ROW         ? CONSOLE_OK
                          : r == DB_NOT_FOUND ? CONSOLE_NOT_FOUND
                                              : CONSOLE_ERROR;
    done(&k, rc);
    return rc == CONSOLE_OK ? session_touch(db, hash, now_ms) : rc;
}

console_result_t console_session_end(db_t *db, const char *cookie, int64_t now_ms, int64_t max_ms)
{
    char hash[2 * SHA256_LEN + 1];
    users_session_hash(cookie, hash);
    conn_t k;
    db_stmt_t *st =
        prep(db, &k, true, "DELETE FROM console_sessions WHERE id_hash = ? OR created_ms <= ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, hash);
    db_bind_i64(st, 2, now_ms - max_ms);
    return done(&k, db_run(st, &k.e) == DB_OK ? CONSOLE_OK : CONSOLE_ERROR);
}

/* ---- the audit log ---- */

#define AUDIT_INSERT                                                                               \
    "INSERT INTO console_audit (id, at_ms, tenant_id, user_name, action, target, detail, "         \
    "request_id, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

static db_rc_t audit_insert(db_conn_t *c, const console_audit_t *e, db_err_t *err)
{
    char id[UUID_STR_LEN + 1];
    uuid_v4(id);
    db_stmt_t *st = db_prepare(c, AUDIT_INSERT, err);
    if (!st)
        return DB_ERROR;
    db_bind_str(st, 1, id);
    db_bind_i64(st, 2, e->at_ms);
    db_bind_str(st, 3, e->who.tenant_id);
    db_bind_str(st, 4, e->who.user_name);
    db_bind_str(st, 5, e->action);
    db_bind_str(st, 6, e->target);
    db_bind_str(st, 7, e->detail);
    db_bind_str(st, 8, e->request_id);
    db_bind_str(st, 9, e->channel[0] ? e->channel : "console");
    return db_run(st, err);
}

console_result_t console_audit_add(db_t *db, const console_audit_t *e)
{
    conn_t k;
    memset(&k, 0, sizeof k);
    k.c = db_acquire(db, DB_CONN_WRITE, &k.e);
    if (!k.c)
        return done(&k, CONSOLE_ERROR);
    return done(&k, audit_insert(k.c, e, &k.e) == DB_OK ? CONSOLE_OK : CONSOLE_ERROR);
}

typedef struct {
    const console_audit_t *e;
    size_t n;
} audit_batch_t;

static db_rc_t audit_batch_tx(db_conn_t *c, void *arg, db_err_t *err)
{
    const audit_batch_t *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        db_rc_t r = audit_insert(c, &b->e[i], err);
        if (r != DB_OK)
            return r;
    }
    return DB_OK;
}

console_result_t console_audit_add_many(db_t *db, const console_audit_t *e, size_t n)
{
    if (n == 0)
        return CONSOLE_OK;
    conn_t k;
    memset(&k, 0, sizeof k);
    audit_batch_t b = {e, n};
    return done(&k,
                db_write_tx(db, audit_batch_tx, &b, &k.e) == DB_OK ? CONSOLE_OK : CONSOLE_ERROR);
}

static void audit_row(db_stmt_t *st, console_audit_t *a)
{
    memset(a, 0, sizeof *a);
    a->at_ms = db_col_i64(st, 0);
    snprintf(a->who.tenant_id, sizeof a->who.tenant_id, "%s", db_col_text(st, 1, NULL));
    snprintf(a->who.user_name, sizeof a->who.user_name, "%s", db_col_text(st, 2, NULL));
    snprintf(a->action, sizeof a->action, "%s", db_col_text(st, 3, NULL));
    snprintf(a->target, sizeof a->target, "%s", db_col_text(st, 4, NULL));
    snprintf(a->detail, sizeof a->detail, "%s", db_col_text(st, 5, NULL));
    snprintf(a->request_id, sizeof a->request_id, "%s", db_col_text(st, 6, NULL));
    snprintf(a->channel, sizeof a->channel, "%s", db_col_text(st, 7, NULL));
}

console_result_t console_audit_list(db_t *db, const char *tenant_id, console_audit_t *out,
                                    size_t cap, size_t *n)
{
    conn_t k;
    db_stmt_t *st =
        prep(db, &k, false,
             tenant_id ? "SELECT at_ms, tenant_id, user_name, action, target, detail, "
                         "request_id, channel FROM console_audit WHERE tenant_id = ? ORDER BY "
                         "at_ms DESC, id LIMIT ?"
                       : "SELECT at_ms, tenant_id, user_name, action, target, detail, "
                         "request_id, channel FROM console_audit ORDER BY at_ms DESC, id "
                         "LIMIT ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    int i = 1;
    if (tenant_id)
        db_bind_str(st, i++, tenant_id);
    db_bind_i64(st, i, (int64_t)cap);
    db_rc_t r = DB_DONE;
    *n = 0;
    while (*n < cap && (r = db_step(st, &k.e)) == DB_ROW)
        audit_row(st, &out[(*n)++]);
    if (*n < cap && r != DB_DONE)
        return done(&k, CONSOLE_ERROR);
    return done(&k, CONSOLE_OK);
}

/* ---- managing the users (the console's users page, the admin API's /console-users) ---- */

console_result_t console_users_list(db_t *db, const char *after, console_user_row_t *out,
                                    size_t cap, size_t *n)
{
    conn_t k;
    db_stmt_t *st = prep(db, &k, false,
                         "SELECT id, name, role, created_ms FROM console_users WHERE name > ? "
                         "ORDER BY name LIMIT ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, after ? after : "");
    db_bind_i64(st, 2, (int64_t)cap);
    db_rc_t r = DB_DONE;
    *n = 0;
    while (*n < cap && (r = db_step(st, &k.e)) == DB_ROW) {
        console_user_row_t *u = &out[*n];
        memset(u, 0, sizeof *u);
        snprintf(u->user.id, sizeof u->user.id, "%s", db_col_text(st, 0, NULL));
        snprintf(u->user.name, sizeof u->user.name, "%s", db_col_text(st, 1, NULL));
        if (!console_role_parse(db_col_text(st, 2, NULL), &u->user.role))
            u->user.role = CONSOLE_VIEWER;
        u->created_ms = db_col_i64(st, 3);
        (*n)++;
    }
    if (*n < cap && r != DB_DONE)
        return done(&k, CONSOLE_ERROR);
    return done(&k, CONSOLE_OK);
}

console_result_t console_user_get(db_t *db, const char *name, console_user_row_t *out)
{
    conn_t k;
    db_stmt_t *st =
        prep(db, &k, false, "SELECT id, name, role, created_ms FROM console_users WHERE name = ?");
    if (!st)
        return done(&k, CONSOLE_ERROR);
    db_bind_str(st, 1, name);
    db_rc_t r = db_step_one(st, &k.e);
    if (r == DB_ROW) {
        memset(out, 0, sizeof *out);
        snprintf(out->user.id, sizeof out->user.id, "%s", db_col_text(st, 0, NULL));
        snprintf(out->user.name, sizeof out->user.name, "%s", db_col_text(st, 1, NULL));
        if (!console_role_parse(db_col_text(st, 2, NULL), &out->user.role))
            out->user.role = CONSOLE_VIEWER;
        out->created_ms = db_col_i64(st, 3);
    }
    return done(&k, r == DB_ROW         ? CONSOLE_OK
                    : r == DB_NOT_FOUND ? CONSOLE_NOT_FOUND
                                        : CONSOLE_ERROR);
}

/* One change of a user and of its sessions, in one transaction. */
typedef struct {
    const char *name;
    const char *user_sql;    /* binds (value?, name) */
    const char *session_sql; /* binds (value?, name) */
    const char *value;       /* NULL: no first bind */
    bool session_value;      /* session_sql binds value too */
    int64_t changed;
} user_change_t;

static db_rc_t run_bound(db_conn_t *c, const char *sql, const char *value, const char *name,
                         int64_t *changed, db_err_t *e)
{
    db_stmt_t *st = db_prepare(c, sql, e);
    if (!st)
        return e->code;
    int i = 1;
    if (value)
        db_bind_str(st, i++, value);
    db_bind_str(st, i, name);
    db_rc_t rc = db_run(st, e);
    if (changed)
        *changed = rc == DB_OK ? db_changes(st) : 0;
    return rc;
}

static db_rc_t tx_user_change(db_conn_t *c, void *arg, db_err_t *e)
{
    user_change_t *t = arg;
    db_rc_t rc = run_bound(c, t->user_sql, t->value, t->name, &t->changed, e);
    if (rc != DB_OK || t->changed == 0)
        return rc;
    return run_bound(c, t->session_sql, t->session_value ? t->value : NULL, t->name, NULL, e);
}

static console_result_t user_change(db_t *db, user_change_t *t)
{
    db_err_t e = {0};
    if (db_write_tx(db, tx_user_change, t, &e) != DB_OK) {
        LOGE("console: database: %s", e.msg);
        return CONSOLE_ERROR;
    }
    return t->changed ? CONSOLE_OK : CONSOLE_NOT_FOUND;
}

console_result_t console_user_set_role(db_t *db, const char *name, console_role_t role)
{
    if (role != CONSOLE_VIEWER && role != CONSOLE_OPERATOR)
        return CONSOLE_INVALID;
    user_change_t t = {
        .name = name,
        .user_sql = "UPDATE console_users SET role = ? WHERE name = ?",
        .session_sql = "UPDATE console_sessions SET role = ? WHERE user_name = ?",
        .value = console_role_str(role),
        .session_value = true,
    };
    return user_change(db, &t);
}

console_result_t console_user_set_password(db_t *db, const char *name, const char *password)
{
    size_t pw_len = strlen(password);
    if (pw_len < USER_PASSWORD_MIN || pw_len > USER_PASSWORD_MAX)
        return CONSOLE_INVALID;
    char hash[USER_HASH_MAX + 1];
    if (users_password_hash(password, hash) != 0)
        return CONSOLE_ERROR;
    user_change_t t = {
        .name = name,
        .user_sql = "UPDATE console_users SET password_hash = ? WHERE name = ?",
        .session_sql = "DELETE FROM console_sessions WHERE user_name = ?",
        .value = hash,
    };
    return user_change(db, &t);
}

console_result_t console_user_delete(db_t *db, const char *name)
{
    user_change_t t = {
        .name = name,
        .user_sql = "DELETE FROM console_users WHERE name = ?",
        .session_sql = "DELETE FROM console_sessions WHERE user_name = ?",
    };
    return user_change(db, &t);
}
