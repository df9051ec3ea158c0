/*
 * What token introspection answers about an access token (open-payments.md §10): the contract
 * between the authorization server (auth.c answers it in process, auth_remote.c over HTTP) and
 * the resource server that asks (openpay/op_resource.c). Types only.
 *
 * Threads: types only.
 */
#ifndef RAFIKI_AUTH_ACCESS_H
#define RAFIKI_AUTH_ACCESS_H

#include <stdbool.h>

#include <jansson.h>

#include "base/uuid.h"
#include "payments/grant_limits.h"
#include "payments/wallet_address.h"

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

#endif
