/*
 * The admin APIs' audit writer (see audit_queue.h): a ring of rows under one mutex, and one
 * thread that swaps it out and writes it with console_audit_add_many.
 */
#include "payments/audit_queue.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"

struct audit_queue {
    db_t *db;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* the writer waits on it: a quarter full, a flush asked, a stop */
    pthread_cond_t written; /* audit_queue_flush waits on it */
    console_audit_t *rows;  /* AUDIT_QUEUE_MAX waiting, in order */
    size_t n;
    uint64_t asked, done; /* flushes asked for, and flushes finished */
    uint64_t dropped;     /* since the last warning */
    bool stop;
};

static void deadline_in(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Swaps the queued rows with *spare and writes them unlocked. */
static void write_batch(audit_queue_t *q, console_audit_t **spare)
{
    console_audit_t *batch = q->rows;
    size_t n = q->n;
    uint64_t asked = q->asked, dropped = q->dropped;
    q->rows = *spare;
    *spare = batch;
    q->n = 0;
    q->dropped = 0;
    pthread_mutex_unlock(&q->mu);
    if (dropped)
        LOGW("audit: %llu API changes not recorded (the queue was full)",
             (unsigned long long)dropped);
    if (console_audit_add_many(q->db, batch, n) != CONSOLE_OK)
        LOGW("audit: %zu API changes not recorded (the database failed)", n);
    pthread_mutex_lock(&q->mu);
    q->done = asked;
    pthread_cond_broadcast(&q->written);
}

static void *writer(void *arg)
{
    audit_queue_t *q = arg;
    console_audit_t *spare = xcalloc(AUDIT_QUEUE_MAX, sizeof *spare);
    pthread_mutex_lock(&q->mu);
    for (;;) {
        struct timespec until;
        deadline_in(&until, AUDIT_QUEUE_FLUSH_MS);
        while (!q->stop && q->asked == q->done && q->n < AUDIT_QUEUE_MAX / 4)
            if (pthread_cond_timedwait(&q->cv, &q->mu, &until) != 0)
                break;
        bool stop = q->stop;
        if (q->n || q->dropped || q->asked != q->done)
            write_batch(q, &spare);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&q->mu);
    free(spare);
    return NULL;
}

audit_queue_t *audit_queue_new(db_t *db)
{
    audit_queue_t *q = xcalloc(1, sizeof *q);
    q->db = db;
    q->rows = xcalloc(AUDIT_QUEUE_MAX, sizeof *q->rows);
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&q->written, NULL);
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        pthread_cond_destroy(&q->cv);
        pthread_cond_destroy(&q->written);
        pthread_mutex_destroy(&q->mu);
        free(q->rows);
        free(q);
        return NULL;
    }
    return q;
}

void audit_queue_free(audit_queue_t *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    pthread_cond_destroy(&q->cv);
    pthread_cond_destroy(&q->written);
    pthread_mutex_destroy(&q->mu);
    free(q->rows);
    free(q);
}

void audit_queue_add(audit_queue_t *q, const console_audit_t *e)
{
    pthread_mutex_lock(&q->mu);
    if (q->n < AUDIT_QUEUE_MAX)
        q->rows[q->n++] = *e;
    else
        q->dropped++;
    if (q->n == AUDIT_QUEUE_MAX / 4)
        pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void audit_queue_flush(audit_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t want = ++q->asked;
    pthread_cond_signal(&q->cv);
    while (q->done < want && !q->stop)
        pthread_cond_wait(&q->written, &q->mu);
    pthread_mutex_unlock(&q->mu);
}
