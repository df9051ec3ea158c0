/* Min-heap timers with one thread. See timers.h. */
#include "connector/timers.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"

#define TIMERS_MAX (1u << 20)

struct timers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    conn_timer_t **heap;
    size_t n, cap;
    bool stop;
};

static void heap_set(timers_t *t, size_t i, conn_timer_t *tm)
{
    t->heap[i] = tm;
    tm->heap_index = i;
}

static void sift_up(timers_t *t, size_t i)
{
    conn_timer_t *tm = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (t->heap[parent]->at_ms <= tm->at_ms)
            break;
        heap_set(t, i, t->heap[parent]);
        i = parent;
    }
    heap_set(t, i, tm);
}

static void sift_down(timers_t *t, size_t i)
{
    conn_timer_t *tm = t->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t best = tm->at_ms;
        if (l < t->n && t->heap[l]->at_ms < best) {
            m = l;
            best = t->heap[l]->at_ms;
        }
        if (r < t->n && t->heap[r]->at_ms < best)
            m = r;
        if (m == i)
            break;
        heap_set(t, i, t->heap[m]);
        i = m;
    }
    heap_set(t, i, tm);
}

static void heap_remove(timers_t *t, size_t i)
{
    conn_timer_t *gone = t->heap[i];
    t->n--;
    if (i != t->n) {
        heap_set(t, i, t->heap[t->n]);
        conn_timer_t *moved = t->heap[i];
        sift_down(t, i);
        sift_up(t, moved->heap_index);
    }
    gone->heap_index = SIZE_MAX;
}

static void *timer_main(void *arg)
{
    timers_t *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        if (t->n == 0) {
            pthread_cond_wait(&t->cv, &t->mu);
            continue;
        }
        uint64_t now = clock_mono_ms();
        conn_timer_t *top = t->heap[0];
        if (top->at_ms > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t wait = top->at_ms - now;
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&t->cv, &t->mu, &ts);
            continue;
        }
        heap_remove(t, 0);
        pthread_mutex_unlock(&t->mu);
        top->fn(top->user);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

timers_t *timers_new(void)
{
    timers_t *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&t->thread, NULL, timer_main, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void timers_free(timers_t *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    free(t->heap);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

int timers_add(timers_t *t, conn_timer_t *tm, uint64_t at_ms, timer_fn fn, void *user)
{
    tm->at_ms = at_ms;
    tm->fn = fn;
    tm->user = user;
    pthread_mutex_lock(&t->mu);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        if (cap > TIMERS_MAX) {
            pthread_mutex_unlock(&t->mu);
            tm->heap_index = SIZE_MAX;
            return -1;
        }
        t->heap = xrealloc(t->heap, cap * sizeof *t->heap);
        t->cap = cap;
    }
    heap_set(t, t->n++, tm);
    sift_up(t, t->n - 1);
    if (tm->heap_index == 0)
        pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return 0;
}

bool timers_cancel(timers_t *t, conn_timer_t *tm)
{
    pthread_mutex_lock(&t->mu);
    bool queued =
        tm->heap_index != SIZE_MAX && tm->heap_index < t->n && t->heap[tm->heap_index] == tm;
    if (queued)
        heap_remove(t, tm->heap_index);
    pthread_mutex_unlock(&t->mu);
    return queued;
}
