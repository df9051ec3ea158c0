/* admin_gql_assets.c: Rafiki's asset queries and mutations, called as the executor calls them,
 * over SQLite with the real ledger; results and Rafiki's errors. */
#include <unistd.h>

#include "gql_ledger_env.h"

static json_t *create(ge_t *e, const char *code, int scale)
{
    char args[256];
    snprintf(args, sizeof args, "{\"input\":{\"code\":\"%s\",\"scale\":%d}}", code, scale);
    json_t *v = ge_call(e, &admin_gql_assets, "Mutation", "createAsset", NULL, args);
    cr_assert_not_null(v, "%s", e->err.message);
    return v;
}

Test(gql_assets, create_read_update_delete)
{
    ge_t e;
    ge_open(&e, "ga_crud");
    json_t *v = ge_call(&e, &admin_gql_assets, "Mutation", "createAsset", NULL,
                        "{\"input\":{\"code\":\"USD\",\"scale\":2,\"withdrawalThreshold\":\"100\","
                        "\"liquidityThreshold\":\"50\"}}");
    cr_assert_not_null(v, "%s", e.err.message);
    char id[64];
    snprintf(id, sizeof id, "%s", ge_str(v, "asset.id"));
    cr_expect_str_eq(ge_str(v, "asset.code"), "USD");
    cr_expect_str_eq(ge_str(v, "asset.withdrawalThreshold"), "100");
    cr_expect_str_eq(ge_str(v, "asset.liquidityThreshold"), "50");
    cr_expect_eq(strlen(ge_str(v, "asset.createdAt")), 24, "ISO time with milliseconds");
    json_decref(v);
    ge_fails(&e, &admin_gql_assets, "Mutation", "createAsset",
             "{\"input\":{\"code\":\"USD\",\"scale\":2}}", "DUPLICATE", "Asset already exists");
    ge_fails(&e, &admin_gql_assets, "Mutation", "createAsset",
             "{\"input\":{\"code\":\"EUR\",\"scale\":2,\"tenantId\":\"other\"}}",
             "INTERNAL_SERVER_ERROR", "unknown tenant other");
    json_decref(ge_call(&e, &admin_gql_assets, "Mutation", "createAsset", NULL,
                        "{\"input\":{\"code\":\"EUR\",\"scale\":2,\"tenantId\":\"" GE_TENANT
                        "\"}}"));
    cr_expect_null(e.err.code, "the operator's own tenant id is accepted");
    char args[256];
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
    v = ge_call(&e, &admin_gql_assets, "Query", "asset", NULL, args);
    cr_assert_not_null(v);
    cr_expect_eq(json_integer_value(json_object_get(v, "scale")), 2);
    json_t *liq = ge_call(&e, &admin_gql_assets, "Asset", "liquidity", v, "{}");
    cr_expect_str_eq(json_string_value(liq), "0");
    json_decref(liq);
    json_decref(v);
    v = ge_call(&e, &admin_gql_assets, "Query", "assetByCodeAndScale", NULL,
                "{\"code\":\"USD\",\"scale\":3}");
    cr_expect(json_is_null(v), "unknown code and scale: null, no error");
    json_decref(v);
    snprintf(args, sizeof args, "{\"input\":{\"id\":\"%s\",\"liquidityThreshold\":\"7\"}}", id);
    v = ge_call(&e, &admin_gql_assets, "Mutation", "updateAsset", NULL, args);
    cr_assert_not_null(v);
    cr_expect(json_is_null(json_object_get(json_object_get(v, "asset"), "withdrawalThreshold")),
              "an omitted threshold is removed");
    cr_expect_str_eq(ge_str(v, "asset.liquidityThreshold"), "7");
    json_decref(v);
    ge_fails(&e, &admin_gql_assets, "Mutation", "updateAsset",
             "{\"input\":{\"id\":\"00000000-0000-4000-8000-000000000000\"}}", "NOT_FOUND",
             "Asset not found");
    snprintf(args, sizeof args, "{\"input\":{\"id\":\"%s\"}}", id);
    v = ge_call(&e, &admin_gql_assets, "Mutation", "deleteAsset", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    cr_expect_str_eq(ge_str(v, "asset.id"), id);
    json_decref(v);
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
    ge_fails(&e, &admin_gql_assets, "Query", "asset", args, "NOT_FOUND", "Asset not found");
    ge_close(&e);
}

Test(gql_assets, delete_in_use)
{
    ge_t e;
    ge_open(&e, "ga_inuse");
    json_t *v = create(&e, "MXN", 2);
    ledger_id_t asset;
    const char *id = ge_str(v, "asset.id");
    cr_assert_eq(ledger_id_parse(id, strlen(id), &asset), 0);
    ledger_account_t w = {.asset_id = asset, .kind = LEDGER_KIND_WALLET};
    cr_assert_eq(ledger_account_create(e.l, &w), LEDGER_OK);
    char args[128];
    snprintf(args, sizeof args, "{\"input\":{\"id\":\"%s\"}}", id);
    ge_fails(&e, &admin_gql_assets, "Mutation", "deleteAsset", args, "FORBIDDEN",
             "Cannot delete! Asset in use.");
    json_decref(v);
    ge_close(&e);
}

/* The ids of a connection's nodes, joined by ',' (codes stand in for ids). */
static void codes_of(json_t *conn, char *out, size_t cap)
{
    size_t i, at = 0;
    json_t *edge;
    out[0] = '\0';
    json_array_foreach(json_object_get(conn, "edges"), i, edge)
    {
        int w = snprintf(out + at, cap - at, "%s%s", i ? "," : "", ge_str(edge, "node.code"));
        at += w > 0 ? (size_t)w : 0;
    }
}

static bool info(json_t *conn, const char *key)
{
    return json_is_true(json_object_get(json_object_get(conn, "pageInfo"), key));
}

Test(gql_assets, relay_pages_both_directions)
{
    ge_t e;
    ge_open(&e, "ga_pages");
    const char *codes[] = {"AAA", "BBB", "CCC", "DDD", "EEE"};
    char ids[5][40];
    for (int i = 0; i < 5; i++) {
        json_t *v = create(&e, codes[i], 0);
        snprintf(ids[i], sizeof ids[i], "%s", ge_str(v, "asset.id"));
        json_decref(v);
        usleep(2000); /* distinct creation times: the order is the creation order */
    }
    char got[64], args[160];
    json_t *c = ge_call(&e, &admin_gql_assets, "Query", "assets", NULL, "{\"first\":2}");
    codes_of(c, got, sizeof got);
    cr_expect_str_eq(got, "EEE,DDD", "newest first by default");
    cr_expect(info(c, "hasNextPage") && !info(c, "hasPreviousPage"));
    json_decref(c);
    snprintf(args, sizeof args, "{\"first\":2,\"after\":\"%s\",\"sortOrder\":\"ASC\"}", ids[1]);
    c = ge_call(&e, &admin_gql_assets, "Query", "assets", NULL, args);
    codes_of(c, got, sizeof got);
    cr_expect_str_eq(got, "CCC,DDD");
    cr_expect(info(c, "hasNextPage") && info(c, "hasPreviousPage"));
    cr_expect_str_eq(ge_str(c, "pageInfo.startCursor"), ids[2]);
    cr_expect_str_eq(ge_str(c, "pageInfo.endCursor"), ids[3]);
    json_decref(c);
    snprintf(args, sizeof args, "{\"last\":2,\"before\":\"%s\",\"sortOrder\":\"ASC\"}", ids[2]);
    c = ge_call(&e, &admin_gql_assets, "Query", "assets", NULL, args);
    codes_of(c, got, sizeof got);
    cr_expect_str_eq(got, "AAA,BBB");
    cr_expect(info(c, "hasNextPage") && !info(c, "hasPreviousPage"));
    json_decref(c);
    snprintf(args, sizeof args, "{\"last\":10,\"before\":\"%s\"}", ids[2]);
    c = ge_call(&e, &admin_gql_assets, "Query", "assets", NULL, args);
    codes_of(c, got, sizeof got);
    cr_expect_str_eq(got, "EEE,DDD", "backward in descending order: the newer ones");
    json_decref(c);
    c = ge_call(&e, &admin_gql_assets, "Query", "assets", NULL, "{\"tenantId\":\"other\"}");
    cr_expect_eq(json_array_size(json_object_get(c, "edges")), 0, "another tenant has none");
    json_decref(c);
    ge_fails(&e, &admin_gql_assets, "Query", "assets", "{\"last\":2}", "INTERNAL_SERVER_ERROR",
             "Can't paginate backwards from the start.");
    ge_close(&e);
}

Test(gql_assets, liquidity_moves)
{
    ge_t e;
    ge_open(&e, "ga_moves");
    json_t *v = create(&e, "USD", 2);
    char id[40], args[320];
    snprintf(id, sizeof id, "%s", ge_str(v, "asset.id"));
    json_decref(v);
    const char *t1 = "11111111-1111-4111-8111-111111111111";
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"0\",\"id\":\"%s\","
             "\"idempotencyKey\":\"k\"}}",
             id, t1);
    ge_fails(&e, &admin_gql_assets, "Mutation", "depositAssetLiquidity", args, "FORBIDDEN",
             "Transfer amount is zero");
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"500\",\"id\":\"nope\","
             "\"idempotencyKey\":\"k\"}}",
             id);
    ge_fails(&e, &admin_gql_assets, "Mutation", "depositAssetLiquidity", args, "BAD_USER_INPUT",
             "Invalid transfer id");
    ge_fails(&e, &admin_gql_assets, "Mutation", "depositAssetLiquidity",
             "{\"input\":{\"assetId\":\"11111111-1111-4111-8111-111111111112\",\"amount\":\"5\","
             "\"id\":\"11111111-1111-4111-8111-111111111113\",\"idempotencyKey\":\"k\"}}",
             "NOT_FOUND", "Unknown asset");
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"500\",\"id\":\"%s\","
             "\"idempotencyKey\":\"k\"}}",
             id, t1);
    v = ge_call(&e, &admin_gql_assets, "Mutation", "depositAssetLiquidity", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    cr_expect(json_is_true(json_object_get(v, "success")));
    json_decref(v);
    ge_fails(&e, &admin_gql_assets, "Mutation", "depositAssetLiquidity", args, "DUPLICATE",
             "Transfer already exists");
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"501\",\"id\":\"%s\","
             "\"idempotencyKey\":\"k\",\"timeoutSeconds\":\"60\"}}",
             id, "22222222-2222-4222-8222-222222222222");
    ge_fails(&e, &admin_gql_assets, "Mutation", "createAssetLiquidityWithdrawal", args, "FORBIDDEN",
             "Insufficient transfer balance");
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"amount\":\"200\",\"id\":\"%s\","
             "\"idempotencyKey\":\"k\",\"timeoutSeconds\":\"60\"}}",
             id, "22222222-2222-4222-8222-222222222222");
    v = ge_call(&e, &admin_gql_assets, "Mutation", "createAssetLiquidityWithdrawal", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    json_decref(v);
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
    json_t *a = ge_call(&e, &admin_gql_assets, "Query", "asset", NULL, args);
    json_t *liq = ge_call(&e, &admin_gql_assets, "Asset", "liquidity", a, "{}");
    cr_expect_str_eq(json_string_value(liq), "300", "the held withdrawal is not available");
    json_decref(liq);
    json_decref(a);
    ge_close(&e);
}

Test(gql_assets, fees)
{
    ge_t e;
    ge_open(&e, "ga_fees");
    json_t *v = create(&e, "FEE", 2);
    char id[40], args[256];
    snprintf(id, sizeof id, "%s", ge_str(v, "asset.id"));
    json_t *asset = json_incref(json_object_get(v, "asset"));
    json_decref(v);
    json_t *f = ge_call(&e, &admin_gql_assets, "Asset", "sendingFee", asset, "{}");
    cr_expect(json_is_null(f), "no fee set yet");
    json_decref(f);
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"type\":\"SENDING\",\"fee\":{\"fixed\":\"10\","
             "\"basisPoints\":25}}}",
             id);
    v = ge_call(&e, &admin_gql_assets, "Mutation", "setFee", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    cr_expect_str_eq(ge_str(v, "fee.type"), "SENDING");
    cr_expect_str_eq(ge_str(v, "fee.fixed"), "10");
    json_decref(v);
    f = ge_call(&e, &admin_gql_assets, "Asset", "sendingFee", asset, "{}");
    cr_expect_eq(json_integer_value(json_object_get(f, "basisPoints")), 25);
    json_decref(f);
    f = ge_call(&e, &admin_gql_assets, "Asset", "receivingFee", asset, "{}");
    cr_expect(json_is_null(f));
    json_decref(f);
    json_t *c = ge_call(&e, &admin_gql_assets, "Asset", "fees", asset, "{}");
    cr_expect_eq(json_array_size(json_object_get(c, "edges")), 1);
    json_decref(c);
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"type\":\"RECEIVING\",\"fee\":{\"fixed\":\"1\","
             "\"basisPoints\":-1}}}",
             id);
    ge_fails(&e, &admin_gql_assets, "Mutation", "setFee", args, "BAD_USER_INPUT",
             "Basis point fee must be between 0 and 10000");
    ge_fails(&e, &admin_gql_assets, "Mutation", "setFee",
             "{\"input\":{\"assetId\":\"00000000-0000-4000-8000-000000000000\",\"type\":"
             "\"SENDING\",\"fee\":{\"fixed\":\"1\",\"basisPoints\":1}}}",
             "NOT_FOUND", "Unknown asset");
    json_decref(asset);
    ge_close(&e);
}
