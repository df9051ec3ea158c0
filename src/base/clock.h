/*
 * Monotonic clock for durations and timeouts; wall clock for expiries and timestamps.
 * Threads: any thread; never blocks.
 */
#ifndef RAFIKI_BASE_CLOCK_H
#define RAFIKI_BASE_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_ns(void);
uint64_t clock_mono_ms(void);
/* Milliseconds since the Unix epoch, UTC. */
int64_t clock_wall_ms(void);

#endif
