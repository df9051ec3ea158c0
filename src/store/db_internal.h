/*
 * Internals shared by the pool (db.c), the drivers (db_sqlite.c, db_pg.c) and migrations
 * (migrate.c). Not for use outside src/store.
 *
 * Threads: as db.h: a connection is used by one thread at a time (the one that acquired it).
 */
#ifndef RAFIKI_STORE_DB_INTERNAL_H
#define RAFIKI_STORE_DB_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <libpq-fe.h>

#include "base/memo.h"
#include "store/db.h"

/* Longest SQL text accepted by db_prepare/db_exec after token substitution (migrations are
 * executed statement by statement through db_exec, so this bounds one migration file). */
#define DB_SQL_MAX_LEN (256u * 1024u)
/* Most `?` parameters in one statement (Postgres' own limit is 65535). */
#define DB_PARAMS_MAX 4096
/* Most connections in one pool. */
#define DB_POOL_MAX 64
/* Most distinct statements cached per connection; past it the cache stops growing and further
 * texts are prepared each time (a leak guard for code building SQL dynamically). */
#define DB_STMT_CACHE_MAX 512
/* Statements queued in a Postgres pipeline before it is synced and drained, so neither side's
 * socket buffer can fill up while the other is not reading. */
#define DB_PIPELINE_CHUNK 256

/* A Postgres parameter: bytes kept in the statement's param buffer at off. */
typedef struct {
    size_t off;
    int len;    /* -1 for NULL */
    int binary; /* 1 for bytea */
} db_pg_param_t;

struct db_stmt {
    db_conn_t *conn;
    char *sql_key; /* the caller's SQL text (cache key) */
    uint64_t hash;
    int nparams;
    bool active;     /* stepped but not finished: must be reset before commit/release */
    bool started;    /* step has executed it */
    bool cached;     /* owned by the connection's cache; else freed at next prepare/release */
    int64_t changes; /* set when the statement finishes; kept by db_run's reset */
    db_stmt_t *next_active;
    /* SQLite */
    sqlite3_stmt *lite;
    int64_t lite_total0; /* sqlite3_total_changes64 before the first step */
    /* Postgres */
    char pg_name[24];
    PGresult *res;
    int row, nrows;
    db_pg_param_t *params;
    const char **pvals; /* filled from params at execution */
    int *plens, *pfmts;
    char *pbuf;
    size_t pbuf_len, pbuf_cap;
    uint8_t *scratch; /* decoded bytea */
    size_t scratch_cap;
};

struct db_conn {
    db_t *db;
    db_kind_t kind;
    bool writer;
    bool in_tx;
    bool in_use;
    bool broken;
    bool uncounted; /* SQLite writer: this use wrote nothing (db_idle_trim's own) */
    /* statement cache: open addressing over stmts */
    db_stmt_t **cache;
    size_t cache_cap, cache_len;
    db_stmt_t *active; /* list of active statements */
    db_stmt_t *uncached;
    unsigned next_stmt_id;
    char *xbuf; /* SQL translation scratch, DB_SQL_MAX_LEN + 1 */
    /* pipeline */
    bool in_pipeline;
    int pipe_queued;
    db_rc_t pipe_rc;
    db_err_t pipe_err;
    /* SQLite */
    sqlite3 *lite;
    /* Postgres */
    PGconn *pg;
};

struct db {
    db_kind_t kind;
    db_opts_t opts;
    char *url;         /* as given (Postgres conninfo) */
    char *sqlite_path; /* SQLite file path */
    bool sqlite_memory;
    pthread_mutex_t mu;
    /* waiters for a connection: for the SQLite writer (and every role on :memory:), and for
     * the others; each release wakes one waiter of its kind, not all */
    pthread_cond_t cv, cv_writer;
    db_conn_t writer; /* SQLite only */
    /* SQLite, under mu: uses of the writer, the last one's end (clock_mono_ms), and the uses
     * db_idle_trim has seen (once per idle period) */
    uint64_t writer_uses, writer_used_ms, trimmed_uses;
    db_conn_t *conns; /* SQLite readers / Postgres pool */
    int nconns;
    memo_t *memo; /* rows that never change once committed (db_memo_get) */
    /* db_write_tx's group commit (SQLite): waiting callers, and whether one of them leads */
    pthread_mutex_t group_mu;
    struct db_write_req *group_head, *group_tail;
    bool group_leading;
};

/* Fills err (may be NULL) and returns code. */
db_rc_t db_fail(db_err_t *err, db_rc_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Driver entry points. */
db_rc_t db_lite_connect(db_t *db, db_conn_t *c, db_err_t *err);
void db_lite_disconnect(db_conn_t *c);
db_rc_t db_lite_exec(db_conn_t *c, const char *sql, db_err_t *err);
db_rc_t db_lite_prepare(db_conn_t *c, db_stmt_t *st, const char *sql, db_err_t *err);
void db_lite_stmt_free(db_stmt_t *st);
db_rc_t db_lite_step(db_stmt_t *st, db_err_t *err);
/* Finishes a statement stopped on a row (sqlite3_reset) and records its changes: a DML statement
 * with RETURNING applies everything at its first step but only counts at completion. */
void db_lite_finish(db_stmt_t *st);
/* Checkpoints the whole WAL and truncates it to zero bytes without waiting for anyone; false
 * when a reader or a checkpoint was in the way. */
bool db_lite_wal_truncate(db_conn_t *c);
/* A checkpoint of c's WAL in mode (SQLITE_CHECKPOINT_*), waiting up to wait_ms for readers or
 * a writer in its way; *log_bytes: the bytes of WAL in use afterwards (frames times their size,
 * 0 once a RESTART has succeeded). DB_OK, DB_RETRY when something stayed in the way, DB_ERROR. */
db_rc_t db_lite_checkpoint(db_conn_t *c, int mode, int wait_ms, uint64_t *log_bytes, db_err_t *err);
/* Frees the pages of c's page cache that no statement holds. */
void db_lite_shrink(db_conn_t *c);

db_rc_t db_pg_connect(db_t *db, db_conn_t *c, db_err_t *err);
void db_pg_disconnect(db_conn_t *c);
db_rc_t db_pg_exec(db_conn_t *c, const char *sql, db_err_t *err);
db_rc_t db_pg_prepare(db_conn_t *c, db_stmt_t *st, const char *sql, db_err_t *err);
void db_pg_stmt_free(db_stmt_t *st);
void db_pg_stmt_reset(db_stmt_t *st);
db_rc_t db_pg_step(db_stmt_t *st, db_err_t *err);
void db_pg_bind(db_stmt_t *st, int idx, const void *p, int len, int binary);
/* True for SQL NULL, and for a column or row the result does not have. */
bool db_pg_col_null(const db_stmt_t *st, int col);
const char *db_pg_col_text(db_stmt_t *st, int col, size_t *len);
const uint8_t *db_pg_col_blob(db_stmt_t *st, int col, size_t *len);
db_rc_t db_pg_pipeline_begin(db_conn_t *c, db_err_t *err);
db_rc_t db_pg_pipeline_end(db_conn_t *c, db_err_t *err);

#endif
