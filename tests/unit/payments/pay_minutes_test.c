/* src/payments/pay_minutes.c on SQLite: finished payments counted by minute over the last hour
 * (outgoing completed and failed by their last change, incoming completed by completion),
 * others and older ones left out, and a tenant's count limited to its own wallet addresses.
 * The rows are written directly (the state machines are tested elsewhere). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "payments/pay_minutes.h"

#include "payments_db.h"

#define MIN_MS 60000

static const int64_t NOW = 1765000000000 + 30000; /* half a minute into a minute */

static void sql(db_conn_t *c, const char *text)
{
    db_err_t e = {0};
    cr_assert_eq(db_exec(c, text, &e), DB_OK, "%s: %s", text, e.msg);
}

static void outgoing(db_conn_t *c, const char *id, const char *wallet, const char *state,
                     int64_t at)
{
    char q[512];
    snprintf(q, sizeof q,
             "INSERT INTO outgoing_payments (id, wallet_address_id, quote_id, state, "
             "next_attempt_at, created_at, updated_at) VALUES ('%s', '%s', 'q-%s', '%s', 0, 0, "
             "%lld)",
             id, wallet, id, state, (long long)at);
    sql(c, q);
}

static void incoming(db_conn_t *c, const char *id, const char *wallet, int state, int64_t at)
{
    char q[512];
    snprintf(q, sizeof q,
             "INSERT INTO incoming_payments (id, wallet_address_id, account_id, state, expires_at, "
             "created_at, updated_at, completed_at) VALUES ('%s', '%s', 'a-%s', %d, 0, 0, 0, "
             "%lld)",
             id, wallet, id, state, (long long)at);
    sql(c, q);
}

static db_t *seeded(void)
{
    db_t *db = bk_open("sqlite:", "pay_minutes");
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &e);
    cr_assert_not_null(c, "%s", e.msg);
    sql(c, "PRAGMA foreign_keys=OFF");
    sql(c, "INSERT INTO tenants (id, api_secret, created_at, updated_at) VALUES ('t1', 's', 0, 0)");
    sql(c, "INSERT INTO tenant_resources (resource_id, kind, tenant_id, created_at) VALUES "
           "('w-t1', 3, 't1', 0)");
    outgoing(c, "o1", "w-op", "COMPLETED", NOW);               /* this minute */
    outgoing(c, "o2", "w-t1", "COMPLETED", NOW - 1000);        /* this minute, tenant t1 */
    outgoing(c, "o3", "w-op", "FAILED", NOW - 5 * MIN_MS);     /* 5 minutes ago */
    outgoing(c, "o4", "w-op", "SENDING", NOW);                 /* not finished */
    outgoing(c, "o5", "w-op", "COMPLETED", NOW - 60 * MIN_MS); /* before the hour */
    outgoing(c, "o6", "w-t1", "COMPLETED", NOW - 59 * MIN_MS); /* the first minute */
    incoming(c, "i1", "w-op", 2, NOW - 2 * MIN_MS);
    incoming(c, "i2", "w-t1", 2, NOW - 2 * MIN_MS);
    incoming(c, "i3", "w-op", 3, NOW); /* expired, not completed */
    sql(c, "PRAGMA foreign_keys=ON");
    db_release(c);
    return db;
}

Test(pay_minutes, every_tenant_by_minute)
{
    db_t *db = seeded();
    pay_minutes_t m;
    cr_assert_eq(pay_minutes_count(db, NULL, NOW, &m), PAY_MINUTES_OK);
    cr_assert_eq(m.out_completed[59], 2);
    cr_assert_eq(m.out_failed[54], 1);
    cr_assert_eq(m.out_completed[0], 1);
    cr_assert_eq(m.in_completed[57], 2);
    uint64_t total = 0;
    for (int i = 0; i < PAY_MINUTES; i++)
        total += m.out_completed[i] + m.out_failed[i] + m.in_completed[i];
    cr_assert_eq(total, 6, "SENDING, EXPIRED and older rows are left out");
    db_close(db);
}

Test(pay_minutes, a_tenant_counts_its_own)
{
    db_t *db = seeded();
    pay_minutes_t m;
    cr_assert_eq(pay_minutes_count(db, "t1", NOW, &m), PAY_MINUTES_OK);
    cr_assert_eq(m.out_completed[59], 1);
    cr_assert_eq(m.out_completed[0], 1);
    cr_assert_eq(m.out_failed[54], 0);
    cr_assert_eq(m.in_completed[57], 1);
    cr_assert_eq(pay_minutes_count(db, "t2", NOW, &m), PAY_MINUTES_OK);
    cr_assert_eq(m.out_completed[59] + m.in_completed[57], 0);
    db_close(db);
}

Test(pay_minutes, the_query_uses_the_indexes)
{
    db_t *db = seeded();
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_READ, &e);
    for (int tenant = 0; tenant < 2; tenant++) {
        char sql[2048];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", pay_minutes_sql(tenant));
        db_stmt_t *st = db_prepare(c, sql, &e);
        cr_assert_not_null(st, "%s", e.msg);
        char plan[2048] = "";
        size_t at = 0;
        while (db_step(st, &e) == DB_ROW && at < sizeof plan - 200)
            at += (size_t)snprintf(plan + at, sizeof plan - at, "%s\n", db_col_text(st, 3, NULL));
        cr_assert_not_null(strstr(plan, "outgoing_payments_state_updated"), "%s", plan);
        cr_assert_not_null(strstr(plan, "incoming_payments_state_completed"), "%s", plan);
    }
    db_release(c);
    db_close(db);
}
