/*
 * A pool of threads for handlers that may block (offload.h): a ring of queued requests under
 * one mutex, taken in order by the pool's threads.
 */
#include "http/offload.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/mem.h"

typedef struct {
    http_req_t *req;
    http_handler_fn fn;
    void *user;
} job_t;

struct http_offload {
    char name[32];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t ring[HTTP_OFFLOAD_QUEUE_MAX];
    size_t head, count;
    bool stop;
    unsigned nthreads, started;
    pthread_t *threads;
};

static void *pool_main(void *arg)
{
    http_offload_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == 0 && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->count == 0) { /* stopping, nothing left */
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        job_t j = p->ring[p->head];
        p->head = (p->head + 1) % HTTP_OFFLOAD_QUEUE_MAX;
        p->count--;
        pthread_mutex_unlock(&p->mu);
        /* the request's id on this thread's log lines, as on the server's */
        log_request_id_set(http_req_id(j.req));
        (void)j.fn(j.req, j.user); /* it answers, now or later (HTTP_PENDING) */
        log_request_id_set(NULL);
    }
}

http_offload_t *http_offload_new(const char *name, unsigned nthreads)
{
    http_offload_t *p = xcalloc(1, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->nthreads = nthreads ? nthreads : 1;
    p->threads = xcalloc(p->nthreads, sizeof *p->threads);
    for (; p->started < p->nthreads; p->started++) {
        if (pthread_create(&p->threads[p->started], NULL, pool_main, p) != 0) {
            LOGE("%s: cannot start a thread of its pool", p->name);
            http_offload_free(p);
            return NULL;
        }
    }
    return p;
}

void http_offload_free(http_offload_t *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}

http_handler_result_t http_offload(http_offload_t *p, http_req_t *req, http_handler_fn fn,
                                   void *user)
{
    pthread_mutex_lock(&p->mu);
    bool full = p->count == HTTP_OFFLOAD_QUEUE_MAX;
    if (!full) {
        p->ring[(p->head + p->count) % HTTP_OFFLOAD_QUEUE_MAX] =
            (job_t){.req = req, .fn = fn, .user = user};
        p->count++;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (!full)
        return HTTP_PENDING;
    LOGW("%s: %u requests wait for the pool; refused", p->name, HTTP_OFFLOAD_QUEUE_MAX);
    http_respond_error(req, 503, "unavailable", "too many requests waiting");
    return HTTP_DONE;
}
