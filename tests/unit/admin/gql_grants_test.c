/* The auth schema's resolvers (src/admin/admin_gql_grants.c) run by the executor over the
 * built-in auth schema, on a migrated SQLite file: Grant's fields as Rafiki spells them, the
 * filters and pages, grant(id) and revokeGrant with Rafiki's errors, the tenant rules. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "admin/admin_gql.h"
#include "auth/auth_grants.h"
#include "auth/auth_internal.h"
#include "payments/tenants.h"

#include "../payments/payments_db.h"

#define OPERATOR "8d4a7b5e-3f7c-4c1e-9d5b-0a6c2f1e9b3d"

static db_t *db;
static auth_t *A;
static admin_gql_t G;
static gql_schema_t *S;

static void setup(void)
{
    db = bk_open("sqlite:", "gql_grants");
    auth_config_t cfg = {.db = db, .auth_url = "http://auth.test", .token_expiry_s = 60};
    A = auth_new(&cfg);
    memset(&G, 0, sizeof G);
    G.auth = A;
    G.operator_tenant_id = OPERATOR;
    gql_err_t err;
    cr_assert_eq(gql_schema_build(admin_gql_auth_sdl, admin_gql_auth_sdl_len,
                                  admin_gql_grants.resolvers, admin_gql_grants.n, &S, &err),
                 GQL_OK, "%s", err.message);
}

static void teardown(void)
{
    gql_schema_free(S);
    auth_free(A);
    db_close(db);
}

TestSuite(gql_grants, .init = setup, .fini = teardown);

/* Runs query with variables (JSON text or NULL) as the operator, or as another tenant. */
/* A tenant that is not the operator (made by the tenants test; "" elsewhere). */
static char tenant_b[PAY_TENANT_ID_LEN + 1];

static json_t *run_as(bool operator, const char * query, const char *vars, unsigned *status)
{
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    cr_assert(!vars || v, "bad test JSON %s", vars);
    gql_request_t req = {
        .query = (const uint8_t *)query, .query_len = strlen(query), .variables = v};
    admin_gql_req_t ctx = {
        .gql = &G, .tenant_id = operator? OPERATOR : tenant_b, .is_operator = operator};
    unsigned st = 0;
    json_t *resp = gql_execute(S, NULL, &req, &ctx, &st);
    json_decref(v);
    cr_assert_not_null(resp);
    if (status)
        *status = st;
    return resp;
}

static json_t *run(const char *query, const char *vars)
{
    return run_as(true, query, vars, NULL);
}

/* resp's data at a path of members and indexes ("grants.edges.0.node.id"). */
static json_t *at(json_t *resp, const char *path)
{
    json_t *v = json_object_get(resp, "data");
    char key[64];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        cr_assert_lt(n, sizeof key);
        memcpy(key, path, n);
        key[n] = '\0';
        path += n + (path[n] == '.');
        v = json_is_array(v) ? json_array_get(v, strtoul(key, NULL, 10)) : json_object_get(v, key);
    }
    return v;
}

static const char *str_at(json_t *resp, const char *path)
{
    return json_string_value(at(resp, path));
}

static const char *error_code(json_t *resp)
{
    json_t *e = json_array_get(json_object_get(resp, "errors"), 0);
    return json_string_value(json_object_get(json_object_get(e, "extensions"), "code"));
}

static const char *error_message(json_t *resp)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(resp, "errors"), 0), "message"));
}

static void make_grant(grant_state_t state, bool interactive, int64_t created_ms,
                       const char *identifier, bool jwk, char id[UUID_STR_LEN + 1])
{
    grant_t g;
    memset(&g, 0, sizeof g);
    uuid_v7(g.id);
    g.state = state;
    if (jwk)
        g.client_jwk = json_pack("{s:s,s:s,s:s}", "kty", "OKP", "crv", "Ed25519", "x", "AAAA");
    else
        snprintf(g.client, sizeof g.client, "https://wallet.test/shop");
    if (identifier)
        g.access = json_pack("[{s:s,s:[s,s],s:s,s:{s:s,s:{s:s,s:s,s:i},s:s}}]", "type",
                             "outgoing-payment", "actions", "create", "read", "identifier",
                             identifier, "limits", "receiver", "https://wallet.test/bob/ip/1",
                             "debitAmount", "value", "18446744073709551615", "assetCode", "USD",
                             "assetScale", 2, "interval", "R/2026-01-01T00:00:00Z/P1M");
    else
        g.access =
            json_pack("[{s:s,s:[s,s]}]", "type", "incoming-payment", "actions", "create", "read");
    auth_hash("continue", g.continue_hash);
    if (interactive) {
        uuid_v4(g.interact_id);
        snprintf(g.interact_nonce, sizeof g.interact_nonce, "0123456789ABCDEF");
    }
    g.created_ms = g.last_continue_ms = created_ms;
    cr_assert_eq(grant_insert(A, &g), GSTORE_OK);
    memcpy(id, g.id, UUID_STR_LEN + 1);
    grant_release(&g);
}

#define ALL_FIELDS                                                                                 \
    "id client state finalizationReason createdAt tenantId subject { sub_ids { id } } "            \
    "access { id identifier type actions createdAt limits { receiver interval "                    \
    "debitAmount { value assetCode assetScale } receiveAmount { value } } }"

Test(gql_grants, grant_fields_as_rafiki_spells_them)
{
    char g1[UUID_STR_LEN + 1], g2[UUID_STR_LEN + 1];
    make_grant(GRANT_FINALIZED, true, 1796674734123, "https://wallet.test/alice", false, g1);
    make_grant(GRANT_FINALIZED, false, 1796674734124, NULL, true, g2);
    json_t *r = run("query { grants(sortOrder: ASC) { edges { cursor node { " ALL_FIELDS
                    " } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }",
                    NULL);
    cr_assert_null(json_object_get(r, "errors"), "%s", error_message(r));
    cr_expect_str_eq(str_at(r, "grants.edges.0.cursor"), g1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), g1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.client"), "https://wallet.test/shop");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.state"), "FINALIZED");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.finalizationReason"), "ISSUED");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.createdAt"), "2026-12-07T20:18:54.123Z");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.tenantId"), OPERATOR);
    cr_expect(json_is_null(at(r, "grants.edges.0.node.subject")), "lists join no subjects");
    json_t *acc = at(r, "grants.edges.0.node.access.0");
    char want_id[UUID_STR_LEN + 1];
    auth_grant_access_id(g1, 0, want_id);
    cr_expect_str_eq(json_string_value(json_object_get(acc, "id")), want_id);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.type"), "outgoing-payment");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.identifier"),
                     "https://wallet.test/alice");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.actions.1"), "read");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.createdAt"),
                     "2026-12-07T20:18:54.123Z");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.limits.debitAmount.value"),
                     "18446744073709551615");
    cr_expect_eq(json_integer_value(at(r, "grants.edges.0.node.access.0.limits.debitAmount."
                                          "assetScale")),
                 2);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.limits.receiver"),
                     "https://wallet.test/bob/ip/1");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.access.0.limits.interval"),
                     "R/2026-01-01T00:00:00Z/P1M");
    cr_expect(json_is_null(at(r, "grants.edges.0.node.access.0.limits.receiveAmount")));
    /* the key client without interaction: no client URL, APPROVED as Rafiki leaves it */
    cr_expect(json_is_null(at(r, "grants.edges.1.node.client")));
    cr_expect_str_eq(str_at(r, "grants.edges.1.node.state"), "APPROVED");
    cr_expect(json_is_null(at(r, "grants.edges.1.node.finalizationReason")));
    cr_expect(json_is_null(at(r, "grants.edges.1.node.access.0.identifier")));
    cr_expect(json_is_null(at(r, "grants.edges.1.node.access.0.limits")));
    cr_expect_str_eq(str_at(r, "grants.pageInfo.startCursor"), g1);
    cr_expect_str_eq(str_at(r, "grants.pageInfo.endCursor"), g2);
    cr_expect(json_is_false(at(r, "grants.pageInfo.hasNextPage")));
    cr_expect(json_is_false(at(r, "grants.pageInfo.hasPreviousPage")));
    json_decref(r);
}

Test(gql_grants, filters_and_pages)
{
    char ids[4][UUID_STR_LEN + 1];
    make_grant(GRANT_FINALIZED, true, 1000, "https://wallet.test/alice", false, ids[0]);
    make_grant(GRANT_REVOKED, true, 2000, "https://wallet.test/alice", false, ids[1]);
    make_grant(GRANT_DENIED, true, 3000, "https://wallet.test/bob", false, ids[2]);
    make_grant(GRANT_PENDING, true, 4000, "https://wallet.test/alice", false, ids[3]);
    const char *q = "query G($f: GrantFilter, $first: Int, $after: String, $last: Int, "
                    "$before: String, $o: SortOrder) { grants(filter: $f, first: $first, "
                    "after: $after, last: $last, before: $before, sortOrder: $o) { edges { "
                    "node { id } } pageInfo { hasNextPage hasPreviousPage } } }";
    json_t *r = run(q, "{\"f\":{\"identifier\":{\"in\":[\"https://wallet.test/alice\"]},"
                       "\"finalizationReason\":{\"notIn\":[\"REVOKED\"]}}}");
    cr_assert_null(json_object_get(r, "errors"), "%s", error_message(r));
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 2);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), ids[3], "DESC by default");
    cr_expect_str_eq(str_at(r, "grants.edges.1.node.id"), ids[0]);
    json_decref(r);
    r = run(q, "{\"f\":{\"state\":{\"in\":[\"FINALIZED\"]},\"finalizationReason\":{\"in\":"
               "[\"REJECTED\",\"REVOKED\"]}},\"o\":\"ASC\"}");
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 2);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), ids[1]);
    cr_expect_str_eq(str_at(r, "grants.edges.1.node.id"), ids[2]);
    json_decref(r);
    r = run(q, "{\"f\":{\"state\":{\"notIn\":[\"FINALIZED\"]}}}");
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), ids[3]);
    json_decref(r);
    char vars[256];
    snprintf(vars, sizeof vars, "{\"first\":2,\"after\":\"%s\",\"o\":\"ASC\"}", ids[0]);
    r = run(q, vars);
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 2);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), ids[1]);
    cr_expect(json_is_true(at(r, "grants.pageInfo.hasNextPage")));
    cr_expect(json_is_true(at(r, "grants.pageInfo.hasPreviousPage")));
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"last\":1,\"before\":\"%s\"}", ids[1]);
    r = run(q, vars);
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), ids[2], "DESC: before 1 is 2");
    json_decref(r);
    r = run(q, "{\"first\":101}");
    cr_expect_str_eq(error_message(r), "Pagination index error");
    cr_expect_str_eq(error_code(r), GQL_CODE_INTERNAL);
    json_decref(r);
    r = run(q, "{\"last\":5}");
    cr_expect_str_eq(error_message(r), "Can't paginate backwards from the start.");
    json_decref(r);
}

Test(gql_grants, one_grant)
{
    char g1[UUID_STR_LEN + 1];
    make_grant(GRANT_DENIED, true, 1000, "https://wallet.test/alice", false, g1);
    char vars[128];
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", g1);
    const char *q = "query G($id: ID!) { grant(id: $id) { " ALL_FIELDS " } }";
    json_t *r = run(q, vars);
    cr_assert_null(json_object_get(r, "errors"), "%s", error_message(r));
    cr_expect_str_eq(str_at(r, "grant.id"), g1);
    cr_expect_str_eq(str_at(r, "grant.state"), "FINALIZED");
    cr_expect_str_eq(str_at(r, "grant.finalizationReason"), "REJECTED");
    cr_expect(json_is_array(at(r, "grant.subject.sub_ids")), "grant(id) joins subjects");
    cr_expect_eq(json_array_size(at(r, "grant.subject.sub_ids")), 0);
    json_decref(r);
    r = run(q, "{\"id\":\"00000000-0000-4000-8000-000000000000\"}");
    cr_expect_str_eq(error_code(r), GQL_CODE_NOT_FOUND);
    cr_expect_str_eq(error_message(r), "No grant");
    cr_expect(json_is_null(json_object_get(r, "data")), "Grant! is non-null");
    json_decref(r);
}

Test(gql_grants, revoke_grant)
{
    char g1[UUID_STR_LEN + 1];
    make_grant(GRANT_APPROVED, false, 1000, NULL, false, g1);
    char value[AUTH_TOKEN_LEN + 1], tid[UUID_STR_LEN + 1];
    cr_assert_eq(token_issue(A, g1, GRANT_APPROVED, value, tid), GSTORE_OK);
    const char *m = "mutation R($i: RevokeGrantInput!) { revokeGrant(input: $i) { id } }";
    char vars[128];
    snprintf(vars, sizeof vars, "{\"i\":{\"grantId\":\"%s\"}}", g1);
    json_t *r = run(m, vars);
    cr_assert_null(json_object_get(r, "errors"), "%s", error_message(r));
    cr_expect_str_eq(str_at(r, "revokeGrant.id"), g1);
    json_decref(r);
    token_row_t row;
    cr_assert_eq(token_get(A, value, &row), GSTORE_OK);
    cr_expect(row.revoked, "the grant's token is revoked with it");
    op_access_t acc;
    cr_expect_eq(auth_introspect(A, value, "incoming-payment", "read", NULL, &acc),
                 OP_ACCESS_INACTIVE);
    r = run(m, "{\"i\":{\"grantId\":\"\"}}");
    cr_expect_str_eq(error_code(r), GQL_CODE_FORBIDDEN);
    cr_expect_str_eq(error_message(r), "Grant id is not provided");
    json_decref(r);
    r = run(m, "{\"i\":{\"grantId\":\"00000000-0000-4000-8000-000000000000\"}}");
    cr_expect_str_eq(error_code(r), GQL_CODE_NOT_FOUND);
    cr_expect_str_eq(error_message(r), "Revoke grant was not successful");
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", g1);
    r = run("query G($id: ID!) { grant(id: $id) { state finalizationReason } }", vars);
    cr_expect_str_eq(str_at(r, "grant.finalizationReason"), "REVOKED");
    json_decref(r);
}

/* Makes grant id one of tenant's, as POST /{tenant} makes it. */
static void grant_tenant_set(const char *id, const char *tenant)
{
    db_err_t err;
    db_conn_t *c = db_acquire(db, DB_CONN_WRITE, &err);
    cr_assert_not_null(c, "%s", err.msg);
    db_stmt_t *st = db_prepare(c, "UPDATE auth_grants SET tenant_id = ? WHERE id = ?", &err);
    cr_assert_not_null(st, "%s", err.msg);
    db_bind_str(st, 1, tenant);
    db_bind_str(st, 2, id);
    cr_assert_eq(db_run(st, &err), DB_OK, "%s", err.msg);
    db_release(c);
}

Test(gql_grants, tenants)
{
    pay_tenant_input_t in = {.api_secret = "b-secret"};
    pay_tenant_t t;
    cr_assert_eq(pay_tenant_create(db, &in, NULL, 0, "test.b", &t), PAY_TENANT_OK);
    memcpy(tenant_b, t.id, sizeof tenant_b);
    char g1[UUID_STR_LEN + 1], gb[UUID_STR_LEN + 1];
    make_grant(GRANT_FINALIZED, true, 1000, NULL, false, g1);
    make_grant(GRANT_FINALIZED, true, 1001, NULL, false, gb);
    grant_tenant_set(gb, tenant_b);
    const char *q = "query G($t: ID) { grants(tenantId: $t) { edges { node { id tenantId } } } }";
    json_t *r = run(q, "{\"t\":\"" OPERATOR "\"}");
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), g1);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.tenantId"), OPERATOR);
    json_decref(r);
    r = run(q, "{\"t\":\"11111111-1111-4111-8111-111111111111\"}");
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 0, "another tenant has no grants");
    json_decref(r);
    r = run(q, NULL);
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 2, "the operator sees every grant");
    json_decref(r);
    r = run_as(false, q, "{\"t\":\"" OPERATOR "\"}", NULL);
    cr_expect_eq(json_array_size(at(r, "grants.edges")), 1, "a tenant sees only its own");
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.id"), gb);
    cr_expect_str_eq(str_at(r, "grants.edges.0.node.tenantId"), tenant_b);
    json_decref(r);
    char vars[128];
    snprintf(vars, sizeof vars, "{\"id\":\"%s\"}", g1);
    r = run_as(false, "query G($id: ID!) { grant(id: $id) { id } }", vars, NULL);
    cr_expect_str_eq(error_code(r), GQL_CODE_NOT_FOUND);
    json_decref(r);
    snprintf(vars, sizeof vars, "{\"i\":{\"grantId\":\"%s\"}}", g1);
    r = run_as(false, "mutation R($i: RevokeGrantInput!) { revokeGrant(input: $i) { id } }", vars,
               NULL);
    cr_expect_str_eq(error_code(r), GQL_CODE_NOT_FOUND, "not another tenant's grant");
    json_decref(r);
    grant_t g;
    cr_assert_eq(grant_get(A, g1, &g), GSTORE_OK);
    cr_expect_eq(g.state, GRANT_FINALIZED, "left as it was");
    grant_release(&g);
    snprintf(vars, sizeof vars, "{\"i\":{\"grantId\":\"%s\"}}", gb);
    r = run_as(false, "mutation R($i: RevokeGrantInput!) { revokeGrant(input: $i) { id } }", vars,
               NULL);
    cr_expect_str_eq(str_at(r, "revokeGrant.id"), gb, "its own");
    json_decref(r);
    memset(tenant_b, 0, sizeof tenant_b);
}

Test(gql_grants, without_the_authorization_server)
{
    G.auth = NULL;
    json_t *r = run("{ grants { edges { cursor } } }", NULL);
    cr_expect_str_eq(error_code(r), GQL_CODE_INTERNAL);
    json_decref(r);
}
