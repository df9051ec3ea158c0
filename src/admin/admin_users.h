/*
 * Admin routes of the built-in login's users (admin_users.c).
 *
 * Threads: register before the server starts; the handlers run on the admin listener's
 * workers and may block on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_USERS_H
#define RAFIKI_ADMIN_ADMIN_USERS_H

#include "admin/admin.h"
#include "payments/wallet_address.h"

/* Registers POST /users, GET /users and POST /users/{id}/wallet-addresses, and the console
 * users' POST and GET /console-users, PATCH and DELETE /console-users/{name}; w outlives the
 * server. 0, or -1 when a registration fails. */
int admin_users_register(http_server_t *s, admin_ctx_t *ctx, const wallet_ctx_t *w);

#endif
