/* Tests for src/graphql/print.c: documents print in graphql-js's canonical form (the interop
 * test compares with graphql-js itself over many more documents). */
#include <criterion/criterion.h>

#include <string.h>

#include "graphql/ast.h"
#include "graphql/print.h"

static arena_t arena;

static void setup(void)
{
    arena_init(&arena, 16384);
}

static void teardown(void)
{
    arena_free(&arena);
}

TestSuite(graphql_print, .init = setup, .fini = teardown);

static void prints_as(const char *doc, const char *want)
{
    gql_node_t *ast;
    gql_err_t err;
    cr_assert_eq(gql_parse((const uint8_t *)doc, strlen(doc), &arena, &ast, &err), GQL_OK, "%s",
                 err.message);
    buf_t out;
    buf_init(&out, 1 << 20);
    cr_assert(gql_print(ast, &out));
    cr_assert_eq(out.len, strlen(want), "got:\n%.*s", (int)out.len, (const char *)out.ptr);
    cr_assert(memcmp(out.ptr, want, out.len) == 0, "got:\n%.*s", (int)out.len,
              (const char *)out.ptr);
    buf_free(&out);
}

Test(graphql_print, queries_print_canonically)
{
    prints_as("query{a,b(x:1,y:[1,2],z:{k:$v}) @d(if:true) {c}}",
              "{\n  a\n  b(x: 1, y: [1, 2], z: {k: $v}) @d(if: true) {\n    c\n  }\n}");
    prints_as("query Q($a:Int=1 @x,$b:[ID!]!){...F ...on T{id}}",
              "query Q($a: Int = 1 @x, $b: [ID!]!) {\n  ...F\n  ... on T {\n    id\n  }\n}");
    prints_as("mutation{m}", "mutation {\n  m\n}");
    prints_as("query @d {q}", "query @d {\n  q\n}");
    prints_as("fragment F on T @d {a} {b}", "fragment F on T @d {\n  a\n}\n\n{\n  b\n}");
}

Test(graphql_print, long_argument_lists_wrap_past_80_columns)
{
    prints_as("{ fieldName(argumentOne: \"aaaaaaaaaaaaaaaaaaaa\", argumentTwo: "
              "\"bbbbbbbbbbbbbbbbbbbb\") }",
              "{\n  fieldName(\n    argumentOne: \"aaaaaaaaaaaaaaaaaaaa\"\n"
              "    argumentTwo: \"bbbbbbbbbbbbbbbbbbbb\"\n  )\n}");
}

Test(graphql_print, strings_escape_and_block_strings_stay_blocks)
{
    prints_as("{ a(s: \"q\\\" \\\\ \\n \\u0001 \\u007f \\u0085 é\") }",
              "{\n  a(s: \"q\\\" \\\\ \\n \\u0001 \\u007F \\u0085 é\")\n}");
    prints_as("{ a(s: \"\"\"one line\"\"\") }", "{\n  a(s: \"\"\"one line\"\"\")\n}");
    /* a block string inside a block is indented with it */
    prints_as("type T { \"\"\"\n  two\n  lines\n  \"\"\" f: Int }",
              "type T {\n  \"\"\"\n  two\n  lines\n  \"\"\"\n  f: Int\n}");
    prints_as("{ a(s: \"\"\"has \\\"\"\" quotes\"\"\") }",
              "{\n  a(s: \"\"\"has \\\"\"\" quotes\"\"\")\n}");
}

Test(graphql_print, type_system_prints_canonically)
{
    prints_as("type T implements A&B @k{f(a:Int=1,b:String):[T!]! @deprecated}",
              "type T implements A & B @k {\n  f(a: Int = 1, b: String): [T!]! @deprecated\n}");
    prints_as("type T{f(\"d\" a:Int):Int}", "type T {\n  f(\n    \"d\"\n    a: Int\n  ): Int\n}");
    prints_as("union U=|A|B enum E{A B} input I{a:Int=2}",
              "union U = A | B\n\nenum E {\n  A\n  B\n}\n\ninput I {\n  a: Int = 2\n}");
    prints_as("directive@d(a:Int)repeatable on FIELD|QUERY",
              "directive @d(a: Int) repeatable on FIELD | QUERY");
    prints_as("extend type T@d extend schema{query:Q}",
              "extend type T @d\n\nextend schema {\n  query: Q\n}");
}
