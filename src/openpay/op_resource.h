/*
 * The Open Payments resource server (spec 1.3.0, ../shared/specs/open-payments/
 * resource-server.yaml; ../shared/docs/open-payments.md §3, §10-12) on OPEN_PAYMENTS_PORT:
 *
 *   POST /incoming-payments                 incoming-payment  create    201
 *   GET  /incoming-payments?wallet-address= incoming-payment  list(-all) 200
 *   GET  /incoming-payments/{id}            incoming-payment  read(-all) 200, or without
 *                                           Authorization the public view
 *   POST /incoming-payments/{id}/complete   incoming-payment  complete  200
 *   POST /quotes, GET /quotes/{id}          quote             create, read(-all)
 *   POST /outgoing-payments                 outgoing-payment  create    201 (quoteId, or
 *                                           incomingPayment + debitAmount)
 *   GET  /outgoing-payments?wallet-address= outgoing-payment  list(-all)
 *   GET  /outgoing-payments/{id}            outgoing-payment  read(-all)
 *   GET  /outgoing-payment-grant            the spent amounts of the token's grant
 *
 * Tenants (Rafiki 2.0, payments/op_urls.h): every route above is also served under
 * /{tenantId} (POST /{tenantId}/incoming-payments, ...), Rafiki's only form. A request under
 * /{tenantId} reaches that tenant's wallet addresses and their resources only; another
 * tenant's, or the operator's under a tenant that is not the operator, answer 404 exactly as an
 * unknown id does (reads, completes and lists by their wallet address), and a create whose
 * walletAddress is another tenant's answers 404 "unknown wallet address" (Rafiki's
 * UnknownWalletAddress). A path tenant that is unknown or deleted answers 404. The unprefixed
 * routes are the operator's: they reach the operator's resources only, as do the routes under
 * the operator tenant's id. Resource URLs carry the owner's prefix ({OPEN_PAYMENTS_URL}/
 * {tenantId}/incoming-payments/{id}); the operator's stay unprefixed, whatever path asked.
 *
 * Every authenticated request: Authorization "GNAP <token>" (else 401), token introspection
 * for the access type, the one action the route needs and identifier = the wallet address of
 * the resource (inactive 403, insufficient 403), then the HTTP signature by the client that
 * introspection names (op_sig.h; 401). read/list without -all show only resources the same
 * client created. Outgoing payments are created under the grant's limits through the backend's
 * atomic grant-limit check (403 when exceeded). Errors are {"error":{"code":"<status>",
 * "description":...}}; 401 answers carry WWW-Authenticate: GNAP as_uri=<grant endpoint>.
 *
 * Layering: the resource server sits above the authorization server and asks it for
 * introspection through op_introspect_fn (auth/access.h): auth_introspect() in one process,
 * auth_remote_introspect() over HTTP when the components run apart.
 *
 * Threads: handlers run on the listener's workers and block on the database, the ledger and
 * (for a remote client's keys) an HTTP fetch; not the packet path.
 */
#ifndef RAFIKI_OPENPAY_OP_RESOURCE_H
#define RAFIKI_OPENPAY_OP_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "auth/access.h"
#include "auth/op_sig.h"
#include "payments/outgoing_payment.h"
#include "payments/wallet_address.h"
#include "base/uuid.h"
#include "http/offload.h"
#include "http/server.h"

typedef struct {
    const wallet_ctx_t *wallet;
    outgoing_payments_t *payments; /* quotes and outgoing payments */
    op_sig_t *sig;
    op_introspect_fn introspect;
    void *introspect_user;
    /* Threads for creates that wait for the wallet's approval (POLL_INCOMING_PAYMENT_CREATED_
     * WEBHOOK), off the listener's (http/offload.h); NULL: creates run on the listener's. */
    struct http_offload *waits;
} op_resource_config_t;

/* Registers the routes above on s, before op_server_register (whose catch-alls come last).
 * cfg and what it points to outlive the server. 0, or -1 when a registration fails. */
int op_resource_register(http_server_t *s, const op_resource_config_t *cfg);

#endif
