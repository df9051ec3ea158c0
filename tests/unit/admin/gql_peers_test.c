/* admin_gql_peers.c (over payments/peering.c): Rafiki's peer queries and mutations called as
 * the executor calls them, on SQLite with the real ledger and no connector. */
#include <unistd.h>

#include "gql_ledger_env.h"

static void asset_of(ge_t *e, const char *code, char id[40])
{
    char args[128];
    snprintf(args, sizeof args, "{\"input\":{\"code\":\"%s\",\"scale\":2}}", code);
    json_t *v = ge_call(e, &admin_gql_assets, "Mutation", "createAsset", NULL, args);
    cr_assert_not_null(v, "%s", e->err.message);
    snprintf(id, 40, "%s", ge_str(v, "asset.id"));
    json_decref(v);
}

static json_t *create_peer(ge_t *e, const char *asset, const char *address, const char *extra)
{
    char args[1024];
    snprintf(args, sizeof args,
             "{\"input\":{\"assetId\":\"%s\",\"staticIlpAddress\":\"%s\",\"http\":{\"outgoing\":"
             "{\"authToken\":\"out-token\",\"endpoint\":\"http://peer.example/ilp\"},"
             "\"incoming\":{\"authTokens\":[\"in-%s\"]}}%s}}",
             asset, address, address, extra);
    return ge_call(e, &admin_gql_peers, "Mutation", "createPeer", NULL, args);
}

Test(gql_peers, create_read_update_delete)
{
    ge_t e;
    ge_open(&e, "gp_crud");
    char asset[40], args[1024];
    asset_of(&e, "USD", asset);
    json_t *v = create_peer(&e, asset, "test.alice",
                            ",\"name\":\"Alice\",\"maxPacketAmount\":\"1000\","
                            "\"liquidityThreshold\":\"10\",\"initialLiquidity\":\"500\","
                            "\"routes\":[\"test.alice2\"]");
    cr_assert_not_null(v, "%s", e.err.message);
    json_t *peer = json_object_get(v, "peer");
    char id[40];
    snprintf(id, sizeof id, "%s", ge_str(peer, "id"));
    cr_expect_str_eq(ge_str(peer, "name"), "Alice");
    cr_expect_str_eq(ge_str(peer, "maxPacketAmount"), "1000");
    cr_expect_str_eq(ge_str(peer, "liquidityThreshold"), "10");
    cr_expect_str_eq(ge_str(peer, "http.outgoing.endpoint"), "http://peer.example/ilp");
    cr_expect_str_eq(ge_str(peer, "asset.code"), "USD");
    json_t *routes = json_object_get(peer, "routes");
    cr_expect_eq(json_array_size(routes), 2);
    cr_expect_str_eq(json_string_value(json_array_get(routes, 0)), "test.alice",
                     "the static address comes first");
    json_t *liq = ge_call(&e, &admin_gql_peers, "Peer", "liquidity", peer, "{}");
    cr_expect_str_eq(json_string_value(liq), "500", "initial liquidity was deposited");
    json_decref(liq);
    json_decref(v);
    /* Rafiki's errors, in its order */
    v = create_peer(&e, asset, "test.alice", "");
    cr_expect_null(v);
    cr_expect_str_eq(e.err.code, "DUPLICATE");
    cr_expect_str_eq(e.err.message, "duplicate peer found for same ILP address and asset");
    v = create_peer(&e, asset, "not an address", "");
    cr_expect_str_eq(e.err.message, "invalid ILP address");
    v = create_peer(&e, "00000000-0000-4000-8000-000000000000", "test.bob", "");
    cr_expect_str_eq(e.err.code, "NOT_FOUND");
    cr_expect_str_eq(e.err.message, "unknown asset");
    v = create_peer(&e, asset, "test.alice",
                    ",\"http\":{\"outgoing\":{\"authToken\":\"t\","
                    "\"endpoint\":\"ftp://x\"}}");
    cr_expect_str_eq(e.err.message, "invalid HTTP endpoint");
    v = create_peer(&e, asset, "test.carol",
                    ",\"http\":{\"outgoing\":{\"authToken\":\"t\","
                    "\"endpoint\":\"http://x\"},\"incoming\":"
                    "{\"authTokens\":[\"in-test.alice\"]}}");
    cr_expect_str_eq(e.err.message, "duplicate incoming token");
    /* read, look up, update, delete */
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", id);
    v = ge_call(&e, &admin_gql_peers, "Query", "peer", NULL, args);
    cr_expect_str_eq(ge_str(v, "staticIlpAddress"), "test.alice");
    json_decref(v);
    snprintf(args, sizeof args, "{\"staticIlpAddress\":\"test.alice.bob\",\"assetId\":\"%s\"}",
             asset);
    v = ge_call(&e, &admin_gql_peers, "Query", "peerByAddressAndAsset", NULL, args);
    cr_expect_str_eq(ge_str(v, "id"), id);
    json_decref(v);
    snprintf(args, sizeof args,
             "{\"input\":{\"id\":\"%s\",\"name\":null,\"routes\":[\"test.x\"],"
             "\"staticIlpAddress\":\"test.alice3\"}}",
             id);
    v = ge_call(&e, &admin_gql_peers, "Mutation", "updatePeer", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    cr_expect(json_is_null(json_object_get(json_object_get(v, "peer"), "name")));
    cr_expect_str_eq(ge_str(v, "peer.liquidityThreshold"), "10", "absent: unchanged");
    routes = json_object_get(json_object_get(v, "peer"), "routes");
    cr_expect_str_eq(json_string_value(json_array_get(routes, 0)), "test.alice3");
    cr_expect_str_eq(json_string_value(json_array_get(routes, 1)), "test.x");
    json_decref(v);
    ge_fails(&e, &admin_gql_peers, "Mutation", "updatePeer",
             "{\"input\":{\"id\":\"00000000-0000-4000-8000-000000000001\"}}", "NOT_FOUND",
             "unknown peer");
    snprintf(args, sizeof args, "{\"input\":{\"id\":\"%s\"}}", id);
    v = ge_call(&e, &admin_gql_peers, "Mutation", "deletePeer", NULL, args);
    cr_expect(json_is_true(json_object_get(v, "success")));
    json_decref(v);
    ge_fails(&e, &admin_gql_peers, "Mutation", "deletePeer", args, "NOT_FOUND", "unknown peer");
    /* no auto-peering service in this face (tests/unit/payments/auto_peering_test.c) */
    ge_fails(&e, &admin_gql_peers, "Mutation", "createOrUpdatePeerByUrl", "{\"input\":{}}",
             "INTERNAL_SERVER_ERROR", "Internal server error");
    ge_close(&e);
}

Test(gql_peers, liquidity_and_pages)
{
    ge_t e;
    ge_open(&e, "gp_liq");
    char asset[40], ids[3][40], args[512];
    asset_of(&e, "EUR", asset);
    const char *addrs[] = {"test.p0", "test.p1", "test.p2"};
    for (int i = 0; i < 3; i++) {
        json_t *v = create_peer(&e, asset, addrs[i], "");
        cr_assert_not_null(v, "%s", e.err.message);
        snprintf(ids[i], sizeof ids[i], "%s", ge_str(v, "peer.id"));
        json_decref(v);
        usleep(2000);
    }
    json_t *c = ge_call(&e, &admin_gql_peers, "Query", "peers", NULL,
                        "{\"first\":2,\"sortOrder\":\"ASC\"}");
    json_t *edges = json_object_get(c, "edges");
    cr_assert_eq(json_array_size(edges), 2);
    cr_expect_str_eq(ge_str(json_array_get(edges, 0), "node.id"), ids[0]);
    cr_expect(json_is_true(json_object_get(json_object_get(c, "pageInfo"), "hasNextPage")));
    json_decref(c);
    snprintf(args, sizeof args, "{\"last\":1,\"before\":\"%s\"}", ids[1]);
    c = ge_call(&e, &admin_gql_peers, "Query", "peers", NULL, args);
    edges = json_object_get(c, "edges");
    cr_assert_eq(json_array_size(edges), 1);
    cr_expect_str_eq(ge_str(json_array_get(edges, 0), "node.id"), ids[2],
                     "descending, backward: the newer one");
    json_decref(c);
    snprintf(args, sizeof args,
             "{\"input\":{\"peerId\":\"%s\",\"amount\":\"100\",\"id\":"
             "\"33333333-3333-4333-8333-333333333333\",\"idempotencyKey\":\"k\"}}",
             ids[0]);
    json_t *v = ge_call(&e, &admin_gql_peers, "Mutation", "depositPeerLiquidity", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    json_decref(v);
    ge_fails(&e, &admin_gql_peers, "Mutation", "depositPeerLiquidity", args, "DUPLICATE",
             "Transfer already exists");
    ge_fails(&e, &admin_gql_peers, "Mutation", "depositPeerLiquidity",
             "{\"input\":{\"peerId\":\"00000000-0000-4000-8000-000000000002\",\"amount\":\"1\","
             "\"id\":\"33333333-3333-4333-8333-333333333334\",\"idempotencyKey\":\"k\"}}",
             "NOT_FOUND", "unknown peer");
    snprintf(args, sizeof args,
             "{\"input\":{\"peerId\":\"%s\",\"amount\":\"60\",\"id\":"
             "\"44444444-4444-4444-8444-444444444444\",\"idempotencyKey\":\"k\","
             "\"timeoutSeconds\":\"0\"}}",
             ids[0]);
    v = ge_call(&e, &admin_gql_peers, "Mutation", "createPeerLiquidityWithdrawal", NULL, args);
    cr_assert_not_null(v, "%s", e.err.message);
    json_decref(v);
    ge_fails(&e, &admin_gql_peers, "Mutation", "createPeerLiquidityWithdrawal",
             "{\"input\":{\"peerId\":\"00000000-0000-4000-8000-000000000002\",\"amount\":\"1\","
             "\"id\":\"33333333-3333-4333-8333-333333333335\",\"idempotencyKey\":\"k\","
             "\"timeoutSeconds\":\"0\"}}",
             "NOT_FOUND", "Unknown peer");
    snprintf(args, sizeof args, "{\"id\":\"%s\"}", ids[0]);
    json_t *p = ge_call(&e, &admin_gql_peers, "Query", "peer", NULL, args);
    json_t *liq = ge_call(&e, &admin_gql_peers, "Peer", "liquidity", p, "{}");
    cr_expect_str_eq(json_string_value(liq), "40");
    json_decref(liq);
    json_decref(p);
    ge_close(&e);
}
