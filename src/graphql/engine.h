/*
 * The state of one request inside the engine (internal to src/graphql): the parsed document,
 * the chosen operation, coerced variables, the errors so far, the response path, and the
 * helpers exec.c, coerce.c, validate.c and introspect.c share. Everything a request
 * allocates lives in its arena or in json values it owns.
 * Threads: one request is run by one thread; requests share only the read-only schema.
 */
#ifndef RAFIKI_GRAPHQL_ENGINE_H
#define RAFIKI_GRAPHQL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/arena.h"
#include "graphql/schema.h"

typedef struct {
    const char *key; /* NULL: an index */
    size_t index;
} gql_pseg_t;

typedef struct {
    const gql_schema_t *schema;
    arena_t arena;
    gql_doc_t *docref; /* holds doc (cached or this request's own) */
    gql_node_t *doc;
    const gql_node_t *op;
    const gql_node_t **frags; /* fragment definitions sorted by name */
    uint32_t n_frags;
    json_t *vars;        /* coerced variables; absent members were not given */
    json_t *errors;      /* array */
    uint32_t var_errors; /* variable coercion errors so far (capped as graphql-js does) */
    void *ctx;
    gql_pseg_t *path;
    size_t path_n, path_cap;
    const gql_node_t **stack; /* collect_fields' explicit stack */
    size_t stack_cap;
} gql_exec_t;

/* A message for a bad value, sized as graphql-js's messages with an inspected value. */
typedef struct {
    char text[512];
} gql_msg_t;

/* graphql-js's inspect(): the value as it reads in messages ({ a: 1 }, "s", [1, 2]). */
void gql_inspect(const json_t *v, char *out, size_t cap);

/* The fragment definition named name, or NULL; its index in ex->frags, or SIZE_MAX
 * (request.c). */
const gql_node_t *gql_fragment(const gql_exec_t *ex, const char *name);
size_t gql_fragment_index(const gql_exec_t *ex, const char *name);

/* Coerces the operation's variables from in (may be NULL) into ex->vars. Returns false with
 * errors appended (graphql-js's messages) when a value does not fit its type. */
bool gql_coerce_variables(gql_exec_t *ex, json_t *in);

/* A field's arguments from its AST arguments, defaults applied and variables substituted,
 * into a new object in *out. Returns false with msg filled (a field error) otherwise. */
bool gql_coerce_args(gql_exec_t *ex, const gql_ivalue_t *defs, uint32_t n, const gql_list_t *args,
                     json_t **out, gql_msg_t *msg);

/* A literal as an input of type t (variables substituted): a new value, or NULL when it does
 * not fit (msg filled when not NULL). */
json_t *gql_value_from_ast(gql_exec_t *ex, const gql_tref_t *t, const gql_node_t *v,
                           gql_msg_t *msg);

/* The value of a directive's "if" on a selection (@skip / @include): whether to include. */
bool gql_should_include(const gql_exec_t *ex, const gql_list_t *directives);

/* An error's parts as graphql-js spells them (request.c): the message as a JSON string (bytes
 * that are not UTF-8 become U+FFFD), {line, column} of a node, and the current response path. */
json_t *gql_message_json(const char *m);
json_t *gql_location_json(const gql_node_t *n);
json_t *gql_path_json(const gql_exec_t *ex);

/* Appends an error {message, locations?, path?, extensions: {code}} to ex->errors. at may be
 * NULL (no locations); with_path adds the current response path. */
void gql_error_add(gql_exec_t *ex, const char *message, const gql_node_t *at, bool with_path,
                   const char *code);

/* Serializes a leaf result of scalar or enum type t: a new value, or NULL with msg filled. */
json_t *gql_serialize_leaf(const gql_type_t *t, json_t *v, gql_msg_t *msg);

/* Validates ex->doc against the schema (validate.c): false with errors appended, code
 * GRAPHQL_VALIDATION_FAILED, as graphql-js's specified rules word them. */
bool gql_validate(gql_exec_t *ex);

/* Checks the chosen operation (ex->op, variables coerced) against limits (depth, fields, cost
 * after fragments are spread, zero fields taking the defaults and depth held to
 * GQL_DEPTH_MAX) with an explicit stack: false with an error appended when one is over. */
bool gql_check_limits(gql_exec_t *ex, const gql_limits_t *limits);

/* Introspection (introspect.c): the value of __schema or __type(name:) at the query root,
 * and of a field of an introspection type (__Type.fields, ...) on its parent value. New
 * references; json null when there is nothing. */
json_t *gql_introspect_root(gql_exec_t *ex, const gql_fdef_t *fd, const gql_node_t *field);
json_t *gql_introspect_field(gql_exec_t *ex, const gql_type_t *t, const gql_fdef_t *fd,
                             json_t *parent, json_t *args);

#endif
