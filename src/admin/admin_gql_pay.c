/*
 * The shared pieces of the payments families of the admin GraphQL face (admin_gql_pay.h):
 * argument readers, leaf values and Relay connections over pay_lists.h.
 */
#include "admin/admin_gql_pay.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "payments/json.h"
#include "payments/payment_liquidity.h"
#include "base/assert.h"
#include "base/env.h"
#include "base/log.h"
#include "base/mem.h"

bool gqlp_id(const char *s, ledger_id_t *out)
{
    return s && ledger_id_parse(s, strlen(s), out) == 0;
}

bool gqlp_member_id(const json_t *obj, const char *name, ledger_id_t *out)
{
    return gqlp_id(json_string_value(json_object_get(obj, name)), out);
}

const json_t *gqlp_input(const gql_call_t *call)
{
    const json_t *in = json_object_get(call->args, "input");
    ASSERT(json_is_object(in));
    return in;
}

const char *gqlp_str(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

const wallet_ctx_t *gqlp_wallet_ctx(const gql_call_t *call)
{
    const wallet_ctx_t *w = admin_gql_req(call)->gql->wallet;
    if (!w)
        admin_gql_fail(call, GQL_CODE_INTERNAL, "wallet addresses are not served here");
    return w;
}

gql_resolve_t gqlp_internal(const gql_call_t *call, const char *what)
{
    return admin_gql_fail(call, GQL_CODE_INTERNAL, "%s: the database is unavailable", what);
}

gql_resolve_t gqlp_later(const gql_call_t *call, json_t **out)
{
    (void)out;
    return admin_gql_fail(call, GQL_CODE_INTERNAL, "%s.%s is " GQLP_LATER, call->type, call->field);
}

int gqlp_amount_in(const json_t *in, quote_amount_t *out)
{
    memset(out, 0, sizeof *out);
    const json_t *v = json_object_get(in, "value");
    const char *code = gqlp_str(in, "assetCode");
    const json_t *scale = json_object_get(in, "assetScale");
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (parse_u64(s, strlen(s), &out->value) != 0)
            return -1;
    } else if (json_is_integer(v) && json_integer_value(v) >= 0) {
        out->value = (uint64_t)json_integer_value(v);
    } else {
        return -1;
    }
    if (!code || strlen(code) > ASSET_CODE_MAX_LEN || !json_is_integer(scale) ||
        json_integer_value(scale) < 0 || json_integer_value(scale) > 255)
        return -1;
    memcpy(out->asset_code, code, strlen(code) + 1);
    out->asset_scale = (uint8_t)json_integer_value(scale);
    return 0;
}

json_t *gqlp_u64(uint64_t v)
{
    return pay_json_u64(v);
}

json_t *gqlp_amount(uint64_t value, const char *code, uint8_t scale)
{
    return json_pack("{s:o,s:s,s:i}", "value", gqlp_u64(value), "assetCode", code, "assetScale",
                     (int)scale);
}

json_t *gqlp_metadata(const char *text)
{
    json_t *m = text && text[0] ? json_loads(text, 0, NULL) : NULL;
    if (m && !json_is_object(m)) {
        json_decref(m);
        m = NULL;
    }
    return m ? m : json_null();
}

/* WalletAddress.liquidity: the balance of its wallet account (_accountId). */
static gql_resolve_t wallet_liquidity(const gql_call_t *call, const wallet_ctx_t *w, json_t **out)
{
    ledger_id_t account;
    ledger_status_t s;
    ledger_result_t r = LEDGER_ACCOUNT_NOT_FOUND;
    if (gqlp_member_id(call->parent, "_accountId", &account))
        r = ledger_account_status(w->ledger, account, &s);
    if (r == LEDGER_ACCOUNT_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown wallet address");
    if (r != LEDGER_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "liquidity: %s", ledger_result_str(r));
    *out = gqlp_u64(s.balance > 0 ? (uint64_t)s.balance : 0);
    return GQL_RESOLVED;
}

gql_resolve_t gqlp_liquidity(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *w = gqlp_wallet_ctx(call);
    if (!w)
        return GQL_RESOLVE_ERROR;
    if (strcmp(call->type, "WalletAddress") == 0)
        return wallet_liquidity(call, w, out);
    /* payments: the domain's balance of the payment's own account (payment_liquidity.h) */
    bool outgoing = strcmp(call->type, "OutgoingPayment") == 0 ||
                    (strcmp(call->type, "Payment") == 0 &&
                     strcmp(gqlp_str(call->parent, "type") ? gqlp_str(call->parent, "type") : "",
                            "OUTGOING") == 0);
    outgoing_payments_t *op = admin_gql_req(call)->gql->outgoing;
    ledger_id_t id;
    uint64_t v = 0;
    payment_liquidity_result_t r = PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT;
    if (gqlp_member_id(call->parent, "id", &id))
        r = outgoing ? (op ? payment_liquidity_outgoing_balance(op, id, &v)
                           : PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT)
                     : payment_liquidity_incoming_balance(w, id, &v);
    if (r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "%s",
                              outgoing ? "Unknown outgoing payment" : "Unknown incoming payment");
    if (r != PAYMENT_LIQUIDITY_OK)
        return gqlp_internal(call, "liquidity");
    *out = gqlp_u64(v);
    return GQL_RESOLVED;
}

void gqlp_filter(const json_t *filter, const char *name, pay_list_field_t f, pay_list_query_t *q)
{
    const json_t *fs = json_object_get(filter, name);
    const json_t *in = json_object_get(fs, "in");
    const json_t *not_in = json_object_get(fs, "notIn");
    q->in[f] = json_is_array(in) ? in : NULL;
    q->not_in[f] = json_is_array(not_in) ? not_in : NULL;
}

/* Renders the page's rows; NULL after failing the call. */
static json_t *page_nodes(const gql_call_t *call, const pay_list_page_t *p, gqlp_node_fn node)
{
    json_t *nodes = json_array();
    for (size_t i = 0; i < p->n; i++) {
        bool failed = false;
        json_t *n = node(call, &p->rows[i], &failed);
        if (failed) {
            json_decref(n);
            json_decref(nodes);
            gqlp_internal(call, "list");
            return NULL;
        }
        if (n)
            json_array_append_new(nodes, n);
    }
    return nodes;
}

gql_resolve_t gqlp_connection(const gql_call_t *call, pay_list_query_t *q, gqlp_node_fn node,
                              json_t **out)
{
    admin_gql_page_t page;
    if (admin_gql_page_args(call, &page) != GQL_RESOLVED)
        return GQL_RESOLVE_ERROR;
    const wallet_ctx_t *w = gqlp_wallet_ctx(call);
    if (!w)
        return GQL_RESOLVE_ERROR;
    q->asc = page.asc;
    q->backward = page.backward;
    q->limit = page.limit;
    q->cursor = page.has_cursor ? page.cursor : NULL;
    admin_gql_list_scope(call, &q->scope);
    if (q->limit == 0) {
        *out = admin_gql_connection(json_array(), false, false);
        return GQL_RESOLVED;
    }
    pay_list_page_t *p = xcalloc(1, sizeof *p);
    db_err_t e = {0};
    pay_list_result_t r = pay_list_page(w->db, q, p, &e);
    json_t *nodes = NULL;
    if (r == PAY_LIST_FILTER_INVALID)
        admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid filter");
    else if (r != PAY_LIST_OK)
        gqlp_internal(call, "list");
    else
        nodes = page_nodes(call, p, node);
    bool prev = p->has_prev, next = p->has_next;
    free(p);
    if (!nodes)
        return GQL_RESOLVE_ERROR;
    *out = admin_gql_connection(nodes, prev, next);
    return GQL_RESOLVED;
}

json_t *gqlp_payment_node(json_t *node, bool outgoing)
{
    json_t *p = json_object();
    static const char *const keep[] = {"id",    "walletAddressId", "client",
                                       "state", "metadata",        "createdAt"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        json_t *v = json_object_get(node, keep[i]);
        if (v)
            json_object_set(p, keep[i], v);
    }
    json_object_set_new(p, "type", json_string(outgoing ? "OUTGOING" : "INCOMING"));
    json_object_set_new(p, "__typename", json_string("Payment"));
    json_decref(node);
    return p;
}

gql_resolve_t gqlp_client(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *w = gqlp_wallet_ctx(call);
    ledger_id_t id;
    if (!w)
        return GQL_RESOLVE_ERROR;
    pay_list_kind_t kind = PAY_LIST_INCOMING;
    if (strcmp(call->type, "OutgoingPayment") == 0 ||
        (strcmp(call->type, "Payment") == 0 &&
         strcmp(gqlp_str(call->parent, "type") ? gqlp_str(call->parent, "type") : "", "OUTGOING") ==
             0))
        kind = PAY_LIST_OUTGOING;
    char client[1024];
    if (!gqlp_member_id(call->parent, "id", &id)) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (pay_list_client(w->db, kind, id, client, sizeof client, NULL) != PAY_LIST_OK)
        return gqlp_internal(call, "client");
    *out = client[0] ? json_string(client) : json_null();
    return GQL_RESOLVED;
}
