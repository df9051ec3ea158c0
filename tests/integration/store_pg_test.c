/* The database test bodies of tests/unit/store/db_cases.h on a real Postgres
 * (TEST_POSTGRES_URL, set by scripts/with-services.sh), plus Postgres-only behaviour. */
#include "../unit/store/db_cases.h"

static const char *pg_url(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && u[0] ? u : NULL;
}

#define PG_SKIP                                                                                    \
    do {                                                                                           \
        if (!pg_url())                                                                             \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
    } while (0)

DB_CASES(store_pg, pg_url(), PG_SKIP)

/* Two transactions locking the same rows in opposite order: Postgres detects the deadlock and
 * one side receives DB_RETRY; the other commits. */
typedef struct {
    db_t *db;
    const char *first, *second;
    pthread_barrier_t *barrier;
    db_rc_t rc;
} pg_locker_t;

static db_rc_t lock_one(db_conn_t *c, const char *id, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c, "SELECT id FROM acc WHERE id = ?{{FOR_UPDATE}}", err);
    if (!st)
        return err->code;
    db_bind_str(st, 1, id);
    db_rc_t rc = db_step(st, err);
    return rc == DB_ROW ? DB_OK : rc;
}

static void *pg_locker(void *arg)
{
    pg_locker_t *l = arg;
    db_err_t err = {0};
    db_conn_t *c = db_acquire(l->db, DB_CONN_WRITE, &err);
    l->rc = db_begin(c, DB_TX_WRITE, &err);
    if (l->rc == DB_OK)
        l->rc = lock_one(c, l->first, &err);
    pthread_barrier_wait(l->barrier);
    if (l->rc == DB_OK)
        l->rc = lock_one(c, l->second, &err);
    if (l->rc == DB_OK)
        l->rc = db_commit(c, &err);
    else
        db_rollback(c);
    db_release(c);
    return NULL;
}

Test(store_pg, deadlock_is_retryable, .timeout = 30)
{
    PG_SKIP;
    db_t *db = dbc_open(pg_url(), "deadlock", 2);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    dbc_exec(c, "CREATE TABLE acc (id TEXT PRIMARY KEY); INSERT INTO acc VALUES ('a'), ('b');"
                "SET deadlock_timeout = '100ms'");
    db_release(c);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    pg_locker_t l1 = {.db = db, .first = "a", .second = "b", .barrier = &barrier};
    pg_locker_t l2 = {.db = db, .first = "b", .second = "a", .barrier = &barrier};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, pg_locker, &l1);
    pthread_create(&t2, NULL, pg_locker, &l2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&barrier);
    cr_assert((l1.rc == DB_OK && l2.rc == DB_RETRY) || (l1.rc == DB_RETRY && l2.rc == DB_OK),
              "rc %d %d", l1.rc, l2.rc);
    cr_assert_eq(db_kind(db), DB_POSTGRES);
    db_close(db);
}

/* A connection killed by the server reports DB_CONN; once released, the pool reconnects it. */
Test(store_pg, lost_connection_is_replaced)
{
    PG_SKIP;
    db_t *db = dbc_open(pg_url(), "reconnect", 1);
    db_conn_t *c = dbc_conn(db, DB_CONN_WRITE);
    db_err_t err = {0};
    db_stmt_t *st = dbc_prep(c, "SELECT pg_terminate_backend(pg_backend_pid())");
    db_step(st, &err);
    st = db_prepare(c, "SELECT 1", &err);
    cr_assert(st == NULL || db_step(st, &err) == DB_CONN, "%s", err.msg);
    cr_assert_eq(err.code, DB_CONN, "%s", err.msg);
    db_release(c);
    c = dbc_conn(db, DB_CONN_WRITE);
    cr_assert_eq(dbc_count(c, "SELECT 41 + 1"), 42);
    db_release(c);
    db_close(db);
}
