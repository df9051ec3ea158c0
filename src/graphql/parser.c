/*
 * The GraphQL parser: recursive descent as graphql-js 16 does it, with the recursion taken out.
 * Selection sets and values keep their own explicit stacks (parse_selection_set, parse_value)
 * and list types count their brackets; all three share one depth counter held to
 * GQL_DEPTH_MAX. Every other rule is flat. Error messages follow graphql-js's wording.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graphql/ast.h"
#include "graphql/lexer.h"

#define TRY(x)                                                                                     \
    do {                                                                                           \
        gql_result_t rc_ = (x);                                                                    \
        if (rc_ != GQL_OK)                                                                         \
            return rc_;                                                                            \
    } while (0)

typedef struct {
    gql_lexer_t lx;
    gql_token_t tok; /* the current token */
    arena_t *arena;
    gql_err_t *err;
    uint32_t depth;
} parser_t;

static gql_result_t advance(parser_t *p)
{
    return gql_lex_next(&p->lx, &p->tok);
}

__attribute__((format(printf, 4, 5))) static gql_result_t
fail_at(parser_t *p, const gql_token_t *t, gql_result_t rc, const char *fmt, ...)
{
    gql_err_t *e = p->err;
    e->code = rc;
    e->line = t->line;
    e->col = t->col;
    int n = snprintf(e->message, sizeof e->message, "Syntax Error: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message + n, sizeof e->message - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

static gql_result_t unexpected(parser_t *p, const gql_token_t *t)
{
    char d[128];
    gql_token_desc(t, d, sizeof d);
    return fail_at(p, t, GQL_SYNTAX, "Unexpected %s.", d);
}

static gql_result_t expect(parser_t *p, gql_tok_kind_t k)
{
    if (p->tok.kind == k)
        return advance(p);
    char d[128];
    gql_token_desc(&p->tok, d, sizeof d);
    return fail_at(p, &p->tok, GQL_SYNTAX, "Expected %s, found %s.", gql_tok_kind_desc(k), d);
}

static bool is_kw(const parser_t *p, const char *kw)
{
    return p->tok.kind == GQL_T_NAME && strcmp(p->tok.val, kw) == 0;
}

static gql_result_t expect_kw(parser_t *p, const char *kw)
{
    if (is_kw(p, kw))
        return advance(p);
    char d[128];
    gql_token_desc(&p->tok, d, sizeof d);
    return fail_at(p, &p->tok, GQL_SYNTAX, "Expected \"%s\", found %s.", kw, d);
}

/* Consumes the current token when it is k; *hit says whether it was. */
static gql_result_t skip(parser_t *p, gql_tok_kind_t k, bool *hit)
{
    *hit = p->tok.kind == k;
    return *hit ? advance(p) : GQL_OK;
}

static gql_result_t skip_kw(parser_t *p, const char *kw, bool *hit)
{
    *hit = is_kw(p, kw);
    return *hit ? advance(p) : GQL_OK;
}

static gql_node_t *node(parser_t *p, gql_kind_t kind)
{
    gql_node_t *n = arena_alloc(p->arena, sizeof *n);
    *n = (gql_node_t){.kind = kind, .line = p->tok.line, .col = p->tok.col};
    return n;
}

void gql_list_push(gql_list_t *l, gql_node_t *n)
{
    if (l->last)
        l->last->next = n;
    else
        l->first = n;
    l->last = n;
    l->n++;
}

static gql_result_t parse_name(parser_t *p, const char **out)
{
    if (p->tok.kind != GQL_T_NAME)
        return expect(p, GQL_T_NAME);
    *out = p->tok.val;
    return advance(p);
}

static gql_result_t deeper(parser_t *p)
{
    if (p->depth + 1 > GQL_DEPTH_MAX)
        return fail_at(p, &p->tok, GQL_TOO_DEEP, "Document nests more than %u levels.",
                       GQL_DEPTH_MAX);
    p->depth++;
    return GQL_OK;
}

static gql_result_t parse_named_type(parser_t *p, gql_node_t **out)
{
    *out = node(p, GQL_NAMED_TYPE);
    return parse_name(p, &(*out)->name);
}

/* Type: Name, [Type] or Type!, the brackets counted rather than recursed into. */
static gql_result_t parse_type(parser_t *p, gql_node_t **out)
{
    gql_node_t *open[GQL_DEPTH_MAX];
    uint32_t n = 0;
    while (p->tok.kind == GQL_T_BRACKET_L) {
        TRY(deeper(p));
        open[n++] = node(p, GQL_LIST_TYPE);
        TRY(advance(p));
    }
    gql_node_t *t;
    bool hit;
    TRY(parse_named_type(p, &t));
    for (;;) {
        gql_node_t *bang = node(p, GQL_NON_NULL_TYPE);
        TRY(skip(p, GQL_T_BANG, &hit));
        if (hit) {
            bang->line = t->line, bang->col = t->col;
            bang->type = t;
            t = bang;
        }
        if (n == 0)
            break;
        TRY(expect(p, GQL_T_BRACKET_R));
        gql_node_t *l = open[--n];
        p->depth--;
        l->type = t;
        t = l;
    }
    *out = t;
    return GQL_OK;
}

static gql_result_t parse_scalar(parser_t *p, bool is_const, gql_node_t **out)
{
    gql_node_t *v = NULL;
    gql_token_t t = p->tok;
    switch (t.kind) {
    case GQL_T_INT:
        v = node(p, GQL_INT);
        break;
    case GQL_T_FLOAT:
        v = node(p, GQL_FLOAT);
        break;
    case GQL_T_STRING:
        v = node(p, GQL_STRING);
        break;
    case GQL_T_BLOCK_STRING:
        v = node(p, GQL_STRING);
        v->flags = GQL_F_BLOCK;
        break;
    case GQL_T_NAME:
        v = node(p, !strcmp(t.val, "true") || !strcmp(t.val, "false") ? GQL_BOOLEAN
                    : !strcmp(t.val, "null")                          ? GQL_NULL
                                                                      : GQL_ENUM);
        break;
    case GQL_T_DOLLAR:
        v = node(p, GQL_VARIABLE);
        TRY(advance(p));
        if (is_const && p->tok.kind == GQL_T_NAME)
            return fail_at(p, &t, GQL_SYNTAX, "Unexpected variable \"$%s\" in constant value.",
                           p->tok.val);
        if (is_const)
            return unexpected(p, &t);
        TRY(parse_name(p, &v->name));
        *out = v;
        return GQL_OK;
    default:
        return unexpected(p, &t);
    }
    v->str = t.val;
    v->len = t.len;
    *out = v;
    return advance(p);
}

static gql_tok_kind_t closer(const gql_node_t *c)
{
    return c->kind == GQL_LIST ? GQL_T_BRACKET_R : GQL_T_BRACE_R;
}

/* A value; lists and objects go on an explicit stack. Each loop turn closes the containers
 * that end here, reads an object field's "name:" and then one value or container start. */
static gql_result_t parse_value(parser_t *p, bool is_const, gql_node_t **out)
{
    gql_node_t *stack[GQL_DEPTH_MAX];
    uint32_t top = 0;
    for (;;) {
        while (top > 0 && p->tok.kind == closer(stack[top - 1])) {
            TRY(advance(p));
            p->depth--;
            if (--top == 0)
                return GQL_OK;
        }
        gql_node_t *field = NULL, *v;
        if (top > 0 && stack[top - 1]->kind == GQL_OBJECT) {
            field = node(p, GQL_ARGUMENT);
            TRY(parse_name(p, &field->name));
            TRY(expect(p, GQL_T_COLON));
            gql_list_push(&stack[top - 1]->items, field);
        }
        bool open = p->tok.kind == GQL_T_BRACKET_L || p->tok.kind == GQL_T_BRACE_L;
        if (open) {
            TRY(deeper(p));
            v = node(p, p->tok.kind == GQL_T_BRACKET_L ? GQL_LIST : GQL_OBJECT);
            TRY(advance(p));
        } else {
            TRY(parse_scalar(p, is_const, &v));
        }
        if (field)
            field->value = v;
        else if (top > 0)
            gql_list_push(&stack[top - 1]->items, v);
        else
            *out = v;
        if (open)
            stack[top++] = v;
        else if (top == 0)
            return GQL_OK;
    }
}

/* Arguments: ( name: value, ... ), at least one; none when there is no "(". */
static gql_result_t parse_arguments(parser_t *p, bool is_const, gql_list_t *args)
{
    bool hit;
    TRY(skip(p, GQL_T_PAREN_L, &hit));
    while (hit) {
        gql_node_t *a = node(p, GQL_ARGUMENT);
        TRY(parse_name(p, &a->name));
        TRY(expect(p, GQL_T_COLON));
        TRY(parse_value(p, is_const, &a->value));
        gql_list_push(args, a);
        TRY(skip(p, GQL_T_PAREN_R, &hit));
        hit = !hit;
    }
    return GQL_OK;
}

static gql_result_t parse_directives(parser_t *p, bool is_const, gql_list_t *dirs)
{
    while (p->tok.kind == GQL_T_AT) {
        gql_node_t *d = node(p, GQL_DIRECTIVE);
        TRY(advance(p));
        TRY(parse_name(p, &d->name));
        TRY(parse_arguments(p, is_const, &d->args));
        gql_list_push(dirs, d);
    }
    return GQL_OK;
}

/* One selection: a field, a fragment spread or an inline fragment. *opens says a selection
 * set follows that belongs to it (required for an inline fragment). */
static gql_result_t parse_selection(parser_t *p, gql_node_t **out, bool *opens)
{
    gql_node_t *s;
    bool hit;
    if (p->tok.kind == GQL_T_SPREAD) {
        s = node(p, GQL_FRAGMENT_SPREAD);
        TRY(advance(p));
        TRY(skip_kw(p, "on", &hit));
        if (!hit && p->tok.kind == GQL_T_NAME) {
            TRY(parse_name(p, &s->name));
            *opens = false;
        } else {
            s->kind = GQL_INLINE_FRAGMENT;
            if (hit)
                TRY(parse_named_type(p, &s->type));
            *opens = true;
        }
        TRY(parse_directives(p, false, &s->directives));
        *out = s;
        return GQL_OK;
    }
    s = node(p, GQL_FIELD);
    TRY(parse_name(p, &s->name));
    TRY(skip(p, GQL_T_COLON, &hit));
    if (hit) {
        s->alias = s->name;
        TRY(parse_name(p, &s->name));
    }
    TRY(parse_arguments(p, false, &s->args));
    TRY(parse_directives(p, false, &s->directives));
    *opens = p->tok.kind == GQL_T_BRACE_L;
    *out = s;
    return GQL_OK;
}

/* { selection ... } into sel, nested sets on an explicit stack. */
static gql_result_t parse_selection_set(parser_t *p, gql_list_t *sel)
{
    gql_list_t *stack[GQL_DEPTH_MAX];
    uint32_t top = 0;
    TRY(deeper(p));
    TRY(expect(p, GQL_T_BRACE_L));
    stack[top++] = sel;
    while (top > 0) {
        if (stack[top - 1]->n > 0 && p->tok.kind == GQL_T_BRACE_R) {
            TRY(advance(p));
            p->depth--;
            top--;
            continue;
        }
        gql_node_t *s = NULL;
        bool opens;
        TRY(parse_selection(p, &s, &opens));
        gql_list_push(stack[top - 1], s);
        if (opens) {
            TRY(deeper(p));
            TRY(expect(p, GQL_T_BRACE_L));
            stack[top++] = &s->sel;
        }
    }
    return GQL_OK;
}

/* query, mutation or subscription. As in graphql-js the name is consumed (and the token after
 * it lexed, which may fail first) before the keyword is checked. */
static gql_result_t parse_op_type(parser_t *p, gql_op_t *op)
{
    static const char *const OPS[] = {"query", "mutation", "subscription"};
    if (p->tok.kind != GQL_T_NAME)
        return expect(p, GQL_T_NAME);
    gql_token_t t = p->tok;
    TRY(advance(p));
    for (int i = 0; i < 3; i++) {
        if (strcmp(t.val, OPS[i]) == 0) {
            *op = (gql_op_t)i;
            return GQL_OK;
        }
    }
    return unexpected(p, &t);
}

static gql_result_t parse_variable_defs(parser_t *p, gql_list_t *vars)
{
    bool hit;
    TRY(skip(p, GQL_T_PAREN_L, &hit));
    while (hit) {
        gql_node_t *v = node(p, GQL_VARIABLE_DEF);
        TRY(expect(p, GQL_T_DOLLAR));
        TRY(parse_name(p, &v->name));
        TRY(expect(p, GQL_T_COLON));
        TRY(parse_type(p, &v->type));
        TRY(skip(p, GQL_T_EQUALS, &hit));
        if (hit)
            TRY(parse_value(p, true, &v->value));
        TRY(parse_directives(p, true, &v->directives));
        gql_list_push(vars, v);
        TRY(skip(p, GQL_T_PAREN_R, &hit));
        hit = !hit;
    }
    return GQL_OK;
}

static gql_result_t parse_operation(parser_t *p, gql_node_t *d)
{
    d->kind = GQL_OPERATION;
    if (p->tok.kind != GQL_T_BRACE_L) {
        TRY(parse_op_type(p, &d->op));
        if (p->tok.kind == GQL_T_NAME)
            TRY(parse_name(p, &d->name));
        TRY(parse_variable_defs(p, &d->vars));
        TRY(parse_directives(p, false, &d->directives));
    }
    return parse_selection_set(p, &d->sel);
}

static gql_result_t parse_fragment_def(parser_t *p, gql_node_t *d)
{
    d->kind = GQL_FRAGMENT_DEF;
    TRY(advance(p));
    if (is_kw(p, "on")) {
        gql_token_t t = p->tok;
        return unexpected(p, &t);
    }
    TRY(parse_name(p, &d->name));
    TRY(expect_kw(p, "on"));
    TRY(parse_named_type(p, &d->type));
    TRY(parse_directives(p, false, &d->directives));
    return parse_selection_set(p, &d->sel);
}

static gql_result_t parse_description(parser_t *p, gql_node_t **out)
{
    *out = NULL;
    if (p->tok.kind != GQL_T_STRING && p->tok.kind != GQL_T_BLOCK_STRING)
        return GQL_OK;
    return parse_scalar(p, true, out);
}

/* Name: Type = default @directives, as in argument and input field definitions. */
static gql_result_t parse_input_value_def(parser_t *p, gql_node_t **out)
{
    gql_node_t *v = node(p, GQL_INPUT_VALUE_DEF);
    bool hit;
    TRY(parse_description(p, &v->description));
    TRY(parse_name(p, &v->name));
    TRY(expect(p, GQL_T_COLON));
    TRY(parse_type(p, &v->type));
    TRY(skip(p, GQL_T_EQUALS, &hit));
    if (hit)
        TRY(parse_value(p, true, &v->value));
    TRY(parse_directives(p, true, &v->directives));
    *out = v;
    return GQL_OK;
}

typedef gql_result_t (*item_fn)(parser_t *p, gql_node_t **out);

/* open item ... close, at least one item; nothing when the next token is not open. */
static gql_result_t parse_enclosed(parser_t *p, gql_tok_kind_t open, gql_tok_kind_t close,
                                   item_fn fn, gql_list_t *items)
{
    bool hit;
    TRY(skip(p, open, &hit));
    while (hit) {
        gql_node_t *it = NULL;
        TRY(fn(p, &it));
        gql_list_push(items, it);
        TRY(skip(p, close, &hit));
        hit = !hit;
    }
    return GQL_OK;
}

/* { item ... }, at least one item; nothing when there is no "{". */
static gql_result_t parse_block(parser_t *p, item_fn fn, gql_list_t *items)
{
    return parse_enclosed(p, GQL_T_BRACE_L, GQL_T_BRACE_R, fn, items);
}

static gql_result_t parse_argument_defs(parser_t *p, gql_list_t *args)
{
    return parse_enclosed(p, GQL_T_PAREN_L, GQL_T_PAREN_R, parse_input_value_def, args);
}

static gql_result_t parse_field_def(parser_t *p, gql_node_t **out)
{
    gql_node_t *f = node(p, GQL_FIELD_DEF);
    TRY(parse_description(p, &f->description));
    TRY(parse_name(p, &f->name));
    TRY(parse_argument_defs(p, &f->args));
    TRY(expect(p, GQL_T_COLON));
    TRY(parse_type(p, &f->type));
    TRY(parse_directives(p, true, &f->directives));
    *out = f;
    return GQL_OK;
}

static gql_result_t parse_enum_value_def(parser_t *p, gql_node_t **out)
{
    gql_node_t *v = node(p, GQL_ENUM_VALUE_DEF);
    TRY(parse_description(p, &v->description));
    if (is_kw(p, "true") || is_kw(p, "false") || is_kw(p, "null")) {
        char d[128];
        gql_token_desc(&p->tok, d, sizeof d);
        return fail_at(p, &p->tok, GQL_SYNTAX,
                       "%s is reserved and cannot be used for an enum value.", d);
    }
    TRY(parse_name(p, &v->name));
    TRY(parse_directives(p, true, &v->directives));
    *out = v;
    return GQL_OK;
}

static gql_result_t parse_op_type_def(parser_t *p, gql_node_t **out)
{
    gql_node_t *o = node(p, GQL_OPERATION_TYPE_DEF);
    TRY(parse_op_type(p, &o->op));
    TRY(expect(p, GQL_T_COLON));
    TRY(parse_named_type(p, &o->type));
    *out = o;
    return GQL_OK;
}

static gql_result_t parse_location(parser_t *p, gql_node_t **out)
{
    static const char *const LOCS[] = {"QUERY",
                                       "MUTATION",
                                       "SUBSCRIPTION",
                                       "FIELD",
                                       "FRAGMENT_DEFINITION",
                                       "FRAGMENT_SPREAD",
                                       "INLINE_FRAGMENT",
                                       "VARIABLE_DEFINITION",
                                       "SCHEMA",
                                       "SCALAR",
                                       "OBJECT",
                                       "FIELD_DEFINITION",
                                       "ARGUMENT_DEFINITION",
                                       "INTERFACE",
                                       "UNION",
                                       "ENUM",
                                       "ENUM_VALUE",
                                       "INPUT_OBJECT",
                                       "INPUT_FIELD_DEFINITION"};
    gql_token_t t = p->tok;
    gql_node_t *n = node(p, GQL_NAME);
    TRY(parse_name(p, &n->name));
    for (size_t i = 0; i < sizeof LOCS / sizeof LOCS[0]; i++) {
        if (strcmp(n->name, LOCS[i]) == 0) {
            *out = n;
            return GQL_OK;
        }
    }
    return unexpected(p, &t);
}

/* item (sep item)*, with an optional leading sep: `implements & A & B`, `= | A | B`. */
static gql_result_t parse_delimited(parser_t *p, gql_tok_kind_t sep, item_fn fn, gql_list_t *items)
{
    bool hit;
    TRY(skip(p, sep, &hit));
    do {
        gql_node_t *it = NULL;
        TRY(fn(p, &it));
        gql_list_push(items, it);
        TRY(skip(p, sep, &hit));
    } while (hit);
    return GQL_OK;
}

static const char *const TYPE_KWS[] = {"schema", "scalar", "type",  "interface",
                                       "union",  "enum",   "input", "directive"};

static int type_kw(const parser_t *p)
{
    for (int i = 0; p->tok.kind == GQL_T_NAME && i < 8; i++)
        if (strcmp(p->tok.val, TYPE_KWS[i]) == 0)
            return i;
    return -1;
}

static gql_result_t parse_directive_def(parser_t *p, gql_node_t *d)
{
    bool hit;
    TRY(expect(p, GQL_T_AT));
    TRY(parse_name(p, &d->name));
    TRY(parse_argument_defs(p, &d->args));
    TRY(skip_kw(p, "repeatable", &hit));
    d->flags |= hit ? GQL_F_REPEATABLE : 0;
    TRY(expect_kw(p, "on"));
    return parse_delimited(p, GQL_T_PIPE, parse_location, &d->items);
}

/* A type system definition or extension from its keyword (kw indexes TYPE_KWS). */
static gql_result_t parse_type_system(parser_t *p, gql_node_t *d, int kw, bool extend)
{
    static const gql_kind_t KINDS[] = {GQL_SCHEMA_DEF,    GQL_SCALAR_DEF,   GQL_OBJECT_DEF,
                                       GQL_INTERFACE_DEF, GQL_UNION_DEF,    GQL_ENUM_DEF,
                                       GQL_INPUT_DEF,     GQL_DIRECTIVE_DEF};
    bool hit;
    d->kind = KINDS[kw];
    d->flags |= extend ? GQL_F_EXTEND : 0;
    TRY(advance(p));
    if (d->kind == GQL_DIRECTIVE_DEF)
        return parse_directive_def(p, d);
    if (d->kind != GQL_SCHEMA_DEF)
        TRY(parse_name(p, &d->name));
    if (d->kind == GQL_OBJECT_DEF || d->kind == GQL_INTERFACE_DEF) {
        TRY(skip_kw(p, "implements", &hit));
        if (hit)
            TRY(parse_delimited(p, GQL_T_AMP, parse_named_type, &d->ifaces));
    }
    TRY(parse_directives(p, true, &d->directives));
    switch (d->kind) {
    case GQL_SCHEMA_DEF:
        if (!extend && p->tok.kind != GQL_T_BRACE_L)
            return expect(p, GQL_T_BRACE_L);
        TRY(parse_block(p, parse_op_type_def, &d->items));
        break;
    case GQL_OBJECT_DEF:
    case GQL_INTERFACE_DEF:
        TRY(parse_block(p, parse_field_def, &d->items));
        break;
    case GQL_ENUM_DEF:
        TRY(parse_block(p, parse_enum_value_def, &d->items));
        break;
    case GQL_INPUT_DEF:
        TRY(parse_block(p, parse_input_value_def, &d->items));
        break;
    case GQL_UNION_DEF:
        TRY(skip(p, GQL_T_EQUALS, &hit));
        if (hit)
            TRY(parse_delimited(p, GQL_T_PIPE, parse_named_type, &d->items));
        break;
    default:
        break;
    }
    if (extend && d->directives.n == 0 && d->items.n == 0 && d->ifaces.n == 0) {
        gql_token_t t = p->tok;
        return unexpected(p, &t);
    }
    return GQL_OK;
}

static gql_result_t parse_definition(parser_t *p, gql_node_t **out)
{
    gql_node_t *d = node(p, GQL_OPERATION);
    gql_token_t first = p->tok;
    *out = d;
    if (p->tok.kind == GQL_T_BRACE_L)
        return parse_operation(p, d);
    TRY(parse_description(p, &d->description));
    int kw = type_kw(p);
    if (kw >= 0)
        return parse_type_system(p, d, kw, false);
    if (d->description && p->tok.kind == GQL_T_NAME)
        return fail_at(p, &first, GQL_SYNTAX,
                       "Unexpected description, descriptions are "
                       "supported only on type definitions.");
    if (is_kw(p, "query") || is_kw(p, "mutation") || is_kw(p, "subscription"))
        return parse_operation(p, d);
    if (is_kw(p, "fragment"))
        return parse_fragment_def(p, d);
    if (is_kw(p, "extend")) {
        TRY(advance(p));
        kw = type_kw(p);
        if (kw >= 0 && kw < 7)
            return parse_type_system(p, d, kw, true);
    }
    gql_token_t t = p->tok;
    return unexpected(p, &t);
}

gql_result_t gql_parse(const uint8_t *doc, size_t len, arena_t *arena, gql_node_t **out,
                       gql_err_t *err)
{
    parser_t p = {.arena = arena, .err = err};
    *out = NULL;
    TRY(gql_lexer_init(&p.lx, doc, len, arena, err));
    TRY(advance(&p));
    gql_node_t *d = node(&p, GQL_DOCUMENT);
    do {
        gql_node_t *def = NULL;
        TRY(parse_definition(&p, &def));
        gql_list_push(&d->items, def);
    } while (p.tok.kind != GQL_T_EOF);
    *out = d;
    return GQL_OK;
}
