/*
 * Execution of one request (exec.h): parse, validate, check limits, pick the operation,
 * coerce variables, then run the selection as graphql-js's execute() does: fields collected
 * and merged by response key (fragments spread, @skip/@include applied, type conditions
 * matched against the runtime type), resolvers called or the parent's member read, values
 * completed against their types with nulls propagated to the nearest nullable parent and
 * each error recorded once with its path. Completion recurses along the selection, which
 * the limits check holds to depth_max (at most GQL_DEPTH_MAX) before anything runs; fragment
 * spreads are expanded on an explicit stack with a visited mark per fragment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/mem.h"
#include "graphql/engine.h"

typedef struct fnode {
    const gql_node_t *n;
    struct fnode *next;
} fnode_t;

typedef struct groups groups_t;

typedef struct {
    const char *key;
    fnode_t *first, *last;
    const gql_type_t *sub_type; /* the runtime type sub was collected for */
    groups_t *sub;
} group_t;

struct groups {
    group_t *g;
    uint32_t n, cap;
    uint32_t *slots; /* past a few keys: index + 1 by hash of the key, 0 empty */
    uint32_t n_slots;
};

/* What a field produced: a value, a null to propagate (NULL), or nothing (unknown field). */
static json_t skip_marker;
#define SKIP (&skip_marker)

static int frag_cmp(const void *a, const void *b)
{
    return strcmp((*(const gql_node_t *const *)a)->name, (*(const gql_node_t *const *)b)->name);
}

static void field_error(gql_exec_t *ex, const group_t *g, const char *message, const char *code)
{
    json_t *e = json_object();
    json_object_set_new(e, "message", gql_message_json(message));
    json_t *locs = json_array();
    for (const fnode_t *f = g->first; f; f = f->next)
        json_array_append_new(locs, gql_location_json(f->n));
    json_object_set_new(e, "locations", locs);
    json_object_set_new(e, "path", gql_path_json(ex));
    json_object_set_new(e, "extensions",
                        json_pack("{s:s}", "code", code ? code : "INTERNAL_SERVER_ERROR"));
    json_array_append_new(ex->errors, e);
}

static void path_push(gql_exec_t *ex, const char *key, size_t index)
{
    if (ex->path_n == ex->path_cap) {
        ex->path_cap = ex->path_cap ? ex->path_cap * 2 : 32;
        ex->path = xrealloc(ex->path, ex->path_cap * sizeof *ex->path);
    }
    ex->path[ex->path_n++] = (gql_pseg_t){key, index};
}

/* ---- collecting fields ---- */

static uint32_t key_hash(const char *k)
{
    uint32_t h = 2166136261u;
    for (; *k; k++)
        h = (h ^ (uint8_t)*k) * 16777619u;
    return h;
}

static void slots_rebuild(gql_exec_t *ex, groups_t *gs)
{
    gs->n_slots = 64;
    while (gs->n_slots < 4 * gs->cap)
        gs->n_slots *= 2;
    gs->slots = arena_alloc(&ex->arena, gs->n_slots * sizeof *gs->slots);
    memset(gs->slots, 0, gs->n_slots * sizeof *gs->slots);
    for (uint32_t i = 0; i < gs->n; i++) {
        uint32_t h = key_hash(gs->g[i].key) & (gs->n_slots - 1);
        while (gs->slots[h])
            h = (h + 1) & (gs->n_slots - 1);
        gs->slots[h] = i + 1;
    }
}

/* The group of a response key: a linear look for a few keys, a hash table past that. */
static group_t *group_find(const groups_t *gs, const char *key, uint32_t *slot)
{
    if (!gs->slots) {
        for (uint32_t i = 0; i < gs->n; i++)
            if (strcmp(gs->g[i].key, key) == 0)
                return &gs->g[i];
        return NULL;
    }
    uint32_t h = key_hash(key) & (gs->n_slots - 1);
    while (gs->slots[h]) {
        if (strcmp(gs->g[gs->slots[h] - 1].key, key) == 0)
            return &gs->g[gs->slots[h] - 1];
        h = (h + 1) & (gs->n_slots - 1);
    }
    *slot = h;
    return NULL;
}

static group_t *group_for(gql_exec_t *ex, groups_t *gs, const char *key)
{
    uint32_t slot = 0;
    group_t *found = group_find(gs, key, &slot);
    if (found)
        return found;
    if (gs->n == gs->cap) {
        uint32_t cap = gs->cap ? gs->cap * 2 : 8;
        group_t *g = arena_alloc(&ex->arena, cap * sizeof *g);
        if (gs->n)
            memcpy(g, gs->g, gs->n * sizeof *g);
        gs->g = g;
        gs->cap = cap;
        if (cap > 16) {
            slots_rebuild(ex, gs);
            group_find(gs, key, &slot);
        }
    }
    group_t *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->key = key;
    if (gs->slots)
        gs->slots[slot] = gs->n;
    return g;
}

static void group_add(gql_exec_t *ex, groups_t *gs, const gql_node_t *field)
{
    group_t *g = group_for(ex, gs, field->alias ? field->alias : field->name);
    fnode_t *f = arena_alloc(&ex->arena, sizeof *f);
    f->n = field;
    f->next = NULL;
    if (g->last)
        g->last->next = f;
    else
        g->first = f;
    g->last = f;
}

static bool condition_applies(const gql_exec_t *ex, const gql_node_t *cond, const gql_type_t *t)
{
    if (!cond)
        return true;
    const gql_type_t *c = gql_schema_type(ex->schema, cond->name);
    if (!c)
        return false;
    return c == t || (gql_type_abstract(c) && gql_type_possible(c, t));
}

static void stack_push(gql_exec_t *ex, size_t *sp, const gql_node_t *n)
{
    if (*sp == ex->stack_cap) {
        ex->stack_cap = ex->stack_cap ? ex->stack_cap * 2 : 64;
        ex->stack = xrealloc(ex->stack, ex->stack_cap * sizeof *ex->stack);
    }
    ex->stack[(*sp)++] = n;
}

/* Adds the fields of the selection set starting at first, for runtime type t, to gs.
 * visited holds one mark per fragment (index into ex->frags), shared by a field's nodes. */
static void collect(gql_exec_t *ex, const gql_type_t *t, const gql_node_t *first, groups_t *gs,
                    bool *visited)
{
    size_t sp = 0;
    stack_push(ex, &sp, first);
    while (sp > 0) {
        const gql_node_t *s = ex->stack[sp - 1];
        if (!s) {
            sp--;
            continue;
        }
        ex->stack[sp - 1] = s->next;
        if (!gql_should_include(ex, &s->directives))
            continue;
        if (s->kind == GQL_FIELD) {
            group_add(ex, gs, s);
        } else if (s->kind == GQL_INLINE_FRAGMENT) {
            if (condition_applies(ex, s->type, t))
                stack_push(ex, &sp, s->sel.first);
        } else if (s->kind == GQL_FRAGMENT_SPREAD) {
            const gql_node_t *f = gql_fragment(ex, s->name);
            if (!f)
                continue;
            size_t i = gql_fragment_index(ex, s->name);
            if (visited[i])
                continue;
            visited[i] = true;
            if (condition_applies(ex, f->type, t))
                stack_push(ex, &sp, f->sel.first);
        }
    }
}

static bool *visited_new(gql_exec_t *ex)
{
    bool *v = arena_alloc(&ex->arena, ex->n_frags + 1);
    memset(v, 0, ex->n_frags + 1);
    return v;
}

/* The merged sub-selection of a field group for runtime type t (cached per group). */
static const groups_t *subfields(gql_exec_t *ex, group_t *g, const gql_type_t *t)
{
    if (g->sub && g->sub_type == t)
        return g->sub;
    groups_t *gs = arena_alloc(&ex->arena, sizeof *gs);
    memset(gs, 0, sizeof *gs);
    bool *visited = visited_new(ex);
    for (const fnode_t *f = g->first; f; f = f->next)
        if (f->n->sel.first)
            collect(ex, t, f->n->sel.first, gs, visited);
    g->sub = gs;
    g->sub_type = t;
    return gs;
}

/* ---- executing ---- */

static json_t *exec_fields(gql_exec_t *ex, const gql_type_t *t, json_t *value, const groups_t *gs,
                           bool serial);

static json_t *complete(gql_exec_t *ex, const gql_tref_t *r, group_t *g, const gql_type_t *pt,
                        json_t *v);

static json_t *complete_list(gql_exec_t *ex, const gql_tref_t *r, group_t *g, const gql_type_t *pt,
                             json_t *v)
{
    char msg[512];
    if (!json_is_array(v)) {
        snprintf(msg, sizeof msg, "Expected Iterable, but did not find one for field \"%s.%s\".",
                 pt->name, g->first->n->name);
        field_error(ex, g, msg, NULL);
        return NULL;
    }
    json_t *out = json_array();
    for (size_t i = 0; i < json_array_size(v); i++) {
        path_push(ex, NULL, i);
        json_t *c = complete(ex, r->of, g, pt, json_array_get(v, i));
        ex->path_n--;
        if (!c) {
            if (r->of->wrap == GQL_REF_NON_NULL) {
                json_decref(out);
                return NULL;
            }
            c = json_null();
        }
        json_array_append_new(out, c);
    }
    return out;
}

/* The object type of an abstract value, from its "__typename" member; NULL after an error. */
static const gql_type_t *runtime_type(gql_exec_t *ex, const gql_type_t *at, group_t *g,
                                      const gql_type_t *pt, json_t *v)
{
    char msg[700];
    const char *name = json_string_value(json_object_get(v, "__typename"));
    if (!name) {
        snprintf(msg, sizeof msg,
                 "Abstract type \"%s\" must resolve to an Object type at runtime for field "
                 "\"%s.%s\". Either the \"%s\" type should provide a \"resolveType\" function or "
                 "each possible type should provide an \"isTypeOf\" function.",
                 at->name, pt->name, g->first->n->name, at->name);
        field_error(ex, g, msg, NULL);
        return NULL;
    }
    const gql_type_t *t = gql_schema_type(ex->schema, name);
    if (!t || t->kind != GQL_KIND_OBJECT) {
        snprintf(msg, sizeof msg,
                 "Abstract type \"%s\" was resolved to a type \"%.200s\" that does not exist "
                 "inside the schema.",
                 at->name, name);
        field_error(ex, g, msg, NULL);
        return NULL;
    }
    if (!gql_type_possible(at, t)) {
        snprintf(msg, sizeof msg, "Runtime Object type \"%s\" is not a possible type for \"%s\".",
                 t->name, at->name);
        field_error(ex, g, msg, NULL);
        return NULL;
    }
    return t;
}

static json_t *complete(gql_exec_t *ex, const gql_tref_t *r, group_t *g, const gql_type_t *pt,
                        json_t *v)
{
    char msg[512];
    if (r->wrap == GQL_REF_NON_NULL) {
        json_t *c = complete(ex, r->of, g, pt, v);
        if (c && json_is_null(c)) {
            json_decref(c);
            snprintf(msg, sizeof msg, "Cannot return null for non-nullable field %s.%s.", pt->name,
                     g->first->n->name);
            field_error(ex, g, msg, NULL);
            return NULL;
        }
        return c;
    }
    if (json_is_null(v))
        return json_null();
    if (r->wrap == GQL_REF_LIST)
        return complete_list(ex, r, g, pt, v);
    const gql_type_t *t = r->named;
    if (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM) {
        gql_msg_t m;
        json_t *s = gql_serialize_leaf(t, v, &m);
        if (!s)
            field_error(ex, g, m.text, NULL);
        return s;
    }
    if (gql_type_abstract(t)) {
        t = runtime_type(ex, t, g, pt, v);
        if (!t)
            return NULL;
    }
    return exec_fields(ex, t, v, subfields(ex, g, t), false);
}

/* Resolves one field's value (a new reference) or reports its error and returns NULL. */
static json_t *resolve(gql_exec_t *ex, const gql_type_t *t, const gql_fdef_t *fd, json_t *parent,
                       group_t *g)
{
    gql_msg_t m;
    json_t *args = NULL, *out = NULL;
    if (!gql_coerce_args(ex, fd->args, fd->n_args, &g->first->n->args, &args, &m)) {
        field_error(ex, g, m.text, "BAD_USER_INPUT");
        return NULL;
    }
    if (t->name[0] == '_' && t->name[1] == '_') {
        out = gql_introspect_field(ex, t, fd, parent, args);
    } else if (fd->fn) {
        gql_field_err_t err = {.code = NULL, .message = ""};
        gql_call_t call = {.type = t->name,
                           .field = fd->name,
                           .parent = parent,
                           .args = args,
                           .ctx = ex->ctx,
                           .err = &err};
        if (fd->fn(&call, &out) != GQL_RESOLVED) {
            field_error(ex, g, err.message, err.code ? err.code : "INTERNAL_SERVER_ERROR");
            out = NULL;
        } else {
            ASSERT(out != NULL);
        }
    } else {
        json_t *m2 = parent ? json_object_get(parent, fd->name) : NULL;
        out = m2 ? json_incref(m2) : json_null();
    }
    json_decref(args);
    return out;
}

static const gql_fdef_t *field_def(const gql_exec_t *ex, const gql_type_t *t, const char *name)
{
    if (name[0] == '_' && name[1] == '_') {
        if (strcmp(name, "__typename") == 0)
            return &ex->schema->typename_field;
        if (t == ex->schema->query && strcmp(name, "__schema") == 0)
            return &ex->schema->schema_field;
        if (t == ex->schema->query && strcmp(name, "__type") == 0)
            return &ex->schema->type_field;
    }
    return gql_type_field(t, name);
}

static json_t *exec_field(gql_exec_t *ex, const gql_type_t *t, json_t *value, group_t *g)
{
    const gql_fdef_t *fd = field_def(ex, t, g->first->n->name);
    if (!fd)
        return SKIP;
    if (fd == &ex->schema->typename_field)
        return json_string(t->name);
    path_push(ex, g->key, 0);
    json_t *v = NULL, *c = NULL;
    if (fd == &ex->schema->schema_field || fd == &ex->schema->type_field)
        v = gql_introspect_root(ex, fd, g->first->n);
    else
        v = resolve(ex, t, fd, value, g);
    if (v) {
        c = complete(ex, fd->type, g, t, v);
        json_decref(v);
    }
    ex->path_n--;
    if (!c && fd->type->wrap != GQL_REF_NON_NULL)
        c = json_null();
    return c;
}

static json_t *exec_fields(gql_exec_t *ex, const gql_type_t *t, json_t *value, const groups_t *gs,
                           bool serial)
{
    json_t *obj = json_object();
    bool nulled = false;
    for (uint32_t i = 0; i < gs->n; i++) {
        json_t *r = exec_field(ex, t, value, &gs->g[i]);
        if (r == SKIP)
            continue;
        if (!r) {
            nulled = true;
            if (serial)
                break;
            continue;
        }
        json_object_set_new(obj, gs->g[i].key, r);
    }
    if (nulled) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- the request ---- */

static void index_fragments(gql_doc_t *d)
{
    uint32_t n = 0;
    for (const gql_node_t *x = d->ast->items.first; x; x = x->next)
        n += x->kind == GQL_FRAGMENT_DEF;
    d->frags = arena_alloc(&d->arena, (n + 1) * sizeof *d->frags);
    for (const gql_node_t *x = d->ast->items.first; x; x = x->next)
        if (x->kind == GQL_FRAGMENT_DEF)
            d->frags[d->n_frags++] = x;
    qsort(d->frags, d->n_frags, sizeof *d->frags, frag_cmp);
}

/* The operation to run (Apollo Server's messages when there is none). */
static const gql_node_t *pick_operation(gql_exec_t *ex, const char *name)
{
    const gql_node_t *found = NULL;
    uint32_t ops = 0;
    for (const gql_node_t *d = ex->doc->items.first; d; d = d->next) {
        if (d->kind != GQL_OPERATION)
            continue;
        ops++;
        if (name ? (d->name && strcmp(d->name, name) == 0) : !found)
            found = d;
    }
    char msg[GQL_NAME_MAX + 64];
    if (name && !found) {
        snprintf(msg, sizeof msg, "Unknown operation named \"%s\".", name);
        gql_error_add(ex, msg, NULL, false, "OPERATION_RESOLUTION_FAILURE");
        return NULL;
    }
    if (!name && ops > 1) {
        gql_error_add(ex, "Must provide operation name if query contains multiple operations.",
                      NULL, false, "OPERATION_RESOLUTION_FAILURE");
        return NULL;
    }
    if (!found)
        gql_error_add(ex, "Must provide an operation.", NULL, false,
                      "OPERATION_RESOLUTION_FAILURE");
    return found;
}

static json_t *run_operation(gql_exec_t *ex)
{
    const gql_type_t *root = ex->op->op == GQL_OP_QUERY      ? ex->schema->query
                             : ex->op->op == GQL_OP_MUTATION ? ex->schema->mutation
                                                             : ex->schema->subscription;
    if (!root) {
        gql_error_add(ex,
                      ex->op->op == GQL_OP_MUTATION
                          ? "Schema is not configured to execute mutation operation."
                          : "Schema is not configured to execute subscription operation.",
                      ex->op, false, "INTERNAL_SERVER_ERROR");
        return json_null();
    }
    groups_t gs = {0};
    collect(ex, root, ex->op->sel.first, &gs, visited_new(ex));
    json_t *data = exec_fields(ex, root, NULL, &gs, ex->op->op == GQL_OP_MUTATION);
    return data ? data : json_null();
}

static json_t *respond(gql_exec_t *ex, json_t *data)
{
    json_t *resp = json_object();
    if (json_array_size(ex->errors) > 0)
        json_object_set(resp, "errors", ex->errors);
    if (data)
        json_object_set_new(resp, "data", data);
    return resp;
}

static void parse_error(gql_exec_t *ex, const gql_err_t *perr)
{
    json_t *e = json_pack("{s:o,s:[{s:I,s:I}],s:{s:s}}", "message", gql_message_json(perr->message),
                          "locations", "line", (json_int_t)perr->line, "column",
                          (json_int_t)perr->col, "extensions", "code", "GRAPHQL_PARSE_FAILED");
    json_array_append_new(ex->errors, e);
}

/* The request's document: from the cache, or parsed and validated (then cached). */
static bool document(gql_exec_t *ex, const gql_request_t *req)
{
    gql_doc_cache_t *cache = (gql_doc_cache_t *)&ex->schema->docs;
    gql_doc_t *d = gql_doc_cache_get(cache, req->query, req->query_len);
    bool cached = d != NULL;
    if (!d) {
        gql_err_t perr;
        d = gql_doc_new(req->query, req->query_len);
        ex->docref = d;
        if (gql_parse(d->text, d->len, &d->arena, &d->ast, &perr) != GQL_OK) {
            parse_error(ex, &perr);
            return false;
        }
        index_fragments(d);
    }
    ex->docref = d;
    ex->doc = d->ast;
    ex->frags = d->frags;
    ex->n_frags = d->n_frags;
    if (cached)
        return true;
    if (!gql_validate(ex))
        return false;
    gql_doc_cache_put(cache, d);
    return true;
}

static bool prepare(gql_exec_t *ex, const gql_limits_t *limits, const gql_request_t *req,
                    unsigned *status)
{
    *status = 400;
    if (!document(ex, req))
        return false;
    ex->op = pick_operation(ex, req->operation_name);
    if (!ex->op)
        return false;
    ex->vars = json_object();
    if (!gql_coerce_variables(ex, req->variables) || !gql_check_limits(ex, limits))
        return false;
    *status = 200;
    return true;
}

json_t *gql_execute(const gql_schema_t *schema, const gql_limits_t *limits,
                    const gql_request_t *req, void *ctx, unsigned *http_status)
{
    gql_exec_t ex = {.schema = schema, .ctx = ctx, .errors = json_array()};
    arena_init(&ex.arena, 16 * 1024);
    json_t *data = NULL;
    if (prepare(&ex, limits, req, http_status))
        data = run_operation(&ex);
    json_t *resp = respond(&ex, data);
    json_decref(ex.vars);
    json_decref(ex.errors);
    free(ex.path);
    free(ex.stack);
    gql_doc_release(ex.docref);
    arena_free(&ex.arena);
    return resp;
}
