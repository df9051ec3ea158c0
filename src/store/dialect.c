/*
 * The one place where SQL differs between SQLite and Postgres: dialect tokens ({{NAME}}) are
 * replaced by each driver's spelling, and `?` placeholders are numbered $1, $2, ... for Postgres.
 * Quoted literals, quoted identifiers and comments are copied untouched.
 *
 * Blocks for one dialect only (schema differences too large for a token, such as a table that
 * SQLite stores WITHOUT ROWID): text between {{IF_SQLITE}} or {{IF_POSTGRES}} and the next
 * {{END_IF}} is kept for that dialect and dropped for the other. Blocks do not nest.
 */
#include <string.h>

#include "store/db_internal.h"

typedef struct {
    const char *name;
    const char *sqlite;
    const char *postgres;
} db_token_t;

/* Replacements may contain `?`: they are numbered like the caller's own placeholders. */
static const db_token_t TOKENS[] = {
    {"FOR_UPDATE", "", " FOR UPDATE"},
    {"BLOB", "BLOB", "BYTEA"},
    {"NOW_MS", "(CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER))",
     "(CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT))"},
    {"JSON_LIST", "(SELECT value FROM json_each(?))", "(SELECT json_array_elements_text(?::json))"},
};

typedef struct {
    char *out;
    size_t cap, len;
    bool overflow;
    int nparams;
    db_kind_t kind;
} db_xlat_t;

static void emit(db_xlat_t *x, const char *p, size_t n)
{
    if (x->len + n >= x->cap) {
        x->overflow = true;
        return;
    }
    memcpy(x->out + x->len, p, n);
    x->len += n;
}

static void emit_param(db_xlat_t *x)
{
    x->nparams++;
    if (x->kind == DB_SQLITE) {
        emit(x, "?", 1);
        return;
    }
    char num[16];
    int n = 0;
    char digits[12];
    for (int v = x->nparams; v > 0; v /= 10)
        digits[n++] = (char)('0' + v % 10);
    num[0] = '$';
    for (int i = 0; i < n; i++)
        num[1 + i] = digits[n - 1 - i];
    emit(x, num, (size_t)n + 1);
}

/* Copies plain text, numbering `?` (used for token replacements, which hold no literals). */
static void emit_plain(db_xlat_t *x, const char *s)
{
    for (; *s; s++) {
        if (*s == '?')
            emit_param(x);
        else
            emit(x, s, 1);
    }
}

/* Returns the end of a quoted run starting at p (p points at the opening quote). */
static const char *skip_quoted(const char *p)
{
    char q = *p++;
    while (*p) {
        if (*p == q) {
            if (p[1] == q) { /* doubled quote escapes itself */
                p += 2;
                continue;
            }
            return p + 1;
        }
        p++;
    }
    return p;
}

static const char *skip_comment(const char *p)
{
    if (p[0] == '-') {
        while (*p && *p != '\n')
            p++;
        return p;
    }
    const char *end = strstr(p + 2, "*/");
    return end ? end + 2 : p + strlen(p);
}

/* Replaces the token at p ("{{NAME}}"); returns the text after it, or NULL if unknown. */
static const char *emit_token(db_xlat_t *x, const char *p)
{
    const char *end = strstr(p + 2, "}}");
    if (!end)
        return NULL;
    size_t n = (size_t)(end - (p + 2));
    for (size_t i = 0; i < sizeof TOKENS / sizeof TOKENS[0]; i++) {
        if (strlen(TOKENS[i].name) == n && memcmp(TOKENS[i].name, p + 2, n) == 0) {
            emit_plain(x, x->kind == DB_SQLITE ? TOKENS[i].sqlite : TOKENS[i].postgres);
            return end + 2;
        }
    }
    return NULL;
}

static bool token_is(const char *p, const char *name)
{
    size_t n = strlen(name);
    return strncmp(p + 2, name, n) == 0 && p[2 + n] == '}' && p[3 + n] == '}';
}

/* At a dialect block's opening token: returns the text after it when the block is for kind,
 * else the text after its {{END_IF}}; NULL when p opens no block or the block is unterminated. */
static const char *enter_block(db_kind_t kind, const char *p, bool *in_block)
{
    bool lite = token_is(p, "IF_SQLITE");
    if (!lite && !token_is(p, "IF_POSTGRES"))
        return NULL;
    if (*in_block)
        return NULL; /* blocks do not nest */
    const char *body = strstr(p, "}}") + 2;
    const char *end = strstr(body, "{{END_IF}}");
    if (!end)
        return NULL;
    if (lite == (kind == DB_SQLITE)) {
        *in_block = true;
        return body;
    }
    return end + strlen("{{END_IF}}");
}

long db_sql_translate(db_kind_t kind, const char *sql, char *out, size_t cap, int *nparams)
{
    db_xlat_t x = {.out = out, .cap = cap, .kind = kind};
    const char *p = sql;
    bool in_block = false;
    while (*p && !x.overflow) {
        if (*p == '\'' || *p == '"') {
            const char *e = skip_quoted(p);
            emit(&x, p, (size_t)(e - p));
            p = e;
        } else if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) {
            const char *e = skip_comment(p);
            emit(&x, p, (size_t)(e - p));
            p = e;
        } else if (p[0] == '{' && p[1] == '{') {
            if (token_is(p, "END_IF")) {
                if (!in_block)
                    return -1;
                in_block = false;
                p += strlen("{{END_IF}}");
            } else if (token_is(p, "IF_SQLITE") || token_is(p, "IF_POSTGRES")) {
                p = enter_block(kind, p, &in_block);
            } else {
                p = emit_token(&x, p);
            }
            if (!p)
                return -1;
        } else if (*p == '?') {
            emit_param(&x);
            p++;
        } else {
            emit(&x, p, 1);
            p++;
        }
    }
    if (x.overflow || cap == 0 || in_block)
        return -1;
    out[x.len] = '\0';
    if (nparams)
        *nparams = x.nparams;
    return (long)x.len;
}
