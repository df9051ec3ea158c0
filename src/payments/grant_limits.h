/*
 * Grant spending limits (Open Payments outgoing-payment grants): a grant may cap what the
 * payments created under it debit and deliver, in total or per interval of an ISO 8601
 * repeating interval ("R/2026-01-01T00:00:00Z/P1M": per calendar month; base/interval.h).
 *
 * When an outgoing payment is created under a grant, grant_limits_spend checks that the grant's
 * spent amounts in the current interval plus this payment stay within the limits, and records
 * the new sums. The check and the write happen under a lock on the grant's row for the interval
 * (Postgres: SELECT ... FOR UPDATE; SQLite: the write transaction holds the single writer lock),
 * so concurrent creates, also from replicas on one database, never spend past a limit: they
 * queue on the row and each sees the sums the previous one committed.
 *
 * The _tx forms run inside the caller's write transaction, so the spend commits or rolls back
 * with the payment row that causes it (the intended use). The others open their own transaction
 * and retry lost races (DB_RETRY) a few times.
 *
 * Giving back: a payment that fails or is cancelled returns what it did not spend with
 * grant_limits_refund into the interval recorded at spend time (grant_spend_t.interval_start_ms,
 * to be stored with the payment). Refunds never take a sum below zero. A refund is not
 * idempotent by itself: run it in the transaction that moves the payment to its final state.
 *
 * Amounts are u64 in the asset of each limit (debit: the sending wallet's asset, receive: the
 * receiver's); checking that a payment's assets match the grant's is the caller's job.
 *
 * Threads: every function may be called from any thread and blocks on the database.
 */
#ifndef RAFIKI_PAYMENTS_GRANT_LIMITS_H
#define RAFIKI_PAYMENTS_GRANT_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "base/interval.h"
#include "base/limits.h"
#include "http/json.h"
#include "store/db.h"

/* Longest grant id (the auth server's ids are UUIDs; room for other schemes). */
#define GRANT_ID_MAX 128
/* interval_start of the one row of a grant without an interval. */
#define GRANT_NO_INTERVAL INT64_MIN

typedef enum {
    GRANT_LIMITS_OK = 0,
    GRANT_LIMITS_DEBIT_EXCEEDED,   /* the debit would take the spent debit past debit_amount */
    GRANT_LIMITS_RECEIVE_EXCEEDED, /* the same for receive_amount */
    GRANT_LIMITS_NOT_STARTED,      /* the grant's interval starts after now */
    GRANT_LIMITS_ENDED,            /* every repetition of the interval is over */
    GRANT_LIMITS_INVALID,          /* empty or too long grant id */
    GRANT_LIMITS_RETRY,            /* _tx forms: the transaction lost a race; roll back, rerun */
    GRANT_LIMITS_STORAGE,          /* the database failed; see err */
    GRANT_LIMITS_RESULT_COUNT
} grant_limits_result_t;

/* A stable snake_case name ("debit_exceeded"). */
const char *grant_limits_result_str(grant_limits_result_t r);

/* An amount limit: Open Payments' {value, assetCode, assetScale}. */
typedef struct {
    uint64_t value;
    char asset_code[ASSET_CODE_MAX_LEN + 1]; /* "" when a C caller gives no asset */
    uint8_t asset_scale;
} grant_amount_t;

typedef struct {
    bool has_debit;
    grant_amount_t debit; /* in the sending wallet address's asset */
    bool has_receive;
    grant_amount_t receive; /* in the receiver's asset */
    bool has_interval;
    iso_interval_t interval;
    char interval_text[ISO_INTERVAL_TEXT_MAX + 1]; /* as given, for grant_limits_json */
} grant_limits_t;

/*
 * Reads limits from JSON (the admin API's snake_case form of Open Payments' limits):
 *     {"debit_amount":   {"value": "1000", "asset_code": "USD", "asset_scale": 2},
 *      "receive_amount": {"value": "900",  "asset_code": "EUR", "asset_scale": 2},
 *      "interval": "R/2026-01-01T00:00:00Z/P1M"}
 * every key optional, no others. Returns 0, or -1 with err naming the field
 * ("limits.debit_amount.value") and its problem (code "invalid_field", "missing_field" or
 * "unknown_field").
 */
int grant_limits_from_json(const json_t *obj, grant_limits_t *out, http_json_err_t *err);
/* The same object back (a new reference). */
json_t *grant_limits_json(const grant_limits_t *lim);

/* Where a spend was recorded and the sums after it. */
typedef struct {
    int64_t interval_start_ms; /* GRANT_NO_INTERVAL without an interval: store it for refunds */
    int64_t interval_end_ms;   /* INT64_MAX without an interval */
    uint64_t debit_spent, receive_spent;
} grant_spend_t;

/*
 * Checks and records a spend of (debit, receive) under grant_id at time now_ms, in conn's open
 * write transaction. On GRANT_LIMITS_OK *out (may be NULL) tells where it was recorded; on
 * *_EXCEEDED it holds the sums already spent (nothing is written). A sum past 2^64-1 counts as
 * exceeding a limit, and saturates where there is none. GRANT_LIMITS_RETRY and _STORAGE leave
 * the transaction unusable: roll it back.
 */
grant_limits_result_t grant_limits_spend_tx(db_conn_t *conn, const char *grant_id,
                                            const grant_limits_t *lim, uint64_t debit,
                                            uint64_t receive, int64_t now_ms, grant_spend_t *out,
                                            db_err_t *err);
/* The same in a transaction of its own (retried while it loses races). */
grant_limits_result_t grant_limits_spend(db_t *db, const char *grant_id, const grant_limits_t *lim,
                                         uint64_t debit, uint64_t receive, int64_t now_ms,
                                         grant_spend_t *out, db_err_t *err);

/* Gives back (debit, receive) to the interval starting at interval_start_ms (from
 * grant_spend_t), saturating at zero. An absent row is nothing to give back: GRANT_LIMITS_OK. */
grant_limits_result_t grant_limits_refund_tx(db_conn_t *conn, const char *grant_id,
                                             int64_t interval_start_ms, uint64_t debit,
                                             uint64_t receive, db_err_t *err);
grant_limits_result_t grant_limits_refund(db_t *db, const char *grant_id, int64_t interval_start_ms,
                                          uint64_t debit, uint64_t receive, db_err_t *err);

/* What has been spent under grant_id in the interval containing now_ms (zeros before any
 * spend). Returns GRANT_LIMITS_OK, _NOT_STARTED, _ENDED, _INVALID or _STORAGE. */
grant_limits_result_t grant_limits_spent(db_t *db, const char *grant_id, const grant_limits_t *lim,
                                         int64_t now_ms, grant_spend_t *out, db_err_t *err);

#endif
