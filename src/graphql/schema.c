/*
 * Builds the schema index (schema.h) from SDL: a prelude of built-in scalars, directives and
 * introspection types is parsed with the caller's document, every definition becomes a
 * gql_type_t, type references are resolved to pointers once, names are sorted for binary
 * search, interfaces learn their implementations, and resolvers are bound to fields.
 * Walks over SDL type references recurse at most GQL_DEPTH_MAX deep (the parser's bound).
 */
#include "graphql/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"

static const char prelude[] =
    "scalar Int\nscalar Float\nscalar String\nscalar Boolean\nscalar ID\n"
    "directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @deprecated(reason: String = \"No longer supported\") on FIELD_DEFINITION"
    " | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "directive @specifiedBy(url: String!) on SCALAR\n"
    "directive @oneOf on INPUT_OBJECT\n"
    "type __Schema { description: String types: [__Type!]! queryType: __Type!"
    " mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }\n"
    "type __Type { kind: __TypeKind! name: String description: String"
    " specifiedByURL: String fields(includeDeprecated: Boolean = false): [__Field!]"
    " interfaces: [__Type!] possibleTypes: [__Type!]"
    " enumValues(includeDeprecated: Boolean = false): [__EnumValue!]"
    " inputFields(includeDeprecated: Boolean = false): [__InputValue!] ofType: __Type"
    " isOneOf: Boolean }\n"
    "type __Field { name: String! description: String"
    " args(includeDeprecated: Boolean = false): [__InputValue!]! type: __Type!"
    " isDeprecated: Boolean! deprecationReason: String }\n"
    "type __InputValue { name: String! description: String type: __Type!"
    " defaultValue: String isDeprecated: Boolean! deprecationReason: String }\n"
    "type __EnumValue { name: String! description: String isDeprecated: Boolean!"
    " deprecationReason: String }\n"
    "type __Directive { name: String! description: String isRepeatable: Boolean!"
    " locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false):"
    " [__InputValue!]! }\n"
    "enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }\n"
    "enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION"
    " FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT"
    " FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT"
    " INPUT_FIELD_DEFINITION }\n";

typedef struct {
    gql_schema_t *s;
    gql_err_t *err;
} build_t;

__attribute__((format(printf, 3, 4))) static gql_result_t fail(build_t *b, const gql_node_t *at,
                                                               const char *fmt, ...)
{
    va_list ap;
    b->err->code = GQL_SCHEMA_INVALID;
    b->err->line = at ? at->line : 1;
    b->err->col = at ? at->col : 1;
    va_start(ap, fmt);
    vsnprintf(b->err->message, sizeof b->err->message, fmt, ap);
    va_end(ap);
    return GQL_SCHEMA_INVALID;
}

static int type_cmp(const void *a, const void *b)
{
    return strcmp((*(gql_type_t *const *)a)->name, (*(gql_type_t *const *)b)->name);
}

static int type_key_cmp(const void *key, const void *b)
{
    return strcmp((const char *)key, (*(gql_type_t *const *)b)->name);
}

const gql_type_t *gql_schema_type(const gql_schema_t *s, const char *name)
{
    gql_type_t *const *t = bsearch(name, s->types, s->n_types, sizeof *t, type_key_cmp);
    return t ? *t : NULL;
}

static int field_cmp(const void *a, const void *b)
{
    return strcmp((*(gql_fdef_t *const *)a)->name, (*(gql_fdef_t *const *)b)->name);
}

static int field_key_cmp(const void *key, const void *b)
{
    return strcmp((const char *)key, (*(gql_fdef_t *const *)b)->name);
}

const gql_fdef_t *gql_type_field(const gql_type_t *t, const char *name)
{
    if (!t->fields_sorted)
        return NULL;
    gql_fdef_t *const *f = bsearch(name, t->fields_sorted, t->n_fields, sizeof *f, field_key_cmp);
    return f ? *f : NULL;
}

static int ivalue_cmp(const void *a, const void *b)
{
    return strcmp((*(gql_ivalue_t *const *)a)->name, (*(gql_ivalue_t *const *)b)->name);
}

static int ivalue_key_cmp(const void *key, const void *b)
{
    return strcmp((const char *)key, (*(gql_ivalue_t *const *)b)->name);
}

const gql_ivalue_t *gql_type_input(const gql_type_t *t, const char *name)
{
    if (!t->inputs_sorted)
        return NULL;
    gql_ivalue_t *const *f =
        bsearch(name, t->inputs_sorted, t->n_inputs, sizeof *f, ivalue_key_cmp);
    return f ? *f : NULL;
}

const gql_ivalue_t *gql_args_find(const gql_ivalue_t *args, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

const gql_evalue_t *gql_type_enum_value(const gql_type_t *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_values; i++)
        if (strcmp(t->values[i].name, name) == 0)
            return &t->values[i];
    return NULL;
}

const gql_ddef_t *gql_schema_directive(const gql_schema_t *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_dirs; i++)
        if (strcmp(s->dirs[i].name, name) == 0)
            return &s->dirs[i];
    return NULL;
}

bool gql_type_possible(const gql_type_t *abstract, const gql_type_t *obj)
{
    if (abstract == obj)
        return true;
    for (uint32_t i = 0; i < abstract->n_possible; i++)
        if (abstract->possible[i] == obj)
            return true;
    return false;
}

void gql_tref_str(const gql_tref_t *r, char *out, size_t cap)
{
    char inner[256];
    switch (r->wrap) {
    case GQL_REF_NAMED:
        snprintf(out, cap, "%s", r->named->name);
        return;
    case GQL_REF_LIST:
        gql_tref_str(r->of, inner, sizeof inner);
        snprintf(out, cap, "[%s]", inner);
        return;
    case GQL_REF_NON_NULL:
        gql_tref_str(r->of, inner, sizeof inner);
        snprintf(out, cap, "%s!", inner);
        return;
    }
}

const gql_tref_t *gql_tref_from_ast(const gql_schema_t *s, const gql_node_t *n, arena_t *arena)
{
    gql_tref_t *r = arena_alloc(arena, sizeof *r);
    memset(r, 0, sizeof *r);
    if (n->kind == GQL_NAMED_TYPE) {
        r->wrap = GQL_REF_NAMED;
        r->named = gql_schema_type(s, n->name);
        return r->named ? r : NULL;
    }
    r->wrap = n->kind == GQL_LIST_TYPE ? GQL_REF_LIST : GQL_REF_NON_NULL;
    r->of = gql_tref_from_ast(s, n->type, arena);
    if (!r->of)
        return NULL;
    r->named = r->of->named;
    return r;
}

static const char *desc_of(const gql_node_t *n)
{
    return n->description ? n->description->str : NULL;
}

/* The reason of a @deprecated directive among dirs, or NULL. */
static const char *deprecation(const gql_list_t *dirs)
{
    for (const gql_node_t *d = dirs->first; d; d = d->next) {
        if (strcmp(d->name, "deprecated") != 0)
            continue;
        for (const gql_node_t *a = d->args.first; a; a = a->next)
            if (strcmp(a->name, "reason") == 0 && a->value->kind == GQL_STRING)
                return a->value->str;
        return "No longer supported";
    }
    return NULL;
}

static const char *specified_by(const gql_list_t *dirs)
{
    for (const gql_node_t *d = dirs->first; d; d = d->next)
        if (strcmp(d->name, "specifiedBy") == 0)
            for (const gql_node_t *a = d->args.first; a; a = a->next)
                if (strcmp(a->name, "url") == 0 && a->value->kind == GQL_STRING)
                    return a->value->str;
    return NULL;
}

static gql_scalar_t scalar_of(const char *name)
{
    static const struct {
        const char *name;
        gql_scalar_t sc;
    } known[] = {
        {"Int", GQL_SC_INT},         {"Float", GQL_SC_FLOAT},   {"String", GQL_SC_STRING},
        {"Boolean", GQL_SC_BOOLEAN}, {"ID", GQL_SC_ID},         {"UInt8", GQL_SC_UINT8},
        {"UInt64", GQL_SC_UINT64},   {"BigInt", GQL_SC_UINT64}, {"JSONObject", GQL_SC_JSONOBJECT}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].name, name) == 0)
            return known[i].sc;
    return GQL_SC_CUSTOM;
}

static bool kind_of(gql_kind_t k, gql_tkind_t *out)
{
    switch (k) {
    case GQL_SCALAR_DEF:
        *out = GQL_KIND_SCALAR;
        return true;
    case GQL_OBJECT_DEF:
        *out = GQL_KIND_OBJECT;
        return true;
    case GQL_INTERFACE_DEF:
        *out = GQL_KIND_INTERFACE;
        return true;
    case GQL_UNION_DEF:
        *out = GQL_KIND_UNION;
        return true;
    case GQL_ENUM_DEF:
        *out = GQL_KIND_ENUM;
        return true;
    case GQL_INPUT_DEF:
        *out = GQL_KIND_INPUT;
        return true;
    default:
        return false;
    }
}

/* Pass 1: one gql_type_t per type definition of both documents, sorted by name. */
static gql_result_t collect_types(build_t *b, const gql_node_t *const docs[2])
{
    gql_schema_t *s = b->s;
    uint32_t cap = 0;
    for (int i = 0; i < 2; i++)
        cap += docs[i]->items.n;
    s->types = arena_alloc(&s->arena, sizeof *s->types * (cap + 1));
    for (int i = 0; i < 2; i++)
        for (const gql_node_t *d = docs[i]->items.first; d; d = d->next) {
            gql_tkind_t k;
            if (d->flags & GQL_F_EXTEND)
                return fail(b, d, "Type extensions are not supported (%s).",
                            d->name ? d->name : "schema");
            if (!kind_of(d->kind, &k))
                continue;
            gql_type_t *t = arena_alloc(&s->arena, sizeof *t);
            memset(t, 0, sizeof *t);
            t->name = d->name;
            t->description = desc_of(d);
            t->kind = k;
            t->node = d;
            t->scalar = k == GQL_KIND_SCALAR ? scalar_of(d->name) : GQL_SC_CUSTOM;
            t->specified_by = specified_by(&d->directives);
            s->types[s->n_types++] = t;
        }
    qsort(s->types, s->n_types, sizeof *s->types, type_cmp);
    for (uint32_t i = 1; i < s->n_types; i++)
        if (strcmp(s->types[i - 1]->name, s->types[i]->name) == 0)
            return fail(b, s->types[i]->node, "There can be only one type named \"%s\".",
                        s->types[i]->name);
    return GQL_OK;
}

static gql_result_t tref(build_t *b, const gql_node_t *n, bool input, const gql_tref_t **out)
{
    *out = gql_tref_from_ast(b->s, n, &b->s->arena);
    if (!*out) {
        const gql_node_t *base = n;
        while (base->kind != GQL_NAMED_TYPE)
            base = base->type;
        return fail(b, n, "Unknown type \"%s\".", base->name);
    }
    const gql_type_t *t = (*out)->named;
    if (input != gql_type_input_kind(t) && t->kind != GQL_KIND_SCALAR && t->kind != GQL_KIND_ENUM)
        return fail(b, n, "The type \"%s\" is not an %s type.", t->name,
                    input ? "input" : "output");
    return GQL_OK;
}

static gql_result_t input_values(build_t *b, const gql_list_t *defs, gql_ivalue_t **out,
                                 uint32_t *n)
{
    *n = 0;
    *out = arena_alloc(&b->s->arena, sizeof **out * (defs->n + 1));
    for (const gql_node_t *a = defs->first; a; a = a->next) {
        gql_ivalue_t *v = &(*out)[(*n)++];
        v->name = a->name;
        v->description = desc_of(a);
        v->def = a->value;
        v->deprecated = deprecation(&a->directives);
        gql_result_t rc = tref(b, a->type, true, &v->type);
        if (rc != GQL_OK)
            return rc;
    }
    return GQL_OK;
}

static gql_result_t object_fields(build_t *b, gql_type_t *t)
{
    const gql_list_t *defs = &t->node->items;
    t->fields = arena_alloc(&b->s->arena, sizeof *t->fields * (defs->n + 1));
    t->fields_sorted = arena_alloc(&b->s->arena, sizeof *t->fields_sorted * (defs->n + 1));
    for (const gql_node_t *f = defs->first; f; f = f->next) {
        gql_fdef_t *fd = &t->fields[t->n_fields];
        memset(fd, 0, sizeof *fd);
        fd->name = f->name;
        fd->description = desc_of(f);
        fd->deprecated = deprecation(&f->directives);
        gql_result_t rc = tref(b, f->type, false, &fd->type);
        if (rc == GQL_OK)
            rc = input_values(b, &f->args, &fd->args, &fd->n_args);
        if (rc != GQL_OK)
            return rc;
        t->fields_sorted[t->n_fields++] = fd;
    }
    qsort(t->fields_sorted, t->n_fields, sizeof *t->fields_sorted, field_cmp);
    for (uint32_t i = 1; i < t->n_fields; i++)
        if (strcmp(t->fields_sorted[i - 1]->name, t->fields_sorted[i]->name) == 0)
            return fail(b, t->node, "Field \"%s.%s\" can only be defined once.", t->name,
                        t->fields_sorted[i]->name);
    t->ifaces = arena_alloc(&b->s->arena, sizeof *t->ifaces * (t->node->ifaces.n + 1));
    for (const gql_node_t *i = t->node->ifaces.first; i; i = i->next) {
        const gql_type_t *it = gql_schema_type(b->s, i->name);
        if (!it || it->kind != GQL_KIND_INTERFACE)
            return fail(b, i,
                        "Type \"%s\" must only implement Interface types, it cannot "
                        "implement %s.",
                        t->name, i->name);
        t->ifaces[t->n_ifaces++] = it;
    }
    return GQL_OK;
}

static gql_result_t input_fields(build_t *b, gql_type_t *t)
{
    gql_result_t rc = input_values(b, &t->node->items, &t->inputs, &t->n_inputs);
    if (rc != GQL_OK)
        return rc;
    t->inputs_sorted = arena_alloc(&b->s->arena, sizeof *t->inputs_sorted * (t->n_inputs + 1));
    for (uint32_t i = 0; i < t->n_inputs; i++)
        t->inputs_sorted[i] = &t->inputs[i];
    qsort(t->inputs_sorted, t->n_inputs, sizeof *t->inputs_sorted, ivalue_cmp);
    for (uint32_t i = 1; i < t->n_inputs; i++)
        if (strcmp(t->inputs_sorted[i - 1]->name, t->inputs_sorted[i]->name) == 0)
            return fail(b, t->node, "Input field \"%s.%s\" can only be defined once.", t->name,
                        t->inputs_sorted[i]->name);
    return GQL_OK;
}

static void enum_values(build_t *b, gql_type_t *t)
{
    const gql_list_t *defs = &t->node->items;
    t->values = arena_alloc(&b->s->arena, sizeof *t->values * (defs->n + 1));
    for (const gql_node_t *v = defs->first; v; v = v->next) {
        gql_evalue_t *ev = &t->values[t->n_values++];
        ev->name = v->name;
        ev->description = desc_of(v);
        ev->deprecated = deprecation(&v->directives);
    }
}

static gql_result_t union_members(build_t *b, gql_type_t *t)
{
    const gql_list_t *defs = &t->node->items;
    t->possible = arena_alloc(&b->s->arena, sizeof *t->possible * (defs->n + 1));
    for (const gql_node_t *m = defs->first; m; m = m->next) {
        const gql_type_t *mt = gql_schema_type(b->s, m->name);
        if (!mt || mt->kind != GQL_KIND_OBJECT)
            return fail(b, m,
                        "Union type \"%s\" can only include Object types, it cannot "
                        "include %s.",
                        t->name, m->name);
        t->possible[t->n_possible++] = mt;
    }
    return GQL_OK;
}

/* Pass 2: fields, arguments, input fields, enum values and union members. */
static gql_result_t fill_types(build_t *b)
{
    for (uint32_t i = 0; i < b->s->n_types; i++) {
        gql_type_t *t = b->s->types[i];
        gql_result_t rc = GQL_OK;
        if (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE)
            rc = object_fields(b, t);
        else if (t->kind == GQL_KIND_INPUT)
            rc = input_fields(b, t);
        else if (t->kind == GQL_KIND_ENUM)
            enum_values(b, t);
        else if (t->kind == GQL_KIND_UNION)
            rc = union_members(b, t);
        if (rc != GQL_OK)
            return rc;
    }
    return GQL_OK;
}

/* Pass 3: each interface's possible types, the object types that implement it. */
static void link_interfaces(build_t *b)
{
    gql_schema_t *s = b->s;
    for (uint32_t i = 0; i < s->n_types; i++) {
        gql_type_t *it = s->types[i];
        if (it->kind != GQL_KIND_INTERFACE)
            continue;
        it->possible = arena_alloc(&s->arena, sizeof *it->possible * (s->n_types + 1));
        for (uint32_t j = 0; j < s->n_types; j++) {
            const gql_type_t *o = s->types[j];
            if (o->kind != GQL_KIND_OBJECT)
                continue;
            for (uint32_t k = 0; k < o->n_ifaces; k++)
                if (o->ifaces[k] == it)
                    it->possible[it->n_possible++] = o;
        }
    }
}

static gql_result_t directives(build_t *b, const gql_node_t *const docs[2])
{
    gql_schema_t *s = b->s;
    uint32_t cap = docs[0]->items.n + docs[1]->items.n;
    s->dirs = arena_alloc(&s->arena, sizeof *s->dirs * (cap + 1));
    for (int i = 0; i < 2; i++)
        for (const gql_node_t *d = docs[i]->items.first; d; d = d->next) {
            if (d->kind != GQL_DIRECTIVE_DEF)
                continue;
            if (gql_schema_directive(s, d->name))
                return fail(b, d, "There can be only one directive named \"@%s\".", d->name);
            gql_ddef_t *dd = &s->dirs[s->n_dirs++];
            memset(dd, 0, sizeof *dd);
            dd->name = d->name;
            dd->description = desc_of(d);
            dd->repeatable = (d->flags & GQL_F_REPEATABLE) != 0;
            dd->locations = arena_alloc(&s->arena, sizeof *dd->locations * (d->items.n + 1));
            for (const gql_node_t *l = d->items.first; l; l = l->next)
                dd->locations[dd->n_locations++] = l->name;
            gql_result_t rc = input_values(b, &d->args, &dd->args, &dd->n_args);
            if (rc != GQL_OK)
                return rc;
        }
    return GQL_OK;
}

static bool args_use(const gql_ivalue_t *a, uint32_t n, const gql_type_t *t)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].type->named == t)
            return true;
    return false;
}

static bool type_used(const gql_schema_t *s, const gql_type_t *t)
{
    for (uint32_t i = 0; i < s->n_types; i++) {
        const gql_type_t *u = s->types[i];
        for (uint32_t k = 0; k < u->n_fields; k++)
            if (u->fields[k].type->named == t ||
                args_use(u->fields[k].args, u->fields[k].n_args, t))
                return true;
        if (args_use(u->inputs, u->n_inputs, t))
            return true;
    }
    for (uint32_t i = 0; i < s->n_dirs; i++)
        if (args_use(s->dirs[i].args, s->dirs[i].n_args, t))
            return true;
    return false;
}

/* graphql-js keeps a built-in scalar in the schema only when something refers to it, so an
 * SDL that never says Float has no Float type (introspection and validation alike). */
static void drop_unused_scalars(gql_schema_t *s)
{
    static const char *const builtin[] = {"Int", "Float", "String", "Boolean", "ID"};
    for (size_t b = 0; b < sizeof builtin / sizeof builtin[0]; b++) {
        const gql_type_t *st = gql_schema_type(s, builtin[b]);
        if (!st || type_used(s, st))
            continue;
        uint32_t j = 0;
        for (uint32_t i = 0; i < s->n_types; i++)
            if (s->types[i] != st)
                s->types[j++] = s->types[i];
        s->n_types = j;
    }
}

static gql_result_t root_types(build_t *b, const gql_node_t *doc)
{
    gql_schema_t *s = b->s;
    const gql_node_t *def = NULL;
    for (const gql_node_t *d = doc->items.first; d; d = d->next)
        if (d->kind == GQL_SCHEMA_DEF)
            def = d;
    if (!def) {
        s->query = gql_schema_type(s, "Query");
        s->mutation = gql_schema_type(s, "Mutation");
        s->subscription = gql_schema_type(s, "Subscription");
    } else {
        s->description = desc_of(def);
        for (const gql_node_t *o = def->items.first; o; o = o->next) {
            const gql_type_t *t = gql_schema_type(s, o->type->name);
            if (!t || t->kind != GQL_KIND_OBJECT)
                return fail(b, o, "Unknown root type \"%s\".", o->type->name);
            if (o->op == GQL_OP_QUERY)
                s->query = t;
            else if (o->op == GQL_OP_MUTATION)
                s->mutation = t;
            else
                s->subscription = t;
        }
    }
    if (!s->query || s->query->kind != GQL_KIND_OBJECT)
        return fail(b, NULL, "Query root type must be provided.");
    return GQL_OK;
}

/* An interface's resolver serves every implementation that has none of its own. */
static void bind_implementations(const gql_type_t *it, const char *field, gql_resolver_fn fn)
{
    for (uint32_t i = 0; i < it->n_possible; i++) {
        gql_fdef_t *f = (gql_fdef_t *)gql_type_field(it->possible[i], field);
        if (f && !f->fn)
            f->fn = fn;
    }
}

static gql_result_t bind(build_t *b, const gql_resolver_t *r, size_t n)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            ASSERT(r[i].type && r[i].field && r[i].fn);
            gql_type_t *t = (gql_type_t *)gql_schema_type(b->s, r[i].type);
            if (!t || (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE) ||
                strncmp(t->name, "__", 2) == 0)
                return fail(b, NULL, "A resolver names type \"%s\", which the schema lacks.",
                            r[i].type);
            gql_fdef_t *f = (gql_fdef_t *)gql_type_field(t, r[i].field);
            if (!f)
                return fail(b, NULL, "A resolver names field \"%s.%s\", which the schema lacks.",
                            r[i].type, r[i].field);
            if (pass == 0 && t->kind == GQL_KIND_OBJECT)
                f->fn = r[i].fn;
            else if (pass == 1 && t->kind == GQL_KIND_INTERFACE)
                bind_implementations(t, r[i].field, r[i].fn);
        }
    return GQL_OK;
}

static void meta_fields(gql_schema_t *s)
{
    const gql_type_t *st = gql_schema_type(s, "__Schema"), *tt = gql_schema_type(s, "__Type");
    s->t_string = gql_schema_type(s, "String");
    s->t_boolean = gql_schema_type(s, "Boolean");
    gql_tref_t *r = arena_alloc(&s->arena, sizeof *r * 5);
    r[0] = (gql_tref_t){GQL_REF_NAMED, NULL, st};
    r[1] = (gql_tref_t){GQL_REF_NON_NULL, &r[0], st};
    r[2] = (gql_tref_t){GQL_REF_NAMED, NULL, tt};
    r[3] = (gql_tref_t){GQL_REF_NAMED, NULL, s->t_string};
    r[4] = (gql_tref_t){GQL_REF_NON_NULL, &r[3], s->t_string};
    s->schema_field = (gql_fdef_t){.name = "__schema", .type = &r[1]};
    gql_ivalue_t *arg = arena_alloc(&s->arena, sizeof *arg);
    *arg = (gql_ivalue_t){.name = "name", .type = &r[4]};
    s->type_field = (gql_fdef_t){.name = "__type", .type = &r[2], .args = arg, .n_args = 1};
    s->typename_field = (gql_fdef_t){.name = "__typename", .type = &r[4]};
}

gql_result_t gql_schema_build(const uint8_t *sdl, size_t len, const gql_resolver_t *resolvers,
                              size_t n_resolvers, gql_schema_t **out, gql_err_t *err)
{
    gql_schema_t *s = xcalloc(1, sizeof *s);
    arena_init(&s->arena, 64 * 1024);
    gql_doc_cache_init(&s->docs);
    build_t b = {s, err};
    gql_node_t *docs[2];
    *out = NULL;
    gql_result_t rc =
        gql_parse((const uint8_t *)prelude, sizeof prelude - 1, &s->arena, &docs[0], err);
    ASSERT(rc == GQL_OK);
    rc = gql_parse(sdl, len, &s->arena, &docs[1], err);
    if (rc == GQL_OK)
        rc = collect_types(&b, (const gql_node_t *const *)docs);
    if (rc == GQL_OK)
        rc = fill_types(&b);
    if (rc == GQL_OK) {
        link_interfaces(&b);
        rc = directives(&b, (const gql_node_t *const *)docs);
    }
    if (rc == GQL_OK) {
        drop_unused_scalars(s);
        rc = root_types(&b, docs[1]);
    }
    if (rc == GQL_OK)
        rc = bind(&b, resolvers, n_resolvers);
    if (rc != GQL_OK) {
        gql_schema_free(s);
        return rc;
    }
    meta_fields(s);
    *out = s;
    return GQL_OK;
}

void gql_schema_free(gql_schema_t *schema)
{
    if (!schema)
        return;
    gql_doc_cache_free(&schema->docs);
    arena_free(&schema->arena);
    free(schema);
}
