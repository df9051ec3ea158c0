/*
 * Validation of executable documents against the schema: graphql-js 16's specified rules as
 * clients meet them, with their messages (suggestions included): executable definitions,
 * unique and lone anonymous operations, known types, fragments on composite types, variables
 * of input types, leaf and composite selections, fields on correct type, known, unique and
 * required arguments and directives, directive locations, unique variables and input fields,
 * values of correct type, known, unused and cyclic fragments, possible spreads, undefined and
 * unused variables, variables in allowed positions, and fields that cannot be merged.
 * Each definition is walked once with its type context; that walk recurses along the AST,
 * which the parser holds to GQL_DEPTH_MAX. Spreads are followed on explicit stacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/slice.h"
#include "graphql/engine.h"
#include "graphql/print.h"
#include "graphql/suggest.h"

#define ERRORS_MAX 100

typedef struct {
    const gql_node_t *var;
    const gql_tref_t *type; /* expected at the use; NULL when unknown */
    bool has_default;
} usage_t;

typedef struct {
    const gql_node_t *def;
    usage_t *usages;
    uint32_t n_usages, cap_usages;
    const gql_node_t **spreads;
    uint32_t n_spreads, cap_spreads;
} defi_t;

typedef struct {
    gql_exec_t *ex;
    const gql_schema_t *s;
    defi_t *defs;
    uint32_t n_defs;
    defi_t *cur;
    uint32_t n_errors;
    size_t overlap_budget; /* selections the merge check may still look at */
    bool quiet;            /* the first pass: uses and spreads are collected, nothing reported */
    defi_t **map;          /* fragment (index into ex->frags) to its definition info */
    bool *visited;         /* NoFragmentCycles: per definition, reached from an earlier one */
    long *on_path;         /* NoFragmentCycles: where a definition sits on the spread path */
} vstate_t;

static void verr2(vstate_t *v, const gql_node_t *a, const gql_node_t *b, const char *msg)
{
    if (v->quiet || v->n_errors > ERRORS_MAX)
        return;
    if (v->n_errors++ == ERRORS_MAX) {
        gql_error_add(v->ex,
                      "Too many validation errors, error limit reached. Validation "
                      "aborted.",
                      NULL, false, "GRAPHQL_VALIDATION_FAILED");
        return;
    }
    gql_error_add(v->ex, msg, a, false, "GRAPHQL_VALIDATION_FAILED");
    if (b) {
        json_t *e = json_array_get(v->ex->errors, json_array_size(v->ex->errors) - 1);
        json_array_append_new(
            json_object_get(e, "locations"),
            json_pack("{s:I,s:I}", "line", (json_int_t)b->line, "column", (json_int_t)b->col));
    }
}

#define verr(v, at, ...)                                                                           \
    do {                                                                                           \
        char m_[4096];                                                                             \
        snprintf(m_, sizeof m_, __VA_ARGS__);                                                      \
        verr2(v, at, NULL, m_);                                                                    \
    } while (0)

static void print_node(const gql_node_t *n, char *out, size_t cap)
{
    buf_t b;
    buf_init(&b, cap > 1 ? cap - 1 : 1);
    gql_print(n, &b);
    size_t k = b.len < cap ? b.len : cap - 1;
    if (k)
        memcpy(out, b.ptr, k);
    out[k] = '\0';
    buf_free(&b);
}

static void add_usage(vstate_t *v, const gql_node_t *var, const gql_tref_t *t, bool has_default)
{
    defi_t *d = v->cur;
    if (!v->quiet)
        return;
    if (d->n_usages == d->cap_usages) {
        d->cap_usages = d->cap_usages ? d->cap_usages * 2 : 8;
        d->usages = xrealloc(d->usages, d->cap_usages * sizeof *d->usages);
    }
    d->usages[d->n_usages++] = (usage_t){var, t, has_default};
}

static void add_spread(vstate_t *v, const gql_node_t *s)
{
    defi_t *d = v->cur;
    if (!v->quiet)
        return;
    if (d->n_spreads == d->cap_spreads) {
        d->cap_spreads = d->cap_spreads ? d->cap_spreads * 2 : 8;
        d->spreads = xrealloc(d->spreads, d->cap_spreads * sizeof *d->spreads);
    }
    d->spreads[d->n_spreads++] = s;
}

/* ---- duplicate names, found by sorting (lists can be long in hostile documents) ---- */

typedef struct {
    const gql_node_t *n;
    uint32_t idx;
} nref_t;

static int nref_cmp(const void *x, const void *y)
{
    const nref_t *a = x, *b = y;
    int c = strcmp(a->n->name, b->n->name);
    return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

static int pair_cmp(const void *x, const void *y)
{
    const nref_t *a = x, *b = y; /* pairs: [first, dup]; by the dup's position */
    return a[1].idx < b[1].idx ? -1 : a[1].idx > b[1].idx;
}

typedef bool (*dup_skip_fn)(const gql_node_t *n, const gql_schema_t *s);

/* Reports each name used twice among the nodes from first on (skip: nodes left out), in
 * document order of the repeat: "<prefix><name><suffix>" with the first use's location and
 * the repeat's. once: one error per name (graphql-js groups these) rather than per repeat. */
static uint32_t find_dups(vstate_t *v, const gql_node_t *first, dup_skip_fn skip, bool once,
                          nref_t **out)
{
    uint32_t n = 0, k = 0, np = 0;
    *out = NULL;
    for (const gql_node_t *i = first; i; i = i->next)
        n++;
    if (n < 2)
        return 0;
    nref_t *r = xmalloc(n * sizeof *r), *pairs = xmalloc(2 * n * sizeof *pairs);
    for (const gql_node_t *i = first; i; i = i->next, k++)
        r[k] = (nref_t){i, k};
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (r[i].n->name && !(skip && skip(r[i].n, v->s)))
            r[m++] = r[i];
    qsort(r, m, sizeof *r, nref_cmp);
    for (uint32_t i = 0, g = 0; i < m; i++) {
        if (i == 0 || strcmp(r[i].n->name, r[i - 1].n->name) != 0) {
            g = i;
            continue;
        }
        if (!once || i == g + 1) {
            pairs[2 * np] = r[g];
            pairs[2 * np++ + 1] = r[i];
        }
    }
    if (np)
        qsort(pairs, np, 2 * sizeof *pairs, pair_cmp);
    free(r);
    *out = pairs;
    return np;
}

static void dup_error(vstate_t *v, const nref_t *pair, const char *prefix, const char *suffix)
{
    char msg[GQL_NAME_MAX + 128];
    snprintf(msg, sizeof msg, "%s%s%s", prefix, pair[0].n->name, suffix);
    verr2(v, pair[0].n, pair[1].n, msg);
}

static void report_dups(vstate_t *v, const gql_node_t *first, dup_skip_fn skip, bool once,
                        const char *prefix, const char *suffix)
{
    if (v->quiet || !first || !first->next)
        return;
    nref_t *pairs;
    uint32_t np = find_dups(v, first, skip, once, &pairs);
    for (uint32_t i = 0; i < np; i++)
        dup_error(v, &pairs[2 * i], prefix, suffix);
    free(pairs);
}

/* ---- values ---- */

static void suggest_names(const char *input, const char *const *names, size_t n, const char *sub,
                          char *out, size_t cap)
{
    const char *best[GQL_SUGGEST_MAX];
    size_t k = gql_suggest(input, names, n, best, GQL_SUGGEST_MAX);
    gql_did_you_mean(sub, best, k, out, cap);
}

static void enum_error(vstate_t *v, const gql_type_t *t, const gql_node_t *n)
{
    if (v->quiet || v->n_errors >= ERRORS_MAX) {
        verr2(v, NULL, NULL, "");
        return;
    }
    const char **names = xmalloc((t->n_values + 1) * sizeof *names);
    for (uint32_t i = 0; i < t->n_values; i++)
        names[i] = t->values[i].name;
    char shown[600], dym[400];
    print_node(n, shown, sizeof shown);
    suggest_names(shown, names, t->n_values, "the enum value", dym, sizeof dym);
    free(names);
    if (n->kind == GQL_ENUM)
        verr(v, n, "Value \"%s\" does not exist in \"%s\" enum.%s", shown, t->name, dym);
    else
        verr(v, n, "Enum \"%s\" cannot represent non-enum value: %s.%s", t->name, shown, dym);
}

/* A literal leaf (no variables inside) checked as graphql-js's parseLiteral would. */
static void check_leaf(vstate_t *v, const gql_tref_t *full, const gql_type_t *t,
                       const gql_node_t *n)
{
    char shown[600], ts[256];
    if (t->kind == GQL_KIND_ENUM) {
        if (n->kind != GQL_ENUM || !gql_type_enum_value(t, n->str))
            enum_error(v, t, n);
        return;
    }
    print_node(n, shown, sizeof shown);
    gql_tref_str(full, ts, sizeof ts);
    gql_msg_t msg = {.text = ""};
    json_t *r = gql_value_from_ast(v->ex, &(gql_tref_t){GQL_REF_NAMED, NULL, t}, n, &msg);
    if (r) {
        json_decref(r);
        return;
    }
    switch (t->scalar) {
    case GQL_SC_INT:
        if (n->kind == GQL_INT)
            verr(v, n, "Int cannot represent non 32-bit signed integer value: %s", shown);
        else
            verr(v, n, "Int cannot represent non-integer value: %s", shown);
        return;
    case GQL_SC_FLOAT:
        verr(v, n, "Float cannot represent non numeric value: %s", shown);
        return;
    case GQL_SC_STRING:
        verr(v, n, "String cannot represent a non string value: %s", shown);
        return;
    case GQL_SC_BOOLEAN:
        verr(v, n, "Boolean cannot represent a non boolean value: %s", shown);
        return;
    case GQL_SC_ID:
        verr(v, n, "ID cannot represent a non-string and non-integer value: %s", shown);
        return;
    case GQL_SC_UINT8:
        verr(v, NULL, "%s",
             n->kind == GQL_INT || n->kind == GQL_STRING ? "Provided value is not a UInt8."
                                                         : "Provided value is not int or string.");
        return;
    case GQL_SC_UINT64:
        if (n->kind != GQL_INT && n->kind != GQL_FLOAT && n->kind != GQL_STRING)
            verr(v, NULL, "Provided value is not int, float, or string");
        else
            verr(v, n, "Expected value of type \"%s\", found %s; %s", ts, shown, msg.text);
        return;
    case GQL_SC_JSONOBJECT:
        verr(v, n,
             "Expected value of type \"%s\", found %s; JSONObject cannot represent "
             "non-object value: %s",
             ts, shown, shown);
        return;
    case GQL_SC_CUSTOM:
        return;
    }
}

static bool has_variables(const gql_node_t *n, unsigned depth)
{
    if (n->kind == GQL_VARIABLE)
        return true;
    if (depth > GQL_DEPTH_MAX || (n->kind != GQL_LIST && n->kind != GQL_OBJECT))
        return false;
    for (const gql_node_t *i = n->items.first; i; i = i->next)
        if (has_variables(n->kind == GQL_OBJECT ? i->value : i, depth + 1))
            return true;
    return false;
}

static void check_value(vstate_t *v, const gql_tref_t *full, const gql_node_t *n, bool has_default);

/* Variables under a value whose type is unknown are still used. */
static void walk_untyped(vstate_t *v, const gql_node_t *n)
{
    if (n->kind == GQL_VARIABLE) {
        add_usage(v, n, NULL, false);
        return;
    }
    if (n->kind == GQL_LIST || n->kind == GQL_OBJECT)
        for (const gql_node_t *i = n->items.first; i; i = i->next)
            walk_untyped(v, n->kind == GQL_OBJECT ? i->value : i);
}

static void check_object(vstate_t *v, const gql_tref_t *full, const gql_type_t *t,
                         const gql_node_t *n)
{
    char ts[256], dym[400];
    report_dups(v, n->items.first, NULL, false, "There can be only one input field named \"",
                "\".");
    for (const gql_node_t *a = n->items.first; a; a = a->next) {
        const gql_ivalue_t *f = gql_type_input(t, a->name);
        if (!f) {
            const char **names = xmalloc((t->n_inputs + 1) * sizeof *names);
            for (uint32_t i = 0; i < t->n_inputs; i++)
                names[i] = t->inputs[i].name;
            suggest_names(a->name, names, t->n_inputs, NULL, dym, sizeof dym);
            free(names);
            verr(v, a, "Field \"%s\" is not defined by type \"%s\".%s", a->name, t->name, dym);
            walk_untyped(v, a->value);
            continue;
        }
        check_value(v, f->type, a->value, f->def != NULL);
    }
    for (uint32_t i = 0; i < t->n_inputs; i++) {
        const gql_ivalue_t *f = &t->inputs[i];
        bool given = false;
        for (const gql_node_t *a = n->items.first; a && !given; a = a->next)
            given = strcmp(a->name, f->name) == 0;
        if (!given && f->type->wrap == GQL_REF_NON_NULL && !f->def) {
            gql_tref_str(f->type, ts, sizeof ts);
            verr(v, n, "Field \"%s.%s\" of required type \"%s\" was not provided.", t->name,
                 f->name, ts);
        }
    }
    (void)full;
}

static void check_value(vstate_t *v, const gql_tref_t *full, const gql_node_t *n, bool has_default)
{
    char ts[256], shown[600];
    if (n->kind == GQL_VARIABLE) {
        add_usage(v, n, full, has_default);
        return;
    }
    const gql_tref_t *t = full;
    if (t->wrap == GQL_REF_NON_NULL) {
        if (n->kind == GQL_NULL) {
            gql_tref_str(full, ts, sizeof ts);
            verr(v, n, "Expected value of type \"%s\", found null.", ts);
            return;
        }
        t = t->of;
    }
    if (n->kind == GQL_NULL)
        return;
    if (t->wrap == GQL_REF_LIST) {
        if (n->kind == GQL_LIST)
            for (const gql_node_t *i = n->items.first; i; i = i->next)
                check_value(v, t->of, i, false);
        else
            check_value(v, t->of, n, false);
        return;
    }
    const gql_type_t *nt = t->named;
    if (nt->kind == GQL_KIND_INPUT && n->kind == GQL_OBJECT) {
        check_object(v, full, nt, n);
        return;
    }
    if (nt->kind == GQL_KIND_INPUT || n->kind == GQL_LIST) {
        if (nt->kind != GQL_KIND_INPUT && nt->scalar == GQL_SC_CUSTOM) {
            walk_untyped(v, n);
            return;
        }
        gql_tref_str(full, ts, sizeof ts);
        print_node(n, shown, sizeof shown);
        verr(v, n, "Expected value of type \"%s\", found %s.", ts, shown);
        walk_untyped(v, n);
        return;
    }
    if (has_variables(n, 0)) {
        walk_untyped(v, n);
        return;
    }
    check_leaf(v, full, nt, n);
}

/* ---- arguments and directives ---- */

typedef struct {
    const char *field_type, *field_name; /* a field's arguments, or */
    const char *directive;               /* a directive's */
} owner_t;

static void unknown_arg(vstate_t *v, const gql_ivalue_t *defs, uint32_t n, const owner_t *o,
                        const gql_node_t *a)
{
    if (v->quiet || v->n_errors >= ERRORS_MAX) {
        verr2(v, NULL, NULL, "");
        return;
    }
    char dym[400];
    const char **names = xmalloc((n + 1) * sizeof *names);
    for (uint32_t i = 0; i < n; i++)
        names[i] = defs[i].name;
    suggest_names(a->name, names, n, NULL, dym, sizeof dym);
    free(names);
    if (o->directive)
        verr(v, a, "Unknown argument \"%s\" on directive \"@%s\".%s", a->name, o->directive, dym);
    else
        verr(v, a, "Unknown argument \"%s\" on field \"%s.%s\".%s", a->name, o->field_type,
             o->field_name, dym);
}

/* KnownArgumentNames and ValuesOfCorrectType over an owner's arguments; defs NULL: the owner
 * is unknown (its arguments are only walked for variables). */
static void args_walk(vstate_t *v, const gql_ivalue_t *defs, uint32_t n, const owner_t *o,
                      const gql_node_t *owner)
{
    for (const gql_node_t *a = owner->args.first; a; a = a->next) {
        const gql_ivalue_t *d = defs ? gql_args_find(defs, n, a->name) : NULL;
        if (defs && !d)
            unknown_arg(v, defs, n, o, a);
        if (d)
            check_value(v, d->type, a->value, d->def != NULL);
        else
            walk_untyped(v, a->value);
    }
}

static void args_unique(vstate_t *v, const gql_node_t *owner)
{
    report_dups(v, owner->args.first, NULL, true, "There can be only one argument named \"", "\".");
}

/* ProvidedRequiredArguments (on leaving the owner). */
static void args_required(vstate_t *v, const gql_ivalue_t *defs, uint32_t n, const owner_t *o,
                          const gql_node_t *owner)
{
    char ts[256];
    for (uint32_t i = 0; defs && i < n; i++) {
        if (defs[i].type->wrap != GQL_REF_NON_NULL || defs[i].def)
            continue;
        bool given = false;
        for (const gql_node_t *a = owner->args.first; a && !given; a = a->next)
            given = strcmp(a->name, defs[i].name) == 0;
        if (given)
            continue;
        gql_tref_str(defs[i].type, ts, sizeof ts);
        if (o->directive)
            verr(v, owner,
                 "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not "
                 "provided.",
                 o->directive, defs[i].name, ts);
        else
            verr(v, owner,
                 "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not "
                 "provided.",
                 o->field_name, defs[i].name, ts);
    }
}

static bool location_ok(const gql_ddef_t *dd, const char *loc)
{
    for (uint32_t i = 0; i < dd->n_locations; i++)
        if (strcmp(dd->locations[i], loc) == 0)
            return true;
    return false;
}

static bool repeatable(const gql_node_t *d, const gql_schema_t *s)
{
    const gql_ddef_t *dd = gql_schema_directive(s, d->name);
    return !dd || dd->repeatable;
}

/* UniqueDirectivesPerLocation, when entering the node that carries dirs. */
static void dirs_unique(vstate_t *v, const gql_list_t *dirs)
{
    report_dups(v, dirs->first, repeatable, false, "The directive \"@",
                "\" can only be used once at this location.");
}

/* Each directive: KnownDirectives (and where it may go), then its arguments. */
static void dirs_walk(vstate_t *v, const gql_list_t *dirs, const char *loc)
{
    for (const gql_node_t *d = dirs->first; d; d = d->next) {
        const gql_ddef_t *dd = gql_schema_directive(v->s, d->name);
        owner_t o = {.directive = d->name};
        if (!dd)
            verr(v, d, "Unknown directive \"@%s\".", d->name);
        else if (!location_ok(dd, loc))
            verr(v, d, "Directive \"@%s\" may not be used on %s.", d->name, loc);
        args_unique(v, d);
        args_walk(v, dd ? dd->args : NULL, dd ? dd->n_args : 0, &o, d);
        args_required(v, dd ? dd->args : NULL, dd ? dd->n_args : 0, &o, d);
    }
}

/* ---- selections ---- */

static void unknown_type(vstate_t *v, const gql_node_t *at, const char *name)
{
    if (v->quiet || v->n_errors >= ERRORS_MAX) {
        verr2(v, NULL, NULL, "");
        return;
    }
    char dym[400];
    const char **names = xmalloc((v->s->n_types + 1) * sizeof *names);
    for (uint32_t i = 0; i < v->s->n_types; i++)
        names[i] = v->s->types[i]->name;
    suggest_names(name, names, v->s->n_types, NULL, dym, sizeof dym);
    free(names);
    verr(v, at, "Unknown type \"%s\".%s", name, dym);
}

static bool overlap(const gql_type_t *a, const gql_type_t *b)
{
    if (a == b)
        return true;
    if (gql_type_abstract(a) && gql_type_abstract(b)) {
        for (uint32_t i = 0; i < a->n_possible; i++)
            if (gql_type_possible(b, a->possible[i]))
                return true;
        return false;
    }
    if (gql_type_abstract(a))
        return gql_type_possible(a, b);
    if (gql_type_abstract(b))
        return gql_type_possible(b, a);
    return false;
}

static const gql_fdef_t *field_def(const gql_schema_t *s, const gql_type_t *t, const char *name)
{
    if (strcmp(name, "__typename") == 0)
        return &s->typename_field;
    if (t == s->query && strcmp(name, "__schema") == 0)
        return &s->schema_field;
    if (t == s->query && strcmp(name, "__type") == 0)
        return &s->type_field;
    return gql_type_field(t, name);
}

static void unknown_field(vstate_t *v, const gql_type_t *t, const gql_node_t *f)
{
    if (v->quiet || v->n_errors >= ERRORS_MAX) {
        verr2(v, NULL, NULL, "");
        return;
    }
    char dym[600] = "";
    const char **names = xmalloc((t->n_fields + t->n_possible + v->s->n_types + 1) * sizeof *names);
    size_t k = 0;
    if (gql_type_abstract(t)) {
        for (uint32_t i = 0; i < v->s->n_types; i++) {
            const gql_type_t *u = v->s->types[i];
            if (u->kind == GQL_KIND_INTERFACE && u != t && overlap(t, u) &&
                gql_type_field(u, f->name))
                names[k++] = u->name;
        }
        for (uint32_t i = 0; i < t->n_possible; i++)
            if (gql_type_field(t->possible[i], f->name))
                names[k++] = t->possible[i]->name;
        gql_did_you_mean("to use an inline fragment on", names, k, dym, sizeof dym);
    }
    if (k == 0 && t->kind != GQL_KIND_UNION) {
        for (uint32_t i = 0; i < t->n_fields; i++)
            names[i] = t->fields[i].name;
        suggest_names(f->name, names, t->n_fields, NULL, dym, sizeof dym);
    }
    free(names);
    verr(v, f, "Cannot query field \"%s\" on type \"%s\".%s", f->name, t->name, dym);
}

static int frag_key_cmp(const void *key, const void *b)
{
    return strcmp((const char *)key, (*(const gql_node_t *const *)b)->name);
}

/* ---- fields that cannot be merged (OverlappingFieldsCanBeMerged, the direct cases) ---- */

typedef struct {
    const gql_node_t *f;
    const gql_type_t *parent;
    const gql_fdef_t *fd;
    const gql_node_t *origin; /* the named fragment that holds f, or NULL */
    uint32_t idx;
} ofield_t;

typedef struct {
    const gql_node_t *sel;
    const gql_type_t *parent;
    const gql_node_t *origin;
} oframe_t;

#define OVERLAP_BUDGET (4u * GQL_TOKENS_MAX)

static const char *okey(const gql_node_t *f)
{
    return f->alias ? f->alias : f->name;
}

static int ofield_cmp(const void *x, const void *y)
{
    const ofield_t *a = x, *b = y;
    int c = strcmp(okey(a->f), okey(b->f));
    if (c)
        return c;
    if ((a->origin != NULL) != (b->origin != NULL)) /* a set's own fields come first */
        return a->origin ? 1 : -1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool same_value(const gql_node_t *a, const gql_node_t *b)
{
    buf_t x, y;
    buf_init(&x, 4096);
    buf_init(&y, 4096);
    bool same =
        gql_print(a, &x) && gql_print(b, &y) && x.len == y.len && memcmp(x.ptr, y.ptr, x.len) == 0;
    buf_free(&x);
    buf_free(&y);
    return same;
}

static bool same_args(const gql_node_t *a, const gql_node_t *b)
{
    if (a->args.n != b->args.n)
        return false;
    for (const gql_node_t *x = a->args.first; x; x = x->next) {
        const gql_node_t *y = b->args.first;
        while (y && strcmp(x->name, y->name) != 0)
            y = y->next;
        if (!y || !same_value(x->value, y->value))
            return false;
    }
    return true;
}

static bool types_conflict(const gql_tref_t *a, const gql_tref_t *b)
{
    for (;;) {
        if (a->wrap == GQL_REF_LIST || b->wrap == GQL_REF_LIST) {
            if (a->wrap != b->wrap)
                return true;
        } else if (a->wrap == GQL_REF_NON_NULL || b->wrap == GQL_REF_NON_NULL) {
            if (a->wrap != b->wrap)
                return true;
        } else {
            bool leaf = !gql_type_composite(a->named) || !gql_type_composite(b->named);
            return leaf && a->named != b->named;
        }
        a = a->of, b = b->of;
    }
}

static void opush(oframe_t **st, size_t *sp, size_t *cap, oframe_t f)
{
    if (*sp == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        *st = xrealloc(*st, *cap * sizeof **st);
    }
    (*st)[(*sp)++] = f;
}

/* The fields of a selection set, inline fragments and named spreads (once each) included. */
static size_t overlap_collect(vstate_t *v, const gql_type_t *parent, const gql_node_t *first,
                              ofield_t **out)
{
    size_t n = 0, cap = 0, sp = 0, scap = 0;
    oframe_t *st = NULL;
    bool *seen = xcalloc(v->ex->n_frags + 1, 1);
    *out = NULL;
    opush(&st, &sp, &scap, (oframe_t){first, parent, NULL});
    while (sp > 0 && v->overlap_budget > 0) {
        oframe_t *top = &st[sp - 1];
        const gql_node_t *s = top->sel;
        if (!s) {
            sp--;
            continue;
        }
        top->sel = s->next;
        v->overlap_budget--;
        if (s->kind == GQL_FIELD) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                *out = xrealloc(*out, cap * sizeof **out);
            }
            const gql_fdef_t *fd = top->parent ? field_def(v->s, top->parent, s->name) : NULL;
            (*out)[n] = (ofield_t){s, top->parent, fd, top->origin, (uint32_t)n};
            n++;
        } else if (s->kind == GQL_INLINE_FRAGMENT) {
            const gql_type_t *t = s->type ? gql_schema_type(v->s, s->type->name) : top->parent;
            opush(&st, &sp, &scap, (oframe_t){s->sel.first, t, top->origin});
        } else {
            const gql_node_t *const *f =
                bsearch(s->name, v->ex->frags, v->ex->n_frags, sizeof *v->ex->frags, frag_key_cmp);
            if (!f || seen[f - v->ex->frags])
                continue;
            seen[f - v->ex->frags] = true;
            opush(&st, &sp, &scap,
                  (oframe_t){(*f)->sel.first, gql_schema_type(v->s, (*f)->type->name), *f});
        }
    }
    free(st);
    free(seen);
    return n;
}

#define SUB_PAIRS_MAX 10000u

static void conflict(vstate_t *v, const ofield_t *a, const ofield_t *b, bool exclusive,
                     char *reason, size_t cap, unsigned depth);

static const gql_type_t *composite_of(const ofield_t *f)
{
    return f->fd && gql_type_composite(f->fd->type->named) ? f->fd->type->named : NULL;
}

/* Conflicts between the selections of a and b (graphql-js's "subfields "x" conflict because
 * ..."), appended to reason. */
static void sub_conflicts(vstate_t *v, const ofield_t *a, const ofield_t *b, bool exclusive,
                          char *reason, size_t cap, unsigned depth)
{
    ofield_t *fa, *fb;
    size_t na = overlap_collect(v, composite_of(a), a->f->sel.first, &fa);
    size_t nb = overlap_collect(v, composite_of(b), b->f->sel.first, &fb);
    size_t len = 0, pairs = 0;
    char sub[1500];
    for (size_t i = 0; i < na && pairs < SUB_PAIRS_MAX; i++)
        for (size_t j = 0; j < nb && pairs < SUB_PAIRS_MAX; j++) {
            if (strcmp(okey(fa[i].f), okey(fb[j].f)) != 0)
                continue;
            pairs++;
            conflict(v, &fa[i], &fb[j], exclusive, sub, sizeof sub, depth + 1);
            if (sub[0] && len < cap)
                len += (size_t)snprintf(reason + len, cap - len,
                                        "%ssubfields \"%s\" conflict because %s",
                                        len ? " and " : "", okey(fa[i].f), sub);
        }
    free(fa);
    free(fb);
}

/* Why a and b cannot share a response key, in reason (empty when they can). exclusive: their
 * parents can never be the same object. */
static void conflict(vstate_t *v, const ofield_t *a, const ofield_t *b, bool exclusive,
                     char *reason, size_t cap, unsigned depth)
{
    reason[0] = '\0';
    exclusive =
        exclusive || (a->parent && b->parent && a->parent != b->parent &&
                      a->parent->kind == GQL_KIND_OBJECT && b->parent->kind == GQL_KIND_OBJECT);
    if (!exclusive && strcmp(a->f->name, b->f->name) != 0) {
        snprintf(reason, cap, "\"%s\" and \"%s\" are different fields", a->f->name, b->f->name);
        return;
    }
    if (!exclusive && !same_args(a->f, b->f)) {
        snprintf(reason, cap, "they have differing arguments");
        return;
    }
    if (a->fd && b->fd && types_conflict(a->fd->type, b->fd->type)) {
        char ta[256], tb[256];
        gql_tref_str(a->fd->type, ta, sizeof ta);
        gql_tref_str(b->fd->type, tb, sizeof tb);
        snprintf(reason, cap, "they return conflicting types \"%s\" and \"%s\"", ta, tb);
        return;
    }
    if (a->f->sel.first && b->f->sel.first && depth < GQL_DEPTH_MAX)
        sub_conflicts(v, a, b, exclusive, reason, cap, depth);
}

/* Compares each field of a response key with the distinct ones before it. */
static void overlap_group(vstate_t *v, ofield_t *g, size_t n, const ofield_t **reps)
{
    size_t nr = 0;
    char reason[1500], m[GQL_NAME_MAX + 1700];
    for (size_t i = 0; i < n && v->n_errors <= ERRORS_MAX; i++) {
        bool bad = false, dup = false;
        for (size_t r = 0; r < nr && !bad; r++) {
            if (g[i].origin && g[i].origin == reps[r]->origin)
                continue;
            conflict(v, reps[r], &g[i], false, reason, sizeof reason, 0);
            if (reason[0]) {
                snprintf(m, sizeof m,
                         "Fields \"%s\" conflict because %s. Use different aliases on the "
                         "fields to fetch both if this was intentional.",
                         okey(g[i].f), reason);
                verr2(v, reps[r]->f, g[i].f, m);
                bad = true;
            }
            dup |= reps[r]->parent == g[i].parent && strcmp(reps[r]->f->name, g[i].f->name) == 0 &&
                   same_args(reps[r]->f, g[i].f);
        }
        if (!bad && !dup)
            reps[nr++] = &g[i];
    }
}

/* The common case, cheaply: a small set of fields alone, each under its own key. */
static bool plain_and_distinct(const gql_list_t *sel)
{
    if (sel->n > 32)
        return false;
    for (const gql_node_t *a = sel->first; a; a = a->next) {
        if (a->kind != GQL_FIELD)
            return false;
        for (const gql_node_t *b = sel->first; b != a; b = b->next)
            if (strcmp(okey(a), okey(b)) == 0)
                return false;
    }
    return true;
}

static void check_overlap(vstate_t *v, const gql_type_t *parent, const gql_list_t *sel)
{
    if (v->quiet || !sel->first || v->overlap_budget == 0 || v->n_errors > ERRORS_MAX)
        return;
    if (plain_and_distinct(sel))
        return;
    ofield_t *fs;
    size_t n = overlap_collect(v, parent, sel->first, &fs);
    if (n < 2) {
        free(fs);
        return;
    }
    qsort(fs, n, sizeof *fs, ofield_cmp);
    const ofield_t **reps = xmalloc((n + 1) * sizeof *reps);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && strcmp(okey(fs[i].f), okey(fs[j].f)) == 0;)
            j++;
        if (j - i > 1)
            overlap_group(v, &fs[i], j - i, reps);
    }
    free(reps);
    free(fs);
}

static void walk_sel(vstate_t *v, const gql_type_t *parent, const gql_list_t *sel);

static void scalar_leafs(vstate_t *v, const gql_fdef_t *fd, const gql_node_t *f)
{
    char ts[256];
    const gql_type_t *t = fd->type->named;
    if (gql_type_composite(t) == (f->sel.n > 0))
        return;
    gql_tref_str(fd->type, ts, sizeof ts);
    if (f->sel.n > 0)
        verr(v, f, "Field \"%s\" must not have a selection since type \"%s\" has no subfields.",
             f->name, ts);
    else
        verr(v, f,
             "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean "
             "\"%s { ... }\"?",
             f->name, ts, f->name);
}

/* A field, its rules in graphql-js's order: on entering, leaf selections, the field's
 * existence, repeated directives and arguments; then arguments, directives, the merge check
 * and the selections; on leaving, required arguments. */
static void walk_field(vstate_t *v, const gql_type_t *parent, const gql_node_t *f)
{
    const gql_fdef_t *fd = parent ? field_def(v->s, parent, f->name) : NULL;
    if (fd)
        scalar_leafs(v, fd, f);
    if (parent && !fd)
        unknown_field(v, parent, f);
    dirs_unique(v, &f->directives);
    args_unique(v, f);
    owner_t o = {.field_type = parent ? parent->name : "", .field_name = f->name};
    args_walk(v, fd ? fd->args : NULL, fd ? fd->n_args : 0, &o, f);
    dirs_walk(v, &f->directives, "FIELD");
    const gql_type_t *t = fd && gql_type_composite(fd->type->named) ? fd->type->named : NULL;
    check_overlap(v, t, &f->sel);
    walk_sel(v, t, &f->sel);
    args_required(v, fd ? fd->args : NULL, fd ? fd->n_args : 0, &o, f);
}

static void walk_inline(vstate_t *v, const gql_type_t *parent, const gql_node_t *s)
{
    const gql_type_t *cond = s->type ? gql_schema_type(v->s, s->type->name) : parent;
    if (cond && !gql_type_composite(cond)) {
        verr(v, s->type, "Fragment cannot condition on non composite type \"%s\".", cond->name);
        cond = NULL;
    } else if (cond && parent && !overlap(parent, cond)) {
        verr(v, s,
             "Fragment cannot be spread here as objects of type \"%s\" can never be of type "
             "\"%s\".",
             parent->name, cond->name);
    }
    dirs_unique(v, &s->directives);
    if (s->type && !gql_schema_type(v->s, s->type->name))
        unknown_type(v, s->type, s->type->name);
    dirs_walk(v, &s->directives, "INLINE_FRAGMENT");
    check_overlap(v, cond, &s->sel); /* again here, so graphql-js reports some twice */
    walk_sel(v, cond, &s->sel);
}

static void walk_spread(vstate_t *v, const gql_type_t *parent, const gql_node_t *s)
{
    add_spread(v, s);
    const gql_node_t *f = gql_fragment(v->ex, s->name);
    const gql_type_t *cond = f ? gql_schema_type(v->s, f->type->name) : NULL;
    if (!f)
        verr(v, s, "Unknown fragment \"%s\".", s->name);
    else if (parent && cond && gql_type_composite(cond) && !overlap(parent, cond))
        verr(v, s,
             "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of "
             "type \"%s\".",
             s->name, parent->name, cond->name);
    dirs_unique(v, &s->directives);
    dirs_walk(v, &s->directives, "FRAGMENT_SPREAD");
}

static void walk_sel(vstate_t *v, const gql_type_t *parent, const gql_list_t *sel)
{
    for (const gql_node_t *s = sel->first; s; s = s->next) {
        if (s->kind == GQL_FIELD)
            walk_field(v, parent, s);
        else if (s->kind == GQL_INLINE_FRAGMENT)
            walk_inline(v, parent, s);
        else
            walk_spread(v, parent, s);
    }
}

/* ---- definitions ---- */

static void walk_var_defs(vstate_t *v, const gql_node_t *op)
{
    char shown[600];
    for (const gql_node_t *d = op->vars.first; d; d = d->next) {
        const gql_node_t *b = d->type;
        while (b->kind != GQL_NAMED_TYPE)
            b = b->type;
        const gql_type_t *t = gql_schema_type(v->s, b->name);
        if (t && !gql_type_input_kind(t)) {
            print_node(d->type, shown, sizeof shown);
            verr(v, d->type, "Variable \"$%s\" cannot be non-input type \"%s\".", d->name, shown);
        }
        dirs_unique(v, &d->directives);
        if (!t)
            unknown_type(v, b, b->name);
        if (t && gql_type_input_kind(t) && d->value)
            check_value(v, gql_tref_from_ast(v->s, d->type, &v->ex->arena), d->value, false);
        dirs_walk(v, &d->directives, "VARIABLE_DEFINITION");
    }
}

/* The body of an operation: what graphql-js checks between entering and leaving it. */
static void walk_operation(vstate_t *v, const gql_node_t *op)
{
    static const char *const locs[] = {"QUERY", "MUTATION", "SUBSCRIPTION"};
    report_dups(v, op->vars.first, NULL, true, "There can be only one variable named \"$", "\".");
    dirs_unique(v, &op->directives);
    walk_var_defs(v, op);
    dirs_walk(v, &op->directives, locs[op->op]);
    const gql_type_t *root = op->op == GQL_OP_QUERY      ? v->s->query
                             : op->op == GQL_OP_MUTATION ? v->s->mutation
                                                         : v->s->subscription;
    check_overlap(v, root, &op->sel);
    walk_sel(v, root, &op->sel);
}

static void fragment_cycles_from(vstate_t *v, defi_t *start);

/* A fragment definition; cycles from it are looked for on entering it, as graphql-js. */
static void walk_fragment(vstate_t *v, const gql_node_t *f, const nref_t *dup)
{
    const gql_type_t *cond = gql_schema_type(v->s, f->type->name);
    if (cond && !gql_type_composite(cond)) {
        verr(v, f->type, "Fragment \"%s\" cannot condition on non composite type \"%s\".", f->name,
             cond->name);
        cond = NULL;
    }
    if (dup)
        dup_error(v, dup, "There can be only one fragment named \"", "\".");
    if (!v->quiet)
        fragment_cycles_from(v, v->cur);
    dirs_unique(v, &f->directives);
    if (!gql_schema_type(v->s, f->type->name))
        unknown_type(v, f->type, f->type->name);
    dirs_walk(v, &f->directives, "FRAGMENT_DEFINITION");
    check_overlap(v, cond, &f->sel);
    walk_sel(v, cond, &f->sel);
}

/* ---- document rules ---- */

/* The definition info of the fragment named name, or NULL. */
static defi_t *frag_info(vstate_t *v, defi_t **map, const char *name)
{
    const gql_node_t *const *f =
        bsearch(name, v->ex->frags, v->ex->n_frags, sizeof *v->ex->frags, frag_key_cmp);
    return f ? map[f - v->ex->frags] : NULL;
}

static defi_t **frag_map(vstate_t *v)
{
    defi_t **map = arena_alloc(&v->ex->arena, (v->ex->n_frags + 1) * sizeof *map);
    memset(map, 0, (v->ex->n_frags + 1) * sizeof *map);
    for (uint32_t i = 0; i < v->n_defs; i++) {
        if (v->defs[i].def->kind != GQL_FRAGMENT_DEF)
            continue;
        const gql_node_t *const *f = bsearch(v->defs[i].def->name, v->ex->frags, v->ex->n_frags,
                                             sizeof *v->ex->frags, frag_key_cmp);
        if (f && !map[f - v->ex->frags])
            map[f - v->ex->frags] = &v->defs[i];
    }
    return map;
}

static bool not_operation(const gql_node_t *d, const gql_schema_t *s)
{
    (void)s;
    return d->kind != GQL_OPERATION;
}

static bool not_fragment(const gql_node_t *d, const gql_schema_t *s)
{
    (void)s;
    return d->kind != GQL_FRAGMENT_DEF;
}

static void executable_definitions(vstate_t *v)
{
    for (const gql_node_t *d = v->ex->doc->items.first; d; d = d->next) {
        if (d->kind == GQL_OPERATION || d->kind == GQL_FRAGMENT_DEF)
            continue;
        if (d->kind == GQL_SCHEMA_DEF)
            verr(v, d, "The schema definition is not executable.");
        else
            verr(v, d, "The \"%s\" definition is not executable.", d->name ? d->name : "");
    }
}

/* Marks in reach[] (one per fragment definition) the fragments op spreads, transitively. */
static void reach_from(vstate_t *v, defi_t **map, const defi_t *op, bool *reach)
{
    const defi_t **stack = xmalloc((v->n_defs + 1) * sizeof *stack);
    size_t sp = 0;
    stack[sp++] = op;
    while (sp > 0) {
        const defi_t *d = stack[--sp];
        for (uint32_t i = 0; i < d->n_spreads; i++) {
            defi_t *f = frag_info(v, map, d->spreads[i]->name);
            if (f && !reach[f - v->defs]) {
                reach[f - v->defs] = true;
                stack[sp++] = f;
            }
        }
    }
    free(stack);
}

static void cycle_report(vstate_t *v, const gql_node_t **path, size_t from, size_t to)
{
    char via[1024] = "";
    size_t len = 0;
    for (size_t i = from; i + 1 < to && len < sizeof via; i++)
        len += (size_t)snprintf(via + len, sizeof via - len, "%s\"%s\"", i > from ? ", " : "",
                                path[i]->name);
    const gql_node_t *last = path[to - 1];
    if (via[0])
        verr(v, path[from], "Cannot spread fragment \"%s\" within itself via %s.", last->name, via);
    else
        verr(v, path[from], "Cannot spread fragment \"%s\" within itself.", last->name);
}

typedef struct {
    defi_t *d;
    uint32_t next;
} frame_t;

/* NoFragmentCycles from one fragment definition, as graphql-js walks it, on explicit stacks;
 * fragments reached from an earlier one are not walked again. */
static void fragment_cycles_from(vstate_t *v, defi_t *start)
{
    if (v->visited[start - v->defs])
        return;
    frame_t *frames = xmalloc((v->n_defs + 1) * sizeof *frames);
    const gql_node_t **path = xmalloc((v->n_defs + 1) * sizeof *path);
    size_t fp = 0, pp = 0;
    v->visited[start - v->defs] = true;
    v->on_path[start - v->defs] = 0;
    frames[fp++] = (frame_t){start, 0};
    while (fp > 0) {
        frame_t *top = &frames[fp - 1];
        if (top->next >= top->d->n_spreads) {
            v->on_path[top->d - v->defs] = -1;
            if (--fp > 0)
                pp--;
            continue;
        }
        const gql_node_t *s = top->d->spreads[top->next++];
        defi_t *g = frag_info(v, v->map, s->name);
        if (!g)
            continue;
        path[pp++] = s;
        long at = v->on_path[g - v->defs];
        if (at >= 0) {
            cycle_report(v, path, (size_t)at, pp);
            pp--;
        } else if (!v->visited[g - v->defs]) {
            v->visited[g - v->defs] = true;
            v->on_path[g - v->defs] = (long)pp;
            frames[fp++] = (frame_t){g, 0};
        } else {
            pp--;
        }
    }
    free(frames);
    free(path);
}

static bool tref_equal(const gql_tref_t *a, const gql_tref_t *b)
{
    while (a->wrap == b->wrap && a->wrap != GQL_REF_NAMED)
        a = a->of, b = b->of;
    return a->wrap == b->wrap && a->named == b->named;
}

static bool subtype(const gql_tref_t *sub, const gql_tref_t *super)
{
    for (;;) {
        if (tref_equal(sub, super))
            return true;
        if (super->wrap == GQL_REF_NON_NULL) {
            if (sub->wrap != GQL_REF_NON_NULL)
                return false;
            sub = sub->of, super = super->of;
        } else if (sub->wrap == GQL_REF_NON_NULL) {
            sub = sub->of;
        } else if (super->wrap == GQL_REF_LIST) {
            if (sub->wrap != GQL_REF_LIST)
                return false;
            sub = sub->of, super = super->of;
        } else {
            return sub->wrap == GQL_REF_NAMED && gql_type_abstract(super->named) &&
                   gql_type_possible(super->named, sub->named);
        }
    }
}

static void allowed_position(vstate_t *v, const gql_node_t *vd, const usage_t *u)
{
    const gql_tref_t *vt = gql_tref_from_ast(v->s, vd->type, &v->ex->arena);
    if (!vt || !u->type)
        return;
    const gql_tref_t *lt = u->type;
    bool ok;
    if (lt->wrap == GQL_REF_NON_NULL && vt->wrap != GQL_REF_NON_NULL) {
        bool var_default = vd->value && vd->value->kind != GQL_NULL;
        ok = (var_default || u->has_default) && subtype(vt, lt->of);
    } else {
        ok = subtype(vt, lt);
    }
    if (ok)
        return;
    char vs[256], ls[256], m[GQL_NAME_MAX + 600];
    gql_tref_str(vt, vs, sizeof vs);
    gql_tref_str(lt, ls, sizeof ls);
    snprintf(m, sizeof m, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
             vd->name, vs, ls);
    verr2(v, vd, u->var, m);
}

static int vdef_cmp(const void *x, const void *y)
{
    return strcmp((*(const gql_node_t *const *)x)->name, (*(const gql_node_t *const *)y)->name);
}

static int vdef_key_cmp(const void *key, const void *y)
{
    return strcmp((const char *)key, (*(const gql_node_t *const *)y)->name);
}

typedef struct {
    const gql_node_t **defs; /* the operation's variable definitions, sorted by name */
    bool *used;
    uint32_t n;
    uint32_t *reached; /* indexes into v->defs: the operation and the fragments it reaches */
    uint32_t n_reached;
} opvars_t;

/* The operation's definition of the variable named name, marking it used; NULL if none. */
static const gql_node_t *op_var(opvars_t *o, const char *name)
{
    const gql_node_t **d = bsearch(name, o->defs, o->n, sizeof *o->defs, vdef_key_cmp);
    if (!d)
        return NULL;
    o->used[d - o->defs] = true;
    return *d;
}

static void opvars_init(vstate_t *v, defi_t **map, defi_t *op, bool *reach, opvars_t *o)
{
    memset(reach, 0, v->n_defs + 1);
    reach_from(v, map, op, reach);
    reach[op - v->defs] = true;
    o->reached = xmalloc((v->n_defs + 1) * sizeof *o->reached);
    o->n_reached = 0;
    for (uint32_t i = 0; i < v->n_defs; i++)
        if (reach[i])
            o->reached[o->n_reached++] = i;
    o->n = op->def->vars.n;
    o->defs = xmalloc((o->n + 1) * sizeof *o->defs);
    o->used = xcalloc(o->n + 1, 1);
    uint32_t k = 0;
    for (const gql_node_t *d = op->def->vars.first; d; d = d->next)
        o->defs[k++] = d;
    qsort(o->defs, o->n, sizeof *o->defs, vdef_cmp);
}

/* NoUndefinedVariables, NoUnusedVariables and VariablesInAllowedPosition for one operation,
 * over its own uses and those of every fragment it reaches. */
static void operation_variables(vstate_t *v, defi_t **map, defi_t *op, bool *reach)
{
    char m[2 * GQL_NAME_MAX + 100];
    const gql_node_t *o = op->def;
    opvars_t ov;
    opvars_init(v, map, op, reach, &ov);
    for (uint32_t r = 0; r < ov.n_reached; r++) {
        const defi_t *d = &v->defs[ov.reached[r]];
        for (uint32_t k = 0; k < d->n_usages; k++) {
            const gql_node_t *var = d->usages[k].var;
            if (op_var(&ov, var->name))
                continue;
            if (o->name)
                snprintf(m, sizeof m, "Variable \"$%s\" is not defined by operation \"%s\".",
                         var->name, o->name);
            else
                snprintf(m, sizeof m, "Variable \"$%s\" is not defined.", var->name);
            verr2(v, var, o, m);
        }
    }
    for (const gql_node_t *d = o->vars.first; d; d = d->next) {
        const gql_node_t **at = bsearch(d->name, ov.defs, ov.n, sizeof *ov.defs, vdef_key_cmp);
        if (at && ov.used[at - ov.defs])
            continue;
        if (o->name)
            verr(v, d, "Variable \"$%s\" is never used in operation \"%s\".", d->name, o->name);
        else
            verr(v, d, "Variable \"$%s\" is never used.", d->name);
    }
    for (uint32_t r = 0; r < ov.n_reached; r++) {
        const defi_t *d = &v->defs[ov.reached[r]];
        for (uint32_t k = 0; k < d->n_usages; k++) {
            const gql_node_t *vd = op_var(&ov, d->usages[k].var->name);
            if (vd)
                allowed_position(v, vd, &d->usages[k]);
        }
    }
    free(ov.defs);
    free(ov.used);
    free(ov.reached);
}

static void walk_definition(vstate_t *v, const gql_node_t *d, const nref_t *dup, bool lone)
{
    if (d->kind == GQL_FRAGMENT_DEF) {
        walk_fragment(v, d, dup);
        return;
    }
    if (dup)
        dup_error(v, dup, "There can be only one operation named \"", "\".");
    if (lone)
        verr(v, d, "This anonymous operation must be the only defined operation.");
    walk_operation(v, d);
}

/* The second pass, reporting: definitions in document order with the rules that graphql-js
 * applies on entering and leaving each, then the fragments no operation uses. */
static void report_pass(vstate_t *v)
{
    nref_t *dups[2];
    uint32_t n_dups[2], at[2] = {0, 0}, k = 0, ops = 0, def = 0;
    n_dups[0] = find_dups(v, v->ex->doc->items.first, not_operation, false, &dups[0]);
    n_dups[1] = find_dups(v, v->ex->doc->items.first, not_fragment, false, &dups[1]);
    bool *reach = xcalloc(v->n_defs + 1, 1), *all = xcalloc(v->n_defs + 1, 1);
    for (const gql_node_t *d = v->ex->doc->items.first; d; d = d->next)
        ops += d->kind == GQL_OPERATION;
    executable_definitions(v);
    for (const gql_node_t *d = v->ex->doc->items.first; d; d = d->next, k++) {
        if (d->kind != GQL_OPERATION && d->kind != GQL_FRAGMENT_DEF)
            continue;
        int w = d->kind == GQL_FRAGMENT_DEF;
        const nref_t *dup = NULL;
        while (at[w] < n_dups[w] && dups[w][2 * at[w] + 1].idx < k)
            at[w]++;
        if (at[w] < n_dups[w] && dups[w][2 * at[w] + 1].idx == k)
            dup = &dups[w][2 * at[w]];
        v->cur = &v->defs[def++];
        walk_definition(v, d, dup, d->kind == GQL_OPERATION && !d->name && ops > 1);
        if (d->kind != GQL_OPERATION)
            continue;
        operation_variables(v, v->map, v->cur, reach);
        for (uint32_t i = 0; i < v->n_defs; i++)
            all[i] |= reach[i];
    }
    for (uint32_t i = 0; i < v->n_defs; i++) {
        const gql_node_t *f = v->defs[i].def;
        defi_t *first = f->kind == GQL_FRAGMENT_DEF ? frag_info(v, v->map, f->name) : NULL;
        if (first && !all[first - v->defs])
            verr(v, f, "Fragment \"%s\" is never used.", f->name);
    }
    free(dups[0]);
    free(dups[1]);
    free(reach);
    free(all);
}

bool gql_validate(gql_exec_t *ex)
{
    vstate_t v = {.ex = ex, .s = ex->schema, .overlap_budget = OVERLAP_BUDGET, .quiet = true};
    size_t before = json_array_size(ex->errors);
    uint32_t n = 0;
    for (const gql_node_t *d = ex->doc->items.first; d; d = d->next)
        n += d->kind == GQL_OPERATION || d->kind == GQL_FRAGMENT_DEF;
    v.defs = xcalloc(n + 1, sizeof *v.defs);
    /* first pass: the variables each definition uses and the fragments it spreads */
    for (const gql_node_t *d = ex->doc->items.first; d; d = d->next) {
        if (d->kind != GQL_OPERATION && d->kind != GQL_FRAGMENT_DEF)
            continue;
        v.cur = &v.defs[v.n_defs++];
        v.cur->def = d;
        walk_definition(&v, d, NULL, false);
    }
    v.quiet = false;
    v.map = frag_map(&v);
    v.visited = xcalloc(v.n_defs + 1, 1);
    v.on_path = xmalloc((v.n_defs + 1) * sizeof *v.on_path);
    for (uint32_t i = 0; i <= v.n_defs; i++)
        v.on_path[i] = -1;
    report_pass(&v);
    for (uint32_t i = 0; i < v.n_defs; i++) {
        free(v.defs[i].usages);
        free(v.defs[i].spreads);
    }
    free(v.defs);
    free(v.visited);
    free(v.on_path);
    return json_array_size(ex->errors) == before;
}

/* ---- limits ---- */

typedef struct {
    const gql_node_t *sel;  /* the next selection of this set */
    uint32_t depth;         /* of the fields in this set */
    uint64_t mult;          /* how many times each field here runs, by the lists above */
    const gql_node_t *frag; /* the fragment this frame spreads, or NULL */
    bool meta;              /* inside __schema or __type: not counted for depth or cost */
} lframe_t;

/* The list size a field asks for (first or last), 1 when it names none. */
static uint64_t list_size(const gql_exec_t *ex, const gql_node_t *f)
{
    uint64_t n = 1;
    for (const gql_node_t *a = f->args.first; a; a = a->next) {
        if (strcmp(a->name, "first") != 0 && strcmp(a->name, "last") != 0 &&
            strcmp(a->name, "limit") != 0)
            continue;
        long long v = 0;
        if (a->value->kind == GQL_INT) {
            char *end;
            v = strtoll(a->value->str, &end, 10);
        } else if (a->value->kind == GQL_VARIABLE && ex->vars) {
            v = json_integer_value(json_object_get(ex->vars, a->value->name));
        }
        if (v > 0 && (uint64_t)v > n)
            n = (uint64_t)v;
    }
    return n;
}

static bool frag_on_stack(const lframe_t *st, size_t sp, const gql_node_t *f)
{
    for (size_t i = 0; i < sp; i++)
        if (st[i].frag == f)
            return true;
    return false;
}

static void lpush(lframe_t **st, size_t *sp, size_t *cap, lframe_t f)
{
    if (*sp == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *st = xrealloc(*st, *cap * sizeof **st);
    }
    (*st)[(*sp)++] = f;
}

typedef struct {
    uint32_t depth_max, fields_max, cost_max;
    uint32_t depth, fields;
    uint64_t cost, steps;
    bool no_introspection, introspection; /* refused, and asked for */
} ltally_t;

static bool over(const ltally_t *t)
{
    return t->introspection || t->depth > t->depth_max || t->fields > t->fields_max ||
           t->cost > t->cost_max || t->steps > 4u * GQL_TOKENS_MAX;
}

/* One selection of the walk: a field is counted and its set pushed; fragments are spread. */
static void limit_step(gql_exec_t *ex, lframe_t **st, size_t *sp, size_t *cap, ltally_t *t)
{
    lframe_t *top = &(*st)[*sp - 1];
    const gql_node_t *s = top->sel;
    uint32_t depth = top->depth;
    uint64_t mult = top->mult;
    top->sel = s->next;
    t->steps++;
    if (!gql_should_include(ex, &s->directives))
        return;
    bool meta = top->meta;
    if (s->kind == GQL_FIELD) {
        /* as Rafiki's ApolloArmor (ignoreIntrospection): an introspection query's depth and
         * cost are its schema's, not the caller's choice; its fields still count */
        bool intro = !strcmp(s->name, "__schema") || !strcmp(s->name, "__type");
        t->introspection = t->introspection || (intro && t->no_introspection);
        meta = meta || (depth == 1 && intro);
        t->fields++;
        if (!meta) {
            t->depth = depth > t->depth ? depth : t->depth;
            t->cost += mult;
        }
        if (s->sel.first) {
            uint64_t m = mult * list_size(ex, s);
            lpush(st, sp, cap,
                  (lframe_t){s->sel.first, depth + 1, m > UINT32_MAX ? UINT32_MAX : m, NULL, meta});
        }
    } else if (s->kind == GQL_INLINE_FRAGMENT) {
        lpush(st, sp, cap, (lframe_t){s->sel.first, depth, mult, NULL, meta});
    } else {
        const gql_node_t *f = gql_fragment(ex, s->name);
        if (f && !frag_on_stack(*st, *sp, f))
            lpush(st, sp, cap, (lframe_t){f->sel.first, depth, mult, f, meta});
    }
}

static void limit_error(gql_exec_t *ex, const ltally_t *t)
{
    char m[256];
    if (t->introspection)
        snprintf(m, sizeof m,
                 "GraphQL introspection is not allowed by Apollo Server, but the query contained "
                 "__schema or __type. To enable introspection, pass introspection: true to "
                 "ApolloServer in production");
    else if (t->depth > t->depth_max)
        snprintf(m, sizeof m, "The query exceeds the maximum depth of %u.", t->depth_max);
    else if (t->fields > t->fields_max)
        snprintf(m, sizeof m, "The query selects more than the maximum of %u fields.",
                 t->fields_max);
    else if (t->cost > t->cost_max)
        snprintf(m, sizeof m,
                 "The query's cost (fields times the list sizes asked for) exceeds the "
                 "maximum of %u.",
                 t->cost_max);
    else
        snprintf(m, sizeof m, "The query spreads its fragments too many times.");
    gql_error_add(ex, m, NULL, false, "GRAPHQL_VALIDATION_FAILED");
}

bool gql_check_limits(gql_exec_t *ex, const gql_limits_t *limits)
{
    ltally_t t = {.depth_max = limits && limits->depth_max ? limits->depth_max : 15,
                  .fields_max = limits && limits->fields_max ? limits->fields_max : 2000,
                  .cost_max = limits && limits->cost_max ? limits->cost_max : 50000,
                  .no_introspection = limits && limits->no_introspection};
    if (t.depth_max > GQL_DEPTH_MAX)
        t.depth_max = GQL_DEPTH_MAX;
    lframe_t *st = NULL;
    size_t sp = 0, cap = 0;
    lpush(&st, &sp, &cap, (lframe_t){ex->op->sel.first, 1, 1, NULL, false});
    while (sp > 0 && !over(&t)) {
        if (!st[sp - 1].sel)
            sp--;
        else
            limit_step(ex, &st, &sp, &cap, &t);
    }
    free(st);
    if (!over(&t))
        return true;
    limit_error(ex, &t);
    return false;
}
