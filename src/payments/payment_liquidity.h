/*
 * Rafiki's funding model: the liquidity calls a wallet makes on payments when its own system
 * holds its users' balances and this instance holds only liquidity (FUNDING_MODEL=rafiki; the
 * model of each payment is fixed at its creation: outgoing_payment_t.rafiki_funding,
 * incoming_payment_t.rafiki_funding).
 *
 *   outgoing  created in FUNDING and parked there (no worker takes it) until the wallet, told by
 *             outgoing_payment.created, deposits exactly its debit amount
 *             (payment_liquidity_outgoing_deposit): settlement account -> the payment's
 *             outgoing account, and FUNDING -> SENDING, in one commit (a ledger guard). It then
 *             sends as any payment, except that, as in Rafiki's lifecycle, it fails
 *             ("quote_expired") at any attempt after its quote expired (a late deposit too); what
 * it did not send (the fee, rounding, a failure's rest) stays in its account until the wallet
 * withdraws it (payment_liquidity_outgoing_withdraw) once COMPLETED or FAILED; incoming  what it
 * receives stays in its invoice account once it ends (completed or expired) until the wallet
 * withdraws it (payment_liquidity_incoming_withdraw); both      a withdrawal is the payment's
 * account -> the asset's settlement account, code PAY_CODE_WITHDRAWAL, two-phase when a timeout is
 * given (then posted or voided by payment_liquidity_withdrawal_resolve, or the admin API's
 * /withdrawals/{id}/post and /void), else posted at once.
 *
 * Ids, as Rafiki's: the deposit's transfer id is the id of the payment's
 * outgoing_payment.created event, a withdrawal's the id of the payment's completed/expired
 * (incoming) or completed/failed (outgoing) event, so a wallet written for Rafiki posts the
 * withdrawal with the webhook's id. When that event type is not recorded
 * (WEBHOOK_EVENTS_DISABLED) the id derives from the payment's (outgoing_payment_transfer_id with
 * OUTGOING_PAYMENT_CODE_DEPOSIT / _WITHDRAWAL; for incoming payments a tag of its own). Either
 * way one payment has one deposit and one withdrawal id, so kill -9 at any point never funds a
 * payment twice nor loses a withdrawal: a deposit and its state change commit together, a
 * repeated deposit finds the payment SENDING (WRONG_STATE), a repeated withdrawal finds its
 * transfer (TRANSFER_EXISTS) and a withdrawal that committed is in the ledger.
 *
 * Rafiki's answers: each function's comment names the GraphQL error (extensions.code, message)
 * Rafiki gives for each result, from packages/backend/src/graphql/resolvers/liquidity.ts,
 * outgoing/errors.ts (OutgoingPaymentError, FundingError) and accounting/errors.ts
 * (TransferError). STORAGE_ERROR is INTERNAL_SERVER_ERROR everywhere.
 *
 * Threads: every function blocks on the database and on ledger commits: admin workers and
 * other threads that may block, never the ledger batcher.
 */
#ifndef RAFIKI_PAYMENTS_PAYMENT_LIQUIDITY_H
#define RAFIKI_PAYMENTS_PAYMENT_LIQUIDITY_H

#include <stdbool.h>
#include <stdint.h>

#include "payments/incoming_payment.h"
#include "payments/outgoing_payment.h"

/* Longest two-phase withdrawal timeout (Rafiki's timeoutSeconds has no bound; a day here). */
#define PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX 86400u

typedef enum {
    PAYMENT_LIQUIDITY_OK = 0,
    PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT,      /* no such payment */
    PAYMENT_LIQUIDITY_UNKNOWN_EVENT,        /* no such event, or not of a usable type */
    PAYMENT_LIQUIDITY_WRONG_STATE,          /* not in the state the call needs */
    PAYMENT_LIQUIDITY_SELF_FUNDED,          /* our ledger model: funds itself, sweeps itself */
    PAYMENT_LIQUIDITY_INVALID_AMOUNT,       /* a deposit of another amount than the debit */
    PAYMENT_LIQUIDITY_AMOUNT_ZERO,          /* nothing to withdraw (incoming: received 0) */
    PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE, /* nothing left to withdraw (outgoing), or less */
    PAYMENT_LIQUIDITY_TRANSFER_EXISTS,      /* the deposit or withdrawal was made before */
    PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER,     /* post/void: no such withdrawal */
    PAYMENT_LIQUIDITY_ALREADY_POSTED,       /* post/void: posted before (or single-phase) */
    PAYMENT_LIQUIDITY_ALREADY_VOIDED,       /* post/void: voided before */
    PAYMENT_LIQUIDITY_TRANSFER_EXPIRED,     /* post/void: its timeout passed (voided) */
    PAYMENT_LIQUIDITY_STORAGE_ERROR,        /* database or ledger unavailable; retry */
    PAYMENT_LIQUIDITY_RESULT_COUNT
} payment_liquidity_result_t;

/* Stable snake_case name, the REST API's error code ("wrong_state"). */
const char *payment_liquidity_result_str(payment_liquidity_result_t r);

/* A withdrawal as created. */
typedef struct {
    ledger_id_t id;         /* the transfer: post or void it by this id */
    ledger_id_t account_id; /* debited: the outgoing account or the invoice account */
    ledger_id_t asset_id;
    uint64_t amount;
    bool pending;       /* two-phase: waits for post or void (or its timeout: voided) */
    uint64_t timeout_s; /* pending: the timeout it was created with */
} payment_withdrawal_t;

/*
 * Rafiki's depositOutgoingPaymentLiquidity(outgoingPaymentId) (and the funding step of
 * depositEventLiquidity): deposits the payment's debit amount into its outgoing account and
 * moves it FUNDING -> SENDING (with outgoing_payment.funded) in one commit, then wakes a
 * worker. amount: NULL for the debit amount (what Rafiki's resolver passes, read from the
 * created event), else it must equal it. *transfer_out (may be NULL): the deposit's id.
 *   OK
 *   UNKNOWN_PAYMENT    NOT_FOUND "unknown payment"          (FundingError.UnknownPayment)
 *   WRONG_STATE        CONFLICT "wrong state"               (FundingError.WrongState): not
 *                      FUNDING, which is also what a second deposit answers
 *   SELF_FUNDED        (ours: a payment of the ledger model) answer as WRONG_STATE
 *   INVALID_AMOUNT     BAD_USER_INPUT "invalid amount"      (FundingError.InvalidAmount)
 *   TRANSFER_EXISTS    DUPLICATE "Transfer already exists"  (TransferError.TransferExists)
 *   STORAGE_ERROR
 * Rafiki answers BAD_USER_INPUT "Invalid transfer id" (LiquidityError.InvalidId) when the
 * payment has no created event; ours always has one, or derives the id (above).
 */
payment_liquidity_result_t payment_liquidity_outgoing_deposit(outgoing_payments_t *op,
                                                              ledger_id_t id,
                                                              const uint64_t *amount,
                                                              ledger_id_t *transfer_out);

/*
 * Rafiki's createOutgoingPaymentWithdrawal(outgoingPaymentId, timeoutSeconds): withdraws what
 * is left in a COMPLETED or FAILED payment's outgoing account (its available balance: the fee,
 * what was not sent). timeout_s 0: posted at once; else two-phase with that timeout
 * (1..PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX). *out filled on OK.
 *   OK
 *   UNKNOWN_PAYMENT        NOT_FOUND "Unknown outgoing payment" (LiquidityError.UnknownOutgoing-
 *                          Payment)
 *   WRONG_STATE            not COMPLETED or FAILED: Rafiki answers as UNKNOWN_PAYMENT (it finds
 *                          no completed/failed event)
 *   SELF_FUNDED            (ours) the settle step returned the rest to the wallet account:
 *                          answer as INSUFFICIENT_BALANCE
 *   INSUFFICIENT_BALANCE   FORBIDDEN "Insufficient transfer balance" (LiquidityError.Insuf-
 *                          ficientBalance): nothing left
 *   TRANSFER_EXISTS        DUPLICATE "Transfer already exists" (a second withdrawal)
 *   STORAGE_ERROR
 */
payment_liquidity_result_t payment_liquidity_outgoing_withdraw(outgoing_payments_t *op,
                                                               ledger_id_t id, uint64_t timeout_s,
                                                               payment_withdrawal_t *out);

/*
 * Rafiki's createIncomingPaymentWithdrawal(incomingPaymentId, timeoutSeconds): withdraws what
 * a completed or expired incoming payment received (a pending one that is due is ended first,
 * as incoming_payment_get does). timeout_s as above. *out filled on OK.
 *   OK
 *   UNKNOWN_PAYMENT      NOT_FOUND "Unknown incoming payment" (LiquidityError.UnknownIncoming-
 *                        Payment)
 *   WRONG_STATE          still pending: Rafiki answers as UNKNOWN_PAYMENT (no completed or
 *                        expired event)
 *   SELF_FUNDED          (ours) swept into the wallet account: answer as AMOUNT_ZERO
 *   AMOUNT_ZERO          BAD_USER_INPUT "Invalid transfer amount" (TransferError.InvalidAmount):
 *                        it received nothing
 *   INSUFFICIENT_BALANCE FORBIDDEN "Insufficient transfer balance"
 *   TRANSFER_EXISTS      DUPLICATE "Transfer already exists" (a second withdrawal)
 *   STORAGE_ERROR
 */
payment_liquidity_result_t payment_liquidity_incoming_withdraw(const wallet_ctx_t *ctx,
                                                               ledger_id_t id, uint64_t timeout_s,
                                                               payment_withdrawal_t *out);

/*
 * Rafiki's postLiquidityWithdrawal / voidLiquidityWithdrawal(withdrawalId) (post: true / false)
 * for any withdrawal: of a payment, an asset's or a peer's liquidity, an account's
 * (PAY_CODE_WITHDRAWAL transfers).
 *   OK
 *   UNKNOWN_TRANSFER   NOT_FOUND "Unknown transfer"        (TransferError.UnknownTransfer); also
 *                      a transfer that is not a withdrawal
 *   ALREADY_POSTED     CONFLICT "Transfer already posted"  (also a single-phase withdrawal)
 *   ALREADY_VOIDED     CONFLICT "Transfer already voided"
 *   TRANSFER_EXPIRED   FORBIDDEN "Transfer already expired"
 *   STORAGE_ERROR
 */
payment_liquidity_result_t payment_liquidity_withdrawal_resolve(ledger_t *l, ledger_id_t id,
                                                                bool post);

/*
 * Rafiki's OutgoingPayment.liquidity / IncomingPayment.liquidity: the available balance of the
 * payment's account (credits posted less debits posted and pending; an incoming payment's is
 * its invoice account). OK and *out; UNKNOWN_PAYMENT (Rafiki: NOT_FOUND "Unknown outgoing
 * payment" / "Unknown incoming payment"); STORAGE_ERROR.
 */
payment_liquidity_result_t payment_liquidity_outgoing_balance(outgoing_payments_t *op,
                                                              ledger_id_t id, uint64_t *out);
payment_liquidity_result_t payment_liquidity_incoming_balance(const wallet_ctx_t *ctx,
                                                              ledger_id_t id, uint64_t *out);

/*
 * Rafiki's deprecated depositEventLiquidity(eventId): the event must be an
 * outgoing_payment.created; its payment is funded as by payment_liquidity_outgoing_deposit.
 *   UNKNOWN_EVENT      BAD_USER_INPUT "Invalid transfer id" (LiquidityError.InvalidId): no such
 *                      event, or of another type
 *   the other results as payment_liquidity_outgoing_deposit.
 */
payment_liquidity_result_t payment_liquidity_event_deposit(outgoing_payments_t *op,
                                                           const char *event_id);

/*
 * Rafiki's deprecated withdrawEventLiquidity(eventId): the event must be one that carries a
 * withdrawal in Rafiki (incoming_payment.completed / .expired, outgoing_payment.completed /
 * .failed, wallet_address.web_monetization); its payment's rest is withdrawn as by the functions
 * above, or the amount a web monetization event announced from its wallet address
 * (wa_events_event_withdraw), posted at once (Rafiki passes no timeout). *out filled on OK (for
 * a web monetization event, its id and amount only).
 *   UNKNOWN_EVENT      BAD_USER_INPUT "Invalid transfer id" (LiquidityError.InvalidId): no such
 *                      event, another type; Rafiki's event has no withdrawal when the payment
 *                      holds nothing, so answer AMOUNT_ZERO, INSUFFICIENT_BALANCE, SELF_FUNDED
 *                      and WRONG_STATE the same way
 *   TRANSFER_EXISTS    DUPLICATE "Transfer already exists"
 *   STORAGE_ERROR
 */
payment_liquidity_result_t payment_liquidity_event_withdraw(outgoing_payments_t *op,
                                                            const wallet_ctx_t *ctx,
                                                            const char *event_id,
                                                            payment_withdrawal_t *out);

#endif
