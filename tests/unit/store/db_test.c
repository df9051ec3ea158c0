/* Tests for src/store/db.c, db_sqlite.c, dialect.c and migrate.c on SQLite (temp files). The
 * same case bodies run on Postgres in tests/integration/store_pg_test.c. */
#include "db_cases.h"

DB_CASES(db_sqlite, "sqlite:", (void)0)

Test(db_dialect, placeholders_and_tokens)
{
    char out[512];
    int n = -1;
    const char *sql = "SELECT '?', \"a?\", ? -- ?\n, x FROM t WHERE a = ? AND b IN {{JSON_LIST}}"
                      " /* ? */{{FOR_UPDATE}}";
    cr_assert_gt(db_sql_translate(DB_POSTGRES, sql, out, sizeof out, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(out, "SELECT '?', \"a?\", $1 -- ?\n, x FROM t WHERE a = $2 AND b IN "
                          "(SELECT json_array_elements_text($3::json)) /* ? */ FOR UPDATE");
    cr_assert_gt(db_sql_translate(DB_SQLITE, sql, out, sizeof out, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(out, "SELECT '?', \"a?\", ? -- ?\n, x FROM t WHERE a = ? AND b IN "
                          "(SELECT value FROM json_each(?)) /* ? */");
    cr_assert_gt(db_sql_translate(DB_POSTGRES, "'it''s ?' ?", out, sizeof out, &n), 0);
    cr_assert_str_eq(out, "'it''s ?' $1");
    cr_assert_eq(db_sql_translate(DB_SQLITE, "x {{BOGUS}}", out, sizeof out, &n), -1);
    cr_assert_eq(db_sql_translate(DB_SQLITE, "SELECT 1", out, 4, &n), -1, "too small");
    char many[64] = "";
    for (int i = 0; i < 12; i++)
        many[i] = '?';
    cr_assert_gt(db_sql_translate(DB_POSTGRES, many, out, sizeof out, &n), 0);
    cr_assert_str_eq(out, "$1$2$3$4$5$6$7$8$9$10$11$12");
}

Test(db_dialect, blocks_for_one_dialect)
{
    char out[256];
    int n = -1;
    const char *sql =
        "A ?;{{IF_SQLITE}} B ? WITHOUT ROWID;{{END_IF}}{{IF_POSTGRES}} C ?;{{END_IF}} D ?";
    cr_assert_gt(db_sql_translate(DB_SQLITE, sql, out, sizeof out, &n), 0);
    cr_assert_str_eq(out, "A ?; B ? WITHOUT ROWID; D ?");
    cr_assert_eq(n, 3);
    cr_assert_gt(db_sql_translate(DB_POSTGRES, sql, out, sizeof out, &n), 0);
    cr_assert_str_eq(out, "A $1; C $2; D $3");
    cr_assert_eq(n, 3);
    /* unterminated, nested, or an END_IF without a block */
    cr_assert_eq(db_sql_translate(DB_SQLITE, "{{IF_SQLITE}} x", out, sizeof out, &n), -1);
    cr_assert_eq(db_sql_translate(DB_POSTGRES, "{{IF_SQLITE}} x", out, sizeof out, &n), -1);
    cr_assert_eq(db_sql_translate(DB_SQLITE, "{{IF_SQLITE}}{{IF_SQLITE}}{{END_IF}}{{END_IF}}", out,
                                  sizeof out, &n),
                 -1);
    cr_assert_eq(db_sql_translate(DB_SQLITE, "x {{END_IF}}", out, sizeof out, &n), -1);
}

Test(db_open, bad_urls)
{
    db_err_t err = {0};
    cr_assert_null(db_open("mysql://x", &err));
    cr_assert_eq(err.code, DB_INVALID);
    cr_assert_null(db_open("sqlite:", &err));
    cr_assert_eq(err.code, DB_INVALID);
    cr_assert_null(db_open("sqlite:/tmp/x.db?bogus=1", &err));
    cr_assert_eq(err.code, DB_INVALID);
    cr_assert_null(db_open("sqlite:/dev/null/x.db", &err));
    cr_assert_eq(err.code, DB_CONN, "%s", err.msg);
    cr_assert_null(db_open("postgres://nobody@/nodb?host=/nonexistent", &err));
    cr_assert_eq(err.code, DB_CONN, "%s", err.msg);
}

Test(db_sqlite, memory_database_uses_one_connection)
{
    db_err_t err = {0};
    db_t *db = db_open("sqlite::memory:", &err);
    cr_assert_not_null(db, "%s", err.msg);
    cr_assert_eq(db_kind(db), DB_SQLITE);
    db_conn_t *w = db_acquire(db, DB_CONN_WRITE, &err);
    cr_assert_eq(db_exec(w, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (5)", &err), DB_OK);
    db_release(w);
    db_conn_t *r = db_acquire(db, DB_CONN_READ, &err);
    cr_assert_eq(r, w, "readers share the only connection");
    db_stmt_t *st = db_prepare(r, "SELECT a FROM t", &err);
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    cr_assert_eq(db_col_i64(st, 0), 5);
    db_release(r);
    db_close(db);
}

/* Two processes' worth of pools on one file: the second writer receives DB_RETRY, not a hang. */
Test(db_sqlite, busy_writer_is_retryable)
{
    const char *dir = dbc_tmpdir();
    char url[256];
    snprintf(url, sizeof url, "sqlite:%s/busy.db", dir);
    db_err_t err = {0};
    db_opts_t opts = {.busy_timeout_ms = 50};
    db_t *a = db_open_opts(url, &opts, &err);
    db_t *b = db_open_opts(url, &opts, &err);
    cr_assert(a && b, "%s", err.msg);
    db_conn_t *ca = db_acquire(a, DB_CONN_WRITE, &err);
    db_conn_t *cb = db_acquire(b, DB_CONN_WRITE, &err);
    cr_assert_eq(db_begin(ca, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    uint64_t t0 = clock_mono_ms();
    cr_assert_eq(db_begin(cb, DB_TX_WRITE, &err), DB_RETRY, "%s", err.msg);
    cr_assert_lt(clock_mono_ms() - t0, 2000);
    cr_assert_not(db_in_tx(cb));
    /* a reader is not blocked by the writer (WAL) */
    db_conn_t *rb = db_acquire(b, DB_CONN_READ, &err);
    cr_assert_eq(db_exec(rb, "SELECT 1", &err), DB_OK, "%s", err.msg);
    db_release(rb);
    db_commit(ca, &err);
    cr_assert_eq(db_begin(cb, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_commit(cb, &err), DB_OK, "%s", err.msg);
    db_release(ca);
    db_release(cb);
    db_close(a);
    db_close(b);
}

Test(db_sqlite, wal_mode_and_release_rolls_back)
{
    db_t *db = dbc_open("sqlite:", "wal", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    db_err_t err = {0};
    db_stmt_t *st = dbc_prep(c, "PRAGMA journal_mode");
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    cr_assert_str_eq(db_col_text(st, 0, NULL), "wal");
    dbc_exec(c, "CREATE TABLE t (a INTEGER)");
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    dbc_exec(c, "INSERT INTO t VALUES (1)");
    db_release(c); /* left open: rolled back */
    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_not(db_in_tx(c));
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM t"), 0);
    db_release(c);
    db_close(db);
}

Test(db_rc, every_result_has_a_name)
{
    for (int rc = DB_NOMEM; rc <= DB_DONE; rc++)
        cr_expect_str_neq(db_rc_str((db_rc_t)rc), "unknown", "result %d", rc);
    cr_expect_str_eq(db_rc_str(DB_CONSTRAINT), "constraint violation");
    cr_expect_str_eq(db_rc_str((db_rc_t)42), "unknown");
}

/* Bytes of a database's WAL file (0 when there is none). */
static long dbc_wal_size(const char *dir, const char *name)
{
    char path[320];
    snprintf(path, sizeof path, "%s/%s.db-wal", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* db_idle_trim: nothing while the writer was used recently, then the WAL truncated to zero
 * once (again only after another write); a reader on an older snapshot makes it give up at once
 * rather than wait its busy timeout (5 s) holding the writer lock. */
Test(db_sqlite, idle_trim_truncates_the_wal_once_idle)
{
    const char *dir = dbc_tmpdir();
    char url[256];
    snprintf(url, sizeof url, "sqlite:%s/idle.db", dir);
    db_err_t err = {0};
    db_t *db = db_open(url, &err);
    cr_assert_not_null(db, "%s", err.msg);
    db_conn_t *w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, "CREATE TABLE t (a BLOB); BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                "SELECT i + 1 FROM n WHERE i < 500) INSERT INTO t SELECT randomblob(4000) FROM "
                "n; COMMIT");
    db_release(w);
    long grown = dbc_wal_size(dir, "idle");
    cr_assert_gt(grown, 1000000, "the WAL of 2 MB written: %ld bytes", grown);
    cr_assert_not(db_idle_trim(db, 60000), "the writer was used just now");
    cr_assert_eq(dbc_wal_size(dir, "idle"), grown);

    /* a reader inside a transaction on the snapshot before a write is in the way */
    db_conn_t *r = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(db_begin(r, DB_TX_READ, &err), DB_OK);
    cr_assert_eq(dbc_count(r, "SELECT count(*) FROM t"), 500);
    w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, "INSERT INTO t VALUES (randomblob(4000))");
    db_release(w);
    usleep(20000);
    uint64_t t0 = clock_mono_ms();
    cr_assert_not(db_idle_trim(db, 10), "a reader holds an older snapshot");
    cr_assert_lt(clock_mono_ms() - t0, 1000, "it did not wait for the reader");
    cr_assert_gt(dbc_wal_size(dir, "idle"), 0);
    db_release(r); /* its transaction ends */

    cr_assert(db_idle_trim(db, 10));
    cr_assert_eq(dbc_wal_size(dir, "idle"), 0, "truncated");
    cr_assert_not(db_idle_trim(db, 10), "once per idle period");
    r = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(r, "SELECT count(*) FROM t"), 501, "nothing lost");
    db_release(r);
    w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, "INSERT INTO t VALUES (randomblob(4000))");
    db_release(w);
    cr_assert_gt(dbc_wal_size(dir, "idle"), 0);
    usleep(20000);
    cr_assert(db_idle_trim(db, 10), "idle again after a write");
    cr_assert_eq(dbc_wal_size(dir, "idle"), 0);
    db_close(db);

    db_t *mem = db_open("sqlite::memory:", &err);
    cr_assert_not_null(mem);
    cr_assert_not(db_idle_trim(mem, 0), "no WAL in memory");
    db_close(mem);
}

/* db_wal_upkeep: a WAL over the bound with a reader on an older snapshot stays (the RESTART
 * waits at most wait_ms, then gives up); with no reader in the way it restarts, and the writes
 * after it reuse the file from its beginning instead of growing it. Under the bound, only the
 * PASSIVE checkpoint runs. Before it, the file only grew while any reader was about. */
Test(db_sqlite, wal_upkeep_restarts_a_wal_over_its_bound)
{
    const char *dir = dbc_tmpdir();
    char url[256];
    snprintf(url, sizeof url, "sqlite:%s/upkeep.db", dir);
    db_err_t err = {0};
    db_t *db = db_open(url, &err);
    cr_assert_not_null(db, "%s", err.msg);
    const char *fill = "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 500) INSERT INTO t SELECT randomblob(4000) FROM n; COMMIT";
    db_conn_t *w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, "CREATE TABLE t (a BLOB)");
    dbc_exec(w, fill);
    db_release(w);

    /* a reader on the snapshot before the next writes: they cannot start the WAL over */
    db_conn_t *r = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(db_begin(r, DB_TX_READ, &err), DB_OK);
    cr_assert_eq(dbc_count(r, "SELECT count(*) FROM t"), 500);
    uint64_t wal = 0;
    bool restarted = true;
    cr_assert_eq(db_wal_upkeep(db, 64u << 20, 20, &wal, &restarted, &err), DB_OK, "%s", err.msg);
    cr_assert_not(restarted, "under the bound");
    cr_assert_gt(wal, 2000000, "the WAL in use: %llu", (unsigned long long)wal);
    w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, fill);
    db_release(w);
    uint64_t t0 = clock_mono_ms();
    cr_assert_eq(db_wal_upkeep(db, 1u << 20, 20, &wal, &restarted, &err), DB_OK, "%s", err.msg);
    cr_assert_not(restarted, "a reader is in the WAL");
    cr_assert_gt(wal, 4000000, "the WAL grew: %llu", (unsigned long long)wal);
    cr_assert_lt(clock_mono_ms() - t0, 1000, "it waited about wait_ms, not the busy timeout");
    db_release(r);

    long size = dbc_wal_size(dir, "upkeep");
    cr_assert_eq(db_wal_upkeep(db, 1u << 20, 20, &wal, &restarted, &err), DB_OK, "%s", err.msg);
    cr_assert(restarted, "wal %llu", (unsigned long long)wal);
    cr_assert_eq(wal, 0);
    w = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(w, fill);
    db_release(w);
    long after = dbc_wal_size(dir, "upkeep");
    cr_assert_eq(after, size, "the next writes start the WAL over: %ld then %ld", size, after);
    r = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(r, "SELECT count(*) FROM t"), 1500, "nothing lost");
    db_release(r);
    db_close(db);
}

/* db_memo: a row kept from a connection outside a transaction is found by its tag and key (and
 * size); one from inside a transaction, which may be its own write and roll back, is not kept. */
Test(db_sqlite, memo_keeps_committed_rows_only)
{
    db_err_t err = {0};
    db_t *db = db_open("sqlite::memory:", &err);
    cr_assert_not_null(db, "%s", err.msg);
    uint8_t key[DB_MEMO_KEY_LEN] = {1, 2, 3}, other[DB_MEMO_KEY_LEN] = {1, 2, 4};
    uint64_t v = 42, got = 0;
    cr_assert_not(db_memo_get(db, DB_MEMO_QUOTE, key, &got, sizeof got));
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    db_memo_put(c, DB_MEMO_QUOTE, key, &v, sizeof v);
    db_rollback(c);
    cr_assert_not(db_memo_get(db, DB_MEMO_QUOTE, key, &got, sizeof got), "read in a transaction");
    db_memo_put(c, DB_MEMO_QUOTE, key, &v, sizeof v);
    db_release(c);
    cr_assert(db_memo_get(db, DB_MEMO_QUOTE, key, &got, sizeof got));
    cr_assert_eq(got, 42);
    cr_assert_not(db_memo_get(db, DB_MEMO_LEDGER_ASSET, key, &got, sizeof got), "another tag");
    cr_assert_not(db_memo_get(db, DB_MEMO_QUOTE, other, &got, sizeof got), "another key");
    uint32_t small;
    cr_assert_not(db_memo_get(db, DB_MEMO_QUOTE, key, &small, sizeof small), "another size");
    db_close(db);
}
