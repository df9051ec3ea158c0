/*
 * Shared by outgoing_payment.c (API and table) and outgoing_payment_worker.c (state machine).
 *
 * Threads: as outgoing_payment.h: row helpers run on the caller's connection (any thread
 * that may block); the handoff queue is guarded by the service's mutex.
 */
#ifndef RAFIKI_PAYMENTS_OUTGOING_PAYMENT_INTERNAL_H
#define RAFIKI_PAYMENTS_OUTGOING_PAYMENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/slice.h"
#include "payments/outgoing_payment.h"

/* Payments created here and handed to this process's workers without a claim. */
#define OUTGOING_PAYMENT_QUEUE_MAX 1024
/* While payments are queued, one worker pass in this many still claims due rows. */
#define OUTGOING_PAYMENT_CLAIM_EVERY 8

struct outgoing_payments {
    outgoing_payments_config_t cfg;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    uint64_t kicks;              /* create bumps it so a sleeping worker looks again */
    atomic_uint_fast64_t passes; /* run_due calls, to claim from the database now and then */
    /* handoff queue (cfg.handoff): a ring of ids, plus slots reserved by creates in progress */
    ledger_id_t queue[OUTGOING_PAYMENT_QUEUE_MAX];
    size_t head, count, reserved;
    bool stop;
    pthread_t threads[OUTGOING_PAYMENT_WORKERS_MAX];
    unsigned nthreads;
};

/* Reads a payment row on conn: OK, NOT_FOUND or STORAGE_ERROR. */
outgoing_payment_result_t outgoing_payment_row_get(db_conn_t *c, ledger_id_t id,
                                                   outgoing_payment_t *out);
/* Records webhook event `type` (WEBHOOK_OUTGOING_PAYMENT_*) about payment id, as the row now is
 * in c's open write transaction. DB_OK, or the failure with e filled. */
db_rc_t outgoing_payment_event(db_conn_t *c, const char *type, ledger_id_t id, db_err_t *e);
/* The data of an event about p (as it will be once the transaction commits) with its quote,
 * serialised before the transaction (webhook_event_data); NULL when memory ran out. */
char *outgoing_payment_event_data(const outgoing_payment_t *p, const quote_t *q);
/* outgoing_payment_event with data made by outgoing_payment_event_data. */
db_rc_t outgoing_payment_event_text(db_conn_t *c, const char *type, ledger_id_t id,
                                    const char *data, db_err_t *e);
/* What one failed attempt to send a payment over ILP saw: error, the stable name of how it
 * ended ("stream_rejected"...); code, the last ILP Reject's ("" or NULL when none came), with its
 * triggeredBy and message (bytes as the peer sent them). */
typedef struct {
    const char *error;
    const char *code;
    slice_t triggered_by, message;
} outgoing_attempt_t;
/* Counts one more failed attempt of payment id, while it is SENDING, and records its
 * outgoing_payment.attempt_failed event in c's open write transaction: the payment as the other
 * outgoing_payment.* events show it, plus "attempt": {number (1 for the first failure), error,
 * ilpReject?: {code, message, triggeredBy?}}. DB_OK (also when the payment is no longer
 * SENDING: nothing is recorded), or the failure with e filled. */
db_rc_t outgoing_payment_attempt_failed(db_conn_t *c, ledger_id_t id, const outgoing_attempt_t *a,
                                        db_err_t *e);
/* Gives back to the payment's grant (if it has one) what it did not spend, sent being what left
 * its outgoing account, in c's open write transaction: call it in the transaction that moves the
 * payment to FAILED or CANCELLED. DB_OK, or the failure with e filled. */
db_rc_t outgoing_payment_grant_refund(db_conn_t *c, ledger_id_t id, uint64_t sent, db_err_t *e);
/* Wakes one worker. */
void outgoing_payments_kick(outgoing_payments_t *op);
/* Handoff: reserves a queue slot (true) before a create's insert; the create then either pushes
 * its id (handoff_push) or gives the slot back (handoff_release). */
bool outgoing_payments_handoff_reserve(outgoing_payments_t *op);
void outgoing_payments_handoff_push(outgoing_payments_t *op, ledger_id_t id);
void outgoing_payments_handoff_release(outgoing_payments_t *op);
/* At shutdown: makes the queued payments due at once in the database (a restart, or another
 * replica, takes them without waiting for their lease). */
void outgoing_payments_handoff_drop(outgoing_payments_t *op);
/* Takes up to max queued ids into out; returns how many. */
size_t outgoing_payments_handoff_take(outgoing_payments_t *op, ledger_id_t *out, size_t max);
/* The worker thread's loop. */
void *outgoing_payments_worker(void *arg);

#endif
