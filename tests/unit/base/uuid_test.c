/* Tests for the v7 UUIDs of src/base/uuid.c (v4 is covered in misc_test.c). */
#include <criterion/criterion.h>

#include <string.h>

#include "base/uuid.h"

Test(uuid, v7_layout_and_time_prefix)
{
    uint8_t b[16];
    uuid_v7_bytes(b, 0x0123456789abLL);
    const uint8_t prefix[6] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab};
    cr_assert_eq(memcmp(b, prefix, 6), 0);
    cr_assert_eq(b[6] >> 4, 7, "version");
    cr_assert_eq(b[8] >> 6, 2, "variant 10");

    char s[UUID_STR_LEN + 1];
    uuid_v7(s);
    cr_assert(uuid_valid(s, strlen(s)));
    cr_assert_eq(s[14], '7');
}

Test(uuid, v7_sorts_by_time_and_differs_within_a_millisecond)
{
    uint8_t a[16], b[16], c[16];
    uuid_v7_bytes(a, 1000);
    uuid_v7_bytes(b, 1001);
    uuid_v7_bytes(c, 1001);
    cr_assert_lt(memcmp(a, b, 16), 0);
    cr_assert_lt(memcmp(a, c, 16), 0);
    cr_assert_neq(memcmp(b, c, 16), 0, "74 random bits");
}
