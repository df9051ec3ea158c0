/*
 * The GraphQL lexer: one token per call over a (ptr, len) document. Strings are decoded into a
 * scratch buffer (allocated once per lexer, no larger than the document or GQL_STRING_MAX) and
 * copied into the arena; block strings are dedented there by the spec's BlockStringValue rule.
 * Columns are counted in UTF-16 units from the last known point on the line, so the cost stays
 * linear in the document.
 */
#include "graphql/lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *gql_result_str(gql_result_t r)
{
    switch (r) {
    case GQL_OK:
        return "ok";
    case GQL_SYNTAX:
        return "syntax";
    case GQL_TOO_LARGE:
        return "too_large";
    case GQL_TOO_MANY_TOKENS:
        return "too_many_tokens";
    case GQL_TOO_DEEP:
        return "too_deep";
    case GQL_NAME_TOO_LONG:
        return "name_too_long";
    case GQL_STRING_TOO_LONG:
        return "string_too_long";
    case GQL_NUMBER_TOO_LONG:
        return "number_too_long";
    case GQL_SCHEMA_INVALID:
        return "schema_invalid";
    }
    return "unknown";
}

static const char *const KIND_DESC[] = {
    [GQL_T_EOF] = "<EOF>",       [GQL_T_BANG] = "\"!\"",
    [GQL_T_DOLLAR] = "\"$\"",    [GQL_T_AMP] = "\"&\"",
    [GQL_T_PAREN_L] = "\"(\"",   [GQL_T_PAREN_R] = "\")\"",
    [GQL_T_SPREAD] = "\"...\"",  [GQL_T_COLON] = "\":\"",
    [GQL_T_EQUALS] = "\"=\"",    [GQL_T_AT] = "\"@\"",
    [GQL_T_BRACKET_L] = "\"[\"", [GQL_T_BRACKET_R] = "\"]\"",
    [GQL_T_BRACE_L] = "\"{\"",   [GQL_T_PIPE] = "\"|\"",
    [GQL_T_BRACE_R] = "\"}\"",   [GQL_T_NAME] = "Name",
    [GQL_T_INT] = "Int",         [GQL_T_FLOAT] = "Float",
    [GQL_T_STRING] = "String",   [GQL_T_BLOCK_STRING] = "BlockString",
};

const char *gql_tok_kind_desc(gql_tok_kind_t k)
{
    return KIND_DESC[k];
}

void gql_token_desc(const gql_token_t *t, char *out, size_t cap)
{
    if (t->val == NULL) {
        snprintf(out, cap, "%s", KIND_DESC[t->kind]);
        return;
    }
    int shown = t->len > 200 ? 200 : (int)t->len;
    snprintf(out, cap, "%s \"%.*s\"", KIND_DESC[t->kind], shown, t->val);
}

gql_result_t gql_lexer_init(gql_lexer_t *lx, const uint8_t *src, size_t len, arena_t *arena,
                            gql_err_t *err)
{
    *lx =
        (gql_lexer_t){.src = src, .len = len, .line = 1, .col_val = 1, .arena = arena, .err = err};
    *err = (gql_err_t){.code = GQL_OK};
    if (len > GQL_DOCUMENT_MAX) {
        *err = (gql_err_t){.code = GQL_TOO_LARGE, .line = 1, .col = 1};
        snprintf(err->message, sizeof err->message,
                 "Syntax Error: Document is larger than %u bytes.", GQL_DOCUMENT_MAX);
        return GQL_TOO_LARGE;
    }
    return GQL_OK;
}

uint32_t gql_lexer_col(gql_lexer_t *lx, size_t at)
{
    if (at > lx->len)
        at = lx->len;
    for (; lx->col_pos < at; lx->col_pos++) {
        uint8_t b = lx->src[lx->col_pos];
        if ((b & 0xC0) != 0x80)
            lx->col_val += b >= 0xF0 ? 2 : 1;
    }
    return lx->col_val;
}

static void newline_at(gql_lexer_t *lx, size_t next)
{
    lx->line++;
    lx->col_pos = next;
    lx->col_val = 1;
}

__attribute__((format(printf, 4, 5))) static gql_result_t
fail(gql_lexer_t *lx, size_t at, gql_result_t rc, const char *fmt, ...)
{
    gql_err_t *e = lx->err;
    e->code = rc;
    e->line = lx->line;
    e->col = gql_lexer_col(lx, at);
    int n = snprintf(e->message, sizeof e->message, "Syntax Error: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message + n, sizeof e->message - (size_t)n, fmt, ap);
    va_end(ap);
    return rc;
}

/* The length of the valid UTF-8 scalar value at p (cp set), or 0. */
static int utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    uint8_t b = p[0];
    int k = b < 0x80             ? 1
            : (b & 0xE0) == 0xC0 ? 2
            : (b & 0xF0) == 0xE0 ? 3
            : (b & 0xF8) == 0xF0 ? 4
                                 : 0;
    if (k == 0 || (size_t)k > n)
        return 0;
    uint32_t c = k == 1 ? b : k == 2 ? b & 0x1Fu : k == 3 ? b & 0x0Fu : b & 0x07u;
    for (int i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    static const uint32_t MIN[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < MIN[k] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return k;
}

static size_t utf8_encode(uint32_t c, uint8_t *out)
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* graphql-js's printCodePointAt: `<EOF>`, `"a"`, `'"'` or `U+00E9`. */
static const char *cp_desc(const gql_lexer_t *lx, size_t at, char *buf, size_t cap)
{
    uint32_t c = 0xFFFD;
    if (at >= lx->len)
        return "<EOF>";
    utf8_decode(lx->src + at, lx->len - at, &c);
    if (c == '"')
        return "'\"'";
    if (c >= 0x20 && c <= 0x7E)
        snprintf(buf, cap, "\"%c\"", (char)c);
    else
        snprintf(buf, cap, "U+%04X", (unsigned)c);
    return buf;
}

static int at(const gql_lexer_t *lx, size_t p)
{
    return p < lx->len ? lx->src[p] : -1;
}

static bool is_name_start(int c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skips whitespace, line terminators, commas, byte order marks and comments. A comment's
 * text must be valid UTF-8. */
static gql_result_t skip_ignored(gql_lexer_t *lx)
{
    char buf[16];
    while (lx->pos < lx->len) {
        uint8_t c = lx->src[lx->pos];
        if (c == ' ' || c == '\t' || c == ',') {
            lx->pos++;
        } else if (c == '\n' || c == '\r') {
            lx->pos += c == '\r' && at(lx, lx->pos + 1) == '\n' ? 2 : 1;
            newline_at(lx, lx->pos);
        } else if (c == 0xEF && at(lx, lx->pos + 1) == 0xBB && at(lx, lx->pos + 2) == 0xBF) {
            lx->pos += 3;
        } else if (c == '#') {
            size_t p = lx->pos + 1;
            while (p < lx->len && lx->src[p] != '\n' && lx->src[p] != '\r') {
                uint32_t cp = 0;
                int k = utf8_decode(lx->src + p, lx->len - p, &cp);
                if (k == 0)
                    return fail(lx, p, GQL_SYNTAX, "Invalid character: %s.",
                                cp_desc(lx, p, buf, sizeof buf));
                p += (size_t)k;
            }
            lx->pos = p;
        } else {
            break;
        }
    }
    return GQL_OK;
}

static gql_result_t lex_digits(gql_lexer_t *lx, size_t *p)
{
    char buf[16];
    if (!is_digit(at(lx, *p)))
        return fail(lx, *p, GQL_SYNTAX, "Invalid number, expected digit but got: %s.",
                    cp_desc(lx, *p, buf, sizeof buf));
    while (is_digit(at(lx, *p)))
        (*p)++;
    return GQL_OK;
}

static gql_result_t lex_number(gql_lexer_t *lx, gql_token_t *t)
{
    char buf[16];
    size_t p = t->start;
    gql_result_t rc;
    t->kind = GQL_T_INT;
    if (at(lx, p) == '-')
        p++;
    if (at(lx, p) == '0') {
        p++;
        if (is_digit(at(lx, p)))
            return fail(lx, p, GQL_SYNTAX, "Invalid number, unexpected digit after 0: %s.",
                        cp_desc(lx, p, buf, sizeof buf));
    } else if ((rc = lex_digits(lx, &p)) != GQL_OK) {
        return rc;
    }
    if (at(lx, p) == '.') {
        t->kind = GQL_T_FLOAT;
        p++;
        if ((rc = lex_digits(lx, &p)) != GQL_OK)
            return rc;
    }
    if (at(lx, p) == 'e' || at(lx, p) == 'E') {
        t->kind = GQL_T_FLOAT;
        p++;
        if (at(lx, p) == '+' || at(lx, p) == '-')
            p++;
        if ((rc = lex_digits(lx, &p)) != GQL_OK)
            return rc;
    }
    if (at(lx, p) == '.' || is_name_start(at(lx, p)))
        return fail(lx, p, GQL_SYNTAX, "Invalid number, expected digit but got: %s.",
                    cp_desc(lx, p, buf, sizeof buf));
    if (p - t->start > GQL_NUMBER_MAX)
        return fail(lx, t->start, GQL_NUMBER_TOO_LONG, "Number is longer than %u bytes.",
                    GQL_NUMBER_MAX);
    t->end = p;
    t->len = p - t->start;
    t->val = arena_strndup(lx->arena, (const char *)lx->src + t->start, t->len);
    return GQL_OK;
}

/* The decode buffer: a decoded string is never longer than its raw text, which is within
 * both the document and GQL_STRING_MAX. */
static uint8_t *scratch(gql_lexer_t *lx)
{
    if (lx->scratch == NULL) {
        size_t cap = (lx->len < GQL_STRING_MAX ? lx->len : GQL_STRING_MAX) + 8;
        lx->scratch = arena_alloc(lx->arena, cap);
    }
    return lx->scratch;
}

static int hex4(const gql_lexer_t *lx, size_t p)
{
    int v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = hex_val(at(lx, p + i));
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* graphql-js quotes the escape as `size` UTF-16 units of the source: whole code points here. */
static gql_result_t bad_unicode(gql_lexer_t *lx, size_t p, size_t size)
{
    size_t n = 0;
    for (size_t units = 0; units < size && p + n < lx->len;) {
        uint32_t cp = 0;
        int k = utf8_decode(lx->src + p + n, lx->len - p - n, &cp);
        n += k > 0 ? (size_t)k : 1;
        units += k == 4 ? 2 : 1;
    }
    return fail(lx, p, GQL_SYNTAX, "Invalid Unicode escape sequence: \"%.*s\".", (int)n,
                (const char *)lx->src + p);
}

/* \u{...} (graphql-js 16) or \uXXXX, with a surrogate pair as two escapes. */
static gql_result_t lex_unicode(gql_lexer_t *lx, size_t *pp, uint32_t *cp)
{
    size_t p = *pp;
    if (at(lx, p + 2) == '{') {
        uint32_t v = 0;
        for (size_t size = 3; size < 12;) {
            int c = at(lx, p + size++);
            if (c == '}') {
                if (size < 5 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    return bad_unicode(lx, p, size);
                *cp = v;
                *pp = p + size;
                return GQL_OK;
            }
            int h = hex_val(c);
            if (h < 0)
                return bad_unicode(lx, p, size);
            v = (v << 4) | (uint32_t)h;
        }
        return bad_unicode(lx, p, 12);
    }
    int v = hex4(lx, p + 2);
    if (v >= 0 && (v < 0xD800 || v > 0xDFFF)) {
        *cp = (uint32_t)v;
        *pp = p + 6;
        return GQL_OK;
    }
    if (v >= 0xD800 && v <= 0xDBFF && at(lx, p + 6) == '\\' && at(lx, p + 7) == 'u') {
        int lo = hex4(lx, p + 8);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *cp = 0x10000 + (((uint32_t)v - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            *pp = p + 12;
            return GQL_OK;
        }
    }
    return bad_unicode(lx, p, 6);
}

static gql_result_t lex_escape(gql_lexer_t *lx, size_t *pp, uint8_t *out, size_t *n)
{
    static const char SIMPLE[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    size_t p = *pp;
    int e = at(lx, p + 1);
    if (e == 'u') {
        uint32_t cp = 0;
        gql_result_t rc = lex_unicode(lx, pp, &cp);
        if (rc == GQL_OK)
            *n += utf8_encode(cp, out + *n);
        return rc;
    }
    for (size_t i = 0; e > 0 && i + 1 < sizeof SIMPLE; i += 2) {
        if (SIMPLE[i] == e) {
            out[(*n)++] = (uint8_t)SIMPLE[i + 1];
            *pp = p + 2;
            return GQL_OK;
        }
    }
    uint32_t cp = 0;
    int k = e < 0 ? 0 : utf8_decode(lx->src + p + 1, lx->len - p - 1, &cp);
    return fail(lx, p, GQL_SYNTAX, "Invalid character escape sequence: \"%.*s\".", 1 + (k ? k : 0),
                (const char *)lx->src + p);
}

static gql_result_t string_too_long(gql_lexer_t *lx, size_t start)
{
    return fail(lx, start, GQL_STRING_TOO_LONG, "String is longer than %u bytes.", GQL_STRING_MAX);
}

static gql_result_t bad_char_in_string(gql_lexer_t *lx, size_t p)
{
    char buf[16];
    return fail(lx, p, GQL_SYNTAX, "Invalid character within String: %s.",
                cp_desc(lx, p, buf, sizeof buf));
}

/* Copies the UTF-8 character at *p into out at *n and moves both past it. */
static gql_result_t copy_char(gql_lexer_t *lx, size_t *p, uint8_t *out, size_t *n)
{
    uint32_t cp = 0;
    int k = utf8_decode(lx->src + *p, lx->len - *p, &cp);
    if (k == 0)
        return bad_char_in_string(lx, *p);
    memcpy(out + *n, lx->src + *p, (size_t)k);
    *n += (size_t)k;
    *p += (size_t)k;
    return GQL_OK;
}

#define TRY_LEX(expr)                                                                              \
    do {                                                                                           \
        gql_result_t rc_ = (expr);                                                                 \
        if (rc_ != GQL_OK)                                                                         \
            return rc_;                                                                            \
    } while (0)

static gql_result_t lex_string(gql_lexer_t *lx, gql_token_t *t)
{
    uint8_t *out = scratch(lx);
    size_t p = t->start + 1, n = 0;
    for (;;) {
        if (p - t->start > GQL_STRING_MAX)
            return string_too_long(lx, t->start);
        int c = at(lx, p);
        if (c < 0 || c == '\n' || c == '\r')
            return fail(lx, p, GQL_SYNTAX, "Unterminated string.");
        if (c == '"')
            break;
        if (c == '\\') {
            gql_result_t rc = lex_escape(lx, &p, out, &n);
            if (rc != GQL_OK)
                return rc;
            continue;
        }
        TRY_LEX(copy_char(lx, &p, out, &n));
    }
    t->kind = GQL_T_STRING;
    t->end = p + 1;
    t->len = n;
    t->val = arena_strndup(lx->arena, (const char *)out, n);
    return GQL_OK;
}

static size_t leading_ws(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* The spec's BlockStringValue over raw lines joined by "\n" (escapes already undone): remove
 * the common indentation of every line but the first, then the leading and trailing blank
 * lines. Works in place (the result is never longer); returns the new length. */
static size_t block_dedent(uint8_t *s, size_t n)
{
    size_t common = SIZE_MAX, line = 0, first = SIZE_MAX, last = 0;
    for (size_t i = 0; i <= n; line++) {
        const uint8_t *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n, ind = leading_ws(s + i, end - i);
        if (ind < end - i) {
            first = first == SIZE_MAX ? line : first;
            last = line;
            common = line > 0 && ind < common ? ind : common;
        }
        i = end + 1;
    }
    if (first == SIZE_MAX)
        return 0;
    size_t w = 0;
    line = 0;
    for (size_t i = 0; i <= n && line <= last; line++) {
        const uint8_t *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n, from = i;
        if (line > 0)
            from = end - i > common ? i + common : end;
        if (line >= first) {
            if (line > first)
                s[w++] = '\n';
            memmove(s + w, s + from, end - from);
            w += end - from;
        }
        i = end + 1;
    }
    return w;
}

static gql_result_t lex_block_string(gql_lexer_t *lx, gql_token_t *t)
{
    uint8_t *out = scratch(lx);
    size_t p = t->start + 3, n = 0;
    for (;;) {
        if (p - t->start > GQL_STRING_MAX)
            return string_too_long(lx, t->start);
        int c = at(lx, p);
        if (c < 0)
            return fail(lx, p, GQL_SYNTAX, "Unterminated string.");
        if (c == '"' && at(lx, p + 1) == '"' && at(lx, p + 2) == '"')
            break;
        if (c == '\\' && at(lx, p + 1) == '"' && at(lx, p + 2) == '"' && at(lx, p + 3) == '"') {
            memcpy(out + n, "\"\"\"", 3);
            n += 3;
            p += 4;
        } else if (c == '\n' || c == '\r') {
            out[n++] = '\n';
            p += c == '\r' && at(lx, p + 1) == '\n' ? 2 : 1;
            newline_at(lx, p);
        } else {
            TRY_LEX(copy_char(lx, &p, out, &n));
        }
    }
    t->kind = GQL_T_BLOCK_STRING;
    t->end = p + 3;
    t->len = block_dedent(out, n);
    t->val = arena_strndup(lx->arena, (const char *)out, t->len);
    return GQL_OK;
}

static gql_result_t lex_name(gql_lexer_t *lx, gql_token_t *t)
{
    size_t p = t->start + 1;
    while (p < lx->len && (is_name_start(lx->src[p]) || is_digit(lx->src[p])))
        p++;
    if (p - t->start > GQL_NAME_MAX)
        return fail(lx, t->start, GQL_NAME_TOO_LONG, "Name is longer than %u bytes.", GQL_NAME_MAX);
    t->kind = GQL_T_NAME;
    t->end = p;
    t->len = p - t->start;
    t->val = arena_strndup(lx->arena, (const char *)lx->src + t->start, t->len);
    return GQL_OK;
}

static gql_tok_kind_t punctuator(const gql_lexer_t *lx, size_t p)
{
    switch (lx->src[p]) {
    case '!':
        return GQL_T_BANG;
    case '$':
        return GQL_T_DOLLAR;
    case '&':
        return GQL_T_AMP;
    case '(':
        return GQL_T_PAREN_L;
    case ')':
        return GQL_T_PAREN_R;
    case ':':
        return GQL_T_COLON;
    case '=':
        return GQL_T_EQUALS;
    case '@':
        return GQL_T_AT;
    case '[':
        return GQL_T_BRACKET_L;
    case ']':
        return GQL_T_BRACKET_R;
    case '{':
        return GQL_T_BRACE_L;
    case '|':
        return GQL_T_PIPE;
    case '}':
        return GQL_T_BRACE_R;
    case '.':
        return at(lx, p + 1) == '.' && at(lx, p + 2) == '.' ? GQL_T_SPREAD : GQL_T_EOF;
    default:
        return GQL_T_EOF;
    }
}

static gql_result_t lex_other(gql_lexer_t *lx, gql_token_t *t)
{
    char buf[16];
    size_t p = t->start;
    int c = lx->src[p];
    gql_tok_kind_t k = punctuator(lx, p);
    if (k != GQL_T_EOF) {
        t->kind = k;
        t->end = p + (k == GQL_T_SPREAD ? 3 : 1);
        return GQL_OK;
    }
    if (is_name_start(c))
        return lex_name(lx, t);
    if (c == '-' || is_digit(c))
        return lex_number(lx, t);
    if (c == '"')
        return at(lx, p + 1) == '"' && at(lx, p + 2) == '"' ? lex_block_string(lx, t)
                                                            : lex_string(lx, t);
    if (c == '\'')
        return fail(lx, p, GQL_SYNTAX,
                    "Unexpected single quote character ('), did you mean "
                    "to use a double quote (\")?");
    return fail(lx, p, GQL_SYNTAX, "Unexpected character: %s.", cp_desc(lx, p, buf, sizeof buf));
}

gql_result_t gql_lex_next(gql_lexer_t *lx, gql_token_t *t)
{
    gql_result_t rc = skip_ignored(lx);
    if (rc != GQL_OK)
        return rc;
    uint32_t line = lx->line, col = gql_lexer_col(lx, lx->pos);
    *t = (gql_token_t){
        .kind = GQL_T_EOF, .start = lx->pos, .end = lx->pos, .line = line, .col = col};
    if (lx->pos >= lx->len)
        return GQL_OK;
    if (++lx->tokens > GQL_TOKENS_MAX)
        return fail(lx, lx->pos, GQL_TOO_MANY_TOKENS,
                    "Document contains more than %u tokens. Parsing aborted.", GQL_TOKENS_MAX);
    rc = lex_other(lx, t);
    if (rc == GQL_OK) {
        t->line = line;
        t->col = col;
        lx->pos = t->end;
    }
    return rc;
}
