/* Tests for src/graphql/parser.c: each construct of executable and type system documents
 * lands in the AST where ast.h says, each syntax error has graphql-js's words and position,
 * nesting is held to GQL_DEPTH_MAX without recursion, and Rafiki's SDL files parse. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graphql/ast.h"

static arena_t arena;
static gql_err_t err;

static void setup(void)
{
    arena_init(&arena, 16384);
}

static void teardown(void)
{
    arena_free(&arena);
}

TestSuite(graphql_parser, .init = setup, .fini = teardown);

static gql_node_t *parse_ok(const char *s)
{
    gql_node_t *doc;
    gql_result_t rc = gql_parse((const uint8_t *)s, strlen(s), &arena, &doc, &err);
    cr_assert_eq(rc, GQL_OK, "%s: %s", s, err.message);
    cr_assert_eq(doc->kind, GQL_DOCUMENT);
    return doc->items.first;
}

static void parse_fails(const char *s, gql_result_t code, uint32_t line, uint32_t col,
                        const char *msg)
{
    gql_node_t *doc = (gql_node_t *)1;
    gql_result_t rc = gql_parse((const uint8_t *)s, strlen(s), &arena, &doc, &err);
    cr_assert_eq(rc, code, "%.60s: %s (%s)", s, gql_result_str(rc), err.message);
    cr_assert_null(doc);
    cr_assert_eq(err.code, code);
    cr_assert_eq(err.line, line, "%.60s: line %u", s, err.line);
    cr_assert_eq(err.col, col, "%.60s: col %u", s, err.col);
    if (msg)
        cr_assert_str_eq(err.message, msg);
}

Test(graphql_parser, operation_with_variables_directives_and_fields)
{
    gql_node_t *op = parse_ok("mutation M($in: CreateInput! = {a: 1}, $ids: [ID!]) @d {\n"
                              "  w: create(input: $in) @skip(if: false) { id }\n}");
    cr_assert_eq(op->kind, GQL_OPERATION);
    cr_assert_eq(op->op, GQL_OP_MUTATION);
    cr_assert_str_eq(op->name, "M");
    cr_assert_eq(op->vars.n, 2);
    gql_node_t *v = op->vars.first;
    cr_assert_str_eq(v->name, "in");
    cr_assert_eq(v->type->kind, GQL_NON_NULL_TYPE);
    cr_assert_str_eq(v->type->type->name, "CreateInput");
    cr_assert_eq(v->value->kind, GQL_OBJECT);
    cr_assert_str_eq(v->value->items.first->name, "a");
    cr_assert_str_eq(v->value->items.first->value->str, "1");
    gql_node_t *ids = v->next->type;
    cr_assert_eq(ids->kind, GQL_LIST_TYPE);
    cr_assert_eq(ids->type->kind, GQL_NON_NULL_TYPE);
    cr_assert_str_eq(op->directives.first->name, "d");
    gql_node_t *f = op->sel.first;
    cr_assert_eq(f->kind, GQL_FIELD);
    cr_assert_str_eq(f->alias, "w");
    cr_assert_str_eq(f->name, "create");
    cr_assert_eq(f->line, 2);
    cr_assert_eq(f->col, 3);
    cr_assert_eq(f->args.first->value->kind, GQL_VARIABLE);
    cr_assert_str_eq(f->args.first->value->name, "in");
    cr_assert_eq(f->directives.first->args.first->value->kind, GQL_BOOLEAN);
    cr_assert_str_eq(f->sel.first->name, "id");
    cr_assert_eq(f->sel.first->sel.n, 0);
}

Test(graphql_parser, shorthand_query_fragments_and_inline_fragments)
{
    gql_node_t *op = parse_ok("{ ...F @d ... on T { a } ... @include(if: $x) { b } }\n"
                              "fragment F on Peer { id }");
    cr_assert_eq(op->op, GQL_OP_QUERY);
    cr_assert_null(op->name);
    gql_node_t *s = op->sel.first;
    cr_assert_eq(s->kind, GQL_FRAGMENT_SPREAD);
    cr_assert_str_eq(s->name, "F");
    cr_assert_eq(s->directives.n, 1);
    s = s->next;
    cr_assert_eq(s->kind, GQL_INLINE_FRAGMENT);
    cr_assert_str_eq(s->type->name, "T");
    s = s->next;
    cr_assert_eq(s->kind, GQL_INLINE_FRAGMENT);
    cr_assert_null(s->type);
    cr_assert_str_eq(s->sel.first->name, "b");
    gql_node_t *fr = op->next;
    cr_assert_eq(fr->kind, GQL_FRAGMENT_DEF);
    cr_assert_str_eq(fr->name, "F");
    cr_assert_str_eq(fr->type->name, "Peer");
}

Test(graphql_parser, values_of_every_kind)
{
    gql_node_t *f = parse_ok("{ f(a: 1, b: -2.5e3, c: \"s\", d: \"\"\"b\"\"\", e: true, g: null, "
                             "h: RED, i: [1, [2]], j: {k: {l: []}}, m: $v) }")
                        ->sel.first;
    gql_kind_t kinds[] = {GQL_INT,  GQL_FLOAT, GQL_STRING, GQL_STRING, GQL_BOOLEAN,
                          GQL_NULL, GQL_ENUM,  GQL_LIST,   GQL_OBJECT, GQL_VARIABLE};
    gql_node_t *a = f->args.first;
    for (int i = 0; i < 10; i++, a = a->next)
        cr_assert_eq(a->value->kind, kinds[i], "argument %d", i);
    a = f->args.first;
    cr_assert_str_eq(a->next->value->str, "-2.5e3");
    cr_assert_eq(a->next->next->next->value->flags & GQL_F_BLOCK, GQL_F_BLOCK);
    gql_node_t *list = a->next->next->next->next->next->next->next->value;
    cr_assert_eq(list->items.n, 2);
    cr_assert_eq(list->items.last->kind, GQL_LIST);
    cr_assert_str_eq(list->items.last->items.first->str, "2");
    gql_node_t *obj = list->next ? NULL : a->next->next->next->next->next->next->next->next->value;
    cr_assert_eq(obj->items.first->value->items.first->value->kind, GQL_LIST);
    cr_assert_eq(obj->items.first->value->items.first->value->items.n, 0);
}

Test(graphql_parser, type_system_definitions)
{
    gql_node_t *d = parse_ok(
        "\"\"\"Doc\"\"\" schema { query: Q mutation: M }\n"
        "scalar UInt64 @specifiedBy(url: \"u\")\n"
        "type T implements A & B @k { \"d\" f(x: Int = 1 @d, y: [S!]!): String! @deprecated }\n"
        "interface I implements A { id: ID! }\n"
        "union U = | X | Y\n"
        "enum E { \"r\" RED @x GREEN }\n"
        "input In { a: Int = 2, b: In }\n"
        "directive @k(fields: String!) repeatable on OBJECT | FIELD_DEFINITION\n"
        "extend type T @z\nextend union U = Z\nextend schema { subscription: S }");
    cr_assert_eq(d->kind, GQL_SCHEMA_DEF);
    cr_assert_str_eq(d->description->str, "Doc");
    cr_assert_eq(d->items.n, 2);
    cr_assert_eq(d->items.last->op, GQL_OP_MUTATION);
    d = d->next;
    cr_assert_eq(d->kind, GQL_SCALAR_DEF);
    cr_assert_str_eq(d->directives.first->args.first->value->str, "u");
    d = d->next;
    cr_assert_eq(d->kind, GQL_OBJECT_DEF);
    cr_assert_eq(d->ifaces.n, 2);
    cr_assert_str_eq(d->ifaces.last->name, "B");
    gql_node_t *f = d->items.first;
    cr_assert_eq(f->kind, GQL_FIELD_DEF);
    cr_assert_str_eq(f->description->str, "d");
    cr_assert_eq(f->args.n, 2);
    cr_assert_eq(f->args.first->kind, GQL_INPUT_VALUE_DEF);
    cr_assert_str_eq(f->args.first->value->str, "1");
    cr_assert_eq(f->args.first->directives.n, 1);
    cr_assert_eq(f->type->kind, GQL_NON_NULL_TYPE);
    d = d->next;
    cr_assert_eq(d->kind, GQL_INTERFACE_DEF);
    cr_assert_eq(d->ifaces.n, 1);
    d = d->next;
    cr_assert_eq(d->kind, GQL_UNION_DEF);
    cr_assert_eq(d->items.n, 2);
    d = d->next;
    cr_assert_eq(d->kind, GQL_ENUM_DEF);
    cr_assert_eq(d->items.first->kind, GQL_ENUM_VALUE_DEF);
    cr_assert_str_eq(d->items.first->description->str, "r");
    cr_assert_str_eq(d->items.last->name, "GREEN");
    d = d->next;
    cr_assert_eq(d->kind, GQL_INPUT_DEF);
    cr_assert_eq(d->items.n, 2);
    d = d->next;
    cr_assert_eq(d->kind, GQL_DIRECTIVE_DEF);
    cr_assert_eq(d->flags & GQL_F_REPEATABLE, GQL_F_REPEATABLE);
    cr_assert_eq(d->items.n, 2);
    cr_assert_str_eq(d->items.last->name, "FIELD_DEFINITION");
    for (int i = 0; i < 3; i++) {
        d = d->next;
        cr_assert_eq(d->flags & GQL_F_EXTEND, GQL_F_EXTEND);
    }
    cr_assert_eq(d->kind, GQL_SCHEMA_DEF);
    cr_assert_null(d->next);
}

Test(graphql_parser, syntax_errors_have_graphql_js_words_and_positions)
{
    parse_fails("", GQL_SYNTAX, 1, 1, "Syntax Error: Unexpected <EOF>.");
    parse_fails("{", GQL_SYNTAX, 1, 2, "Syntax Error: Expected Name, found <EOF>.");
    parse_fails("{ }", GQL_SYNTAX, 1, 3, "Syntax Error: Expected Name, found \"}\".");
    parse_fails("query {\n  a(b: )\n}", GQL_SYNTAX, 2, 8, "Syntax Error: Unexpected \")\".");
    parse_fails("{ a(b 1) }", GQL_SYNTAX, 1, 7, "Syntax Error: Expected \":\", found Int \"1\".");
    parse_fails("fragment on on T { a }", GQL_SYNTAX, 1, 10,
                "Syntax Error: Unexpected Name \"on\".");
    parse_fails("fragment F T { a }", GQL_SYNTAX, 1, 12,
                "Syntax Error: Expected \"on\", found Name \"T\".");
    parse_fails("query Q($v: Int = $x) { a }", GQL_SYNTAX, 1, 19,
                "Syntax Error: Unexpected variable \"$x\" in constant value.");
    parse_fails("\"d\" query { a }", GQL_SYNTAX, 1, 1,
                "Syntax Error: Unexpected description, descriptions are supported only on "
                "type definitions.");
    parse_fails("enum E { null }", GQL_SYNTAX, 1, 10,
                "Syntax Error: Name \"null\" is reserved and cannot be used for an enum value.");
    parse_fails("extend type T", GQL_SYNTAX, 1, 14, "Syntax Error: Unexpected <EOF>.");
    parse_fails("extend directive @d on FIELD", GQL_SYNTAX, 1, 8, NULL);
    parse_fails("directive @d on NOWHERE", GQL_SYNTAX, 1, 17,
                "Syntax Error: Unexpected Name \"NOWHERE\".");
    parse_fails("type T { f: [Int }", GQL_SYNTAX, 1, 18,
                "Syntax Error: Expected \"]\", found \"}\".");
    parse_fails("{ ... on }", GQL_SYNTAX, 1, 10, "Syntax Error: Expected Name, found \"}\".");
    parse_fails("{ ...F }\n  junk", GQL_SYNTAX, 2, 3, "Syntax Error: Unexpected Name \"junk\".");
    parse_fails("schema @d", GQL_SYNTAX, 1, 10, "Syntax Error: Expected \"{\", found <EOF>.");
    parse_fails("\"d\" [", GQL_SYNTAX, 1, 5, "Syntax Error: Unexpected \"[\".");
    /* the token after a name is lexed before the name is judged, as in graphql-js */
    parse_fails("schema { qery\\u: Q }", GQL_SYNTAX, 1, 14,
                "Syntax Error: Unexpected character: \"\\\".");
    parse_fails("subscription", GQL_SYNTAX, 1, 13, "Syntax Error: Expected \"{\", found <EOF>.");
}

/* s repeated n times between prefix and suffix. */
static char *nest(const char *prefix, const char *open, unsigned n, const char *mid,
                  const char *close)
{
    size_t len = strlen(prefix) + n * (strlen(open) + strlen(close)) + strlen(mid) + 1;
    char *s = malloc(len), *p = s;
    p += snprintf(p, len, "%s", prefix);
    for (unsigned i = 0; i < n; i++)
        p += snprintf(p, len - (size_t)(p - s), "%s", open);
    p += snprintf(p, len - (size_t)(p - s), "%s", mid);
    for (unsigned i = 0; i < n; i++)
        p += snprintf(p, len - (size_t)(p - s), "%s", close);
    return s;
}

Test(graphql_parser, nesting_is_bounded_not_recursive)
{
    char *s = nest("", "{a", GQL_DEPTH_MAX, "", "}");
    parse_ok(s);
    free(s);
    s = nest("", "{a", GQL_DEPTH_MAX + 1, "", "}");
    parse_fails(s, GQL_TOO_DEEP, 1, 2 * GQL_DEPTH_MAX + 1,
                "Syntax Error: Document nests more than 64 levels.");
    free(s);
    /* the selection depth and a value's depth add up */
    s = nest("{a{b(x: ", "[", GQL_DEPTH_MAX - 2, "1", "]");
    char *full = malloc(strlen(s) + 8);
    snprintf(full, strlen(s) + 8, "%s)}}", s);
    parse_ok(full);
    free(s);
    free(full);
    s = nest("{a{b(x: ", "{y: ", GQL_DEPTH_MAX - 1, "1", "}");
    parse_fails(s, GQL_TOO_DEEP, 1, 9 + 4 * (GQL_DEPTH_MAX - 2), NULL);
    free(s);
    s = nest("type T { f: ", "[", GQL_DEPTH_MAX + 1, "Int", "]");
    parse_fails(s, GQL_TOO_DEEP, 1, 13 + GQL_DEPTH_MAX, NULL);
    free(s);
    /* far past the limit: still a clean error, no stack overflow */
    s = nest("{ f(x: ", "[", 200000, "", "");
    parse_fails(s, GQL_TOO_DEEP, 1, 7 + GQL_DEPTH_MAX, NULL); /* the "{" is one level */
    free(s);
}

static char *read_spec(const char *name)
{
    const char *shared = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char path[512];
    snprintf(path, sizeof path, "%s/specs/rafiki-admin/%s", shared, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, GQL_DOCUMENT_MAX + 1);
    size_t n = fread(buf, 1, GQL_DOCUMENT_MAX, f);
    fclose(f);
    cr_assert_gt(n, 0);
    return buf;
}

static const gql_node_t *find_def(const gql_node_t *d, gql_kind_t kind, const char *name)
{
    for (; d; d = d->next)
        if (d->kind == kind && d->name && strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

Test(graphql_parser, rafiki_sdl_files_parse)
{
    char *backend = read_spec("backend-schema.graphql");
    const gql_node_t *d = parse_ok(backend);
    const gql_node_t *q = find_def(d, GQL_OBJECT_DEF, "Query");
    cr_assert_not_null(q);
    cr_assert_gt(q->items.n, 10);
    cr_assert_not_null(find_def(d, GQL_OBJECT_DEF, "Mutation"));
    cr_assert_not_null(find_def(d, GQL_INPUT_DEF, "CreateWalletAddressInput"));
    cr_assert_not_null(find_def(d, GQL_SCALAR_DEF, "UInt64"));
    free(backend);
    char *auth = read_spec("auth-schema.graphql");
    d = parse_ok(auth);
    cr_assert_not_null(find_def(d, GQL_OBJECT_DEF, "Query"));
    free(auth);
}
