/*
 * Deposits and withdrawals against the settlement account (see settlement.h).
 */
#include "payments/settlement.h"

#include <string.h>

#include "base/clock.h"
#include "connector/peers.h"
#include "payments/incoming_payment.h"
#include "payments/json.h"

const char *pay_move_result_str(pay_move_result_t r)
{
    static const char *const names[PAY_MOVE_RESULT_COUNT] = {
        "ok",   "invalid_amount", "transfer_exists", "insufficient_balance", "unknown_account",
        "error"};
    return (unsigned)r < PAY_MOVE_RESULT_COUNT ? names[r] : "unknown";
}

static pay_move_result_t from_ledger(ledger_result_t r)
{
    switch (r) {
    case LEDGER_OK:
        return PAY_MOVE_OK;
    case LEDGER_AMOUNT_MUST_NOT_BE_ZERO:
        return PAY_MOVE_INVALID_AMOUNT;
    case LEDGER_EXCEEDS_CREDITS:
    case LEDGER_EXCEEDS_DEBITS:
        return PAY_MOVE_INSUFFICIENT_BALANCE;
    case LEDGER_DEBIT_ACCOUNT_NOT_FOUND:
    case LEDGER_CREDIT_ACCOUNT_NOT_FOUND:
    case LEDGER_ACCOUNT_NOT_FOUND:
    case LEDGER_ASSET_NOT_FOUND:
        return PAY_MOVE_UNKNOWN_ACCOUNT;
    default:
        /* every "exists" result: the id is taken (Rafiki does not compare bodies) */
        if (r >= LEDGER_EXISTS && r <= LEDGER_EXISTS_WITH_DIFFERENT_CODE)
            return PAY_MOVE_TRANSFER_EXISTS;
        return PAY_MOVE_ERROR;
    }
}

static pay_move_result_t move(ledger_t *l, ledger_id_t account, ledger_id_t transfer_id,
                              uint64_t amount, bool deposit, uint64_t timeout_s)
{
    if (amount == 0)
        return PAY_MOVE_INVALID_AMOUNT;
    if (timeout_s > UINT64_MAX / 1000)
        return PAY_MOVE_ERROR;
    ledger_account_t a;
    ledger_asset_t asset;
    ledger_result_t r = ledger_account_get(l, account, &a);
    if (r == LEDGER_OK)
        r = ledger_asset_get(l, a.asset_id, &asset);
    if (r != LEDGER_OK)
        return from_ledger(r);
    ledger_transfer_t existing;
    r = ledger_transfer_get(l, transfer_id, &existing);
    if (r == LEDGER_OK)
        return PAY_MOVE_TRANSFER_EXISTS;
    if (r != LEDGER_TRANSFER_NOT_FOUND)
        return PAY_MOVE_ERROR;
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = transfer_id,
                      .debit_account_id = deposit ? asset.settlement_account_id : account,
                      .credit_account_id = deposit ? account : asset.settlement_account_id,
                      .amount = amount,
                      .flags = timeout_s ? LEDGER_F_PENDING : 0,
                      .timeout_ms = timeout_s * 1000,
                      .code = deposit ? PAY_CODE_DEPOSIT : PAY_CODE_WITHDRAWAL};
    ledger_result_t res = LEDGER_RESULT_COUNT;
    r = ledger_transfers_execute(l, &op, 1, &res);
    return from_ledger(r == LEDGER_OK ? res : r);
}

pay_move_result_t pay_deposit(ledger_t *l, ledger_id_t account, ledger_id_t transfer_id,
                              uint64_t amount)
{
    return move(l, account, transfer_id, amount, true, 0);
}

pay_move_result_t pay_withdraw(ledger_t *l, ledger_id_t account, ledger_id_t transfer_id,
                               uint64_t amount, uint64_t timeout_s)
{
    return move(l, account, transfer_id, amount, false, timeout_s);
}

/* The account of a wallet address or an incoming payment with id: LEDGER_OK and *acct,
 * LEDGER_ACCOUNT_NOT_FOUND, LEDGER_STORAGE_ERROR. */
static ledger_result_t payment_account(const wallet_ctx_t *w, ledger_id_t id, ledger_id_t *acct)
{
    db_err_t err = {0};
    wallet_address_t wa;
    wallet_address_result_t wr = wallet_address_get(w, id, &wa, &err);
    if (wr == WALLET_ADDRESS_OK) {
        *acct = wa.account_id;
        return LEDGER_OK;
    }
    if (wr != WALLET_ADDRESS_NOT_FOUND)
        return LEDGER_STORAGE_ERROR;
    incoming_payment_t ip;
    incoming_payment_result_t ir = incoming_payment_get(w, id, &ip, &err);
    if (ir == INCOMING_PAYMENT_OK) {
        *acct = ip.account_id;
        return LEDGER_OK;
    }
    return ir == INCOMING_PAYMENT_NOT_FOUND ? LEDGER_ACCOUNT_NOT_FOUND : LEDGER_STORAGE_ERROR;
}

/* The account id names: itself, an asset's liquidity account, a peer's account, a wallet
 * address's or an incoming payment's. */
static ledger_result_t account_of(db_t *db, ledger_t *l, const wallet_ctx_t *w, ledger_id_t id,
                                  ledger_account_t *out)
{
    ledger_result_t r = ledger_account_get(l, id, out);
    if (r != LEDGER_ACCOUNT_NOT_FOUND)
        return r;
    ledger_asset_t a;
    r = ledger_asset_get(l, id, &a);
    if (r == LEDGER_OK)
        return ledger_account_get(l, a.liquidity_account_id, out);
    if (r != LEDGER_ASSET_NOT_FOUND)
        return r;
    peer_t *p;
    ledger_id_t acct;
    peers_result_t pr = peers_db_get(db, id, &p);
    if (pr == PEERS_OK) {
        acct = p->account_id;
        peer_release(p);
        return ledger_account_get(l, acct, out);
    }
    if (pr != PEERS_NOT_FOUND)
        return LEDGER_STORAGE_ERROR;
    if (!w)
        return LEDGER_ACCOUNT_NOT_FOUND;
    r = payment_account(w, id, &acct);
    return r == LEDGER_OK ? ledger_account_get(l, acct, out) : r;
}

/* Rafiki leaves out voided transfers and pending ones past their expiry. */
static bool live(const ledger_transfer_t *t, int64_t now_ms)
{
    if (t->state == LEDGER_STATE_POSTED)
        return true;
    return t->state == LEDGER_STATE_PENDING && (t->expires_ms == 0 || t->expires_ms > now_ms);
}

ledger_result_t pay_account_transfers(db_t *db, ledger_t *l, const wallet_ctx_t *wallet,
                                      ledger_id_t id, size_t limit, ledger_transfer_t *debits,
                                      size_t *n_debits, ledger_transfer_t *credits,
                                      size_t *n_credits, ledger_account_t *account)
{
    *n_debits = *n_credits = 0;
    ledger_result_t r = account_of(db, l, wallet, id, account);
    if (r == LEDGER_ACCOUNT_NOT_FOUND)
        return LEDGER_OK;
    if (r != LEDGER_OK)
        return r;
    if (limit > PAY_ACCOUNT_TRANSFERS_MAX)
        limit = PAY_ACCOUNT_TRANSFERS_MAX;
    char cursor[LEDGER_CURSOR_LEN] = "", next[LEDGER_CURSOR_LEN];
    ledger_transfer_t page[100];
    int64_t now = clock_wall_ms();
    for (size_t scanned = 0; scanned < PAY_ACCOUNT_HISTORY_SCAN;) {
        size_t n = 0;
        r = ledger_account_transfers(l, account->id, cursor, page, 100, &n, next);
        if (r != LEDGER_OK)
            return r;
        for (size_t i = 0; i < n && *n_debits + *n_credits < limit; i++) {
            if (!live(&page[i], now))
                continue;
            bool debit = memcmp(&page[i].debit_account_id, &account->id, sizeof account->id) == 0;
            if (debit)
                debits[(*n_debits)++] = page[i];
            else
                credits[(*n_credits)++] = page[i];
        }
        scanned += n;
        if (!next[0] || *n_debits + *n_credits >= limit)
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    return LEDGER_OK;
}
