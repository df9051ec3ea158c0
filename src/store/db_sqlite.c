/*
 * SQLite driver. Connections are opened without SQLite's own mutex (the pool gives a connection
 * to one thread at a time). The database runs in WAL mode so readers never block the writer;
 * there is one writer connection, and write transactions take the lock up front with
 * BEGIN IMMEDIATE, so a write never fails half-way with SQLITE_BUSY.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "store/db_internal.h"

/* A connection's page cache, KiB (PRAGMA cache_size=-N), a ceiling it fills up to under load.
 * Readers look rows up by key; the pages on their paths stay in the OS page cache anyway, so a
 * reader's own copy saves a system call, not I/O; and in WAL mode a reader drops its whole
 * cache whenever another connection has committed since its last transaction, which under load
 * is always. A dozen readers of 32 MiB each kept most of a server's memory after a burst, of
 * 8 MiB each still ~90 MB under a sustained one. The ledger's writer sets its own (ledger.c). */
#define LITE_CACHE_KIB 2048

static db_rc_t lite_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_RETRY;
    case SQLITE_NOMEM:
        return DB_NOMEM;
    case SQLITE_CANTOPEN:
        return DB_CONN;
    default:
        return DB_ERROR;
    }
}

static db_rc_t lite_fail(sqlite3 *db, int rc, db_err_t *err)
{
    return db_fail(err, lite_code(rc), "sqlite: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* Process-wide SQLite settings, before its first use: no memory statistics (they take a global
 * mutex on every allocation, and every statement allocates). */
static void lite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

db_rc_t db_lite_connect(db_t *db, db_conn_t *c, db_err_t *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, lite_configure);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(db->sqlite_path, &c->lite, flags, NULL);
    if (rc != SQLITE_OK) {
        db_fail(err, DB_CONN, "sqlite: cannot open %s: %s", db->sqlite_path,
                c->lite ? sqlite3_errmsg(c->lite) : sqlite3_errstr(rc));
        sqlite3_close(c->lite);
        c->lite = NULL;
        return DB_CONN;
    }
    c->db = db;
    c->kind = DB_SQLITE;
    sqlite3_busy_timeout(c->lite, db->opts.busy_timeout_ms);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-%d;%s%s",
             LITE_CACHE_KIB, c->writer ? " PRAGMA journal_mode=WAL;" : "",
             c->writer ? (db->opts.sqlite_sync_normal ? " PRAGMA synchronous=NORMAL;"
                                                      : " PRAGMA synchronous=FULL;")
                       : "");
    db_rc_t r = db_lite_exec(c, pragmas, err);
    if (r != DB_OK) {
        db_lite_disconnect(c);
        c->kind = 0;
        return r == DB_RETRY ? r : DB_CONN;
    }
    return DB_OK;
}

void db_lite_disconnect(db_conn_t *c)
{
    if (c->lite)
        sqlite3_close(c->lite);
    c->lite = NULL;
}

db_rc_t db_lite_exec(db_conn_t *c, const char *sql, db_err_t *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->lite, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return DB_OK;
    db_rc_t code = db_fail(err, lite_code(sqlite3_extended_errcode(c->lite)), "sqlite: %s",
                           msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return code;
}

db_rc_t db_lite_prepare(db_conn_t *c, db_stmt_t *st, const char *sql, db_err_t *err)
{
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(c->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->lite, &tail);
    if (rc != SQLITE_OK)
        return lite_fail(c->lite, rc, err);
    if (!st->lite)
        return db_fail(err, DB_INVALID, "sqlite: empty statement");
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
        tail++;
    if (tail && *tail) {
        sqlite3_finalize(st->lite);
        st->lite = NULL;
        return db_fail(err, DB_INVALID, "db_prepare takes one statement; use db_exec");
    }
    return DB_OK;
}

void db_lite_stmt_free(db_stmt_t *st)
{
    sqlite3_finalize(st->lite);
    st->lite = NULL;
}

/* sqlite3_changes64 is the connection's count for its last completed INSERT/UPDATE/DELETE, so a
 * SELECT or DDL statement would report an earlier statement's rows. The total (which also
 * counts trigger rows) moves only when this statement changed something; then the per-statement
 * count (without trigger rows, like Postgres' command tag) is this statement's. */
static void lite_record_changes(db_stmt_t *st)
{
    sqlite3 *db = st->conn->lite;
    st->changes = sqlite3_total_changes64(db) != st->lite_total0 ? sqlite3_changes64(db) : 0;
}

db_rc_t db_lite_step(db_stmt_t *st, db_err_t *err)
{
    if (!st->started)
        st->lite_total0 = sqlite3_total_changes64(st->conn->lite);
    int rc = sqlite3_step(st->lite);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        lite_record_changes(st);
        return DB_DONE;
    }
    db_rc_t code = lite_fail(st->conn->lite, sqlite3_extended_errcode(st->conn->lite), err);
    sqlite3_reset(st->lite);
    return code;
}

void db_lite_finish(db_stmt_t *st)
{
    sqlite3_reset(st->lite);
    lite_record_changes(st);
}

bool db_lite_wal_truncate(db_conn_t *c)
{
    /* TRUNCATE waits for readers through the busy handler while it holds the writer lock: with
     * none, a reader still on an older snapshot costs this call, not the next write */
    sqlite3_busy_timeout(c->lite, 0);
    int rc = sqlite3_wal_checkpoint_v2(c->lite, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(c->lite, c->db->opts.busy_timeout_ms);
    return rc == SQLITE_OK;
}

db_rc_t db_lite_checkpoint(db_conn_t *c, int mode, int wait_ms, uint64_t *log_bytes, db_err_t *err)
{
    int frames = 0, copied = 0, page = 4096;
    sqlite3_busy_timeout(c->lite, wait_ms);
    int rc = sqlite3_wal_checkpoint_v2(c->lite, NULL, mode, &frames, &copied);
    sqlite3_busy_timeout(c->lite, c->db->opts.busy_timeout_ms);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->lite, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    /* a frame is a page and its 24-byte header; after a RESTART the next write starts over */
    bool restarted = rc == SQLITE_OK && mode == SQLITE_CHECKPOINT_RESTART;
    *log_bytes = frames > 0 && !restarted ? (uint64_t)frames * (uint64_t)(page + 24) : 0;
    return rc == SQLITE_OK ? DB_OK : lite_fail(c->lite, rc, err);
}

void db_lite_shrink(db_conn_t *c)
{
    sqlite3_db_release_memory(c->lite);
}
