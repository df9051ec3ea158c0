/* Tests for src/http/json.c. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "http/json.h"

static json_t *parse(const char *s, http_json_err_t *err)
{
    return http_json_parse((slice_t){(const uint8_t *)s, strlen(s)}, err);
}

/* n levels of nested arrays: "[[[...]]]". */
static char *nested(size_t n, char open, char close)
{
    char *s = malloc(2 * n + 1);
    memset(s, open, n);
    memset(s + n, close, n);
    s[2 * n] = '\0';
    return s;
}

Test(http_json, depth_limit)
{
    http_json_err_t err;
    char *ok = nested(JSON_DEPTH_MAX, '[', ']');
    json_t *doc = parse(ok, &err);
    cr_assert_not_null(doc, "%s", err.message);
    json_decref(doc);
    free(ok);

    char *deep = nested(JSON_DEPTH_MAX + 1, '[', ']');
    cr_assert_null(parse(deep, &err));
    cr_assert_str_eq(err.code, "too_deep");
    free(deep);

    /* A huge depth (that would recurse deeply in a parser) is refused without parsing. */
    char *huge = nested(1000000, '{', '}');
    cr_assert_null(parse(huge, &err));
    cr_assert_str_eq(err.code, "too_deep");
    free(huge);
}

Test(http_json, depth_ignores_brackets_in_strings)
{
    const char *s = "{\"a\":\"[[[[{{{{\\\"[[[[\",\"b\":[1,{\"c\":[]}]}";
    cr_assert_eq(http_json_depth((const uint8_t *)s, strlen(s), JSON_DEPTH_MAX), 4);
    http_json_err_t err;
    json_t *doc = parse(s, &err);
    cr_assert_not_null(doc, "%s", err.message);
    json_decref(doc);
    /* Mixed objects and arrays count together. */
    const char *m = "[{\"a\":[{\"b\":[]}]}]";
    cr_assert_eq(http_json_depth((const uint8_t *)m, strlen(m), 100), 5);
    cr_assert_eq(http_json_depth((const uint8_t *)m, strlen(m), 3), 4);
}

Test(http_json, invalid_json_messages)
{
    http_json_err_t err;
    const char *bad[] = {"",
                         "{",
                         "{\"a\":1,}",
                         "{\"a\":1} x",
                         "{\"a\":1,\"a\":2}",
                         "\"str\"",
                         "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_null(parse(bad[i], &err), "accepted %s", bad[i]);
        cr_assert_str_eq(err.code, "invalid_json");
        cr_assert(strstr(err.message, "invalid JSON") != NULL);
    }
}

Test(http_json, empty_body_message_says_empty)
{
    /* An absent body reaches the parser as (NULL, 0); jansson alone reports "line -1 column -1:
     * wrong arguments" for it. */
    http_json_err_t err;
    cr_assert_null(http_json_parse((slice_t){NULL, 0}, &err));
    cr_assert_str_eq(err.code, "invalid_json");
    cr_assert(strstr(err.message, "body is empty") != NULL, "got: %s", err.message);
    cr_assert(strstr(err.message, "-1") == NULL, "got: %s", err.message);
    cr_assert_null(parse("   ", &err));
    cr_assert(strstr(err.message, "line 1") != NULL, "got: %s", err.message);
}

Test(http_json, u64_strict)
{
    uint64_t v = 0;
    struct {
        const char *s;
        int rc;
        uint64_t v;
    } cases[] = {
        {"0", 0, 0},
        {"1", 0, 1},
        {"123", 0, 123},
        {"18446744073709551615", 0, UINT64_MAX},
        {"18446744073709551616", -1, 0},
        {"99999999999999999999", -1, 0},
        {"100000000000000000000", -1, 0},
        {"-1", -1, 0},
        {"+1", -1, 0},
        {" 1", -1, 0},
        {"1 ", -1, 0},
        {"1.5", -1, 0},
        {"1e3", -1, 0},
        {"01", -1, 0},
        {"00", -1, 0},
        {"", -1, 0},
        {"0x10", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = 777;
        int rc = http_json_parse_u64(cases[i].s, strlen(cases[i].s), &v);
        cr_assert_eq(rc, cases[i].rc, "'%s'", cases[i].s);
        if (rc == 0)
            cr_assert_eq(v, cases[i].v, "'%s'", cases[i].s);
        else
            cr_assert_eq(v, 777, "output touched on failure for '%s'", cases[i].s);
    }
    /* Length is taken from n, not from a NUL. */
    cr_assert_eq(http_json_parse_u64("12345", 3, &v), 0);
    cr_assert_eq(v, 123);
}

Test(http_json, getters)
{
    http_json_err_t err;
    json_t *o = parse("{\"name\":\"alice\",\"amount\":\"1500\",\"neg\":\"-1\",\"num\":1500,"
                      "\"flag\":true,\"obj\":{\"x\":1},\"nul\":null,\"long\":\"abcdef\"}",
                      &err);
    cr_assert_not_null(o);

    const char *s = NULL;
    size_t len = 0;
    cr_assert_eq(http_json_get_str(o, "name", 0, &s, &len, &err), 0);
    cr_assert_str_eq(s, "alice");
    cr_assert_eq(len, 5);
    cr_assert_eq(http_json_get_str(o, "missing", 0, &s, NULL, &err), -1);
    cr_assert_str_eq(err.code, "missing_field");
    cr_assert_str_eq(err.message, "missing required field 'missing'");
    cr_assert_eq(http_json_get_str(o, "num", 0, &s, NULL, &err), -1);
    cr_assert_str_eq(err.message, "field 'num' must be a string");
    cr_assert_eq(http_json_get_str(o, "long", 5, &s, NULL, &err), -1);
    cr_assert_str_eq(err.code, "invalid_field");
    cr_assert_eq(http_json_get_str(o, "nul", 0, &s, NULL, &err), -1);
    cr_assert_str_eq(err.code, "missing_field");

    s = "default";
    cr_assert_eq(http_json_opt_str(o, "missing", 0, &s, NULL, &err), 0);
    cr_assert_str_eq(s, "default");
    cr_assert_eq(http_json_opt_str(o, "nul", 0, &s, NULL, &err), 0);
    cr_assert_str_eq(s, "default");
    cr_assert_eq(http_json_opt_str(o, "flag", 0, &s, NULL, &err), -1);

    uint64_t v = 0;
    bool present = false;
    cr_assert_eq(http_json_get_u64str(o, "amount", &v, &err), 0);
    cr_assert_eq(v, 1500);
    cr_assert_eq(http_json_get_u64str(o, "num", &v, &err), -1, "a JSON number is not accepted");
    cr_assert_str_eq(err.code, "invalid_field");
    cr_assert_eq(http_json_get_u64str(o, "neg", &v, &err), -1);
    cr_assert(strstr(err.message, "'neg'") != NULL);
    cr_assert_eq(http_json_opt_u64str(o, "missing", &v, &present, &err), 0);
    cr_assert_not(present);
    cr_assert_eq(http_json_opt_u64str(o, "amount", &v, &present, &err), 0);
    cr_assert(present);

    bool b = false;
    cr_assert_eq(http_json_get_bool(o, "flag", &b, &err), 0);
    cr_assert(b);
    cr_assert_eq(http_json_get_bool(o, "name", &b, &err), -1);
    cr_assert_str_eq(err.message, "field 'name' must be true or false");
    b = false;
    cr_assert_eq(http_json_opt_bool(o, "missing", &b, &err), 0);
    cr_assert_not(b);

    json_t *sub = NULL;
    cr_assert_eq(http_json_get_object(o, "obj", &sub, &err), 0);
    cr_assert_eq(json_integer_value(json_object_get(sub, "x")), 1);
    cr_assert_eq(http_json_get_object(o, "name", &sub, &err), -1);
    cr_assert_eq(http_json_opt_object(o, "missing", &sub, &err), 0);
    cr_assert_null(sub);
    cr_assert_eq(http_json_get_object(o, "missing", &sub, &err), -1);
    json_decref(o);
}

Test(http_json, error_body)
{
    json_t *e = http_json_error_body("invalid_field", "field 'amount' must be \"digits\"");
    char *s = json_dumps(e, JSON_COMPACT);
    cr_assert_str_eq(s, "{\"error\":{\"code\":\"invalid_field\","
                        "\"message\":\"field 'amount' must be \\\"digits\\\"\"}}");
    free(s);
    json_decref(e);
}
