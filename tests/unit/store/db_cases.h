/*
 * Database test bodies shared by the SQLite unit tests (tests/unit/store/db_test.c) and the
 * Postgres integration tests (tests/integration/store_pg_test.c): each case takes a base URL
 * ("sqlite:" for a fresh temp file, or a postgres:// URL, where the case receives its own schema)
 * and runs the same assertions on either driver.
 */
#ifndef RAFIKI_TESTS_STORE_DB_CASES_H
#define RAFIKI_TESTS_STORE_DB_CASES_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/db.h"

/* Temp directories made by this test process, removed at exit. */
static char dbc_dirs[8][32];
static int dbc_ndirs;

static void dbc_cleanup(void)
{
    for (int i = 0; i < dbc_ndirs; i++) {
        char cmd[320];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dbc_dirs[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dbc_dirs[i]);
    }
}

static const char *dbc_tmpdir(void)
{
    cr_assert_lt(dbc_ndirs, 8);
    char *dir = dbc_dirs[dbc_ndirs];
    snprintf(dir, sizeof dbc_dirs[0], "/tmp/rafiki-dbtest.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    if (dbc_ndirs++ == 0)
        atexit(dbc_cleanup);
    return dir;
}

/* A fresh database for one case: a temp SQLite file, or a fresh Postgres schema selected with
 * search_path for every pooled connection. */
static db_t *dbc_open(const char *base, const char *name, int pool_size)
{
    char url[1024];
    db_err_t err = {0};
    if (strncmp(base, "sqlite:", 7) == 0) {
        snprintf(url, sizeof url, "sqlite:%s/%s.db", dbc_tmpdir(), name);
    } else {
        db_t *admin = db_open(base, &err);
        cr_assert_not_null(admin, "%s", err.msg);
        db_conn_t *c = db_acquire(admin, DB_CONN_WRITE, &err);
        cr_assert_not_null(c, "%s", err.msg);
        char sql[256];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS t_%s CASCADE; CREATE SCHEMA t_%s", name,
                 name);
        cr_assert_eq(db_exec(c, sql, &err), DB_OK, "%s", err.msg);
        db_release(c);
        db_close(admin);
        snprintf(url, sizeof url, "%s%soptions=-c%%20search_path%%3Dt_%s", base,
                 strchr(base, '?') ? "&" : "?", name);
    }
    db_opts_t opts = {.pool_size = pool_size};
    db_t *db = db_open_opts(url, &opts, &err);
    cr_assert_not_null(db, "open %s: %s", url, err.msg);
    return db;
}

static db_conn_t *dbc_conn(db_t *db, db_role_t role)
{
    db_err_t err = {0};
    db_conn_t *c = db_acquire(db, role, &err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

static void dbc_exec(db_conn_t *c, const char *sql)
{
    db_err_t err = {0};
    cr_assert_eq(db_exec(c, sql, &err), DB_OK, "%s: %s", sql, err.msg);
}

static db_stmt_t *dbc_prep(db_conn_t *c, const char *sql)
{
    db_err_t err = {0};
    db_stmt_t *st = db_prepare(c, sql, &err);
    cr_assert_not_null(st, "%s: %s", sql, err.msg);
    return st;
}

static int64_t dbc_count(db_conn_t *c, const char *sql)
{
    db_err_t err = {0};
    db_stmt_t *st = dbc_prep(c, sql);
    cr_assert_eq(db_step_one(st, &err), DB_ROW, "%s", err.msg);
    return db_col_i64(st, 0);
}

/* u64 values at every edge round-trip exactly, and so do i64, text, blob, bool and NULL. */
static void case_roundtrip(const char *base)
{
    db_t *db = dbc_open(base, "roundtrip", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE t (k INTEGER PRIMARY KEY, u BIGINT, i BIGINT, s TEXT,"
                " b {{BLOB}}, f BOOLEAN)");
    const uint64_t us[] = {0, 1, 255, (1ull << 63) - 1, 1ull << 63, UINT64_MAX - 1, UINT64_MAX};
    const int64_t is[] = {0, -1, INT64_MIN, INT64_MAX, 42, -42, 1};
    const uint8_t blob[] = {0, 1, 0xff, 0x80, 0, '\\', 'x'};
    db_err_t err = {0};
    for (int k = 0; k < 7; k++) {
        db_stmt_t *st = dbc_prep(c, "INSERT INTO t (k, u, i, s, b, f) VALUES (?, ?, ?, ?, ?, ?)");
        db_bind_i64(st, 1, k);
        db_bind_u64(st, 2, us[k]);
        db_bind_i64(st, 3, is[k]);
        db_bind_str(st, 4, "it's a ? 'quote' ünïcode");
        db_bind_blob(st, 5, blob, sizeof blob);
        db_bind_bool(st, 6, k % 2 == 1);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    db_stmt_t *st = dbc_prep(c, "INSERT INTO t (k) VALUES (?)");
    db_bind_i64(st, 1, 100);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);

    st = dbc_prep(c, "SELECT k, u, i, s, b, f FROM t WHERE k < ? ORDER BY k");
    db_bind_i64(st, 1, 1000);
    for (int k = 0; k < 7; k++) {
        cr_assert_eq(db_step(st, &err), DB_ROW, "%s", err.msg);
        cr_assert_eq(db_col_i64(st, 0), k);
        cr_assert_eq(db_col_u64(st, 1), us[k], "u64 row %d", k);
        cr_assert_eq(db_col_i64(st, 2), is[k], "i64 row %d", k);
        size_t n;
        const char *s = db_col_text(st, 3, &n);
        cr_assert_str_eq(s, "it's a ? 'quote' ünïcode");
        cr_assert_eq(n, strlen("it's a ? 'quote' ünïcode"));
        const uint8_t *b = db_col_blob(st, 4, &n);
        cr_assert_eq(n, sizeof blob);
        cr_assert_arr_eq(b, blob, sizeof blob);
        cr_assert_eq(db_col_bool(st, 5), k % 2 == 1);
        cr_assert_not(db_col_null(st, 1));
    }
    cr_assert_eq(db_step(st, &err), DB_ROW);
    cr_assert_eq(db_col_i64(st, 0), 100);
    cr_assert(db_col_null(st, 1));
    cr_assert(db_col_null(st, 3));
    cr_assert_eq(db_col_u64(st, 1), 0);
    cr_assert_str_eq(db_col_text(st, 3, NULL), "");
    cr_assert_eq(db_step(st, &err), DB_DONE);

    /* Values below 2^63 read naturally in SQL. */
    st = dbc_prep(c, "SELECT u - 1, u FROM t WHERE k = 3");
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    cr_assert_eq(db_col_u64(st, 0), (1ull << 63) - 2);
    cr_assert_str_eq(db_col_text(st, 1, NULL), "9223372036854775807");
    st = dbc_prep(c, "SELECT u FROM t WHERE k = 6");
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    cr_assert_str_eq(db_col_text(st, 0, NULL), "-1", "2^64-1 is stored as the bits of -1");
    db_release(c);
    db_close(db);
}

/* Unique, not-null and foreign-key violations are DB_CONSTRAINT; a bad statement is not. */
static void case_constraints(const char *base)
{
    db_t *db = dbc_open(base, "constraints", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE p (id TEXT PRIMARY KEY, v BIGINT NOT NULL);"
                "CREATE TABLE ch (id TEXT PRIMARY KEY, p TEXT REFERENCES p (id))");
    db_err_t err = {0};
    db_stmt_t *st = dbc_prep(c, "INSERT INTO p (id, v) VALUES (?, ?)");
    db_bind_str(st, 1, "a");
    db_bind_i64(st, 2, 1);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    st = dbc_prep(c, "INSERT INTO p (id, v) VALUES (?, ?)");
    db_bind_str(st, 1, "a");
    db_bind_i64(st, 2, 2);
    cr_assert_eq(db_run(st, &err), DB_CONSTRAINT, "%s", err.msg);
    cr_assert_eq(err.code, DB_CONSTRAINT);
    cr_assert_gt(strlen(err.msg), 0);
    st = dbc_prep(c, "INSERT INTO p (id, v) VALUES (?, ?)");
    db_bind_str(st, 1, "b");
    db_bind_null(st, 2);
    cr_assert_eq(db_run(st, &err), DB_CONSTRAINT, "%s", err.msg);
    st = dbc_prep(c, "INSERT INTO ch (id, p) VALUES (?, ?)");
    db_bind_str(st, 1, "x");
    db_bind_str(st, 2, "nope");
    cr_assert_eq(db_run(st, &err), DB_CONSTRAINT, "%s", err.msg);
    /* ON CONFLICT DO NOTHING works on both and reports zero changes */
    st = dbc_prep(c, "INSERT INTO p (id, v) VALUES (?, ?) ON CONFLICT DO NOTHING");
    db_bind_str(st, 1, "a");
    db_bind_i64(st, 2, 3);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 0);

    cr_assert_null(db_prepare(c, "SELEKT nonsense", &err));
    cr_assert_eq(err.code, DB_ERROR);
    cr_assert_null(db_prepare(c, "SELECT {{NO_SUCH_TOKEN}}", &err));
    cr_assert_eq(err.code, DB_INVALID);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM p"), 1);
    db_release(c);
    db_close(db);
}

/* Rollback undoes, commit keeps, changes are counted, RETURNING works, a reader sees commits. */
static void case_transactions(const char *base)
{
    db_t *db = dbc_open(base, "tx", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE a (id TEXT PRIMARY KEY, bal BIGINT NOT NULL)");
    db_err_t err = {0};
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    cr_assert(db_in_tx(c));
    for (int i = 0; i < 10; i++) {
        db_stmt_t *st = dbc_prep(c, "INSERT INTO a (id, bal) VALUES (?, ?)");
        char id[16];
        snprintf(id, sizeof id, "id%d", i);
        db_bind_str(st, 1, id);
        db_bind_i64(st, 2, i);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    db_rollback(c);
    cr_assert_not(db_in_tx(c));
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM a"), 0);

    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    for (int i = 0; i < 10; i++) {
        db_stmt_t *st = dbc_prep(c, "INSERT INTO a (id, bal) VALUES (?, ?)");
        char id[16];
        snprintf(id, sizeof id, "id%d", i);
        db_bind_str(st, 1, id);
        db_bind_i64(st, 2, i);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    db_stmt_t *st = dbc_prep(c, "UPDATE a SET bal = bal + ? WHERE bal >= ?");
    db_bind_i64(st, 1, 100);
    db_bind_i64(st, 2, 5);
    cr_assert_eq(db_step(st, &err), DB_DONE, "%s", err.msg);
    cr_assert_eq(db_changes(st), 5);
    st = dbc_prep(c, "UPDATE a SET bal = bal - 1 WHERE id = ? RETURNING bal");
    db_bind_str(st, 1, "id9");
    cr_assert_eq(db_step_one(st, &err), DB_ROW, "%s", err.msg);
    cr_assert_eq(db_col_i64(st, 0), 108);
    cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);

    db_conn_t *r = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(r, "SELECT SUM(bal) FROM a"), 45 + 500 - 1);
    st = dbc_prep(r, "SELECT bal FROM a WHERE id = ?");
    db_bind_str(st, 1, "missing");
    cr_assert_eq(db_step_one(st, &err), DB_NOT_FOUND);
    db_release(r);

    /* a failed statement inside a transaction: commit reports failure, nothing is kept */
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    st = dbc_prep(c, "UPDATE a SET bal = 0 WHERE id = ?");
    db_bind_str(st, 1, "id1");
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    st = dbc_prep(c, "INSERT INTO a (id, bal) VALUES (?, ?)");
    db_bind_str(st, 1, "id2");
    db_bind_i64(st, 2, 0);
    cr_assert_eq(db_run(st, &err), DB_CONSTRAINT);
    db_rollback(c);
    cr_assert_eq(dbc_count(c, "SELECT bal FROM a WHERE id = 'id1'"), 1);
    db_release(c);
    db_close(db);
}

/* The cache returns the same statement for the same text, reset and without old bindings. */
static void case_stmt_cache(const char *base)
{
    db_t *db = dbc_open(base, "cache", 1);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    db_err_t err = {0};
    db_stmt_t *a = dbc_prep(c, "SELECT ?, ?");
    db_bind_i64(a, 1, 7);
    db_bind_str(a, 2, "x");
    cr_assert_eq(db_step(a, &err), DB_ROW, "%s", err.msg);
    cr_assert_eq(db_col_i64(a, 0), 7);
    cr_assert_eq(db_col_count(a), 2);
    db_stmt_t *b = dbc_prep(c, "SELECT ?, ?");
    cr_assert_eq(a, b);
    cr_assert_eq(db_step(b, &err), DB_ROW, "%s", err.msg);
    cr_assert(db_col_null(b, 0), "bindings are cleared by db_prepare");
    /* {{NOW_MS}} is wall time in ms */
    db_stmt_t *t = dbc_prep(c, "SELECT {{NOW_MS}}");
    cr_assert_eq(db_step_one(t, &err), DB_ROW, "%s", err.msg);
    int64_t now = clock_wall_ms();
    cr_assert(llabs(db_col_i64(t, 0) - now) < 5000, "%lld vs %lld", (long long)db_col_i64(t, 0),
              (long long)now);
    db_release(c);
    db_close(db);
}

/* The ledger's access path: ids from a JSON list, sorted, locked for update, then updated. */
static void case_lock_list(const char *base)
{
    db_t *db = dbc_open(base, "locklist", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE acc (id TEXT PRIMARY KEY, bal BIGINT NOT NULL);"
                "INSERT INTO acc VALUES ('c', 3), ('a', 1), ('b', 2), ('d', 4)");
    db_err_t err = {0};
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    db_stmt_t *st =
        dbc_prep(c, "SELECT id, bal FROM acc WHERE id IN {{JSON_LIST}} ORDER BY id{{FOR_UPDATE}}");
    db_bind_str(st, 1, "[\"d\",\"b\",\"zz\",\"a\"]");
    const char *want[] = {"a", "b", "d"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(db_step(st, &err), DB_ROW, "%s", err.msg);
        cr_assert_str_eq(db_col_text(st, 0, NULL), want[i]);
    }
    cr_assert_eq(db_step(st, &err), DB_DONE);
    cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);
    db_release(c);
    db_close(db);
}

/* Pipelined statements all apply; a failure inside is reported at the end. */
static void case_pipeline(const char *base)
{
    db_t *db = dbc_open(base, "pipeline", 1);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE x (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    db_err_t err = {0};
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_pipeline_begin(c, &err), DB_OK, "%s", err.msg);
    for (int i = 0; i < 1000; i++) { /* crosses several pipeline chunks */
        db_stmt_t *st = dbc_prep(c, "INSERT INTO x (id, v) VALUES (?, ?)");
        db_bind_i64(st, 1, i);
        db_bind_u64(st, 2, UINT64_MAX - (uint64_t)i);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    }
    cr_assert_eq(db_pipeline_end(c, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM x"), 1000);
    db_stmt_t *st = dbc_prep(c, "SELECT v FROM x WHERE id = 999");
    cr_assert_eq(db_step_one(st, &err), DB_ROW);
    cr_assert_eq(db_col_u64(st, 0), UINT64_MAX - 999);

    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_pipeline_begin(c, &err), DB_OK, "%s", err.msg);
    for (int i = 1000; i < 1010; i++) {
        st = dbc_prep(c, "INSERT INTO x (id, v) VALUES (?, ?)");
        db_bind_i64(st, 1, i == 1005 ? 5 : i); /* 5 already exists */
        db_bind_i64(st, 2, 0);
        db_run(st, &err);
    }
    /* a statement first prepared inside the pipeline */
    st = dbc_prep(c, "UPDATE x SET v = ? WHERE id = ?");
    db_bind_i64(st, 1, 1);
    db_bind_i64(st, 2, 1);
    db_run(st, &err);
    cr_assert_eq(db_pipeline_end(c, &err), DB_CONSTRAINT, "%s", err.msg);
    db_rollback(c);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM x"), 1000);
    db_release(c);
    db_close(db);
}

/* Migrations: applied in order, once; a failing file is rolled back and not recorded; fixed,
 * it applies on the next run. The repository's own sql/ applies cleanly. */
static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void case_migrations(const char *base)
{
    db_t *db = dbc_open(base, "migrate", 2);
    const char *dir = dbc_tmpdir();
    write_file(dir, "001_first.sql",
               "CREATE TABLE m1 (id TEXT PRIMARY KEY, b {{BLOB}});\n"
               "-- a comment with a ? in it\n"
               "INSERT INTO m1 (id) VALUES ('x?');\n");
    write_file(dir, "010_third.sql", "CREATE TABLE m3 (id BIGINT);");
    write_file(dir, "002_second.sql", "CREATE TABLE m2 (id BIGINT); INSERT INTO nope VALUES (1);");
    write_file(dir, "README.md", "not a migration");
    db_err_t err = {0};
    int applied = -1;
    cr_assert_neq(db_migrate(db, dir, &applied, &err), DB_OK);
    cr_assert_eq(applied, 1);
    cr_assert(strstr(err.msg, "002_second.sql") != NULL, "%s", err.msg);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM m1 WHERE id = 'x?'"), 1);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM schema_migrations"), 1);
    cr_assert_null(db_prepare(c, "SELECT * FROM m2", &err), "002 was rolled back");
    db_release(c);

    write_file(dir, "002_second.sql", "CREATE TABLE m2 (id BIGINT); INSERT INTO m2 VALUES (1);");
    cr_assert_eq(db_migrate(db, dir, &applied, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(applied, 2);
    cr_assert_eq(db_migrate(db, dir, &applied, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(applied, 0, "idempotent");
    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(dbc_count(c, "SELECT MAX(version) FROM schema_migrations"), 10);
    db_release(c);

    cr_assert_eq(db_migrate(db, "/nonexistent/dir", &applied, &err), DB_INVALID);
    db_close(db);

    db = dbc_open(base, "migrate_repo", 2);
    char sqldir[1024];
    cr_assert_eq(db_sql_dir(sqldir, sizeof sqldir), 0, "run the tests from the repository root");
    cr_assert_eq(db_migrate(db, sqldir, &applied, &err), DB_OK, "%s", err.msg);
    cr_assert_geq(applied, 1);
    cr_assert_eq(db_migrate(db, sqldir, &applied, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(applied, 0);
    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM accounts"), 0);
    db_release(c);
    db_close(db);
}

/* db_changes after db_run reports the rows the statement changed (db.h): UPDATE, DELETE,
 * INSERT, UPDATE ... RETURNING (rows discarded), none matched; a read reports 0, not the
 * connection's previous count; inside and outside a transaction. */
static void case_changes(const char *base)
{
    db_t *db = dbc_open(base, "changes", 1);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE ch (id BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    db_err_t err = {0};
    for (int i = 0; i < 12; i++) {
        db_stmt_t *st = dbc_prep(c, "INSERT INTO ch (id, v) VALUES (?, ?)");
        db_bind_i64(st, 1, i);
        db_bind_i64(st, 2, i);
        cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
        cr_assert_eq(db_changes(st), 1, "INSERT via db_run");
    }
    db_stmt_t *st = dbc_prep(c, "UPDATE ch SET v = v + 100 WHERE id < ?");
    db_bind_i64(st, 1, 7);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 7, "UPDATE of 7 rows via db_run");

    st = dbc_prep(c, "UPDATE ch SET v = 0 WHERE id > ?");
    db_bind_i64(st, 1, 1000);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 0, "UPDATE matching nothing");

    /* a read after a write: 0, not the connection's last count */
    st = dbc_prep(c, "UPDATE ch SET v = v + 1 WHERE id >= ?");
    db_bind_i64(st, 1, 9);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 3);
    st = dbc_prep(c, "SELECT id FROM ch WHERE id < ?");
    db_bind_i64(st, 1, 5);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 0, "a SELECT changes nothing");

    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    st = dbc_prep(c, "UPDATE ch SET v = v - 1 WHERE id >= ? RETURNING id, v");
    db_bind_i64(st, 1, 8);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 4, "UPDATE ... RETURNING of 4 rows via db_run");
    st = dbc_prep(c, "DELETE FROM ch WHERE id >= ? AND id < ?");
    db_bind_i64(st, 1, 2);
    db_bind_i64(st, 2, 7);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 5, "DELETE of 5 rows via db_run");
    cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);
    cr_assert_eq(db_changes(st), 5, "still readable after commit");

    /* re-preparing the text starts afresh */
    st = dbc_prep(c, "DELETE FROM ch WHERE id >= ? AND id < ?");
    cr_assert_eq(db_changes(st), 0);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM ch"), 7);
    /* ids 0,1,7..11 left: 100 + 101 + 7 + (8 - 1) + (9 + 1 - 1) + 10 + 11 */
    cr_assert_eq(dbc_count(c, "SELECT SUM(v) FROM ch"), 245);
    db_release(c);
    db_close(db);
}

/* Several threads share a pool; readers and the writer work at once. */
typedef struct {
    db_t *db;
    int id;
    int ok;
} dbc_worker_t;

static void *dbc_worker(void *arg)
{
    dbc_worker_t *w = arg;
    db_err_t err = {0};
    for (int i = 0; i < 50; i++) {
        bool write = (i % 5) == 0;
        db_conn_t *c = db_acquire(w->db, write ? DB_CONN_WRITE : DB_CONN_READ, &err);
        if (!c)
            return NULL;
        db_stmt_t *st;
        if (write) {
            st = db_prepare(c, "INSERT INTO w (t, i) VALUES (?, ?)", &err);
            db_bind_i64(st, 1, w->id);
            db_bind_i64(st, 2, i);
            if (db_run(st, &err) == DB_OK)
                w->ok++;
        } else {
            st = db_prepare(c, "SELECT COUNT(*) FROM w", &err);
            if (st && db_step(st, &err) == DB_ROW)
                w->ok++;
        }
        db_release(c);
    }
    return NULL;
}

static void case_pool_threads(const char *base)
{
    db_t *db = dbc_open(base, "pool", 3);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE w (t BIGINT, i BIGINT, PRIMARY KEY (t, i))");
    db_release(c);
    pthread_t th[6];
    dbc_worker_t ws[6];
    for (int i = 0; i < 6; i++) {
        ws[i] = (dbc_worker_t){.db = db, .id = i};
        pthread_create(&th[i], NULL, dbc_worker, &ws[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(ws[i].ok, 50, "worker %d: %d of 50", i, ws[i].ok);
    }
    c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM w"), 60);
    db_release(c);
    db_close(db);
}

/* db_write_tx from many threads: every committed fn counted once, a fn that fails (here a
 * duplicate key) undoes only its own writes, a DB_RETRY runs the fn again, and each caller gets
 * its own result (on SQLite the calls share group transactions). */
typedef struct {
    db_t *db;
    int t, i;
    int tries;
} dbc_wtx_t;

static db_rc_t dbc_wtx_fn(db_conn_t *c, void *arg, db_err_t *err)
{
    dbc_wtx_t *a = arg;
    a->tries++;
    db_stmt_t *st = db_prepare(c, "UPDATE acc SET n = n + 1 WHERE id = 1", err);
    db_rc_t rc = st ? db_run(st, err) : err->code;
    if (rc != DB_OK)
        return rc;
    if (a->i % 10 == 5 && a->tries == 1)
        return DB_RETRY; /* as a lost race would: the update above must not count */
    st = db_prepare(c, "INSERT INTO log (t, i) VALUES (?, ?)", err);
    if (!st)
        return err->code;
    bool dup = a->i % 4 == 3;
    db_bind_i64(st, 1, dup ? -1 : a->t);
    db_bind_i64(st, 2, dup ? 0 : a->i);
    return db_run(st, err);
}

typedef struct {
    db_t *db;
    int t;
    int ok, refused, wrong;
} dbc_wtx_worker_t;

static void *dbc_wtx_worker(void *arg)
{
    dbc_wtx_worker_t *w = arg;
    for (int i = 0; i < 100; i++) {
        dbc_wtx_t a = {.db = w->db, .t = w->t, .i = i};
        db_err_t err = {0};
        db_rc_t rc = db_write_tx(w->db, dbc_wtx_fn, &a, &err);
        bool want_ok = i % 4 != 3;
        if (rc == DB_OK && want_ok)
            w->ok++;
        else if (rc == DB_CONSTRAINT && !want_ok && err.code == DB_CONSTRAINT)
            w->refused++;
        else
            w->wrong++;
        if (i % 10 == 5 && a.tries < 2)
            w->wrong++;
    }
    return NULL;
}

static void case_write_tx(const char *base)
{
    db_t *db = dbc_open(base, "wtx", 4);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE acc (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)");
    dbc_exec(c, "CREATE TABLE log (t BIGINT, i BIGINT, PRIMARY KEY (t, i))");
    dbc_exec(c, "INSERT INTO acc VALUES (1, 0)");
    dbc_exec(c, "INSERT INTO log VALUES (-1, 0)");
    db_release(c);
    enum { N = 8 };
    pthread_t th[N];
    dbc_wtx_worker_t ws[N];
    for (int i = 0; i < N; i++) {
        ws[i] = (dbc_wtx_worker_t){.db = db, .t = i};
        pthread_create(&th[i], NULL, dbc_wtx_worker, &ws[i]);
    }
    int ok = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(ws[i].wrong, 0, "worker %d: %d unexpected results", i, ws[i].wrong);
        cr_assert_eq(ws[i].ok, 75);
        cr_assert_eq(ws[i].refused, 25);
        ok += ws[i].ok;
    }
    c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT n FROM acc WHERE id = 1"), ok);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM log WHERE t >= 0"), ok);
    db_release(c);
    db_close(db);
}

#define DB_CASES(suite, base_expr, skip_stmt)                                                      \
    Test(suite, u64_and_types_roundtrip)                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_roundtrip(base_expr);                                                                 \
    }                                                                                              \
    Test(suite, constraint_errors)                                                                 \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_constraints(base_expr);                                                               \
    }                                                                                              \
    Test(suite, transactions_and_rollback)                                                         \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_transactions(base_expr);                                                              \
    }                                                                                              \
    Test(suite, statement_cache)                                                                   \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_stmt_cache(base_expr);                                                                \
    }                                                                                              \
    Test(suite, lock_sorted_json_list)                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_lock_list(base_expr);                                                                 \
    }                                                                                              \
    Test(suite, pipeline)                                                                          \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_pipeline(base_expr);                                                                  \
    }                                                                                              \
    Test(suite, migrations_idempotent)                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_migrations(base_expr);                                                                \
    }                                                                                              \
    Test(suite, changes_after_run)                                                                 \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_changes(base_expr);                                                                   \
    }                                                                                              \
    Test(suite, pool_threads)                                                                      \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_pool_threads(base_expr);                                                              \
    }                                                                                              \
    Test(suite, write_tx_grouped)                                                                  \
    {                                                                                              \
        skip_stmt;                                                                                 \
        case_write_tx(base_expr);                                                                  \
    }

#endif
