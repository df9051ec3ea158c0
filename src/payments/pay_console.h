/*
 * The reads behind the operator console's payments and webhook events pages (web/console.h):
 * pages of incoming or outgoing payments and of webhook events, newest first, with optional
 * filters, keyset paging and a tenant's scope; one event with its stored delivery state and its
 * copies to the operator; the events of one payment. Only reads: the console changes payments
 * through incoming_payment.h and outgoing_payment.h, as the admin APIs do.
 *
 * Every statement is put together from constant fragments, one per filter that is set, so each
 * combination is a statement of its own that the planner answers from one index of
 * sql/080_console_payments.sql (values are always bound, never spliced). A page of n rows reads
 * n + 1 to know whether an older one exists.
 *
 * A tenant's scope is not a filter the index can serve (a payment is a tenant's by its wallet
 * address's owner, an event by its resource's): the statement walks the same index in the
 * list's order and tells per row, by primary-key probes, whether the row is the tenant's. A
 * tenant with many rows fills its page at once; one with few would walk the whole table, so a
 * scoped page reads at most PAY_CONSOLE_SCAN_MAX rows and, when it stops there, its cursor
 * continues from the last row read (such a page may hold fewer rows than the limit, or none).
 *
 * Threads: any thread that may block on a database connection.
 */
#ifndef RAFIKI_PAYMENTS_PAY_CONSOLE_H
#define RAFIKI_PAYMENTS_PAY_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "payments/tenants.h"
#include "store/db.h"

/* Rows one page holds at most. */
#define PAY_CONSOLE_PAGE_MAX 50
/* Rows a tenant's page reads at most (see above). */
#define PAY_CONSOLE_SCAN_MAX 1000
/* Copies of one event read at most (one per recipient: in practice the operator's). */
#define PAY_CONSOLE_COPIES_MAX 8
#define PAY_CONSOLE_TYPE_MAX   64
#define PAY_CONSOLE_ERROR_MAX  256

typedef enum {
    PAY_CONSOLE_OK = 0,
    PAY_CONSOLE_NOT_FOUND,
    PAY_CONSOLE_STORAGE_ERROR,
    PAY_CONSOLE_RESULT_COUNT
} pay_console_result_t;

/* Stable snake_case name ("storage_error"). */
const char *pay_console_result_str(pay_console_result_t r);

/* Where a page starts: rows strictly older than (at_ms, key) in the list's order. */
typedef struct {
    bool set; /* false: from the newest */
    int64_t at_ms;
    char key[LEDGER_ID_STR_LEN + 1]; /* payments: the row's id; events: its seq in decimal */
} pay_console_cursor_t;

typedef struct {
    bool outgoing;
    /* incoming: "pending", "completed" or "expired"; outgoing: "FUNDING", "SENDING",
     * "COMPLETED", "FAILED" or "CANCELLED"; "" or NULL: any (an unknown one matches nothing) */
    const char *state;
    bool has_wallet;
    ledger_id_t wallet_address_id;
    int64_t from_ms, to_ms;   /* created_at >= from_ms, < to_ms; 0: unbounded */
    pay_tenant_scope_t scope; /* PAY_SCOPE_TENANT: its wallet addresses' only; else all */
    pay_console_cursor_t after;
    size_t limit; /* 1..PAY_CONSOLE_PAGE_MAX */
} pay_console_query_t;

typedef struct {
    ledger_id_t id;
    ledger_id_t wallet_address_id;
    char state[16]; /* as the filter spells it */
    int64_t created_ms, updated_ms;
} pay_console_row_t;

/* One page of q into rows (q->limit of them at most), newest first; *older: where the next
 * page starts (unset: nothing is older). OK or STORAGE_ERROR (err says why). */
pay_console_result_t pay_console_payments(db_t *db, const pay_console_query_t *q,
                                          pay_console_row_t *rows, size_t *n,
                                          pay_console_cursor_t *older, db_err_t *err);

typedef struct {
    int64_t seq;
    char id[LEDGER_ID_STR_LEN + 1];
    char type[PAY_CONSOLE_TYPE_MAX + 1];
    char resource_id[LEDGER_ID_STR_LEN + 1]; /* cut when longer (events of a URL) */
    int state;                               /* webhook_state_t */
    unsigned attempts;
    unsigned last_status;                       /* 0: no answer */
    char last_error[PAY_CONSOLE_ERROR_MAX + 1]; /* "" : none */
    int64_t created_ms, updated_ms, process_at_ms;
} pay_console_event_t;

typedef struct {
    const char *type; /* "" or NULL: any */
    int64_t from_ms, to_ms;
    pay_tenant_scope_t scope; /* PAY_SCOPE_TENANT: events of its wallet addresses and their
                                 payments; else all */
    pay_console_cursor_t after;
    size_t limit; /* 1..PAY_CONSOLE_PAGE_MAX */
} pay_console_event_query_t;

/* One page of events, newest first, as pay_console_payments. */
pay_console_result_t pay_console_events(db_t *db, const pay_console_event_query_t *q,
                                        pay_console_event_t *rows, size_t *n,
                                        pay_console_cursor_t *older, db_err_t *err);

/* Event id into *out and its data (JSON object text, a new string for free()) into *data. OK,
 * NOT_FOUND, STORAGE_ERROR. */
pay_console_result_t pay_console_event_get(db_t *db, const char *id, pay_console_event_t *out,
                                           char **data, db_err_t *err);

/* A further delivery of an event (webhooks.h: the operator's copy of a tenant's event). */
typedef struct {
    char recipient[PAY_TENANT_ID_LEN + 1]; /* "" : the operator */
    int state;
    unsigned attempts, last_status;
    char last_error[PAY_CONSOLE_ERROR_MAX + 1];
    int64_t updated_ms, process_at_ms;
} pay_console_copy_t;

/* The copies of the event of seq (at most PAY_CONSOLE_COPIES_MAX). OK or STORAGE_ERROR. */
pay_console_result_t pay_console_event_copies(db_t *db, int64_t seq, pay_console_copy_t *out,
                                              size_t *n, db_err_t *err);

/* The events about resource_id, oldest first (at most cap). OK or STORAGE_ERROR. */
pay_console_result_t pay_console_resource_events(db_t *db, const char *resource_id,
                                                 pay_console_event_t *out, size_t cap, size_t *n,
                                                 db_err_t *err);

#endif
