/*
 * GraphQL language: the limits every parse is held to, the one result enum of this layer and
 * its error detail. The lexer (lexer.h), parser (ast.h) and printer (print.h) share them.
 * Threads: constants and a pure function; no state.
 */
#ifndef RAFIKI_GRAPHQL_GQL_H
#define RAFIKI_GRAPHQL_GQL_H

#include <stddef.h>
#include <stdint.h>

/* A document is held in memory whole and parsed in one go: 1 MiB covers Rafiki's backend SDL
 * (about 60 KiB) many times over, and admin queries are a few KiB. */
#define GQL_DOCUMENT_MAX (1u << 20)
/* Tokens per document, as graphql-js's maxTokens: bounds the work and the AST of a document
 * that is small in bytes but dense (`{a a a a ...}`). */
#define GQL_TOKENS_MAX 100000u
/* Nesting of selection sets, list and object values and list types, counted together: the
 * parser's explicit stack and any later walk over the AST stay within it. Rafiki's admin UI
 * nests selections about 6 deep; 64 is ample and keeps walks shallow. */
#define GQL_DEPTH_MAX 64u
/* A name (field, type, argument, variable): real names are under 64 bytes. */
#define GQL_NAME_MAX 1024u
/* A number's text: no real literal comes near it (graphql-js has no bound). */
#define GQL_NUMBER_MAX 256u
/* A string or block string's raw text: descriptions in the SDL are the longest, under 2 KiB. */
#define GQL_STRING_MAX (64u * 1024u)

typedef enum {
    GQL_OK = 0,
    GQL_SYNTAX,          /* not GraphQL: the message says where and why */
    GQL_TOO_LARGE,       /* document over GQL_DOCUMENT_MAX bytes */
    GQL_TOO_MANY_TOKENS, /* over GQL_TOKENS_MAX tokens */
    GQL_TOO_DEEP,        /* nesting over GQL_DEPTH_MAX */
    GQL_NAME_TOO_LONG,   /* a name over GQL_NAME_MAX bytes */
    GQL_STRING_TOO_LONG, /* a string over GQL_STRING_MAX bytes */
    GQL_NUMBER_TOO_LONG, /* a number over GQL_NUMBER_MAX bytes */
    GQL_SCHEMA_INVALID,  /* SDL that is no valid schema, or a resolver the schema lacks */
} gql_result_t;

/* A short constant name for r ("syntax", "too_deep", ...). */
const char *gql_result_str(gql_result_t r);

/* Where and why a parse failed. line and col count from 1; col counts UTF-16 code units as
 * graphql-js does, so clients see the same position either way. message is worded like
 * graphql-js ("Syntax Error: Expected Name, found <EOF>."). */
typedef struct {
    gql_result_t code;
    uint32_t line;
    uint32_t col;
    char message[320];
} gql_err_t;

#endif
