/*
 * Admin API routes for Rafiki's funding model (payments/payment_liquidity.h), the liquidity a
 * wallet moves per payment when FUNDING_MODEL=rafiki:
 *
 *   POST /outgoing-payments/{id}/deposit      {amount?}  -> 200 {id, outgoing_payment_id,
 *        amount}: the payment's debit amount (amount, if given, must equal it) deposited;
 *        FUNDING -> SENDING
 *   POST /outgoing-payments/{id}/withdrawal   {timeout_seconds?}
 *   POST /incoming-payments/{id}/withdrawal   {timeout_seconds?}
 *        -> 201 {id, account_id, asset_id, amount, pending, timeout_seconds}: what the payment
 *        holds, to the asset's settlement account; with timeout_seconds it is pending until
 *        POST /withdrawals/{id}/post or /void (admin_ledger.c), else posted at once
 *   POST /webhook-events/{id}/deposit         -> 200 {success: true} (depositEventLiquidity)
 *   POST /webhook-events/{id}/withdrawal      -> 201 the withdrawal (withdrawEventLiquidity)
 *
 * Errors carry payment_liquidity_result_str as code: 404 not_found / unknown_event, 409
 * wrong_state / self_funded / transfer_exists, 400 invalid_amount, 422 amount_zero /
 * insufficient_balance, 503 storage_error.
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_PAYMENT_LIQUIDITY_H
#define RAFIKI_ADMIN_ADMIN_PAYMENT_LIQUIDITY_H

#include "admin/admin.h"
#include "payments/payment_liquidity.h"

/* Registers the routes above. op and wctx outlive the server. Returns 0 or -1. */
int admin_payment_liquidity_register(http_server_t *s, admin_ctx_t *ctx, outgoing_payments_t *op,
                                     const wallet_ctx_t *wctx);

#endif
