/*
 * The audit log's writer for the admin APIs (REST and GraphQL; console_users.h's audit rows):
 * a change is queued in memory at the cost of a copy under a mutex, and a thread writes what
 * is queued once a second (or as soon as a quarter of the queue is full) in one transaction,
 * so a burst of API changes costs the database one commit a second instead of one each. What
 * this costs: on a crash the rows of at most the last second are lost (the changes themselves
 * are committed by then); a full queue (AUDIT_QUEUE_MAX rows waiting on a slow database) drops
 * the newest rows with a warning, and a failed write is logged and its rows dropped. Stopping
 * writes what is queued.
 *
 * Threads: audit_queue_add from any thread; new and free run alone.
 */
#ifndef RAFIKI_PAYMENTS_AUDIT_QUEUE_H
#define RAFIKI_PAYMENTS_AUDIT_QUEUE_H

#include "payments/console_users.h"

#define AUDIT_QUEUE_MAX      1024
#define AUDIT_QUEUE_FLUSH_MS 1000

typedef struct audit_queue audit_queue_t;

/* Starts the writer thread on db (which outlives the queue); NULL when it cannot start. */
audit_queue_t *audit_queue_new(db_t *db);
/* Writes what is queued, then stops the thread. NULL: no-op. */
void audit_queue_free(audit_queue_t *q);
/* Queues e (copied). Never blocks on the database. */
void audit_queue_add(audit_queue_t *q, const console_audit_t *e);
/* Writes what is queued now and returns when it is written (tests). */
void audit_queue_flush(audit_queue_t *q);

#endif
