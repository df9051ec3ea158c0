/*
 * Shared pieces of the ledger-side GraphQL families (see admin_gql_ledger.h).
 */
#include "admin/admin_gql_ledger.h"

#include <string.h>

#include "http/json.h"
#include "payments/json.h"

db_t *gqll_db(const gql_call_t *call)
{
    return admin_gql_req(call)->gql->admin->db;
}

ledger_t *gqll_ledger(const gql_call_t *call)
{
    return admin_gql_req(call)->gql->admin->ledger;
}

bool gqll_id(const json_t *obj, const char *key, ledger_id_t *out)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) &&
           ledger_id_parse(json_string_value(v), json_string_length(v), out) == 0;
}

bool gqll_u64(const json_t *obj, const char *key, uint64_t *out, bool *present)
{
    json_t *v = json_object_get(obj, key);
    *present = v && !json_is_null(v);
    if (!*present)
        return true;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0)
            return false;
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    return json_is_string(v) &&
           http_json_parse_u64(json_string_value(v), json_string_length(v), out) == 0;
}

const char *gqll_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

json_t *gqll_input(const gql_call_t *call)
{
    json_t *in = json_object_get(call->args, "input");
    return json_is_object(in) ? in : call->args;
}

gql_resolve_t gqll_move_fail(const gql_call_t *call, pay_move_result_t r, bool deposit)
{
    switch (r) {
    case PAY_MOVE_INVALID_AMOUNT:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer amount");
    case PAY_MOVE_TRANSFER_EXISTS:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "Transfer already exists");
    case PAY_MOVE_INSUFFICIENT_BALANCE:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Insufficient transfer balance");
    case PAY_MOVE_UNKNOWN_ACCOUNT:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND,
                              deposit ? "Unknown destination account" : "Unknown source account");
    default:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
}

json_t *gqll_success(void)
{
    return json_pack("{s:b}", "success", 1);
}

static json_t *opt_u64(bool has, uint64_t v)
{
    return has ? pay_json_u64(v) : json_null();
}

json_t *gqll_asset_json(const pay_asset_t *a)
{
    return json_pack("{s:o,s:s,s:i,s:o,s:o,s:o}", "id", pay_json_id(a->ledger.id), "code",
                     a->ledger.code, "scale", (int)a->ledger.scale, "withdrawalThreshold",
                     opt_u64(a->has_withdrawal_threshold, a->withdrawal_threshold),
                     "liquidityThreshold",
                     opt_u64(a->has_liquidity_threshold, a->liquidity_threshold), "createdAt",
                     admin_gql_time_json(a->ledger.created_ms));
}

json_t *gqll_empty_connection(void)
{
    return admin_gql_connection(json_array(), false, false);
}

/* Whether a row exists one step past node (forward: after it; else before it). */
static bool one_more(const gql_call_t *call, void *arg, gqll_page_fn fn, bool asc, json_t *node,
                     bool forward)
{
    pay_keyset_t k = {.asc = asc, .backward = !forward, .has_cursor = true, .limit = 1};
    if (!gqll_id(node, "id", &k.cursor))
        return false;
    json_t *nodes = NULL;
    gql_field_err_t saved = *call->err;
    bool more = fn(call, arg, &k, &nodes) == GQL_RESOLVED && json_array_size(nodes) > 0;
    *call->err = saved; /* Rafiki's getPageInfo reads a failure as "no more" */
    json_decref(nodes);
    return more;
}

gql_resolve_t gqll_connection(const gql_call_t *call, void *arg, gqll_page_fn fn, json_t **out)
{
    admin_gql_page_t page;
    if (admin_gql_page_args(call, &page) != GQL_RESOLVED)
        return GQL_RESOLVE_ERROR;
    pay_keyset_t k = {.asc = page.asc,
                      .backward = page.backward,
                      .has_cursor = page.has_cursor,
                      .limit = page.limit ? page.limit : ADMIN_GQL_PAGE_DEFAULT};
    if (page.has_cursor && ledger_id_parse(page.cursor, strlen(page.cursor), &k.cursor) != 0) {
        *out = gqll_empty_connection(); /* no row has that id */
        return GQL_RESOLVED;
    }
    json_t *nodes = NULL;
    if (fn(call, arg, &k, &nodes) != GQL_RESOLVED)
        return GQL_RESOLVE_ERROR;
    size_t n = json_array_size(nodes);
    bool prev = false, next = false;
    if (n) {
        next = one_more(call, arg, fn, k.asc, json_array_get(nodes, n - 1), true);
        prev = one_more(call, arg, fn, k.asc, json_array_get(nodes, 0), false);
    }
    *out = admin_gql_connection(nodes, prev, next);
    return GQL_RESOLVED;
}
