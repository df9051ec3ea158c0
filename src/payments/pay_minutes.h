/*
 * Payments per minute over the last hour, for the operator console's overview chart
 * (src/web/console_chart.c): outgoing payments that completed or failed, and incoming payments
 * that completed, counted by the minute of their last change (an outgoing payment's updated_at,
 * an incoming payment's completed_at). One query over sql/084's indexes: its cost follows the
 * payments of the last hour, not the table's size.
 *
 * Threads: any thread; takes a read connection and blocks on the database.
 */
#ifndef RAFIKI_PAYMENTS_PAY_MINUTES_H
#define RAFIKI_PAYMENTS_PAY_MINUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define PAY_MINUTES 60

typedef enum {
    PAY_MINUTES_OK = 0,
    PAY_MINUTES_ERROR, /* the database failed (logged) */
    PAY_MINUTES_RESULT_COUNT
} pay_minutes_result_t;

const char *pay_minutes_result_str(pay_minutes_result_t r);
/* The count's SQL (a tenant's form with its owner join), for its plan to be checked. */
const char *pay_minutes_sql(bool tenant);

/* Counts per minute, oldest first; [PAY_MINUTES - 1] is the minute of now_ms so far. */
typedef struct {
    uint64_t out_completed[PAY_MINUTES];
    uint64_t out_failed[PAY_MINUTES];
    uint64_t in_completed[PAY_MINUTES];
} pay_minutes_t;

/* The counts of the PAY_MINUTES wall-clock minutes up to now_ms into out: every tenant's when
 * tenant_id is NULL, else those of the wallet addresses that tenant owns (tenants.h). OK or
 * ERROR (out then all zero). */
pay_minutes_result_t pay_minutes_count(db_t *db, const char *tenant_id, int64_t now_ms,
                                       pay_minutes_t *out);

#endif
