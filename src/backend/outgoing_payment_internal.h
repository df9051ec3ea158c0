/* Shared by outgoing_payment.c (API and table) and outgoing_payment_worker.c (state machine). */
#ifndef RAFIKI_BACKEND_OUTGOING_PAYMENT_INTERNAL_H
#define RAFIKI_BACKEND_OUTGOING_PAYMENT_INTERNAL_H

#include <pthread.h>

#include "backend/outgoing_payment.h"

struct outgoing_payments {
    outgoing_payments_config_t cfg;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    uint64_t kicks; /* create bumps it so a sleeping worker looks again */
    bool stop;
    pthread_t threads[OUTGOING_PAYMENT_WORKERS_MAX];
    unsigned nthreads;
};

/* Reads a payment row on conn: OK, NOT_FOUND or STORAGE_ERROR. */
outgoing_payment_result_t outgoing_payment_row_get(db_conn_t *c, ledger_id_t id,
                                                   outgoing_payment_t *out);
/* Records webhook event `type` (WEBHOOK_OUTGOING_PAYMENT_*) about payment id, as the row now is
 * in c's open write transaction. 0, or a negative db_rc_t with e filled. */
int outgoing_payment_event(db_conn_t *c, const char *type, ledger_id_t id, db_err_t *e);
/* Gives back to the payment's grant (if it has one) what it did not spend, sent being what left
 * its outgoing account, in c's open write transaction: call it in the transaction that moves the
 * payment to FAILED or CANCELLED. 0, or a negative db_rc_t. */
int outgoing_payment_grant_refund(db_conn_t *c, ledger_id_t id, uint64_t sent, db_err_t *e);
/* Wakes one worker. */
void outgoing_payments_kick(outgoing_payments_t *op);
/* The worker thread's loop. */
void *outgoing_payments_worker(void *arg);

#endif
