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
#include "base/env.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "payments/outgoing_payment.h"
#include "payments/resources.h"
#include "store/db.h"

#define CONSOLE_SESSION_S_DEFAULT (8u * 3600u) /* CONSOLE_SESSION_S */
#define CONSOLE_IDLE_S_DEFAULT    (30u * 60u)  /* CONSOLE_IDLE_S */

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
    /* the payments pages (console_payments.c) change payments through these, as the admin
     * APIs do; NULL: their cancel and complete buttons answer 503 */
    const wallet_ctx_t *wallet;
    outgoing_payments_t *outgoing;
} console_config_t;

/* CONSOLE_SESSION_S (60-604800) and CONSOLE_IDLE_S (60-86400) into cfg's session_ms and
 * idle_ms: ENV_OK, or ENV_INVALID with err naming the variable. */
env_result_t console_opts_env(console_config_t *cfg, env_err_t *err);
/* Registers the routes above on s; cfg outlives the server. 0 or -1. */
int console_register(http_server_t *s, const console_config_t *cfg);

#endif
