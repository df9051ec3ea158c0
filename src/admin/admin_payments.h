/*
 * Admin API routes of the payments resources (docs/admin-openapi.yaml): wallet addresses and
 * their keys (wallet_address_admin.c), incoming payments (incoming_payment_admin.c), and the
 * amount helpers those routes and the quote and outgoing payment routes share.
 *
 * Amounts in these routes are {"value": "decimal string", "asset_code", "asset_scale"}: the
 * value is a canonical u64 decimal string, and the asset must be the wallet address's own.
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and may block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_PAYMENTS_H
#define RAFIKI_ADMIN_ADMIN_PAYMENTS_H

#include "admin/admin.h"
#include "payments/wallet_address.h"

/* Registers POST/GET /wallet-addresses, GET/PATCH /wallet-addresses/{id},
 * GET/POST /wallet-addresses/{id}/keys and DELETE /wallet-addresses/{id}/keys/{kid}.
 * wctx outlives the server. 0, or -1 when a registration fails. */
int admin_wallet_addresses_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *wctx);
/* Registers POST /incoming-payments, GET /incoming-payments/{id} and
 * POST /incoming-payments/{id}/complete. */
int admin_incoming_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *wctx);

/*
 * Reads the optional amount object body[key] in the asset (asset_code, asset_scale). Absent
 * or null: *present = false. Answers and returns -1 on 400 invalid_field (not an object, extra
 * keys), 400 invalid_amount (value not a positive canonical u64 string: negative, zero,
 * overflowing) or 422 asset_mismatch (another asset than the wallet address's).
 */
int pay_amount_opt(admin_call_t *call, const json_t *body, const char *key, const char *asset_code,
                   uint8_t asset_scale, uint64_t *out, bool *present);

#endif
