/*
 * The schema index the executor works from (built by schema.c from SDL): every named type
 * with its fields, arguments, input fields and enum values resolved to pointers, sorted
 * by name for binary search, so a request does no schema work beyond lookups. Built-in
 * scalars, directives and the introspection types come from a prelude parsed with the SDL.
 * Internal to src/graphql: validate.c, coerce.c, exec.c and introspect.c read it.
 * Threads: built once, read-only after (but for the document cache, which has its own lock);
 * any number of threads may use it at once.
 */
#ifndef RAFIKI_GRAPHQL_SCHEMA_H
#define RAFIKI_GRAPHQL_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "graphql/ast.h"
#include "graphql/doccache.h"
#include "graphql/exec.h"

typedef enum {
    GQL_KIND_SCALAR,
    GQL_KIND_OBJECT,
    GQL_KIND_INTERFACE,
    GQL_KIND_UNION,
    GQL_KIND_ENUM,
    GQL_KIND_INPUT,
} gql_tkind_t;

/* The scalars the engine knows how to coerce and serialize; others pass JSON through. */
typedef enum {
    GQL_SC_CUSTOM,
    GQL_SC_INT,
    GQL_SC_FLOAT,
    GQL_SC_STRING,
    GQL_SC_BOOLEAN,
    GQL_SC_ID,
    GQL_SC_UINT8,
    GQL_SC_UINT64,
    GQL_SC_JSONOBJECT,
} gql_scalar_t;

typedef struct gql_type gql_type_t;
typedef struct gql_tref gql_tref_t;

typedef enum { GQL_REF_NAMED, GQL_REF_LIST, GQL_REF_NON_NULL } gql_wrap_t;

/* A type as written at a use: T, [T], T! (of is the wrapped ref; named the base type). */
struct gql_tref {
    gql_wrap_t wrap;
    const gql_tref_t *of;
    const gql_type_t *named;
};

/* An argument or input field. */
typedef struct {
    const char *name, *description;
    const gql_tref_t *type;
    const gql_node_t *def;  /* the default value as written, or NULL */
    const char *deprecated; /* the reason, or NULL when not deprecated */
} gql_ivalue_t;

typedef struct {
    const char *name, *description;
    const gql_tref_t *type;
    gql_ivalue_t *args;
    uint32_t n_args;
    const char *deprecated;
    gql_resolver_fn fn; /* NULL: read the member of the parent object */
} gql_fdef_t;

typedef struct {
    const char *name, *description, *deprecated;
} gql_evalue_t;

struct gql_type {
    const char *name, *description, *specified_by;
    gql_tkind_t kind;
    gql_scalar_t scalar;
    gql_fdef_t *fields; /* object, interface: in SDL order */
    gql_fdef_t **fields_sorted;
    uint32_t n_fields;
    gql_ivalue_t *inputs; /* input object fields, SDL order */
    gql_ivalue_t **inputs_sorted;
    uint32_t n_inputs;
    gql_evalue_t *values; /* enum values, SDL order */
    uint32_t n_values;
    const gql_type_t **ifaces; /* interfaces an object or interface implements */
    uint32_t n_ifaces;
    const gql_type_t **possible; /* interface, union: the object types it may be */
    uint32_t n_possible;
    const gql_node_t *node;
};

typedef struct {
    const char *name, *description;
    gql_ivalue_t *args;
    uint32_t n_args;
    const char **locations;
    uint32_t n_locations;
    bool repeatable;
} gql_ddef_t;

struct gql_schema {
    arena_t arena;
    const char *description;
    gql_type_t **types; /* sorted by name */
    uint32_t n_types;
    gql_ddef_t *dirs;
    uint32_t n_dirs;
    const gql_type_t *query, *mutation, *subscription;
    /* for introspection's meta fields */
    gql_fdef_t schema_field, type_field, typename_field;
    const gql_type_t *t_string, *t_boolean;
    gql_doc_cache_t docs; /* the one mutable part: valid documents by text, under its lock */
};

const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name);
const gql_fdef_t *gql_type_field(const gql_type_t *t, const char *name);
const gql_ivalue_t *gql_type_input(const gql_type_t *t, const char *name);
const gql_ivalue_t *gql_args_find(const gql_ivalue_t *args, uint32_t n, const char *name);
const gql_evalue_t *gql_type_enum_value(const gql_type_t *t, const char *name);
const gql_ddef_t *gql_schema_directive(const gql_schema_t *s, const char *name);
/* Whether object type obj is one of the possible types of abstract (or is abstract itself). */
bool gql_type_possible(const gql_type_t *abstract, const gql_type_t *obj);
static inline bool gql_type_composite(const gql_type_t *t)
{
    return t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}
static inline bool gql_type_abstract(const gql_type_t *t)
{
    return t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}
static inline bool gql_type_input_kind(const gql_type_t *t)
{
    return t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT;
}
/* The base type under any list and non-null wrappers. */
static inline const gql_type_t *gql_tref_named(const gql_tref_t *r)
{
    return r->named;
}
/* Appends the type as written ("[String!]!") to out (cap bytes, always NUL-terminated). */
void gql_tref_str(const gql_tref_t *r, char *out, size_t cap);
/* A type reference from a type AST node (variable definitions); NULL when its base type is
 * unknown. Allocated in arena. */
const gql_tref_t *gql_tref_from_ast(const gql_schema_t *s, const gql_node_t *n, arena_t *arena);

#endif
