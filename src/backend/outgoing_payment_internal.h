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
/* Wakes one worker. */
void outgoing_payments_kick(outgoing_payments_t *op);
/* The worker thread's loop. */
void *outgoing_payments_worker(void *arg);

#endif
