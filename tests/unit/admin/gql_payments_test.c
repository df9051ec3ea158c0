/* The payments families of the admin GraphQL face (admin_gql_wallets.c, admin_gql_incoming.c,
 * admin_gql_outgoing.c) run through the engine on Rafiki's schema, over the real domain on a
 * temporary SQLite file: inputs, payloads, Relay pages, filters and Rafiki's errors. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin/admin_gql.h"
#include "base/clock.h"
#include "base/rand.h"
#include "payments/incoming_payment.h"
#include "payments/wallet_address_events.h"

#define OP_URL   "http://127.0.0.1:3000"
#define OPERATOR "op-tenant"
#define KEY_X    "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

static struct {
    char path[128];
    db_t *db;
    ledger_t *ledger;
    ledger_asset_t usd;
    wallet_ctx_t wallet;
    quote_svc_t qs;
    outgoing_payments_t *op;
    admin_ctx_t admin;
    admin_gql_t gql;
    gql_schema_t *schema;
} F;

static void setup(void)
{
    memset(&F, 0, sizeof F);
    snprintf(F.path, sizeof F.path, "/tmp/gql_payments_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    char url[160];
    snprintf(url, sizeof url, "sqlite:%s", F.path);
    db_err_t err;
    F.db = db_open(url, &err);
    cr_assert_not_null(F.db, "%s", err.msg);
    char dir[512];
    cr_assert_eq(db_sql_dir(dir, sizeof dir), 0);
    cr_assert_eq(db_migrate(F.db, dir, NULL, &err), DB_OK, "%s", err.msg);
    F.ledger = ledger_open(F.db, NULL, &err);
    cr_assert_not_null(F.ledger);
    memcpy(F.usd.code, "USD", 4);
    F.usd.scale = 2;
    cr_assert_eq(ledger_asset_create(F.ledger, &F.usd), LEDGER_OK);
    F.wallet = (wallet_ctx_t){.db = F.db,
                              .ledger = F.ledger,
                              .op_url = OP_URL,
                              .incoming_expiry_max_ms = INCOMING_PAYMENT_EXPIRY_MAX_MS_DEFAULT};
    F.qs = (quote_svc_t){.ledger = F.ledger,
                         .db = F.db,
                         .dir = quote_directory_wallets(&F.wallet),
                         .slippage_ppm = QUOTE_SLIPPAGE_PPM_DEFAULT,
                         .lifespan_ms = QUOTE_LIFESPAN_MS_DEFAULT};
    outgoing_payments_config_t oc = {.quotes = &F.qs, .retry_ms = 1};
    F.op = outgoing_payments_new(&oc);
    F.admin = (admin_ctx_t){.db = F.db, .ledger = F.ledger};
    F.gql = (admin_gql_t){.admin = &F.admin,
                          .wallet = &F.wallet,
                          .outgoing = F.op,
                          .quotes = &F.qs,
                          .operator_tenant_id = OPERATOR,
                          .allow_http_wallet_addresses = true};
    const admin_gql_family_t *fam[] = {&admin_gql_wallets, &admin_gql_incoming, &admin_gql_outgoing,
                                       &admin_gql_liquidity};
    size_t n = 0;
    gql_resolver_t all[128];
    for (size_t f = 0; f < 4; f++)
        for (size_t i = 0; i < fam[f]->n; i++) {
            cr_assert_lt(n, 128);
            all[n++] = fam[f]->resolvers[i];
        }
    gql_err_t gerr;
    cr_assert_eq(gql_schema_build(admin_gql_backend_sdl, admin_gql_backend_sdl_len, all, n,
                                  &F.schema, &gerr),
                 GQL_OK, "schema: %s", gerr.message);
}

static void teardown(void)
{
    gql_schema_free(F.schema);
    outgoing_payments_free(F.op);
    ledger_close(F.ledger);
    db_close(F.db);
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", F.path, suffix[i]);
        unlink(p);
    }
}

TestSuite(gql_payments, .init = setup, .fini = teardown);

/* Runs a document with variables (JSON text or NULL); the whole response. */
static json_t *run(const char *doc, const char *vars)
{
    admin_gql_req_t req = {.gql = &F.gql, .tenant_id = OPERATOR, .is_operator = true};
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    cr_assert(!vars || v, "bad variables %s", vars);
    gql_request_t r = {.query = (const uint8_t *)doc, .query_len = strlen(doc), .variables = v};
    unsigned status;
    json_t *resp = gql_execute(F.schema, NULL, &r, &req, &status);
    json_decref(v);
    cr_assert_not_null(resp);
    return resp;
}

/* The value at a dotted path under data ("createWalletAddress.walletAddress.id"); numbers in
 * the path index arrays. */
static json_t *at(json_t *resp, const char *path)
{
    json_t *v = json_object_get(resp, "data");
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf, *dot; v && s; s = dot ? dot + 1 : NULL) {
        dot = strchr(s, '.');
        if (dot)
            *dot = '\0';
        v = (s[0] >= '0' && s[0] <= '9') ? json_array_get(v, strtoul(s, NULL, 10))
                                         : json_object_get(v, s);
    }
    return v;
}

static const char *str_at(json_t *resp, const char *path)
{
    const char *s = json_string_value(at(resp, path));
    char *dump = json_dumps(resp, JSON_COMPACT);
    cr_assert_not_null(s, "no string at %s in %s", path, dump);
    free(dump);
    return s;
}

/* Asserts that resp failed with code and message (the first error). */
static void expect_error(json_t *resp, const char *code, const char *message)
{
    json_t *e = json_array_get(json_object_get(resp, "errors"), 0);
    char *dump = json_dumps(resp, JSON_COMPACT);
    cr_assert_not_null(e, "no error in %s", dump);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "extensions"), "code")),
                     code, "%s", dump);
    cr_assert_str_eq(json_string_value(json_object_get(e, "message")), message, "%s", dump);
    free(dump);
    json_decref(resp);
}

static void expect_ok(json_t *resp)
{
    char *dump = json_dumps(resp, JSON_COMPACT);
    cr_assert_null(json_object_get(resp, "errors"), "%s", dump);
    free(dump);
}

static char asset_id[LEDGER_ID_STR_LEN + 1];

/* Creates a wallet address at path; its id into id. */
static void create_wallet(const char *path, char id[LEDGER_ID_STR_LEN + 1])
{
    ledger_id_format(F.usd.id, asset_id);
    char vars[512];
    snprintf(vars, sizeof vars, "{\"in\":{\"assetId\":\"%s\",\"address\":\"%s\"}}", asset_id, path);
    json_t *r = run("mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                    "{ walletAddress { id } } }",
                    vars);
    expect_ok(r);
    snprintf(id, LEDGER_ID_STR_LEN + 1, "%s", str_at(r, "createWalletAddress.walletAddress.id"));
    json_decref(r);
    usleep(2000); /* creation order is the lists' order */
}

Test(gql_payments, wallet_address_create_read_update)
{
    ledger_id_format(F.usd.id, asset_id);
    char vars[1024];
    snprintf(vars, sizeof vars,
             "{\"in\":{\"assetId\":\"%s\",\"address\":\"Alice\",\"publicName\":\"Alice\","
             "\"additionalProperties\":[{\"key\":\" iban \",\"value\":\"NL00\","
             "\"visibleInOpenPayments\":true},{\"key\":\"x\",\"value\":\" \","
             "\"visibleInOpenPayments\":false}]}}",
             asset_id);
    json_t *r = run("mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                    "{ walletAddress { id address publicName status createdAt liquidity "
                    "asset { id code scale } additionalProperties { key value "
                    "visibleInOpenPayments } } } }",
                    vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createWalletAddress.walletAddress.address"), OP_URL "/alice");
    cr_assert_str_eq(str_at(r, "createWalletAddress.walletAddress.status"), "ACTIVE");
    cr_assert_str_eq(str_at(r, "createWalletAddress.walletAddress.asset.code"), "USD");
    cr_assert_str_eq(str_at(r, "createWalletAddress.walletAddress.liquidity"), "0");
    cr_assert_str_eq(str_at(r, "createWalletAddress.walletAddress.additionalProperties.0.key"),
                     "iban");
    cr_assert_eq(json_array_size(at(r, "createWalletAddress.walletAddress.additionalProperties")),
                 1);
    char id[LEDGER_ID_STR_LEN + 1];
    snprintf(id, sizeof id, "%s", str_at(r, "createWalletAddress.walletAddress.id"));
    json_decref(r);

    /* the same address again: Rafiki's duplicate */
    expect_error(run("mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                     "{ walletAddress { id } } }",
                     vars),
                 "DUPLICATE", "Duplicate wallet address found with the same url");
    snprintf(vars, sizeof vars, "{\"in\":{\"assetId\":\"%s\",\"address\":\"bob\"}}",
             "6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50");
    expect_error(run("mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                     "{ walletAddress { id } } }",
                     vars),
                 "BAD_USER_INPUT", "unknown asset");
    snprintf(vars, sizeof vars,
             "{\"in\":{\"assetId\":\"%s\",\"address\":\"https://elsewhere.example/bob\"}}",
             asset_id);
    expect_error(run("mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                     "{ walletAddress { id } } }",
                     vars),
                 "BAD_USER_INPUT", "invalid url");

    /* read by id and URL */
    snprintf(vars, sizeof vars, "{\"id\":\"%s\",\"url\":\"%s\"}", id, OP_URL "/alice");
    r = run("query($id: String!, $url: String!) { walletAddress(id: $id) { publicName } "
            "walletAddressByUrl(url: $url) { id } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "walletAddress.publicName"), "Alice");
    cr_assert_str_eq(str_at(r, "walletAddressByUrl.id"), id);
    json_decref(r);
    r = run("{ walletAddressByUrl(url: \"" OP_URL "/nobody\") { id } }", NULL);
    expect_ok(r);
    cr_assert(json_is_null(at(r, "walletAddressByUrl")));
    json_decref(r);
    expect_error(
        run("{ walletAddress(id: \"6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50\") { id } }", NULL),
        "NOT_FOUND", "unknown wallet address");

    /* an open incoming payment, expired by the deactivation below (as Rafiki) */
    snprintf(vars, sizeof vars, "{\"in\":{\"walletAddressId\":\"%s\"}}", id);
    r = run("mutation($in: CreateIncomingPaymentInput!) { createIncomingPayment(input: $in) { "
            "payment { id state } } }",
            vars);
    expect_ok(r);
    char ip[LEDGER_ID_STR_LEN + 1];
    snprintf(ip, sizeof ip, "%s", str_at(r, "createIncomingPayment.payment.id"));
    json_decref(r);

    /* update: status, name, properties replaced */
    snprintf(vars, sizeof vars,
             "{\"in\":{\"id\":\"%s\",\"status\":\"INACTIVE\",\"publicName\":\"Al\","
             "\"additionalProperties\":[]}}",
             id);
    r = run("mutation($in: UpdateWalletAddressInput!) { updateWalletAddress(input: $in) "
            "{ walletAddress { status publicName additionalProperties { key } } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "updateWalletAddress.walletAddress.status"), "INACTIVE");
    cr_assert_str_eq(str_at(r, "updateWalletAddress.walletAddress.publicName"), "Al");
    cr_assert_eq(json_array_size(at(r, "updateWalletAddress.walletAddress.additionalProperties")),
                 0);
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", ip);
    r = run("query($id: String!) { incomingPayment(id: $id) { state } }", vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "incomingPayment.state"), "EXPIRED");
    json_decref(r);
    expect_error(run("mutation { updateWalletAddress(input: {id: "
                     "\"6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50\"}) { walletAddress { id } } }",
                     NULL),
                 "NOT_FOUND", "Unknown wallet address");
    /* an inactive wallet address takes no incoming payment */
    snprintf(vars, sizeof vars, "{\"in\":{\"walletAddressId\":\"%s\"}}", id);
    expect_error(run("mutation($in: CreateIncomingPaymentInput!) { createIncomingPayment(input: "
                     "$in) { payment { id } } }",
                     vars),
                 "INACTIVE", "inactive wallet address");
}

Test(gql_payments, keys)
{
    char wid[LEDGER_ID_STR_LEN + 1];
    create_wallet("keys", wid);
    char vars[512];
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"jwk\":{\"kid\":\"k1\",\"x\":\"%s\","
             "\"alg\":\"EdDSA\",\"kty\":\"OKP\",\"crv\":\"Ed25519\"}}}",
             wid, KEY_X);
    const char *create = "mutation($in: CreateWalletAddressKeyInput!) { createWalletAddressKey("
                         "input: $in) { walletAddressKey { id walletAddressId revoked jwk { kid "
                         "x alg kty crv } } } }";
    json_t *r = run(create, vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createWalletAddressKey.walletAddressKey.jwk.crv"), "Ed25519");
    char kid[LEDGER_ID_STR_LEN + 1];
    snprintf(kid, sizeof kid, "%s", str_at(r, "createWalletAddressKey.walletAddressKey.id"));
    json_decref(r);
    expect_error(run(create, vars), "DUPLICATE", "Key already exists");

    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", wid);
    r = run("query($id: String!) { walletAddress(id: $id) { walletAddressKeys { edges { cursor "
            "node { id revoked } } pageInfo { hasNextPage } } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "walletAddress.walletAddressKeys.edges.0.node.id"), kid);
    json_decref(r);

    snprintf(vars, sizeof vars, "{\"in\":{\"id\":\"%s\"}}", kid);
    const char *revoke = "mutation($in: RevokeWalletAddressKeyInput!) { revokeWalletAddressKey("
                         "input: $in) { walletAddressKey { id revoked } } }";
    r = run(revoke, vars);
    expect_ok(r);
    cr_assert(json_is_true(at(r, "revokeWalletAddressKey.walletAddressKey.revoked")));
    json_decref(r);
    expect_error(run(revoke, "{\"in\":{\"id\":\"6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50\"}}"),
                 "NOT_FOUND", "Wallet address key not found");
}

Test(gql_payments, wallet_address_pages)
{
    char ids[4][LEDGER_ID_STR_LEN + 1];
    const char *names[] = {"p0", "p1", "p2", "p3"};
    for (int i = 0; i < 4; i++)
        create_wallet(names[i], ids[i]);
    const char *q = "query($first: Int, $after: String, $last: Int, $before: String) { "
                    "walletAddresses(first: $first, after: $after, last: $last, before: $before, "
                    "sortOrder: ASC) { edges { cursor } pageInfo { startCursor endCursor "
                    "hasNextPage hasPreviousPage } } }";
    json_t *r = run(q, "{\"first\":2}");
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "walletAddresses.edges.0.cursor"), ids[0]);
    cr_assert_str_eq(str_at(r, "walletAddresses.pageInfo.endCursor"), ids[1]);
    cr_assert(json_is_true(at(r, "walletAddresses.pageInfo.hasNextPage")));
    cr_assert(json_is_false(at(r, "walletAddresses.pageInfo.hasPreviousPage")));
    json_decref(r);
    char vars[256];
    snprintf(vars, sizeof vars, "{\"first\":2,\"after\":\"%s\"}", ids[1]);
    r = run(q, vars);
    cr_assert_str_eq(str_at(r, "walletAddresses.edges.0.cursor"), ids[2]);
    cr_assert(json_is_false(at(r, "walletAddresses.pageInfo.hasNextPage")));
    cr_assert(json_is_true(at(r, "walletAddresses.pageInfo.hasPreviousPage")));
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"last\":2,\"before\":\"%s\"}", ids[3]);
    r = run(q, vars);
    cr_assert_str_eq(str_at(r, "walletAddresses.edges.0.cursor"), ids[1]);
    cr_assert_str_eq(str_at(r, "walletAddresses.edges.1.cursor"), ids[2]);
    json_decref(r);
    expect_error(run(q, "{\"last\":2}"), "INTERNAL_SERVER_ERROR",
                 "Can't paginate backwards from the start.");
    /* another tenant's list is empty */
    r = run("{ walletAddresses(tenantId: \"someone-else\") { edges { cursor } } }", NULL);
    expect_ok(r);
    cr_assert_eq(json_array_size(at(r, "walletAddresses.edges")), 0);
    json_decref(r);
}

/* Credits account with amount from the asset's settlement account (a deposit). */
static void fund(const char *wallet_id, uint64_t amount)
{
    ledger_id_t wid;
    cr_assert_eq(ledger_id_parse(wallet_id, strlen(wallet_id), &wid), 0);
    wallet_address_t w;
    cr_assert_eq(wallet_address_get(&F.wallet, wid, &w, NULL), WALLET_ADDRESS_OK);
    ledger_op_t op = {.kind = LEDGER_OP_CREATE,
                      .id = ledger_id_random(),
                      .debit_account_id = F.usd.settlement_account_id,
                      .credit_account_id = w.account_id,
                      .amount = amount,
                      .code = 1};
    ledger_result_t res;
    cr_assert_eq(ledger_transfers_execute(F.ledger, &op, 1, &res), LEDGER_OK);
    cr_assert_eq(res, LEDGER_OK);
}

static json_t *create_incoming(const char *wid, const char *amount)
{
    char vars[512];
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"incomingAmount\":{\"value\":\"%s\","
             "\"assetCode\":\"USD\",\"assetScale\":2},\"metadata\":{\"order\":\"42\"}}}",
             wid, amount);
    return run("mutation($in: CreateIncomingPaymentInput!) { createIncomingPayment(input: $in) "
               "{ payment { id url walletAddressId state expiresAt incomingAmount { value "
               "assetCode assetScale } receivedAmount { value } metadata liquidity client } } }",
               vars);
}

Test(gql_payments, local_payment_flow)
{
    char alice[LEDGER_ID_STR_LEN + 1], bob[LEDGER_ID_STR_LEN + 1];
    create_wallet("alice", alice);
    create_wallet("bob", bob);
    fund(alice, 10000);
    json_t *r = create_incoming(bob, "500");
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createIncomingPayment.payment.state"), "PENDING");
    cr_assert_str_eq(str_at(r, "createIncomingPayment.payment.receivedAmount.value"), "0");
    cr_assert_str_eq(str_at(r, "createIncomingPayment.payment.metadata.order"), "42");
    cr_assert(json_is_null(at(r, "createIncomingPayment.payment.client")));
    char ip_url[256], ip_id[LEDGER_ID_STR_LEN + 1];
    snprintf(ip_url, sizeof ip_url, "%s", str_at(r, "createIncomingPayment.payment.url"));
    snprintf(ip_id, sizeof ip_id, "%s", str_at(r, "createIncomingPayment.payment.id"));
    json_decref(r);

    char vars[1024];
    snprintf(vars, sizeof vars, "{\"in\":{\"walletAddressId\":\"%s\",\"receiver\":\"%s\"}}", alice,
             ip_url);
    r = run("mutation($in: CreateQuoteInput!) { createQuote(input: $in) { quote { id tenantId "
            "walletAddressId receiver debitAmount { value assetCode } receiveAmount { value } "
            "expiresAt } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createQuote.quote.receiveAmount.value"), "500");
    cr_assert_str_eq(str_at(r, "createQuote.quote.tenantId"), OPERATOR);
    char quote[LEDGER_ID_STR_LEN + 1];
    snprintf(quote, sizeof quote, "%s", str_at(r, "createQuote.quote.id"));
    json_decref(r);

    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"quoteId\":\"%s\",\"metadata\":{\"a\":1}}}",
             alice, quote);
    const char *create = "mutation($in: CreateOutgoingPaymentInput!) { createOutgoingPayment("
                         "input: $in) { payment { id state receiver quote { id } metadata "
                         "sentAmount { value } debitAmount { value } } } }";
    r = run(create, vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createOutgoingPayment.payment.state"), "FUNDING");
    cr_assert_str_eq(str_at(r, "createOutgoingPayment.payment.receiver"), ip_url);
    char pay[LEDGER_ID_STR_LEN + 1];
    snprintf(pay, sizeof pay, "%s", str_at(r, "createOutgoingPayment.payment.id"));
    json_decref(r);
    /* a quote pays once */
    expect_error(run(create, vars), "BAD_USER_INPUT", "invalid quote");

    for (int i = 0; i < 20; i++)
        outgoing_payments_run_due(F.op, 16);
    snprintf(vars, sizeof vars, "{\"id\":\"%s\",\"ip\":\"%s\"}", pay, ip_id);
    r = run("query($id: String!, $ip: String!) { outgoingPayment(id: $id) { state sentAmount { "
            "value } liquidity } incomingPayment(id: $ip) { state receivedAmount { value } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "outgoingPayment.state"), "COMPLETED");
    cr_assert_str_eq(str_at(r, "outgoingPayment.sentAmount.value"), "500");
    cr_assert_str_eq(str_at(r, "incomingPayment.state"), "COMPLETED");
    cr_assert_str_eq(str_at(r, "incomingPayment.receivedAmount.value"), "500");
    json_decref(r);

    /* a completed payment is not cancelled */
    snprintf(vars, sizeof vars, "{\"in\":{\"id\":\"%s\"}}", pay);
    expect_error(run("mutation($in: CancelOutgoingPaymentInput!) { cancelOutgoingPayment(input: "
                     "$in) { payment { id } } }",
                     vars),
                 "CONFLICT", "wrong state");

    /* the lists and their filters */
    r = run("{ outgoingPayments(filter: {state: {in: [\"COMPLETED\"]}}) { edges { node { id } } } "
            "incomingPayments(filter: {initiatedBy: {in: [\"OPEN_PAYMENTS\"]}}) { edges { node "
            "{ id } } } payments(sortOrder: ASC) { edges { node { __typename id type state "
            "walletAddressId } } } }",
            NULL);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "outgoingPayments.edges.0.node.id"), pay);
    cr_assert_eq(json_array_size(at(r, "incomingPayments.edges")), 0);
    cr_assert_str_eq(str_at(r, "payments.edges.0.node.type"), "INCOMING");
    cr_assert_str_eq(str_at(r, "payments.edges.1.node.type"), "OUTGOING");
    cr_assert_str_eq(str_at(r, "payments.edges.1.node.__typename"), "Payment");
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", alice);
    r = run("query($id: String!) { walletAddress(id: $id) { liquidity quotes { edges { node { id "
            "} } } outgoingPayments { edges { node { state } } } incomingPayments { edges { "
            "cursor } } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "walletAddress.quotes.edges.0.node.id"), quote);
    cr_assert_str_eq(str_at(r, "walletAddress.outgoingPayments.edges.0.node.state"), "COMPLETED");
    cr_assert_eq(json_array_size(at(r, "walletAddress.incomingPayments.edges")), 0);
    cr_assert_str_eq(str_at(r, "walletAddress.liquidity"), "9500");
    json_decref(r);
}

Test(gql_payments, payment_errors_change_nothing)
{
    char alice[LEDGER_ID_STR_LEN + 1];
    create_wallet("alice", alice);
    char vars[1024];
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"incomingAmount\":{\"value\":\"5\","
             "\"assetCode\":\"EUR\",\"assetScale\":2}}}",
             alice);
    const char *ip = "mutation($in: CreateIncomingPaymentInput!) { createIncomingPayment(input: "
                     "$in) { payment { id } } }";
    expect_error(run(ip, vars), "BAD_USER_INPUT", "invalid amount");
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"expiresAt\":\"2001-01-01T00:00:00.000Z\"}}",
             alice);
    expect_error(run(ip, vars), "BAD_USER_INPUT", "invalid expiresAt");
    expect_error(run(ip, "{\"in\":{\"walletAddressId\":\"6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50\"}}"),
                 "NOT_FOUND", "unknown wallet address");
    snprintf(vars, sizeof vars, "{\"in\":{\"walletAddressId\":\"%s\",\"receiver\":\"%s\"}}", alice,
             OP_URL "/incoming-payments/6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50");
    const char *quote = "mutation($in: CreateQuoteInput!) { createQuote(input: $in) { quote { id "
                        "} } }";
    expect_error(run(quote, vars), "BAD_USER_INPUT", "invalid receiver");
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"receiver\":\"x\",\"debitAmount\":{\"value\":"
             "\"1\",\"assetCode\":\"USD\",\"assetScale\":2},\"receiveAmount\":{\"value\":\"1\","
             "\"assetCode\":\"USD\",\"assetScale\":2}}}",
             alice);
    expect_error(run(quote, vars), "BAD_USER_INPUT", "invalid amount");
    snprintf(vars, sizeof vars,
             "{\"in\":{\"walletAddressId\":\"%s\",\"quoteId\":\"6a4ab8c6-3a0e-4f8e-9b8e-"
             "1b0c2d3e4f50\"}}",
             alice);
    expect_error(run("mutation($in: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: "
                     "$in) { payment { id } } }",
                     vars),
                 "NOT_FOUND", "unknown quote");
    expect_error(run("{ quote(id: \"6a4ab8c6-3a0e-4f8e-9b8e-1b0c2d3e4f50\") { id } }", NULL),
                 "NOT_FOUND", "quote does not exist");
    expect_error(run("{ outgoingPayment(id: \"nope\") { id } }", NULL), "NOT_FOUND",
                 "payment does not exist");
    expect_error(run("{ incomingPayment(id: \"nope\") { id } }", NULL), "NOT_FOUND",
                 "payment does not exist");
    json_t *r = run("{ payments { edges { cursor } } }", NULL);
    expect_ok(r);
    cr_assert_eq(json_array_size(at(r, "payments.edges")), 0);
    json_decref(r);
    expect_error(
        run("mutation { approveIncomingPayment(input: {id: \"x\"}) { payment { id } } }", NULL),
        "NOT_FOUND", "unknown payment");
}

Test(gql_payments, receivers_and_metadata)
{
    char bob[LEDGER_ID_STR_LEN + 1];
    create_wallet("bob", bob);
    const char *create = "mutation($in: CreateReceiverInput!) { createReceiver(input: $in) { "
                         "receiver { id walletAddressUrl completed incomingAmount { value } "
                         "receivedAmount { value assetCode } expiresAt metadata createdAt } } }";
    json_t *r = run(create, "{\"in\":{\"walletAddressUrl\":\"" OP_URL "/bob\",\"incomingAmount\":"
                            "{\"value\":\"7\",\"assetCode\":\"USD\",\"assetScale\":2},"
                            "\"metadata\":{\"k\":\"v\"}}}");
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "createReceiver.receiver.walletAddressUrl"), OP_URL "/bob");
    cr_assert(json_is_false(at(r, "createReceiver.receiver.completed")));
    char url[256];
    snprintf(url, sizeof url, "%s", str_at(r, "createReceiver.receiver.id"));
    json_decref(r);
    cr_assert(strncmp(url, OP_URL "/incoming-payments/", strlen(OP_URL) + 19) == 0);
    expect_error(run(create, "{\"in\":{\"walletAddressUrl\":\"" OP_URL "/nobody\"}}"), "NOT_FOUND",
                 "unknown wallet address");

    char vars[512];
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", url);
    r = run("query($id: String!) { receiver(id: $id) { id completed } }", vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "receiver.id"), url);
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"in\":{\"incomingPaymentUrl\":\"%s\"}}", url);
    const char *complete = "mutation($in: CompleteReceiverInput!) { completeReceiver(input: $in) "
                           "{ receiver { completed } } }";
    r = run(complete, vars);
    expect_ok(r);
    cr_assert(json_is_true(at(r, "completeReceiver.receiver.completed")));
    json_decref(r);
    expect_error(run(complete, vars), "CONFLICT", "wrong state");
    expect_error(run("{ receiver(id: \"" OP_URL "/incoming-payments/6a4ab8c6-3a0e-4f8e-9b8e-"
                     "1b0c2d3e4f50\") { id } }",
                     NULL),
                 "NOT_FOUND", "receiver does not exist");

    /* updateIncomingPayment replaces the metadata */
    r = create_incoming(bob, "9");
    char id[LEDGER_ID_STR_LEN + 1];
    snprintf(id, sizeof id, "%s", str_at(r, "createIncomingPayment.payment.id"));
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"in\":{\"id\":\"%s\",\"metadata\":{\"note\":\"paid\"}}}", id);
    r = run("mutation($in: UpdateIncomingPaymentInput!) { updateIncomingPayment(input: $in) { "
            "payment { id metadata } } }",
            vars);
    expect_ok(r);
    cr_assert_str_eq(str_at(r, "updateIncomingPayment.payment.metadata.note"), "paid");
    cr_assert_null(at(r, "updateIncomingPayment.payment.metadata.order"));
    json_decref(r);
}

Test(gql_payments, additional_property_bounds_change_nothing)
{
    ledger_id_format(F.usd.id, asset_id);
    /* 33 properties: one more than a wallet address holds */
    json_t *props = json_array();
    for (int i = 0; i < 33; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_array_append_new(
            props, json_pack("{s:s,s:s,s:b}", "key", k, "value", "v", "visibleInOpenPayments", 0));
    }
    json_t *vars = json_pack("{s:{s:s,s:s,s:O}}", "in", "assetId", asset_id, "address", "many",
                             "additionalProperties", props);
    char *text = json_dumps(vars, JSON_COMPACT);
    const char *doc = "mutation($in: CreateWalletAddressInput!) { createWalletAddress(input: $in) "
                      "{ walletAddress { id } } }";
    expect_error(run(doc, text), "BAD_USER_INPUT", "too many keys or properties");
    free(text);
    /* a key longer than 255 characters */
    char key[300];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    json_array_clear(props);
    json_array_append_new(
        props, json_pack("{s:s,s:s,s:b}", "key", key, "value", "v", "visibleInOpenPayments", 0));
    text = json_dumps(vars, JSON_COMPACT);
    expect_error(run(doc, text), "BAD_USER_INPUT", "additional property too long");
    free(text);
    json_decref(vars);
    json_decref(props);
    json_t *r = run("{ walletAddresses { edges { cursor } } }", NULL);
    expect_ok(r);
    cr_assert_eq(json_array_size(at(r, "walletAddresses.edges")), 0, "nothing was created");
    json_decref(r);
}

/* triggerWalletAddressEvents and createWalletAddressWithdrawal (wallet_address_events.h) with
 * Rafiki's answers. */
Test(gql_payments, web_monetization_trigger_and_withdrawal)
{
    char w[LEDGER_ID_STR_LEN + 1], vars[512];
    const char *trigger = "mutation { triggerWalletAddressEvents(input: {limit: 5}) { count } }";
    const char *withdraw = "mutation($input: CreateWalletAddressWithdrawalInput!) { "
                           "createWalletAddressWithdrawal(input: $input) { withdrawal { id amount "
                           "walletAddress { id } } } }";
    create_wallet("monica", w);
    fund(w, 250);
    json_t *r = run(trigger, NULL);
    expect_ok(r);
    cr_expect_eq(json_integer_value(at(r, "triggerWalletAddressEvents.count")), 0,
                 "nothing marked without a threshold or a throttle");
    json_decref(r);
    F.wallet.withdrawal_throttle = true;
    F.wallet.rafiki_funding = true;
    ledger_id_t cursor = {0, 0};
    size_t marked = 0;
    cr_assert_eq(wa_events_mark_pass(&F.wallet, clock_wall_ms(), &cursor, &marked, NULL),
                 WA_EVENTS_OK);
    cr_assert_eq(marked, 1);
    r = run(trigger, NULL);
    expect_ok(r);
    cr_expect_eq(json_integer_value(at(r, "triggerWalletAddressEvents.count")), 1);
    json_decref(r);
    r = run(trigger, NULL);
    cr_expect_eq(json_integer_value(at(r, "triggerWalletAddressEvents.count")), 0, "once");
    json_decref(r);

    const char *wid = "cccccccc-0000-4000-8000-000000000001";
    snprintf(vars, sizeof vars,
             "{\"input\":{\"walletAddressId\":\"%s\",\"id\":\"%s\",\"idempotencyKey\":\"a\","
             "\"timeoutSeconds\":\"0\"}}",
             wid, wid);
    expect_error(run(withdraw, vars), "NOT_FOUND", "Unknown wallet address");
    snprintf(vars, sizeof vars,
             "{\"input\":{\"walletAddressId\":\"%s\",\"id\":\"nope\",\"idempotencyKey\":\"b\","
             "\"timeoutSeconds\":\"0\"}}",
             w);
    expect_error(run(withdraw, vars), "BAD_USER_INPUT", "Invalid transfer id");
    snprintf(vars, sizeof vars,
             "{\"input\":{\"walletAddressId\":\"%s\",\"id\":\"%s\",\"idempotencyKey\":\"c\","
             "\"timeoutSeconds\":\"30\"}}",
             w, wid);
    r = run(withdraw, vars);
    expect_ok(r);
    cr_expect_str_eq(str_at(r, "createWalletAddressWithdrawal.withdrawal.id"), wid);
    cr_expect_str_eq(str_at(r, "createWalletAddressWithdrawal.withdrawal.amount"), "250");
    cr_expect_str_eq(str_at(r, "createWalletAddressWithdrawal.withdrawal.walletAddress.id"), w);
    json_decref(r);
    snprintf(vars, sizeof vars,
             "{\"input\":{\"walletAddressId\":\"%s\",\"id\":\"%s\",\"idempotencyKey\":\"d\","
             "\"timeoutSeconds\":\"0\"}}",
             w, wid);
    expect_error(run(withdraw, vars), "FORBIDDEN", "Transfer amount is zero");
    fund(w, 5);
    expect_error(run(withdraw, vars), "DUPLICATE", "Transfer already exists");
}
