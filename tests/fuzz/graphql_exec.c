/*
 * Fuzz the GraphQL engine (src/graphql: validation, coercion, limits, execution and
 * introspection) against Rafiki's backend schema with no resolvers (every root field is
 * null). The input is a document, optionally followed by a NUL byte and JSON variables. Any
 * input must yield a response object: status 400 with errors and no data, or 200 with data;
 * every error has a message; and the same request again (its document now cached when it
 * was valid) gives the same response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gql_schema_t *schema;

static void load_schema(void)
{
    FILE *f = fopen("schema/graphql/backend.graphql", "rb");
    if (!f) {
        fprintf(stderr, "run from the repository root (schema/graphql/backend.graphql)\n");
        abort();
    }
    static char sdl[1 << 20];
    size_t n = fread(sdl, 1, sizeof sdl, f);
    fclose(f);
    gql_err_t err;
    if (gql_schema_build((const uint8_t *)sdl, n, NULL, 0, &schema, &err) != GQL_OK)
        abort();
}

static void check(json_t *resp, unsigned status)
{
    json_t *errors = json_object_get(resp, "errors"), *data = json_object_get(resp, "data");
    if (!json_is_object(resp) || (status != 200 && status != 400))
        abort();
    if (status == 400 && (data || json_array_size(errors) == 0))
        abort();
    if (status == 200 && !data)
        abort();
    for (size_t i = 0; i < json_array_size(errors); i++)
        if (!json_is_string(json_object_get(json_array_get(errors, i), "message")))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema)
        load_schema();
    const uint8_t *nul = memchr(data, 0, size);
    size_t qlen = nul ? (size_t)(nul - data) : size;
    json_t *vars = NULL;
    if (nul)
        vars = json_loadb((const char *)nul + 1, size - qlen - 1, 0, NULL);
    gql_request_t req = {data, qlen, vars, NULL};
    unsigned status = 0;
    json_t *resp = gql_execute(schema, NULL, &req, NULL, &status);
    check(resp, status);
    unsigned again_status = 0;
    json_t *again = gql_execute(schema, NULL, &req, NULL, &again_status);
    if (again_status != status || !json_equal(resp, again))
        abort();
    json_decref(again);
    json_decref(resp);
    json_decref(vars);
    return 0;
}
