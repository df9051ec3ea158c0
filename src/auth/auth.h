/*
 * The GNAP authorization server of Open Payments (RFC 9635 as Open Payments profiles it;
 * ../shared/specs/open-payments/auth-server.yaml 1.3.0, rafiki/token-introspection.yaml,
 * rafiki/id-provider.yaml; ../shared/docs/open-payments.md §4-8, §11).
 *
 * On AUTH_PORT (public, AUTH_SERVER_URL; the grant endpoint URI is AUTH_SERVER_URL + "/", the
 * string wallet address documents give as authServer):
 *   POST /                               grant request (signed): 200 approved or pending;
 *                                        429 too_many_attempts over the pending cap below. A
 *                                        `subject` (one wallet address of this server to prove,
 *                                        auth_subject.c) makes it interactive; its continuation
 *                                        answers `subject` and, without access items, no token;
 *                                        the grant is the operator tenant's
 *   POST /{tenantId}                     the same for a live tenant of payments/tenants.h
 *                                        (Rafiki 2.0's grant endpoint, the authServer of that
 *                                        tenant's wallet addresses); 404 invalid_request "Not
 *                                        Found" for an unknown or deleted one
 *   POST /continue/{id}                  continue with interact_ref, or poll (honours wait,
 *                                        400 too_fast); DELETE /continue/{id} cancels the grant
 *   POST /token/{id}                     rotate the access token; DELETE revokes it
 *   GET  /interact/{id}/{nonce}          starts the interaction: a session cookie, then 302 to
 *                                        the consent screen: the tenant's idpConsentUrl, or for
 *                                        the operator's grants IDENTITY_SERVER_URL; the built-in
 *                                        one (auth/consent.h) without either
 *   GET  /interact/{id}/{nonce}/finish   302 to the client's finish URI with hash and
 *                                        interact_ref (or result=...), 202 without finish
 * On INTROSPECTION_PORT (internal): POST / token introspection (active, grant, access, client).
 * On INTERACTION_PORT (internal): GET /grant/{id}/{nonce} (with the grant's subject, when it
 *   has one, as id-provider.yaml), POST /grant/{id}/{nonce}/accept|reject, for wallets that bring
 *   their own login and consent (accepting a subject is their word that the user owns it).
 *   x-idp-secret must be the secret of the grant's tenant: its idpSecret, or IDP_SECRET for the
 *   operator's grants (401 otherwise, 404 for an unknown interaction).
 *
 * Grants, access items, tokens and interactions are rows in the database (sql/050_auth.sql),
 * so replicas share them; tokens are stored as hashes.
 *
 * Threads: handlers run on the listeners' worker threads and block on the database and on
 * fetching a client's keys (op_sig.h); every function here may be called from any thread.
 */
#ifndef RAFIKI_AUTH_AUTH_H
#define RAFIKI_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth/access.h"
#include "auth/op_sig.h"
#include "base/uuid.h"
#include "http/server.h"
#include "store/cache.h"
#include "store/db.h"

typedef struct auth auth_t;

/* Interactive grants one client (wallet address) may have waiting for their users at once
 * (PENDING and not yet expired): above it a grant request answers 429 too_many_attempts, so one
 * client cannot fill the grant table with interactions nobody answers. A shop has one pending
 * grant per customer at checkout for at most INTERACTION_EXPIRY_SECONDS; 1000 lets one client
 * start 1.6 a second, every second, with the default 600 s expiry. PENDING_GRANTS_MAX_PER_CLIENT
 * overrides it. */
#define AUTH_PENDING_GRANTS_MAX_DEFAULT 1000u

typedef struct {
    db_t *db;
    cache_t *cache;
    op_sig_t *sig;
    const char *auth_url;              /* AUTH_SERVER_URL, no trailing slash */
    const char *consent_url;           /* IDENTITY_SERVER_URL; NULL: auth_url + "/consent" */
    const char *idp_secret;            /* IDP_SECRET; NULL or "": the interaction API refuses all */
    uint32_t token_expiry_s;           /* ACCESS_TOKEN_EXPIRY_SECONDS; 0 = 600 */
    uint32_t wait_s;                   /* WAIT_SECONDS; 0 = 5 */
    uint32_t interaction_expiry_s;     /* INTERACTION_EXPIRY_SECONDS; 0 = 600 */
    uint32_t pending_grants_max;       /* PENDING_GRANTS_MAX_PER_CLIENT; 0 = the default above */
    bool list_all_interaction;         /* LIST_ALL_ACCESS_INTERACTION (default true) */
    bool incoming_payment_interaction; /* INCOMING_PAYMENT_INTERACTION (default false) */
    bool quote_interaction;            /* QUOTE_INTERACTION (default false) */
} auth_config_t;

/* Never NULL. cfg's strings outlive the auth server. */
auth_t *auth_new(const auth_config_t *cfg);
void auth_free(auth_t *a);

/* Route registration, before the servers start; 0, or -1 when a registration fails. */
int auth_register_grants(auth_t *a, http_server_t *s); /* AUTH_PORT */
/* POST /{tenantId} on AUTH_PORT. The route matches every one-segment POST path, and the first
 * route registered wins: register it after every other route of that listener (the consent
 * screens' POST /login and POST /consent). */
int auth_register_tenant_grants(auth_t *a, http_server_t *s);
int auth_register_introspection(auth_t *a, http_server_t *s); /* INTROSPECTION_PORT */
int auth_register_idp(auth_t *a, http_server_t *s);           /* INTERACTION_PORT */

/* In-process introspection for the resource server (an op_introspect_fn; user is the auth_t). */
op_access_result_t auth_introspect(void *user, const char *token, const char *type,
                                   const char *action, const char *identifier, op_access_t *out);

/* ---- interactions, for the consent screens (auth/consent.h) ---- */

typedef enum {
    AUTH_OK = 0,
    AUTH_NOT_FOUND,   /* no interaction with this id and nonce */
    AUTH_NOT_PENDING, /* already accepted or rejected, or the grant was finalized */
    AUTH_EXPIRED,
    AUTH_STORAGE_ERROR,
    AUTH_INVALID_REQUEST, /* a grant request the server refuses; auth_err_t says why */
} auth_result_t;

/* Why a request was refused, in words for the GNAP error's description. */
typedef struct {
    char msg[256];
} auth_err_t;

const char *auth_result_str(auth_result_t r);

/* Subject identifiers one grant request may name (auth-server.yaml: sub_ids maxItems 1). */
#define AUTH_SUBJECTS_MAX 1
/* The subject identifier format Open Payments defines: a wallet address URL. */
#define AUTH_SUBJECT_FORMAT "uri"

/* A subject a grant asked the user to prove: the user owns the wallet address sub_id. */
typedef struct {
    char id[UUID_STR_LEN + 1];      /* its row (Admin GraphQL SubjectItem.id) */
    char sub_id[OP_CLIENT_MAX + 1]; /* a wallet address URL of this server */
    char format[8];                 /* AUTH_SUBJECT_FORMAT */
    int64_t created_ms;
} auth_subject_t;

typedef enum {
    AUTH_INTERACTION_PENDING,
    AUTH_INTERACTION_APPROVED,
    AUTH_INTERACTION_DENIED
} auth_interaction_state_t;

typedef struct {
    char grant_id[UUID_STR_LEN + 1];
    auth_interaction_state_t state;
    char client[OP_CLIENT_MAX + 1];                /* the client's wallet address URL */
    char client_name[WALLET_ADDRESS_NAME_MAX + 1]; /* its publicName */
    json_t *access; /* the requested access items (a new reference: json_decref it); [] when the
                       grant asks only for its subject */
    auth_subject_t subjects[AUTH_SUBJECTS_MAX]; /* the wallet addresses the user must own */
    size_t n_subjects;
    int64_t expires_ms;
} auth_interaction_t;

/* Reads the interaction (id, nonce from the /interact URL). */
auth_result_t auth_interaction_get(auth_t *a, const char *id, const char *nonce,
                                   auth_interaction_t *out);

/* The user's decision on a pending interaction; subject is who decided (a user name, for the
 * record). After it the browser goes to auth_url/interact/{id}/{nonce}/finish. */
auth_result_t auth_interaction_decide(auth_t *a, const char *id, const char *nonce, bool accept,
                                      const char *subject);

#endif
