/*
 * Fuzz the GraphQL parser and printer (src/graphql): any input either parses or fails with an
 * error that has a message and a position; a parsed document prints, the print parses again
 * (unless it grew past a size limit) and prints the same text a second time. That holds
 * unless a body-less type definition is followed by a shorthand query: `type T` and `{ a }`
 * print as "type T\n\n{...}", which reads back as one type with fields (so graphql-js too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "graphql/ast.h"
#include "graphql/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool print_doc(const gql_node_t *doc, buf_t *out)
{
    buf_init(out, 64u * GQL_DOCUMENT_MAX);
    return gql_print(doc, out);
}

/* The ambiguous case above: any type system definition and any shorthand query. */
static bool ambiguous(const gql_node_t *doc)
{
    bool type_system = false, shorthand = false;
    for (const gql_node_t *d = doc->items.first; d; d = d->next) {
        type_system |= d->kind >= GQL_SCHEMA_DEF;
        shorthand |= d->kind == GQL_OPERATION && d->op == GQL_OP_QUERY && !d->name &&
                     d->vars.n == 0 && d->directives.n == 0;
    }
    return type_system && shorthand;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t arena;
    arena_init(&arena, 16 * 1024);
    gql_node_t *doc;
    gql_err_t err;
    buf_t one = {0}, two = {0};
    if (gql_parse(data, size, &arena, &doc, &err) != GQL_OK) {
        if (doc != NULL || err.message[0] == '\0' || err.line == 0 || err.col == 0)
            abort();
        goto done;
    }
    if (!print_doc(doc, &one))
        abort();
    if (ambiguous(doc))
        goto done;
    gql_node_t *again;
    gql_result_t rc = gql_parse(one.ptr, one.len, &arena, &again, &err);
    if (rc == GQL_SYNTAX || rc == GQL_TOO_DEEP || rc == GQL_NAME_TOO_LONG) {
        fprintf(stderr, "reprint refused: %s\n%.*s\n", err.message, (int)one.len, one.ptr);
        abort();
    }
    if (rc != GQL_OK)
        goto done;
    if (!print_doc(again, &two))
        abort();
    if (two.len != one.len || memcmp(one.ptr, two.ptr, one.len) != 0) {
        fprintf(stderr, "print not stable:\n%.*s\n---\n%.*s\n", (int)one.len, one.ptr, (int)two.len,
                two.ptr);
        abort();
    }
done:
    buf_free(&one);
    buf_free(&two);
    arena_free(&arena);
    return 0;
}
