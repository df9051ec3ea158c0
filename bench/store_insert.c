/*
 * Raw storage throughput, to size the ledger's batches: rows inserted per second (a transfer-like
 * row) and "ledger-shaped" operations per second (insert one row + update two balance rows), in
 * transactions of BATCH operations, on SQLite (sync FULL and NORMAL) and, when
 * TEST_POSTGRES_URL is set, on Postgres with and without pipelining.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/uuid.h"
#include "store/db.h"

#define BATCH    5000
#define ACCOUNTS 1000

static void die(const char *what, const db_err_t *err)
{
    fprintf(stderr, "store_insert: %s: %s\n", what, err->msg);
    exit(1);
}

static void setup(db_conn_t *c)
{
    db_err_t err;
    if (db_exec(c,
                "DROP TABLE IF EXISTS bx; DROP TABLE IF EXISTS ba;"
                "CREATE TABLE bx (id TEXT PRIMARY KEY, d TEXT NOT NULL, c TEXT NOT NULL,"
                " amount BIGINT NOT NULL, state INTEGER NOT NULL, created_at BIGINT NOT NULL);"
                "CREATE INDEX bx_d ON bx (d); CREATE INDEX bx_c ON bx (c);"
                "CREATE TABLE ba (id TEXT PRIMARY KEY, dp BIGINT NOT NULL, cp BIGINT NOT NULL)",
                &err) != DB_OK)
        die("setup", &err);
    if (db_begin(c, DB_TX_WRITE, &err) != DB_OK)
        die("begin", &err);
    for (int i = 0; i < ACCOUNTS; i++) {
        char id[16];
        snprintf(id, sizeof id, "acct%05d", i);
        db_stmt_t *st = db_prepare(c, "INSERT INTO ba (id, dp, cp) VALUES (?, 0, 0)", &err);
        db_bind_str(st, 1, id);
        if (db_run(st, &err) != DB_OK)
            die("insert account", &err);
    }
    if (db_commit(c, &err) != DB_OK)
        die("commit", &err);
}

static db_rc_t one_op(db_conn_t *c, int i, bool ledger, db_err_t *err)
{
    char id[UUID_STR_LEN + 1], d[16], cr[16];
    uuid_v4(id);
    snprintf(d, sizeof d, "acct%05d", i % ACCOUNTS);
    snprintf(cr, sizeof cr, "acct%05d", (i * 7 + 1) % ACCOUNTS);
    db_stmt_t *st = db_prepare(
        c, "INSERT INTO bx (id, d, c, amount, state, created_at) VALUES (?, ?, ?, ?, 0, ?)", err);
    db_bind_str(st, 1, id);
    db_bind_str(st, 2, d);
    db_bind_str(st, 3, cr);
    db_bind_u64(st, 4, (uint64_t)i + 1);
    db_bind_i64(st, 5, 1700000000000);
    db_rc_t rc = db_run(st, err);
    if (rc != DB_OK || !ledger)
        return rc;
    st = db_prepare(c, "UPDATE ba SET dp = ? WHERE id = ?", err);
    db_bind_u64(st, 1, (uint64_t)i);
    db_bind_str(st, 2, d);
    if ((rc = db_run(st, err)) != DB_OK)
        return rc;
    st = db_prepare(c, "UPDATE ba SET cp = ? WHERE id = ?", err);
    db_bind_u64(st, 1, (uint64_t)i);
    db_bind_str(st, 2, cr);
    return db_run(st, err);
}

static void run(const char *label, const char *url, bool pipeline, bool ledger, int total)
{
    db_err_t err;
    db_t *db = db_open(url, &err);
    if (!db)
        die(url, &err);
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &err);
    if (!c)
        die("acquire", &err);
    setup(c);
    uint64_t t0 = clock_mono_ns();
    for (int done = 0; done < total; done += BATCH) {
        if (db_begin(c, DB_TX_WRITE, &err) != DB_OK)
            die("begin", &err);
        if (pipeline && db_pipeline_begin(c, &err) != DB_OK)
            die("pipeline", &err);
        for (int i = done; i < done + BATCH; i++)
            if (one_op(c, i, ledger, &err) != DB_OK)
                die("op", &err);
        if (pipeline && db_pipeline_end(c, &err) != DB_OK)
            die("pipeline end", &err);
        if (db_commit(c, &err) != DB_OK)
            die("commit", &err);
    }
    double s = (double)(clock_mono_ns() - t0) / 1e9;
    printf("store_insert %-34s %s: %8.0f ops/s (%d ops, batch %d, %.2f s)\n", label,
           ledger ? "insert+2 updates" : "insert          ", total / s, total, BATCH, s);
    db_exec(c, "DROP TABLE bx; DROP TABLE ba", &err);
    db_release(c);
    db_close(db);
}

int main(void)
{
    char path[] = "/tmp/rafiki-bench.XXXXXX";
    if (!mkdtemp(path))
        return 1;
    char full[128], normal[160];
    snprintf(full, sizeof full, "sqlite:%s/b.db", path);
    snprintf(normal, sizeof normal, "sqlite:%s/b.db?synchronous=normal", path);
    for (int ledger = 0; ledger < 2; ledger++) {
        run("sqlite (synchronous=full)", full, false, ledger, 100000);
        run("sqlite (synchronous=normal)", normal, false, ledger, 100000);
    }
    const char *pg = getenv("TEST_POSTGRES_URL");
    if (pg && pg[0]) {
        for (int ledger = 0; ledger < 2; ledger++) {
            run("postgres", pg, false, ledger, 50000);
            run("postgres (pipeline)", pg, true, ledger, 50000);
        }
    } else {
        printf("store_insert postgres: skipped (TEST_POSTGRES_URL unset)\n");
    }
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", path);
    return system(cmd) == 0 ? 0 : 1;
}
