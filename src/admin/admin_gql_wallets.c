/*
 * Admin GraphQL: wallet addresses and their keys (Rafiki's resolvers/wallet_address.ts,
 * walletAddressKey.ts, walletAddressAdditionalProperties.ts, liquidity.ts for
 * WalletAddress.liquidity). Every rule is the
 * domain's (wallet_address.h, wallet_address_props.h, pay_lists.h); this maps Rafiki's inputs to
 * it and its results to Rafiki's codes and messages.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_gql_ledger.h"
#include "admin/admin_gql_pay.h"
#include "payments/wallet_address_events.h"
#include "payments/wallet_address_props.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

json_t *gqlp_wallet_node(const wallet_address_t *w)
{
    char id[LEDGER_ID_STR_LEN + 1], acc[LEDGER_ID_STR_LEN + 1], asset[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(w->id, id);
    ledger_id_format(w->account_id, acc);
    ledger_id_format(w->asset_id, asset);
    return json_pack("{s:s,s:s,s:o,s:s,s:o,s:s,s:{s:s,s:s,s:i}}", "id", id, "address", w->url,
                     "publicName", w->public_name[0] ? json_string(w->public_name) : json_null(),
                     "status", w->active ? "ACTIVE" : "INACTIVE", "createdAt",
                     admin_gql_time_json(w->created_ms), "_accountId", acc, "asset", "id", asset,
                     "code", w->asset_code, "scale", (int)w->asset_scale);
}

/* Fails the call with Rafiki's answer to a wallet address result (WalletAddressError). */
static gql_resolve_t wa_fail(const gql_call_t *call, wallet_address_result_t r)
{
    switch (r) {
    case WALLET_ADDRESS_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown wallet address");
    case WALLET_ADDRESS_URL_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid url");
    case WALLET_ADDRESS_ASSET_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "unknown asset");
    case WALLET_ADDRESS_URL_TAKEN:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE,
                              "Duplicate wallet address found with the same url");
    case WALLET_ADDRESS_NAME_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid publicName");
    case WALLET_ADDRESS_KEY_EXISTS:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "Key already exists");
    case WALLET_ADDRESS_KEY_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Wallet address key not found");
    case WALLET_ADDRESS_KEY_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid jwk");
    case WALLET_ADDRESS_KEYS_FULL:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "too many keys or properties");
    case WALLET_ADDRESS_INACTIVE:
        return admin_gql_fail(call, GQL_CODE_INACTIVE, "inactive wallet address");
    default:
        return gqlp_internal(call, "wallet addresses");
    }
}

/* ---- queries ---- */

static gql_resolve_t q_wallet_address(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    ledger_id_t id;
    wallet_address_t w;
    wallet_address_result_t r = WALLET_ADDRESS_NOT_FOUND;
    if (gqlp_member_id(call->args, "id", &id))
        r = wallet_address_get(ctx, id, &w, NULL);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = gqlp_wallet_node(&w);
    return GQL_RESOLVED;
}

static gql_resolve_t q_wallet_address_by_url(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    wallet_address_t w;
    wallet_address_result_t r =
        wallet_address_find_by_url(ctx, gqlp_str(call->args, "url"), &w, NULL);
    if (r == WALLET_ADDRESS_NOT_FOUND) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = gqlp_wallet_node(&w);
    return GQL_RESOLVED;
}

static json_t *wallet_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    wallet_address_t w;
    wallet_address_result_t r =
        wallet_address_get(admin_gql_req(call)->gql->wallet, row->id, &w, NULL);
    *failed = r != WALLET_ADDRESS_OK && r != WALLET_ADDRESS_NOT_FOUND;
    return r == WALLET_ADDRESS_OK ? gqlp_wallet_node(&w) : NULL;
}

static gql_resolve_t q_wallet_addresses(const gql_call_t *call, json_t **out)
{
    pay_list_query_t q = {.kind = PAY_LIST_WALLET_ADDRESSES};
    return gqlp_connection(call, &q, wallet_row, out);
}

/* ---- WalletAddress fields ---- */

/* WalletAddress.asset: the asset as the assets family shows it (Rafiki's assetToGraphql). */
static gql_resolve_t f_asset(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    ledger_id_t id;
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    if (!gqlp_member_id(json_object_get(call->parent, "asset"), "id", &id))
        return gqlp_internal(call, "asset");
    pay_asset_t *a = xmalloc(sizeof *a);
    pay_asset_result_t r = pay_asset_get(ctx->db, ctx->ledger, id, a);
    if (r == PAY_ASSET_OK)
        *out = gqll_asset_json(a);
    free(a);
    if (r != PAY_ASSET_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "asset: %s", pay_asset_result_str(r));
    return GQL_RESOLVED;
}

static gql_resolve_t f_additional_properties(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    ledger_id_t id;
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    if (!gqlp_member_id(call->parent, "id", &id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "missing wallet address id");
    wallet_prop_t *props = xmalloc(WALLET_PROPS_MAX * sizeof *props); /* 41 KB: off the stack */
    size_t n;
    if (wallet_props_list(ctx, id, props, WALLET_PROPS_MAX, &n, NULL) != WALLET_ADDRESS_OK) {
        free(props);
        return gqlp_internal(call, "additional properties");
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "key", props[i].key, "value",
                                              props[i].value, "visibleInOpenPayments",
                                              props[i].visible_in_op));
    free(props);
    *out = list;
    return GQL_RESOLVED;
}

static json_t *key_node(const wallet_key_t *k)
{
    char id[LEDGER_ID_STR_LEN + 1], wid[LEDGER_ID_STR_LEN + 1];
    ledger_id_format(k->id, id);
    ledger_id_format(k->wallet_address_id, wid);
    return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s},s:b,s:o}", "id", id, "walletAddressId", wid,
                     "jwk", "kid", k->kid, "x", k->x, "alg", "EdDSA", "kty", "OKP", "crv",
                     "Ed25519", "revoked", k->revoked, "createdAt",
                     admin_gql_time_json(k->created_ms));
}

static json_t *key_row(const gql_call_t *call, const pay_list_row_t *row, bool *failed)
{
    wallet_key_t k;
    wallet_address_result_t r = wallet_key_get(admin_gql_req(call)->gql->wallet, row->id, &k, NULL);
    *failed = r != WALLET_ADDRESS_OK && r != WALLET_ADDRESS_KEY_NOT_FOUND;
    return r == WALLET_ADDRESS_OK ? key_node(&k) : NULL;
}

/* A list of the parent wallet address's resources of kind. */
static gql_resolve_t wallet_list(const gql_call_t *call, pay_list_kind_t kind, gqlp_node_fn node,
                                 json_t **out)
{
    const json_t *id = json_object_get(call->parent, "id");
    if (!json_is_string(id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "missing wallet address id");
    json_t *ids = json_pack("[O]", id);
    pay_list_query_t q = {.kind = kind};
    q.in[PAY_LIST_BY_WALLET] = ids;
    const json_t *filter = json_object_get(call->args, "filter");
    if (kind == PAY_LIST_INCOMING)
        gqlp_filter(filter, "initiatedBy", PAY_LIST_BY_INITIATED, &q);
    gql_resolve_t r = gqlp_connection(call, &q, node, out);
    json_decref(ids);
    return r;
}

static gql_resolve_t f_keys(const gql_call_t *call, json_t **out)
{
    return wallet_list(call, PAY_LIST_WALLET_KEYS, key_row, out);
}

static gql_resolve_t f_incoming(const gql_call_t *call, json_t **out)
{
    return wallet_list(call, PAY_LIST_INCOMING, gqlp_incoming_row, out);
}

static gql_resolve_t f_outgoing(const gql_call_t *call, json_t **out)
{
    return wallet_list(call, PAY_LIST_OUTGOING, gqlp_outgoing_row, out);
}

static gql_resolve_t f_quotes(const gql_call_t *call, json_t **out)
{
    return wallet_list(call, PAY_LIST_QUOTES, gqlp_quote_row, out);
}

/* ---- mutations ---- */

/* additionalProperties of an input, cleaned as Rafiki cleans them, into *props (allocated;
 * the caller frees it): how many are kept (absent: 0 with *given false), or -1 after failing
 * the call. */
static int props_in(const gql_call_t *call, const json_t *in, wallet_prop_t **props, bool *given)
{
    const json_t *list = json_object_get(in, "additionalProperties");
    *props = xmalloc(WALLET_PROPS_MAX * sizeof **props); /* 41 KB: off the stack */
    *given = json_is_array(list);
    if (!*given)
        return 0;
    if (json_array_size(list) > WALLET_PROPS_MAX) {
        wa_fail(call, WALLET_ADDRESS_KEYS_FULL);
        return -1;
    }
    int n = 0;
    size_t i;
    const json_t *p;
    json_array_foreach(list, i, p)
    {
        int c = wallet_prop_clean(gqlp_str(p, "key"), gqlp_str(p, "value"),
                                  json_is_true(json_object_get(p, "visibleInOpenPayments")),
                                  &(*props)[n]);
        if (c < 0) {
            admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "additional property too long");
            return -1;
        }
        n += c;
    }
    return n;
}

/* Rafiki's wallet address URL rules for the tenant that will own it (owner; NULL: the
 * operator): under its WALLET_ADDRESS_URL setting, which a tenant other than the operator must
 * have, else under OPEN_PAYMENTS_URL. False after failing the call. */
static bool tenant_wallet_url(const gql_call_t *call, const char *owner, const char *address,
                              char url[WALLET_ADDRESS_URL_MAX + 1])
{
    const admin_gql_t *g = admin_gql_req(call)->gql;
    char base[PAY_TENANT_TEXT_MAX + 1];
    const char *tenant = owner ? owner : g->operator_tenant_id;
    pay_tenant_result_t r =
        pay_tenant_setting(g->admin->db, tenant, "WALLET_ADDRESS_URL", base, sizeof base);
    if (r == PAY_TENANT_NOT_FOUND && owner) {
        admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Setting for wallet address has not been found.");
        return false;
    }
    if (r != PAY_TENANT_OK && r != PAY_TENANT_NOT_FOUND) {
        gqlp_internal(call, "tenant settings");
        return false;
    }
    if (wallet_address_url_under(r == PAY_TENANT_OK ? base : g->wallet->op_url,
                                 address ? address : "", g->allow_http_wallet_addresses,
                                 url) != 0) {
        wa_fail(call, WALLET_ADDRESS_URL_INVALID);
        return false;
    }
    return true;
}

static gql_resolve_t m_create_wallet_address(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    const char *owner;
    if (!admin_gql_create_owner(call, in, &owner))
        return GQL_RESOLVE_ERROR;
    char url[WALLET_ADDRESS_URL_MAX + 1];
    if (!tenant_wallet_url(call, owner, gqlp_str(in, "address"), url))
        return GQL_RESOLVE_ERROR;
    wallet_prop_t *props;
    bool given;
    int n = props_in(call, in, &props, &given);
    ledger_id_t asset;
    wallet_address_t w;
    wallet_address_result_t r = WALLET_ADDRESS_ASSET_NOT_FOUND;
    if (n >= 0 && gqlp_member_id(in, "assetId", &asset))
        r = wallet_address_create_owned(ctx, asset, url, gqlp_str(in, "publicName"), owner, &w,
                                        NULL);
    if (n > 0 && r == WALLET_ADDRESS_OK)
        r = wallet_props_set(ctx, w.id, props, (size_t)n, NULL);
    free(props);
    if (n < 0)
        return GQL_RESOLVE_ERROR;
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = json_pack("{s:o}", "walletAddress", gqlp_wallet_node(&w));
    return GQL_RESOLVED;
}

static gql_resolve_t m_update_wallet_address(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t id;
    wallet_address_t w;
    if (!gqlp_member_id(in, "id", &id) ||
        wallet_address_get(ctx, id, &w, NULL) == WALLET_ADDRESS_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown wallet address");
    wallet_prop_t *props;
    bool given;
    int n = props_in(call, in, &props, &given);
    if (n < 0) {
        free(props);
        return GQL_RESOLVE_ERROR;
    }
    const char *status = gqlp_str(in, "status");
    bool active = status && strcmp(status, "ACTIVE") == 0, was_active = w.active;
    wallet_address_result_t r = wallet_address_update(ctx, id, gqlp_str(in, "publicName"),
                                                      status ? &active : NULL, &w, NULL);
    /* Rafiki: deactivating a wallet address expires its open incoming payments */
    if (r == WALLET_ADDRESS_OK && status && !active && was_active)
        r = wallet_address_expire_incoming(ctx, id, clock_wall_ms(), NULL, NULL);
    if (r == WALLET_ADDRESS_OK && given)
        r = wallet_props_set(ctx, id, props, (size_t)n, NULL);
    free(props);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = json_pack("{s:o}", "walletAddress", gqlp_wallet_node(&w));
    return GQL_RESOLVED;
}

static gql_resolve_t m_create_key(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    const json_t *in = gqlp_input(call);
    ledger_id_t wid;
    if (!gqlp_member_id(in, "walletAddressId", &wid))
        return wa_fail(call, WALLET_ADDRESS_NOT_FOUND);
    const char *kid, *x, *why;
    if (wallet_key_parse_jwk(json_object_get(in, "jwk"), &kid, &x, &why) != 0)
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid jwk: %s", why);
    wallet_key_t k;
    wallet_address_result_t r = wallet_key_add(ctx, wid, kid, x, &k, NULL);
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = json_pack("{s:o}", "walletAddressKey", key_node(&k));
    return GQL_RESOLVED;
}

static gql_resolve_t m_revoke_key(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = gqlp_wallet_ctx(call);
    if (!ctx)
        return GQL_RESOLVE_ERROR;
    ledger_id_t id;
    wallet_key_t k;
    wallet_address_result_t r = WALLET_ADDRESS_KEY_NOT_FOUND;
    if (gqlp_member_id(gqlp_input(call), "id", &id))
        r = wallet_key_get(ctx, id, &k, NULL);
    if (r == WALLET_ADDRESS_OK)
        r = wallet_key_revoke(ctx, k.wallet_address_id, k.kid, &k, NULL);
    if (r == WALLET_ADDRESS_NOT_FOUND)
        r = WALLET_ADDRESS_KEY_NOT_FOUND;
    if (r != WALLET_ADDRESS_OK)
        return wa_fail(call, r);
    *out = json_pack("{s:o}", "walletAddressKey", key_node(&k));
    return GQL_RESOLVED;
}

/* triggerWalletAddressEvents: Rafiki's processNextWalletAddresses(limit) now; count is how
 * many due wallet addresses it took (wallet_address_events.h). */
static gql_resolve_t m_trigger_events(const gql_call_t *call, json_t **out)
{
    const wallet_ctx_t *ctx = admin_gql_req(call)->gql->wallet;
    json_t *limit = json_object_get(gqll_input(call), "limit");
    size_t count = 0;
    db_err_t e = {0};
    if (!ctx)
        return gqlp_internal(call, "wallet addresses");
    if (wa_events_process(ctx, clock_wall_ms(), json_integer_value(limit), &count, &e) !=
        WA_EVENTS_OK) {
        LOGE("triggerWalletAddressEvents: %s", e.msg);
        return gqlp_internal(call, "wallet addresses");
    }
    *out = json_pack("{s:I}", "count", (json_int_t)count);
    return GQL_RESOLVED;
}

static const gql_resolver_t RESOLVERS[] = {
    {"Query", "walletAddress", q_wallet_address},
    {"Query", "walletAddressByUrl", q_wallet_address_by_url},
    {"Query", "walletAddresses", q_wallet_addresses},
    {"WalletAddress", "asset", f_asset},
    {"WalletAddress", "liquidity", gqlp_liquidity},
    {"WalletAddress", "incomingPayments", f_incoming},
    {"WalletAddress", "outgoingPayments", f_outgoing},
    {"WalletAddress", "quotes", f_quotes},
    {"WalletAddress", "walletAddressKeys", f_keys},
    {"WalletAddress", "additionalProperties", f_additional_properties},
    {"Mutation", "createWalletAddress", m_create_wallet_address},
    {"Mutation", "updateWalletAddress", m_update_wallet_address},
    {"Mutation", "createWalletAddressKey", m_create_key},
    {"Mutation", "revokeWalletAddressKey", m_revoke_key},
    {"Mutation", "triggerWalletAddressEvents", m_trigger_events},
};

const admin_gql_family_t admin_gql_wallets = {RESOLVERS, sizeof RESOLVERS / sizeof *RESOLVERS};
