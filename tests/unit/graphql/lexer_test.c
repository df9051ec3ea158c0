/* Tests for src/graphql/lexer.c: tokens and their positions, strings and their escapes, block
 * string dedent, numbers, and each limit and lexical error with its line and column. */
#include <criterion/criterion.h>

#include <string.h>

#include "graphql/ast.h"
#include "graphql/lexer.h"

static arena_t arena;

static void setup(void)
{
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    arena_free(&arena);
}

TestSuite(graphql_lexer, .init = setup, .fini = teardown);

static gql_lexer_t lx;
static gql_err_t err;

static void start(const char *s)
{
    cr_assert_eq(gql_lexer_init(&lx, (const uint8_t *)s, strlen(s), &arena, &err), GQL_OK);
}

static gql_token_t next_ok(void)
{
    gql_token_t t;
    gql_result_t rc = gql_lex_next(&lx, &t);
    cr_assert_eq(rc, GQL_OK, "%s", err.message);
    return t;
}

/* The one string token in s, decoded. */
static gql_token_t string_of(const char *s)
{
    start(s);
    gql_token_t t = next_ok();
    cr_assert(t.kind == GQL_T_STRING || t.kind == GQL_T_BLOCK_STRING, "kind %d", t.kind);
    return t;
}

static void lex_fails(const char *s, gql_result_t code, uint32_t line, uint32_t col,
                      const char *msg)
{
    gql_token_t t;
    gql_result_t rc = GQL_OK;
    start(s);
    for (int i = 0; i < 200100 && rc == GQL_OK; i++) {
        rc = gql_lex_next(&lx, &t);
        if (rc == GQL_OK && t.kind == GQL_T_EOF)
            break;
    }
    cr_assert_eq(rc, code, "%s: %s", s, err.message);
    cr_assert_eq(err.line, line, "line %u", err.line);
    cr_assert_eq(err.col, col, "col %u", err.col);
    if (msg)
        cr_assert_str_eq(err.message, msg);
}

Test(graphql_lexer, tokens_carry_kind_text_line_and_column)
{
    start("{\n  a: b(x: -1.5e3, y: [$v]) ...\r\n# c\r\n\t@d }");
    gql_tok_kind_t kinds[] = {GQL_T_BRACE_L, GQL_T_NAME,      GQL_T_COLON,     GQL_T_NAME,
                              GQL_T_PAREN_L, GQL_T_NAME,      GQL_T_COLON,     GQL_T_FLOAT,
                              GQL_T_NAME,    GQL_T_COLON,     GQL_T_BRACKET_L, GQL_T_DOLLAR,
                              GQL_T_NAME,    GQL_T_BRACKET_R, GQL_T_PAREN_R,   GQL_T_SPREAD,
                              GQL_T_AT,      GQL_T_NAME,      GQL_T_BRACE_R,   GQL_T_EOF};
    gql_token_t toks[20];
    for (int i = 0; i < 20; i++) {
        toks[i] = next_ok();
        cr_assert_eq(toks[i].kind, kinds[i], "token %d: %d", i, toks[i].kind);
    }
    cr_assert_str_eq(toks[7].val, "-1.5e3");
    cr_assert_eq(toks[1].line, 2);
    cr_assert_eq(toks[1].col, 3);
    cr_assert_eq(toks[15].line, 2);
    cr_assert_eq(toks[15].col, 28);
    cr_assert_eq(toks[16].line, 4); /* \r\n counts once; the comment line is skipped */
    cr_assert_eq(toks[16].col, 2);
    cr_assert_eq(next_ok().kind, GQL_T_EOF);
}

Test(graphql_lexer, ints_and_floats)
{
    start("0 -0 123 1.0 1e5 1E-5 0.5e+10");
    gql_tok_kind_t kinds[] = {GQL_T_INT,   GQL_T_INT,   GQL_T_INT,  GQL_T_FLOAT,
                              GQL_T_FLOAT, GQL_T_FLOAT, GQL_T_FLOAT};
    for (int i = 0; i < 7; i++)
        cr_assert_eq(next_ok().kind, kinds[i], "number %d", i);
    lex_fails("01", GQL_SYNTAX, 1, 2,
              "Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
    lex_fails("1.", GQL_SYNTAX, 1, 3,
              "Syntax Error: Invalid number, expected digit but got: <EOF>.");
    lex_fails("1a", GQL_SYNTAX, 1, 2,
              "Syntax Error: Invalid number, expected digit but got: \"a\".");
    lex_fails("1.5.", GQL_SYNTAX, 1, 4, NULL);
    lex_fails("-x", GQL_SYNTAX, 1, 2, NULL);
}

Test(graphql_lexer, string_escapes_decode)
{
    gql_token_t t = string_of("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"");
    cr_assert_eq(t.len, 13);
    cr_assert(memcmp(t.val, "a\"b\\c/d\b\f\n\r\te", 13) == 0);
    t = string_of("\"\\u00e9\\u20AC\"");
    cr_assert_str_eq(t.val, "é€");
    t = string_of("\"\\uD83D\\uDE00|\\u{1F600}|\\u{41}\"");
    cr_assert_str_eq(t.val, "😀|😀|A");
    t = string_of("\"x\\u0000y\"");
    cr_assert_eq(t.len, 3);
    cr_assert(memcmp(t.val, "x\0y", 3) == 0);
    t = string_of("\"日本 😀\"");
    cr_assert_str_eq(t.val, "日本 😀");
}

Test(graphql_lexer, string_errors_are_placed)
{
    lex_fails("{ \"abc", GQL_SYNTAX, 1, 7, "Syntax Error: Unterminated string.");
    lex_fails("\"ab\ncd\"", GQL_SYNTAX, 1, 4, "Syntax Error: Unterminated string.");
    lex_fails("\"a\\x\"", GQL_SYNTAX, 1, 3,
              "Syntax Error: Invalid character escape sequence: \"\\x\".");
    lex_fails("\"\\uD800\"", GQL_SYNTAX, 1, 2,
              "Syntax Error: Invalid Unicode escape sequence: \"\\uD800\".");
    lex_fails("\"\\uDE00\\uD83D\"", GQL_SYNTAX, 1, 2, NULL);
    lex_fails("\"\\u12G4\"", GQL_SYNTAX, 1, 2, NULL);
    lex_fails("\"\\u{110000}\"", GQL_SYNTAX, 1, 2, NULL);
    lex_fails("\"bad \xC3\x28\"", GQL_SYNTAX, 1, 6, NULL); /* invalid UTF-8 */
    lex_fails("\"\xED\xA0\x80\"", GQL_SYNTAX, 1, 2, NULL); /* an encoded surrogate */
    /* columns count UTF-16 units: the emoji is two */
    lex_fails("\"😀\" ?", GQL_SYNTAX, 1, 6, "Syntax Error: Unexpected character: \"?\".");
    lex_fails("'x'", GQL_SYNTAX, 1, 1, NULL);
    lex_fails("a\n  .", GQL_SYNTAX, 2, 3, "Syntax Error: Unexpected character: \".\".");
    lex_fails("é", GQL_SYNTAX, 1, 1, "Syntax Error: Unexpected character: U+00E9.");
}

Test(graphql_lexer, block_strings_dedent_by_the_spec)
{
    gql_token_t t =
        string_of("\"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  \"\"\"");
    cr_assert_eq(t.kind, GQL_T_BLOCK_STRING);
    cr_assert_str_eq(t.val, "Hello,\n  World!\n\nYours,\n  GraphQL.");
    t = string_of("\"\"\"  first keeps its indent\n    second\"\"\"");
    cr_assert_str_eq(t.val, "  first keeps its indent\nsecond");
    t = string_of("\"\"\"\r\n\t\ta\r\n\t\t  b\r\"\"\"");
    cr_assert_str_eq(t.val, "a\n  b");
    t = string_of("\"\"\"esc \\\"\"\" and \\n stays\"\"\"");
    cr_assert_str_eq(t.val, "esc \"\"\" and \\n stays");
    t = string_of("\"\"\"   \n  \n\"\"\"");
    cr_assert_eq(t.len, 0);
    /* a block string's lines count for the next token's line */
    start("\"\"\"a\nb\nc\"\"\" x");
    next_ok();
    gql_token_t x = next_ok();
    cr_assert_eq(x.line, 3);
    cr_assert_eq(x.col, 6);
    lex_fails("\"\"\"a\nb", GQL_SYNTAX, 2, 2, "Syntax Error: Unterminated string.");
}

Test(graphql_lexer, ignored_tokens)
{
    start("\xEF\xBB\xBF,,, # comment é\n\t x");
    gql_token_t t = next_ok();
    cr_assert_eq(t.kind, GQL_T_NAME);
    cr_assert_eq(t.line, 2);
    cr_assert_eq(t.col, 3);
    lex_fails("# bad \xFF\n", GQL_SYNTAX, 1, 7, NULL);
}

Test(graphql_lexer, limits_are_precise_errors)
{
    char *s = malloc(GQL_STRING_MAX + 16);
    memset(s, 'a', GQL_NAME_MAX + 1);
    s[GQL_NAME_MAX + 1] = '\0';
    lex_fails(s, GQL_NAME_TOO_LONG, 1, 1, "Syntax Error: Name is longer than 1024 bytes.");
    s[GQL_NAME_MAX] = '\0';
    start(s);
    cr_assert_eq(next_ok().len, GQL_NAME_MAX);

    s[0] = ' ';
    s[1] = '"';
    memset(s + 2, 'x', GQL_STRING_MAX);
    s[GQL_STRING_MAX + 2] = '"';
    s[GQL_STRING_MAX + 3] = '\0';
    lex_fails(s, GQL_STRING_TOO_LONG, 1, 2, NULL);
    s[GQL_STRING_MAX + 1] = '"';
    s[GQL_STRING_MAX + 2] = '\0';
    start(s);
    cr_assert_eq(next_ok().len, GQL_STRING_MAX - 1);

    memset(s, '7', GQL_NUMBER_MAX + 1);
    s[GQL_NUMBER_MAX + 1] = '\0';
    lex_fails(s, GQL_NUMBER_TOO_LONG, 1, 1, NULL);
    free(s);

    size_t n = 2 * (GQL_TOKENS_MAX + 1);
    char *many = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        memcpy(many + i, "a ", 2);
    many[n] = '\0';
    lex_fails(many, GQL_TOO_MANY_TOKENS, 1, 2 * GQL_TOKENS_MAX + 1,
              "Syntax Error: Document contains more than 100000 tokens. Parsing aborted.");
    free(many);

    gql_err_t e;
    cr_assert_eq(gql_lexer_init(&lx, (const uint8_t *)"", GQL_DOCUMENT_MAX + 1, &arena, &e),
                 GQL_TOO_LARGE);
    cr_assert_eq(e.code, GQL_TOO_LARGE);
    cr_assert_str_eq(gql_result_str(GQL_TOO_DEEP), "too_deep");
}
