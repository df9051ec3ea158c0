/* Tests for src/http/jcs.c: RFC 8785's test vectors (appendix B numbers, section 3.2 samples)
 * and the limits. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "http/jcs.h"

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* RFC 8785 appendix B: IEEE 754 bits and their ECMAScript text. */
static const struct {
    uint64_t bits;
    const char *text;
} numbers[] = {
    {0x0000000000000000, "0"},
    {0x8000000000000000, "0"},
    {0x0000000000000001, "5e-324"},
    {0x8000000000000001, "-5e-324"},
    {0x7fefffffffffffff, "1.7976931348623157e+308"},
    {0xffefffffffffffff, "-1.7976931348623157e+308"},
    {0x4340000000000000, "9007199254740992"},
    {0xc340000000000000, "-9007199254740992"},
    {0x4430000000000000, "295147905179352830000"},
    {0x44b52d02c7e14af5, "9.999999999999997e+22"},
    {0x44b52d02c7e14af6, "1e+23"},
    {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
    {0x444b1ae4d6e2ef4e, "999999999999999700000"},
    {0x444b1ae4d6e2ef4f, "999999999999999900000"},
    {0x444b1ae4d6e2ef50, "1e+21"},
    {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
    {0x3eb0c6f7a0b5ed8d, "0.000001"},
    {0x41b3de4355555553, "333333333.3333332"},
    {0x41b3de4355555554, "333333333.33333325"},
    {0x41b3de4355555555, "333333333.3333333"},
    {0x41b3de4355555556, "333333333.3333334"},
    {0x41b3de4355555557, "333333333.33333343"},
    {0xbecbf647612f3696, "-0.0000033333333333333333"},
    {0x43143ff3c1cb0959, "1424953923781206.2"},
};

Test(http_jcs, rfc8785_numbers)
{
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        char out[JCS_NUMBER_MAX];
        size_t len = 0;
        cr_assert_eq(jcs_number(from_bits(numbers[i].bits), out, &len), JCS_OK);
        cr_expect_str_eq(out, numbers[i].text, "bits %016llx", (unsigned long long)numbers[i].bits);
        cr_expect_eq(len, strlen(numbers[i].text));
    }
}

Test(http_jcs, number_layouts)
{
    static const struct {
        double d;
        const char *text;
    } cases[] = {
        {1, "1"},
        {-1, "-1"},
        {0.5, "0.5"},
        {100, "100"},
        {1e20, "100000000000000000000"},
        {1e21, "1e+21"},
        {1.5e21, "1.5e+21"},
        {1e-6, "0.000001"},
        {1e-7, "1e-7"},
        {1.25e-7, "1.25e-7"},
        {123.456, "123.456"},
        {0.1, "0.1"},
        {0.3, "0.3"},
        {2.0 / 3, "0.6666666666666666"},
        {5e-324, "5e-324"},
        {1e308, "1e+308"},
        {4.35, "4.35"},
        {1e23, "1e+23"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[JCS_NUMBER_MAX];
        size_t len;
        cr_assert_eq(jcs_number(cases[i].d, out, &len), JCS_OK);
        cr_expect_str_eq(out, cases[i].text);
    }
    char out[JCS_NUMBER_MAX];
    size_t len;
    cr_expect_eq(jcs_number(NAN, out, &len), JCS_INVALID_NUMBER);
    cr_expect_eq(jcs_number(INFINITY, out, &len), JCS_INVALID_NUMBER);
    cr_expect_eq(jcs_number(-INFINITY, out, &len), JCS_INVALID_NUMBER);
}

/* Canonicalizes text read with JCS_JSON_LOAD_FLAGS into a NUL-terminated static buffer. */
static const char *canon(const char *text, jcs_result_t *r)
{
    static char out[4096];
    json_error_t je;
    json_t *doc = json_loads(text, JCS_JSON_LOAD_FLAGS, &je);
    cr_assert_not_null(doc, "%s: %s", text, je.text);
    buf_t b;
    buf_init(&b, sizeof out - 1);
    *r = jcs_canonicalize(doc, &b);
    memcpy(out, b.ptr, b.len);
    out[b.len] = '\0';
    buf_free(&b);
    json_decref(doc);
    return out;
}

Test(http_jcs, rfc8785_sample_object)
{
    const char *in = "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
                     "              2e-3, 0.000000000000000000000000001],\n"
                     "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                     "  \"literals\": [null, true, false]\n}";
    const char *want = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,"
                       "0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    jcs_result_t r;
    cr_assert_str_eq(canon(in, &r), want);
    cr_assert_eq(r, JCS_OK);
}

Test(http_jcs, rfc8785_sorting)
{
    /* Section 3.2.3: keys sort by UTF-16 code units, so the emoji (surrogates D83D DE00) comes
     * before U+FB33 although its code point is larger. */
    const char *in = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
                     "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
                     "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
                     "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
    const char *want =
        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
        "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}";
    jcs_result_t r;
    cr_assert_str_eq(canon(in, &r), want);
}

Test(http_jcs, strings_integers_and_duplicates)
{
    jcs_result_t r;
    /* controls as \u00xx lower case, DEL and '/' verbatim, NUL kept */
    cr_expect_str_eq(canon("[\"\\u0001\\u001f\\u007f\\/\\b\\f\\t\"]", &r),
                     "[\"\\u0001\\u001f\x7f/\\b\\f\\t\"]");
    cr_expect_str_eq(canon("[\"a\\u0000b\"]", &r), "[\"a\\u0000b\"]");
    /* integers are doubles: past 2^53 they round as JSON.parse rounds them */
    cr_expect_str_eq(canon("[9007199254740993,-0,-0.0,12345678901234567890]", &r),
                     "[9007199254740992,0,0,12345678901234567000]", "%s", jcs_result_str(r));
    /* jansson refuses 1e400 (JSON.parse reads Infinity, written null): not canonicalizable */
    cr_expect_null(json_loads("[1e400]", JCS_JSON_LOAD_FLAGS, NULL));
    /* a duplicate key keeps its last value, as JSON.parse */
    cr_expect_str_eq(canon("{\"b\":1,\"a\":2,\"b\":3}", &r), "{\"a\":2,\"b\":3}");
    cr_expect_str_eq(canon("{\"\":{},\"a\":[],\"aa\":[{}]}", &r), "{\"\":{},\"a\":[],\"aa\":[{}]}");
    /* a json_integer built in C */
    json_t *v = json_pack("{s:I,s:I}", "big", (json_int_t)INT64_MAX, "small", (json_int_t)-42);
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(jcs_canonicalize(v, &b), JCS_OK);
    cr_expect_eq(b.len, strlen("{\"big\":9223372036854776000,\"small\":-42}"));
    cr_expect_eq(memcmp(b.ptr, "{\"big\":9223372036854776000,\"small\":-42}", b.len), 0);
    buf_free(&b);
    json_decref(v);
}

Test(http_jcs, limits)
{
    /* JCS_DEPTH_MAX levels pass, one more is refused */
    json_t *root = json_array(), *cur = root;
    for (int i = 1; i < JCS_DEPTH_MAX; i++) {
        json_t *inner = json_array();
        json_array_append_new(cur, inner);
        cur = inner;
    }
    buf_t b;
    buf_init(&b, 4096);
    cr_expect_eq(jcs_canonicalize(root, &b), JCS_OK);
    cr_expect_eq(b.len, 2u * JCS_DEPTH_MAX);
    json_array_append_new(cur, json_object());
    buf_reset(&b);
    cr_expect_eq(jcs_canonicalize(root, &b), JCS_TOO_DEEP);
    json_decref(root);
    /* the output stops at the buffer's maximum */
    json_t *s = json_pack("{s:s}", "key", "a string of some length");
    buf_t small;
    buf_init(&small, 10);
    cr_expect_eq(jcs_canonicalize(s, &small), JCS_TOO_LARGE);
    buf_free(&small);
    /* invalid UTF-8 built in C, in a value and in a key */
    json_object_set_new(s, "bad", json_stringn_nocheck("\xc0\xaf", 2));
    buf_reset(&b);
    cr_expect_eq(jcs_canonicalize(s, &b), JCS_INVALID_STRING);
    json_object_del(s, "bad");
    json_object_set_new_nocheck(s, "\xed\xa0\x80", json_null()); /* a UTF-8 surrogate */
    buf_reset(&b);
    cr_expect_eq(jcs_canonicalize(s, &b), JCS_INVALID_STRING);
    json_decref(s);
    buf_reset(&b);
    cr_expect_eq(jcs_canonicalize(NULL, &b), JCS_INVALID_VALUE);
    cr_expect_str_eq(jcs_result_str(JCS_TOO_DEEP), "too_deep");
    buf_free(&b);
}
