/* admin_gql_liquidity.c, admin_gql_webhooks.c and admin_gql_transfers.c called as the executor
 * calls them, on SQLite with the real ledger: withdrawals posted and voided, webhookEvents with
 * Rafiki's default type filter and pages, accountingTransfers' debits and credits. */
#include "gql_ledger_env.h"
#include "payments/webhooks.h"

static void asset_with_money(ge_t *e, char id[40], const char *amount)
{
    json_t *v = ge_call(e, &admin_gql_assets, "Mutation", "createAsset", NULL,
                        "{\"input\":{\"code\":\"USD\",\"scale\":2}}");
    cr_assert_not_null(v, "%s", e->err.message);
    snprintf(id, 40, "%s", ge_str(v, "asset.id"));
    json_decref(v);
    char args[256];
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"%s\",\"id\":"
             "\"aaaaaaaa-0000-4000-8000-000000000001\",\"idempotencyKey\":\"k\"}}",
             id, amount);
    v = ge_call(e, &admin_gql_assets, "Mutation", "depositAssetLiquidity", NULL, args);
    cr_assert_not_null(v, "%s", e->err.message);
    json_decref(v);
}

static void withdraw(ge_t *e, const char *asset, const char *id, const char *amount)
{
    char args[320];
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"%s\",\"id\":\"%s\","
             "\"idempotencyKey\":\"k\",\"timeoutSeconds\":\"60\"}}",
             asset, amount, id);
    json_t *v =
        ge_call(e, &admin_gql_assets, "Mutation", "createAssetLiquidityWithdrawal", NULL, args);
    cr_assert_not_null(v, "%s", e->err.message);
    json_decref(v);
}

#define W1 "bbbbbbbb-0000-4000-8000-000000000001"
#define W2 "bbbbbbbb-0000-4000-8000-000000000002"

Test(gql_liquidity, post_void_and_transfers)
{
    ge_t e;
    ge_open(&e, "gl_post");
    char asset[40];
    asset_with_money(&e, asset, "100");
    withdraw(&e, asset, W1, "30");
    withdraw(&e, asset, W2, "20");
    json_t *v = ge_call(&e, &admin_gql_liquidity, "Mutation", "postLiquidityWithdrawal", NULL,
                        "{\"input\":{\"withdrawalId\":\"" W1 "\",\"idempotencyKey\":\"k\"}}");
    cr_assert_not_null(v, "%s", e.err.message);
    json_decref(v);
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "postLiquidityWithdrawal",
             "{\"input\":{\"withdrawalId\":\"" W1 "\",\"idempotencyKey\":\"k\"}}", "CONFLICT",
             "Transfer already posted");
    v = ge_call(&e, &admin_gql_liquidity, "Mutation", "voidLiquidityWithdrawal", NULL,
                "{\"input\":{\"withdrawalId\":\"" W2 "\",\"idempotencyKey\":\"k\"}}");
    cr_assert_not_null(v, "%s", e.err.message);
    json_decref(v);
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "voidLiquidityWithdrawal",
             "{\"input\":{\"withdrawalId\":\"" W2 "\",\"idempotencyKey\":\"k\"}}", "CONFLICT",
             "Transfer already voided");
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "voidLiquidityWithdrawal",
             "{\"input\":{\"withdrawalId\":\"bbbbbbbb-0000-4000-8000-000000000009\","
             "\"idempotencyKey\":\"k\"}}",
             "NOT_FOUND", "Unknown transfer");
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "createWalletAddressWithdrawal",
             "{\"input\":{}}", "INTERNAL_SERVER_ERROR", "payments do not run in this process");
    char args[128];
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", asset);
    v = ge_call(&e, &admin_gql_transfers, "Query", "accountingTransfers", NULL, args);
    json_t *debits = json_object_get(v, "debits"), *credits = json_object_get(v, "credits");
    cr_assert_eq(json_array_size(credits), 1, "the deposit");
    cr_assert_eq(json_array_size(debits), 1, "the posted withdrawal; the voided one is left out");
    cr_expect_str_eq(ge_str(json_array_get(debits, 0), "id"), W1);
    cr_expect_str_eq(ge_str(json_array_get(debits, 0), "transferType"), "WITHDRAWAL");
    cr_expect_str_eq(ge_str(json_array_get(debits, 0), "state"), "POSTED");
    cr_expect_str_eq(ge_str(json_array_get(credits, 0), "transferType"), "DEPOSIT");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(credits, 0), "ledger")), 1,
                 "the first asset created");
    json_decref(v);
    snprintf(args, sizeof args, "{\"id\":\"%s\",\"limit\":1}", asset);
    v = ge_call(&e, &admin_gql_transfers, "Query", "accountingTransfers", NULL, args);
    cr_expect_eq(json_array_size(json_object_get(v, "debits")) +
                     json_array_size(json_object_get(v, "credits")),
                 1);
    json_decref(v);
    ge_close(&e);
}

static void add_event(ge_t *e, const char *type, int n)
{
    db_err_t err = {0};
    db_conn_t *c = db_acquire(e->db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c);
    json_t *data = json_pack("{s:i}", "n", n);
    cr_assert_eq(db_begin(c, DB_TX_WRITE, &err), DB_OK);
    cr_assert_eq(webhook_event_add(c, type, "11111111-1111-4111-8111-111111111111", data, &err),
                 DB_OK, "%s", err.msg);
    cr_assert_eq(db_commit(c, &err), DB_OK);
    json_decref(data);
    db_release(c);
}

/* the data.n of a connection's nodes, joined by ',' */
static void ns(json_t *conn, char *out, size_t cap)
{
    size_t i, at = 0;
    json_t *edge;
    out[0] = '\0';
    json_array_foreach(json_object_get(conn, "edges"), i, edge)
    {
        json_t *n = json_object_get(json_object_get(json_object_get(edge, "node"), "data"), "n");
        int w =
            snprintf(out + at, cap - at, "%s%lld", i ? "," : "", (long long)json_integer_value(n));
        at += w > 0 ? (size_t)w : 0;
    }
}

Test(gql_webhooks, filters_and_pages)
{
    ge_t e;
    ge_open(&e, "gw_events");
    add_event(&e, "incoming_payment.created", 1);
    add_event(&e, "outgoing_payment.funded", 2);
    add_event(&e, "incoming_payment.completed", 3);
    add_event(&e, "outgoing_payment.cancelled", 4);
    add_event(&e, "incoming_payment.expired", 5);
    char got[64];
    json_t *c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL, "{}");
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "5,3,1", "newest first; funded and cancelled left out by default");
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL,
                "{\"filter\":{\"type\":{\"notIn\":[\"incoming_payment.created\"]}},"
                "\"sortOrder\":\"ASC\"}");
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "2,3,4,5", "a notIn replaces the default");
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL,
                "{\"filter\":{\"type\":{\"in\":[\"incoming_payment.completed\","
                "\"outgoing_payment.funded\"]}},\"sortOrder\":\"ASC\"}");
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "3", "in, and the default notIn still applies");
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL,
                "{\"first\":1,\"sortOrder\":\"ASC\"}");
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "1");
    char args[160];
    snprintf(args, sizeof args, "{\"first\":5,\"after\":\"%s\",\"sortOrder\":\"ASC\"}",
             ge_str(c, "pageInfo.endCursor"));
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL, args);
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "3,5");
    cr_expect(json_is_true(json_object_get(json_object_get(c, "pageInfo"), "hasPreviousPage")));
    snprintf(args, sizeof args, "{\"last\":5,\"before\":\"%s\",\"sortOrder\":\"ASC\"}",
             ge_str(c, "pageInfo.endCursor"));
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL, args);
    ns(c, got, sizeof got);
    cr_expect_str_eq(got, "1,3", "backward, in the page's order");
    json_decref(c);
    c = ge_call(&e, &admin_gql_webhooks, "Query", "webhookEvents", NULL,
                "{\"tenantId\":\"someone-else\"}");
    cr_expect_eq(json_array_size(json_object_get(c, "edges")), 0);
    json_decref(c);
    ge_close(&e);
}

/* Without the payments components (a process that runs only the ledger side) the payment calls
 * answer INTERNAL_SERVER_ERROR; unknown ids answer as Rafiki. */
Test(gql_liquidity, payment_calls_need_payments)
{
    ge_t e;
    ge_open(&e, "gl_nopay");
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "depositOutgoingPaymentLiquidity",
             "{\"input\":{\"outgoingPaymentId\":\"x\",\"idempotencyKey\":\"k\"}}",
             "INTERNAL_SERVER_ERROR", "payments do not run in this process");
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "createIncomingPaymentWithdrawal",
             "{\"input\":{\"incomingPaymentId\":\"x\",\"idempotencyKey\":\"k\","
             "\"timeoutSeconds\":\"1\"}}",
             "INTERNAL_SERVER_ERROR", "payments do not run in this process");
    ge_fails(&e, &admin_gql_liquidity, "Mutation", "postLiquidityWithdrawal",
             "{\"input\":{\"withdrawalId\":\"not-an-id\",\"idempotencyKey\":\"k\"}}",
             "BAD_USER_INPUT", "Invalid transfer id");
    ge_close(&e);
}
