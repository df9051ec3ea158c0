/*
 * Admin API routes for quotes and outgoing payments (outgoing_payment_routes.c):
 *
 *   POST /quotes {wallet_address_id, receiver, debit_amount? | receive_amount?}
 *        amounts are {value: "u64 decimal", asset_code, asset_scale}
 *        -> 201 {id, wallet_address_id, receiver, debit_amount, receive_amount, fee,
 *                min_delivered, expires_at, created_at}
 *   GET  /quotes/{id}
 *   POST /outgoing-payments {wallet_address_id, quote_id, metadata?, grant_id?}
 *        -> 201 {id, wallet_address_id, quote_id, state, receiver, debit_amount,
 *                receive_amount, sent_amount, metadata, grant_id, error, created_at, updated_at}
 *   GET  /outgoing-payments/{id}
 *   POST /outgoing-payments/{id}/cancel {reason?}  FUNDING -> CANCELLED, else 409; reason is
 *        recorded as metadata.cancellationReason (Rafiki's cancelOutgoingPayment)
 *
 * Errors carry the module's result names as codes (quote_result_str,
 * outgoing_payment_result_str): 400 for malformed input, 404 for an unknown id in the path,
 * 409 for a state conflict (quote_already_used, outgoing_payment_not_cancellable), 422 for
 * other refusals (quote_expired, asset_mismatch...), 503 for storage failures.
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and may block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_OUTGOING_H
#define RAFIKI_ADMIN_ADMIN_OUTGOING_H

#include "admin/admin.h"
#include "payments/outgoing_payment.h"

/* Registers the routes above on the admin listener. op (with its quote service) is the
 * process's one payments service and outlives the server. Returns 0 or -1. */
int admin_outgoing_register(http_server_t *s, admin_ctx_t *ctx, outgoing_payments_t *op);

#endif
