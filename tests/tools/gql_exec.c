/*
 * gql_exec: runs one GraphQL request through our engine (src/graphql) for the interop tests.
 * Usage: gql_exec SDL_FILE [CANNED_JSON_FILE] [--bench N] < request.json
 * The request is {"query", "variables", "operationName"}. Every Query and Mutation field has
 * a resolver that answers canned["Type.field"], else canned["field"], else null; a canned
 * value "$args" answers the field's coerced arguments, and {"$error": "CODE"} fails the field
 * with that code. Prints {"status": N, "body": RESPONSE} on stdout. With --bench N the
 * request runs N times first and the mean wall and CPU time per request go to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "graphql/exec.h"
#include "graphql/schema.h"

static json_t *canned;

static gql_resolve_t echo(const gql_call_t *c, json_t **out)
{
    char key[512];
    snprintf(key, sizeof key, "%s.%s", c->type, c->field);
    json_t *v = canned ? json_object_get(canned, key) : NULL;
    if (!v && canned)
        v = json_object_get(canned, c->field);
    if (json_is_string(v) && strcmp(json_string_value(v), "$args") == 0) {
        *out = json_incref(c->args);
        return GQL_RESOLVED;
    }
    if (json_is_object(v) && json_object_get(v, "$error")) {
        c->err->code = json_string_value(json_object_get(v, "$error"));
        snprintf(c->err->message, sizeof c->err->message, "%.200s failed", key);
        return GQL_RESOLVE_ERROR;
    }
    *out = v ? json_incref(v) : json_null();
    return GQL_RESOLVED;
}

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = GQL_DOCUMENT_MAX + 2, n;
    char *buf = xmalloc(cap + 1);
    *len = 0;
    while (*len < cap && (n = fread(buf + *len, 1, cap - *len, f)) > 0)
        *len += n;
    buf[*len] = '\0';
    return buf;
}

/* One resolver per field of the root types, found through a first build without any. */
static size_t root_resolvers(const char *sdl, size_t len, gql_resolver_t **out)
{
    gql_schema_t *s;
    gql_err_t err;
    if (gql_schema_build((const uint8_t *)sdl, len, NULL, 0, &s, &err) != GQL_OK) {
        fprintf(stderr, "schema: %u:%u %s\n", err.line, err.col, err.message);
        exit(2);
    }
    const gql_type_t *roots[2] = {s->query, s->mutation};
    size_t n = 0;
    *out = xcalloc(1024, sizeof **out);
    for (int r = 0; r < 2; r++)
        for (uint32_t i = 0; roots[r] && i < roots[r]->n_fields && n < 1024; i++)
            (*out)[n++] =
                (gql_resolver_t){xstrdup(roots[r]->name), xstrdup(roots[r]->fields[i].name), echo};
    gql_schema_free(s);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gql_exec SDL [CANNED] [--bench N] < request.json\n");
        return 2;
    }
    long iters = 0;
    const char *canned_path = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
            iters = strtol(argv[++i], NULL, 10);
        else
            canned_path = argv[i];
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    size_t len;
    char *sdl = slurp(f, &len);
    fclose(f);
    if (canned_path) {
        canned = json_load_file(canned_path, 0, NULL);
        if (!canned)
            return 2;
    }
    gql_resolver_t *res;
    size_t nres = root_resolvers(sdl, len, &res);
    gql_schema_t *schema;
    gql_err_t err;
    if (gql_schema_build((const uint8_t *)sdl, len, res, nres, &schema, &err) != GQL_OK)
        return 2;
    size_t rlen;
    char *rtext = slurp(stdin, &rlen);
    json_t *req = json_loads(rtext, 0, NULL);
    if (!req)
        return 2;
    const char *q = json_string_value(json_object_get(req, "query"));
    gql_request_t r = {(const uint8_t *)(q ? q : ""), q ? strlen(q) : 0,
                       json_object_get(req, "variables"),
                       json_string_value(json_object_get(req, "operationName"))};
    if (json_is_null(r.variables))
        r.variables = NULL;
    unsigned status = 0;
    if (iters > 0) {
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        for (long i = 0; i < iters; i++)
            json_decref(gql_execute(schema, NULL, &r, NULL, &status));
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec));
        double cpu = ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec));
        fprintf(stderr, "%.0f ns per request wall, %.0f ns CPU (%ld runs)\n", ns / (double)iters,
                cpu / (double)iters, iters);
    }
    json_t *resp = gql_execute(schema, NULL, &r, NULL, &status);
    json_t *outj = json_pack("{s:I,s:o}", "status", (json_int_t)status, "body", resp);
    json_dumpf(outj, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(outj);
    json_decref(req);
    free(rtext);
    gql_schema_free(schema);
    for (size_t i = 0; i < nres; i++) {
        free((char *)res[i].type);
        free((char *)res[i].field);
    }
    free(res);
    free(sdl);
    json_decref(canned);
    return 0;
}
