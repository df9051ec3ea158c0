/*
 * The operator console on ADMIN_PORT: server-rendered pages without JavaScript (pages.h's
 * frame and escape, a CSP without scripts, a CSRF token on every form) to see and run this
 * Rafiki from a browser.
 *
 *   GET  /console                   sign-in form (401), or the overview: readiness, per asset
 *                                   its liquidity and settlement balances (a liquidity below
 *                                   the asset's threshold is highlighted), per peer its balance
 *                                   against its credit limit, the webhook backlog (operator)
 *   POST /console/login             csrf (login.h's form token) and either tenant (an id; empty
 *                                   for the operator) and secret (its API secret, compared in
 *                                   constant time), or user and password (a console user,
 *                                   console_users.h): a session cookie, 303 /console
 *   POST /console/logout            csrf: ends the session
 *   GET  /console/assets            the assets, a form to create one, per asset a deposit, a
 *                                   withdrawal and a threshold form (operator role only)
 *   POST /console/assets            csrf, code, scale, liquidity_threshold (optional, in the
 *                                   asset's units): creates the asset, 303 /console/assets
 *   POST /console/assets/{id}/deposit  csrf, amount (in the asset's units): the confirmation
 *                                   page; with confirm=yes and transfer (the id the confirmation
 *                                   page chose, so a second submit is refused as done) deposits
 *                                   into the asset's liquidity account, 303 /console/assets
 *   POST /console/assets/{id}/withdraw  the same for a withdrawal from it (posted at once; more
 *                                   than the liquidity is refused, 409)
 *   POST /console/assets/{id}/threshold  csrf, liquidity_threshold (in the asset's units; empty
 *                                   removes it): the asset's liquidity threshold
 *   GET  /console/audit             the audit log (beyond Rafiki; console_users.h): the newest
 *                                   sign-ins, sign-outs and changes, who, when, the request id;
 *                                   a tenant reads its own rows only
 *   GET  /console/peers?after=ID    the peers (50 a page by id, "Next" carries the last id):
 *                                   name, ILP address, asset, balance, credit limit, liquidity
 *                                   (balance plus credit), threshold (below it highlighted);
 *                                   a create form (operator role)
 *   POST /console/peers             csrf, asset, name, ilp_address, endpoint, outgoing_token,
 *                                   incoming_token (empty: one is generated), max_packet_amount,
 *                                   credit_limit, liquidity_threshold (asset units), routes (one
 *                                   a line): payments/peering.h's create; the answer shows a
 *                                   generated token this once (never again)
 *   GET  /console/peers/{id}        the peer, and forms for what follows (operator role)
 *   POST /console/peers/{id}        the same fields (outgoing_token empty: unchanged;
 *                                   incoming_token or generate_token=yes replace the incoming
 *                                   token, a generated one shown once): the update
 *   POST /console/peers/{id}/deposit, /withdraw  as the assets' (confirm=yes and transfer),
 *                                   on the peer's account; 303 to the peer's page
 *   POST /console/peers/{id}/check  an IL-DCP request to the outgoing endpoint with the
 *                                   outgoing token (PAY_PEER_CHECK_TIMEOUT_MS): reachable, HTTP
 *                                   status, latency, what the answer means; never the token
 *   POST /console/peers/{id}/delete  payments/peering.h's delete, 303 /console/peers
 *   GET  /console/wallet-addresses?q=PREFIX&after=URL  wallet addresses whose URL starts with q
 *                                   (50 a page in URL order, "Next" carries the last URL), a
 *                                   create form: csrf, asset, address (a URL or a path under the
 *                                   tenant's WALLET_ADDRESS_URL, as createWalletAddress),
 * public_name GET  /console/wallet-addresses/{id}  the wallet address, its balance, keys,
 * additional properties and its newest 20 incoming and 20 outgoing payments (links to
 * /console/payments/{incoming,outgoing}/{id}) POST /console/wallet-addresses/{id}  csrf, status
 * (active/inactive; deactivating expires its open incoming payments, as Rafiki), public_name POST
 * /console/wallet-addresses/{id}/keys  csrf, jwk (a public Ed25519 JWK as text) POST
 * /console/wallet-addresses/{id}/keys/revoke  csrf, kid POST
 * /console/wallet-addresses/{id}/properties  csrf, op=add with key, value, visible=yes
 *                                   (visibleInOpenPayments), or op=remove with key
 *
 * Tenants and console users (console_tenants.c, console_admin.c):
 *   GET  /console/tenants           the operator: every tenant (id, public name, email, created,
 *                                   deleted; 50 a page, ?after=<id> the older ones) and a form to
 *                                   create one; a tenant: 303 to its own page
 *   POST /console/tenants           csrf, public_name, email, idp_consent_url, idp_secret (each
 *                                   may be empty): creates a tenant with a random API secret,
 *                                   201 with its id and the secret, shown this once (operator)
 *   GET  /console/tenants/{id}      its fields, settings, funding model; forms to change them
 *                                   (the operator any tenant, a tenant itself; else 404)
 *   POST /console/tenants/{id}      csrf, public_name, email, idp_consent_url, idp_secret (empty:
 *                                   unchanged): updateTenant's fields
 *   POST /console/tenants/{id}/settings  csrf, key, value: createTenantSettings for one key
 *   POST /console/tenants/{id}/settings/delete  csrf, key: removes that setting
 *   POST /console/tenants/{id}/funding  csrf, funding_model ("rafiki", "ledger", "" for the
 *                                   instance's): as REST's PATCH /tenants/{id} (operator)
 *   POST /console/tenants/{id}/delete  csrf: a confirmation page; with confirm=yes deletes the
 *                                   tenant (its sessions open nothing from then on; operator)
 *   GET  /console/users             the console users (name, role, created; 50 a page,
 *                                   ?after=<name>), forms to create and change them (operator
 *                                   tenant only; a viewer reads; other tenants 404)
 *   POST /console/users             csrf, name, role, password and password2 (both empty: one
 *                                   is generated and shown once): creates a user, 201
 *   POST /console/users/{name}/role  csrf, role: the user's role, and its open sessions' at once
 *   POST /console/users/{name}/password  csrf, password and password2 (or both empty: generated
 *                                   and shown once): a new password; its sessions end
 *   POST /console/users/{name}/delete  csrf: confirmation; with confirm=yes deletes the user and
 *                                   ends its sessions
 *
 * Asset details (console_pages.c):
 *   GET  /console/assets?after=<id>  the next 50 assets after that one (a "More" link)
 *   GET  /console/assets/{id}       the asset: balances, thresholds, current fees and the fee
 *                                   history (50 a page, ?fees_after=<fee id>), forms for a fee,
 *                                   the thresholds and liquidity
 *   POST /console/assets/{id}/fee   csrf, type (SENDING or RECEIVING), fixed (in the asset's
 *                                   units), basis_points (0-10000): setFee's new fee
 *   POST /console/assets/{id}/withdrawal_threshold  csrf, withdrawal_threshold (in the asset's
 *                                   units; empty removes it)
 *
 * The overview's charts (console_activity.c, console_chart.h; inline SVG, no script): payments
 * per minute over the last hour (outgoing completed and failed, incoming completed; a tenant
 * counts its own wallet addresses', the operator every tenant's; pay_minutes.h) and, for the
 * operator only, the connector's ILP packets per minute (fulfilled, rejected: counted for the
 * whole process, with no tenant to scope them by; console_config_t.packets). The audit log
 * also lists the changes made through the REST admin API and the Admin GraphQL API
 * (admin/admin_audit.h), with a channel column (console, rest, graphql).
 *   GET  /console/payments/incoming  the incoming payments, newest first, 50 a page ("Older":
 *   GET  /console/payments/outgoing  before=<ms>_<id>), filtered by state, wallet (an id or a
 *                                   URL), from and to (creation, UTC "YYYY-MM-DD[THH:MM]")
 *   GET  /console/payments/incoming/{id}  a payment: amounts, wallet address, receiver and
 *   GET  /console/payments/outgoing/{id}  quote, metadata, its state history (read from its
 *                                   times and webhook events: none is stored), the transfers
 *                                   of its own ledger account and its webhook events
 *   POST /console/payments/outgoing/{id}/cancel  csrf, reason (optional): the confirmation
 *                                   page; with confirm=yes Rafiki's cancelOutgoingPayment
 *                                   (FUNDING only, else 409), 303 to the payment
 *   POST /console/payments/incoming/{id}/cancel  the same for Rafiki's cancelIncomingPayment
 *   POST /console/payments/incoming/{id}/complete  the same for the admin API's complete
 *   GET  /console/webhook-events    the events, newest first, 50 a page, filtered by type,
 *                                   from and to
 *   GET  /console/webhook-events/{id}  an event: its body as sent, its delivery as stored
 *                                   (attempts, last status and error, next try) and, for the
 *                                   operator, its copies
 *
 * Who signs in: a tenant with its API secret (the operator's is ADMIN_API_SECRET), with the
 * operator role within its own rows; or a console user (operator tenant) with its role. Every
 * POST but sign-in and sign-out is refused with 403 for a viewer, and with 403 without the
 * session's CSRF token. A tenant that is not the operator sees and changes only its own rows
 * (tenants.h: an asset by its scope, a peer by its owner). Sign-ins go through login.h's guard
 * (failures limited per name and per address; the name is "tenant:<id>" or "user:<name>").
 * Sessions (console_users.h) end CONSOLE_SESSION_S after sign-in or CONSOLE_IDLE_S after their
 * last request, and a deleted tenant's at once; the cookie is HttpOnly, SameSite=Strict,
 * Path=/console. No secret is ever put in a page, a URL or the log.
 *
 * Threads: handlers run on the admin listener's workers and block on the database, the cache
 * and the ledger.
 */
#ifndef RAFIKI_WEB_CONSOLE_H
#define RAFIKI_WEB_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "web/login.h"
#include "payments/wallet_address.h"
#include "base/env.h"
#include "connector/peers.h"
#include "http/client.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "payments/outgoing_payment.h"
#include "payments/resources.h"
#include "store/db.h"

#define CONSOLE_SESSION_S_DEFAULT (8u * 3600u) /* CONSOLE_SESSION_S */
#define CONSOLE_IDLE_S_DEFAULT    (30u * 60u)  /* CONSOLE_IDLE_S */
#define CONSOLE_MINUTES           60           /* the overview's charts: the last hour */

typedef struct {
    db_t *db;
    ledger_t *ledger;
    login_t *login;                 /* the sign-in's limits and form tokens */
    const char *operator_tenant_id; /* the operator tenant (tenants.h) */
    const char *cookie_base_url;    /* an https URL makes the cookies Secure; NULL: not */
    uint64_t session_ms;            /* 0: the default */
    uint64_t idle_ms;               /* 0: the default */
    /* why this process is not ready (its /readyz), or NULL when it is */
    const char *(*not_ready)(void *arg);
    void *ready_arg;
    const char *ilp_address; /* the instance's: a new tenant's ILP_ADDRESS is below it */
    /* the peers and wallet addresses pages (console_peers.c, console_wallets.c) */
    peers_t *peers;                   /* the running connector's registry; NULL: none here */
    http_client_t *http;              /* the peer connectivity check's client; NULL: its own */
    const wallet_ctx_t *wallet;       /* NULL: no wallet addresses pages, no payment changes */
    bool allow_http_wallet_addresses; /* as the admin GraphQL's createWalletAddress */
    /* the overview's packets chart: the connector's answers to Prepares in each of the last
     * CONSOLE_MINUTES minutes up to now_ms, oldest first (connector_minutes); NULL: none */
    void (*packets)(void *arg, int64_t now_ms, uint64_t fulfilled[CONSOLE_MINUTES],
                    uint64_t rejected[CONSOLE_MINUTES]);
    void *packets_arg;
    /* the payments pages (console_payments.c) change payments through wallet and this, as
     * the admin APIs do; NULL: their cancel and complete buttons answer 503 */
    outgoing_payments_t *outgoing;
} console_config_t;

/* CONSOLE_SESSION_S (60-604800) and CONSOLE_IDLE_S (60-86400) into cfg's session_ms and
 * idle_ms: ENV_OK, or ENV_INVALID with err naming the variable. */
env_result_t console_opts_env(console_config_t *cfg, env_err_t *err);
/* Registers the routes above on s; cfg outlives the server. 0 or -1. */
int console_register(http_server_t *s, const console_config_t *cfg);

#endif
