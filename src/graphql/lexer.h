/*
 * GraphQL lexer (October 2021 spec, with graphql-js 16's \u{...} escapes): punctuators, names,
 * ints, floats, strings and block strings (escapes decoded, block strings dedented), with
 * whitespace, commas, comments and a byte order mark ignored. Every token carries its line and
 * column. Input is (ptr, len) UTF-8; invalid UTF-8 in a string or comment is refused.
 * Threads: a lexer is used by one thread; lexers share nothing.
 */
#ifndef RAFIKI_GRAPHQL_LEXER_H
#define RAFIKI_GRAPHQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "graphql/gql.h"

typedef enum {
    GQL_T_EOF,
    GQL_T_BANG,
    GQL_T_DOLLAR,
    GQL_T_AMP,
    GQL_T_PAREN_L,
    GQL_T_PAREN_R,
    GQL_T_SPREAD,
    GQL_T_COLON,
    GQL_T_EQUALS,
    GQL_T_AT,
    GQL_T_BRACKET_L,
    GQL_T_BRACKET_R,
    GQL_T_BRACE_L,
    GQL_T_PIPE,
    GQL_T_BRACE_R,
    GQL_T_NAME,
    GQL_T_INT,
    GQL_T_FLOAT,
    GQL_T_STRING,
    GQL_T_BLOCK_STRING,
} gql_tok_kind_t;

typedef struct {
    gql_tok_kind_t kind;
    size_t start, end; /* byte range in the source */
    uint32_t line, col;
    /* NAME, INT, FLOAT: the text; STRING, BLOCK_STRING: the decoded value (may hold NUL
     * bytes, hence len). NUL-terminated, in the lexer's arena. NULL for punctuators. */
    const char *val;
    size_t len;
} gql_token_t;

typedef struct {
    const uint8_t *src;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t col_pos; /* a byte offset on the current line whose column is col_val */
    uint32_t col_val;
    uint32_t tokens;
    uint8_t *scratch; /* strings are decoded here, then copied to the arena; made once */
    arena_t *arena;
    gql_err_t *err;
} gql_lexer_t;

/* Starts lexing src[0..len) with values allocated in arena and errors into err. Returns
 * GQL_TOO_LARGE (err filled) for a document over GQL_DOCUMENT_MAX bytes. */
gql_result_t gql_lexer_init(gql_lexer_t *lx, const uint8_t *src, size_t len, arena_t *arena,
                            gql_err_t *err);

/* Reads the next token into t (GQL_T_EOF at the end, again on every later call). Returns
 * GQL_OK or the error (err filled with message, line and column). */
gql_result_t gql_lex_next(gql_lexer_t *lx, gql_token_t *t);

/* The column (UTF-16 units, from 1) of byte offset at, which must not be before the last
 * token's start and must be on the current line. */
uint32_t gql_lexer_col(gql_lexer_t *lx, size_t at);

/* graphql-js's description of a token for messages: `<EOF>`, `"{"`, `Name "id"`, ... */
void gql_token_desc(const gql_token_t *t, char *out, size_t cap);
/* The description of a kind: `<EOF>`, `"{"`, `Name`, ... */
const char *gql_tok_kind_desc(gql_tok_kind_t k);

#endif
