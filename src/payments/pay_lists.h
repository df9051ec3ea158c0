/*
 * Pages of the payments resources as Rafiki's admin API lists them (its getPage and
 * getPageInfo, shared/baseModel.ts and shared/pagination.ts): ordered by creation time then id,
 * ascending or descending, a page after a cursor (forward) or before it (backward), and
 * filters of "in" / "not in" lists on the fields Rafiki filters on (wallet address, state,
 * receiver, how an incoming payment was initiated, payment type). The faces (admin GraphQL)
 * ask here and never write SQL of their own.
 *
 * Kinds: wallet addresses, their keys, quotes, incoming payments, outgoing payments, and both
 * payment kinds together (Rafiki's combined "payments" list).
 *
 * Threads: any thread that may block on a database connection.
 */
#ifndef RAFIKI_PAYMENTS_PAY_LISTS_H
#define RAFIKI_PAYMENTS_PAY_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ledger/ledger.h"
#include "payments/tenants.h"
#include "store/db.h"

/* Rows a page holds at most (Rafiki's getPage bound). */
#define PAY_LIST_LIMIT_MAX 100

typedef enum {
    PAY_LIST_WALLET_ADDRESSES = 0,
    PAY_LIST_WALLET_KEYS,
    PAY_LIST_QUOTES,
    PAY_LIST_INCOMING,
    PAY_LIST_OUTGOING,
    PAY_LIST_PAYMENTS, /* incoming and outgoing together */
    PAY_LIST_KIND_COUNT
} pay_list_kind_t;

/* The fields a list can be filtered on. A kind without the field compares an empty string. */
typedef enum {
    PAY_LIST_BY_WALLET = 0, /* wallet_address_id (a wallet address's own id for that kind) */
    PAY_LIST_BY_STATE,      /* outgoing: "FUNDING", "SENDING", ... */
    PAY_LIST_BY_RECEIVER,   /* quotes, outgoing: the receiver URL */
    PAY_LIST_BY_INITIATED,  /* incoming: "ADMIN" (operator) or "OPEN_PAYMENTS" (a client) */
    PAY_LIST_BY_TYPE,       /* payments: "INCOMING" or "OUTGOING" */
    PAY_LIST_BY_COUNT
} pay_list_field_t;

typedef enum {
    PAY_LIST_OK = 0,
    PAY_LIST_FILTER_INVALID, /* a filter list that is not an array of strings */
    PAY_LIST_STORAGE_ERROR,
    PAY_LIST_RESULT_COUNT
} pay_list_result_t;

/* Stable snake_case name ("storage_error"). */
const char *pay_list_result_str(pay_list_result_t r);

typedef struct {
    pay_list_kind_t kind;
    bool asc;           /* sortOrder ASC (Rafiki's default is DESC) */
    bool backward;      /* the page ends just before the cursor (last/before) */
    size_t limit;       /* 1..PAY_LIST_LIMIT_MAX rows */
    const char *cursor; /* an id (UUID text), or NULL: from the start (or the end) */
    /* Per field: a JSON array of strings the value must be in / must not be in; NULL: none. */
    const json_t *in[PAY_LIST_BY_COUNT];
    const json_t *not_in[PAY_LIST_BY_COUNT];
    pay_tenant_scope_t scope; /* whose rows (by their wallet address's owner); zero: all */
} pay_list_query_t;

typedef struct {
    ledger_id_t id;
    bool outgoing; /* PAY_LIST_PAYMENTS: an outgoing payment (else incoming) */
} pay_list_row_t;

/* One page. */
typedef struct {
    pay_list_row_t rows[PAY_LIST_LIMIT_MAX];
    size_t n;
    bool has_prev; /* a row exists before rows[0] in the list's order */
    bool has_next; /* a row exists after rows[n - 1] */
} pay_list_page_t;

/* Reads the page q asks for into *out, rows in the order the client sees them (a backward page
 * too). has_prev / has_next as Rafiki's getPageInfo: one more row before the first / after the
 * last, with the same filters (both false on an empty page). OK, FILTER_INVALID,
 * STORAGE_ERROR (err says why). */
pay_list_result_t pay_list_page(db_t *db, const pay_list_query_t *q, pay_list_page_t *out,
                                db_err_t *err);

/* The Open Payments client that created resource id of kind (PAY_LIST_QUOTES, _INCOMING or
 * _OUTGOING) into out (cap bytes; cut when longer): "" when an operator created it through an
 * admin API or it does not exist. OK or STORAGE_ERROR. */
pay_list_result_t pay_list_client(db_t *db, pay_list_kind_t kind, ledger_id_t id, char *out,
                                  size_t cap, db_err_t *err);

#endif
