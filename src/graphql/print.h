/*
 * Prints a GraphQL AST back as text, byte for byte as graphql-js 16's print() does (two-space
 * indentation, a field's arguments on their own lines past 80 columns, block strings kept as
 * block strings). Tests compare documents through it; later, errors and introspection can
 * quote types with it. It walks the tree recursively, which the parser bounds at
 * GQL_DEPTH_MAX levels.
 * Threads: any; it reads the tree and writes only out.
 */
#ifndef RAFIKI_GRAPHQL_PRINT_H
#define RAFIKI_GRAPHQL_PRINT_H

#include <stdbool.h>

#include "base/slice.h"
#include "graphql/ast.h"

/* Appends the text of n (a document, a definition, a selection, a value or a type) to out.
 * Returns false when out reached its maximum (out->failed is then set). */
bool gql_print(const gql_node_t *n, buf_t *out);

#endif
