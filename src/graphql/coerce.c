/*
 * Input and leaf coercion as graphql-js 16 does it, with Rafiki's custom scalars: variables
 * (JSON) and literals (AST) coerced to their declared types (input objects with defaults,
 * lists with single-value promotion, enums, non-null, Int's 32-bit range, ID from strings
 * or integers; UInt64 handed on as a decimal string, UInt8 as an integer 0..255, JSONObject
 * as any object), and leaf results serialized with graphql-js's checks and messages.
 * Walks over values recurse, held to GQL_DEPTH_MAX levels by an explicit depth count.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/slice.h"
#include "graphql/engine.h"
#include "graphql/print.h"
#include "graphql/suggest.h"

/* JavaScript's String(number) for a double: the shortest text that reads back the same. */
static void num_str(double d, char *out, size_t cap)
{
    if (d == floor(d) && fabs(d) < 1e21) {
        snprintf(out, cap, "%.0f", d);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, cap, "%.*g", p, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

static void inspect_at(const json_t *v, buf_t *b, int depth)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_NULL:
        buf_printf(b, "null");
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        buf_printf(b, "%s", json_is_true(v) ? "true" : "false");
        return;
    case JSON_INTEGER:
        buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    case JSON_REAL:
        num_str(json_real_value(v), num, sizeof num);
        buf_printf(b, "%s", num);
        return;
    case JSON_STRING: {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        buf_printf(b, "%s", s ? s : "\"\"");
        free(s);
        return;
    }
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            buf_printf(b, "[]");
            return;
        }
        if (depth >= 2) {
            buf_printf(b, "[Array]");
            return;
        }
        buf_printf(b, "[");
        for (size_t i = 0; i < json_array_size(v) && i < 10; i++) {
            buf_printf(b, i ? ", " : "");
            inspect_at(json_array_get(v, i), b, depth + 1);
        }
        if (json_array_size(v) > 10)
            buf_printf(b, ", ... %zu more item%s", json_array_size(v) - 10,
                       json_array_size(v) == 11 ? "" : "s");
        buf_printf(b, "]");
        return;
    case JSON_OBJECT: {
        if (json_object_size(v) == 0) {
            buf_printf(b, "{}");
            return;
        }
        if (depth >= 2) {
            buf_printf(b, "[Object]");
            return;
        }
        const char *k;
        json_t *m;
        bool first = true;
        buf_printf(b, "{ ");
        json_object_foreach((json_t *)v, k, m)
        {
            buf_printf(b, "%s%s: ", first ? "" : ", ", k);
            inspect_at(m, b, depth + 1);
            first = false;
        }
        buf_printf(b, " }");
        return;
    }
    }
}

void gql_inspect(const json_t *v, char *out, size_t cap)
{
    buf_t b;
    buf_init(&b, cap > 1 ? cap - 1 : 1);
    inspect_at(v, &b, 0);
    size_t n = b.len < cap ? b.len : cap - 1;
    if (n)
        memcpy(out, b.ptr, n);
    out[n] = '\0';
    buf_free(&b);
}

/* msg = text, then the inspected v when v is not NULL. */
static void msgf(gql_msg_t *msg, const char *text, const json_t *v)
{
    char shown[256];
    if (!msg)
        return;
    if (v)
        gql_inspect(v, shown, sizeof shown);
    else
        shown[0] = '\0';
    snprintf(msg->text, sizeof msg->text, "%s%s", text, shown);
}

/* A decimal string of an unsigned 64-bit value from digits s (leading zeros dropped), or
 * false when s is not one. */
static bool u64_text(const char *s, size_t len, char out[24])
{
    while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
        len--;
    if (len == 0 || len > 64)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10u, &v) ||
            __builtin_add_overflow(v, (unsigned)(s[i] - '0'), &v))
            return false;
    }
    snprintf(out, 24, "%" PRIu64, v);
    return true;
}

/* UInt64 from text (a string value or a literal's digits): Rafiki's BigInt scalar. */
static json_t *uint64_from_text(const char *s, size_t len, gql_msg_t *msg)
{
    char dec[24];
    if (u64_text(s, len, dec))
        return json_string(dec);
    size_t i = 0;
    while (i < len && s[i] == ' ')
        i++;
    if (i < len && s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') {
        bool zero = true;
        for (size_t j = i + 1; j < len; j++)
            zero &= s[j] == '0';
        if (zero)
            return json_string("0");
        msgf(msg, "Input must be unsigned.", NULL);
        return NULL;
    }
    bool digits = len > 0;
    for (size_t j = i; j < len; j++)
        digits &= s[j] >= '0' && s[j] <= '9';
    if (digits)
        msgf(msg, "Input must be below 2^64.", NULL);
    else if (msg)
        snprintf(msg->text, sizeof msg->text, "Cannot convert %.*s to a BigInt",
                 (int)(len > 200 ? 200 : len), s);
    return NULL;
}

static json_t *uint64_value(const json_t *v, gql_msg_t *msg)
{
    char num[64];
    if (json_is_string(v))
        return uint64_from_text(json_string_value(v), json_string_length(v), msg);
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0) {
            msgf(msg, "Input must be unsigned.", NULL);
            return NULL;
        }
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return json_string(num);
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        num_str(d, num, sizeof num);
        if (d != floor(d) || !isfinite(d)) {
            if (msg)
                snprintf(msg->text, sizeof msg->text,
                         "The number %s cannot be converted to a BigInt because it is not an "
                         "integer",
                         num);
            return NULL;
        }
        return uint64_from_text(num, strlen(num), msg);
    }
    msgf(msg, "Input must be of type bigint, number, or string.", NULL);
    return NULL;
}

/* JavaScript's Number(value) for a string or number: false when NaN. */
static bool js_number(const json_t *v, double *d)
{
    if (json_is_number(v)) {
        *d = json_number_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    char *end;
    while (*s == ' ')
        s++;
    if (*s == '\0') {
        *d = 0;
        return true;
    }
    errno = 0;
    *d = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end == '\0' && !isnan(*d) && strncmp(s, "0x", 2) != 0 && strncmp(s, "inf", 3) != 0;
}

static json_t *uint8_value(const json_t *v, gql_msg_t *msg)
{
    double d;
    if (!json_is_number(v) && !json_is_string(v)) {
        msgf(msg, "Provided value is not number or string.", NULL);
        return NULL;
    }
    if (js_number(v, &d) && d == floor(d) && d >= 0 && d <= 255)
        return json_integer((json_int_t)d);
    msgf(msg, "Provided value is not a UInt8.", NULL);
    return NULL;
}

static bool is_int32(double d)
{
    return d == floor(d) && d >= -2147483648.0 && d <= 2147483647.0;
}

/* A variable's value for a scalar (graphql-js parseValue). prefixed: the message needs
 * graphql-js's `Expected type "T". ` in front (a custom scalar's TypeError). */
static json_t *scalar_value(const gql_type_t *t, json_t *v, gql_msg_t *msg, bool *prefixed)
{
    *prefixed = false;
    switch (t->scalar) {
    case GQL_SC_INT:
        if (!json_is_number(v)) {
            msgf(msg, "Int cannot represent non-integer value: ", v);
            return NULL;
        }
        if (json_number_value(v) != floor(json_number_value(v))) {
            msgf(msg, "Int cannot represent non-integer value: ", v);
            return NULL;
        }
        if (!is_int32(json_number_value(v))) {
            msgf(msg, "Int cannot represent non 32-bit signed integer value: ", v);
            return NULL;
        }
        return json_integer((json_int_t)json_number_value(v));
    case GQL_SC_FLOAT:
        if (json_is_number(v))
            return json_incref(v);
        msgf(msg, "Float cannot represent non numeric value: ", v);
        return NULL;
    case GQL_SC_STRING:
        if (json_is_string(v))
            return json_incref(v);
        msgf(msg, "String cannot represent a non string value: ", v);
        return NULL;
    case GQL_SC_BOOLEAN:
        if (json_is_boolean(v))
            return json_incref(v);
        msgf(msg, "Boolean cannot represent a non boolean value: ", v);
        return NULL;
    case GQL_SC_ID:
        if (json_is_string(v))
            return json_incref(v);
        if (json_is_integer(v)) {
            char num[32];
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return json_string(num);
        }
        msgf(msg, "ID cannot represent value: ", v);
        return NULL;
    case GQL_SC_UINT8: {
        json_t *r = uint8_value(v, msg);
        *prefixed = !r && !json_is_number(v) && !json_is_string(v);
        return r;
    }
    case GQL_SC_UINT64: {
        json_t *r = uint64_value(v, msg);
        *prefixed = r == NULL;
        return r;
    }
    case GQL_SC_JSONOBJECT:
        if (json_is_object(v))
            return json_incref(v);
        *prefixed = true;
        if (msg) {
            char shown[256];
            if (json_is_string(v))
                snprintf(shown, sizeof shown, "%s", json_string_value(v));
            else
                gql_inspect(v, shown, sizeof shown);
            snprintf(msg->text, sizeof msg->text,
                     "JSONObject cannot represent non-object value: %s", shown);
        }
        return NULL;
    case GQL_SC_CUSTOM:
        return json_incref(v);
    }
    return NULL;
}

static json_t *serialize_enum(const gql_type_t *t, json_t *v, gql_msg_t *msg)
{
    if (json_is_string(v) && gql_type_enum_value(t, json_string_value(v)))
        return json_incref(v);
    if (msg) {
        char shown[256];
        gql_inspect(v, shown, sizeof shown);
        snprintf(msg->text, sizeof msg->text, "Enum \"%s\" cannot represent value: %s", t->name,
                 shown);
    }
    return NULL;
}

json_t *gql_serialize_leaf(const gql_type_t *t, json_t *v, gql_msg_t *msg)
{
    double d;
    char num[64];
    if (t->kind == GQL_KIND_ENUM)
        return serialize_enum(t, v, msg);
    switch (t->scalar) {
    case GQL_SC_INT:
        if (json_is_boolean(v))
            return json_integer(json_is_true(v));
        if (json_is_string(v) && json_string_length(v) == 0)
            break;
        if (!js_number(v, &d) || d != floor(d)) {
            msgf(msg, "Int cannot represent non-integer value: ", v);
            return NULL;
        }
        if (!is_int32(d)) {
            msgf(msg, "Int cannot represent non 32-bit signed integer value: ", v);
            return NULL;
        }
        return json_integer((json_int_t)d);
    case GQL_SC_FLOAT:
        if (json_is_boolean(v))
            return json_integer(json_is_true(v));
        if (json_is_number(v))
            return json_incref(v);
        if (json_is_string(v) && json_string_length(v) > 0 && js_number(v, &d) && isfinite(d))
            return d == floor(d) && fabs(d) < 9e15 ? json_integer((json_int_t)d) : json_real(d);
        msgf(msg, "Float cannot represent non numeric value: ", v);
        return NULL;
    case GQL_SC_STRING:
        if (json_is_string(v))
            return json_incref(v);
        if (json_is_boolean(v))
            return json_string(json_is_true(v) ? "true" : "false");
        if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            return json_string(num);
        }
        if (json_is_real(v) && isfinite(json_real_value(v))) {
            num_str(json_real_value(v), num, sizeof num);
            return json_string(num);
        }
        msgf(msg, "String cannot represent value: ", v);
        return NULL;
    case GQL_SC_BOOLEAN:
        if (json_is_boolean(v))
            return json_incref(v);
        if (json_is_number(v))
            return json_boolean(json_number_value(v) != 0);
        msgf(msg, "Boolean cannot represent a non boolean value: ", v);
        return NULL;
    case GQL_SC_ID:
        if (json_is_string(v))
            return json_incref(v);
        if (json_is_integer(v) ||
            (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)))) {
            num_str(json_number_value(v), num, sizeof num);
            return json_string(num);
        }
        msgf(msg, "ID cannot represent value: ", v);
        return NULL;
    default: {
        bool prefixed;
        return scalar_value(t, v, msg, &prefixed);
    }
    }
    msgf(msg, "Int cannot represent non-integer value: ", v);
    return NULL;
}

/* ---- variables ---- */

typedef struct {
    gql_exec_t *ex;
    const char *var;
    char path[256];
    bool failed;
} vctx_t;

#define VAR_ERRORS_MAX 50

static void var_error(vctx_t *vc, const json_t *value, const char *text)
{
    char shown[256], msg[2048];
    vc->failed = true;
    if (vc->ex->var_errors >= VAR_ERRORS_MAX) {
        if (vc->ex->var_errors++ == VAR_ERRORS_MAX)
            gql_error_add(vc->ex,
                          "Too many errors processing variables, error limit reached. "
                          "Execution aborted.",
                          NULL, false, "BAD_USER_INPUT");
        return;
    }
    vc->ex->var_errors++;
    gql_inspect(value, shown, sizeof shown);
    if (vc->path[0])
        snprintf(msg, sizeof msg, "Variable \"$%s\" got invalid value %s at \"%s%s\"; %s", vc->var,
                 shown, vc->var, vc->path, text);
    else
        snprintf(msg, sizeof msg, "Variable \"$%s\" got invalid value %s; %s", vc->var, shown,
                 text);
    gql_error_add(vc->ex, msg, NULL, false, "BAD_USER_INPUT");
    vc->failed = true;
}

static json_t *coerce_input(vctx_t *vc, const gql_tref_t *t, json_t *v, unsigned depth);

static json_t *coerce_list(vctx_t *vc, const gql_tref_t *t, json_t *v, unsigned depth)
{
    if (!json_is_array(v)) {
        json_t *one = coerce_input(vc, t->of, v, depth + 1);
        if (!one)
            return NULL;
        json_t *arr = json_array();
        json_array_append_new(arr, one);
        return arr;
    }
    json_t *arr = json_array();
    size_t plen = strlen(vc->path);
    for (size_t i = 0; i < json_array_size(v); i++) {
        snprintf(vc->path + plen, sizeof vc->path - plen, "[%zu]", i);
        json_t *item = coerce_input(vc, t->of, json_array_get(v, i), depth + 1);
        if (item)
            json_array_append_new(arr, item);
    }
    vc->path[plen] = '\0';
    return arr;
}

static void unknown_input_field(vctx_t *vc, const gql_type_t *t, const char *k, json_t *v)
{
    char text[1400], dym[600];
    if (vc->ex->var_errors >= VAR_ERRORS_MAX) {
        var_error(vc, v, "");
        return;
    }
    const char **names = xmalloc((t->n_inputs + 1) * sizeof *names), *best[GQL_SUGGEST_MAX];
    for (uint32_t i = 0; i < t->n_inputs; i++)
        names[i] = t->inputs[i].name;
    size_t n = gql_suggest(k, names, t->n_inputs, best, GQL_SUGGEST_MAX);
    gql_did_you_mean(NULL, best, n, dym, sizeof dym);
    free(names);
    snprintf(text, sizeof text, "Field \"%.300s\" is not defined by type \"%s\".%s", k, t->name,
             dym);
    var_error(vc, v, text);
}

static json_t *coerce_object(vctx_t *vc, const gql_type_t *t, json_t *v, unsigned depth)
{
    char text[512], tname[256];
    if (!json_is_object(v)) {
        snprintf(text, sizeof text, "Expected type \"%s\" to be an object.", t->name);
        var_error(vc, v, text);
        return NULL;
    }
    json_t *obj = json_object();
    size_t plen = strlen(vc->path);
    for (uint32_t i = 0; i < t->n_inputs; i++) {
        const gql_ivalue_t *f = &t->inputs[i];
        json_t *fv = json_object_get(v, f->name);
        if (!fv) {
            if (f->def) {
                json_t *d = gql_value_from_ast(vc->ex, f->type, f->def, NULL);
                if (d)
                    json_object_set_new(obj, f->name, d);
            } else if (f->type->wrap == GQL_REF_NON_NULL) {
                gql_tref_str(f->type, tname, sizeof tname);
                snprintf(text, sizeof text,
                         "Field \"%s\" of required type \"%s\" was not provided.", f->name, tname);
                var_error(vc, v, text);
            }
            continue;
        }
        snprintf(vc->path + plen, sizeof vc->path - plen, ".%s", f->name);
        json_t *c = coerce_input(vc, f->type, fv, depth + 1);
        vc->path[plen] = '\0';
        if (c)
            json_object_set_new(obj, f->name, c);
    }
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m)
    {
        if (!gql_type_input(t, k))
            unknown_input_field(vc, t, k, v);
    }
    return obj;
}

static json_t *coerce_enum(vctx_t *vc, const gql_type_t *t, json_t *v)
{
    char text[1200], shown[256], dym[600];
    if (json_is_string(v) && gql_type_enum_value(t, json_string_value(v)))
        return json_incref(v);
    if (vc->ex->var_errors >= VAR_ERRORS_MAX) {
        var_error(vc, v, "");
        return NULL;
    }
    gql_inspect(v, shown, sizeof shown);
    const char **names = xmalloc((t->n_values + 1) * sizeof *names), *best[GQL_SUGGEST_MAX];
    for (uint32_t i = 0; i < t->n_values; i++)
        names[i] = t->values[i].name;
    size_t k = gql_suggest(shown, names, t->n_values, best, GQL_SUGGEST_MAX);
    gql_did_you_mean("the enum value", best, k, dym, sizeof dym);
    free(names);
    if (json_is_string(v))
        snprintf(text, sizeof text, "Value %s does not exist in \"%s\" enum.%s", shown, t->name,
                 dym);
    else
        snprintf(text, sizeof text, "Enum \"%s\" cannot represent non-string value: %s.%s", t->name,
                 shown, dym);
    var_error(vc, v, text);
    return NULL;
}

static json_t *coerce_leaf(vctx_t *vc, const gql_type_t *t, json_t *v)
{
    gql_msg_t msg;
    char text[700];
    if (t->kind == GQL_KIND_ENUM)
        return coerce_enum(vc, t, v);
    bool prefixed;
    json_t *r = scalar_value(t, v, &msg, &prefixed);
    if (r)
        return r;
    if (prefixed)
        snprintf(text, sizeof text, "Expected type \"%s\". %s", t->name, msg.text);
    else
        snprintf(text, sizeof text, "%s", msg.text);
    var_error(vc, v, text);
    return NULL;
}

static json_t *coerce_input(vctx_t *vc, const gql_tref_t *t, json_t *v, unsigned depth)
{
    char text[512], tname[256];
    if (depth > GQL_DEPTH_MAX) {
        var_error(vc, v, "Value nests too deep.");
        return NULL;
    }
    if (t->wrap == GQL_REF_NON_NULL) {
        if (json_is_null(v)) {
            gql_tref_str(t, tname, sizeof tname);
            snprintf(text, sizeof text, "Expected non-nullable type \"%s\" not to be null.", tname);
            var_error(vc, v, text);
            return NULL;
        }
        return coerce_input(vc, t->of, v, depth + 1);
    }
    if (json_is_null(v))
        return json_null();
    if (t->wrap == GQL_REF_LIST)
        return coerce_list(vc, t, v, depth);
    if (t->named->kind == GQL_KIND_INPUT)
        return coerce_object(vc, t->named, v, depth);
    return coerce_leaf(vc, t->named, v);
}

static void var_one(gql_exec_t *ex, const gql_node_t *def, json_t *in)
{
    char text[700], tname[256];
    const gql_tref_t *t = gql_tref_from_ast(ex->schema, def->type, &ex->arena);
    if (!t || !gql_type_input_kind(t->named)) {
        char typ[256] = "?";
        const gql_node_t *b = def->type;
        while (b->kind != GQL_NAMED_TYPE)
            b = b->type;
        snprintf(typ, sizeof typ, "%s", b->name);
        snprintf(text, sizeof text,
                 "Variable \"$%s\" expected value of type \"%s\" which cannot be used as an input "
                 "type.",
                 def->name, typ);
        gql_error_add(ex, text, def, false, "BAD_USER_INPUT");
        return;
    }
    json_t *v = in ? json_object_get(in, def->name) : NULL;
    if (!v) {
        if (def->value) {
            json_t *d = gql_value_from_ast(ex, t, def->value, NULL);
            if (d)
                json_object_set_new(ex->vars, def->name, d);
        } else if (t->wrap == GQL_REF_NON_NULL) {
            gql_tref_str(t, tname, sizeof tname);
            snprintf(text, sizeof text,
                     "Variable \"$%s\" of required type \"%s\" was not provided.", def->name,
                     tname);
            gql_error_add(ex, text, def, false, "BAD_USER_INPUT");
        }
        return;
    }
    if (json_is_null(v) && t->wrap == GQL_REF_NON_NULL) {
        gql_tref_str(t, tname, sizeof tname);
        snprintf(text, sizeof text, "Variable \"$%s\" of non-null type \"%s\" must not be null.",
                 def->name, tname);
        gql_error_add(ex, text, def, false, "BAD_USER_INPUT");
        return;
    }
    vctx_t vc = {.ex = ex, .var = def->name};
    json_t *c = coerce_input(&vc, t, v, 0);
    if (c && !vc.failed)
        json_object_set_new(ex->vars, def->name, c);
    else
        json_decref(c);
}

bool gql_coerce_variables(gql_exec_t *ex, json_t *in)
{
    size_t before = json_array_size(ex->errors);
    if (in && !json_is_object(in)) {
        gql_error_add(ex,
                      "Variables must be provided as an Object where each property is a "
                      "variable value. Perhaps look to see if an unparsed JSON string was "
                      "provided.",
                      NULL, false, "BAD_REQUEST");
        return false;
    }
    for (const gql_node_t *d = ex->op->vars.first; d; d = d->next)
        var_one(ex, d, in);
    return json_array_size(ex->errors) == before;
}

/* ---- literals ---- */

static json_t *ast_json(gql_exec_t *ex, const gql_node_t *v, unsigned depth);

static json_t *literal_leaf(gql_exec_t *ex, const gql_type_t *t, const gql_node_t *v,
                            gql_msg_t *msg)
{
    if (t->kind == GQL_KIND_ENUM)
        return v->kind == GQL_ENUM && gql_type_enum_value(t, v->str) ? json_string(v->str) : NULL;
    switch (t->scalar) {
    case GQL_SC_INT: {
        if (v->kind != GQL_INT)
            return NULL;
        char *end;
        errno = 0;
        long long n = strtoll(v->str, &end, 10);
        return errno == 0 && is_int32((double)n) ? json_integer(n) : NULL;
    }
    case GQL_SC_FLOAT:
        if (v->kind == GQL_INT) {
            char *end;
            errno = 0;
            long long n = strtoll(v->str, &end, 10);
            if (errno == 0)
                return json_integer(n);
        }
        return v->kind == GQL_INT || v->kind == GQL_FLOAT ? json_real(strtod(v->str, NULL)) : NULL;
    case GQL_SC_STRING:
        return v->kind == GQL_STRING ? json_stringn(v->str, v->len) : NULL;
    case GQL_SC_BOOLEAN:
        return v->kind == GQL_BOOLEAN ? json_boolean(strcmp(v->str, "true") == 0) : NULL;
    case GQL_SC_ID:
        return v->kind == GQL_STRING || v->kind == GQL_INT ? json_stringn(v->str, v->len) : NULL;
    case GQL_SC_UINT8: {
        if (v->kind != GQL_INT && v->kind != GQL_STRING)
            return NULL;
        json_t *s = json_stringn(v->str, v->len);
        json_t *r = uint8_value(s, msg);
        json_decref(s);
        return r;
    }
    case GQL_SC_UINT64:
        if (v->kind != GQL_INT && v->kind != GQL_FLOAT && v->kind != GQL_STRING)
            return NULL;
        return uint64_from_text(v->str, v->len, msg);
    case GQL_SC_JSONOBJECT:
        return v->kind == GQL_OBJECT ? ast_json(ex, v, 0) : NULL;
    case GQL_SC_CUSTOM:
        return ast_json(ex, v, 0);
    }
    return NULL;
}

/* A literal as plain JSON (custom scalars, JSONObject); variables substituted. */
static json_t *ast_json(gql_exec_t *ex, const gql_node_t *v, unsigned depth)
{
    if (depth > GQL_DEPTH_MAX)
        return json_null();
    switch (v->kind) {
    case GQL_VARIABLE: {
        json_t *x = ex->vars ? json_object_get(ex->vars, v->name) : NULL;
        return x ? json_incref(x) : json_null();
    }
    case GQL_INT:
    case GQL_FLOAT: {
        json_t *n = json_loads(v->str, JSON_DECODE_ANY, NULL);
        return n ? n : json_real(strtod(v->str, NULL));
    }
    case GQL_STRING:
    case GQL_ENUM:
        return json_stringn(v->str, v->len);
    case GQL_BOOLEAN:
        return json_boolean(strcmp(v->str, "true") == 0);
    case GQL_LIST: {
        json_t *a = json_array();
        for (const gql_node_t *i = v->items.first; i; i = i->next)
            json_array_append_new(a, ast_json(ex, i, depth + 1));
        return a;
    }
    case GQL_OBJECT: {
        json_t *o = json_object();
        for (const gql_node_t *i = v->items.first; i; i = i->next)
            json_object_set_new(o, i->name, ast_json(ex, i->value, depth + 1));
        return o;
    }
    default:
        return json_null();
    }
}

static bool var_missing(const gql_exec_t *ex, const gql_node_t *v)
{
    return v->kind == GQL_VARIABLE && (!ex->vars || !json_object_get(ex->vars, v->name));
}

static json_t *from_ast(gql_exec_t *ex, const gql_tref_t *t, const gql_node_t *v, gql_msg_t *msg,
                        unsigned depth);

static json_t *object_from_ast(gql_exec_t *ex, const gql_type_t *t, const gql_node_t *v,
                               gql_msg_t *msg, unsigned depth)
{
    if (v->kind != GQL_OBJECT)
        return NULL;
    json_t *obj = json_object();
    for (uint32_t i = 0; i < t->n_inputs; i++) {
        const gql_ivalue_t *f = &t->inputs[i];
        const gql_node_t *fv = NULL;
        for (const gql_node_t *a = v->items.first; a; a = a->next)
            if (strcmp(a->name, f->name) == 0)
                fv = a->value;
        json_t *c = NULL;
        if (!fv || var_missing(ex, fv)) {
            if (f->def)
                c = from_ast(ex, f->type, f->def, msg, depth + 1);
            else if (f->type->wrap == GQL_REF_NON_NULL)
                goto bad;
            else
                continue;
        } else {
            c = from_ast(ex, f->type, fv, msg, depth + 1);
        }
        if (!c)
            goto bad;
        json_object_set_new(obj, f->name, c);
    }
    for (const gql_node_t *a = v->items.first; a; a = a->next)
        if (!gql_type_input(t, a->name))
            goto bad;
    return obj;
bad:
    json_decref(obj);
    return NULL;
}

static json_t *from_ast(gql_exec_t *ex, const gql_tref_t *t, const gql_node_t *v, gql_msg_t *msg,
                        unsigned depth)
{
    if (depth > GQL_DEPTH_MAX)
        return NULL;
    if (v->kind == GQL_VARIABLE) {
        json_t *x = ex->vars ? json_object_get(ex->vars, v->name) : NULL;
        if (!x)
            return NULL;
        if (json_is_null(x) && t->wrap == GQL_REF_NON_NULL)
            return NULL;
        return json_incref(x);
    }
    if (t->wrap == GQL_REF_NON_NULL)
        return v->kind == GQL_NULL ? NULL : from_ast(ex, t->of, v, msg, depth + 1);
    if (v->kind == GQL_NULL)
        return json_null();
    if (t->wrap == GQL_REF_LIST) {
        json_t *arr = json_array();
        const gql_node_t *one = v->kind == GQL_LIST ? v->items.first : v;
        for (const gql_node_t *i = one; i; i = v->kind == GQL_LIST ? i->next : NULL) {
            json_t *c = var_missing(ex, i) && t->of->wrap != GQL_REF_NON_NULL
                            ? json_null()
                            : from_ast(ex, t->of, i, msg, depth + 1);
            if (!c) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, c);
        }
        return arr;
    }
    if (t->named->kind == GQL_KIND_INPUT)
        return object_from_ast(ex, t->named, v, msg, depth);
    return literal_leaf(ex, t->named, v, msg);
}

json_t *gql_value_from_ast(gql_exec_t *ex, const gql_tref_t *t, const gql_node_t *v, gql_msg_t *msg)
{
    return from_ast(ex, t, v, msg, 0);
}

static const gql_node_t *arg_node(const gql_list_t *args, const char *name)
{
    for (const gql_node_t *a = args->first; a; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a->value;
    return NULL;
}

bool gql_coerce_args(gql_exec_t *ex, const gql_ivalue_t *defs, uint32_t n, const gql_list_t *args,
                     json_t **out, gql_msg_t *msg)
{
    char tname[256];
    *out = json_object();
    for (uint32_t i = 0; i < n; i++) {
        const gql_ivalue_t *d = &defs[i];
        const gql_node_t *v = arg_node(args, d->name);
        if (!v || var_missing(ex, v)) {
            gql_tref_str(d->type, tname, sizeof tname);
            if (d->def) {
                json_object_set_new(*out, d->name, gql_value_from_ast(ex, d->type, d->def, NULL));
            } else if (d->type->wrap == GQL_REF_NON_NULL) {
                if (v)
                    snprintf(msg->text, sizeof msg->text,
                             "Argument \"%s\" of required type \"%s\" was provided the variable "
                             "\"$%s\" which was not provided a runtime value.",
                             d->name, tname, v->name);
                else
                    snprintf(msg->text, sizeof msg->text,
                             "Argument \"%s\" of required type \"%s\" was not provided.", d->name,
                             tname);
                goto bad;
            }
            continue;
        }
        json_t *c = gql_value_from_ast(ex, d->type, v, NULL);
        if (!c) {
            buf_t b;
            buf_init(&b, 200);
            gql_print(v, &b);
            snprintf(msg->text, sizeof msg->text, "Argument \"%s\" has invalid value %.*s.",
                     d->name, (int)b.len, (const char *)b.ptr);
            buf_free(&b);
            goto bad;
        }
        json_object_set_new(*out, d->name, c);
    }
    return true;
bad:
    json_decref(*out);
    *out = NULL;
    return false;
}

bool gql_should_include(const gql_exec_t *ex, const gql_list_t *directives)
{
    for (const gql_node_t *d = directives->first; d; d = d->next) {
        bool skip = strcmp(d->name, "skip") == 0;
        if (!skip && strcmp(d->name, "include") != 0)
            continue;
        const gql_node_t *v = arg_node(&d->args, "if");
        bool val = false;
        if (v && v->kind == GQL_BOOLEAN)
            val = strcmp(v->str, "true") == 0;
        else if (v && v->kind == GQL_VARIABLE && ex->vars)
            val = json_is_true(json_object_get(ex->vars, v->name));
        if (skip == val)
            return false;
    }
    return true;
}
