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

static json_t *default_value(const gql_node_t *def)
{
    if (!def)
        return json_null();
    buf_t b;
    buf_init(&b, GQL_DOCUMENT_MAX);
    gql_print(def, &b);
    json_t *s = json_stringn((const char *)b.ptr, b.len);
    buf_free(&b);
    return s;
}

static json_t *input_value(const gql_ivalue_t *v)
{
    json_t *o =
        json_pack("{s:s,s:o,s:o,s:o}", "name", v->name, "description", str_or_null(v->description),
                  "type", type_ref(v->type), "defaultValue", default_value(v->def));
    deprecation(o, v->deprecated);
    return o;
}

static json_t *input_values(const gql_ivalue_t *v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, input_value(&v[i]));
    return a;
}

static json_t *field_value(const gql_fdef_t *f)
{
    json_t *o =
        json_pack("{s:s,s:o,s:o,s:o}", "name", f->name, "description", str_or_null(f->description),
                  "args", input_values(f->args, f->n_args), "type", type_ref(f->type));
    deprecation(o, f->deprecated);
    return o;
}

static json_t *directive_value(const gql_ddef_t *d)
{
    json_t *locs = json_array();
    for (uint32_t i = 0; i < d->n_locations; i++)
        json_array_append_new(locs, json_string(d->locations[i]));
    return json_pack("{s:s,s:o,s:b,s:o,s:o}", "name", d->name, "description",
                     str_or_null(d->description), "isRepeatable", d->repeatable, "locations", locs,
                     "args", input_values(d->args, d->n_args));
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

static json_t *type_fields(const gql_type_t *t)
{
    if (t->kind != GQL_KIND_OBJECT && t->kind != GQL_KIND_INTERFACE)
        return json_null();
    json_t *a = json_array();
    for (uint32_t i = 0; i < t->n_fields; i++)
        json_array_append_new(a, field_value(&t->fields[i]));
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

/* A field of a named __Type. */
static json_t *named_type_field(const gql_type_t *t, const char *f, const json_t *args)
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
        return filter_deprecated(type_fields(t), args);
    if (strcmp(f, "interfaces") == 0)
        return t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE
                   ? type_list(t->ifaces, t->n_ifaces)
                   : json_null();
    if (strcmp(f, "possibleTypes") == 0)
        return gql_type_abstract(t) ? type_list(t->possible, t->n_possible) : json_null();
    if (strcmp(f, "enumValues") == 0)
        return filter_deprecated(enum_values(t), args);
    if (strcmp(f, "inputFields") == 0)
        return t->kind == GQL_KIND_INPUT
                   ? filter_deprecated(input_values(t->inputs, t->n_inputs), args)
                   : json_null();
    return json_null();
}

static json_t *schema_field(const gql_schema_t *s, const char *f)
{
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
            json_array_append_new(a, directive_value(&s->dirs[i]));
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
        return schema_field(ex->schema, fd->name);
    const char *ref = json_string_value(json_object_get(parent, "__ref"));
    if (strcmp(t->name, "__Type") == 0 && ref) {
        const gql_type_t *nt = gql_schema_type(ex->schema, ref);
        return nt ? named_type_field(nt, fd->name, args) : json_null();
    }
    json_t *m = parent ? json_object_get(parent, fd->name) : NULL;
    if (!m)
        return json_null();
    if (strcmp(fd->name, "args") == 0)
        return filter_deprecated(json_deep_copy(m), args);
    return json_incref(m);
}
