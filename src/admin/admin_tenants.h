/*
 * Admin API routes for tenants (payments/tenants.h), beside Rafiki's GraphQL tenant
 * operations: what only our installation has, a tenant's funding model, and reads for the
 * operator. Secrets are never answered.
 *
 *   GET   /tenants?cursor=&limit=   -> 200 {tenants: [...], next_cursor} (newest first, deleted
 *                                     ones too)
 *   GET   /tenants/{id}             -> 200 {id, public_name, email, idp_consent_url,
 *                                     is_operator, funding_model, created_at, deleted_at}
 *   PATCH /tenants/{id} {funding_model: "rafiki"|"ledger"|null}
 *                                   -> 200 the tenant; null: the instance's FUNDING_MODEL.
 *                                     Payments made before keep their model.
 *
 * Errors: 404 not_found (no live tenant), 400 invalid_input, 503 storage_error.
 *
 * Threads: register before the server starts; handlers run on the admin listener's workers
 * and block on the database.
 */
#ifndef RAFIKI_ADMIN_ADMIN_TENANTS_H
#define RAFIKI_ADMIN_ADMIN_TENANTS_H

#include "admin/admin.h"

/* Registers the routes above. Returns 0 or -1. */
int admin_tenants_register(http_server_t *s, admin_ctx_t *ctx);

#endif
