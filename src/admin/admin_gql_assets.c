/*
 * Rafiki's asset operations over the GraphQL face: asset, assetByCodeAndScale, assets,
 * createAsset, updateAsset, deleteAsset, depositAssetLiquidity, createAssetLiquidityWithdrawal,
 * setFee and Asset.liquidity, .sendingFee, .receivingFee and .fees, as Rafiki's asset, fee and
 * liquidity resolvers answer them; the models are payments/assets.h and payments/fee.h.
 */
#include <string.h>

#include "admin/admin_gql_ledger.h"
#include "base/clock.h"
#include "payments/fee.h"
#include "payments/json.h"

static gql_resolve_t asset_fail(const gql_call_t *call, pay_asset_result_t r)
{
    switch (r) {
    case PAY_ASSET_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Asset not found");
    case PAY_ASSET_DUPLICATE:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "Asset already exists");
    case PAY_ASSET_IN_USE:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Cannot delete! Asset in use.");
    case PAY_ASSET_CODE_INVALID:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "Asset code must be 1 to %d letters and digits", ASSET_CODE_MAX_LEN);
    default:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
}

/* ---- queries ---- */

static gql_resolve_t q_asset(const gql_call_t *call, json_t **out)
{
    pay_asset_t a;
    ledger_id_t id;
    if (!gqll_id(call->args, "id", &id))
        return asset_fail(call, PAY_ASSET_NOT_FOUND);
    pay_asset_result_t r = pay_asset_get(gqll_db(call), gqll_ledger(call), id, &a);
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    *out = gqll_asset_json(&a);
    return GQL_RESOLVED;
}

static gql_resolve_t q_asset_by_code(const gql_call_t *call, json_t **out)
{
    const char *code = gqll_str(call->args, "code");
    json_int_t scale = json_integer_value(json_object_get(call->args, "scale"));
    pay_asset_t a;
    pay_asset_result_t r = PAY_ASSET_NOT_FOUND;
    /* in the caller's namespace: a tenant's own asset, the operator's for the operator */
    const admin_gql_req_t *req = admin_gql_req(call);
    const char *scope = req->is_operator ? "" : req->tenant_id;
    if (code && scale >= 0 && scale <= 255)
        r = pay_asset_by_code_in(gqll_db(call), gqll_ledger(call), scope, code, (uint8_t)scale, &a);
    if (r == PAY_ASSET_NOT_FOUND) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    *out = gqll_asset_json(&a);
    return GQL_RESOLVED;
}

static gql_resolve_t assets_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                                 json_t **nodes)
{
    (void)arg;
    pay_asset_t page[ADMIN_GQL_PAGE_MAX];
    size_t n = 0;
    pay_asset_result_t r = pay_assets_page(gqll_db(call), gqll_ledger(call), k, page, &n);
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    *nodes = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*nodes, gqll_asset_json(&page[i]));
    return GQL_RESOLVED;
}

static gql_resolve_t q_assets(const gql_call_t *call, json_t **out)
{
    return admin_gql_scoped_connection(call, NULL, assets_page, PAY_OWNED_ASSET, out);
}

/* Asset.liquidity: the balance of its liquidity account (Rafiki: "Unknown asset" when the
 * asset is gone). */
static gql_resolve_t f_liquidity(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    pay_asset_t a;
    pay_asset_result_t r = PAY_ASSET_NOT_FOUND;
    if (gqll_id(call->parent, "id", &id))
        r = pay_asset_get(gqll_db(call), gqll_ledger(call), id, &a);
    if (r == PAY_ASSET_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown asset");
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    ledger_status_t s;
    if (ledger_account_status(gqll_ledger(call), a.ledger.liquidity_account_id, &s) != LEDGER_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "No liquidity account found");
    *out = pay_json_i64(s.balance);
    return GQL_RESOLVED;
}

/* ---- mutations ---- */

/* The two optional thresholds of a create or update input. */
static bool thresholds(const json_t *in, uint64_t *wt, uint64_t *lt, bool *has_wt, bool *has_lt)
{
    return gqll_u64(in, "withdrawalThreshold", wt, has_wt) &&
           gqll_u64(in, "liquidityThreshold", lt, has_lt);
}

static gql_resolve_t m_create_asset(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    /* the operator may create for any tenant, a tenant for itself (Rafiki's forTenantId) */
    const char *owner;
    if (!admin_gql_create_owner(call, in, &owner))
        return GQL_RESOLVE_ERROR;
    uint64_t wt = 0, lt = 0;
    bool has_wt, has_lt;
    json_int_t scale = json_integer_value(json_object_get(in, "scale"));
    const char *code = gqll_str(in, "code");
    if (!code || scale < 0 || scale > 255 || !thresholds(in, &wt, &lt, &has_wt, &has_lt))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid asset input");
    pay_asset_t a;
    pay_asset_result_t r =
        pay_asset_create_in(gqll_db(call), gqll_ledger(call), owner ? owner : "", code,
                            (uint8_t)scale, has_wt ? &wt : NULL, has_lt ? &lt : NULL, &a);
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    if (!admin_gql_created(call, PAY_OWNED_ASSET, a.ledger.id, owner))
        return GQL_RESOLVE_ERROR;
    *out = json_pack("{s:o}", "asset", gqll_asset_json(&a));
    return GQL_RESOLVED;
}

static gql_resolve_t m_update_asset(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    uint64_t wt = 0, lt = 0;
    bool has_wt, has_lt;
    ledger_id_t id;
    if (!thresholds(in, &wt, &lt, &has_wt, &has_lt))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid asset input");
    if (!gqll_id(in, "id", &id))
        return asset_fail(call, PAY_ASSET_NOT_FOUND);
    pay_asset_t a;
    pay_asset_result_t r = pay_asset_update(gqll_db(call), gqll_ledger(call), id,
                                            has_wt ? &wt : NULL, has_lt ? &lt : NULL, &a);
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    *out = json_pack("{s:o}", "asset", gqll_asset_json(&a));
    return GQL_RESOLVED;
}

static gql_resolve_t m_delete_asset(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    if (!gqll_id(gqll_input(call), "id", &id))
        return asset_fail(call, PAY_ASSET_NOT_FOUND);
    pay_asset_t a;
    pay_asset_result_t r =
        pay_asset_delete(gqll_db(call), gqll_ledger(call), id, clock_wall_ms(), &a);
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    *out = json_pack("{s:o}", "asset", gqll_asset_json(&a));
    return GQL_RESOLVED;
}

/* depositAssetLiquidity and createAssetLiquidityWithdrawal: Rafiki's checks in its order
 * (amount zero, unknown asset), then the accounting service's (id, amount, balance). */
static gql_resolve_t asset_move(const gql_call_t *call, json_t **out, bool deposit)
{
    json_t *in = gqll_input(call);
    uint64_t amount = 0, timeout = 0;
    bool has_amount, has_timeout;
    if (!gqll_u64(in, "amount", &amount, &has_amount) ||
        !gqll_u64(in, "timeoutSeconds", &timeout, &has_timeout))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer amount");
    if (amount == 0)
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Transfer amount is zero");
    ledger_id_t asset_id, transfer_id;
    pay_asset_t a;
    pay_asset_result_t r = PAY_ASSET_NOT_FOUND;
    if (gqll_id(in, "assetId", &asset_id))
        r = pay_asset_get(gqll_db(call), gqll_ledger(call), asset_id, &a);
    if (r == PAY_ASSET_NOT_FOUND)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown asset");
    if (r != PAY_ASSET_OK)
        return asset_fail(call, r);
    if (!gqll_id(in, "id", &transfer_id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer id");
    ledger_t *l = gqll_ledger(call);
    ledger_id_t acct = a.ledger.liquidity_account_id;
    pay_move_result_t m = deposit ? pay_deposit(l, acct, transfer_id, amount)
                                  : pay_withdraw(l, acct, transfer_id, amount, timeout);
    if (m != PAY_MOVE_OK)
        return gqll_move_fail(call, m, deposit);
    *out = gqll_success();
    return GQL_RESOLVED;
}

static gql_resolve_t m_deposit_asset(const gql_call_t *call, json_t **out)
{
    return asset_move(call, out, true);
}

static gql_resolve_t m_withdraw_asset(const gql_call_t *call, json_t **out)
{
    return asset_move(call, out, false);
}

/* ---- fees ---- */

static json_t *fee_json(const fee_t *f)
{
    return json_pack("{s:o,s:o,s:s,s:o,s:i,s:o}", "id", pay_json_id(f->id), "assetId",
                     pay_json_id(f->asset_id), "type", fee_type_str(f->type), "fixed",
                     pay_json_u64(f->fixed), "basisPoints", (int)f->basis_points, "createdAt",
                     admin_gql_time_json(f->created_ms));
}

static gql_resolve_t fee_fail(const gql_call_t *call, fee_result_t r)
{
    switch (r) {
    case FEE_UNKNOWN_ASSET:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown asset");
    case FEE_INVALID_BASIS_POINTS:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "Basis point fee must be between 0 and 10000");
    case FEE_INVALID_FIXED:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT,
                              "Fixed fee must be greater than or equal to 0");
    default:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
}

static gql_resolve_t m_set_fee(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call), *fee = json_object_get(in, "fee");
    const char *type = gqll_str(in, "type");
    fee_type_t t;
    uint64_t fixed = 0;
    bool has_fixed;
    ledger_id_t asset;
    if (!type || fee_type_parse(type, strlen(type), &t) != 0 ||
        !gqll_u64(fee, "fixed", &fixed, &has_fixed))
        return fee_fail(call, FEE_INVALID_FIXED);
    if (!gqll_id(in, "assetId", &asset))
        asset = (ledger_id_t){0, 0}; /* no asset has it: "Unknown asset" in Rafiki's order */
    json_int_t bps = json_integer_value(json_object_get(fee, "basisPoints"));
    fee_t f;
    fee_result_t r = fee_set(gqll_db(call), gqll_ledger(call), asset, t, fixed, bps, &f);
    if (r != FEE_OK)
        return fee_fail(call, r);
    *out = json_pack("{s:o}", "fee", fee_json(&f));
    return GQL_RESOLVED;
}

/* Asset.sendingFee / .receivingFee: the newest fee of the type, or null. */
static gql_resolve_t current_fee(const gql_call_t *call, json_t **out, fee_type_t type)
{
    ledger_id_t id;
    fee_t f;
    fee_result_t r = FEE_NOT_FOUND;
    if (gqll_id(call->parent, "id", &id))
        r = fee_current(gqll_db(call), id, type, &f);
    if (r == FEE_NOT_FOUND) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (r != FEE_OK)
        return fee_fail(call, r);
    *out = fee_json(&f);
    return GQL_RESOLVED;
}

static gql_resolve_t f_sending_fee(const gql_call_t *call, json_t **out)
{
    return current_fee(call, out, FEE_SENDING);
}

static gql_resolve_t f_receiving_fee(const gql_call_t *call, json_t **out)
{
    return current_fee(call, out, FEE_RECEIVING);
}

static gql_resolve_t fees_page(const gql_call_t *call, void *arg, const pay_keyset_t *k,
                               json_t **nodes)
{
    const ledger_id_t *asset = arg;
    fee_page_t p = {.descending = !k->asc,
                    .has_cursor = k->has_cursor,
                    .cursor = k->cursor,
                    .before = k->backward,
                    .limit = k->limit};
    fee_t page[ADMIN_GQL_PAGE_MAX];
    size_t n = 0;
    fee_result_t r = fee_list(gqll_db(call), *asset, &p, page, ADMIN_GQL_PAGE_MAX, &n);
    if (r != FEE_OK && r != FEE_INVALID_CURSOR)
        return fee_fail(call, r);
    *nodes = json_array();
    for (size_t i = 0; r == FEE_OK && i < n; i++)
        json_array_append_new(*nodes, fee_json(&page[i]));
    return GQL_RESOLVED;
}

/* Asset.fees: the asset's fee history, a Relay connection. */
static gql_resolve_t f_fees(const gql_call_t *call, json_t **out)
{
    ledger_id_t asset;
    if (!gqll_id(call->parent, "id", &asset))
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "missing asset id");
    return gqll_connection(call, &asset, fees_page, out);
}

static const gql_resolver_t resolvers[] = {
    {"Query", "asset", q_asset},
    {"Query", "assetByCodeAndScale", q_asset_by_code},
    {"Query", "assets", q_assets},
    {"Asset", "liquidity", f_liquidity},
    {"Asset", "sendingFee", f_sending_fee},
    {"Asset", "receivingFee", f_receiving_fee},
    {"Asset", "fees", f_fees},
    {"Mutation", "createAsset", m_create_asset},
    {"Mutation", "updateAsset", m_update_asset},
    {"Mutation", "deleteAsset", m_delete_asset},
    {"Mutation", "depositAssetLiquidity", m_deposit_asset},
    {"Mutation", "createAssetLiquidityWithdrawal", m_withdraw_asset},
    {"Mutation", "setFee", m_set_fee},
};

const admin_gql_family_t admin_gql_assets = {resolvers, sizeof resolvers / sizeof resolvers[0]};
