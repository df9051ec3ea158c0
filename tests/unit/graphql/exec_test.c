/* Tests for src/graphql/exec.c, schema.c and coerce.c: a schema built from Rafiki's SDL with
 * resolvers bound by "Type.field", requests run against it (responses compared as compact
 * JSON, so member order counts): fields, aliases, fragments, directives, variables and their
 * coercion errors, non-null propagation with paths, leaf serialization, mutation order. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdint.h>
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
    {"Query", "webhookEvents", r_args},
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
    if (!want) { /* only the deprecated counting below */
        json_t *r = json_loads(got, 0, NULL);
        json_t *t = json_object_get(json_object_get(r, "data"), "__type");
        cr_expect_eq(json_array_size(json_object_get(t, "b")),
                     json_array_size(json_object_get(t, "a")) + 2, "deprecated fields");
        json_decref(r);
        free(got);
        return;
    }
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

/* ---- validation (validate.c) ---- */

static void invalid(const char *query, const char *message)
{
    unsigned st = 0;
    json_t *v = NULL;
    gql_request_t req = {(const uint8_t *)query, strlen(query), v, NULL};
    json_t *resp = gql_execute(schema, NULL, &req, NULL, &st);
    cr_expect_eq(st, 400, "%s", query);
    cr_expect_null(json_object_get(resp, "data"), "%s", query);
    json_t *e = json_array_get(json_object_get(resp, "errors"), 0);
    cr_assert_not_null(e, "%s: no error", query);
    cr_expect_str_eq(json_string_value(json_object_get(e, "message")), message, "%s", query);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(e, "extensions"), "code")),
                     "GRAPHQL_VALIDATION_FAILED");
    json_decref(resp);
}

Test(graphql_exec, validation_fields_and_arguments)
{
    invalid("{ assetz { id } }", "Cannot query field \"assetz\" on type \"Query\". Did you mean "
                                 "\"asset\" or \"assets\"?");
    invalid("{ asset(id: \"a\") { id scale { x } } }",
            "Field \"scale\" must not have a selection since type \"UInt8!\" has no subfields.");
    invalid("{ asset(id: \"a\") }", "Field \"asset\" of type \"Asset\" must have a selection of "
                                    "subfields. Did you mean \"asset { ... }\"?");
    invalid("{ asset { id } }", "Field \"asset\" argument \"id\" of type \"String!\" is required, "
                                "but it was not provided.");
    invalid("{ asset(id: \"a\", nope: 1) { id } }",
            "Unknown argument \"nope\" on field \"Query.asset\".");
    invalid("{ assets(first: 2147483648) { edges { cursor } } }",
            "Int cannot represent non 32-bit signed integer value: 2147483648");
    invalid("mutation { createAsset(input: {code: \"X\", scale: 300}) { asset { id } } }",
            "Provided value is not a UInt8.");
    invalid("mutation { createAsset(input: {code: \"X\", scale: 1, withdrawalThreshold: -5}) { "
            "asset { id } } }",
            "Expected value of type \"UInt64\", found -5; Input must be unsigned.");
    invalid("mutation { createAsset(input: {code: \"X\"}) { asset { id } } }",
            "Field \"CreateAssetInput.scale\" of required type \"UInt8!\" was not provided.");
}

Test(graphql_exec, validation_variables_and_fragments)
{
    invalid("query ($id: Int!) { asset(id: $id) { id } }",
            "Variable \"$id\" of type \"Int!\" used in position expecting type \"String!\".");
    invalid("query Q { asset(id: $id) { id } }",
            "Variable \"$id\" is not defined by operation \"Q\".");
    invalid("query ($x: Int) { whoami { id } }", "Variable \"$x\" is never used.");
    invalid("{ ...F }", "Unknown fragment \"F\".");
    invalid("{ asset(id: \"a\") { ...F } } fragment F on Asset { ...G } fragment G on Asset { "
            "...F }",
            "Cannot spread fragment \"F\" within itself via \"G\".");
    invalid("{ whoami { id } } fragment F on Asset { id }", "Fragment \"F\" is never used.");
    invalid("{ asset(id: \"a\") { ... on Peer { id } } }",
            "Fragment cannot be spread here as objects of type \"Asset\" can never be of type "
            "\"Peer\".");
    invalid("{ whoami { id } } query B { whoami { id } }",
            "This anonymous operation must be the only defined operation.");
    invalid("{ whoami @nope { id } }", "Unknown directive \"@nope\".");
    invalid("query @skip(if: true) { whoami { id } }",
            "Directive \"@skip\" may not be used on QUERY.");
    invalid("{ a: asset(id: \"a\") { id } a: asset(id: \"b\") { id } }",
            "Fields \"a\" conflict because they have differing arguments. Use different aliases "
            "on the fields to fetch both if this was intentional.");
    invalid("{ a: asset(id: \"x\") { x: id } a: asset(id: \"x\") { x: code } }",
            "Fields \"a\" conflict because subfields \"x\" conflict because \"id\" and \"code\" "
            "are different fields. Use different aliases on the fields to fetch both if this was "
            "intentional.");
    invalid("{ asset(id: \"a\") { ...F code: id } } fragment F on Asset { code }",
            "Fields \"code\" conflict because \"id\" and \"code\" are different fields. Use "
            "different aliases on the fields to fetch both if this was intentional.");
}

/* ---- introspection (introspect.c) ---- */

Test(graphql_exec, introspection_pieces)
{
    expect("{ __type(name: \"AmountInput\") { kind name inputFields { name type { kind ofType { "
           "name } } } } }",
           NULL, 200,
           "{\"data\":{\"__type\":{\"kind\":\"INPUT_OBJECT\",\"name\":\"AmountInput\","
           "\"inputFields\":[{\"name\":\"value\",\"type\":{\"kind\":\"NON_NULL\",\"ofType\":{"
           "\"name\":\"UInt64\"}}},{\"name\":\"assetCode\",\"type\":{\"kind\":\"NON_NULL\","
           "\"ofType\":{\"name\":\"String\"}}},{\"name\":\"assetScale\",\"type\":{\"kind\":"
           "\"NON_NULL\",\"ofType\":{\"name\":\"UInt8\"}}}]}}}");
    expect("{ __type(name: \"Nope\") { name } m: __type(name: \"Model\") { possibleTypes { name "
           "} } }",
           NULL, 200,
           "{\"data\":{\"__type\":null,\"m\":{\"possibleTypes\":[{\"name\":\"AccountingTransfer\"},"
           "{\"name\":\"Asset\"},{\"name\":\"Fee\"},{\"name\":\"IncomingPayment\"},{\"name\":"
           "\"OutgoingPayment\"},{\"name\":\"Payment\"},{\"name\":\"Peer\"},{\"name\":\"Tenant\"},"
           "{\"name\":\"WalletAddress\"},{\"name\":\"WalletAddressKey\"},{\"name\":"
           "\"WebhookEvent\"}]}}}");
    expect("{ __schema { queryType { name } mutationType { name } subscriptionType { name } "
           "directives { name args { name defaultValue } } } }",
           NULL, 200,
           "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"},\"mutationType\":{"
           "\"name\":\"Mutation\"},\"subscriptionType\":null,\"directives\":[{\"name\":"
           "\"include\",\"args\":[{\"name\":\"if\",\"defaultValue\":null}]},{\"name\":\"skip\","
           "\"args\":[{\"name\":\"if\",\"defaultValue\":null}]},{\"name\":\"deprecated\",\"args\":"
           "[{\"name\":\"reason\",\"defaultValue\":\"\\\"No longer supported\\\"\"}]},{\"name\":"
           "\"specifiedBy\",\"args\":[{\"name\":\"url\",\"defaultValue\":null}]},{\"name\":"
           "\"oneOf\",\"args\":[]}]}}}");
    expect("{ __type(name: \"Mutation\") { a: fields { name } b: fields(includeDeprecated: true) "
           "{ name } } }",
           NULL, 200, NULL);
}

/* ---- limits ---- */

static char *limited(const char *query, gql_limits_t lim, unsigned *st)
{
    gql_request_t req = {(const uint8_t *)query, strlen(query), NULL, NULL};
    json_t *resp = gql_execute(schema, &lim, &req, NULL, st);
    json_t *e = json_array_get(json_object_get(resp, "errors"), 0);
    char *msg = strdup(e ? json_string_value(json_object_get(e, "message")) : "");
    json_decref(resp);
    return msg;
}

Test(graphql_exec, limits_depth_fields_cost)
{
    unsigned st;
    const char *q = "{ walletAddress(id: \"w\") { asset { id } } }";
    char *m = limited(q, (gql_limits_t){.depth_max = 2}, &st);
    cr_expect_str_eq(m, "The query exceeds the maximum depth of 2.");
    cr_expect_eq(st, 400);
    free(m);
    m = limited(q, (gql_limits_t){.depth_max = 3}, &st);
    cr_expect_str_eq(m, "");
    cr_expect_eq(st, 200);
    free(m);
    /* fragments count where they are spread, aliases count apart */
    m = limited("{ a: whoami { ...W } b: whoami { ...W } } fragment W on WhoamiResponse { id "
                "isOperator }",
                (gql_limits_t){.fields_max = 5}, &st);
    cr_expect_str_eq(m, "The query selects more than the maximum of 5 fields.");
    free(m);
    m = limited("{ assets(first: 100) { edges { node { peers: fees(first: 100) { edges { cursor } "
                "} } } } }",
                (gql_limits_t){.cost_max = 5000}, &st);
    cr_expect_str_eq(m, "The query's cost (fields times the list sizes asked for) exceeds the "
                        "maximum of 5000.");
    free(m);
}

/* Introspection is exempt from depth and cost, as Rafiki's ApolloArmor (ignoreIntrospection):
 * getIntrospectionQuery nests TypeRef far past Rafiki's depth of 10. */
Test(graphql_exec, limits_spare_introspection)
{
    unsigned st;
    char *m = limited("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }",
                      (gql_limits_t){.depth_max = 3, .cost_max = 2}, &st);
    cr_expect_str_eq(m, "");
    cr_expect_eq(st, 200);
    free(m);
    m = limited("{ __type(name: \"Asset\") { fields { type { ofType { name } } } } }",
                (gql_limits_t){.depth_max = 2}, &st);
    cr_expect_str_eq(m, "");
    free(m);
    /* beside a real field, that field is still held to the limit */
    m = limited("{ __schema { types { name } } walletAddress(id: \"w\") { asset { id } } }",
                (gql_limits_t){.depth_max = 2}, &st);
    cr_expect_str_eq(m, "The query exceeds the maximum depth of 2.");
    free(m);
}

/* introspection: false (Rafiki in production): __schema and __type refused with Apollo's
 * message, __typename still answered. */
Test(graphql_exec, introspection_off)
{
    unsigned st;
    char *m = limited("{ __schema { queryType { name } } }",
                      (gql_limits_t){.no_introspection = true}, &st);
    cr_expect_str_eq(m, "GraphQL introspection is not allowed by Apollo Server, but the query "
                        "contained __schema or __type. To enable introspection, pass "
                        "introspection: true to ApolloServer in production");
    cr_expect_eq(st, 400);
    free(m);
    m = limited("{ __type(name: \"Asset\") { name } }", (gql_limits_t){.no_introspection = true},
                &st);
    cr_expect_eq(st, 400);
    free(m);
    m = limited("{ __typename }", (gql_limits_t){.no_introspection = true}, &st);
    cr_expect_str_eq(m, "");
    cr_expect_eq(st, 200);
    free(m);
    m = limited("{ __schema { queryType { name } } }", (gql_limits_t){0}, &st);
    cr_expect_str_eq(m, "");
    free(m);
}

Test(graphql_exec, limits_stop_fragment_bombs)
{
    /* each fragment spreads the next twice: 2^40 spreads if expanded blindly */
    char q[8192];
    size_t n = (size_t)snprintf(q, sizeof q, "{ whoami { ...F0 } }");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(q + n, sizeof q - n,
                              " fragment F%d on WhoamiResponse { id ...F%d ...F%d }", i, i + 1,
                              i + 1);
    snprintf(q + n, sizeof q - n, " fragment F40 on WhoamiResponse { id }");
    unsigned st;
    char *m = limited(q, (gql_limits_t){0}, &st);
    cr_expect_str_eq(m, "The query selects more than the maximum of 2000 fields.");
    cr_expect_eq(st, 400);
    free(m);
}

static gql_resolve_t r_upper_id(const gql_call_t *c, json_t **out)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s:%s", c->type,
             json_string_value(json_object_get(c->parent, "id")));
    *out = json_string(buf);
    return GQL_RESOLVED;
}

static gql_resolve_t r_own_id(const gql_call_t *c, json_t **out)
{
    (void)c;
    *out = json_string("own");
    return GQL_RESOLVED;
}

Test(graphql_exec, interface_resolvers_serve_implementations)
{
    static const gql_resolver_t rs[] = {{"Query", "asset", r_asset},
                                        {"Query", "walletAddress", r_wa},
                                        {"Model", "id", r_upper_id},
                                        {"WalletAddress", "id", r_own_id}};
    size_t len;
    char *sdl = read_all("schema/graphql/backend.graphql", &len);
    gql_schema_t *s2;
    gql_err_t err;
    cr_assert_eq(gql_schema_build((const uint8_t *)sdl, len, rs, 4, &s2, &err), GQL_OK);
    const char *q = "{ asset(id: \"x\") { id } walletAddress(id: \"w\") { id } }";
    gql_request_t req = {(const uint8_t *)q, strlen(q), NULL, NULL};
    unsigned st;
    json_t *resp = gql_execute(s2, NULL, &req, NULL, &st);
    char *got = json_dumps(resp, JSON_COMPACT);
    cr_expect_str_eq(got, "{\"data\":{\"asset\":{\"id\":\"Asset:x\"},\"walletAddress\":{\"id\":"
                          "\"own\"}}}");
    free(got);
    json_decref(resp);
    gql_schema_free(s2);
    /* a resolver for an introspection type is refused */
    static const gql_resolver_t bad[] = {{"__Type", "name", r_asset}};
    cr_expect_eq(gql_schema_build((const uint8_t *)sdl, len, bad, 1, &s2, &err),
                 GQL_SCHEMA_INVALID);
    free(sdl);
}

Test(graphql_exec, error_messages_stay_utf8)
{
    /* the lexer quotes the bad escape, bytes that are not UTF-8 included */
    const char q[] = "{ a(s: \"\\urs\xa0\xa0\") }";
    gql_request_t req = {(const uint8_t *)q, sizeof q - 1, NULL, NULL};
    unsigned st;
    json_t *resp = gql_execute(schema, NULL, &req, NULL, &st);
    cr_expect_eq(st, 400);
    json_t *e = json_array_get(json_object_get(resp, "errors"), 0);
    cr_assert_not_null(e);
    cr_expect_not_null(strstr(json_string_value(json_object_get(e, "message")), "\xef\xbf\xbd"));
    json_decref(resp);
}

/* ---- the document cache, from many threads ---- */

static void *hammer(void *arg)
{
    const char *queries[] = {"{ asset(id: \"x\") { id code } }", "query Q { whoami { id } }",
                             "{ assetz { id } }",
                             "{ asset(id: \"y\") { ...F } } fragment F on Asset { scale }"};
    const unsigned want[] = {200, 200, 400, 200};
    long bad = 0;
    for (int i = 0; i < 3000; i++) {
        /* distinct texts too, so entries are evicted while others are in use */
        char q[128];
        int k = i % 4;
        if (i % 7 == 0)
            snprintf(q, sizeof q, "{ asset(id: \"%d-%ld\") { id } }", i, (long)(intptr_t)arg);
        else
            snprintf(q, sizeof q, "%s", queries[k]);
        gql_request_t req = {(const uint8_t *)q, strlen(q), NULL, NULL};
        unsigned st;
        json_t *resp = gql_execute(schema, NULL, &req, NULL, &st);
        if (st != (i % 7 == 0 ? 200 : want[k]))
            bad++;
        json_decref(resp);
    }
    return (void *)bad;
}

Test(graphql_exec, document_cache_under_threads)
{
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        cr_expect_eq((long)(intptr_t)bad, 0, "thread %d saw wrong statuses", i);
    }
    /* an invalid document is never cached: it fails the same way again */
    expect("{ assetz { id } }", NULL, 400,
           "{\"errors\":[{\"message\":\"Cannot query field \\\"assetz\\\" on type \\\"Query\\\". "
           "Did you mean \\\"asset\\\" or \\\"assets\\\"?\",\"locations\":[{\"line\":1,\"column\":"
           "3}],\"extensions\":{\"code\":\"GRAPHQL_VALIDATION_FAILED\"}}]}");
}

Test(graphql_exec, lists_promote_single_values)
{
    const char *q = "query ($f: WebhookEventFilter) { webhookEvents(filter: $f) { pageInfo { "
                    "endCursor } } }";
    expect(q, "{\"f\": {\"type\": {\"in\": \"incoming_payment.created\"}}}", 200,
           "{\"data\":{\"webhookEvents\":{\"pageInfo\":{\"endCursor\":\"{\\\"filter\\\":{"
           "\\\"type\\\":{\\\"in\\\":[\\\"incoming_payment.created\\\"]}}}\"}}}}");
    expect("{ webhookEvents(filter: {type: {in: \"a\", notIn: [\"b\", \"c\"]}}) { pageInfo { "
           "endCursor } } }",
           NULL, 200,
           "{\"data\":{\"webhookEvents\":{\"pageInfo\":{\"endCursor\":\"{\\\"filter\\\":{"
           "\\\"type\\\":{\\\"in\\\":[\\\"a\\\"],\\\"notIn\\\":[\\\"b\\\",\\\"c\\\"]}}}\"}}}}");
    expect(q, "{\"f\": {\"type\": {\"in\": [\"a\", null]}}}", 400,
           "{\"errors\":[{\"message\":\"Variable \\\"$f\\\" got invalid value null at "
           "\\\"f.type.in[1]\\\"; Expected non-nullable type \\\"String!\\\" not to be null.\","
           "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]}");
}
