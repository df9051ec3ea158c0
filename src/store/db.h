/*
 * Database driver interface: one API over SQLite (embedded default) and Postgres (scale-out).
 *
 * A db_t is a pool of connections opened from a URL:
 *   sqlite:PATH                 e.g. sqlite:./data/rafiki.db, sqlite::memory: (one connection)
 *   postgres://... postgresql://...   passed to libpq as a connection URI
 * SQLite runs in WAL mode with one writer connection and several reader connections; Postgres has
 * N interchangeable connections. A thread takes a connection with db_acquire and gives it back
 * with db_release; a connection is used by one thread at a time.
 *
 * SQL text is written once for both dialects:
 *   - placeholders are `?` (translated to $1, $2, ... for Postgres; a `?` inside a '...' or "..."
 *     literal or a -- comment is left alone);
 *   - the few dialect differences are tokens replaced in one place (src/store/dialect.c):
 *       {{FOR_UPDATE}}  " FOR UPDATE" on Postgres, "" on SQLite (its write transaction already
 *                       holds the database's single writer lock)
 *       {{BLOB}}        BYTEA / BLOB
 *       {{NOW_MS}}      current wall time as BIGINT milliseconds since the epoch
 *       {{JSON_LIST}}   a row source over a JSON array of strings bound to the one `?` inside
 *                       it, for `id IN {{JSON_LIST}}`; bind e.g. '["a","b"]' with db_bind_text
 *                       (Postgres: (SELECT json_array_elements_text(?::json)),
 *                        SQLite: (SELECT value FROM json_each(?)))
 *   - db_kind() tells the caller which driver it has for anything else.
 *
 * u64 encoding (amounts and balance counters): Postgres has no unsigned 64-bit type, SQLite has
 * none either. A u64 is stored in a BIGINT/INTEGER column as the int64 with the same bit pattern
 * (two's complement): values below 2^63 read naturally in SQL, every value up to 2^64-1
 * round-trips exactly through db_bind_u64/db_col_u64, and the column stays a native 8-byte
 * integer (fast on both). The cost: SQL comparisons, ORDER BY, SUM and CHECK constraints on a u64
 * column are only meaningful below 2^63, so money arithmetic and limit checks happen in C
 * (which the ledger does anyway). We chose this over NUMERIC(20,0) (slow, and SQLite would keep it
 * as a lossy REAL) and over a -2^63 offset (every stored value unreadable).
 *
 * Timestamps are BIGINT milliseconds since the epoch (UTC), set by the application or {{NOW_MS}}.
 *
 * Errors: every call that can fail returns a db_rc_t (negative on failure) and fills a caller's
 * db_err_t with the same code and a message. DB_RETRY means the transaction lost a race
 * (SQLite busy, Postgres serialization failure or deadlock): roll back and run it again.
 */
#ifndef RAFIKI_STORE_DB_H
#define RAFIKI_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DB_OK = 0,
    DB_ROW = 1,  /* db_step: a row is ready to read */
    DB_DONE = 2, /* db_step: the statement has finished (no more rows) */

    DB_ERROR = -1,      /* anything else the database reports; see the message */
    DB_CONSTRAINT = -2, /* unique/primary key, foreign key, not null or check violation */
    DB_RETRY = -3,      /* busy/locked, serialization failure, deadlock: retry the transaction */
    DB_NOT_FOUND = -4,  /* a row the caller required is absent (db_step_one) */
    DB_CONN = -5,       /* cannot connect, or the connection was lost */
    DB_INVALID = -6,    /* bad URL, bad argument, bad migration file name */
    DB_NOMEM = -7,
} db_rc_t;

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_kind_t;

typedef enum {
    DB_TX_READ = 0,  /* SQLite: BEGIN (deferred); Postgres: BEGIN READ ONLY */
    DB_TX_WRITE = 1, /* SQLite: BEGIN IMMEDIATE (takes the writer lock); Postgres: BEGIN */
} db_tx_t;

/* Which connection db_acquire hands out. On Postgres both are any pooled connection. */
typedef enum { DB_CONN_READ = 0, DB_CONN_WRITE = 1 } db_role_t;

typedef struct {
    db_rc_t code;
    char msg[256];
} db_err_t;

typedef struct db db_t;
typedef struct db_conn db_conn_t;
typedef struct db_stmt db_stmt_t;

typedef struct {
    /* Postgres: connections in the pool (default 16, opened as needed). SQLite: reader
     * connections (default 12, opened as needed); there is always exactly one writer. A thread
     * waiting for one adds to a request's latency: 16 admin threads and 16 payment workers
     * share them. */
    int pool_size;
    /* SQLite: how long a connection waits for a lock before DB_RETRY (default 5000 ms). */
    int busy_timeout_ms;
    /* SQLite: PRAGMA synchronous=NORMAL instead of the default FULL. FULL syncs the WAL at every
     * commit (durable across power loss); NORMAL only at checkpoints (a power loss can drop the
     * last commits, never corrupts). The URL query "sqlite:PATH?synchronous=normal" also sets it.
     */
    bool sqlite_sync_normal;
} db_opts_t;

/* DATABASE_URL's default: an embedded database under ./data. */
#define DB_URL_DEFAULT "sqlite:./data/rafiki.db"

/* Opens a pool for url with default options. Returns NULL and fills err (DB_INVALID for a bad
 * URL, DB_CONN when the first connection fails). Opens one connection eagerly to check. */
db_t *db_open(const char *url, db_err_t *err);
/* Same with explicit options; opts may be NULL. */
db_t *db_open_opts(const char *url, const db_opts_t *opts, db_err_t *err);
/* db_open($DATABASE_URL), DB_URL_DEFAULT when unset. */
db_t *db_open_env(db_err_t *err);
/* Closes every connection. All connections must have been released. NULL is a no-op. */
void db_close(db_t *db);
db_kind_t db_kind(const db_t *db);

/* Takes a connection from the pool, opening one if the pool is below its size, else waits for
 * one to be released. DB_CONN_WRITE on SQLite always returns the single writer connection (so a
 * thread must not hold it while acquiring it again; on sqlite::memory: every role receives that one
 * connection). Returns NULL with err on connection failure. */
db_conn_t *db_acquire(db_t *db, db_role_t role, db_err_t *err);
/* Returns a connection to the pool. A transaction left open is rolled back first; a broken
 * Postgres connection is dropped and reopened on next acquire. */
void db_release(db_conn_t *conn);
/*
 * SQLite: gives back what a burst of writes left behind once the writer connection has not been
 * used for idle_ms: the WAL is checkpointed and truncated to zero bytes, the page caches of the
 * connections nobody holds are emptied, and free heap goes back to the system (malloc_trim).
 * Once per idle period: true when it ran now; false when the writer was used since the last
 * trim less than idle_ms ago (or is in use), when there was nothing to do, or when a reader on
 * an older snapshot was in the way (it does not wait for one; the next call tries again).
 * On Postgres and on sqlite::memory: it does nothing (false). Threads: any, holding no
 * connection of db.
 */
bool db_idle_trim(db_t *db, uint32_t idle_ms);
/*
 * SQLite WAL upkeep under a constant load, for one background thread: a PASSIVE checkpoint on a
 * reader connection copies committed pages into the database file without blocking the writer.
 * Under a constant load some reader is always on a snapshot that still needs the WAL, so the
 * WAL never starts over and grows; when it holds more than restart_bytes after the PASSIVE one,
 * a RESTART checkpoint on the writer connection copies the rest and waits up to wait_ms for the
 * readers still in the WAL (new readers read the database file), so the next write starts the
 * WAL from its beginning. Writes wait for the writer connection meanwhile (a few ms: the
 * PASSIVE checkpoint has copied nearly everything). *wal_bytes: the WAL in use after the call
 * (0 after a restart); *restarted whether it restarted. DB_OK (also when a reader kept it from
 * restarting: the next call tries again), or the checkpoint's error. Postgres and
 * sqlite::memory: nothing to do (DB_OK, 0).
 */
db_rc_t db_wal_upkeep(db_t *db, uint64_t restart_bytes, uint32_t wait_ms, uint64_t *wal_bytes,
                      bool *restarted, db_err_t *err);
db_kind_t db_conn_kind(const db_conn_t *conn);

/*
 * A memo of rows that never change once committed (an asset's code, scale and accounts; a
 * quote), so a hot path reads each from the database once: keyed by a tag naming the table and
 * a 16-byte id, a few hundred rows per handle, the newest replacing an older one in its slot.
 * db_memo_put copies the row from a connection outside a transaction (a row read inside one may
 * be its own write, undone by a rollback: it is not kept); db_memo_get copies it into out and
 * says whether it was there. Only for rows that are never updated or deleted: replicas share
 * nothing but the database, and a memo is never told of a change. Threads: any.
 */
#define DB_MEMO_KEY_LEN 16
#define DB_MEMO_SLOTS   512
enum { DB_MEMO_LEDGER_ASSET = 1, DB_MEMO_QUOTE = 2 };
bool db_memo_get(db_t *db, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], void *out,
                 size_t size);
void db_memo_put(db_conn_t *c, uint32_t tag, const uint8_t key[DB_MEMO_KEY_LEN], const void *val,
                 size_t size);
/* The handle a connection belongs to. */
db_t *db_conn_db(const db_conn_t *conn);

/* Runs SQL text with no parameters and no result rows (DDL, several statements separated by ;).
 * Tokens ({{BLOB}}...) are substituted. */
db_rc_t db_exec(db_conn_t *conn, const char *sql, db_err_t *err);

/* Transactions. Nested begin is a programmer error. Commit can fail with DB_RETRY (SQLite busy)
 * or DB_CONSTRAINT (deferred constraint); the transaction is then over (rolled back). */
db_rc_t db_begin(db_conn_t *conn, db_tx_t mode, db_err_t *err);
db_rc_t db_commit(db_conn_t *conn, db_err_t *err);
/* Always ends the transaction; a no-op when none is open. */
void db_rollback(db_conn_t *conn);
bool db_in_tx(const db_conn_t *conn);

/*
 * Small write transactions, grouped. db_write_tx runs fn(conn, arg, err) in a write
 * transaction and commits it; a DB_RETRY from the begin, fn or the commit runs it again, up to
 * DB_WRITE_TX_ATTEMPTS times. fn returns DB_OK to commit, anything else to undo its writes (its
 * result is then db_write_tx's).
 *
 * On SQLite, whose one writer runs write transactions one at a time anyway, callers that arrive
 * while a transaction runs share the next one (group commit): one BEGIN and one COMMIT, so one
 * WAL sync, for up to DB_WRITE_GROUP_MAX callers. Each fn runs inside its own SAVEPOINT, so a fn
 * that fails undoes only its own writes; a fn sees the writes of those before it, exactly as if
 * they had committed first. Each caller receives its own fn's result, and DB_OK only once the
 * shared COMMIT succeeded; if the group as a whole fails (commit, savepoint), each fn runs again
 * alone. On Postgres every call is its own transaction on a pooled connection (concurrent commits
 * there already share WAL flushes, and grouping would serialize them).
 *
 * fn runs on whichever caller's thread leads the group: it must not use thread-local state of
 * its caller (except the log request id, log.h, which is set to the caller's while fn runs), must
 * not acquire another connection (the writer is held), and must be safe to run more than once
 * (retries). Threads: any; the call blocks until its fn committed or failed.
 */
#define DB_WRITE_TX_ATTEMPTS 5
#define DB_WRITE_GROUP_MAX   64
typedef db_rc_t (*db_tx_fn)(db_conn_t *conn, void *arg, db_err_t *err);
db_rc_t db_write_tx(db_t *db, db_tx_fn fn, void *arg, db_err_t *err);

/*
 * Runs fn(conn, arg, fn_err) inside a savepoint of conn's open transaction: its writes stay when
 * it returns DB_OK and are undone otherwise, while the transaction goes on. *fn_rc receives fn's
 * result. Returns DB_OK, or the error of the savepoint itself (then the transaction must not
 * commit). The statements fn left active are its own to reset.
 */
db_rc_t db_savepoint_run(db_conn_t *conn, db_tx_fn fn, void *arg, db_rc_t *fn_rc, db_err_t *fn_err,
                         db_err_t *err);

/*
 * Another writer's transaction may carry the queued db_write_tx calls (SQLite): the ledger's
 * batcher, about to commit a batch on the writer connection c, calls db_write_adopt, which runs
 * the waiting fns in c's open transaction (each in its savepoint, as in a group) so that one
 * COMMIT serves both; after that commit, or its failure, it calls db_write_adopted_end with
 * whether the transaction committed. Callers of db_write_tx are answered only then; when it did
 * not commit (or a fn asked for a retry), their fns run again in a later group. Returns NULL
 * when nothing was taken (nothing queued, a group running, not SQLite). DB_OK in *rc unless a
 * savepoint failed, in which case the transaction must not commit.
 */
typedef struct db_write_req db_write_adopted_t;
db_write_adopted_t *db_write_adopt(db_t *db, db_conn_t *c, db_rc_t *rc, db_err_t *err);
void db_write_adopted_end(db_t *db, db_write_adopted_t *head, bool committed);

/*
 * Prepared statements are cached per connection, keyed by the SQL text: the first db_prepare of a
 * text parses (and on Postgres prepares on the server), later calls return the cached statement
 * reset and with no bindings. The statement belongs to the connection: do not free it, and do not
 * keep it across db_release. Use one statement at a time per SQL text (re-preparing the same text
 * while iterating it resets it). Returns NULL with err on a syntax error.
 */
db_stmt_t *db_prepare(db_conn_t *conn, const char *sql, db_err_t *err);

/* Bind parameter idx (1-based, in `?` order). Text and blob bytes are copied. Binding past the
 * statement's parameter count is a programmer error (ASSERT). */
void db_bind_i64(db_stmt_t *st, int idx, int64_t v);
void db_bind_u64(db_stmt_t *st, int idx, uint64_t v); /* bit-pattern BIGINT, see above */
void db_bind_bool(db_stmt_t *st, int idx, bool v);
void db_bind_text(db_stmt_t *st, int idx, const char *s, size_t len);
void db_bind_str(db_stmt_t *st, int idx, const char *z); /* NUL-terminated; NULL binds NULL */
void db_bind_blob(db_stmt_t *st, int idx, const void *p, size_t len);
void db_bind_null(db_stmt_t *st, int idx);

/* Runs the statement (first call) and moves to the next row: DB_ROW, DB_DONE, or an error. */
db_rc_t db_step(db_stmt_t *st, db_err_t *err);
/* Steps once expecting no rows or ignoring them: DB_OK or an error. */
db_rc_t db_run(db_stmt_t *st, db_err_t *err);
/* Steps once expecting a row: DB_ROW, DB_NOT_FOUND (no row), or an error. */
db_rc_t db_step_one(db_stmt_t *st, db_err_t *err);
/* Rows changed by the last INSERT/UPDATE/DELETE run by this statement (rows changed by triggers
 * not counted), readable once it has finished: after db_run, or after db_step returned DB_DONE
 * (an UPDATE ... RETURNING on SQLite counts only then; Postgres knows it from the first row).
 * 0 for a statement that writes nothing (SELECT, DDL) and after db_prepare; unknown (0) for a
 * statement queued in a Postgres pipeline. */
int64_t db_changes(const db_stmt_t *st);

/* Column getters for the current row (col is 0-based). A NULL reads as 0 / "" / empty. Text and
 * blob pointers stay valid until the next step, reset or prepare of this statement. */
int db_col_count(const db_stmt_t *st);
bool db_col_null(const db_stmt_t *st, int col);
int64_t db_col_i64(const db_stmt_t *st, int col);
uint64_t db_col_u64(const db_stmt_t *st, int col);
bool db_col_bool(const db_stmt_t *st, int col);
const char *db_col_text(db_stmt_t *st, int col, size_t *len); /* NUL-terminated; len may be NULL */
const uint8_t *db_col_blob(db_stmt_t *st, int col, size_t *len);

/*
 * Pipelining (Postgres pipeline mode; a pass-through on SQLite): between db_pipeline_begin and
 * db_pipeline_end, db_run/db_step on statements that return no rows only queue them (db_step
 * returns DB_DONE at once, db_changes is unknown) and all are sent in one round trip; errors are
 * reported by db_pipeline_end, which returns the first failure (after one, Postgres skips the
 * rest). Use inside a transaction so a failure rolls everything back. Rows returned by a statement
 * inside a pipeline are discarded (read them outside it). On SQLite each statement runs immediately
 * and its first error is also returned by db_pipeline_end.
 */
db_rc_t db_pipeline_begin(db_conn_t *conn, db_err_t *err);
db_rc_t db_pipeline_end(db_conn_t *conn, db_err_t *err);

/*
 * Migrations: every file dir/NNN_name.sql (NNN a decimal version, applied in order) whose version
 * is not yet in schema_migrations is run in its own write transaction with tokens substituted,
 * and its version recorded. Safe to run concurrently from several processes (Postgres advisory
 * lock; SQLite writer lock) and again (idempotent). Returns DB_OK, or the first failure with the
 * file name in err (that file's changes are rolled back; earlier files stay applied).
 * applied (may be NULL) receives how many files were applied by this call.
 */
db_rc_t db_migrate(db_t *db, const char *dir, int *applied, db_err_t *err);
/* The newest migration version of db_sql_dir(), and the newest applied to db (0: none): a
 * process whose database is behind its files is not ready (a restore of an old backup). */
db_rc_t db_migration_versions(db_t *db, uint64_t *files, uint64_t *applied, db_err_t *err);
/* db_migrate over db_sql_dir(): what `rafiki migrate` and `rafiki serve` call at start-up. */
db_rc_t db_migrate_default(db_t *db, int *applied, db_err_t *err);
/* The migrations directory: $RAFIKI_SQL_DIR, else ./sql if it exists, else <exe dir>/../sql.
 * Returns 0, or -1 when none exists or out is too small. */
int db_sql_dir(char *out, size_t cap);

/* Applies the dialect tokens and (for Postgres) numbers the `?` placeholders. Exposed for tests
 * and for code that builds SQL dynamically. Returns the length written, or -1 if cap is too small.
 */
long db_sql_translate(db_kind_t kind, const char *sql, char *out, size_t cap, int *nparams);

const char *db_rc_str(db_rc_t rc);

#endif
