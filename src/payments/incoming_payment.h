/*
 * Incoming payments: a request to be paid into a wallet address, optionally of a fixed amount,
 * until it expires.
 *
 * Money: each incoming payment has its own ledger account of kind invoice, a sub-account of the
 * wallet account, STREAM-enabled so the connector's local STREAM delivery credits it (the
 * credentials' payment tag is the invoice account's id). What was received is that account's
 * credits_posted, read from the ledger, never counted per packet here. With an incoming amount
 * the account's max_balance is that amount, so the ledger itself refuses overpayment (the
 * sender sees T04 and stops at the amount).
 *
 * States (stored; "processing" is pending with something received):
 *
 *     pending --(received == incoming_amount | complete request)--> completed
 *     pending --(expires_at passed)--> expired
 *
 * Ending one takes three steps, each safe to repeat: the invoice account is closed (max_balance
 * 0, STREAM off: what it holds is now final), the row's state changes in one database
 * transaction with its webhook event (incoming_payment.completed or .expired, carrying that
 * final received amount), then the settlement moves the balance to the wallet account in one
 * transfer whose id derives from the payment's, and records it (settled). Under Rafiki's funding
 * model (rafiki_funding) the balance stays in the invoice account and the wallet withdraws it
 * (payment_liquidity_incoming_withdraw); settled then only records the ending as done. The worker
 * (incoming_payment_worker_run) finishes rows whose settlement a crash interrupted, expires
 * payments that are due and completes those whose amount has been received. A crash after the
 * close but before the state change leaves a pending payment that takes no more money; it ends
 * at the next complete request or at its expiry. incoming_payment.created is recorded in the
 * transaction that inserts the row. The worker ends a page of payments at a time
 * (incoming_payments_end): each step is then one write for the whole page.
 *
 * Replicas: every state change is a conditional UPDATE (WHERE state = pending), so two
 * processes racing on one payment change it once; settlement is idempotent.
 *
 * Threads: every function may be called from any thread except the ledger batcher and
 * connector callbacks; each takes its own database connection and may block on the database
 * and on ledger commits.
 */
#ifndef RAFIKI_PAYMENTS_INCOMING_PAYMENT_H
#define RAFIKI_PAYMENTS_INCOMING_PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payments/wallet_address.h"
#include "ledger/ledger.h"
#include "store/db.h"
#include "stream/receiver.h"

/* Default and largest INCOMING_PAYMENT_EXPIRY_MAX_MS: 30 days, Rafiki's default. */
#define INCOMING_PAYMENT_EXPIRY_MAX_MS_DEFAULT (30ull * 24 * 60 * 60 * 1000)
/* metadata is a JSON object of at most this many bytes once serialised (it is echoed in every
 * answer and webhook; Rafiki puts no bound, a wallet's own fields fit easily). */
#define INCOMING_PAYMENT_METADATA_MAX 4096
/* Longest cancellationReason kept; a longer one is cut at a UTF-8 character boundary (Rafiki
 * puts no bound; it is a short note from the wallet, echoed in every answer). */
#define INCOMING_PAYMENT_REASON_MAX 1024
/* Creates waiting for their approval at once in a process (each holds its thread for up to
 * INCOMING_PAYMENT_CREATED_POLL_TIMEOUT_MS); a create beyond it answers ACTION_NOT_PERFORMED. */
#define INCOMING_PAYMENT_APPROVAL_WAITERS_MAX 32
/* How many payments the worker handles per pass of each kind (expire, check, settle). */
#define INCOMING_PAYMENT_WORKER_BATCH 256

typedef enum {
    INCOMING_PAYMENT_PENDING = 1,
    INCOMING_PAYMENT_COMPLETED = 2,
    INCOMING_PAYMENT_EXPIRED = 3,
} incoming_payment_state_t;

/* "pending", "processing" (pending with received > 0), "completed", "expired". */
const char *incoming_payment_state_str(incoming_payment_state_t s, uint64_t received);

typedef enum {
    INCOMING_PAYMENT_OK = 0,
    INCOMING_PAYMENT_NOT_FOUND,
    INCOMING_PAYMENT_WALLET_ADDRESS_NOT_FOUND,
    INCOMING_PAYMENT_WALLET_ADDRESS_INACTIVE,
    INCOMING_PAYMENT_EXPIRY_INVALID,   /* expires_at in the past or beyond the maximum */
    INCOMING_PAYMENT_AMOUNT_INVALID,   /* zero, or above INT64_MAX (ledger max_balance) */
    INCOMING_PAYMENT_METADATA_INVALID, /* too large */
    INCOMING_PAYMENT_ALREADY_COMPLETED,
    INCOMING_PAYMENT_ALREADY_EXPIRED,
    INCOMING_PAYMENT_STORAGE_ERROR,
    INCOMING_PAYMENT_WRONG_STATE,          /* approve/cancel: not pending, or received money */
    INCOMING_PAYMENT_ALREADY_ACTIONED,     /* approve of a cancelled one, cancel of an approved */
    INCOMING_PAYMENT_ACTION_NOT_PERFORMED, /* the wait for an approval: cancelled, or timed out */
    INCOMING_PAYMENT_RESULT_COUNT
} incoming_payment_result_t;

/* Stable snake_case name ("already_completed"). */
const char *incoming_payment_result_str(incoming_payment_result_t r);

typedef struct {
    ledger_id_t id;
    ledger_id_t wallet_address_id;
    ledger_id_t account_id; /* the invoice account */
    ledger_id_t asset_id;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
    bool has_incoming_amount;
    uint64_t incoming_amount;
    uint64_t received_amount; /* the invoice account's credits_posted, read with the row */
    incoming_payment_state_t state;
    bool settled; /* the ending's ledger work is done */
    /* Rafiki's funding model (FUNDING_MODEL=rafiki, wallet_ctx_t): what it received stays in
     * its invoice account when it ends, for the wallet to withdraw (payment_liquidity.h); the
     * settlement moves nothing. Fixed at creation. */
    bool rafiki_funding;
    int64_t expires_ms; /* always set */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t completed_ms;                             /* completed or expired at; 0 while pending */
    char metadata[INCOMING_PAYMENT_METADATA_MAX + 1]; /* JSON text, "" = none */
    /* Rafiki's approval (incoming_payment_approve/_cancel): when the wallet approved or
     * cancelled it, 0 while it has done neither; at most one is set. */
    int64_t approved_ms;
    int64_t cancelled_ms;
    char cancellation_reason[INCOMING_PAYMENT_REASON_MAX + 1]; /* "" = none given */
} incoming_payment_t;

/* What a create asks for. */
typedef struct {
    ledger_id_t wallet_address_id;
    bool has_incoming_amount;
    uint64_t incoming_amount; /* in the wallet address's asset */
    int64_t expires_ms;       /* 0: now + INCOMING_PAYMENT_EXPIRY_MAX_MS */
    const char *metadata;     /* JSON object text or NULL */
    const char *client;       /* the Open Payments client creating it, or NULL (admin) */
} incoming_payment_new_t;

/*
 * Creates an incoming payment and its invoice account. Results: OK, WALLET_ADDRESS_NOT_FOUND,
 * WALLET_ADDRESS_INACTIVE, EXPIRY_INVALID, AMOUNT_INVALID, METADATA_INVALID, STORAGE_ERROR.
 */
incoming_payment_result_t incoming_payment_create(const wallet_ctx_t *ctx,
                                                  const incoming_payment_new_t *in,
                                                  incoming_payment_t *out, db_err_t *err);

/*
 * Reads one, with received_amount from the ledger. A pending payment that has received its
 * incoming amount or whose expiry has passed is ended first (as the worker would), so a reader
 * never sees a stale pending, and an ended one not settled yet is settled first, so the
 * received amount of a completed payment is in its wallet account when the answer says so.
 * OK, NOT_FOUND, STORAGE_ERROR.
 */
incoming_payment_result_t incoming_payment_get(const wallet_ctx_t *ctx, ledger_id_t id,
                                               incoming_payment_t *out, db_err_t *err);
/* The same by URL: {op_url}/incoming-payments/{id} for the operator's (also under
 * /{operatorTenantId}), {op_url}/{tenantId}/incoming-payments/{id} for a tenant's (op_urls.h);
 * any other URL, another tenant's prefix included, is NOT_FOUND. */
incoming_payment_result_t incoming_payment_get_by_url(const wallet_ctx_t *ctx, const char *url,
                                                      size_t len, incoming_payment_t *out,
                                                      db_err_t *err);
/* Writes the payment's URL into out: {op_url}/incoming-payments/{id}, or
 * {op_url}/{tenantId}/incoming-payments/{id} for a tenant's; 0, or -1 when it does not fit or
 * the owner look-up failed. */
int incoming_payment_url(const wallet_ctx_t *ctx, ledger_id_t id, char *out, size_t cap);

/*
 * Completes a pending payment now (what POST /incoming-payments/{id}/complete does, and what an
 * outgoing payment to a local receiver calls after crediting it). *out (may be NULL) is the row
 * after. OK, NOT_FOUND, ALREADY_COMPLETED, ALREADY_EXPIRED, STORAGE_ERROR.
 */
incoming_payment_result_t incoming_payment_complete(const wallet_ctx_t *ctx, ledger_id_t id,
                                                    incoming_payment_t *out, db_err_t *err);

/*
 * Records incoming_payment.partial_payment_received for pending payment id when its invoice
 * account has received `received`, more than the last such event reported and, with an incoming
 * amount, less than it (the paid-in-full case completes instead). The row's reported_received
 * moves to `received` in the same transaction as the event, with a conditional UPDATE, so one
 * increase is reported once across passes and replicas. Rafiki fires the event from its STREAM
 * server on a partial receipt; ours comes from the worker that already reads received amounts,
 * off the packet path, so several packets between two passes make one event. The event carries
 * the received amount so far. *recorded (may be NULL): whether this call recorded it. OK
 * (also when there was nothing to report), STORAGE_ERROR.
 */
incoming_payment_result_t incoming_payment_partial_report(const wallet_ctx_t *ctx, ledger_id_t id,
                                                          uint64_t received, bool *recorded,
                                                          db_err_t *err);

/*
 * Records incoming_payment.partial_payment_received for the incoming payment whose invoice
 * account is account_id, as Rafiki's processPartialPayment does for a packet that carries data
 * (partial_decision.h): the payment's data with receivedAmount 0 (Rafiki's toData(0n)),
 * partialIncomingPaymentId = partial_id and dataFromSender = data (data_len bytes of valid
 * UTF-8). *id receives the payment's id. OK, NOT_FOUND (no incoming payment has that account),
 * STORAGE_ERROR.
 */
incoming_payment_result_t incoming_payment_partial_event(const wallet_ctx_t *ctx,
                                                         ledger_id_t account_id,
                                                         const char *partial_id, const char *data,
                                                         size_t data_len, ledger_id_t *id,
                                                         db_err_t *err);

/* One payment for incoming_payments_end: its id and the state a pending one moves to
 * (COMPLETED or EXPIRED); result as incoming_payment_complete answers. */
typedef struct {
    ledger_id_t id;
    incoming_payment_state_t to;
    incoming_payment_result_t result;
} incoming_payment_end_t;

/*
 * Ends the pending ones of n payments and settles every one not yet settled, together: one
 * account update closing their invoice accounts, one transaction for the state changes and
 * their events, one ledger submission for the sweeps and one transaction recording them, however
 * many there are (the worker's page). A failure there fails the payments of that step only as
 * STORAGE_ERROR; they are picked up again later.
 */
void incoming_payments_end(const wallet_ctx_t *ctx, incoming_payment_end_t *ends, size_t n,
                           db_err_t *err);

/* STREAM credentials for paying it ({type: ilp} method): a fresh address whose payment tag is
 * the invoice account. 0, or -1 when ctx has no receiver or the payment is not pending. */
int incoming_payment_credentials(const wallet_ctx_t *ctx, const incoming_payment_t *p,
                                 stream_credentials_t *out);

/*
 * One pass of the worker at wall time now_ms: expires due pending payments and settles ended
 * ones not yet settled (one page of INCOMING_PAYMENT_WORKER_BATCH each), and completes pending
 * ones whose incoming amount has arrived. With amounts_cursor that check covers one page from
 * the cursor and moves it on (wrapping to the start), so a pass costs the same however many
 * payments are open; NULL checks every open payment. *changed (may be NULL) receives how many
 * rows it changed. OK or STORAGE_ERROR (the pass stops; the next one retries).
 */
incoming_payment_result_t incoming_payment_worker_run(const wallet_ctx_t *ctx, int64_t now_ms,
                                                      ledger_id_t *amounts_cursor, size_t *changed,
                                                      db_err_t *err);

/* Replaces the metadata of payment id (a JSON object's text, or NULL: none), in any state (Rafiki's
 * updateIncomingPayment); *out is the row after. OK, NOT_FOUND, METADATA_INVALID (too large),
 * STORAGE_ERROR. (incoming_payment_meta.c) */
incoming_payment_result_t incoming_payment_set_metadata(const wallet_ctx_t *ctx, ledger_id_t id,
                                                        const char *metadata,
                                                        incoming_payment_t *out, db_err_t *err);

/* Longest senderWalletAddress kept (a wallet address URL). */
#define INCOMING_PAYMENT_SENDER_MAX 1024

/* Records the sender's wallet address of payment id (Rafiki's senderWalletAddress; len <=
 * INCOMING_PAYMENT_SENDER_MAX, else METADATA_INVALID). OK, NOT_FOUND, STORAGE_ERROR.
 * (incoming_payment_meta.c) */
incoming_payment_result_t incoming_payment_set_sender(const wallet_ctx_t *ctx, ledger_id_t id,
                                                      const char *sender, db_err_t *err);
/* The sender's wallet address of payment id into out (cap bytes, cut when longer): "" when none
 * was given or the payment does not exist. OK or STORAGE_ERROR. */
incoming_payment_result_t incoming_payment_sender(const wallet_ctx_t *ctx, ledger_id_t id,
                                                  char *out, size_t cap, db_err_t *err);

/*
 * Rafiki's approval (incoming_payment_approval.c). A wallet approves or cancels a pending
 * payment that has received nothing yet, once: approving an approved one (cancelling a
 * cancelled one) changes nothing and answers it again. Approval changes nothing about paying
 * it, as in Rafiki, whose connector does not look at it: its use is the create's wait below.
 * *out (may be NULL) is the row after. OK, NOT_FOUND, WRONG_STATE (completed, expired, or
 * money received: Rafiki's PROCESSING), ALREADY_ACTIONED (approving a cancelled one,
 * cancelling an approved one), STORAGE_ERROR. reason may be NULL (none).
 */
incoming_payment_result_t incoming_payment_approve(const wallet_ctx_t *ctx, ledger_id_t id,
                                                   incoming_payment_t *out, db_err_t *err);
incoming_payment_result_t incoming_payment_cancel(const wallet_ctx_t *ctx, ledger_id_t id,
                                                  const char *reason, incoming_payment_t *out,
                                                  db_err_t *err);

/*
 * After a create, with ctx->approval_poll (POLL_INCOMING_PAYMENT_CREATED_WEBHOOK), waits as
 * Rafiki's create does for the wallet, told by incoming_payment.created, to approve or cancel
 * payment id: reads it every approval_poll_frequency_ms until approval_poll_timeout_ms has
 * passed. OK with *out the approved row (also at once when polling is off: *out is left as
 * it is), ACTION_NOT_PERFORMED (cancelled, no answer in time, or too many waiting:
 * INCOMING_PAYMENT_APPROVAL_WAITERS_MAX), STORAGE_ERROR. Blocks the calling thread.
 */
incoming_payment_result_t incoming_payment_await_approval(const wallet_ctx_t *ctx, ledger_id_t id,
                                                          incoming_payment_t *out, db_err_t *err);

/* A background thread running incoming_payment_worker_run every interval_ms. */
typedef struct incoming_payment_worker incoming_payment_worker_t;
/* Starts it; NULL when the thread cannot start. ctx outlives the worker. */
incoming_payment_worker_t *incoming_payment_worker_start(const wallet_ctx_t *ctx,
                                                         uint32_t interval_ms);
/* Stops (waits for the pass in progress) and frees. NULL is a no-op. */
void incoming_payment_worker_stop(incoming_payment_worker_t *w);

#endif
