/*
 * The backend's metrics for GET /metrics (Prometheus text format, base/metrics.h): incoming
 * payments by state, outgoing payments not yet settled by state (finished ones are history,
 * counted by the admin API, not scanned per scrape), pending webhook events, and the delivery
 * worker's counters.
 *
 * Threads: any worker thread; blocks on the database (three indexed queries).
 */
#ifndef RAFIKI_PAYMENTS_METRICS_H
#define RAFIKI_PAYMENTS_METRICS_H

#include "payments/webhooks.h"
#include "base/slice.h"
#include "store/db.h"

/* hooks: the delivery worker, or NULL when WEBHOOK_URL is unset. 0, or -1 when b is full. A
 * query that fails leaves its family out of this scrape (logged). */
int backend_metrics_write(db_t *db, webhooks_t *hooks, buf_t *b);

/* The number of webhook events waiting for delivery into *n (the console's backlog): 0, or -1
 * when the database fails (logged). */
int backend_webhooks_pending(db_t *db, uint64_t *n);

#endif
