/* Tests for src/ilp/oer.c: canonical reads, rejections, and writer round trips. */
#include <criterion/criterion.h>
#include <string.h>

#include "ilp/oer.h"

static oer_reader_t rd(const char *bytes, size_t n)
{
    return oer_reader(SLICE(bytes, n));
}

Test(oer, fixed_integers_big_endian)
{
    oer_reader_t r = rd("\xac\x01\x05\x5a\x1d\xeb\xac\x1e\x12\x34\xab", 11);
    uint64_t v64;
    uint16_t v16;
    uint8_t v8;
    uint32_t v32;
    cr_assert_eq(oer_read_u64(&r, &v64), OER_OK);
    cr_assert_eq(v64, 12394193534107495454ull);
    cr_assert_eq(oer_read_u16(&r, &v16), OER_OK);
    cr_assert_eq(v16, 0x1234);
    cr_assert_eq(oer_read_u32(&r, &v32), OER_TRUNCATED);
    cr_assert_eq(r.pos, 10, "failed read must not move the reader");
    cr_assert_eq(oer_read_u8(&r, &v8), OER_OK);
    cr_assert_eq(v8, 0xab);
    cr_assert_eq(oer_read_u8(&r, &v8), OER_TRUNCATED);
}

Test(oer, length_short_and_long_forms)
{
    struct {
        const char *hex;
        size_t n;
        uint64_t want;
    } ok[] = {
        {"\x00", 1, 0},
        {"\x7f", 1, 127},
        {"\x81\x80", 2, 128},
        {"\x81\x82", 2, 130},
        {"\x82\x12\x34", 3, 4660},
        {"\x83\xab\xcd\xef", 4, 11259375},
        {"\x88\xac\x01\x05\x5a\x1d\xeb\xac\x1e", 9, 12394193534107495454ull},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        oer_reader_t r = rd(ok[i].hex, ok[i].n);
        uint64_t v;
        cr_assert_eq(oer_read_length(&r, &v), OER_OK, "case %zu", i);
        cr_assert_eq(v, ok[i].want);
        cr_assert_eq(r.pos, ok[i].n);
        cr_assert_eq(oer_length_size(v), ok[i].n);
    }
}

Test(oer, length_rejects_non_canonical)
{
    struct {
        const char *hex;
        size_t n;
        oer_result_t want;
    } bad[] = {
        {"\x80", 1, OER_INDEFINITE},
        {"\x81\x05", 2, OER_NON_CANONICAL},     /* long form for < 128 */
        {"\x81\x7f", 2, OER_NON_CANONICAL},     /* 127 must be short form */
        {"\x82\x00\x80", 3, OER_NON_CANONICAL}, /* leading zero */
        {"\x82\x00\xff", 3, OER_NON_CANONICAL}, /* leading zero */
        {"\x89\x01\x00\x00\x00\x00\x00\x00\x00\x00", 10, OER_TOO_LARGE},
        {"\x82\x01", 2, OER_TRUNCATED},
        {"", 0, OER_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        oer_reader_t r = rd(bad[i].hex, bad[i].n);
        uint64_t v = 99;
        cr_assert_eq(oer_read_length(&r, &v), bad[i].want, "case %zu", i);
        cr_assert_eq(r.pos, 0);
        cr_assert_eq(v, 99, "output untouched on error");
    }
}

Test(oer, var_octets_bounds)
{
    oer_reader_t r = rd("\x03"
                        "abc"
                        "\x04"
                        "xy",
                        7);
    slice_t s;
    cr_assert_eq(oer_read_var_octets(&r, &s), OER_OK);
    cr_assert(slice_eq_str(s, "abc"));
    cr_assert_eq(oer_read_var_octets(&r, &s), OER_TRUNCATED);
    cr_assert_eq(r.pos, 4);

    uint8_t big[300] = {0x82, 0x01, 0x00};
    oer_reader_t r2 = oer_reader(SLICE(big, 259));
    cr_assert_eq(oer_read_var_octets(&r2, &s), OER_OK);
    cr_assert_eq(s.len, 256);
    oer_reader_t r3 = oer_reader(SLICE(big, 258));
    cr_assert_eq(oer_read_var_octets(&r3, &s), OER_TRUNCATED);
}

Test(oer, var_uint_canonical)
{
    uint64_t v;
    oer_reader_t r = rd("\x01\x00", 2);
    cr_assert_eq(oer_read_var_uint(&r, &v), OER_OK);
    cr_assert_eq(v, 0);
    r = rd("\x00", 1);
    cr_assert_eq(oer_read_var_uint(&r, &v), OER_NON_CANONICAL, "zero-length VarUInt");
    r = rd("\x02\x00\x01", 3);
    cr_assert_eq(oer_read_var_uint(&r, &v), OER_NON_CANONICAL, "leading zero");
    r = rd("\x08\xff\xff\xff\xff\xff\xff\xff\xff", 9);
    cr_assert_eq(oer_read_var_uint(&r, &v), OER_OK);
    cr_assert_eq(v, UINT64_MAX);
    r = rd("\x09\x01\x02\x03\x04\x05\x06\x07\x08\x10", 10);
    cr_assert_eq(oer_read_var_uint(&r, &v), OER_TOO_LARGE);
    cr_assert_eq(r.pos, 0);
    cr_assert_eq(oer_read_var_uint_saturating(&r, &v), OER_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(r.pos, 10);
    r = rd("\x09\x00\x02\x03\x04\x05\x06\x07\x08\x10", 10);
    cr_assert_eq(oer_read_var_uint_saturating(&r, &v), OER_NON_CANONICAL);
}

Test(oer, writers_round_trip)
{
    uint64_t values[] = {0,     1,     127,        128,        255,       256,
                         65535, 65536, 1ull << 53, 1ull << 56, UINT64_MAX};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        buf_t b;
        buf_init(&b, 64);
        oer_write_var_uint(&b, values[i]);
        oer_write_length(&b, values[i]);
        cr_assert_not(b.failed);
        cr_assert_eq(b.len, oer_var_uint_size(values[i]) + oer_length_size(values[i]));
        oer_reader_t r = oer_reader(buf_slice(&b));
        uint64_t a, l;
        cr_assert_eq(oer_read_var_uint(&r, &a), OER_OK);
        cr_assert_eq(oer_read_length(&r, &l), OER_OK);
        cr_assert_eq(a, values[i]);
        cr_assert_eq(l, values[i]);
        cr_assert_eq(oer_remaining(&r), 0);
        buf_free(&b);
    }
}

Test(oer, write_known_encodings)
{
    buf_t b;
    buf_init(&b, 64);
    oer_write_var_uint(&b, 0);
    oer_write_var_uint(&b, 259);
    oer_write_length(&b, 130);
    oer_write_u16(&b, 0x1234);
    oer_write_var_octets(&b, SLICE_LIT("hi"));
    cr_assert_eq(b.len, 12);
    cr_assert_eq(memcmp(b.ptr, "\x01\x00\x02\x01\x03\x81\x82\x12\x34\x02hi", 12), 0);
    buf_free(&b);
}

Test(oer, write_var_uint_bytes_strips_zeros)
{
    buf_t b;
    buf_init(&b, 64);
    oer_write_var_uint_bytes(&b, SLICE("\x00\x00\x01\x02", 4));
    oer_write_var_uint_bytes(&b, SLICE("\x00\x00", 2));
    cr_assert_eq(b.len, 5);
    cr_assert_eq(memcmp(b.ptr, "\x02\x01\x02\x01\x00", 5), 0);
    buf_free(&b);
}

Test(oer, writer_overflow_is_sticky)
{
    uint8_t mem[4];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof(mem));
    oer_write_u32(&b, 1);
    cr_assert_not(b.failed);
    oer_write_u8(&b, 2);
    cr_assert(b.failed);
}
