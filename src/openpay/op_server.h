/*
 * The Open Payments port (OPEN_PAYMENTS_PORT, public): what a payment pointer resolves to.
 *
 *   GET {wallet address URL}                         Open Payments wallet address document
 *                                                    (id, publicName, assetCode, assetScale,
 *                                                    authServer, resourceServer), 1.3.0 spec
 *   GET {wallet address URL}, Accept: application/spsp4+json     SPSP answer (spsp.h)
 *   GET {wallet address URL}/jwks.json               {"keys": [...]}: the unrevoked client keys
 *   GET /.well-known/pay/jwks.json                   the key set of this instance as an Open
 *                                                    Payments client (op_client.h)
 *
 * All unauthenticated. A URL is the request path appended to OPEN_PAYMENTS_URL. An unknown or
 * inactive wallet address answers 404 {"error":{"code":"wallet_address_not_found"}}.
 *
 * Routing: wallet address paths have one to eight segments of any name, so these routes are
 * catch-alls; register them after every more specific route of this port (op_server_register
 * last). It also answers GET /healthz itself, which its catch-alls would otherwise take.
 *
 * Threads: handlers run on the listener's workers and read the database synchronously (short
 * indexed reads; this is not the packet path).
 */
#ifndef RAFIKI_OPENPAY_OP_SERVER_H
#define RAFIKI_OPENPAY_OP_SERVER_H

#include "payments/wallet_address.h"
#include "http/server.h"

/* Registers the routes above on s, before http_server_start. ctx outlives the server.
 * 0, or -1 when a registration fails. */
int op_server_register(http_server_t *s, const wallet_ctx_t *ctx);

#endif
