/* Tests for src/graphql/exec.c, schema.c and coerce.c: a schema built from Rafiki's SDL with
 * resolvers bound by "Type.field", requests run against it (responses compared as compact
 * JSON, so member order counts): fields, aliases, fragments, directives, variables and their
 * coercion errors, non-null propagation with paths, leaf serialization, mutation order. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/exec.h"

static gql_schema_t *schema;
static char order[256];

static gql_resolve_t r_asset(const gql_call_t *c, json_t **out)
{
    const char *id = json_string_value(json_object_get(c->args, "id"));
    if (strcmp(id, "missing") == 0) {
        *out = json_null();
        return GQL_RESOLVED;
    }
    if (strcmp(id, "fail") == 0) {
        c->err->code = "NOT_FOUND";
        snprintf(c->err->message, sizeof c->err->message, "asset %s not found", id);
        return GQL_RESOLVE_ERROR;
    }
    *out = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "id", id, "code", "USD", "scale", 2,
                     "withdrawalThreshold", "18446744073709551615", "createdAt", "2024-01-01",
                     "liquidity", strcmp(id, "badint") == 0 ? "x" : "100");
    if (strcmp(id, "nocode") == 0)
        json_object_set_new(*out, "code", json_null());
    return GQL_RESOLVED;
}

static gql_resolve_t r_assets(const gql_call_t *c, json_t **out)
{
    (void)c;
    *out = json_pack("{s:{s:b,s:b},s:[{s:s,s:{s:s,s:s,s:i}},{s:s,s:{s:s,s:s,s:i}}]}", "pageInfo",
                     "hasNextPage", 0, "hasPreviousPage", 0, "edges", "cursor", "a", "node", "id",
                     "a", "code", "USD", "scale", 2, "cursor", "b", "node", "id", "b", "code",
                     "EUR", "scale", 2);
    return GQL_RESOLVED;
}

static gql_resolve_t r_wa(const gql_call_t *c, json_t **out)
{
    (void)c;
    *out = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:i}}", "__typename", "WalletAddress", "id", "w1",
                     "address", "https://x/alice", "asset", "id", "a", "code", "USD", "scale", 2);
    return GQL_RESOLVED;
}

static gql_resolve_t r_create_asset(const gql_call_t *c, json_t **out)
{
    json_t *in = json_object_get(c->args, "input");
    strncat(order, "A", sizeof order - strlen(order) - 1);
    *out = json_pack("{s:{s:s,s:O,s:O}}", "asset", "id", "new", "code", json_object_get(in, "code"),
                     "scale", json_object_get(in, "scale"));
    if (json_object_get(in, "withdrawalThreshold"))
        json_object_set(json_object_get(*out, "asset"), "withdrawalThreshold",
                        json_object_get(in, "withdrawalThreshold"));
    return GQL_RESOLVED;
}

static gql_resolve_t r_delete_asset(const gql_call_t *c, json_t **out)
{
    (void)c;
    strncat(order, "D", sizeof order - strlen(order) - 1);
    *out = json_pack("{s:{s:s}}", "asset", "id", "gone");
    return GQL_RESOLVED;
}

static gql_resolve_t r_args(const gql_call_t *c, json_t **out)
{
    /* echoes its coerced arguments as the cursor of pageInfo */
    char *s = json_dumps(c->args, JSON_COMPACT | JSON_SORT_KEYS);
    *out = json_pack("{s:{s:s,s:b,s:b},s:[]}", "pageInfo", "endCursor", s, "hasNextPage", 0,
                     "hasPreviousPage", 0, "edges");
    free(s);
    return GQL_RESOLVED;
}

static const gql_resolver_t resolvers[] = {
    {"Query", "asset", r_asset},
    {"Query", "assets", r_assets},
    {"Query", "walletAddress", r_wa},
    {"Query", "peers", r_args},
    {"Mutation", "createAsset", r_create_asset},
    {"Mutation", "deleteAsset", r_delete_asset},
};

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, 1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

static void setup(void)
{
    size_t len;
    char *sdl = read_all("schema/graphql/backend.graphql", &len);
    gql_err_t err;
    gql_result_t rc = gql_schema_build((const uint8_t *)sdl, len, resolvers,
                                       sizeof resolvers / sizeof resolvers[0], &schema, &err);
    cr_assert_eq(rc, GQL_OK, "%s", err.message);
    free(sdl);
    order[0] = '\0';
}

static void teardown(void)
{
    gql_schema_free(schema);
}

TestSuite(graphql_exec, .init = setup, .fini = teardown);

/* Runs query with variables (JSON text or NULL) and returns the compact response. */
static char *run(const char *query, const char *vars, const char *op, unsigned *status)
{
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    if (vars)
        cr_assert_not_null(v, "bad test variables %s", vars);
    gql_request_t req = {(const uint8_t *)query, strlen(query), v, op};
    json_t *resp = gql_execute(schema, NULL, &req, NULL, status);
    char *s = json_dumps(resp, JSON_COMPACT);
    json_decref(resp);
    json_decref(v);
    return s;
}

static void expect(const char *query, const char *vars, unsigned status, const char *want)
{
    unsigned st = 0;
    char *got = run(query, vars, NULL, &st);
    cr_expect_str_eq(got, want, "%s\n got  %s\n want %s", query, got, want);
    cr_expect_eq(st, status, "%s: status %u", query, st);
    free(got);
}

Test(graphql_exec, fields_aliases_and_order)
{
    expect("{ b: asset(id: \"x\") { scale code id } a: asset(id: \"y\") { id } }", NULL, 200,
           "{\"data\":{\"b\":{\"scale\":2,\"code\":\"USD\",\"id\":\"x\"},\"a\":{\"id\":\"y\"}}}");
}

Test(graphql_exec, nested_lists_and_typename)
{
    expect("{ assets { edges { cursor node { __typename id } } pageInfo { hasNextPage } } }", NULL,
           200,
           "{\"data\":{\"assets\":{\"edges\":[{\"cursor\":\"a\",\"node\":{\"__typename\":"
           "\"Asset\",\"id\":\"a\"}},{\"cursor\":\"b\",\"node\":{\"__typename\":\"Asset\",\"id\":"
           "\"b\"}}],\"pageInfo\":{\"hasNextPage\":false}}}}");
}

Test(graphql_exec, fragments_merge_by_response_key)
{
    expect("query { asset(id: \"x\") { id ...F ... on Asset { scale } ... on Model { createdAt } "
           "id } } fragment F on Asset { code id }",
           NULL, 200,
           "{\"data\":{\"asset\":{\"id\":\"x\",\"code\":\"USD\",\"scale\":2,\"createdAt\":"
           "\"2024-01-01\"}}}");
}

Test(graphql_exec, skip_and_include)
{
    expect("query ($no: Boolean!) { asset(id: \"x\") { id @skip(if: true) code @include(if: $no) "
           "scale @include(if: true) ... @skip(if: $no) { createdAt } } }",
           "{\"no\": false}", 200,
           "{\"data\":{\"asset\":{\"scale\":2,\"createdAt\":\"2024-01-01\"}}}");
}

Test(graphql_exec, resolver_error_nulls_nullable_field)
{
    expect("{ asset(id: \"fail\") { id } ok: asset(id: \"x\") { id } }", NULL, 200,
           "{\"errors\":[{\"message\":\"asset fail not found\",\"locations\":[{\"line\":1,"
           "\"column\":3}],\"path\":[\"asset\"],\"extensions\":{\"code\":\"NOT_FOUND\"}}],"
           "\"data\":{\"asset\":null,\"ok\":{\"id\":\"x\"}}}");
}

Test(graphql_exec, null_in_non_null_propagates)
{
    expect("{ asset(id: \"nocode\") { id code } }", NULL, 200,
           "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field Asset.code.\","
           "\"locations\":[{\"line\":1,\"column\":28}],\"path\":[\"asset\",\"code\"],"
           "\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}],\"data\":{\"asset\":null}}");
}

Test(graphql_exec, leaf_serialization_errors)
{
    expect("{ asset(id: \"badint\") { id liquidity } }", NULL, 200,
           "{\"errors\":[{\"message\":\"Cannot convert x to a BigInt\","
           "\"locations\":[{\"line\":1,\"column\":28}],\"path\":[\"asset\",\"liquidity\"],"
           "\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}],\"data\":{\"asset\":{\"id\":"
           "\"badint\",\"liquidity\":null}}}");
}

Test(graphql_exec, uint64_passes_as_decimal_string)
{
    expect("{ asset(id: \"x\") { withdrawalThreshold liquidity } }", NULL, 200,
           "{\"data\":{\"asset\":{\"withdrawalThreshold\":\"18446744073709551615\","
           "\"liquidity\":\"100\"}}}");
    expect("mutation ($in: CreateAssetInput!) { createAsset(input: $in) { asset { code scale "
           "withdrawalThreshold } } }",
           "{\"in\": {\"code\": \"EUR\", \"scale\": 2, \"withdrawalThreshold\": 12}}", 200,
           "{\"data\":{\"createAsset\":{\"asset\":{\"code\":\"EUR\",\"scale\":2,"
           "\"withdrawalThreshold\":\"12\"}}}}");
    expect("mutation { createAsset(input: {code: \"EUR\", scale: 2, withdrawalThreshold: "
           "\"0099\"}) { asset { withdrawalThreshold } } }",
           NULL, 200, "{\"data\":{\"createAsset\":{\"asset\":{\"withdrawalThreshold\":\"99\"}}}}");
}

Test(graphql_exec, variable_coercion_errors)
{
    expect("mutation ($in: CreateAssetInput!) { createAsset(input: $in) { asset { id } } }",
           "{\"in\": {\"code\": \"EUR\", \"scale\": 256}}", 400,
           "{\"errors\":[{\"message\":\"Variable \\\"$in\\\" got invalid value 256 at "
           "\\\"in.scale\\\"; Provided value is not a UInt8.\",\"extensions\":{\"code\":"
           "\"BAD_USER_INPUT\"}}]}");
    expect("mutation ($in: CreateAssetInput!) { createAsset(input: $in) { asset { id } } }",
           "{\"in\": {\"scale\": 2, \"extra\": 1}}", 400,
           "{\"errors\":[{\"message\":\"Variable \\\"$in\\\" got invalid value { scale: 2, "
           "extra: 1 }; Field \\\"code\\\" of required type \\\"String!\\\" was not provided.\","
           "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}},{\"message\":\"Variable \\\"$in\\\" "
           "got invalid value { scale: 2, extra: 1 }; Field \\\"extra\\\" is not defined by "
           "type \\\"CreateAssetInput\\\".\",\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]}");
    expect("query ($n: Int) { peers(first: $n) { pageInfo { endCursor } } }", "{\"n\": 2147483648}",
           400,
           "{\"errors\":[{\"message\":\"Variable \\\"$n\\\" got invalid value 2147483648; Int "
           "cannot represent non 32-bit signed integer value: 2147483648\",\"extensions\":{"
           "\"code\":\"BAD_USER_INPUT\"}}]}");
    expect("query ($n: Int!) { peers(first: $n) { pageInfo { endCursor } } }", "{}", 400,
           "{\"errors\":[{\"message\":\"Variable \\\"$n\\\" of required type \\\"Int!\\\" was "
           "not provided.\",\"locations\":[{\"line\":1,\"column\":8}],\"extensions\":{\"code\":"
           "\"BAD_USER_INPUT\"}}]}");
}

Test(graphql_exec, arguments_coerced_and_complete)
{
    expect("query ($o: SortOrder, $t: ID) { peers(first: 3, sortOrder: $o, tenantId: $t, after: "
           "null) { pageInfo { endCursor } } }",
           "{\"o\": \"ASC\", \"t\": 7}", 200,
           "{\"data\":{\"peers\":{\"pageInfo\":{\"endCursor\":\"{\\\"after\\\":null,\\\"first\\\""
           ":3,\\\"sortOrder\\\":\\\"ASC\\\",\\\"tenantId\\\":\\\"7\\\"}\"}}}}");
}

Test(graphql_exec, interface_by_typename)
{
    expect("{ walletAddress(id: \"w\") { ... on Model { id } ... on WalletAddress { address "
           "asset { code } } } }",
           NULL, 200,
           "{\"data\":{\"walletAddress\":{\"id\":\"w1\",\"address\":\"https://x/alice\","
           "\"asset\":{\"code\":\"USD\"}}}}");
}

Test(graphql_exec, mutations_run_in_document_order)
{
    expect("mutation { d: deleteAsset(input: {id: \"a\"}) { asset { id } } c: createAsset(input: "
           "{code: \"X\", scale: 1}) { asset { id } } d2: deleteAsset(input: {id: \"b\"}) { "
           "asset { id } } }",
           NULL, 200,
           "{\"data\":{\"d\":{\"asset\":{\"id\":\"gone\"}},\"c\":{\"asset\":{\"id\":\"new\"}},"
           "\"d2\":{\"asset\":{\"id\":\"gone\"}}}}");
    cr_expect_str_eq(order, "DAD");
}

Test(graphql_exec, operation_selection)
{
    unsigned st;
    char *got =
        run("query A { whoami { id } } query B { asset(id: \"q\") { id } }", NULL, "B", &st);
    cr_expect_str_eq(got, "{\"data\":{\"asset\":{\"id\":\"q\"}}}");
    free(got);
    got = run("query A { whoami { id } } query B { asset(id: \"q\") { id } }", NULL, NULL, &st);
    cr_expect_str_eq(got, "{\"errors\":[{\"message\":\"Must provide operation name if query "
                          "contains multiple operations.\",\"extensions\":{\"code\":"
                          "\"OPERATION_RESOLUTION_FAILURE\"}}]}");
    cr_expect_eq(st, 400);
    free(got);
    got = run("query A { whoami { id } }", NULL, "C", &st);
    cr_expect_str_eq(got, "{\"errors\":[{\"message\":\"Unknown operation named \\\"C\\\".\","
                          "\"extensions\":{\"code\":\"OPERATION_RESOLUTION_FAILURE\"}}]}");
    free(got);
}

Test(graphql_exec, parse_error_is_400)
{
    expect("{ asset(id: ) }", NULL, 400,
           "{\"errors\":[{\"message\":\"Syntax Error: Unexpected \\\")\\\".\",\"locations\":[{"
           "\"line\":1,\"column\":13}],\"extensions\":{\"code\":\"GRAPHQL_PARSE_FAILED\"}}]}");
}

Test(graphql_exec, unknown_resolver_is_refused)
{
    static const gql_resolver_t bad[] = {{"Query", "assetz", r_asset}};
    gql_schema_t *s = NULL;
    gql_err_t err;
    const char *sdl = "type Query { asset(id: String!): String }";
    cr_assert_eq(gql_schema_build((const uint8_t *)sdl, strlen(sdl), bad, 1, &s, &err),
                 GQL_SCHEMA_INVALID);
    cr_assert_null(s);
    cr_assert_str_eq(err.message, "A resolver names field \"Query.assetz\", which the schema "
                                  "lacks.");
    const char *sdl2 = "type Query { a: Nope }";
    cr_assert_eq(gql_schema_build((const uint8_t *)sdl2, strlen(sdl2), NULL, 0, &s, &err),
                 GQL_SCHEMA_INVALID);
    cr_assert_str_eq(err.message, "Unknown type \"Nope\".");
}
