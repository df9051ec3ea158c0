/* Tests for src/base/codec.c: hex and base64 in both alphabets, padding rules, bad input. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"

Test(codec, hex_round_trip)
{
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    char out[16];
    cr_assert_eq(hex_encode(out, sizeof out, in, sizeof in), 8);
    cr_assert_str_eq(out, "0001abff");
    uint8_t back[4];
    cr_assert_eq(hex_decode(back, sizeof back, "0001ABff", 8), 4);
    cr_assert_arr_eq(back, in, 4);
}

Test(codec, hex_rejects_bad_input)
{
    uint8_t b[4];
    cr_assert_eq(hex_decode(b, sizeof b, "abc", 3), -1);
    cr_assert_eq(hex_decode(b, sizeof b, "zz", 2), -1);
    cr_assert_eq(hex_decode(b, 1, "aabb", 4), -1);
    char small[4];
    cr_assert_eq(hex_encode(small, sizeof small, (const uint8_t *)"ab", 2), -1);
}

Test(codec, base64_rfc4648_vectors)
{
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        cr_assert_eq(
            b64_encode(out, sizeof out, (const uint8_t *)plain[i], strlen(plain[i]), B64_STD),
            (ssize_t)strlen(enc[i]));
        cr_assert_str_eq(out, enc[i]);
        uint8_t back[16];
        ssize_t n = b64_decode(back, sizeof back, enc[i], strlen(enc[i]), B64_STD);
        cr_assert_eq(n, (ssize_t)strlen(plain[i]));
        cr_assert(memcmp(back, plain[i], (size_t)n) == 0);
    }
}

Test(codec, base64url_unpadded)
{
    const uint8_t in[] = {0xfb, 0xff, 0xfe};
    char out[16];
    cr_assert_eq(b64_encode(out, sizeof out, in, 3, B64_URL | B64_NOPAD), 4);
    cr_assert_str_eq(out, "-__-");
    cr_assert_eq(b64_encode(out, sizeof out, in, 2, B64_URL | B64_NOPAD), 3);
    cr_assert_str_eq(out, "-_8");
    uint8_t back[4];
    cr_assert_eq(b64_decode(back, sizeof back, "-_8", 3, B64_URL), 2);
    cr_assert_eq(b64_decode(back, sizeof back, "-_8=", 4, B64_URL), 2);
    cr_assert_eq(back[0], 0xfb);
}

Test(codec, base64_rejects_bad_input)
{
    uint8_t b[16];
    cr_assert_eq(b64_decode(b, sizeof b, "Zm8", 3, B64_STD), -1, "missing padding");
    cr_assert_eq(b64_decode(b, sizeof b, "Zm8", 3, B64_LENIENT), 2);
    cr_assert_eq(b64_decode(b, sizeof b, "Z", 1, B64_LENIENT), -1);
    cr_assert_eq(b64_decode(b, sizeof b, "-_8=", 4, B64_STD), -1, "url chars in std");
    cr_assert_eq(b64_decode(b, sizeof b, "Zm9=", 4, B64_STD), -1, "non-zero trailing bits");
    cr_assert_eq(b64_decode(b, sizeof b, "Zm=8", 4, B64_STD), -1);
    cr_assert_eq(b64_decode(b, 1, "Zm9v", 4, B64_STD), -1, "output too small");
}

Test(decimal, parse_amounts_as_people_type_them)
{
    uint64_t v;
    cr_assert_eq(decimal_parse("12.5", 2, &v), 0);
    cr_assert_eq(v, 1250);
    cr_assert_eq(decimal_parse("12", 2, &v), 0);
    cr_assert_eq(v, 1200);
    cr_assert_eq(decimal_parse(".05", 2, &v), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(decimal_parse("7.", 0, &v), 0);
    cr_assert_eq(v, 7);
    cr_assert_eq(decimal_parse("18446744073709551615", 0, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    const char *bad[] = {"",
                         ".",
                         "1.234",
                         "-1",
                         "+1",
                         "1e3",
                         " 1",
                         "1 ",
                         "1..2",
                         "1.2.3",
                         "18446744073709551616",
                         "184467440737095516.16"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_neq(decimal_parse(bad[i], 2, &v), 0, "%s", bad[i]);
}

Test(decimal, format_is_canonical_and_parses_back)
{
    char out[48];
    decimal_format(1250, 2, out, sizeof out);
    cr_assert_str_eq(out, "12.50");
    decimal_format(5, 3, out, sizeof out);
    cr_assert_str_eq(out, "0.005");
    decimal_format(42, 0, out, sizeof out);
    cr_assert_str_eq(out, "42");
    uint64_t v;
    decimal_format(UINT64_MAX, 9, out, sizeof out);
    cr_assert_eq(decimal_parse(out, 9, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
}
