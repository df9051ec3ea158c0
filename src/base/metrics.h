/*
 * Metrics in the Prometheus text exposition format (version 0.0.4): histograms with fixed
 * buckets that any thread observes into without a lock, and writers that append families and
 * samples to a buf_t. Each layer keeps its own counters and writes them when GET /metrics asks
 * (connector_metrics_write, ledger_metrics_write, http_server_metrics_write, ...).
 *
 * Threads: metrics_hist_observe may run on any thread at once (relaxed atomics: a scrape may see
 * a count and a bucket of the same observation out of step, as Prometheus clients allow); the
 * writers use one buf_t per call.
 */
#ifndef RAFIKI_BASE_METRICS_H
#define RAFIKI_BASE_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define METRICS_BUCKETS_MAX 16

/* Upper bounds, ascending; +Inf is implicit. */
typedef struct {
    const double *le;
    size_t n; /* <= METRICS_BUCKETS_MAX */
} metrics_buckets_t;

/* Seconds, for latencies: 0.5 ms to 10 s. */
extern const metrics_buckets_t metrics_seconds;
/* Counts, for batch sizes: 1 to 4096. */
extern const metrics_buckets_t metrics_sizes;

typedef struct {
    const metrics_buckets_t *buckets;
    _Atomic uint64_t count[METRICS_BUCKETS_MAX + 1]; /* per bucket, not cumulative; last: +Inf */
    _Atomic uint64_t sum_micro;                      /* sum of values x 1e6 */
} metrics_hist_t;

void metrics_hist_init(metrics_hist_t *h, const metrics_buckets_t *buckets);
void metrics_hist_observe(metrics_hist_t *h, double v);

/* "# HELP name help\n# TYPE name type\n"; type is counter, gauge or histogram. */
int metrics_family(buf_t *b, const char *name, const char *type, const char *help);
/* "name{labels} value\n"; labels is `a="x",b="y"` or "" (label values must be escaped with
 * metrics_label_escape when they come from outside). */
int metrics_sample(buf_t *b, const char *name, const char *labels, double value);
int metrics_sample_u64(buf_t *b, const char *name, const char *labels, uint64_t value);
/* The _bucket, _sum and _count samples of h. */
int metrics_hist_write(buf_t *b, const char *name, const char *labels, const metrics_hist_t *h);
/* s with \ " and newline escaped, into out (truncated to cap); returns out. */
char *metrics_label_escape(const char *s, char *out, size_t cap);

#endif
