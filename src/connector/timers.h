/*
 * One-shot timers on one thread: the connector's R00 deadline for packets whose next hop has not
 * answered. A timer is a caller-owned struct in a min-heap ordered by deadline; cancelling
 * removes it in O(log n). The callback runs on the timer thread after the timer has left the
 * heap, so timers_cancel() returning false means "it has fired or is firing".
 *
 * Threads: timers_add and timers_cancel may be called from any thread at once (one mutex) and
 * never wait on a callback; new/free run alone.
 */
#ifndef RAFIKI_CONNECTOR_TIMERS_H
#define RAFIKI_CONNECTOR_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct timers timers_t;
typedef void (*timer_fn)(void *user);

typedef struct {
    uint64_t at_ms; /* monotonic deadline (clock_mono_ms) */
    timer_fn fn;
    void *user;
    size_t heap_index; /* internal; SIZE_MAX when not queued */
} conn_timer_t;

/* Starts the timer thread; NULL on failure. */
timers_t *timers_new(void);
/* Stops the thread; timers still queued never fire. */
void timers_free(timers_t *t);
/* Queues tm to fire at at_ms. Returns 0, or -1 when the heap is full (1M timers). */
int timers_add(timers_t *t, conn_timer_t *tm, uint64_t at_ms, timer_fn fn, void *user);
/* True when tm was queued and is now removed (it will not fire). */
bool timers_cancel(timers_t *t, conn_timer_t *tm);

#endif
