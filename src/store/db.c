/*
 * The driver-independent half of the database interface: URL parsing, the connection pool,
 * the per-connection prepared-statement cache, transactions and the dispatch of binds, steps
 * and column reads to the SQLite or Postgres driver.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif

#include "base/assert.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "store/db_internal.h"
#include "store/store_internal.h"

const char *db_rc_str(db_rc_t rc)
{
    static const store_rc_name_t names[] = {
        {DB_OK, "ok"},
        {DB_ROW, "row"},
        {DB_DONE, "done"},
        {DB_ERROR, "error"},
        {DB_CONSTRAINT, "constraint violation"},
        {DB_RETRY, "retry (busy, serialization failure or deadlock)"},
        {DB_NOT_FOUND, "not found"},
        {DB_CONN, "connection failure"},
        {DB_INVALID, "invalid argument"},
        {DB_NOMEM, "out of memory"},
    };
    return store_rc_name(names, sizeof names / sizeof names[0], rc);
}

/* ---- opening and URL parsing ---- */

static db_rc_t parse_sqlite_url(db_t *db, const char *rest, db_err_t *err)
{
    if (rest[0] == '/' && rest[1] == '/')
        rest += 2;
    const char *q = strchr(rest, '?');
    size_t n = q ? (size_t)(q - rest) : strlen(rest);
    if (n == 0)
        return db_fail(err, DB_INVALID, "DATABASE_URL: sqlite: needs a path");
    db->sqlite_path = strndup(rest, n);
    if (!db->sqlite_path)
        return db_fail(err, DB_NOMEM, "out of memory");
    db->sqlite_memory = strcmp(db->sqlite_path, ":memory:") == 0;
    if (q) {
        if (strcmp(q + 1, "synchronous=normal") == 0)
            db->opts.sqlite_sync_normal = true;
        else if (strcmp(q + 1, "synchronous=full") == 0)
            db->opts.sqlite_sync_normal = false;
        else
            return db_fail(err, DB_INVALID, "DATABASE_URL: unknown sqlite option '%s'", q + 1);
    }
    return DB_OK;
}

/* mkdir -p for the directory part of path, so sqlite:./data/rafiki.db works on a fresh tree. */
static void make_parent_dirs(const char *path)
{
    char tmp[1024];
    int n = snprintf(tmp, sizeof tmp, "%s", path);
    if (n <= 0 || (size_t)n >= sizeof tmp)
        return;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return;
        *p = '/';
    }
}

db_t *db_open_env(db_err_t *err)
{
    return db_open(env_str("DATABASE_URL", DB_URL_DEFAULT), err);
}

db_t *db_open(const char *url, db_err_t *err)
{
    return db_open_opts(url, NULL, err);
}

db_t *db_open_opts(const char *url, const db_opts_t *opts, db_err_t *err)
{
    if (!url) {
        db_fail(err, DB_INVALID, "DATABASE_URL is empty");
        return NULL;
    }
    db_t *db = calloc(1, sizeof *db);
    if (!db) {
        db_fail(err, DB_NOMEM, "out of memory");
        return NULL;
    }
    db->opts = opts ? *opts : (db_opts_t){0};
    if (db->opts.busy_timeout_ms <= 0)
        db->opts.busy_timeout_ms = 5000;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    pthread_cond_init(&db->cv_writer, NULL);
    pthread_mutex_init(&db->group_mu, NULL);
    db->memo = memo_new(DB_MEMO_SLOTS);
    db_rc_t rc;
    if (strncmp(url, "sqlite:", 7) == 0) {
        db->kind = DB_SQLITE;
        if (db->opts.pool_size <= 0)
            db->opts.pool_size = 12;
        rc = parse_sqlite_url(db, url + 7, err);
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        db->kind = DB_POSTGRES;
        if (db->opts.pool_size <= 0)
            db->opts.pool_size = 16;
        db->url = strdup(url);
        rc = db->url ? DB_OK : db_fail(err, DB_NOMEM, "out of memory");
    } else {
        rc = db_fail(err, DB_INVALID, "DATABASE_URL: expected sqlite:PATH or postgres://...");
    }
    if (rc != DB_OK)
        goto fail;
    if (db->opts.pool_size > DB_POOL_MAX)
        db->opts.pool_size = DB_POOL_MAX;
    db->nconns = (db->kind == DB_SQLITE && db->sqlite_memory) ? 0 : db->opts.pool_size;
    db->conns = calloc((size_t)(db->nconns ? db->nconns : 1), sizeof *db->conns);
    if (!db->conns) {
        db_fail(err, DB_NOMEM, "out of memory");
        goto fail;
    }
    /* Connect one eagerly so a bad URL or unreachable server fails at start-up. */
    if (db->kind == DB_SQLITE) {
        if (!db->sqlite_memory)
            make_parent_dirs(db->sqlite_path);
        db->writer.writer = true;
        if (db_lite_connect(db, &db->writer, err) != DB_OK)
            goto fail;
    } else if (db_pg_connect(db, &db->conns[0], err) != DB_OK) {
        goto fail;
    }
    return db;
fail:
    db_close(db);
    return NULL;
}

static void conn_free_stmts(db_conn_t *c);

static void conn_disconnect(db_conn_t *c)
{
    conn_free_stmts(c);
    if (c->kind == DB_SQLITE)
        db_lite_disconnect(c);
    else if (c->kind == DB_POSTGRES)
        db_pg_disconnect(c);
    free(c->xbuf);
    c->xbuf = NULL;
    c->kind = 0;
    c->broken = false;
}

void db_close(db_t *db)
{
    if (!db)
        return;
    conn_disconnect(&db->writer);
    for (int i = 0; i < db->nconns; i++) {
        ASSERT(!db->conns[i].in_use);
        conn_disconnect(&db->conns[i]);
    }
    free(db->conns);
    memo_free(db->memo);
    free(db->url);
    free(db->sqlite_path);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cv);
    pthread_cond_destroy(&db->cv_writer);
    pthread_mutex_destroy(&db->group_mu);
    free(db);
}

db_kind_t db_kind(const db_t *db)
{
    return db->kind;
}

db_kind_t db_conn_kind(const db_conn_t *conn)
{
    return conn->db->kind;
}

db_t *db_conn_db(const db_conn_t *conn)
{
    return conn->db;
}

_Static_assert(DB_MEMO_KEY_LEN == MEMO_KEY_LEN, "the store's memo keys are base/memo.h's");

bool db_memo_get(db_t *db, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], void *out, size_t size)
{
    return memo_get(db->memo, tag, key, out, size);
}

void db_memo_put(db_conn_t *c, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], const void *val,
                 size_t size)
{
    /* a row read in a transaction may be one it wrote and may roll back */
    if (!db_in_tx(c))
        memo_put(c->db->memo, tag, key, val, size);
}

/* ---- pool ---- */

static db_conn_t *pool_take(db_t *db, db_role_t role)
{
    pthread_mutex_lock(&db->mu);
    db_conn_t *c = NULL;
    bool use_writer = db->kind == DB_SQLITE && (role == DB_CONN_WRITE || db->nconns == 0);
    for (;;) {
        if (use_writer) {
            if (!db->writer.in_use)
                c = &db->writer;
        } else {
            /* Prefer an open connection; else the first closed slot. */
            for (int i = 0; i < db->nconns && !c; i++)
                if (!db->conns[i].in_use && db->conns[i].kind)
                    c = &db->conns[i];
            for (int i = 0; i < db->nconns && !c; i++)
                if (!db->conns[i].in_use)
                    c = &db->conns[i];
        }
        if (c)
            break;
        pthread_cond_wait(use_writer ? &db->cv_writer : &db->cv, &db->mu);
    }
    c->in_use = true;
    pthread_mutex_unlock(&db->mu);
    return c;
}

static void pool_put(db_t *db, db_conn_t *c)
{
    pthread_mutex_lock(&db->mu);
    c->in_use = false;
    if (c == &db->writer && !c->uncounted) {
        db->writer_uses++;
        db->writer_used_ms = clock_mono_ms();
    }
    c->uncounted = false;
    pthread_cond_signal(c == &db->writer ? &db->cv_writer : &db->cv);
    pthread_mutex_unlock(&db->mu);
}

db_conn_t *db_acquire(db_t *db, db_role_t role, db_err_t *err)
{
    db_conn_t *c = pool_take(db, role);
    if (c->broken)
        conn_disconnect(c);
    if (!c->kind) {
        db_rc_t rc =
            db->kind == DB_SQLITE ? db_lite_connect(db, c, err) : db_pg_connect(db, c, err);
        if (rc != DB_OK) {
            pool_put(db, c);
            return NULL;
        }
    }
    return c;
}

static void reset_active(db_conn_t *c);

void db_release(db_conn_t *conn)
{
    if (!conn)
        return;
    if (conn->in_pipeline) {
        db_err_t ignored;
        db_pipeline_end(conn, &ignored);
    }
    reset_active(conn);
    if (conn->in_tx)
        db_rollback(conn);
    if (conn->kind == DB_POSTGRES && PQstatus(conn->pg) != CONNECTION_OK)
        conn->broken = true;
    pool_put(conn->db, conn);
}

/* ---- idle ---- */

/* Reader connection i when it is open and nobody holds it (then taken), else NULL. */
static db_conn_t *pool_take_idle(db_t *db, int i)
{
    pthread_mutex_lock(&db->mu);
    db_conn_t *c = &db->conns[i];
    bool idle = !c->in_use && c->kind && !c->broken;
    if (idle)
        c->in_use = true;
    pthread_mutex_unlock(&db->mu);
    return idle ? c : NULL;
}

bool db_idle_trim(db_t *db, uint32_t idle_ms)
{
    if (db->kind != DB_SQLITE || db->sqlite_memory)
        return false;
    pthread_mutex_lock(&db->mu);
    uint64_t uses = db->writer_uses;
    bool due = uses != db->trimmed_uses && !db->writer.in_use &&
               clock_mono_ms() - db->writer_used_ms >= idle_ms;
    pthread_mutex_unlock(&db->mu);
    if (!due)
        return false;
    db_err_t err;
    db_conn_t *w = db_acquire(db, DB_CONN_WRITE, &err);
    if (!w)
        return false;
    bool truncated = db_lite_wal_truncate(w);
    if (truncated)
        db_lite_shrink(w);
    w->uncounted = true; /* a checkpoint writes nothing a reader would see */
    db_release(w);
    if (!truncated)
        return false; /* a reader on an older snapshot: the next call tries again */
    for (int i = 0; i < db->nconns; i++) {
        db_conn_t *c = pool_take_idle(db, i);
        if (c) {
            db_lite_shrink(c);
            pool_put(db, c);
        }
    }
#ifdef __GLIBC__
    malloc_trim(0); /* the freed pages were small blocks: glibc keeps them otherwise */
#endif
    pthread_mutex_lock(&db->mu);
    db->trimmed_uses = uses;
    pthread_mutex_unlock(&db->mu);
    return true;
}

db_rc_t db_wal_upkeep(db_t *db, uint64_t restart_bytes, uint32_t wait_ms, uint64_t *wal_bytes,
                      bool *restarted, db_err_t *err)
{
    *wal_bytes = 0;
    *restarted = false;
    if (db->kind != DB_SQLITE || db->sqlite_memory)
        return DB_OK;
    db_conn_t *c = db_acquire(db, DB_CONN_READ, err);
    if (!c)
        return err->code;
    db_rc_t rc = db_lite_checkpoint(c, SQLITE_CHECKPOINT_PASSIVE, 0, wal_bytes, err);
    db_release(c);
    if (rc != DB_OK || *wal_bytes <= restart_bytes)
        return rc == DB_RETRY ? DB_OK : rc;
    if (!(c = db_acquire(db, DB_CONN_WRITE, err)))
        return err->code;
    uint64_t left = 0;
    rc = db_lite_checkpoint(c, SQLITE_CHECKPOINT_RESTART, (int)wait_ms, &left, err);
    c->uncounted = true; /* a checkpoint writes nothing a reader would see */
    db_release(c);
    if (rc == DB_RETRY) /* a reader stayed in the WAL: the next call tries again */
        return DB_OK;
    *restarted = rc == DB_OK;
    if (rc == DB_OK)
        *wal_bytes = 0;
    return rc;
}

/* ---- statements ---- */

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static void stmt_free(db_stmt_t *st)
{
    if (!st)
        return;
    if (st->conn->kind == DB_SQLITE)
        db_lite_stmt_free(st);
    else
        db_pg_stmt_free(st);
    free(st->sql_key);
    free(st);
}

static void conn_free_stmts(db_conn_t *c)
{
    for (size_t i = 0; i < c->cache_cap; i++)
        stmt_free(c->cache[i]);
    free(c->cache);
    c->cache = NULL;
    c->cache_cap = c->cache_len = 0;
    stmt_free(c->uncached);
    c->uncached = NULL;
    c->active = NULL;
}

static void active_remove(db_stmt_t *st)
{
    if (!st->active)
        return;
    db_stmt_t **pp = &st->conn->active;
    while (*pp && *pp != st)
        pp = &(*pp)->next_active;
    if (*pp)
        *pp = st->next_active;
    st->active = false;
    st->next_active = NULL;
}

static void stmt_reset(db_stmt_t *st)
{
    active_remove(st);
    st->started = false;
    st->changes = 0;
    if (st->conn->kind == DB_SQLITE) {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
    } else {
        db_pg_stmt_reset(st);
    }
}

static void reset_active(db_conn_t *c)
{
    while (c->active)
        stmt_reset(c->active);
}

static db_stmt_t **cache_slot(db_conn_t *c, const char *sql, uint64_t h)
{
    size_t mask = c->cache_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        db_stmt_t *st = c->cache[i];
        if (!st || (st->hash == h && strcmp(st->sql_key, sql) == 0))
            return &c->cache[i];
    }
}

static int cache_grow(db_conn_t *c)
{
    size_t old_cap = c->cache_cap;
    db_stmt_t **old = c->cache;
    size_t cap = old_cap ? old_cap * 2 : 64;
    c->cache = calloc(cap, sizeof *c->cache);
    if (!c->cache) {
        c->cache = old;
        return -1;
    }
    c->cache_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            *cache_slot(c, old[i]->sql_key, old[i]->hash) = old[i];
    free(old);
    return 0;
}

static int conn_xbuf(db_conn_t *c)
{
    if (!c->xbuf)
        c->xbuf = malloc(DB_SQL_MAX_LEN + 1);
    return c->xbuf ? 0 : -1;
}

static db_stmt_t *stmt_new(db_conn_t *c, const char *sql, uint64_t h, bool cached, db_err_t *err)
{
    int nparams = 0;
    if (conn_xbuf(c) != 0) {
        db_fail(err, DB_NOMEM, "out of memory");
        return NULL;
    }
    if (db_sql_translate(c->kind, sql, c->xbuf, DB_SQL_MAX_LEN + 1, &nparams) < 0) {
        db_fail(err, DB_INVALID, "SQL too long or unknown {{token}}: %.80s", sql);
        return NULL;
    }
    if (nparams > DB_PARAMS_MAX) {
        db_fail(err, DB_INVALID, "SQL has %d parameters, more than %d", nparams, DB_PARAMS_MAX);
        return NULL;
    }
    db_stmt_t *st = calloc(1, sizeof *st);
    if (!st || !(st->sql_key = strdup(sql))) {
        free(st);
        db_fail(err, DB_NOMEM, "out of memory");
        return NULL;
    }
    st->conn = c;
    st->hash = h;
    st->nparams = nparams;
    st->cached = cached;
    db_rc_t rc = c->kind == DB_SQLITE ? db_lite_prepare(c, st, c->xbuf, err)
                                      : db_pg_prepare(c, st, c->xbuf, err);
    if (rc != DB_OK) {
        free(st->sql_key);
        free(st);
        return NULL;
    }
    return st;
}

db_stmt_t *db_prepare(db_conn_t *conn, const char *sql, db_err_t *err)
{
    ASSERT(conn && sql);
    uint64_t h = hash_sql(sql);
    if (conn->cache_len * 2 >= conn->cache_cap && conn->cache_len < DB_STMT_CACHE_MAX &&
        cache_grow(conn) != 0) {
        db_fail(err, DB_NOMEM, "out of memory");
        return NULL;
    }
    db_stmt_t **slot = cache_slot(conn, sql, h);
    if (*slot) {
        stmt_reset(*slot);
        return *slot;
    }
    bool cached = conn->cache_len < DB_STMT_CACHE_MAX;
    if (!cached && conn->uncached) {
        /* Keep only the latest uncached statement alive (Postgres reuses its unnamed slot). */
        active_remove(conn->uncached);
        stmt_free(conn->uncached);
        conn->uncached = NULL;
    }
    db_stmt_t *st = stmt_new(conn, sql, h, cached, err);
    if (!st)
        return NULL;
    if (cached) {
        *slot = st;
        conn->cache_len++;
    } else {
        conn->uncached = st;
    }
    return st;
}

/* ---- binds ---- */

static void check_idx(const db_stmt_t *st, int idx)
{
    ASSERT(idx >= 1 && idx <= st->nparams);
    ASSERT(!st->started);
}

void db_bind_i64(db_stmt_t *st, int idx, int64_t v)
{
    check_idx(st, idx);
    if (st->conn->kind == DB_SQLITE) {
        sqlite3_bind_int64(st->lite, idx, v);
        return;
    }
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    db_pg_bind(st, idx, tmp, n, 0);
}

void db_bind_u64(db_stmt_t *st, int idx, uint64_t v)
{
    int64_t bits;
    memcpy(&bits, &v, sizeof bits); /* same bit pattern, see db.h */
    db_bind_i64(st, idx, bits);
}

void db_bind_bool(db_stmt_t *st, int idx, bool v)
{
    check_idx(st, idx);
    if (st->conn->kind == DB_SQLITE)
        sqlite3_bind_int(st->lite, idx, v ? 1 : 0);
    else
        db_pg_bind(st, idx, v ? "t" : "f", 1, 0);
}

void db_bind_text(db_stmt_t *st, int idx, const char *s, size_t len)
{
    check_idx(st, idx);
    ASSERT(len <= INT32_MAX);
    if (st->conn->kind == DB_SQLITE)
        sqlite3_bind_text(st->lite, idx, s ? s : "", (int)len, SQLITE_TRANSIENT);
    else
        db_pg_bind(st, idx, s ? s : "", (int)len, 0);
}

void db_bind_str(db_stmt_t *st, int idx, const char *z)
{
    if (!z)
        db_bind_null(st, idx);
    else
        db_bind_text(st, idx, z, strlen(z));
}

void db_bind_blob(db_stmt_t *st, int idx, const void *p, size_t len)
{
    check_idx(st, idx);
    ASSERT(len <= INT32_MAX);
    static const uint8_t empty[1];
    if (st->conn->kind == DB_SQLITE)
        sqlite3_bind_blob(st->lite, idx, p ? p : empty, (int)len, SQLITE_TRANSIENT);
    else
        db_pg_bind(st, idx, p ? p : empty, (int)len, 1);
}

void db_bind_null(db_stmt_t *st, int idx)
{
    check_idx(st, idx);
    if (st->conn->kind == DB_SQLITE)
        sqlite3_bind_null(st->lite, idx);
    else
        db_pg_bind(st, idx, NULL, -1, 0);
}

/* ---- stepping ---- */

db_rc_t db_step(db_stmt_t *st, db_err_t *err)
{
    db_err_t local;
    if (!err)
        err = &local;
    db_conn_t *c = st->conn;
    db_rc_t rc = c->kind == DB_SQLITE ? db_lite_step(st, err) : db_pg_step(st, err);
    st->started = true;
    if (c->in_pipeline && rc < 0 && c->pipe_rc == DB_OK) {
        c->pipe_rc = rc;
        c->pipe_err = *err;
    }
    if (rc == DB_ROW) {
        if (!st->active) {
            st->active = true;
            st->next_active = c->active;
            c->active = st;
        }
    } else {
        active_remove(st);
    }
    return rc;
}

db_rc_t db_run(db_stmt_t *st, db_err_t *err)
{
    db_rc_t rc = db_step(st, err);
    if (rc != DB_ROW && rc != DB_DONE)
        return rc;
    if (rc == DB_ROW && st->conn->kind == DB_SQLITE)
        db_lite_finish(st); /* UPDATE ... RETURNING: counted only once finished */
    /* The reset frees the statement for reuse (and SQLite's read locks) but keeps its count. */
    int64_t changes = st->changes;
    stmt_reset(st);
    st->changes = changes;
    return DB_OK;
}

db_rc_t db_step_one(db_stmt_t *st, db_err_t *err)
{
    db_rc_t rc = db_step(st, err);
    if (rc == DB_DONE)
        return db_fail(err, DB_NOT_FOUND, "no row");
    return rc;
}

int64_t db_changes(const db_stmt_t *st)
{
    return st->changes;
}

/* ---- columns ---- */

int db_col_count(const db_stmt_t *st)
{
    if (st->conn->kind == DB_SQLITE)
        return sqlite3_column_count(st->lite);
    return st->res ? PQnfields(st->res) : 0;
}

bool db_col_null(const db_stmt_t *st, int col)
{
    if (st->conn->kind == DB_SQLITE)
        return sqlite3_column_type(st->lite, col) == SQLITE_NULL;
    return db_pg_col_null(st, col);
}

int64_t db_col_i64(const db_stmt_t *st, int col)
{
    if (st->conn->kind == DB_SQLITE)
        return sqlite3_column_int64(st->lite, col);
    if (db_col_null(st, col))
        return 0;
    const char *s = PQgetvalue(st->res, st->row, col);
    if ((s[0] == 't' || s[0] == 'f') && s[1] == '\0') /* a BOOLEAN column */
        return s[0] == 't';
    return strtoll(s, NULL, 10);
}

uint64_t db_col_u64(const db_stmt_t *st, int col)
{
    int64_t bits = db_col_i64(st, col);
    uint64_t v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

bool db_col_bool(const db_stmt_t *st, int col)
{
    return db_col_i64(st, col) != 0;
}

const char *db_col_text(db_stmt_t *st, int col, size_t *len)
{
    if (st->conn->kind == DB_POSTGRES)
        return db_pg_col_text(st, col, len);
    const char *s = (const char *)sqlite3_column_text(st->lite, col);
    size_t n = (size_t)sqlite3_column_bytes(st->lite, col);
    if (!s) {
        s = "";
        n = 0;
    }
    if (len)
        *len = n;
    return s;
}

const uint8_t *db_col_blob(db_stmt_t *st, int col, size_t *len)
{
    if (st->conn->kind == DB_POSTGRES)
        return db_pg_col_blob(st, col, len);
    static const uint8_t empty[1];
    const uint8_t *p = sqlite3_column_blob(st->lite, col);
    size_t n = (size_t)sqlite3_column_bytes(st->lite, col);
    if (len)
        *len = p ? n : 0;
    return p ? p : empty;
}

/* ---- exec and transactions ---- */

db_rc_t db_exec(db_conn_t *conn, const char *sql, db_err_t *err)
{
    ASSERT(!conn->in_pipeline);
    if (conn_xbuf(conn) != 0)
        return db_fail(err, DB_NOMEM, "out of memory");
    if (db_sql_translate(conn->kind, sql, conn->xbuf, DB_SQL_MAX_LEN + 1, NULL) < 0)
        return db_fail(err, DB_INVALID, "SQL too long or unknown {{token}}: %.80s", sql);
    if (conn->kind == DB_SQLITE)
        return db_lite_exec(conn, conn->xbuf, err);
    return db_pg_exec(conn, conn->xbuf, err);
}

db_rc_t db_begin(db_conn_t *conn, db_tx_t mode, db_err_t *err)
{
    ASSERT(!conn->in_tx);
    /* A statement left mid-iteration keeps SQLite's autocommit transaction open; finish it so
     * BEGIN starts a real transaction and earlier autocommitted writes are committed. */
    reset_active(conn);
    const char *sql;
    if (conn->kind == DB_SQLITE)
        sql = mode == DB_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN";
    else
        sql = mode == DB_TX_WRITE ? "BEGIN" : "BEGIN READ ONLY";
    db_rc_t rc =
        conn->kind == DB_SQLITE ? db_lite_exec(conn, sql, err) : db_pg_exec(conn, sql, err);
    if (rc == DB_OK)
        conn->in_tx = true;
    return rc;
}

db_rc_t db_commit(db_conn_t *conn, db_err_t *err)
{
    ASSERT(conn->in_tx);
    ASSERT(!conn->in_pipeline);
    reset_active(conn);
    db_rc_t rc;
    if (conn->kind == DB_SQLITE) {
        rc = db_lite_exec(conn, "COMMIT", err);
        if (rc != DB_OK && !sqlite3_get_autocommit(conn->lite))
            sqlite3_exec(conn->lite, "ROLLBACK", NULL, NULL, NULL);
    } else {
        /* Postgres turns COMMIT of a failed transaction into a rollback without an error. */
        bool failed = PQtransactionStatus(conn->pg) == PQTRANS_INERROR;
        rc = db_pg_exec(conn, "COMMIT", err);
        if (rc == DB_OK && failed)
            rc = db_fail(err, DB_ERROR, "transaction had failed; rolled back");
    }
    conn->in_tx = false;
    return rc;
}

void db_rollback(db_conn_t *conn)
{
    if (!conn->in_tx)
        return;
    reset_active(conn);
    db_err_t ignored;
    if (conn->kind == DB_SQLITE) {
        if (!sqlite3_get_autocommit(conn->lite))
            db_lite_exec(conn, "ROLLBACK", &ignored);
    } else {
        if (conn->in_pipeline)
            db_pipeline_end(conn, &ignored);
        db_pg_exec(conn, "ROLLBACK", &ignored);
    }
    conn->in_tx = false;
}

bool db_in_tx(const db_conn_t *conn)
{
    return conn->in_tx;
}

/* ---- pipelines ---- */

db_rc_t db_pipeline_begin(db_conn_t *conn, db_err_t *err)
{
    ASSERT(!conn->in_pipeline);
    reset_active(conn);
    conn->pipe_rc = DB_OK;
    conn->pipe_queued = 0;
    if (conn->kind == DB_POSTGRES) {
        db_rc_t rc = db_pg_pipeline_begin(conn, err);
        if (rc != DB_OK)
            return rc;
    }
    conn->in_pipeline = true;
    return DB_OK;
}

db_rc_t db_pipeline_end(db_conn_t *conn, db_err_t *err)
{
    ASSERT(conn->in_pipeline);
    db_rc_t rc = DB_OK;
    if (conn->kind == DB_POSTGRES)
        rc = db_pg_pipeline_end(conn, err);
    conn->in_pipeline = false;
    if (rc == DB_OK && conn->pipe_rc != DB_OK) {
        rc = conn->pipe_rc;
        if (err)
            *err = conn->pipe_err;
    }
    return rc;
}
