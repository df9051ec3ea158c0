/*
 * Rafiki's liquidity mutations that are not an asset's or a peer's over the GraphQL face:
 * postLiquidityWithdrawal and voidLiquidityWithdrawal (any pending withdrawal by the id its
 * creator chose), and the payment and event liquidity mutations. Moves go through
 * payments/settlement.h with Rafiki's transfer errors.
 */
#include "admin/admin_gql_ledger.h"

static gql_resolve_t resolve_withdrawal(const gql_call_t *call, json_t **out, bool post)
{
    ledger_id_t id;
    if (!gqll_id(gqll_input(call), "withdrawalId", &id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer id");
    pay_move_result_t r = pay_withdrawal_resolve(gqll_ledger(call), id, post);
    if (r != PAY_MOVE_OK)
        return gqll_move_fail(call, r, false);
    *out = gqll_success();
    return GQL_RESOLVED;
}

static gql_resolve_t m_post(const gql_call_t *call, json_t **out)
{
    return resolve_withdrawal(call, out, true);
}

static gql_resolve_t m_void(const gql_call_t *call, json_t **out)
{
    return resolve_withdrawal(call, out, false);
}

static gql_resolve_t m_not_yet(const gql_call_t *call, json_t **out)
{
    (void)out;
    return admin_gql_fail(call, GQL_CODE_INTERNAL, "%s is not implemented yet in Rafiki in C",
                          call->field);
}

static const gql_resolver_t resolvers[] = {
    {"Mutation", "postLiquidityWithdrawal", m_post},
    {"Mutation", "voidLiquidityWithdrawal", m_void},
    {"Mutation", "createWalletAddressWithdrawal", m_not_yet},
};

const admin_gql_family_t admin_gql_liquidity = {resolvers, sizeof resolvers / sizeof resolvers[0]};
