/*
 * Liquidity moves between an account and its asset's settlement account, with the outcomes of
 * Rafiki's accounting service (createDeposit, createWithdrawal):
 * a deposit is posted at once; a withdrawal with a timeout is held (pending) until posted or
 * voided, or until it expires; a withdrawal without one is posted at once. Transfer ids are
 * the caller's (Rafiki's clients choose them), and an id used before is TRANSFER_EXISTS even
 * for the same move, as in Rafiki.
 *
 * Threads: every call blocks on the ledger (a committed batch); worker threads only.
 */
#ifndef RAFIKI_PAYMENTS_SETTLEMENT_H
#define RAFIKI_PAYMENTS_SETTLEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger.h"
#include "payments/wallet_address.h"
#include "store/db.h"

/* Rafiki's TransferError values these moves can end with. */
typedef enum {
    PAY_MOVE_OK = 0,
    PAY_MOVE_INVALID_AMOUNT,       /* 0 */
    PAY_MOVE_TRANSFER_EXISTS,      /* the id is taken */
    PAY_MOVE_INSUFFICIENT_BALANCE, /* the debited account would fall below its minimum */
    PAY_MOVE_UNKNOWN_ACCOUNT,      /* the account or its asset does not exist */
    PAY_MOVE_ERROR,                /* the ledger failed */
    PAY_MOVE_RESULT_COUNT
} pay_move_result_t;

const char *pay_move_result_str(pay_move_result_t r);

/* Settlement -> account, posted. */
pay_move_result_t pay_deposit(ledger_t *l, ledger_id_t account, ledger_id_t transfer_id,
                              uint64_t amount);
/* Account -> settlement: pending for timeout_s seconds when timeout_s > 0, else posted. */
pay_move_result_t pay_withdraw(ledger_t *l, ledger_id_t account, ledger_id_t transfer_id,
                               uint64_t amount, uint64_t timeout_s);
/* Withdrawals are posted or voided by payment_liquidity_withdrawal_resolve
 * (payment_liquidity.h), whatever they withdraw from. */

/* Most transfers pay_account_transfers returns; and the most history rows it reads to find
 * them (voided and expired ones are skipped). */
#define PAY_ACCOUNT_TRANSFERS_MAX 100
#define PAY_ACCOUNT_HISTORY_SCAN  2000

/*
 * Rafiki's getAccountTransfers: the transfers of the account id names (a ledger account, the
 * liquidity account of an asset, a peer's account, and with wallet (may be NULL) a wallet
 * address's or an incoming payment's account) that are posted, or pending and not
 * expired, newest first, at most limit (<= PAY_ACCOUNT_TRANSFERS_MAX) in all, split into
 * debits and credits (arrays of limit). *account is the account read; an id that names nothing
 * gives no transfers. LEDGER_OK or LEDGER_STORAGE_ERROR.
 */
ledger_result_t pay_account_transfers(db_t *db, ledger_t *l, const wallet_ctx_t *wallet,
                                      ledger_id_t id, size_t limit, ledger_transfer_t *debits,
                                      size_t *n_debits, ledger_transfer_t *credits,
                                      size_t *n_credits, ledger_account_t *account);

#endif
