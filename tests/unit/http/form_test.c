/* Tests for src/http/form.c. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "http/form.h"

static long get(const char *form, const char *name, char *out, size_t cap)
{
    return form_get((slice_t){(const uint8_t *)form, strlen(form)}, name, out, cap);
}

Test(http_form, decodes_plus_and_escapes)
{
    char v[64];
    cr_assert_eq(get("email=alice%40example.com&password=a+b%2Bc", "email", v, sizeof v), 17);
    cr_assert_str_eq(v, "alice@example.com");
    cr_assert_eq(get("email=alice%40example.com&password=a+b%2Bc", "password", v, sizeof v), 5);
    cr_assert_str_eq(v, "a b+c");
}

Test(http_form, first_field_wins_and_names_match_whole)
{
    char v[16];
    cr_assert_eq(get("xx=1&x=2&x=3", "x", v, sizeof v), 1);
    cr_assert_str_eq(v, "2");
    cr_assert_eq(get("xx=1", "x", v, sizeof v), -1);
    cr_assert_eq(get("x", "x", v, sizeof v), 0);
    cr_assert_str_eq(v, "");
    cr_assert_eq(get("", "x", v, sizeof v), -1);
}

Test(http_form, refuses_bad_escapes_nul_and_overflow)
{
    char v[4];
    cr_assert_eq(get("x=%4", "x", v, sizeof v), -1);
    cr_assert_eq(get("x=%zz", "x", v, sizeof v), -1);
    cr_assert_eq(get("x=a%00b", "x", v, sizeof v), -1);
    cr_assert_eq(get("x=abc", "x", v, sizeof v), 3);
    cr_assert_eq(get("x=abcd", "x", v, sizeof v), -1);
    cr_assert_eq(get("x=abc", "x", v, 0), -1);
}

Test(http_form, encode_keeps_unreserved_and_round_trips)
{
    char enc[64], dec[64];
    form_encode("a b&c=d/é~", enc, sizeof enc);
    cr_assert_str_eq(enc, "a%20b%26c%3Dd%2F%C3%A9~");
    char field[80];
    snprintf(field, sizeof field, "v=%s", enc);
    cr_assert_eq(get(field, "v", dec, sizeof dec), (long)strlen("a b&c=d/é~"));
    cr_assert_str_eq(dec, "a b&c=d/é~");
    /* never a cut escape: "%2" would not decode */
    form_encode("ab/", enc, 5);
    cr_assert_str_eq(enc, "ab");
}
