/*
 * gql_print: reads a GraphQL document on stdin and prints it back through our parser and
 * printer (src/graphql), for the interop test against graphql-js's print(parse(doc)). On a
 * parse error it prints "LINE:COL MESSAGE" on stderr and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/mem.h"
#include "graphql/ast.h"
#include "graphql/print.h"

int main(void)
{
    size_t cap = GQL_DOCUMENT_MAX + 2, len = 0;
    uint8_t *doc = xmalloc(cap);
    size_t n;
    while (len < cap && (n = fread(doc + len, 1, cap - len, stdin)) > 0)
        len += n;
    arena_t arena;
    arena_init(&arena, 64 * 1024);
    gql_node_t *ast;
    gql_err_t err;
    int rc = 0;
    if (gql_parse(doc, len, &arena, &ast, &err) != GQL_OK) {
        fprintf(stderr, "%u:%u %s\n", err.line, err.col, err.message);
        rc = 1;
    } else {
        buf_t out;
        buf_init(&out, 16u * GQL_DOCUMENT_MAX);
        gql_print(ast, &out);
        fwrite(out.ptr, 1, out.len, stdout);
        buf_free(&out);
    }
    arena_free(&arena);
    free(doc);
    return rc;
}
