/*
 * The admin API (ADMIN_PORT, JSON over HTTP): what an operator uses to run the account service.
 * This header is also the toolkit for every file that adds admin routes (admin_ledger.c for
 * assets, accounts and transfers; later admin_peers.c and others): bearer authentication,
 * Idempotency-Key handling, the error body and request parsing, so that every route behaves the
 * same way. docs/admin-openapi.yaml describes the routes.
 *
 * A handler follows one shape:
 *
 *     static http_handler_result_t h_thing_create(http_req_t *req, void *user)
 *     {
 *         admin_call_t call;
 *         if (!admin_begin(&call, user, req, "POST /things"))
 *             return HTTP_DONE;               // answered: 401, idempotent replay or 409
 *         json_t *body = admin_body(&call);    // NULL: answered 400
 *         ...validate with admin_get_* (each answers 400 naming the field and returns -1)...
 *         admin_reply(&call, 201, doc);        // stores the answer under the key, then sends it
 *         return HTTP_DONE;
 *     }
 *
 * Every answer of a call goes through admin_reply/admin_error so an idempotent request records
 * exactly what the client saw. Handlers answer synchronously on the HTTP worker thread (ledger
 * calls block until their group commit is durable), so give the admin listener a few threads.
 *
 * Errors are {"error":{"code":"...","message":"..."}}: 400 bad JSON or validation (the message
 * names the field; amounts that are not canonical u64 decimal strings get "invalid_amount"; an
 * empty body is "invalid_json" saying so), 401 missing or wrong token (checked on the headers,
 * before the body is read), 415 "unsupported_media_type" for a body without
 * Content-Type: application/json, 404 unknown id in the path, 409 idempotency conflicts, 422 a
 * ledger rejection with the ledger's result code ("exceeds_credits"), 503 storage failures.
 */
#ifndef RAFIKI_ADMIN_ADMIN_H
#define RAFIKI_ADMIN_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/digest.h"
#include "http/server.h"
#include "ledger/ledger.h"
#include "payments/audit_queue.h"
#include "payments/json.h"
#include "store/cache.h"
#include "store/db.h"

/* How long a finished idempotent answer is replayed (Rafiki and IL-RFC 38: at least 24 h). */
#define ADMIN_IDEMPOTENCY_TTL_MS (24ull * 60 * 60 * 1000)
/* How long an in-flight marker blocks duplicates if its process dies before answering. A request
 * that takes longer than this could run twice; ledger ids still make the second a no-op. */
#define ADMIN_IDEMPOTENCY_INFLIGHT_MS (60ull * 1000)
/* Longest Idempotency-Key accepted (Stripe allows 255; a UUID is 36). */
#define ADMIN_IDEMPOTENCY_KEY_MAX 255
/* Legs in one POST /transfers: one ledger transfer group, applied all or nothing. */
#define ADMIN_TRANSFER_LEGS_MAX LEDGER_GROUP_LEGS_MAX
/* Page sizes for lists and history. */
#define ADMIN_PAGE_DEFAULT 20
#define ADMIN_PAGE_MAX     100
/* Longest pending timeout accepted: 30 days. */
#define ADMIN_TIMEOUT_MS_MAX (30ull * 24 * 60 * 60 * 1000)

typedef struct admin_ctx admin_ctx_t;

/* Per-request state of one admin call, on the handler's stack. */
typedef struct {
    admin_ctx_t *ctx;
    http_req_t *req;
    const char *route; /* "POST /transfers": names the idempotency entry and log lines */
    bool idem;         /* an Idempotency-Key is held for this call */
    bool answered;
    char idem_cache_key[16 + 2 * SHA256_LEN + 1];
    char fingerprint[2 * SHA256_LEN + 1]; /* hex SHA-256 of method, path and body */
    json_t *body;                         /* parsed by admin_body; freed when answered */
} admin_call_t;

/* A route handler: called after authentication and idempotency checks; answers through
 * admin_reply/admin_error (a handler that does not answer receives a 500). */
typedef http_handler_result_t (*admin_fn)(admin_call_t *call);

/* One route of a family; tables of these are static in each admin_*.c file. */
typedef struct {
    const char *method;
    const char *pattern;
    const char *route; /* method + " " + pattern: the idempotency scope and log name */
    admin_fn fn;
} admin_route_t;

#define ADMIN_ROUTE(m, p, f)                                                                       \
    {                                                                                              \
        m, p, m " " p, f                                                                           \
    }

typedef struct {
    const admin_route_t *route;
    admin_ctx_t *ctx;
} admin_binding_t;

/* Routes one context can carry across all families. */
#define ADMIN_ROUTES_MAX 96

/* What the admin routes need; owned by the process (serve.c) or a test, outliving the server.
 * Fill the first four fields; the rest is the registration's bookkeeping. */
struct admin_ctx {
    const char *secret; /* ADMIN_API_SECRET; NULL or "" refuses every request with 401 */
    ledger_t *ledger;
    db_t *db;       /* the database, for the peers routes; ledger tables only through `ledger` */
    cache_t *cache; /* idempotency keys; NULL disables Idempotency-Key handling */
    /* the audit log of changes (admin_audit.h): the writer, and the tenant a REST change is
     * recorded as (the operator's; its bearer token is ADMIN_API_SECRET); NULL: not recorded */
    audit_queue_t *audit;
    const char *audit_tenant;
    admin_binding_t bindings[ADMIN_ROUTES_MAX];
    size_t n_bindings;
};

/* Registers a family's routes on s: each request is authenticated, run through Idempotency-Key
 * handling, then handed to its admin_fn. Returns 0, or -1 when the table is full or the server
 * refuses a route. */
int admin_routes_register(http_server_t *s, admin_ctx_t *ctx, const admin_route_t *routes,
                          size_t n);

/* The assets, accounts, transfers, deposits and withdrawals routes (admin_ledger.c), on s
 * before http_server_start; ctx outlives the server. Each other family registers its own
 * (admin_peers_register, admin_users_register, ...). 0, or -1 when a registration fails. */
int admin_ledger_register(http_server_t *s, admin_ctx_t *ctx);

/*
 * Starts a call: checks the bearer token (answers 401), then, for POST and PATCH carrying an
 * Idempotency-Key, claims the key or answers for it: the stored answer of a finished request with
 * the same fingerprint (same status and body, header Idempotent-Replayed: true), 409
 * "idempotency_key_reused" for a different request under the same key, 409
 * "idempotency_key_in_flight" while the first is still running, 400 for a malformed key.
 * Returns true when the handler should go on, false when the request has been answered.
 */
bool admin_begin(admin_call_t *call, admin_ctx_t *ctx, http_req_t *req, const char *route);

/* True when the Authorization header carries the configured secret (constant time). */
bool admin_authorized(const admin_ctx_t *ctx, const char *authorization);

/* The checks that need only the headers: the bearer token (401, with WWW-Authenticate) and,
 * for a request carrying a body, Content-Type: application/json (415). Answers and returns
 * false when the request may not go on. Every admin route runs it as its server gate, before
 * a byte of the body is read or buffered, so unauthenticated uploads cost no memory. */
bool admin_check_headers(const admin_ctx_t *ctx, http_req_t *req);

/* Parses the request body as a JSON object (kept in call->body, freed when answered). On a bad
 * body answers 400 (invalid_json / too_deep / invalid_body) and returns NULL. */
json_t *admin_body(admin_call_t *call);
/* admin_body for routes whose body is optional: no body reads as {}. */
json_t *admin_body_opt(admin_call_t *call);

/* Answers with doc (a reference is stolen; NULL doc answers 500), recording the answer under the
 * call's idempotency key: 2xx and 4xx are replayed later, 5xx releases the key so a retry runs
 * again. Returns HTTP_DONE so handlers can `return admin_reply(...)`. */
http_handler_result_t admin_reply(admin_call_t *call, unsigned status, json_t *doc);
/* Answers {"error":{"code":code,"message":...}} through admin_reply. */
http_handler_result_t admin_error(admin_call_t *call, unsigned status, const char *code,
                                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answers a ledger result that is not success: 503 for storage errors and shutdown, 404 for
 * LEDGER_*_NOT_FOUND when not_found_is_404 (the id came from the path), else 422 with the
 * ledger's code. what prefixes the message ("transfer leg 2"). */
http_handler_result_t admin_ledger_error(admin_call_t *call, ledger_result_t r, bool not_found_404,
                                         const char *what);

/*
 * Field getters. Each returns 0, or answers 400 naming the field and returns -1. "opt" getters
 * leave *out unchanged when the key is absent or null and set *present (may be NULL).
 */
/* Canonical u64 decimal string (http_json_parse_u64); errors are "invalid_amount". When
 * positive, "0" is refused too. */
int admin_get_amount(admin_call_t *call, const json_t *obj, const char *key, bool positive,
                     uint64_t *out);
int admin_opt_amount(admin_call_t *call, const json_t *obj, const char *key, uint64_t *out,
                     bool *present);
/* Signed decimal string in the int64 range ("-500", "0"; no "+", no leading zeros); errors are
 * "invalid_amount". */
int admin_opt_i64str(admin_call_t *call, const json_t *obj, const char *key, int64_t *out,
                     bool *present);
/* A UUID string. */
int admin_get_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out);
int admin_opt_id(admin_call_t *call, const json_t *obj, const char *key, ledger_id_t *out,
                 bool *present);
/* A JSON integer in [min, max]. */
int admin_opt_uint(admin_call_t *call, const json_t *obj, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, bool *present);
int admin_opt_bool(admin_call_t *call, const json_t *obj, const char *key, bool *out,
                   bool *present);
/* Refuses keys of obj not in the NULL-terminated list (catches typos like "ammount"). */
int admin_check_keys(admin_call_t *call, const json_t *obj, const char *where,
                     const char *const *allowed);

/* The "{name}" path parameter as an id; answers 400 invalid_id when it is not a UUID. */
int admin_path_id(admin_call_t *call, const char *name, ledger_id_t *out);
/* A query parameter as an id; absent or empty leaves *out alone and sets *present (may be NULL)
 * to false. */
int admin_query_id(admin_call_t *call, const char *name, ledger_id_t *out, bool *present);
/* ?cursor=: the id of the last item of the previous page; absent or empty: the zero id. */
int admin_query_cursor(admin_call_t *call, ledger_id_t *after);
/* ?limit= in [1, ADMIN_PAGE_MAX], default ADMIN_PAGE_DEFAULT. */
int admin_query_limit(admin_call_t *call, size_t *out);

#endif
