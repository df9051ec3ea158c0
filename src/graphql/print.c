/*
 * The printer: graphql-js's printDocASTReducer rules written as a walk that appends to one
 * buffer. graphql-js indents a nested block by replacing every "\n" inside it; here every
 * newline goes through nl(), which adds the current level's indentation, so the output is the
 * same (block strings inside a block are indented too, as there).
 */
#include "graphql/print.h"

#include <string.h>

#include "base/assert.h"

typedef struct {
    buf_t *b;
    uint32_t level;
} printer_t;

static void print_node(printer_t *pr, const gql_node_t *n);

static void put(printer_t *pr, const char *s)
{
    buf_append(pr->b, s, strlen(s));
}

static void nl(printer_t *pr)
{
    buf_push(pr->b, '\n');
    for (uint32_t i = 0; i < pr->level; i++)
        buf_append(pr->b, "  ", 2);
}

/* graphql-js measures lines in UTF-16 code units. */
static size_t utf16_len(const uint8_t *s, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            len += s[i] >= 0xF0 ? 2 : 1;
    return len;
}

static void print_string(printer_t *pr, const char *str, size_t len)
{
    static const char HEX[] = "0123456789ABCDEF";
    const uint8_t *s = (const uint8_t *)str;
    buf_push(pr->b, '"');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        unsigned cp = c < 0x80 ? c : 0x100;
        if (c == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
            cp = s[++i];
        if (esc) {
            put(pr, esc);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            char u[7] = {'\\', 'u', '0', '0', HEX[cp >> 4], HEX[cp & 15], 0};
            put(pr, u);
        } else {
            buf_push(pr->b, c);
        }
    }
    buf_push(pr->b, '"');
}

static bool block_lines_indented(const char *s, size_t len)
{
    const char *nlp = memchr(s, '\n', len);
    if (!nlp)
        return false;
    for (const char *p = nlp; p; p = memchr(p + 1, '\n', len - (size_t)(p + 1 - s))) {
        if (p + 1 < s + len && p[1] != '\n' && p[1] != ' ' && p[1] != '\t')
            return false;
    }
    return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* graphql-js's printBlockString. */
static void print_block_string(printer_t *pr, const char *s, size_t len)
{
    bool single = memchr(s, '\n', len) == NULL;
    bool force_lead = block_lines_indented(s, len);
    bool trailing_triple = ends_with(s, len, "\"\"\"");
    bool force_trail = (ends_with(s, len, "\"") && !trailing_triple) || ends_with(s, len, "\\");
    bool multi = !single || utf16_len((const uint8_t *)s, len) > 70 || force_trail || force_lead ||
                 trailing_triple;
    bool skip_lead = single && len > 0 && (s[0] == ' ' || s[0] == '\t');
    put(pr, "\"\"\"");
    if ((multi && !skip_lead) || force_lead)
        nl(pr);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            nl(pr);
        } else if (s[i] == '"' && i + 2 < len && s[i + 1] == '"' && s[i + 2] == '"') {
            put(pr, "\\\"\"\"");
            i += 2;
        } else {
            buf_push(pr->b, (uint8_t)s[i]);
        }
    }
    if (multi || force_trail)
        nl(pr);
    put(pr, "\"\"\"");
}

static void print_list(printer_t *pr, const gql_list_t *l, const char *sep)
{
    for (const gql_node_t *n = l->first; n; n = n->next) {
        print_node(pr, n);
        if (n->next)
            put(pr, sep);
    }
}

static void print_args(printer_t *pr, const gql_list_t *args)
{
    if (args->n == 0)
        return;
    put(pr, "(");
    print_list(pr, args, ", ");
    put(pr, ")");
}

/* Each directive with a space before it. */
static void print_directives(printer_t *pr, const gql_list_t *dirs)
{
    for (const gql_node_t *d = dirs->first; d; d = d->next) {
        put(pr, " ");
        print_node(pr, d);
    }
}

/* { item \n item } with the items one level in; nothing for an empty list (with lead). */
static void print_block(printer_t *pr, const gql_list_t *items, const char *lead)
{
    if (items->n == 0)
        return;
    put(pr, lead);
    put(pr, "{");
    pr->level++;
    for (const gql_node_t *n = items->first; n; n = n->next) {
        nl(pr);
        print_node(pr, n);
    }
    pr->level--;
    nl(pr);
    put(pr, "}");
}

/* ( arg \n arg ) one level in. */
static void print_args_multiline(printer_t *pr, const gql_list_t *args)
{
    put(pr, "(");
    pr->level++;
    for (const gql_node_t *n = args->first; n; n = n->next) {
        nl(pr);
        print_node(pr, n);
    }
    pr->level--;
    nl(pr);
    put(pr, ")");
}

static void print_description(printer_t *pr, const gql_node_t *n)
{
    if (n->description == NULL)
        return;
    print_node(pr, n->description);
    nl(pr);
}

/* The text n would print as at level 0, for graphql-js's layout decisions. */
static void measure(const gql_node_t *n, bool args_only, buf_t *tmp)
{
    printer_t m = {.b = tmp};
    buf_init(tmp, GQL_DOCUMENT_MAX * 4);
    if (!args_only) {
        if (n->alias) {
            put(&m, n->alias);
            put(&m, ": ");
        }
        put(&m, n->name);
    }
    print_args(&m, &n->args);
}

static void print_field(printer_t *pr, const gql_node_t *n)
{
    buf_t tmp;
    measure(n, false, &tmp);
    bool wide = n->args.n > 0 && utf16_len(tmp.ptr, tmp.len) > 80;
    buf_free(&tmp);
    if (n->alias) {
        put(pr, n->alias);
        put(pr, ": ");
    }
    put(pr, n->name);
    if (wide)
        print_args_multiline(pr, &n->args);
    else
        print_args(pr, &n->args);
    print_directives(pr, &n->directives);
    print_block(pr, &n->sel, " ");
}

/* A field or directive definition's arguments: one a line when any prints on several. */
static void print_arg_defs(printer_t *pr, const gql_node_t *n)
{
    buf_t tmp;
    measure(n, true, &tmp);
    bool multi = tmp.len > 0 && memchr(tmp.ptr, '\n', tmp.len) != NULL;
    buf_free(&tmp);
    if (multi)
        print_args_multiline(pr, &n->args);
    else
        print_args(pr, &n->args);
}

static void print_operation(printer_t *pr, const gql_node_t *n)
{
    static const char *const OPS[] = {"query", "mutation", "subscription"};
    if (n->op != GQL_OP_QUERY || n->name || n->vars.n || n->directives.n) {
        put(pr, OPS[n->op]);
        if (n->name || n->vars.n)
            put(pr, " ");
        if (n->name)
            put(pr, n->name);
        if (n->vars.n) {
            put(pr, "(");
            print_list(pr, &n->vars, ", ");
            put(pr, ")");
        }
        print_directives(pr, &n->directives);
        put(pr, " ");
    }
    print_block(pr, &n->sel, "");
}

static void print_value(printer_t *pr, const gql_node_t *n)
{
    switch (n->kind) {
    case GQL_VARIABLE:
        put(pr, "$");
        put(pr, n->name);
        break;
    case GQL_STRING:
        if (n->flags & GQL_F_BLOCK)
            print_block_string(pr, n->str, n->len);
        else
            print_string(pr, n->str, n->len);
        break;
    case GQL_LIST:
        put(pr, "[");
        print_list(pr, &n->items, ", ");
        put(pr, "]");
        break;
    case GQL_OBJECT:
        put(pr, "{");
        print_list(pr, &n->items, ", ");
        put(pr, "}");
        break;
    case GQL_NULL:
        put(pr, "null");
        break;
    default:
        put(pr, n->str);
        break;
    }
}

static void print_type(printer_t *pr, const gql_node_t *n)
{
    if (n->kind == GQL_NAMED_TYPE) {
        put(pr, n->name);
    } else if (n->kind == GQL_LIST_TYPE) {
        put(pr, "[");
        print_type(pr, n->type);
        put(pr, "]");
    } else {
        print_type(pr, n->type);
        put(pr, "!");
    }
}

static void print_default(printer_t *pr, const gql_node_t *n, const char *lead)
{
    if (n->value) {
        put(pr, lead);
        print_node(pr, n->value);
    }
}

static void print_executable(printer_t *pr, const gql_node_t *n)
{
    switch (n->kind) {
    case GQL_OPERATION:
        print_operation(pr, n);
        break;
    case GQL_VARIABLE_DEF:
        put(pr, "$");
        put(pr, n->name);
        put(pr, ": ");
        print_type(pr, n->type);
        print_default(pr, n, " = ");
        print_directives(pr, &n->directives);
        break;
    case GQL_FIELD:
        print_field(pr, n);
        break;
    case GQL_ARGUMENT:
        put(pr, n->name);
        put(pr, ": ");
        print_node(pr, n->value);
        break;
    case GQL_FRAGMENT_SPREAD:
        put(pr, "...");
        put(pr, n->name);
        print_directives(pr, &n->directives);
        break;
    case GQL_INLINE_FRAGMENT:
        put(pr, "...");
        if (n->type) {
            put(pr, " on ");
            put(pr, n->type->name);
        }
        print_directives(pr, &n->directives);
        print_block(pr, &n->sel, " ");
        break;
    case GQL_FRAGMENT_DEF:
        put(pr, "fragment ");
        put(pr, n->name);
        put(pr, " on ");
        put(pr, n->type->name);
        print_directives(pr, &n->directives);
        print_block(pr, &n->sel, " ");
        break;
    case GQL_DIRECTIVE:
        put(pr, "@");
        put(pr, n->name);
        print_args(pr, &n->args);
        break;
    default:
        ASSERT(!"not an executable node");
        break;
    }
}

static const char *type_keyword(gql_kind_t k)
{
    switch (k) {
    case GQL_SCHEMA_DEF:
        return "schema";
    case GQL_SCALAR_DEF:
        return "scalar";
    case GQL_OBJECT_DEF:
        return "type";
    case GQL_INTERFACE_DEF:
        return "interface";
    case GQL_UNION_DEF:
        return "union";
    case GQL_ENUM_DEF:
        return "enum";
    case GQL_INPUT_DEF:
        return "input";
    default:
        return "directive";
    }
}

/* schema, scalar, type, interface, union, enum and input definitions and extensions. */
static void print_type_def(printer_t *pr, const gql_node_t *n)
{
    print_description(pr, n);
    if (n->flags & GQL_F_EXTEND)
        put(pr, "extend ");
    put(pr, type_keyword(n->kind));
    if (n->name) {
        put(pr, " ");
        put(pr, n->name);
    }
    if (n->ifaces.n) {
        put(pr, " implements ");
        print_list(pr, &n->ifaces, " & ");
    }
    print_directives(pr, &n->directives);
    if (n->kind == GQL_UNION_DEF) {
        if (n->items.n) {
            put(pr, " = ");
            print_list(pr, &n->items, " | ");
        }
    } else {
        print_block(pr, &n->items, " ");
    }
}

static void print_type_system(printer_t *pr, const gql_node_t *n)
{
    static const char *const OPS[] = {"query", "mutation", "subscription"};
    switch (n->kind) {
    case GQL_DIRECTIVE_DEF:
        print_description(pr, n);
        put(pr, "directive @");
        put(pr, n->name);
        print_arg_defs(pr, n);
        put(pr, n->flags & GQL_F_REPEATABLE ? " repeatable on " : " on ");
        print_list(pr, &n->items, " | ");
        break;
    case GQL_OPERATION_TYPE_DEF:
        put(pr, OPS[n->op]);
        put(pr, ": ");
        put(pr, n->type->name);
        break;
    case GQL_FIELD_DEF:
        print_description(pr, n);
        put(pr, n->name);
        print_arg_defs(pr, n);
        put(pr, ": ");
        print_type(pr, n->type);
        print_directives(pr, &n->directives);
        break;
    case GQL_INPUT_VALUE_DEF:
        print_description(pr, n);
        put(pr, n->name);
        put(pr, ": ");
        print_type(pr, n->type);
        print_default(pr, n, " = ");
        print_directives(pr, &n->directives);
        break;
    case GQL_ENUM_VALUE_DEF:
        print_description(pr, n);
        put(pr, n->name);
        print_directives(pr, &n->directives);
        break;
    case GQL_NAME:
        put(pr, n->name);
        break;
    default:
        print_type_def(pr, n);
        break;
    }
}

static void print_node(printer_t *pr, const gql_node_t *n)
{
    switch (n->kind) {
    case GQL_DOCUMENT:
        for (const gql_node_t *d = n->items.first; d; d = d->next) {
            print_node(pr, d);
            if (d->next)
                put(pr, "\n\n");
        }
        break;
    case GQL_OPERATION:
    case GQL_VARIABLE_DEF:
    case GQL_FIELD:
    case GQL_ARGUMENT:
    case GQL_FRAGMENT_SPREAD:
    case GQL_INLINE_FRAGMENT:
    case GQL_FRAGMENT_DEF:
    case GQL_DIRECTIVE:
        print_executable(pr, n);
        break;
    case GQL_VARIABLE:
    case GQL_INT:
    case GQL_FLOAT:
    case GQL_STRING:
    case GQL_BOOLEAN:
    case GQL_NULL:
    case GQL_ENUM:
    case GQL_LIST:
    case GQL_OBJECT:
        print_value(pr, n);
        break;
    case GQL_NAMED_TYPE:
    case GQL_LIST_TYPE:
    case GQL_NON_NULL_TYPE:
        print_type(pr, n);
        break;
    default:
        print_type_system(pr, n);
        break;
    }
}

bool gql_print(const gql_node_t *n, buf_t *out)
{
    printer_t pr = {.b = out};
    print_node(&pr, n);
    return !out->failed;
}
