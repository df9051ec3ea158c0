/*
 * db_write_tx: write transactions with retries, grouped on SQLite (see db.h).
 *
 * Leader and followers: a caller queues its request; if no group is running it leads: it takes
 * what is queued (up to DB_WRITE_GROUP_MAX), runs every fn in one transaction and wakes them
 * all. Callers that arrive meanwhile wait and form the next group, led by one of them.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/log.h"
#include "store/db.h"
#include "store/db_internal.h"

struct db_write_req {
    db_tx_fn fn;
    void *arg;
    db_err_t *err;
    const char *request_id; /* the caller's (log.h), set while its fn runs on the leader */
    db_rc_t rc;
    bool ran;          /* the leader has its result (leader only) */
    bool done;         /* the caller may return (under group_mu) */
    pthread_cond_t cv; /* its caller waits on it: woken when done, or to lead the next group */
    struct db_write_req *next;
};

/* One transaction for one fn, retried on DB_RETRY. */
static db_rc_t run_alone(db_t *db, db_tx_fn fn, void *arg, db_err_t *err)
{
    db_rc_t rc = DB_RETRY;
    for (int attempt = 0; attempt < DB_WRITE_TX_ATTEMPTS && rc == DB_RETRY; attempt++) {
        db_conn_t *c = db_acquire(db, DB_CONN_WRITE, err);
        if (!c)
            return err->code;
        rc = db_begin(c, DB_TX_WRITE, err);
        if (rc == DB_OK)
            rc = fn(c, arg, err);
        if (rc == DB_OK)
            rc = db_commit(c, err);
        else
            db_rollback(c);
        db_release(c);
    }
    return rc;
}

static db_rc_t savepoint(db_conn_t *c, const char *sql, db_err_t *err)
{
    db_stmt_t *st = db_prepare(c, sql, err);
    return st ? db_run(st, err) : err->code;
}

db_rc_t db_savepoint_run(db_conn_t *c, db_tx_fn fn, void *arg, db_rc_t *fn_rc, db_err_t *fn_err,
                         db_err_t *err)
{
    db_rc_t rc = savepoint(c, "SAVEPOINT rafiki_sp", err);
    if (rc != DB_OK)
        return rc;
    *fn_rc = fn(c, arg, fn_err);
    if (*fn_rc == DB_OK)
        return savepoint(c, "RELEASE SAVEPOINT rafiki_sp", err);
    if ((rc = savepoint(c, "ROLLBACK TO SAVEPOINT rafiki_sp", err)) != DB_OK)
        return rc;
    return savepoint(c, "RELEASE SAVEPOINT rafiki_sp", err);
}

/* fn of r with r's request id on this thread (the leader's is put back after). */
static db_rc_t run_as(db_conn_t *c, void *arg, db_err_t *err)
{
    const struct db_write_req *r = arg;
    char mine[LOG_REQUEST_ID_MAX + 1];
    snprintf(mine, sizeof mine, "%s", log_request_id());
    log_request_id_set(r->request_id);
    db_rc_t rc = r->fn(c, r->arg, err);
    log_request_id_set(mine);
    return rc;
}

/* run_alone for a request the leader runs for another caller. */
static db_rc_t run_alone_as(db_t *db, const struct db_write_req *r)
{
    char mine[LOG_REQUEST_ID_MAX + 1];
    snprintf(mine, sizeof mine, "%s", log_request_id());
    log_request_id_set(r->request_id);
    db_rc_t rc = run_alone(db, r->fn, r->arg, r->err);
    log_request_id_set(mine);
    return rc;
}

/* Runs the members of a group in c's open transaction, each in its savepoint. false when a
 * savepoint failed (the transaction must then not commit). */
static bool run_members(db_conn_t *c, struct db_write_req *head, db_err_t *e)
{
    for (struct db_write_req *r = head; r; r = r->next)
        if (db_savepoint_run(c, run_as, r, &r->rc, r->err, e) != DB_OK)
            return false;
    return true;
}

/* Takes up to DB_WRITE_GROUP_MAX requests from the head of the queue (group_mu held). */
static struct db_write_req *group_take(db_t *db)
{
    struct db_write_req *head = db->group_head, *last = head;
    for (int n = 1; n < DB_WRITE_GROUP_MAX && last->next; n++)
        last = last->next;
    db->group_head = last->next;
    if (!db->group_head)
        db->group_tail = NULL;
    last->next = NULL;
    return head;
}

/* With group_mu held: the members of a finished group are done (each woken; once it sees done
 * its request may be gone), and the first queued caller, if any, is woken to lead the next. */
static void group_finish(db_t *db, struct db_write_req *done)
{
    for (struct db_write_req *r = done, *next; r; r = next) {
        next = r->next; /* r may be gone once woken and the lock is let go */
        r->done = true;
        pthread_cond_signal(&r->cv);
    }
    db->group_leading = false;
    if (db->group_head)
        pthread_cond_signal(&db->group_head->cv);
}

/* Runs the group in one transaction. Returns false when the group as a whole failed (begin,
 * savepoint or commit); the caller then runs each member alone. A member whose fn answered
 * DB_RETRY is left not ran, to run alone as well. */
static bool run_group(db_t *db, struct db_write_req *head)
{
    db_err_t e = {0};
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &e);
    if (!c)
        return false;
    bool ok = db_begin(c, DB_TX_WRITE, &e) == DB_OK && run_members(c, head, &e);
    ok = ok && db_commit(c, &e) == DB_OK;
    if (!ok)
        db_rollback(c);
    db_release(c);
    if (ok)
        for (struct db_write_req *r = head; r; r = r->next)
            r->ran = r->rc != DB_RETRY;
    return ok;
}

db_rc_t db_write_tx(db_t *db, db_tx_fn fn, void *arg, db_err_t *err)
{
    db_err_t local;
    if (!err)
        err = &local;
    if (db->kind != DB_SQLITE)
        return run_alone(db, fn, arg, err);

    struct db_write_req me = {.fn = fn, .arg = arg, .err = err, .request_id = log_request_id()};
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&db->group_mu);
    if (db->group_tail)
        db->group_tail->next = &me;
    else
        db->group_head = &me;
    db->group_tail = &me;
    while (!me.done) {
        if (db->group_leading) {
            pthread_cond_wait(&me.cv, &db->group_mu);
            continue;
        }
        /* lead: take up to DB_WRITE_GROUP_MAX from the head of the queue */
        db->group_leading = true;
        struct db_write_req *head = group_take(db);
        pthread_mutex_unlock(&db->group_mu);

        if (head->next == NULL || !run_group(db, head))
            for (struct db_write_req *r = head; r; r = r->next)
                r->ran = false;
        for (struct db_write_req *r = head; r; r = r->next)
            if (!r->ran)
                r->rc = run_alone_as(db, r);

        pthread_mutex_lock(&db->group_mu);
        group_finish(db, head);
    }
    pthread_mutex_unlock(&db->group_mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}

db_write_adopted_t *db_write_adopt(db_t *db, db_conn_t *c, db_rc_t *rc, db_err_t *err)
{
    *rc = DB_OK;
    if (db->kind != DB_SQLITE)
        return NULL;
    pthread_mutex_lock(&db->group_mu);
    struct db_write_req *head = NULL;
    if (!db->group_leading && db->group_head) {
        db->group_leading = true; /* no caller leads while the adopted group is out */
        head = group_take(db);
    }
    pthread_mutex_unlock(&db->group_mu);
    if (head && !run_members(c, head, err))
        *rc = err->code ? err->code : DB_ERROR;
    return head;
}

void db_write_adopted_end(db_t *db, db_write_adopted_t *head, bool committed)
{
    if (!head)
        return;
    pthread_mutex_lock(&db->group_mu);
    /* what did not commit goes back to the front of the queue, in order, for the next group */
    struct db_write_req *first = NULL, *last = NULL, *done = NULL, **done_tail = &done, *next;
    for (struct db_write_req *r = head; r; r = next) {
        next = r->next;
        r->next = NULL;
        if (committed && r->rc != DB_RETRY) {
            *done_tail = r;
            done_tail = &r->next;
            continue;
        }
        if (first)
            last->next = r;
        else
            first = r;
        last = r;
    }
    if (first) {
        last->next = db->group_head;
        if (!db->group_head)
            db->group_tail = last;
        db->group_head = first;
    }
    group_finish(db, done);
    pthread_mutex_unlock(&db->group_mu);
}
