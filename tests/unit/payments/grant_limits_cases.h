/*
 * Grant limit test bodies shared by the SQLite unit tests (tes../unit/payments/grant_limits_test.c)
 * and the Postgres integration tests (tests/integration/backend_pg_test.c).
 */
#ifndef RAFIKI_TESTS_BACKEND_GRANT_LIMITS_CASES_H
#define RAFIKI_TESTS_BACKEND_GRANT_LIMITS_CASES_H

#include "payments/grant_limits.h"
#include "payments_db.h"

static int64_t gl_time(const char *s)
{
    int64_t ms;
    cr_assert_eq(iso_datetime_parse(s, strlen(s), &ms), 0, "%s", s);
    return ms;
}

static grant_limits_t gl_limits(bool has_debit, uint64_t debit, const char *interval)
{
    grant_limits_t l = {.has_debit = has_debit, .debit.value = debit};
    if (interval) {
        l.has_interval = true;
        cr_assert_eq(iso_interval_parse(interval, strlen(interval), &l.interval), ISO_INTERVAL_OK);
    }
    return l;
}

static grant_limits_result_t gl_spend(db_t *db, const char *grant, const grant_limits_t *l,
                                      uint64_t debit, uint64_t receive, const char *when)
{
    db_err_t err = {0};
    grant_limits_result_t r =
        grant_limits_spend(db, grant, l, debit, receive, gl_time(when), NULL, &err);
    cr_assert_neq(r, GRANT_LIMITS_STORAGE, "%s", err.msg);
    return r;
}

/* Interval boundaries, refunds into the interval of the spend, receive limits, overflow. */
static void gl_case_intervals(const char *base)
{
    db_t *db = bk_open(base, "gl_intervals");
    grant_limits_t day = gl_limits(true, 100, "R2/2026-03-01T00:00:00Z/P1D");
    cr_assert_eq(gl_spend(db, "g1", &day, 1, 0, "2026-02-28T23:59:59.999Z"),
                 GRANT_LIMITS_NOT_STARTED);
    cr_assert_eq(gl_spend(db, "g1", &day, 60, 0, "2026-03-01T00:00:00Z"), GRANT_LIMITS_OK);
    cr_assert_eq(gl_spend(db, "g1", &day, 40, 0, "2026-03-01T12:00:00Z"), GRANT_LIMITS_OK);
    cr_assert_eq(gl_spend(db, "g1", &day, 1, 0, "2026-03-01T23:59:59.999Z"),
                 GRANT_LIMITS_DEBIT_EXCEEDED);
    cr_assert_eq(gl_spend(db, "g2", &day, 1, 0, "2026-03-01T23:59:59.999Z"), GRANT_LIMITS_OK,
                 "another grant has its own sums");
    db_err_t err = {0};
    grant_spend_t s;
    cr_assert_eq(
        grant_limits_spend(db, "g1", &day, 100, 0, gl_time("2026-03-02T00:00:00Z"), &s, &err),
        GRANT_LIMITS_OK, "a new interval starts from zero");
    cr_assert_eq(s.interval_start_ms, gl_time("2026-03-02T00:00:00Z"));
    cr_assert_eq(s.interval_end_ms, gl_time("2026-03-03T00:00:00Z"));
    cr_assert_eq(s.debit_spent, 100);
    cr_assert_eq(gl_spend(db, "g1", &day, 1, 0, "2026-03-03T00:00:00Z"), GRANT_LIMITS_ENDED);

    /* a payment of the first day gives back 40 there, not in the current interval */
    int64_t first = gl_time("2026-03-01T00:00:00Z");
    cr_assert_eq(grant_limits_refund(db, "g1", first, 40, 0, &err), GRANT_LIMITS_OK);
    cr_assert_eq(gl_spend(db, "g1", &day, 41, 0, "2026-03-01T20:00:00Z"),
                 GRANT_LIMITS_DEBIT_EXCEEDED);
    cr_assert_eq(gl_spend(db, "g1", &day, 40, 0, "2026-03-01T20:00:00Z"), GRANT_LIMITS_OK);
    cr_assert_eq(grant_limits_refund(db, "g1", first, 1000, 0, &err), GRANT_LIMITS_OK);
    cr_assert_eq(grant_limits_spent(db, "g1", &day, first + 5, &s, &err), GRANT_LIMITS_OK);
    cr_assert_eq(s.debit_spent, 0, "a refund saturates at zero");
    cr_assert_eq(grant_limits_refund(db, "nobody", first, 1, 1, &err), GRANT_LIMITS_OK);

    grant_limits_t rcv = {.has_receive = true, .receive.value = 500};
    cr_assert_eq(gl_spend(db, "g3", &rcv, UINT64_MAX, 500, "2026-01-01T00:00:00Z"), GRANT_LIMITS_OK,
                 "no debit limit: the debit sum saturates");
    cr_assert_eq(gl_spend(db, "g3", &rcv, 1, 1, "2030-01-01T00:00:00Z"),
                 GRANT_LIMITS_RECEIVE_EXCEEDED, "without an interval the limit is for all time");
    cr_assert_eq(grant_limits_spent(db, "g3", &rcv, 0, &s, &err), GRANT_LIMITS_OK);
    cr_assert_eq(s.debit_spent, UINT64_MAX);
    cr_assert_eq(s.receive_spent, 500);
    grant_limits_t big = gl_limits(true, UINT64_MAX, NULL);
    cr_assert_eq(gl_spend(db, "g4", &big, UINT64_MAX, 0, "2026-01-01T00:00:00Z"), GRANT_LIMITS_OK);
    cr_assert_eq(gl_spend(db, "g4", &big, 1, 0, "2026-01-01T00:00:00Z"),
                 GRANT_LIMITS_DEBIT_EXCEEDED, "a sum past 2^64-1 exceeds");
    cr_assert_eq(gl_spend(db, "", &big, 1, 0, "2026-01-01T00:00:00Z"), GRANT_LIMITS_INVALID);
    db_close(db);
}

/* A spend in the caller's transaction rolls back with it. */
static void gl_case_in_tx(const char *base)
{
    db_t *db = bk_open(base, "gl_tx");
    grant_limits_t l = gl_limits(true, 10, NULL);
    db_err_t err = {0};
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    cr_assert_eq(grant_limits_spend_tx(c, "g", &l, 10, 0, 0, NULL, &err), GRANT_LIMITS_OK);
    db_rollback(c);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    cr_assert_eq(grant_limits_spend_tx(c, "g", &l, 10, 0, 0, NULL, &err), GRANT_LIMITS_OK,
                 "the rolled-back spend left nothing");
    cr_assert_eq(db_commit(c, &err), DB_OK);
    db_release(c);
    cr_assert_eq(gl_spend(db, "g", &l, 1, 0, "2026-01-01T00:00:00Z"), GRANT_LIMITS_DEBIT_EXCEEDED);
    db_close(db);
}

#define GL_THREADS 50
#define GL_POOLS   5

typedef struct {
    db_t *db;
    const grant_limits_t *lim;
    pthread_barrier_t *go;
    grant_limits_result_t r;
    db_err_t err;
} gl_spender_t;

static void *gl_spender(void *arg)
{
    gl_spender_t *s = arg;
    pthread_barrier_wait(s->go);
    s->r = grant_limits_spend(s->db, "shared", s->lim, 30, 7, clock_wall_ms(), NULL, &s->err);
    return NULL;
}

/* 50 concurrent spends of 30 under a limit of 1000, from five pools (five replicas) with a
 * connection per thread: exactly 33 pass, 17 are refused, 990 is recorded. */
static void gl_case_concurrent(const char *base)
{
    char url[1024];
    bk_url(base, "gl_concurrent", url, sizeof url);
    db_t *pools[GL_POOLS];
    for (int i = 0; i < GL_POOLS; i++)
        pools[i] = bk_pool(url, GL_THREADS / GL_POOLS);
    grant_limits_t lim = gl_limits(true, 1000, "R/2020-01-01T00:00:00Z/P1Y");
    static gl_spender_t sp[GL_THREADS];
    pthread_t th[GL_THREADS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, GL_THREADS);
    for (int i = 0; i < GL_THREADS; i++) {
        sp[i] = (gl_spender_t){.db = pools[i % GL_POOLS], .lim = &lim, .go = &go};
        pthread_create(&th[i], NULL, gl_spender, &sp[i]);
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < GL_THREADS; i++) {
        pthread_join(th[i], NULL);
        cr_assert(sp[i].r == GRANT_LIMITS_OK || sp[i].r == GRANT_LIMITS_DEBIT_EXCEEDED,
                  "spender %d: %s (%s)", i, grant_limits_result_str(sp[i].r), sp[i].err.msg);
        ok += sp[i].r == GRANT_LIMITS_OK;
        refused += sp[i].r == GRANT_LIMITS_DEBIT_EXCEEDED;
    }
    pthread_barrier_destroy(&go);
    cr_assert_eq(ok, 33);
    cr_assert_eq(refused, 17);
    grant_spend_t s;
    db_err_t err = {0};
    cr_assert_eq(grant_limits_spent(pools[0], "shared", &lim, clock_wall_ms(), &s, &err),
                 GRANT_LIMITS_OK);
    cr_assert_eq(s.debit_spent, 990);
    cr_assert_eq(s.receive_spent, 33 * 7);
    for (int i = 0; i < GL_POOLS; i++)
        db_close(pools[i]);
}

#define GRANT_LIMIT_CASES(suite, base_expr, skip_stmt)                                             \
    Test(suite, intervals_and_refunds)                                                             \
    {                                                                                              \
        skip_stmt;                                                                                 \
        gl_case_intervals(base_expr);                                                              \
    }                                                                                              \
    Test(suite, spend_in_caller_tx)                                                                \
    {                                                                                              \
        skip_stmt;                                                                                 \
        gl_case_in_tx(base_expr);                                                                  \
    }                                                                                              \
    Test(suite, fifty_concurrent_spends)                                                           \
    {                                                                                              \
        skip_stmt;                                                                                 \
        gl_case_concurrent(base_expr);                                                             \
    }

#endif
