/*
 * Rafiki's Admin GraphQL API (schema/graphql/backend.graphql): the second admin face over the
 * payments domain, beside the REST routes. admin_graphql.c serves POST /graphql on the admin
 * port (the `signature` header as Rafiki checks it, the `tenant-id` header, idempotencyKey for
 * mutations); each admin_gql_<family>.c holds one family's resolvers, which call the same
 * domain functions the REST routes call and only shape JSON.
 *
 * A resolver (graphql/exec.h) receives call->ctx as an admin_gql_req_t. Values it returns use
 * the schema's spelling: camelCase members, UInt64 amounts as decimal strings, times as
 * ISO 8601 strings with milliseconds ("2026-12-07T20:18:54.123Z", as Rafiki's Date.toISOString),
 * enums as the schema names them ("COMPLETED"), and "__typename" on values of interface types
 * (Model, BasePayment). Errors go through admin_gql_fail with Rafiki's code and message, so a
 * client that matches on them sees the same thing (Rafiki's resolvers throw GraphQLError with
 * extensions.code from packages/backend/src/graphql/errors/index.ts).
 *
 * Threads: the face is registered before the server starts; resolvers run on the face's own
 * pool of ADMIN_GQL_THREADS threads (http/offload.h), not on the listener's, one request at a
 * time per thread, and may block on the database, the ledger and the wallet's answers.
 */
#ifndef RAFIKI_ADMIN_ADMIN_GQL_H
#define RAFIKI_ADMIN_ADMIN_GQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "admin/admin.h"
#include "admin/admin_signature.h"
#include "auth/auth.h"
#include "connector/connector.h"
#include "graphql/exec.h"
#include "payments/auto_peering.h"
#include "payments/outgoing_payment.h"
#include "payments/quote.h"
#include "payments/tenants.h"
#include "payments/wallet_address.h"

/* Rafiki's extensions.code values (GraphQLErrorCode). */
#define GQL_CODE_BAD_USER_INPUT  "BAD_USER_INPUT"
#define GQL_CODE_DUPLICATE       "DUPLICATE"
#define GQL_CODE_FORBIDDEN       "FORBIDDEN"
#define GQL_CODE_INACTIVE        "INACTIVE"
#define GQL_CODE_INTERNAL        "INTERNAL_SERVER_ERROR"
#define GQL_CODE_NOT_FOUND       "NOT_FOUND"
#define GQL_CODE_CONFLICT        "CONFLICT"
#define GQL_CODE_TIMEOUT         "TIMEOUT"
#define GQL_CODE_UNAUTHENTICATED "UNAUTHENTICATED"

/* Threads GraphQL requests run on, off the listener's own (http/offload.h). */
#define ADMIN_GQL_THREADS 16

/* Page sizes as Rafiki's getPage: 20 by default, at most 100. */
#define ADMIN_GQL_PAGE_DEFAULT 20
#define ADMIN_GQL_PAGE_MAX     100

/* One family's resolvers (see the list at the end of this header). */
typedef struct {
    const gql_resolver_t *resolvers;
    size_t n;
} admin_gql_family_t;

/* A Mutation root field's own resolver, behind the idempotencyKey wrapper. */
typedef struct {
    const char *field;
    gql_resolver_fn fn;
} admin_gql_mutation_t;

/* What the face needs, owned by the process (serve.c) or a test and outliving the server.
 * Members other than admin may be NULL when their component does not run here; resolvers
 * that need a missing one answer INTERNAL_SERVER_ERROR. sdl and families choose the schema:
 * NULL serves Rafiki's backend schema with every backend family (the auth server's admin port
 * sets the auth schema and its family instead). */
typedef struct {
    admin_ctx_t *admin;               /* ledger, db, cache, ADMIN_API_SECRET */
    connector_t *connector;           /* peers and routes */
    const wallet_ctx_t *wallet;       /* wallet addresses, incoming payments */
    outgoing_payments_t *outgoing;    /* outgoing payments and their worker */
    quote_svc_t *quotes;              /* quotes */
    auth_t *auth;                     /* the authorization server, for the auth schema's grants */
    const autopeer_t *autopeer;       /* createOrUpdatePeerByUrl (auto-peering) */
    admin_sig_config_t sig;           /* ADMIN_API_SIGNATURE_VERSION / _TTL_SECONDS, replay guard */
    const char *operator_tenant_id;   /* the operator tenant (payments/tenants.h), never NULL */
    const char *ilp_address;          /* ILP_ADDRESS: a new tenant's is this + "." + its id */
    bool allow_http_wallet_addresses; /* createWalletAddress takes http URLs (not production) */
    gql_limits_t limits;              /* zero: Rafiki's (depth 10, cost 5000) */
    const uint8_t *sdl;               /* the schema's text, or NULL */
    size_t sdl_len;
    const admin_gql_family_t *const *families;
    size_t n_families;
    /* set by admin_gql_register */
    gql_schema_t *schema;
    admin_gql_mutation_t *mutations; /* sorted by field */
    size_t n_mutations;
    admin_gql_mutation_t *scoped; /* root fields behind admin_gql_scope_dispatch, by field */
    size_t n_scoped;
    struct http_offload *pool; /* the threads requests run on (http/offload.h) */
} admin_gql_t;

/* One request's context: call->ctx of every resolver. */
typedef struct {
    admin_gql_t *gql;
    const char *tenant_id;  /* from the tenant-id header; the operator tenant when absent */
    bool is_operator;       /* the caller is the operator tenant (sees every tenant's data) */
    const char *request_id; /* the HTTP request's (X-Request-Id), for the audit log */
} admin_gql_req_t;

/* The admin_gql_req_t of a call. */
static inline admin_gql_req_t *admin_gql_req(const gql_call_t *call)
{
    return (admin_gql_req_t *)call->ctx;
}

/* Builds the schema with its families' resolvers and registers POST /graphql on s. 0, or -1
 * after logging why (a resolver the schema does not know, a route refused). */
int admin_gql_register(http_server_t *s, admin_gql_t *g);
void admin_gql_unregister(admin_gql_t *g);

/* Fills call->err with code and the formatted message; returns GQL_RESOLVE_ERROR so a resolver
 * can `return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Asset not found");`. */
gql_resolve_t admin_gql_fail(const gql_call_t *call, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A list field's Relay arguments (first/after/last/before/sortOrder), read as Rafiki's getPage
 * reads them: limit 20 by default; first or last outside 0..100 fails "Pagination index error";
 * last without before fails "Can't paginate backwards from the start."; sortOrder ASC|DESC,
 * DESC by default; order is by creation time, then id. */
typedef struct {
    bool backward;   /* last/before: the page ends just before `before` */
    bool asc;        /* sortOrder ASC */
    uint32_t limit;  /* rows to return */
    bool has_cursor; /* after (forward) or before (backward) was given */
    char cursor[64]; /* that cursor: an id as our resources spell it */
} admin_gql_page_t;

/* Reads call->args into *page; on bad arguments fails the call as Rafiki does. */
gql_resolve_t admin_gql_page_args(const gql_call_t *call, admin_gql_page_t *page);

/* A connection {edges: [{cursor, node}], pageInfo: {startCursor, endCursor, hasNextPage,
 * hasPreviousPage}} from nodes (stolen; an array in the order the client sees, each with an
 * "id" member, which is its cursor). has_prev/has_next as Rafiki's getPageInfo: whether one more
 * row exists before the first / after the last in the same order. */
json_t *admin_gql_connection(json_t *nodes, bool has_prev, bool has_next);

/* ISO 8601 with milliseconds, UTC, as JavaScript's toISOString, from unix milliseconds. */
void admin_gql_time(int64_t unix_ms, char out[32]);
/* A JSON string of admin_gql_time. */
json_t *admin_gql_time_json(int64_t unix_ms);

/*
 * Tenants (admin_gql_scope.c). A root field that names a resource by id runs behind
 * admin_gql_scope_dispatch, which hides other tenants' resources from a caller that is not the
 * operator (it sees an id that names nothing); admin_gql_scoped says which fields do.
 */
bool admin_gql_scoped(const char *type, const char *field);
gql_resolve_t admin_gql_scope_dispatch(const gql_call_t *call, json_t **out);
/* Sorts g->scoped once it is filled. */
void admin_gql_scope_sort(admin_gql_t *g);
/* The rows a list field shows: the caller's own, or for the operator those of its tenantId
 * argument, or every tenant's without one. */
void admin_gql_list_scope(const gql_call_t *call, pay_tenant_scope_t *out);
/* Who owns what a create mutation makes (in: its input, with Rafiki's optional tenantId) into
 * *owner: the caller, or for the operator the tenant it names; NULL for the operator's own.
 * False after failing the call as Rafiki does: BAD_USER_INPUT when a tenant names another
 * tenant, INTERNAL_SERVER_ERROR when the operator names none that exists. */
bool admin_gql_create_owner(const gql_call_t *call, const json_t *in, const char **owner);
/* The id of the tenant that owns wallet address wa: buf, or the operator's id. */
const char *admin_gql_wallet_owner(const gql_call_t *call, ledger_id_t wa,
                                   char buf[PAY_TENANT_ID_LEN + 1]);
/* Records that owner (NULL: the operator, nothing to record) owns the new resource id; false
 * after failing the call. */
bool admin_gql_created(const gql_call_t *call, pay_owned_t kind, ledger_id_t id, const char *owner);

/*
 * One family's resolvers. Mutations are listed here too: admin_graphql.c wraps each Mutation
 * root field in Rafiki's idempotencyKey handling (args.input.idempotencyKey: the first answer
 * is kept 24 h and replayed; the same key with other arguments fails "Incoming arguments are
 * different than the original request for idempotencyKey: <key>"; a concurrent one "Concurrent
 * request for idempotencyKey: <key>"), so resolvers need not.
 */
extern const admin_gql_family_t admin_gql_assets;    /* assets, fees, asset liquidity */
extern const admin_gql_family_t admin_gql_peers;     /* peers, peer liquidity */
extern const admin_gql_family_t admin_gql_liquidity; /* withdrawals post/void, event liquidity */
extern const admin_gql_family_t admin_gql_webhooks;  /* webhookEvents */
extern const admin_gql_family_t admin_gql_transfers; /* accountingTransfers */
extern const admin_gql_family_t admin_gql_wallets;   /* wallet addresses and keys */
extern const admin_gql_family_t admin_gql_incoming;  /* incoming payments, receivers */
extern const admin_gql_family_t admin_gql_outgoing;  /* quotes, outgoing payments, payments */
extern const admin_gql_family_t admin_gql_tenants;   /* whoami, tenants, settings, X.tenant */
extern const admin_gql_family_t admin_gql_grants;    /* the auth schema: grants, revokeGrant */

/* Rafiki's schemas as we serve them (schema/graphql/, built into the binary). */
extern const uint8_t admin_gql_backend_sdl[];
extern const size_t admin_gql_backend_sdl_len;
extern const uint8_t admin_gql_auth_sdl[];
extern const size_t admin_gql_auth_sdl_len;

#endif
