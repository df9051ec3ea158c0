/*
 * Admin API routes for the connector (admin_peers.c): peers and STREAM credentials.
 *
 *   POST   /peers            {asset_id, ilp_address, name?, max_packet_amount?, min_balance?,
 *                             incoming_tokens: [..], outgoing?: {endpoint, token}, routes?: [..],
 *                             packets_per_s?, amount_per_s?}
 *                             -> 201 the peer, with its id, account_id and (this once) the
 *                                incoming tokens; they are stored only as SHA-256 hashes
 *   GET    /peers            ?limit=&cursor=  -> {peers: [...], next_cursor}
 *   GET    /peers/{id}
 *   PATCH  /peers/{id}       any create field except asset_id; incoming_tokens replaces them all
 *   DELETE /peers/{id}       -> 200 {id, deleted: true}; the ledger account stays (its
 *                             history is kept)
 *   POST   /accounts/{id}/stream-credentials -> {destination_account, shared_secret (base64)}
 *
 * Peer liquidity uses the account routes: POST /accounts/{account_id}/deposits and
 * /withdrawals (two-phase) on the peer's account_id, and on the asset's liquidity account for
 * asset liquidity; no peer-specific wrappers are needed.
 *
 * Threads: admin_peers_register runs once at start-up, before the admin server starts. The
 * handlers run on admin worker threads and may block on the database (peers table, account
 * reads through connector_stream_credentials); they change the connector's registry, which is
 * safe beside the packet path (peers.h).
 */
#ifndef RAFIKI_ADMIN_ADMIN_PEERS_H
#define RAFIKI_ADMIN_ADMIN_PEERS_H

#include "admin/admin.h"
#include "connector/connector.h"

/* Registers the routes above on the admin listener. conn is the process's connector (one per
 * process; it outlives the server). Returns 0 or -1. */
int admin_peers_register(http_server_t *s, admin_ctx_t *ctx, connector_t *conn);

#endif
