/*
 * Admin API route for webhook events (admin_webhooks.c):
 *
 *   GET /webhook-events   ?type=&state=pending|delivered|failed&resource_id=&limit=&cursor=
 *                         -> {webhook_events: [...], next_cursor}, oldest first
 *
 * Each event shows its delivery state (attempts, the last HTTP status and error, when the next
 * attempt is due), so an operator sees what the wallet was told and what it missed.
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and may block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_WEBHOOKS_H
#define RAFIKI_ADMIN_ADMIN_WEBHOOKS_H

#include "admin/admin.h"

/* Registers the route on the admin listener (ctx->db holds the events). Returns 0 or -1. */
int admin_webhooks_register(http_server_t *s, admin_ctx_t *ctx);

#endif
