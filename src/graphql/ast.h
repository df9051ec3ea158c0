/*
 * The GraphQL AST and the parser that builds it: executable documents (operations, fields,
 * fragments, variables, directives) and type system documents (schema, scalar, type,
 * interface, union, enum, input and directive definitions, descriptions, `extend` forms), as
 * graphql-js 16 parses them. Nodes live in the caller's arena; names and values are
 * NUL-terminated copies. The parser never recurses: selection sets, list and object values and
 * list types go on an explicit stack bounded by GQL_DEPTH_MAX, so any walk of the tree may
 * recurse at most that deep.
 * Threads: a parse uses only its arena; documents share nothing and are read-only after.
 */
#ifndef RAFIKI_GRAPHQL_AST_H
#define RAFIKI_GRAPHQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "graphql/gql.h"

typedef enum {
    GQL_DOCUMENT,
    /* executable */
    GQL_OPERATION,       /* op, name (may be NULL), vars, directives, sel */
    GQL_VARIABLE_DEF,    /* name (without $), type, value (default or NULL), directives */
    GQL_FIELD,           /* alias (or NULL), name, args, directives, sel (empty: a leaf) */
    GQL_ARGUMENT,        /* name, value; also an object value's field */
    GQL_FRAGMENT_SPREAD, /* name, directives */
    GQL_INLINE_FRAGMENT, /* type (NAMED_TYPE or NULL), directives, sel */
    GQL_FRAGMENT_DEF,    /* name, type (the type condition), directives, sel */
    GQL_DIRECTIVE,       /* name, args */
    /* values: str holds the text (INT, FLOAT as written; STRING decoded, len bytes) */
    GQL_VARIABLE, /* name */
    GQL_INT,
    GQL_FLOAT,
    GQL_STRING,  /* flags GQL_F_BLOCK when written as a block string */
    GQL_BOOLEAN, /* str "true" or "false" */
    GQL_NULL,
    GQL_ENUM,   /* str */
    GQL_LIST,   /* items: values */
    GQL_OBJECT, /* items: GQL_ARGUMENT nodes (name: value) */
    /* types */
    GQL_NAMED_TYPE,    /* name */
    GQL_LIST_TYPE,     /* type */
    GQL_NON_NULL_TYPE, /* type (NAMED_TYPE or LIST_TYPE) */
    /* type system; GQL_F_EXTEND marks the `extend` forms (no description then) */
    GQL_SCHEMA_DEF,         /* description, directives, items: OPERATION_TYPE_DEF */
    GQL_OPERATION_TYPE_DEF, /* op, type */
    GQL_SCALAR_DEF,         /* description, name, directives */
    GQL_OBJECT_DEF,         /* description, name, ifaces, directives, items: FIELD_DEF */
    GQL_INTERFACE_DEF,      /* as GQL_OBJECT_DEF */
    GQL_UNION_DEF,          /* description, name, directives, items: NAMED_TYPE members */
    GQL_ENUM_DEF,           /* description, name, directives, items: ENUM_VALUE_DEF */
    GQL_INPUT_DEF,          /* description, name, directives, items: INPUT_VALUE_DEF */
    GQL_DIRECTIVE_DEF,      /* description, name, args, items: location NAMEs; GQL_F_REPEATABLE */
    GQL_FIELD_DEF,          /* description, name, args: INPUT_VALUE_DEF, type, directives */
    GQL_INPUT_VALUE_DEF,    /* description, name, type, value (default or NULL), directives */
    GQL_ENUM_VALUE_DEF,     /* description, name, directives */
    GQL_NAME,               /* name: a directive location */
} gql_kind_t;

typedef enum { GQL_OP_QUERY, GQL_OP_MUTATION, GQL_OP_SUBSCRIPTION } gql_op_t;

#define GQL_F_BLOCK      1u
#define GQL_F_EXTEND     2u
#define GQL_F_REPEATABLE 4u

typedef struct gql_node gql_node_t;

typedef struct {
    gql_node_t *first, *last;
    uint32_t n;
} gql_list_t;

struct gql_node {
    gql_kind_t kind;
    uint32_t flags;
    uint32_t line, col; /* of the node's first token */
    gql_op_t op;
    const char *name;
    const char *alias;
    const char *str;         /* a value's text */
    size_t len;              /* bytes of str */
    gql_node_t *description; /* a GQL_STRING or NULL */
    gql_node_t *type;
    gql_node_t *value;
    gql_list_t vars, args, directives, sel, ifaces, items;
    gql_node_t *next; /* the next node in the list that holds this one */
};

/* Appends n to the end of l. */
void gql_list_push(gql_list_t *l, gql_node_t *n);

/* Parses doc[0..len) into a GQL_DOCUMENT whose items are its definitions, allocated in arena.
 * Returns GQL_OK with *out set, or the error with err filled (message, line, column) and *out
 * NULL. An empty document is an error, as in graphql-js. */
gql_result_t gql_parse(const uint8_t *doc, size_t len, arena_t *arena, gql_node_t **out,
                       gql_err_t *err);

#endif
