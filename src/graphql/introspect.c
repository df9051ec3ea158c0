/*
 * Introspection: __schema and __type(name:) answered from the schema index as graphql-js's
 * introspection types describe it, so getIntrospectionQuery() and buildClientSchema see the
 * schema the SDL defines. A named __Type value is {"__ref": name} and its fields are read
 * from the index when asked for; wrapper types (LIST, NON_NULL), fields, arguments, enum
 * values and directives are plain JSON objects the default resolution reads. Default values
 * are printed as graphql-js prints them.
 */
#include <string.h>

#include "base/slice.h"
#include "graphql/engine.h"
#include "graphql/print.h"

static json_t *type_ref(const gql_tref_t *r)
{
    if (r->wrap == GQL_REF_NAMED)
        return json_pack("{s:s}", "__ref", r->named->name);
    return json_pack("{s:s,s:o}", "kind", r->wrap == GQL_REF_LIST ? "LIST" : "NON_NULL", "ofType",
                     type_ref(r->of));
}

static json_t *named_ref(const gql_type_t *t)
{
    return t ? json_pack("{s:s}", "__ref", t->name) : json_null();
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static void deprecation(json_t *o, const char *reason)
{
    json_object_set_new(o, "isDeprecated", json_boolean(reason != NULL));
    json_object_set_new(o, "deprecationReason", str_or_null(reason));
}

static gql_node_t *new_node(gql_exec_t *ex, gql_kind_t kind, const char *str)
{
    gql_node_t *n = arena_alloc(&ex->arena, sizeof *n);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->str = str;
    n->len = str ? strlen(str) : 0;
    return n;
}

static bool is_int_text(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        return s[1] == '\0';
    if (*s < '1' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

static gql_node_t *ast_of(gql_exec_t *ex, const gql_tref_t *t, const json_t *v, unsigned depth);

static gql_node_t *ast_input_object(gql_exec_t *ex, const gql_type_t *t, const json_t *v,
                                    unsigned depth)
{
    gql_node_t *o = new_node(ex, GQL_OBJECT, NULL);
    for (uint32_t i = 0; i < t->n_inputs; i++) {
        json_t *m = json_object_get(v, t->inputs[i].name);
        if (!m)
            continue;
        gql_node_t *a = new_node(ex, GQL_ARGUMENT, NULL);
        a->name = t->inputs[i].name;
        a->value = ast_of(ex, t->inputs[i].type, m, depth + 1);
        gql_list_push(&o->items, a);
    }
    return o;
}

/* graphql-js's astFromValue: a coerced input value as the literal that prints it. */
static gql_node_t *ast_of(gql_exec_t *ex, const gql_tref_t *t, const json_t *v, unsigned depth)
{
    if (t->wrap == GQL_REF_NON_NULL)
        return ast_of(ex, t->of, v, depth + 1);
    if (json_is_null(v) || depth > GQL_DEPTH_MAX)
        return new_node(ex, GQL_NULL, NULL);
    if (t->wrap == GQL_REF_LIST) {
        if (!json_is_array(v))
            return ast_of(ex, t->of, v, depth + 1);
        gql_node_t *l = new_node(ex, GQL_LIST, NULL);
        for (size_t i = 0; i < json_array_size(v); i++)
            gql_list_push(&l->items, ast_of(ex, t->of, json_array_get(v, i), depth + 1));
        return l;
    }
    const gql_type_t *nt = t->named;
    if (nt->kind == GQL_KIND_INPUT && json_is_object(v))
        return ast_input_object(ex, nt, v, depth);
    if (json_is_boolean(v))
        return new_node(ex, GQL_BOOLEAN, json_is_true(v) ? "true" : "false");
    if (json_is_number(v)) {
        char num[64];
        json_t *s = gql_serialize_leaf(ex->schema->t_string, (json_t *)v, NULL);
        snprintf(num, sizeof num, "%s", s ? json_string_value(s) : "0");
        json_decref(s);
        return new_node(ex, is_int_text(num) ? GQL_INT : GQL_FLOAT,
                        arena_strndup(&ex->arena, num, strlen(num)));
    }
    if (json_is_string(v)) {
        const char *str = arena_strndup(&ex->arena, json_string_value(v), json_string_length(v));
        if (nt->kind == GQL_KIND_ENUM)
            return new_node(ex, GQL_ENUM, str);
        if (nt->scalar == GQL_SC_ID && is_int_text(str))
            return new_node(ex, GQL_INT, str);
        gql_node_t *n = new_node(ex, GQL_STRING, str);
        n->len = json_string_length(v);
        return n;
    }
    return new_node(ex, GQL_NULL, NULL);
}

static json_t *default_value(gql_exec_t *ex, const gql_ivalue_t *iv)
{
    if (!iv->def)
        return json_null();
    json_t *c = gql_value_from_ast(ex, iv->type, iv->def, NULL);
    const gql_node_t *n = c ? ast_of(ex, iv->type, c, 0) : iv->def;
    buf_t b;
    buf_init(&b, GQL_DOCUMENT_MAX);
    gql_print(n, &b);
    json_t *s = json_stringn((const char *)b.ptr, b.len);
    buf_free(&b);
    json_decref(c);
    return s;
}

static json_t *input_value(gql_exec_t *ex, const gql_ivalue_t *v)
{
    json_t *o =
        json_pack("{s:s,s:o,s:o,s:o}", "name", v->name, "description", str_or_null(v->description),
                  "type", type_ref(v->type), "defaultValue", default_value(ex, v));
    deprecation(o, v->deprecated);
    return o;
}

static json_t *input_values(gql_exec_t *ex, const gql_ivalue_t *v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, input_value(ex, &v[i]));
    return a;
}

static json_t *field_value(gql_exec_t *ex, const gql_fdef_t *f)
{
    json_t *o =
        json_pack("{s:s,s:o,s:o,s:o}", "name", f->name, "description", str_or_null(f->description),
                  "args", input_values(ex, f->args, f->n_args), "type", type_ref(f->type));
    deprecation(o, f->deprecated);
    return o;
}

static json_t *directive_value(gql_exec_t *ex, const gql_ddef_t *d)
{
    json_t *locs = json_array();
    for (uint32_t i = 0; i < d->n_locations; i++)
        json_array_append_new(locs, json_string(d->locations[i]));
    return json_pack("{s:s,s:o,s:b,s:o,s:o}", "name", d->name, "description",
                     str_or_null(d->description), "isRepeatable", d->repeatable, "locations", locs,
                     "args", input_values(ex, d->args, d->n_args));
}

static const char *kind_name(gql_tkind_t k)
{
    static const char *const names[] = {"SCALAR", "OBJECT", "INTERFACE",
                                        "UNION",  "ENUM",   "INPUT_OBJECT"};
    return names[k];
}

/* Drops deprecated items from a (new) array unless the arguments ask for them. */
static json_t *filter_deprecated(json_t *items, const json_t *args)
{
    if (json_is_true(json_object_get(args, "includeDeprecated")) || !json_is_array(items))
        return items;
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        if (!json_is_true(json_object_get(it, "isDeprecated")))
            json_array_append(out, it);
    }
    json_decref(items);
    return out;
}

static json_t *type_list(const gql_type_t *const *ts, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, named_ref(ts[i]));
    return a;
}

static json_t *type_fields(gql_exec_t *ex, const gql_type_t *t)
{
    if (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE)
        return json_null();
    json_t *a = json_array();
    for (uint32_t i = 0; i < t->n_fields; i++)
        json_array_append_new(a, field_value(ex, &t->fields[i]));
    return a;
}

static json_t *enum_values(const gql_type_t *t)
{
    if (t->kind != GQL_KIND_ENUM)
        return json_null();
    json_t *a = json_array();
    for (uint32_t i = 0; i < t->n_values; i++) {
        const gql_evalue_t *v = &t->values[i];
        json_t *o =
            json_pack("{s:s,s:o}", "name", v->name, "description", str_or_null(v->description));
        deprecation(o, v->deprecated);
        json_array_append_new(a, o);
    }
    return a;
}

static bool one_of(const gql_type_t *t)
{
    for (const gql_node_t *d = t->node->directives.first; d; d = d->next)
        if (strcmp(d->name, "oneOf") == 0)
            return true;
    return false;
}

/* A field of a named __Type. */
static json_t *named_type_field(gql_exec_t *ex, const gql_type_t *t, const char *f,
                                const json_t *args)
{
    if (strcmp(f, "kind") == 0)
        return json_string(kind_name(t->kind));
    if (strcmp(f, "name") == 0)
        return json_string(t->name);
    if (strcmp(f, "description") == 0)
        return str_or_null(t->description);
    if (strcmp(f, "specifiedByURL") == 0)
        return str_or_null(t->specified_by);
    if (strcmp(f, "fields") == 0)
        return filter_deprecated(type_fields(ex, t), args);
    if (strcmp(f, "interfaces") == 0)
        return t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE
                   ? type_list(t->ifaces, t->n_ifaces)
                   : json_null();
    if (strcmp(f, "possibleTypes") == 0)
        return gql_type_abstract(t) ? type_list(t->possible, t->n_possible) : json_null();
    if (strcmp(f, "enumValues") == 0)
        return filter_deprecated(enum_values(t), args);
    if (strcmp(f, "isOneOf") == 0)
        return t->kind == GQL_KIND_INPUT ? json_boolean(one_of(t)) : json_null();
    if (strcmp(f, "inputFields") == 0)
        return t->kind == GQL_KIND_INPUT
                   ? filter_deprecated(input_values(ex, t->inputs, t->n_inputs), args)
                   : json_null();
    return json_null();
}

static json_t *schema_field(gql_exec_t *ex, const char *f)
{
    const gql_schema_t *s = ex->schema;
    if (strcmp(f, "description") == 0)
        return str_or_null(s->description);
    if (strcmp(f, "types") == 0)
        return type_list((const gql_type_t *const *)s->types, s->n_types);
    if (strcmp(f, "queryType") == 0)
        return named_ref(s->query);
    if (strcmp(f, "mutationType") == 0)
        return named_ref(s->mutation);
    if (strcmp(f, "subscriptionType") == 0)
        return named_ref(s->subscription);
    if (strcmp(f, "directives") == 0) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < s->n_dirs; i++)
            json_array_append_new(a, directive_value(ex, &s->dirs[i]));
        return a;
    }
    return json_null();
}

json_t *gql_introspect_root(gql_exec_t *ex, const gql_fdef_t *fd, const gql_node_t *field)
{
    if (fd == &ex->schema->schema_field)
        return json_object();
    json_t *args = NULL;
    gql_msg_t msg;
    if (!gql_coerce_args(ex, fd->args, fd->n_args, &field->args, &args, &msg))
        return json_null();
    const char *name = json_string_value(json_object_get(args, "name"));
    const gql_type_t *t = name ? gql_schema_type(ex->schema, name) : NULL;
    json_decref(args);
    return named_ref(t);
}

json_t *gql_introspect_field(gql_exec_t *ex, const gql_type_t *t, const gql_fdef_t *fd,
                             json_t *parent, json_t *args)
{
    if (strcmp(t->name, "__Schema") == 0)
        return schema_field(ex, fd->name);
    const char *ref = json_string_value(json_object_get(parent, "__ref"));
    if (strcmp(t->name, "__Type") == 0 && ref) {
        const gql_type_t *nt = gql_schema_type(ex->schema, ref);
        return nt ? named_type_field(ex, nt, fd->name, args) : json_null();
    }
    json_t *m = parent ? json_object_get(parent, fd->name) : NULL;
    if (!m)
        return json_null();
    if (strcmp(fd->name, "args") == 0)
        return filter_deprecated(json_deep_copy(m), args);
    return json_incref(m);
}
