/*
 * What every route of the Open Payments resource server shares (op_request.h): answers, the
 * request start, resource ids, ownership and list pages.
 */
#include "openpay/op_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/json.h"
#include "payments/json.h"

/* ---- answers ---- */

http_handler_result_t rs_error(http_req_t *req, rs_t *rs, unsigned status, const char *description)
{
    char code[8];
    snprintf(code, sizeof code, "%u", status);
    if (status == 401) {
        char h[WALLET_ADDRESS_URL_MAX + 32];
        snprintf(h, sizeof h, "GNAP as_uri=%s/", rs->wallet->auth_url);
        http_req_add_header(req, "WWW-Authenticate", h);
    }
    json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "description", description);
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

http_handler_result_t rs_json(http_req_t *req, rs_t *rs, unsigned status, json_t *doc)
{
    if (!doc)
        return rs_error(req, rs, 500, "out of memory");
    http_respond_json(req, status, doc);
    json_decref(doc);
    return HTTP_DONE;
}

json_t *rs_amount_json(uint64_t value, const char *code, uint8_t scale)
{
    return json_pack("{s:o,s:s,s:i}", "value", pay_json_u64(value), "assetCode", code, "assetScale",
                     (int)scale);
}

/* ---- tenants ---- */

bool rs_scope(http_req_t *req, rs_t *rs, const char *not_found, rs_scope_t *s)
{
    pay_tenant_result_t r =
        pay_op_path_owner(rs->wallet->db, http_req_param(req, "tenant"), s->owner);
    if (r == PAY_TENANT_OK)
        return true;
    if (r == PAY_TENANT_STORAGE_ERROR)
        rs_error(req, rs, 500, "storage unavailable");
    else
        rs_error(req, rs, 404, not_found);
    return false;
}

bool rs_scope_has(rs_t *rs, const rs_scope_t *s, ledger_id_t wallet_id)
{
    char owner[PAY_TENANT_ID_LEN + 1];
    return pay_wallet_owner(rs->wallet->db, wallet_id, owner) == PAY_TENANT_OK &&
           strcmp(owner, s->owner) == 0;
}

/* ---- resources ---- */

void rs_resource_url(rs_t *rs, const char *owner, const char *kind, ledger_id_t id, char *out,
                     size_t cap)
{
    if (pay_op_url(rs->wallet->op_url, owner, kind, id, out, cap) != 0 && cap > 0)
        out[0] = '\0';
}

/* The id of {op_url}[/{tenant}]/{kind}/{id}, or of a bare id. */
int rs_resource_id(rs_t *rs, const char *kind, const char *s, ledger_id_t *out)
{
    char tenant[PAY_TENANT_ID_LEN + 1];
    size_t n = strlen(s);
    if (pay_op_url_parse(rs->wallet->op_url, s, n, kind, tenant, out) == 0)
        return 0;
    return ledger_id_parse(s, n, out);
}

/* ---- who asks ---- */

/* The client identity a resource records: the wallet address URL, or "jwk:<kid>". */
void rs_client_id(const op_access_t *acc, char out[RS_CLIENT_MAX + 1])
{
    const char *kid = json_string_value(json_object_get(acc->client_jwk, "kid"));
    if (acc->client[0])
        snprintf(out, RS_CLIENT_MAX + 1, "%s", acc->client);
    else
        snprintf(out, RS_CLIENT_MAX + 1, "jwk:%s", kid ? kid : "");
}

/* Token introspection for (type, action, identifier), then the client's signature. Answers
 * and returns false when the request may not go on; the caller releases acc->client_jwk. */
bool rs_authorize(http_req_t *req, rs_t *rs, const char *type, const char *action,
                  const char *identifier, op_access_t *acc)
{
    memset(acc, 0, sizeof *acc);
    const char *h = http_req_header(req, "Authorization");
    if (!h || strncmp(h, "GNAP ", 5) != 0 || !h[5] || strchr(h + 5, ' ')) {
        rs_error(req, rs, 401, "Authorization: GNAP <access token> is required");
        return false;
    }
    op_access_result_t r =
        rs->introspect ? rs->introspect(rs->introspect_user, h + 5, type, action, identifier, acc)
                       : OP_ACCESS_ERROR;
    if (r == OP_ACCESS_INACTIVE) {
        rs_error(req, rs, 403, "Inactive Token");
        return false;
    }
    if (r == OP_ACCESS_INSUFFICIENT) {
        rs_error(req, rs, 403, "Insufficient Grant");
        return false;
    }
    if (r != OP_ACCESS_ACTIVE) {
        rs_error(req, rs, 401, "Invalid Token");
        return false;
    }
    char why[256];
    op_sig_result_t s =
        op_sig_verify(rs->sig, req, rs->wallet->op_url, acc->client[0] ? acc->client : NULL,
                      acc->client_jwk, why, sizeof why);
    if (s != OP_SIG_OK) {
        json_decref(acc->client_jwk);
        acc->client_jwk = NULL;
        rs_error(req, rs, s == OP_SIG_STORAGE_ERROR ? 500 : 401, why);
        return false;
    }
    return true;
}

/* ---- who created what ---- */

bool rs_may_see(rs_t *rs, pay_resource_t kind, ledger_id_t id, const op_access_t *acc)
{
    if (acc->all)
        return true;
    char me[RS_CLIENT_MAX + 1];
    rs_client_id(acc, me);
    return pay_resource_created_by(rs->wallet->db, kind, id, me) == PAY_RESOURCES_OK;
}

bool rs_create_begin(http_req_t *req, rs_t *rs, const char *type, rs_create_t *c)
{
    memset(c, 0, sizeof *c);
    if (!rs_scope(req, rs, "unknown wallet address", &c->scope))
        return false;
    http_json_err_t je;
    c->body = http_json_parse(http_req_body(req), &je);
    c->wallet = json_string_value(json_object_get(c->body, "walletAddress"));
    if (!json_is_object(c->body) || !c->wallet) {
        rs_error(req, rs, 400, c->body ? "walletAddress is required" : je.message);
        json_decref(c->body);
        return false;
    }
    if (!rs_authorize(req, rs, type, "create", c->wallet, &c->acc)) {
        json_decref(c->body);
        return false;
    }
    rs_client_id(&c->acc, c->client);
    return true;
}

bool rs_create_wallet(http_req_t *req, rs_t *rs, const rs_create_t *c, unsigned unknown_status,
                      wallet_address_t *w)
{
    if (rs_wallet_by_url(rs, c->wallet, w) != WALLET_ADDRESS_OK) {
        rs_error(req, rs, unknown_status, "unknown or inactive wallet address");
        return false;
    }
    if (!rs_scope_has(rs, &c->scope, w->id)) {
        rs_error(req, rs, 404, "unknown wallet address");
        return false;
    }
    return true;
}

void rs_create_end(rs_create_t *c)
{
    json_decref(c->acc.client_jwk);
    json_decref(c->body);
}

/* ---- wallet addresses ---- */

wallet_address_result_t rs_wallet_by_url(rs_t *rs, const char *url, wallet_address_t *w)
{
    db_err_t e;
    wallet_address_result_t r = wallet_address_get_by_url(rs->wallet, url, strlen(url), w, &e);
    if (r == WALLET_ADDRESS_OK && !w->active)
        r = WALLET_ADDRESS_INACTIVE;
    return r;
}

int rs_wallet_url_of(rs_t *rs, ledger_id_t id, char *out, size_t cap)
{
    wallet_address_t w;
    db_err_t e;
    if (wallet_address_get(rs->wallet, id, &w, &e) != WALLET_ADDRESS_OK)
        return -1;
    snprintf(out, cap, "%s", w.url);
    return 0;
}

/* ---- lists ---- */

/* The query of a list: its wallet address, page size, direction and cursor (as a string).
 * Answers 400 and returns false when malformed. */
static bool list_query(http_req_t *req, rs_t *rs, const char **wa, long *n, const char **cursor,
                       bool *backward)
{
    *wa = http_req_query(req, "wallet-address");
    const char *first = http_req_query(req, "first"), *last = http_req_query(req, "last");
    *cursor = http_req_query(req, "cursor");
    *backward = last != NULL;
    *n = RS_PAGE_DEFAULT;
    if (!*wa) {
        rs_error(req, rs, 400, "wallet-address is required");
        return false;
    }
    if ((first && last) || (last && !*cursor)) {
        rs_error(req, rs, 400, "give first or last (last only with a cursor)");
        return false;
    }
    const char *count = first ? first : last;
    if (count) {
        char *end;
        *n = strtol(count, &end, 10);
        if (*end || *n < 1 || *n > RS_PAGE_MAX) {
            rs_error(req, rs, 400, "first and last are 1 to 100");
            return false;
        }
    }
    return true;
}

/* {"pagination": {...}, "result": [...]} of a page of ids (got of them, one more when more). */
static json_t *list_doc(rs_t *rs, const ledger_id_t *ids, size_t got, bool more, bool backward,
                        bool has_cursor, const char *wallet_url, const char *owner, rs_row_fn row)
{
    json_t *result = json_array();
    for (size_t i = 0; i < got; i++) {
        json_t *item = row(rs, ids[backward ? got - 1 - i : i], wallet_url, owner);
        if (item)
            json_array_append_new(result, item);
    }
    json_t *page = json_pack("{s:b,s:b}", "hasNextPage", backward ? has_cursor : more,
                             "hasPreviousPage", backward ? more : has_cursor);
    if (got > 0) {
        char s[LEDGER_ID_STR_LEN + 1];
        ledger_id_format(ids[backward ? got - 1 : 0], s);
        json_object_set_new(page, "startCursor", json_string(s));
        ledger_id_format(ids[backward ? 0 : got - 1], s);
        json_object_set_new(page, "endCursor", json_string(s));
    }
    return json_pack("{s:o,s:o}", "pagination", page, "result", result);
}

http_handler_result_t rs_list(http_req_t *req, rs_t *rs, const char *type, pay_resource_t kind,
                              rs_row_fn row)
{
    const char *wa, *cursor;
    long n;
    bool backward;
    rs_scope_t scope;
    if (!rs_scope(req, rs, "unknown wallet address", &scope) ||
        !list_query(req, rs, &wa, &n, &cursor, &backward))
        return HTTP_DONE;
    op_access_t acc;
    if (!rs_authorize(req, rs, type, "list", wa, &acc))
        return HTTP_DONE;
    char me[RS_CLIENT_MAX + 1];
    rs_client_id(&acc, me);
    bool all = acc.all;
    json_decref(acc.client_jwk);
    wallet_address_t w;
    ledger_id_t cur = {0}, ids[RS_PAGE_MAX + 1];
    if (rs_wallet_by_url(rs, wa, &w) != WALLET_ADDRESS_OK || !rs_scope_has(rs, &scope, w.id))
        return rs_error(req, rs, 404, "unknown wallet address");
    const char *kind_path =
        kind == PAY_RESOURCE_INCOMING ? "incoming-payments" : "outgoing-payments";
    if (cursor && rs_resource_id(rs, kind_path, cursor, &cur) != 0)
        return rs_error(req, rs, 400, "cursor is not a resource id");
    pay_page_t page = {.wallet_address_id = w.id,
                       .client = all ? NULL : me,
                       .after = cursor ? &cur : NULL,
                       .backward = backward,
                       .limit = (size_t)n};
    size_t got;
    if (pay_resource_page(rs->wallet->db, kind, &page, ids, &got) != PAY_RESOURCES_OK)
        return rs_error(req, rs, 500, "storage unavailable");
    bool more = got > (size_t)n;
    return rs_json(req, rs, 200,
                   list_doc(rs, ids, more ? (size_t)n : got, more, backward, cursor != NULL, w.url,
                            scope.owner, row));
}
