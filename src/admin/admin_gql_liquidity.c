/*
 * Rafiki's liquidity mutations that are not an asset's or a peer's, over the GraphQL face:
 * postLiquidityWithdrawal and voidLiquidityWithdrawal (any withdrawal by the id its creator
 * chose), and the payment liquidity of Rafiki's funding model (FUNDING_MODEL=rafiki):
 * depositOutgoingPaymentLiquidity, createOutgoingPaymentWithdrawal,
 * createIncomingPaymentWithdrawal and the deprecated depositEventLiquidity and
 * withdrawEventLiquidity, over payments/payment_liquidity.h, whose comments give each result's
 * Rafiki answer; and createWalletAddressWithdrawal over payments/wallet_address_events.h.
 */
#include "admin/admin_gql_ledger.h"
#include "admin/admin_gql_pay.h"
#include "payments/payment_liquidity.h"
#include "payments/wallet_address_events.h"

typedef payment_liquidity_result_t plr_t;

/* The answers every call shares. */
static gql_resolve_t common_fail(const gql_call_t *call, plr_t r)
{
    switch (r) {
    case PAYMENT_LIQUIDITY_TRANSFER_EXISTS:
        return admin_gql_fail(call, GQL_CODE_DUPLICATE, "Transfer already exists");
    case PAYMENT_LIQUIDITY_UNKNOWN_TRANSFER:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown transfer");
    case PAYMENT_LIQUIDITY_ALREADY_POSTED:
        return admin_gql_fail(call, GQL_CODE_CONFLICT, "Transfer already posted");
    case PAYMENT_LIQUIDITY_ALREADY_VOIDED:
        return admin_gql_fail(call, GQL_CODE_CONFLICT, "Transfer already voided");
    case PAYMENT_LIQUIDITY_TRANSFER_EXPIRED:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Transfer already expired");
    case PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Insufficient transfer balance");
    case PAYMENT_LIQUIDITY_INVALID_AMOUNT:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "invalid amount");
    case PAYMENT_LIQUIDITY_UNKNOWN_EVENT:
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer id");
    default:
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    }
}

static gql_resolve_t done(const gql_call_t *call, plr_t r, json_t **out)
{
    if (r != PAYMENT_LIQUIDITY_OK)
        return common_fail(call, r);
    *out = gqll_success();
    return GQL_RESOLVED;
}

/* The components a payment call needs; fails the call when this process runs without them. */
static bool have(const gql_call_t *call, bool outgoing, bool wallet)
{
    const admin_gql_t *g = admin_gql_req(call)->gql;
    if ((outgoing && !g->outgoing) || (wallet && !g->wallet)) {
        admin_gql_fail(call, GQL_CODE_INTERNAL, "payments do not run in this process");
        return false;
    }
    return true;
}

/* timeoutSeconds: Rafiki takes any; ours is bounded (payment_liquidity.h). */
static bool timeout_arg(const gql_call_t *call, const json_t *in, uint64_t *timeout)
{
    bool given;
    if (!gqll_u64(in, "timeoutSeconds", timeout, &given) ||
        *timeout > PAYMENT_WITHDRAWAL_TIMEOUT_S_MAX) {
        admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer timeout provided");
        return false;
    }
    return true;
}

static gql_resolve_t resolve_withdrawal(const gql_call_t *call, json_t **out, bool post)
{
    ledger_id_t id;
    if (!gqll_id(gqll_input(call), "withdrawalId", &id))
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer id");
    return done(call, payment_liquidity_withdrawal_resolve(gqll_ledger(call), id, post), out);
}

static gql_resolve_t m_post(const gql_call_t *call, json_t **out)
{
    return resolve_withdrawal(call, out, true);
}

static gql_resolve_t m_void(const gql_call_t *call, json_t **out)
{
    return resolve_withdrawal(call, out, false);
}

/* Funding answers (FundingError) for a deposit. */
static gql_resolve_t deposit_done(const gql_call_t *call, plr_t r, json_t **out)
{
    if (r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "unknown payment");
    if (r == PAYMENT_LIQUIDITY_WRONG_STATE || r == PAYMENT_LIQUIDITY_SELF_FUNDED)
        return admin_gql_fail(call, GQL_CODE_CONFLICT, "wrong state");
    return done(call, r, out);
}

/* depositOutgoingPaymentLiquidity: Rafiki first looks up the payment's created event, so an
 * unknown payment is "Invalid transfer id". dataToTransmit is not sent (no STREAM data). */
static gql_resolve_t m_deposit_outgoing(const gql_call_t *call, json_t **out)
{
    ledger_id_t id;
    if (!have(call, true, false))
        return GQL_RESOLVE_ERROR;
    if (!gqll_id(gqll_input(call), "outgoingPaymentId", &id))
        return common_fail(call, PAYMENT_LIQUIDITY_UNKNOWN_EVENT);
    plr_t r =
        payment_liquidity_outgoing_deposit(admin_gql_req(call)->gql->outgoing, id, NULL, NULL);
    if (r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT)
        r = PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    return deposit_done(call, r, out);
}

static gql_resolve_t m_withdraw_outgoing(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    ledger_id_t id;
    uint64_t timeout = 0;
    if (!have(call, true, false) || !timeout_arg(call, in, &timeout))
        return GQL_RESOLVE_ERROR;
    plr_t r = PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT;
    payment_withdrawal_t w;
    if (gqll_id(in, "outgoingPaymentId", &id))
        r = payment_liquidity_outgoing_withdraw(admin_gql_req(call)->gql->outgoing, id, timeout,
                                                &w);
    if (r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT || r == PAYMENT_LIQUIDITY_WRONG_STATE)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown outgoing payment");
    if (r == PAYMENT_LIQUIDITY_SELF_FUNDED)
        r = PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE;
    return done(call, r, out);
}

static gql_resolve_t m_withdraw_incoming(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    ledger_id_t id;
    uint64_t timeout = 0;
    if (!have(call, false, true) || !timeout_arg(call, in, &timeout))
        return GQL_RESOLVE_ERROR;
    plr_t r = PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT;
    payment_withdrawal_t w;
    if (gqll_id(in, "incomingPaymentId", &id))
        r = payment_liquidity_incoming_withdraw(admin_gql_req(call)->gql->wallet, id, timeout, &w);
    if (r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT || r == PAYMENT_LIQUIDITY_WRONG_STATE)
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown incoming payment");
    if (r == PAYMENT_LIQUIDITY_SELF_FUNDED || r == PAYMENT_LIQUIDITY_AMOUNT_ZERO)
        return admin_gql_fail(call, GQL_CODE_BAD_USER_INPUT, "Invalid transfer amount");
    return done(call, r, out);
}

static gql_resolve_t m_deposit_event(const gql_call_t *call, json_t **out)
{
    if (!have(call, true, false))
        return GQL_RESOLVE_ERROR;
    const char *event = gqll_str(gqll_input(call), "eventId");
    return deposit_done(
        call, payment_liquidity_event_deposit(admin_gql_req(call)->gql->outgoing, event), out);
}

static gql_resolve_t m_withdraw_event(const gql_call_t *call, json_t **out)
{
    if (!have(call, false, true))
        return GQL_RESOLVE_ERROR;
    const admin_gql_t *g = admin_gql_req(call)->gql;
    payment_withdrawal_t w;
    plr_t r = payment_liquidity_event_withdraw(g->outgoing, g->wallet,
                                               gqll_str(gqll_input(call), "eventId"), &w);
    /* Rafiki's event carries no withdrawal when the payment holds nothing */
    if (r == PAYMENT_LIQUIDITY_AMOUNT_ZERO || r == PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE ||
        r == PAYMENT_LIQUIDITY_SELF_FUNDED || r == PAYMENT_LIQUIDITY_WRONG_STATE ||
        r == PAYMENT_LIQUIDITY_UNKNOWN_PAYMENT)
        r = PAYMENT_LIQUIDITY_UNKNOWN_EVENT;
    return done(call, r, out);
}

/* createWalletAddressWithdrawal: the wallet address's whole balance, by the caller's id. */
static gql_resolve_t m_withdraw_wallet(const gql_call_t *call, json_t **out)
{
    json_t *in = gqll_input(call);
    ledger_id_t wa_id, transfer_id;
    uint64_t timeout = 0, amount = 0;
    if (!have(call, false, true) || !timeout_arg(call, in, &timeout))
        return GQL_RESOLVE_ERROR;
    wallet_address_t wa;
    wa_events_result_t r = WA_EVENTS_NOT_FOUND;
    bool id_ok = gqll_id(in, "id", &transfer_id);
    if (gqll_id(in, "walletAddressId", &wa_id))
        r = wa_events_withdraw(admin_gql_req(call)->gql->wallet, wa_id, id_ok ? &transfer_id : NULL,
                               timeout, &wa, &amount);
    switch (r) {
    case WA_EVENTS_OK:
        break;
    case WA_EVENTS_NOT_FOUND:
        return admin_gql_fail(call, GQL_CODE_NOT_FOUND, "Unknown wallet address");
    case WA_EVENTS_AMOUNT_ZERO:
        return admin_gql_fail(call, GQL_CODE_FORBIDDEN, "Transfer amount is zero");
    case WA_EVENTS_INVALID_ID:
        return common_fail(call, PAYMENT_LIQUIDITY_UNKNOWN_EVENT); /* "Invalid transfer id" */
    case WA_EVENTS_TRANSFER_EXISTS:
        return common_fail(call, PAYMENT_LIQUIDITY_TRANSFER_EXISTS);
    case WA_EVENTS_INSUFFICIENT_BALANCE:
        return common_fail(call, PAYMENT_LIQUIDITY_INSUFFICIENT_BALANCE);
    default:
        return common_fail(call, PAYMENT_LIQUIDITY_STORAGE_ERROR);
    }
    *out = json_pack("{s:{s:o,s:o,s:o}}", "withdrawal", "id", pay_json_id(transfer_id), "amount",
                     pay_json_u64(amount), "walletAddress", gqlp_wallet_node(&wa));
    return GQL_RESOLVED;
}

static const gql_resolver_t resolvers[] = {
    {"Mutation", "postLiquidityWithdrawal", m_post},
    {"Mutation", "voidLiquidityWithdrawal", m_void},
    {"Mutation", "depositOutgoingPaymentLiquidity", m_deposit_outgoing},
    {"Mutation", "createOutgoingPaymentWithdrawal", m_withdraw_outgoing},
    {"Mutation", "createIncomingPaymentWithdrawal", m_withdraw_incoming},
    {"Mutation", "depositEventLiquidity", m_deposit_event},
    {"Mutation", "withdrawEventLiquidity", m_withdraw_event},
    {"Mutation", "createWalletAddressWithdrawal", m_withdraw_wallet},
};

const admin_gql_family_t admin_gql_liquidity = {resolvers, sizeof resolvers / sizeof resolvers[0]};
