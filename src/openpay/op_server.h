/*
 * The Open Payments port (OPEN_PAYMENTS_PORT, public): what a payment pointer resolves to.
 *
 *   GET {wallet address URL}                         Open Payments wallet address document
 *                                                    (id, publicName, assetCode, assetScale,
 *                                                    authServer, resourceServer), 1.3.0 spec;
 *                                                    a tenant's names OPEN_PAYMENTS_URL/
 *                                                    {tenantId} as resourceServer (op_urls.h)
 *   GET {wallet address URL}, Accept: application/spsp4+json     SPSP answer (spsp.h)
 *   GET {wallet address URL}/jwks.json               {"keys": [...]}: the unrevoked client keys
 *   GET /.well-known/pay/jwks.json                   the key set of this instance as an Open
 *                                                    Payments client (op_client.h)
 *
 * All unauthenticated. A URL is the request path appended to OPEN_PAYMENTS_URL. An unknown or
 * inactive wallet address answers 404 {"error":{"code":"wallet_address_not_found"}}. A URL no
 * wallet address has records a wallet_address.not_found event first, so the wallet can create
 * the address on demand; with polling on (WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED, as Rafiki)
 * the request then waits up to WALLET_ADDRESS_LOOKUP_TIMEOUT_MS, looking again every
 * WALLET_ADDRESS_POLLING_FREQUENCY_MS, and answers the address if it appears. A waiting request
 * holds a worker thread, so at most OP_NOT_FOUND_WAITERS_MAX wait at once in a process; others
 * are answered 404 at once.
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

#include <stdbool.h>
#include <stdint.h>

#include "payments/wallet_address.h"
#include "http/server.h"

#define OP_NOT_FOUND_WAITERS_MAX 16

/* Rafiki's wallet address polling settings. */
typedef struct {
    const wallet_ctx_t *wallet;
    bool poll_not_found;        /* WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED */
    uint32_t lookup_timeout_ms; /* WALLET_ADDRESS_LOOKUP_TIMEOUT_MS (1500) */
    uint32_t poll_frequency_ms; /* WALLET_ADDRESS_POLLING_FREQUENCY_MS (100) */
} op_server_config_t;

/* Registers the routes above on s, before http_server_start. cfg outlives the server.
 * 0, or -1 when a registration fails. */
int op_server_register(http_server_t *s, const op_server_config_t *cfg);

#endif
