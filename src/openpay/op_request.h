/*
 * What the resource server's files share (op_request.c, used by one file per resource:
 * op_incoming.c, op_quotes.c, op_outgoing.c): the answers, the request start every route makes
 * (token introspection, then the client's signature), resource URLs and ids, client ownership
 * and the list pages.
 *
 * Threads: the Open Payments listener's workers; calls may block on introspection, the
 * database and a client key fetch.
 */
#ifndef RAFIKI_OPENPAY_OP_REQUEST_H
#define RAFIKI_OPENPAY_OP_REQUEST_H

#include "openpay/op_resource.h"
#include "payments/op_urls.h"
#include "payments/resources.h"

#define RS_BODY_MAX     (64u * 1024u)
#define RS_PAGE_DEFAULT 20
#define RS_PAGE_MAX     100
/* A client as a resource records it: its wallet address URL, or "jwk:<kid>". */
#define RS_CLIENT_MAX (OP_CLIENT_MAX + 8)

typedef const op_resource_config_t rs_t;

/* ---- answers (each returns HTTP_DONE) ---- */

/* {"error":{"code":"<status>","description":...}}; a 401 names the grant endpoint. */
http_handler_result_t rs_error(http_req_t *req, rs_t *rs, unsigned status, const char *description);
/* doc (stolen; NULL answers 500). */
http_handler_result_t rs_json(http_req_t *req, rs_t *rs, unsigned status, json_t *doc);
/* {"value": "123", "assetCode", "assetScale"} */
json_t *rs_amount_json(uint64_t value, const char *code, uint8_t scale);

/* ---- tenants ---- */

/* Whose resources a request reaches: the tenant its path starts with (/{tenantId}/..., the
 * route parameter "tenant"), or the operator's without one or with the operator tenant's id. */
typedef struct {
    char owner[PAY_TENANT_ID_LEN + 1]; /* "": the operator's */
} rs_scope_t;

/* The scope of req. Answers 404 (not_found) when the path names no live tenant, 500 when the
 * database failed, and returns false then. */
bool rs_scope(http_req_t *req, rs_t *rs, const char *not_found, rs_scope_t *s);
/* Whether wallet address id belongs to the scope (false also when the look-up failed). */
bool rs_scope_has(rs_t *rs, const rs_scope_t *s, ledger_id_t wallet_id);

/* ---- resources ---- */

/* The URL of a resource of owner's (op_urls.h: {OPEN_PAYMENTS_URL}[/{tenantId}]/{kind}/{id})
 * into out. */
void rs_resource_url(rs_t *rs, const char *owner, const char *kind, ledger_id_t id, char *out,
                     size_t cap);
/* The id of {OPEN_PAYMENTS_URL}[/{tenantId}]/{kind}/{id}, or of a bare id; 0 or -1. Whose it
 * is the caller checks (rs_scope_has). */
int rs_resource_id(rs_t *rs, const char *kind, const char *s, ledger_id_t *out);
/* The active wallet address at url: OK, NOT_FOUND, INACTIVE or STORAGE_ERROR. */
wallet_address_result_t rs_wallet_by_url(rs_t *rs, const char *url, wallet_address_t *w);
/* The URL of wallet address id into out; 0 or -1. */
int rs_wallet_url_of(rs_t *rs, ledger_id_t id, char *out, size_t cap);

/* ---- who asks ---- */

void rs_client_id(const op_access_t *acc, char out[RS_CLIENT_MAX + 1]);
/* Token introspection for (type, action, identifier), then the client's signature. Answers
 * and returns false when the request may not go on; the caller releases acc->client_jwk. */
bool rs_authorize(http_req_t *req, rs_t *rs, const char *type, const char *action,
                  const char *identifier, op_access_t *acc);
/* True when the access covers every client's resources or this client created the resource. */
bool rs_may_see(rs_t *rs, pay_resource_t kind, ledger_id_t id, const op_access_t *acc);

/* The start of every create: the body, a JSON object naming walletAddress, and (type,
 * "create") authorized for that wallet address. */
typedef struct {
    json_t *body;
    const char *wallet; /* body.walletAddress */
    op_access_t acc;
    char client[RS_CLIENT_MAX + 1];
    rs_scope_t scope;
} rs_create_t;

/* Answers (400, 401, 403, 404 for a path naming no tenant) and returns false when the request
 * may not go on; after true the handler ends with rs_create_end. */
bool rs_create_begin(http_req_t *req, rs_t *rs, const char *type, rs_create_t *c);
/* The active wallet address c->wallet names, in the request's scope. Answers and returns false
 * when there is none: unknown_status "unknown or inactive wallet address" for an unknown or
 * inactive one, 404 "unknown wallet address" for another tenant's (Rafiki's
 * UnknownWalletAddress of a wallet address outside the path's tenant). */
bool rs_create_wallet(http_req_t *req, rs_t *rs, const rs_create_t *c, unsigned unknown_status,
                      wallet_address_t *w);
void rs_create_end(rs_create_t *c);

/* ---- lists ---- */

/* The JSON of one listed resource of owner's (NULL: left out of the page). */
typedef json_t *(*rs_row_fn)(rs_t *rs, ledger_id_t id, const char *wallet_url, const char *owner);
/* GET [/{tenantId}]/{kind}?wallet-address=&first|last&cursor: a page in creation order; a
 * wallet address outside the path's tenant answers 404 as an unknown one. */
http_handler_result_t rs_list(http_req_t *req, rs_t *rs, const char *type, pay_resource_t kind,
                              rs_row_fn row);

#endif
