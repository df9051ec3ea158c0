/*
 * Rafiki's auto-peering server (ENABLE_AUTO_PEERING, AUTO_PEERING_SERVER_PORT): one route,
 * POST /, where another instance asks to peer (payments/auto_peering.h has the exchange).
 *
 *   POST / {staticIlpAddress, ilpConnectorUrl, asset: {code, scale}, httpToken,
 *           maxPacketAmount?, name?}
 *     -> 200 {staticIlpAddress, ilpConnectorUrl, httpToken, name?, tenantId?}
 *     -> 400 | 404 {error: {code: <status>, message, type}} with Rafiki's AutoPeeringError type
 *        and message (404 UnknownAsset; 400 for the others; 500 when the store failed)
 *
 * It lives in the admin layer although peers, not operators, call it: it is a face over the
 * payments domain (auto_peering.h), and the connector layer, which serves the other
 * peer-facing port, sits below payments and may not call it. It has no authentication, as in
 * Rafiki: anyone who reaches the port may create a peer, so the port belongs on a network
 * shared with peering partners only.
 *
 * Threads: registered once before the listener starts; the handler runs on that listener's
 * workers and blocks on the database and the ledger.
 */
#ifndef RAFIKI_ADMIN_ADMIN_AUTOPEER_H
#define RAFIKI_ADMIN_ADMIN_AUTOPEER_H

#include "http/server.h"
#include "payments/auto_peering.h"

/* Registers POST / on s (the auto-peering listener) over ap, which outlives the server.
 * Returns 0, or -1 when the route is refused. */
int admin_autopeer_register(http_server_t *s, const autopeer_t *ap);

#endif
