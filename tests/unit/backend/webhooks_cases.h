/*
 * Webhook test bodies shared by the SQLite unit tests (tests/unit/backend/webhooks_test.c) and
 * the Postgres integration tests (tests/integration/webhooks_pg_test.c). Each case opens a fresh
 * database (a temp SQLite file, or its own Postgres schema) with every migration applied.
 */
#ifndef RAFIKI_TESTS_BACKEND_WEBHOOKS_CASES_H
#define RAFIKI_TESTS_BACKEND_WEBHOOKS_CASES_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../store/db_cases.h"
#pragma GCC diagnostic pop

#include "backend/webhooks.h"

/* A fresh, migrated database for one case. */
static db_t *wc_open(const char *base, const char *name)
{
    db_t *db = dbc_open(base, name, 4);
    char dir[512];
    db_err_t err = {0};
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(db, dir, NULL, &err), DB_OK, "migrate: %s", err.msg);
    return db;
}

static int wc_add(db_t *db, const char *type, const char *resource, int n, bool commit)
{
    db_err_t err = {0};
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK, "%s", err.msg);
    json_t *data = json_pack("{s:s,s:i}", "id", resource, "n", n);
    int rc = webhook_event_add(c, type, resource, data, &err);
    json_decref(data);
    if (rc == 0 && commit)
        cr_assert_eq(db_commit(c, &err), DB_OK, "%s", err.msg);
    else
        db_rollback(c);
    db_release(c);
    return rc;
}

/* Events commit and roll back with the caller's transaction; bad input is refused. */
static void wc_case_add(const char *base)
{
    db_t *db = wc_open(base, "wh_add");
    cr_assert_eq(wc_add(db, WEBHOOK_INCOMING_PAYMENT_CREATED, "r1", 1, true), 0);
    cr_assert_eq(wc_add(db, WEBHOOK_INCOMING_PAYMENT_COMPLETED, "r1", 2, false), 0);
    cr_assert_eq(wc_add(db, "incoming_payment.exploded", "r1", 3, true), DB_INVALID);
    cr_assert_eq(wc_add(db, WEBHOOK_PEER_LIQUIDITY_LOW, "", 4, true), DB_INVALID);
    db_conn_t *c = dbc_conn(db, DB_CONN_READ);
    cr_assert_eq(dbc_count(c, "SELECT COUNT(*) FROM webhook_events"), 1,
                 "only the committed event is stored");
    db_stmt_t *st = dbc_prep(c, "SELECT type, resource_id, data, state FROM webhook_events");
    db_err_t err = {0};
    cr_assert_eq(db_step(st, &err), DB_ROW);
    cr_assert_str_eq(db_col_text(st, 0, NULL), WEBHOOK_INCOMING_PAYMENT_CREATED);
    cr_assert_str_eq(db_col_text(st, 1, NULL), "r1");
    cr_assert_str_eq(db_col_text(st, 2, NULL), "{\"id\":\"r1\",\"n\":1}");
    cr_assert_eq(db_col_i64(st, 3), WEBHOOK_STATE_PENDING);
    db_release(c);

    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    json_t *arr = json_array();
    cr_assert_eq(webhook_event_add(c, WEBHOOK_ASSET_LIQUIDITY_LOW, "a", arr, &err), DB_INVALID,
                 "data must be an object");
    json_decref(arr);
    json_t *big = json_object();
    char *pad = calloc(1, WEBHOOK_DATA_MAX + 1);
    memset(pad, 'x', WEBHOOK_DATA_MAX);
    json_object_set_new(big, "pad", json_string(pad));
    cr_assert_eq(webhook_event_add(c, WEBHOOK_ASSET_LIQUIDITY_LOW, "a", big, &err), DB_INVALID,
                 "data over WEBHOOK_DATA_MAX");
    free(pad);
    json_decref(big);
    db_rollback(c);
    db_release(c);
    db_close(db);
}

#define WEBHOOK_CASES(suite, base_expr, skip_stmt)                                                 \
    Test(suite, event_add)                                                                         \
    {                                                                                              \
        skip_stmt;                                                                                 \
        wc_case_add(base_expr);                                                                    \
    }

#endif
