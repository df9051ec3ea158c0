/* payments/auto_peering.c: the readers of both peering bodies (types, bounds, B's error types
 * mapped as Rafiki's sendPeeringRequest maps them) and the accepting side on SQLite with the
 * real ledger (a peer created with Rafiki's initial liquidity, then updated, never duplicated;
 * Rafiki's errors in Rafiki's order). The exchange between two processes is
 * tests/interop/graphql_auto_peering.test.mjs. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "assets_cases.h"
#pragma GCC diagnostic pop
#include "payments/auto_peering.h"

#define TOKEN_A "0b7c3f1e-7f3e-4c0e-9d7a-2a7f0c9e1b11"
#define TOKEN_B "7d2f9a40-1c2b-4e3d-8f5a-6b7c8d9e0f12"

static autopeer_result_t read_req(const char *body, autopeer_request_t *r)
{
    return autopeer_request_read((const uint8_t *)body, strlen(body), r);
}

static autopeer_result_t read_details(const char *body, autopeer_details_t *d)
{
    return autopeer_details_read((const uint8_t *)body, strlen(body), d);
}

Test(auto_peering, request_reader)
{
    autopeer_request_t r;
    cr_assert_eq(read_req("{\"staticIlpAddress\":\"test.a\",\"ilpConnectorUrl\":\"http://a:3002\","
                          "\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
                          "\",\"maxPacketAmount\":1000,\"name\":\"A\",\"tenantId\":\"x\"}",
                          &r),
                 AUTOPEER_OK);
    cr_expect_str_eq(r.static_ilp_address, "test.a");
    cr_expect_str_eq(r.connector_url, "http://a:3002");
    cr_expect_str_eq(r.asset_code, "USD");
    cr_expect_eq(r.asset_scale, 2);
    cr_expect_str_eq(r.http_token, TOKEN_A);
    cr_expect(r.has_max_packet_amount && r.max_packet_amount == 1000);
    cr_expect_str_eq(r.name, "A");
    autopeer_request_free(&r);
    /* Rafiki's A sends maxPacketAmount null when none was given; 0 is none too; a string too */
    const char *base = "{\"asset\":{\"code\":\"USD\",\"scale\":0},\"httpToken\":\"" TOKEN_A "\"";
    char body[512];
    snprintf(body, sizeof body, "%s,\"maxPacketAmount\":null,\"name\":null}", base);
    cr_assert_eq(read_req(body, &r), AUTOPEER_OK);
    cr_expect(!r.has_max_packet_amount && !r.name && !r.static_ilp_address && !r.connector_url);
    autopeer_request_free(&r);
    snprintf(body, sizeof body, "%s,\"maxPacketAmount\":0}", base);
    cr_assert_eq(read_req(body, &r), AUTOPEER_OK);
    cr_expect(!r.has_max_packet_amount);
    autopeer_request_free(&r);
    snprintf(body, sizeof body, "%s,\"maxPacketAmount\":\"18446744073709551615\"}", base);
    cr_assert_eq(read_req(body, &r), AUTOPEER_OK);
    cr_expect(r.has_max_packet_amount && r.max_packet_amount == UINT64_MAX);
    autopeer_request_free(&r);
    /* an address of the wrong type or too long is left for the peer rules (NULL) */
    snprintf(body, sizeof body, "%s,\"staticIlpAddress\":7,\"ilpConnectorUrl\":[]}", base);
    cr_assert_eq(read_req(body, &r), AUTOPEER_OK);
    cr_expect(!r.static_ilp_address && !r.connector_url);
    autopeer_request_free(&r);
}

Test(auto_peering, request_reader_refuses)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "\"x\"",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2}}",
        "{\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"USD\"},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":256},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":-1},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2.0},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"\",\"scale\":2},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":5,\"scale\":2},\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":[],\"httpToken\":\"" TOKEN_A "\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"short\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":12345678901234567890}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A "\",\"name\":5}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
        "\",\"maxPacketAmount\":-5}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
        "\",\"maxPacketAmount\":1.5}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
        "\",\"maxPacketAmount\":\"01\"}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
        "\",\"maxPacketAmount\":true}",
        "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A "\",\"a\":1,\"a\":2}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        autopeer_request_t r;
        cr_expect_eq(read_req(bad[i], &r), AUTOPEER_INVALID_PEERING_REQUEST, "%s", bad[i]);
        cr_expect_null(r.root);
    }
    /* over the bounds: a long name, a long token, a body over AUTOPEER_BODY_MAX */
    static char big[AUTOPEER_BODY_MAX + 256];
    int n = snprintf(big, sizeof big,
                     "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
                     "\",\"name\":\"%0*d\"}",
                     PEER_NAME_MAX + 1, 0);
    autopeer_request_t r;
    cr_expect_eq(autopeer_request_read((const uint8_t *)big, (size_t)n, &r),
                 AUTOPEER_INVALID_PEERING_REQUEST);
    n = snprintf(big, sizeof big,
                 "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"%0*d\"}",
                 PEER_TOKEN_MAX + 1, 0);
    cr_expect_eq(autopeer_request_read((const uint8_t *)big, (size_t)n, &r),
                 AUTOPEER_INVALID_PEERING_REQUEST);
    n = snprintf(big, sizeof big,
                 "{\"asset\":{\"code\":\"USD\",\"scale\":2},\"httpToken\":\"" TOKEN_A
                 "\",\"pad\":\"%0*d\"}",
                 (int)AUTOPEER_BODY_MAX, 0);
    cr_expect_eq(autopeer_request_read((const uint8_t *)big, (size_t)n, &r),
                 AUTOPEER_INVALID_PEERING_REQUEST);
}

Test(auto_peering, details_and_errors)
{
    autopeer_details_t d;
    cr_assert_eq(read_details("{\"staticIlpAddress\":\"test.b\",\"ilpConnectorUrl\":\"http://b\","
                              "\"httpToken\":\"" TOKEN_B "\",\"name\":\"B\",\"tenantId\":\"t\"}",
                              &d),
                 AUTOPEER_OK);
    cr_expect_str_eq(d.static_ilp_address, "test.b");
    cr_expect_str_eq(d.connector_url, "http://b");
    cr_expect_str_eq(d.http_token, TOKEN_B);
    cr_expect_str_eq(d.name, "B");
    autopeer_details_free(&d);
    cr_assert_eq(read_details("{\"httpToken\":\"" TOKEN_B "\"}", &d), AUTOPEER_OK);
    cr_expect(!d.static_ilp_address && !d.connector_url && !d.name);
    autopeer_details_free(&d);
    cr_expect_eq(read_details("{\"staticIlpAddress\":\"test.b\"}", &d),
                 AUTOPEER_INVALID_PEERING_REQUEST);
    cr_expect_eq(read_details("Internal Server Error", &d), AUTOPEER_INVALID_PEERING_REQUEST);
    cr_expect_eq(read_details("{\"httpToken\":\"" TOKEN_B "\",\"name\":[]}", &d),
                 AUTOPEER_INVALID_PEERING_REQUEST);

    const char *e1 = "{\"error\":{\"code\":400,\"type\":\"InvalidPeerIlpConfiguration\"}}";
    const char *e2 = "{\"error\":{\"code\":404,\"type\":\"UnknownAsset\"}}";
    const char *e3 = "{\"error\":{\"code\":400,\"type\":\"InvalidPeeringRequest\"}}";
    const char *e4 = "{\"error\":{\"type\":\"InvalidPeerUrl\"}}";
    cr_expect_eq(autopeer_error_read((const uint8_t *)e1, strlen(e1)),
                 AUTOPEER_INVALID_ILP_CONFIGURATION);
    cr_expect_eq(autopeer_error_read((const uint8_t *)e2, strlen(e2)),
                 AUTOPEER_PEER_UNSUPPORTED_ASSET);
    cr_expect_eq(autopeer_error_read((const uint8_t *)e3, strlen(e3)),
                 AUTOPEER_INVALID_PEERING_REQUEST);
    cr_expect_eq(autopeer_error_read((const uint8_t *)e4, strlen(e4)),
                 AUTOPEER_INVALID_PEERING_REQUEST, "only Rafiki's two types are mapped");
    cr_expect_eq(autopeer_error_read(NULL, 0), AUTOPEER_INVALID_PEERING_REQUEST);
    cr_expect_str_eq(autopeer_result_message(AUTOPEER_INVALID_PEER_URL),
                     "Peer URL is invalid or peer does not support auto-peering");
    cr_expect_eq(autopeer_result_parse("LiquidityError"), AUTOPEER_LIQUIDITY_ERROR);
    cr_expect_eq(autopeer_result_parse("Ok"), AUTOPEER_RESULT_COUNT);
    cr_expect_eq(autopeer_result_parse("StorageError"), AUTOPEER_RESULT_COUNT);
}

/* B's answer to a request from test.a with token; its httpToken into out_token. */
static autopeer_result_t accept(const autopeer_t *ap, const char *address, const char *code,
                                const char *token, const char *extra, char *out_token)
{
    char body[1024];
    snprintf(body, sizeof body,
             "{\"staticIlpAddress\":\"%s\",\"ilpConnectorUrl\":\"http://a.example:3002\","
             "\"asset\":{\"code\":\"%s\",\"scale\":2},\"httpToken\":\"%s\"%s}",
             address, code, token, extra);
    autopeer_request_t r;
    autopeer_result_t res = read_req(body, &r);
    json_t *out = NULL;
    if (res == AUTOPEER_OK)
        res = autopeer_accept(ap, &r, &out);
    autopeer_request_free(&r);
    if (res == AUTOPEER_OK) {
        cr_expect_str_eq(json_string_value(json_object_get(out, "staticIlpAddress")), "test.b");
        cr_expect_str_eq(json_string_value(json_object_get(out, "ilpConnectorUrl")),
                         "http://b.example:3002");
        cr_expect_str_eq(json_string_value(json_object_get(out, "name")), "B");
        cr_expect_null(json_object_get(out, "tenantId"), "no OPERATOR_TENANT_ID");
        snprintf(out_token, 64, "%s", json_string_value(json_object_get(out, "httpToken")));
    }
    json_decref(out);
    return res;
}

static peer_t *only_peer(env_t *e, const char *address, ledger_id_t asset)
{
    ledger_id_t id;
    cr_assert_eq(peers_db_find_address(e->db, address, asset, NULL, &id), PEERS_OK);
    peer_t *p = NULL;
    cr_assert_eq(peers_db_get(e->db, id, &p), PEERS_OK);
    return p;
}

Test(auto_peering, accept_creates_then_updates)
{
    env_t e = env_open("sqlite:", "ap_accept");
    pay_asset_t usd, eur;
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &usd), PAY_ASSET_OK);
    cr_assert_eq(pay_asset_create(e.db, e.l, "EUR", 2, NULL, NULL, &eur), PAY_ASSET_OK);
    autopeer_t ap = {.db = e.db,
                     .ledger = e.l,
                     .ilp_address = "test.b",
                     .connector_url = "http://b.example:3002",
                     .instance_name = "B"};
    char t1[64], t2[64];
    cr_assert_eq(
        accept(&ap, "test.a", "USD", TOKEN_A, ",\"maxPacketAmount\":500,\"name\":\"A\"", t1),
        AUTOPEER_OK);
    peer_t *p = only_peer(&e, "test.a", usd.ledger.id);
    cr_expect_str_eq(p->outgoing_token, t1);
    cr_expect_str_eq(p->outgoing_endpoint, "http://a.example:3002");
    cr_expect_str_eq(p->name, "A");
    cr_expect_eq(p->max_packet_amount, 500);
    ledger_status_t s;
    cr_assert_eq(ledger_account_status(e.l, p->account_id, &s), LEDGER_OK);
    cr_expect_eq(s.balance, (int64_t)AUTOPEER_INITIAL_LIQUIDITY, "Rafiki's initial liquidity");
    ledger_id_t first = p->id;
    peer_release(p);

    /* again, with a new token and no name: the same peer, new tokens, name kept */
    cr_assert_eq(accept(&ap, "test.a", "USD", TOKEN_B, "", t2), AUTOPEER_OK);
    cr_expect_str_neq(t1, t2);
    p = only_peer(&e, "test.a", usd.ledger.id);
    cr_expect(p->id.hi == first.hi && p->id.lo == first.lo, "updated, not duplicated");
    cr_expect_str_eq(p->outgoing_token, t2);
    cr_expect_str_eq(p->name, "A");
    cr_expect_eq(p->max_packet_amount, 500, "absent: unchanged");
    cr_assert_eq(ledger_account_status(e.l, p->account_id, &s), LEDGER_OK);
    cr_expect_eq(s.balance, (int64_t)AUTOPEER_INITIAL_LIQUIDITY, "no second deposit");
    peer_release(p);
    /* the same address in another asset is another peer */
    cr_expect_eq(accept(&ap, "test.a", "EUR", TOKEN_A, "", t1), AUTOPEER_OK);

    /* Rafiki's errors, asset first */
    cr_expect_eq(accept(&ap, "invalid", "GBP", TOKEN_A, "", t1), AUTOPEER_UNKNOWN_ASSET);
    cr_expect_eq(accept(&ap, "invalid", "USD", "1a2b3c4d-0000-4000-8000-000000000001", "", t1),
                 AUTOPEER_INVALID_PEER_ILP_CONFIGURATION);
    cr_expect_eq(accept(&ap, "test.c", "USD", TOKEN_B, "", t1), AUTOPEER_INVALID_PEERING_REQUEST,
                 "test.a holds this incoming token");
    pay_asset_t gone;
    cr_assert_eq(pay_asset_create(e.db, e.l, "JPY", 2, NULL, NULL, &gone), PAY_ASSET_OK);
    cr_assert_eq(pay_asset_delete(e.db, e.l, gone.ledger.id, 1, &gone), PAY_ASSET_OK);
    cr_expect_eq(accept(&ap, "test.d", "JPY", "1a2b3c4d-0000-4000-8000-000000000002", "", t1),
                 AUTOPEER_UNKNOWN_ASSET, "a deleted asset");
    env_close(&e);
}

Test(auto_peering, initiate_checks_before_sending)
{
    env_t e = env_open("sqlite:", "ap_initiate");
    pay_asset_t usd;
    cr_assert_eq(pay_asset_create(e.db, e.l, "USD", 2, NULL, NULL, &usd), PAY_ASSET_OK);
    /* no HTTP client: nothing may be sent in these cases */
    autopeer_t ap = {
        .db = e.db, .ledger = e.l, .ilp_address = "test.a", .connector_url = "http://a"};
    peer_t *p = NULL;
    autopeer_initiate_t in = {.peer_url = "http://b.example", .asset_id = ac_id(99)};
    cr_expect_eq(autopeer_initiate(&ap, &in, &p), AUTOPEER_UNKNOWN_ASSET);
    in.asset_id = usd.ledger.id;
    static const char *const urls[] = {"not a url", "ftp://b.example",      "http://",
                                       "http:///x", "http://b.example/a b", "http://b\r\n.example"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        in.peer_url = urls[i];
        cr_expect_eq(autopeer_initiate(&ap, &in, &p), AUTOPEER_INVALID_PEERING_REQUEST, "%s",
                     urls[i]);
        cr_expect_null(p);
    }
    env_close(&e);
}
