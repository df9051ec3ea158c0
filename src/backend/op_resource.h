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
 * Every authenticated request: Authorization "GNAP <token>" (else 401), token introspection
 * for the access type, the one action the route needs and identifier = the wallet address of
 * the resource (inactive 403, insufficient 403), then the HTTP signature by the client that
 * introspection names (op_sig.h; 401). read/list without -all show only resources the same
 * client created. Outgoing payments are created under the grant's limits through the backend's
 * atomic grant-limit check (403 when exceeded). Errors are {"error":{"code":"<status>",
 * "description":...}}; 401 answers carry WWW-Authenticate: GNAP as_uri=<grant endpoint>.
 *
 * Layering: the authorization server sits above the backend, so the resource server asks for
 * introspection through op_introspect_fn, which serve.c connects to auth_introspect().
 *
 * Threads: handlers run on the listener's workers and block on the database, the ledger and
 * (for a remote client's keys) an HTTP fetch; not the packet path.
 */
#ifndef RAFIKI_BACKEND_OP_RESOURCE_H
#define RAFIKI_BACKEND_OP_RESOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "backend/grant_limits.h"
#include "backend/op_sig.h"
#include "backend/outgoing_payment.h"
#include "backend/wallet_address.h"
#include "base/uuid.h"
#include "http/server.h"

#define OP_CLIENT_MAX WALLET_ADDRESS_URL_MAX

typedef enum {
    OP_ACCESS_ACTIVE = 0,   /* the token is active and grants the action */
    OP_ACCESS_INACTIVE,     /* unknown, expired or revoked token, or revoked grant */
    OP_ACCESS_INSUFFICIENT, /* active, but no access item matches type/action/identifier */
    OP_ACCESS_ERROR,        /* introspection failed (storage) */
} op_access_result_t;

/* What introspection tells the resource server about an active token. */
typedef struct {
    char grant_id[UUID_STR_LEN + 1];
    /* The client: its wallet address URL, or "" when it identified with a JWK (then
     * client_jwk is a new reference the caller releases with json_decref). */
    char client[OP_CLIENT_MAX + 1];
    json_t *client_jwk;
    /* The matching access item granted read-all / list-all (not only read / list). */
    bool all;
    /* outgoing-payment items: the item's limits (has_limits false: none) and, when the item
     * limits the receiver, that incoming payment URL ("" otherwise). */
    bool has_limits;
    grant_limits_t limits;
    char receiver[OP_CLIENT_MAX + 1];
} op_access_t;

/* Introspects token for one action. type: "incoming-payment", "quote", "outgoing-payment";
 * action: "create", "read", "list", "complete" (read is also satisfied by read-all, list by
 * list-all); identifier: the wallet address URL of the resource. *out is filled only for
 * OP_ACCESS_ACTIVE. Called on the resource server's worker threads. */
typedef op_access_result_t (*op_introspect_fn)(void *user, const char *token, const char *type,
                                               const char *action, const char *identifier,
                                               op_access_t *out);

typedef struct {
    const wallet_ctx_t *wallet;
    outgoing_payments_t *payments; /* quotes and outgoing payments */
    op_sig_t *sig;
    op_introspect_fn introspect;
    void *introspect_user;
} op_resource_config_t;

/* Registers the routes above on s, before op_server_register (whose catch-alls come last).
 * cfg and what it points to outlive the server. 0, or -1 when a registration fails. */
int op_resource_register(http_server_t *s, const op_resource_config_t *cfg);

#endif
