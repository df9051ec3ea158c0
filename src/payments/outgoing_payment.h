/*
 * Outgoing payments: a quote paid from a wallet address, as a persisted state machine
 *
 *     FUNDING -> SENDING -> COMPLETED | FAILED        FUNDING -> CANCELLED | FAILED (expiry)
 *     FUNDING -> COMPLETED                            (a local receiver: one commit)
 *
 * run by workers that survive kill -9 and share the work across replicas.
 *
 * Money moves only in the ledger, under transfer ids derived from the payment's id, so running
 * a step twice (a crash between the ledger commit and the row update, two replicas) applies it
 * once (LEDGER_EXISTS):
 *   fund    wallet account -> the payment's outgoing sub-account (its id is the payment's id),
 *           debit_amount; with too little balance the payment stays FUNDING and is retried
 *           until funded, cancelled or its quote expires (then FAILED, "quote_expired");
 *   pay     local receiver: one linked chain, wallet -> outgoing (the funding), outgoing ->
 *           invoice account (send_amount) and outgoing -> the asset's liquidity account (the
 *           fee, the operator's revenue), submitted with a ledger guard that moves the row
 *           from FUNDING to COMPLETED (with its event) in the same transaction: the money and
 *           the state commit together or not at all, and a cancel that took the row first
 *           makes the guard refuse, which undoes the chain. A wallet short of funds leaves the
 *           payment in FUNDING until its quote expires (then FAILED, "insufficient_balance");
 *           an invoice in another asset is paid from that asset's liquidity account (deliver
 *           leg) while send and fee go to the debit asset's, at the amounts the quote fixed
 *           ("insufficient_liquidity" when it is short at the quote's expiry);
 *   stream  remote receiver (funded first): stream_pay from the outgoing account through the
 *           in-process connector; what was sent is the account's posted debits, so a run after
 *           a crash waits for open holds to resolve and sends only the remainder; temporary
 *           failures retry until the quote expires (then FAILED, "stream_<error>"); each run
 *           that fails records outgoing_payment.attempt_failed (ours: the attempt's number, how
 *           it ended and the last ILP Reject); the fee moves to the liquidity account once
 *           everything is sent;
 *   settle  after any terminal state, what is left in the outgoing account goes back to the
 *           wallet account (rounding left-overs, a failed or cancelled payment).
 * A remote payment moves FUNDING -> SENDING after its funding, with a conditional UPDATE, so a
 * cancel that wins the race leaves a funded payment to be settled, never a paid one. (Rows in
 * SENDING with a local receiver, left by an older version, are paid by the same guarded chain.)
 *
 * Workers claim rows whose next_attempt_at has passed (FOR UPDATE SKIP LOCKED on Postgres; the
 * single writer on SQLite) and push it forward by a lease: another replica takes the row over
 * only when the lease runs out. A payment is created under a deterministic id derived from its
 * quote, so a quote pays at most once.
 *
 * Threads: create/get/cancel may be called from any thread (admin workers) and block on the
 * database and the ledger. The workers are threads of their own.
 */
#ifndef RAFIKI_PAYMENTS_OUTGOING_PAYMENT_H
#define RAFIKI_PAYMENTS_OUTGOING_PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payments/grant_limits.h"
#include "payments/quote.h"
#include "base/log.h"
#include "ledger/ledger.h"

/* Longest metadata (a JSON object, serialized) kept with a payment. */
#define OUTGOING_PAYMENT_METADATA_MAX 4096
/* Defaults of outgoing_payments_config_t. */
#define OUTGOING_PAYMENT_WORKERS_DEFAULT  16
#define OUTGOING_PAYMENT_WORKERS_MAX      32
#define OUTGOING_PAYMENT_LEASE_MS_DEFAULT 30000
#define OUTGOING_PAYMENT_RETRY_MS_DEFAULT 500
#define OUTGOING_PAYMENT_POLL_MS_DEFAULT  1000
/* Rows one claim takes at most, and by default: a few, so that concurrent payments spread
 * over the workers and share the ledger's group commits. */
#define OUTGOING_PAYMENT_CLAIM_MAX     16
#define OUTGOING_PAYMENT_CLAIM_DEFAULT 2

/* Ledger transfer codes of payment movements (beside admin.h's 1..3). */
enum {
    OUTGOING_PAYMENT_CODE_FUND = 10,
    OUTGOING_PAYMENT_CODE_SEND = 11,
    OUTGOING_PAYMENT_CODE_FEE = 12,
    OUTGOING_PAYMENT_CODE_REFUND = 13,
    OUTGOING_PAYMENT_CODE_DELIVER = 14, /* across assets: receive asset liquidity -> invoice */
    /* ids only (their transfers carry PAY_CODE_DEPOSIT / PAY_CODE_WITHDRAWAL): Rafiki's funding
     * model, when the webhook event whose id Rafiki uses is not recorded (disabled type) */
    OUTGOING_PAYMENT_CODE_DEPOSIT = 15,
    OUTGOING_PAYMENT_CODE_WITHDRAWAL = 16,
};

/* next_attempt_at of a payment no worker should claim: Rafiki's funding model parks a payment
 * in FUNDING until the wallet's deposit (payment_liquidity.h) makes it due. */
#define OUTGOING_PAYMENT_PARKED_MS INT64_MAX

typedef enum {
    OUTGOING_PAYMENT_FUNDING = 0,
    OUTGOING_PAYMENT_SENDING,
    OUTGOING_PAYMENT_COMPLETED,
    OUTGOING_PAYMENT_FAILED,
    OUTGOING_PAYMENT_CANCELLED,
    OUTGOING_PAYMENT_STATE_COUNT
} outgoing_payment_state_t;

/* "FUNDING", "SENDING", ... (Rafiki's names). */
const char *outgoing_payment_state_str(outgoing_payment_state_t s);

typedef enum {
    OUTGOING_PAYMENT_OK = 0,
    OUTGOING_PAYMENT_WALLET_NOT_FOUND,
    OUTGOING_PAYMENT_WALLET_INACTIVE,
    OUTGOING_PAYMENT_QUOTE_NOT_FOUND,
    OUTGOING_PAYMENT_QUOTE_WRONG_WALLET, /* the quote belongs to another wallet address */
    OUTGOING_PAYMENT_QUOTE_EXPIRED,
    OUTGOING_PAYMENT_QUOTE_USED, /* a payment exists for this quote */
    OUTGOING_PAYMENT_NOT_FOUND,
    OUTGOING_PAYMENT_NOT_CANCELLABLE,       /* cancel of a payment past FUNDING */
    OUTGOING_PAYMENT_GRANT_LIMIT_EXCEEDED,  /* the grant's debit or receive limit would be passed */
    OUTGOING_PAYMENT_GRANT_INACTIVE,        /* the grant's interval has not started or is over */
    OUTGOING_PAYMENT_LIMITS_ASSET_MISMATCH, /* a limit in another asset than the quote's amount */
    OUTGOING_PAYMENT_REASON_INVALID,        /* cancel reason too long for the payment's metadata */
    OUTGOING_PAYMENT_STORAGE_ERROR,
    OUTGOING_PAYMENT_RESULT_COUNT
} outgoing_payment_result_t;

/* Stable snake_case name, the API error code ("quote_expired"). */
const char *outgoing_payment_result_str(outgoing_payment_result_t r);

typedef struct {
    ledger_id_t id;
    ledger_id_t wallet_address_id;
    ledger_id_t quote_id;
    ledger_id_t grant_id; /* zero: none */
    outgoing_payment_state_t state;
    bool settled; /* terminal and unspent funds returned (rafiki_funding: terminal, no holds) */
    /* Rafiki's funding model (FUNDING_MODEL=rafiki): FUNDING waits for the wallet's deposit of
     * the debit amount (payment_liquidity.h) instead of funding from the wallet account; the
     * fee and any rest stay in the outgoing account for the wallet to withdraw. Fixed at
     * creation (outgoing_payments_config_t.rafiki_funding). */
    bool rafiki_funding;
    char error[64]; /* why it FAILED ("quote_expired", "receiver_refused") */
    char metadata[OUTGOING_PAYMENT_METADATA_MAX + 1]; /* "" = none */
    uint64_t sent_amount;
    int64_t created_ms, updated_ms;
    char request_id[LOG_REQUEST_ID_MAX + 1]; /* of the call that created it; "" = none */
} outgoing_payment_t;

typedef struct {
    ledger_id_t wallet_address_id;
    ledger_id_t quote_id;
    ledger_id_t grant_id;         /* zero: none */
    const grant_limits_t *limits; /* with grant_id: checked and spent atomically; NULL: none */
    const char *metadata; /* serialized JSON object or NULL; <= OUTGOING_PAYMENT_METADATA_MAX */
    const char *client;   /* the Open Payments client creating it, or NULL (admin) */
} outgoing_payment_request_t;

typedef struct {
    quote_svc_t *quotes; /* ledger, db and directory; outlives the service */
    unsigned workers;    /* worker threads; 0: the default; started by outgoing_payments_start */
    uint32_t lease_ms;   /* how long a claim keeps other workers off a row */
    uint32_t retry_ms;   /* next try of a payment waiting for funds or after a storage error */
    uint32_t poll_ms;    /* idle workers look for due rows this often (other replicas' work) */
    uint32_t claim_max;  /* rows one worker claims at a time (1..OUTGOING_PAYMENT_CLAIM_MAX) */
    /* Hand payments created here straight to this process's workers: the row is born leased
     * (next_attempt_at = now + lease) and its id queued in memory, which spares the claim
     * transaction and the wake-up latency; a crash leaves the row to any worker once the
     * lease runs out, like any claimed row. false: every payment goes through the claim. */
    bool handoff;
    /* FUNDING_MODEL=rafiki: payments created now follow Rafiki's funding model (see
     * outgoing_payment_t.rafiki_funding); false: our ledger model, funded from the wallet. */
    bool rafiki_funding;
} outgoing_payments_config_t;

typedef struct outgoing_payments outgoing_payments_t;

/* The service without workers (tests drive it with outgoing_payments_run_due); never NULL. */
outgoing_payments_t *outgoing_payments_new(const outgoing_payments_config_t *cfg);
/* Starts cfg.workers threads; 0, or -1 when a thread cannot start. */
int outgoing_payments_start(outgoing_payments_t *op);
/* Stops the workers (each finishes its current payment) and frees. NULL: no-op. */
void outgoing_payments_free(outgoing_payments_t *op);

/*
 * Creates a payment of a quote in FUNDING and wakes a worker. Under a grant with limits, the
 * quote's debit and receive amounts are spent from the grant's current interval in the same
 * transaction as the row (grant_limits.h: concurrent creates, also on replicas, never pass a
 * limit); a FAILED or CANCELLED payment gives back what it did not send. Refusals change
 * nothing: WALLET_NOT_FOUND, WALLET_INACTIVE, QUOTE_NOT_FOUND, QUOTE_WRONG_WALLET,
 * QUOTE_EXPIRED, QUOTE_USED, GRANT_LIMIT_EXCEEDED, GRANT_INACTIVE, LIMITS_ASSET_MISMATCH,
 * STORAGE_ERROR. Fills *out on OK.
 */
outgoing_payment_result_t outgoing_payment_create(outgoing_payments_t *op,
                                                  const outgoing_payment_request_t *req,
                                                  outgoing_payment_t *out);
/* OK, NOT_FOUND or STORAGE_ERROR. */
outgoing_payment_result_t outgoing_payment_get(outgoing_payments_t *op, ledger_id_t id,
                                               outgoing_payment_t *out);
/* FUNDING -> CANCELLED (funds, if any moved, are settled by a worker). NOT_CANCELLABLE past
 * FUNDING, NOT_FOUND, STORAGE_ERROR; fills *out with the row as it now is (not on NOT_FOUND). */
outgoing_payment_result_t outgoing_payment_cancel(outgoing_payments_t *op, ledger_id_t id,
                                                  outgoing_payment_t *out);

/* Longest cancel reason (Rafiki's cancelOutgoingPayment input has no bound). */
#define OUTGOING_PAYMENT_REASON_MAX 512

/*
 * Rafiki's cancelOutgoingPayment(id, reason): outgoing_payment_cancel that also records reason
 * (NULL: none) as the metadata's "cancellationReason", in the same transaction. Results and
 * Rafiki's answers (GraphQL code, message):
 *   OK;
 *   NOT_FOUND        NOT_FOUND "unknown payment"  (OutgoingPaymentError.UnknownPayment)
 *   NOT_CANCELLABLE  CONFLICT "wrong state"       (OutgoingPaymentError.WrongState: not FUNDING)
 *   REASON_INVALID   (ours) reason longer than OUTGOING_PAYMENT_REASON_MAX, or the metadata
 *                    with it would pass OUTGOING_PAYMENT_METADATA_MAX; BAD_USER_INPUT fits
 *   STORAGE_ERROR    INTERNAL_SERVER_ERROR
 */
outgoing_payment_result_t outgoing_payment_cancel_reason(outgoing_payments_t *op, ledger_id_t id,
                                                         const char *reason,
                                                         outgoing_payment_t *out);

/* One worker pass: claims up to max due rows and runs each as far as it goes. Returns how many
 * it claimed. What the worker threads call; tests call it directly. */
size_t outgoing_payments_run_due(outgoing_payments_t *op, size_t max);

/* The payment as the admin API and webhooks show it, with amounts from its quote. A new
 * reference. */
json_t *outgoing_payment_json(const outgoing_payment_t *p, const quote_t *q);

/* The quote service the payments service was configured with. */
quote_svc_t *outgoing_payments_quotes(outgoing_payments_t *op);

/* The ledger id of step `step` (OUTGOING_PAYMENT_CODE_*) of payment id. */
ledger_id_t outgoing_payment_transfer_id(ledger_id_t payment, uint32_t step);

#endif
