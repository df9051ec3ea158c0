/*
 * Rafiki's wallet_address.web_monetization events and the wallet address withdrawal: what a
 * wallet address received on its own receiver (SPSP / STREAM to the wallet address, Web
 * Monetization; not into an incoming payment) is announced to the wallet by events, and the
 * wallet takes the money out with createWalletAddressWithdrawal.
 *
 * Received is the wallet account's credits_posted (Rafiki's getTotalReceived);
 * wallet_addresses.total_events_amount (sql/064_wallet_address_events.sql) is what events have
 * announced. Rafiki marks a wallet address due (processAt) when its account is credited
 * (WalletAddress.onCredit): at once when its asset has a withdrawal threshold and what is not
 * announced reaches it, else, with WITHDRAWAL_THROTTLE_DELAY set and nothing due yet, that
 * delay later. With neither nothing is marked, so no event is ever sent, as in Rafiki. Our
 * connector credits the wallet account in its local STREAM delivery without telling this layer,
 * so the marking is a pass over the wallet addresses that applies the same rule to what each
 * has received and not announced (wa_events_mark_pass, run by the incoming payment worker, a
 * page a pass); it is a function of the rows and the ledger, so a crash or a replica loses no
 * mark. Processing (Rafiki's processNextWalletAddresses, wa_events_process) takes due wallet
 * addresses and, for each, in one transaction with the row locked: announces received minus
 * announced when positive (one event, data as Rafiki's WalletAddress.toData) and adds it to
 * total_events_amount, and clears process_at. No amount is announced twice (the event and the
 * new total commit together, against the locked total), none is lost (money that arrives while
 * a row is processed is still not announced after it, so the next mark pass marks it again).
 *
 * Only under FUNDING_MODEL=rafiki (ctx->rafiki_funding): there, as in Rafiki, nothing but
 * STREAM money credits a wallet account (incoming payments keep theirs, outgoing payments are
 * funded and emptied by the wallet's deposits and withdrawals), so its credits are what Rafiki's
 * getTotalReceived counts. Under FUNDING_MODEL=ledger the wallet account also receives the
 * sweeps of incoming payments, the refunds of outgoing payments and deposits, which are not Web
 * Monetization, so nothing is marked and no event is recorded; the money stays the wallet
 * address's balance, as always. (The REST admin API's account deposits, ours only, also count
 * as received under the rafiki model.)
 *
 * Threads: every function blocks on the database and the ledger: worker threads only, never
 * the ledger batcher or a connector callback.
 */
#ifndef RAFIKI_PAYMENTS_WALLET_ADDRESS_EVENTS_H
#define RAFIKI_PAYMENTS_WALLET_ADDRESS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "payments/wallet_address.h"

/* Wallet addresses one mark pass looks at, and one processing transaction takes. */
#define WA_EVENTS_BATCH 128
/* Most wallet addresses one wa_events_process call takes (triggerWalletAddressEvents' limit
 * is an Int; Rafiki takes any; the rest stays due for the next call or the worker). */
#define WA_EVENTS_PROCESS_MAX 10000

typedef enum {
    WA_EVENTS_OK = 0,
    WA_EVENTS_NOT_FOUND,            /* no such wallet address */
    WA_EVENTS_AMOUNT_ZERO,          /* withdrawal: the wallet address holds nothing */
    WA_EVENTS_INVALID_ID,           /* withdrawal: the transfer id is not a UUID */
    WA_EVENTS_TRANSFER_EXISTS,      /* withdrawal: the transfer id is taken */
    WA_EVENTS_INSUFFICIENT_BALANCE, /* withdrawal: the balance fell meanwhile */
    WA_EVENTS_STORAGE_ERROR,        /* database or ledger unavailable; retry */
    WA_EVENTS_RESULT_COUNT
} wa_events_result_t;

/* Stable snake_case name ("amount_zero"). */
const char *wa_events_result_str(wa_events_result_t r);

/*
 * One mark pass at now_ms: up to WA_EVENTS_BATCH wallet addresses after *cursor (zero: from
 * the start; it is advanced, and back to zero after the last page) whose asset has a withdrawal
 * threshold or, with ctx->withdrawal_throttle, all of them; each that has received more than it
 * announced is marked by Rafiki's rule (above). Nothing without ctx->rafiki_funding. *marked
 * (may be NULL): how many were marked. OK or STORAGE_ERROR.
 */
wa_events_result_t wa_events_mark_pass(const wallet_ctx_t *ctx, int64_t now_ms, ledger_id_t *cursor,
                                       size_t *marked, db_err_t *err);

/*
 * Rafiki's processNextWalletAddresses(limit): takes up to limit (at most WA_EVENTS_PROCESS_MAX)
 * wallet addresses due at now_ms, announces each one's unannounced amount (above) and clears
 * its mark. *count: how many were taken (Rafiki's triggerWalletAddressEvents count, those with
 * nothing to announce included). OK or STORAGE_ERROR (what committed before stays).
 */
wa_events_result_t wa_events_process(const wallet_ctx_t *ctx, int64_t now_ms, int64_t limit,
                                     size_t *count, db_err_t *err);

/*
 * Rafiki's createWalletAddressWithdrawal: withdraws the wallet address's whole balance (credits
 * posted less debits posted and pending) to its asset's settlement account under transfer_id
 * (NULL: the caller's id is not a UUID), posted at once for timeout_s 0, else pending that long
 * (then postLiquidityWithdrawal / voidLiquidityWithdrawal). *wa and *amount are filled on OK.
 * Checks in Rafiki's order:
 *   NOT_FOUND             NOT_FOUND "Unknown wallet address"
 *   AMOUNT_ZERO           FORBIDDEN "Transfer amount is zero"
 *   INVALID_ID            BAD_USER_INPUT "Invalid transfer id"
 *   TRANSFER_EXISTS       DUPLICATE "Transfer already exists"
 *   INSUFFICIENT_BALANCE  FORBIDDEN "Insufficient transfer balance"
 *   STORAGE_ERROR
 */
wa_events_result_t wa_events_withdraw(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                      const ledger_id_t *transfer_id, uint64_t timeout_s,
                                      wallet_address_t *wa, uint64_t *amount);

/*
 * Rafiki's deprecated withdrawEventLiquidity(eventId) for a wallet_address.web_monetization
 * event: withdraws the amount the event announced from its wallet address, posted at once, under
 * the event's id (Rafiki's event carries that withdrawal). *amount is filled on OK.
 *   NOT_FOUND             no such event, another type, or its wallet address is gone
 *   TRANSFER_EXISTS       withdrawn before
 *   INSUFFICIENT_BALANCE  the wallet address holds less now (withdrawn otherwise)
 *   STORAGE_ERROR
 */
wa_events_result_t wa_events_event_withdraw(const wallet_ctx_t *ctx, const char *event_id,
                                            uint64_t *amount);

#endif
