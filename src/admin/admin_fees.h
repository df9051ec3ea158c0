/*
 * Admin API routes for fees per asset (payments/fee.h, Rafiki's setFee and Asset.fees):
 *
 *   POST /assets/{id}/fees {type: "SENDING"|"RECEIVING", fixed: "<u64>", basis_points: int}
 *        -> 201 {id, asset_id, type, fixed, basis_points, created_at}: a new fee, the asset's
 *        current one of its type (quotes charge the current SENDING fee)
 *   GET  /assets/{id}/fees?cursor=&limit=&order=desc|asc
 *        -> 200 {sending_fee, receiving_fee (current ones, or null), fees: [...] (the history,
 *        newest first by default), next_cursor}
 *
 * Errors carry fee_result_str: 404 unknown_asset, 400 invalid_basis_points / invalid_fixed /
 * invalid_type / invalid_cursor, 503 storage_error.
 *
 * Threads: register before the server starts; handlers run on the admin listener's workers
 * and block on the database.
 */
#ifndef RAFIKI_ADMIN_ADMIN_FEES_H
#define RAFIKI_ADMIN_ADMIN_FEES_H

#include "admin/admin.h"

/* Registers the routes above. Returns 0 or -1. */
int admin_fees_register(http_server_t *s, admin_ctx_t *ctx);

#endif
