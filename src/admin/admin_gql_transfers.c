/*
 * Rafiki's accountingTransfers query over the GraphQL face: an account's live transfers (posted,
 * or pending and not expired) split into debits and credits (payments/settlement.h; the id may
 * name the account itself or an asset, a peer, a wallet address or a payment), each as
 * an AccountingTransfer with its type, state and the asset's ledger number.
 */
#include "admin/admin_gql_ledger.h"
#include "payments/json.h"

/* Rafiki's default when no limit is given. */
#define TRANSFERS_LIMIT_DEFAULT 20

static const char *type_name(uint32_t code)
{
    return code == PAY_CODE_DEPOSIT      ? "DEPOSIT"
           : code == PAY_CODE_WITHDRAWAL ? "WITHDRAWAL"
                                         : "TRANSFER";
}

static json_t *transfer_json(const ledger_transfer_t *t, uint32_t ledger_number)
{
    const char *state = t->state == LEDGER_STATE_PENDING  ? "PENDING"
                        : t->state == LEDGER_STATE_POSTED ? "POSTED"
                                                          : "VOIDED";
    return json_pack("{s:o,s:o,s:o,s:o,s:s,s:i,s:o,s:s,s:o}", "id", pay_json_id(t->id),
                     "debitAccountId", pay_json_id(t->debit_account_id), "creditAccountId",
                     pay_json_id(t->credit_account_id), "amount", pay_json_u64(t->amount),
                     "transferType", type_name(t->code), "ledger", (int)ledger_number, "createdAt",
                     admin_gql_time_json(t->created_ms), "state", state, "expiresAt",
                     t->expires_ms ? admin_gql_time_json(t->expires_ms) : json_null());
}

static json_t *list_json(const ledger_transfer_t *v, size_t n, uint32_t ledger_number)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, transfer_json(&v[i], ledger_number));
    return a;
}

static gql_resolve_t q_accounting_transfers(const gql_call_t *call, json_t **out)
{
    json_t *lim = json_object_get(call->args, "limit");
    json_int_t limit = json_is_integer(lim) ? json_integer_value(lim) : TRANSFERS_LIMIT_DEFAULT;
    if (limit <= 0 || limit > PAY_ACCOUNT_TRANSFERS_MAX)
        limit = PAY_ACCOUNT_TRANSFERS_MAX; /* Rafiki: 0 is no limit; ours stops at the max */
    ledger_id_t id;
    ledger_transfer_t debits[PAY_ACCOUNT_TRANSFERS_MAX], credits[PAY_ACCOUNT_TRANSFERS_MAX];
    size_t nd = 0, nc = 0;
    ledger_account_t acct = {0};
    if (gqll_id(call->args, "id", &id) &&
        pay_account_transfers(gqll_db(call), gqll_ledger(call), admin_gql_req(call)->gql->wallet,
                              id, (size_t)limit, debits, &nd, credits, &nc, &acct) != LEDGER_OK)
        return admin_gql_fail(call, GQL_CODE_INTERNAL, "Internal server error");
    uint32_t number = 0;
    if (nd + nc)
        pay_asset_ledger_number(gqll_ledger(call), acct.asset_id, &number);
    *out = json_pack("{s:o,s:o}", "debits", list_json(debits, nd, number), "credits",
                     list_json(credits, nc, number));
    return GQL_RESOLVED;
}

static const gql_resolver_t resolvers[] = {
    {"Query", "accountingTransfers", q_accounting_transfers},
};

const admin_gql_family_t admin_gql_transfers = {resolvers, sizeof resolvers / sizeof resolvers[0]};
