/*
 * Admin API routes for liquidity thresholds (admin_liquidity.c; the monitor is liquidity.h):
 *
 *   PUT /assets/{id}/liquidity-threshold  {threshold: "<u64>" | null}
 *   PUT /peers/{id}/liquidity-threshold   {threshold: "<u64>" | null}
 *       -> 200 {id, account_id, threshold, low}; null removes the threshold
 *   GET /assets/{id}/liquidity-threshold, GET /peers/{id}/liquidity-threshold
 *       -> 200 the same (threshold null when none is set); 404 for an unknown asset or peer
 *
 * Setting a threshold re-arms it: the next fall below it sends one liquidity_low event.
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and may block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_LIQUIDITY_H
#define RAFIKI_ADMIN_ADMIN_LIQUIDITY_H

#include "admin/admin.h"

/* Registers the routes above on the admin listener. Returns 0 or -1. */
int admin_liquidity_register(http_server_t *s, admin_ctx_t *ctx);

#endif
