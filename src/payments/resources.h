/*
 * Questions the Open Payments face asks across the three resources a client creates (incoming
 * payments, quotes, outgoing payments): which client created one (the client column,
 * sql/052_op_clients.sql), and a wallet address's resources a page at a time in creation order.
 * The tables stay the domain's: the faces ask here and never write SQL of their own.
 *
 * Threads: any thread that may block on a database connection.
 */
#ifndef RAFIKI_PAYMENTS_RESOURCES_H
#define RAFIKI_PAYMENTS_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "ledger/ledger.h"
#include "store/db.h"

typedef enum {
    PAY_RESOURCE_INCOMING = 0,
    PAY_RESOURCE_QUOTE,
    PAY_RESOURCE_OUTGOING,
} pay_resource_t;

typedef enum {
    PAY_RESOURCES_OK = 0,
    PAY_RESOURCES_NOT_FOUND, /* no such resource, or another client's */
    PAY_RESOURCES_STORAGE_ERROR,
} pay_resources_result_t;

/* OK when resource id of kind was created by client, NOT_FOUND when not (or it does not exist,
 * or an operator created it through the admin API), STORAGE_ERROR. */
pay_resources_result_t pay_resource_created_by(db_t *db, pay_resource_t kind, ledger_id_t id,
                                               const char *client);

/* One page of a wallet address's resources of kind. */
typedef struct {
    ledger_id_t wallet_address_id;
    const char *client;       /* only this client's; NULL: every client's */
    const ledger_id_t *after; /* the cursor (exclusive); NULL: from the start (or end) */
    bool backward;            /* newest first, before the cursor */
    size_t limit;             /* at most this many ids into ids[] (which holds limit + 1) */
} pay_page_t;

/* Up to page->limit + 1 ids (one more tells that another page follows) in the page's order
 * into ids; *got their count. OK or STORAGE_ERROR. */
pay_resources_result_t pay_resource_page(db_t *db, pay_resource_t kind, const pay_page_t *page,
                                         ledger_id_t *ids, size_t *got);

#endif
