/*
 * GraphQL execution: a schema built from SDL text, requests validated against it and run with
 * resolvers the application registers per "Type.field". This header is the contract between
 * the engine (src/graphql) and the faces that serve a schema (admin GraphQL, auth GraphQL).
 *
 * Values are jansson JSON throughout. A resolver returns the JSON value of its field; an object
 * value's own fields are read from it by name unless a resolver is registered for them
 * ("Asset.fees" with arguments, for example), so a top-level resolver may return a whole tree.
 * An interface or union value names its concrete type in a "__typename" member. Leaves are
 * returned as the client will see them: BigInt as a decimal string, UInt8 and Int as integers,
 * enums as their name, JSONObject as an object. Arguments reach a resolver coerced and complete:
 * defaults applied, variables substituted, BigInt as a decimal string (a literal or variable
 * given as an integer or a string of digits), an omitted nullable argument absent, an explicit
 * null present as JSON null.
 *
 * Errors: a resolver that fails fills call->err (code, message) and returns GQL_RESOLVE_ERROR;
 * the response carries it in errors[] with message, path and extensions.code, the field is null
 * and a null in a non-null position propagates to the nearest nullable parent, as graphql-js.
 * Requests that do not parse or validate are answered with errors only (no data), extensions
 * codes GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED / BAD_USER_INPUT as Apollo Server 4.
 *
 * Threads: a built schema is read-only (but for a cache of parsed, validated documents with
 * its own lock) and may serve any number of threads at once; each gql_execute call uses its
 * own arena and the caller's context.
 */
#ifndef RAFIKI_GRAPHQL_EXEC_H
#define RAFIKI_GRAPHQL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "graphql/gql.h"

typedef struct gql_schema gql_schema_t;

/* What a failed resolver reports: extensions.code ("NOT_FOUND", "BAD_USER_INPUT", ...; a
 * string constant) and the message clients see. */
typedef struct {
    const char *code;
    char message[256];
} gql_field_err_t;

/* One field to resolve. Everything is borrowed for the duration of the call. */
typedef struct {
    const char *type;  /* the parent type: "Query", "Mutation", "Asset", ... */
    const char *field; /* the field's name (not its alias) */
    json_t *parent;    /* the parent object's value; NULL for root fields */
    json_t *args;      /* coerced arguments: always an object */
    void *ctx;         /* the request's context, as given to gql_execute */
    gql_field_err_t *err;
} gql_call_t;

typedef enum { GQL_RESOLVED = 0, GQL_RESOLVE_ERROR } gql_resolve_t;

/* Sets *out to a new reference (json_null() for null) and returns GQL_RESOLVED, or fills
 * call->err and returns GQL_RESOLVE_ERROR (*out untouched). */
typedef gql_resolve_t (*gql_resolver_fn)(const gql_call_t *call, json_t **out);

typedef struct {
    const char *type;  /* "Query" */
    const char *field; /* "assets" */
    gql_resolver_fn fn;
} gql_resolver_t;

/* Bounds on what one request may ask, checked before any resolver runs (clear errors, code
 * GRAPHQL_VALIDATION_FAILED). Zero fields take the defaults below. */
typedef struct {
    uint32_t depth_max;  /* selection depth after fragments are spread (default 15) */
    uint32_t fields_max; /* fields after fragments are spread, aliases counted (default 2000) */
    uint32_t cost_max;   /* fields weighted by list sizes asked for (first/last; default 50000) */
    /* Refuse __schema and __type (Apollo Server's introspection: false, which Rafiki sets in
     * production), with Apollo's message and GRAPHQL_VALIDATION_FAILED; __typename stays. */
    bool no_introspection;
} gql_limits_t;

/* Builds a schema from SDL (the whole type system document; built-in scalars and directives
 * are implied) and binds resolvers to it: a resolver naming a type or field the schema lacks is
 * an error, so a typo cannot go unnoticed. A resolver named by an interface ("Model.id")
 * serves each implementing type that has no resolver of its own for that field. resolvers is
 * copied. Returns GQL_OK with *out set, or the error in err (GQL_SCHEMA_INVALID). */
gql_result_t gql_schema_build(const uint8_t *sdl, size_t len, const gql_resolver_t *resolvers,
                              size_t n_resolvers, gql_schema_t **out, gql_err_t *err);

void gql_schema_free(gql_schema_t *schema);

/* One request as GraphQL over HTTP carries it. variables may be NULL; operation_name may be
 * NULL when the document holds one operation. */
typedef struct {
    const uint8_t *query;
    size_t query_len;
    json_t *variables;
    const char *operation_name;
} gql_request_t;

/* Runs req against schema. Returns a new response object ({"data":...} and/or "errors") and
 * sets *http_status: 200 when execution started (even with field errors), 400 when the request
 * did not parse, validate or coerce its variables (Apollo Server's statuses). Introspection
 * (__schema, __type, __typename) is answered by the engine. Mutations' root fields run one
 * after another, in document order. */
json_t *gql_execute(const gql_schema_t *schema, const gql_limits_t *limits,
                    const gql_request_t *req, void *ctx, unsigned *http_status);

#endif
