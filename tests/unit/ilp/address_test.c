/* Tests for src/ilp/address.c: RFC 0015 grammar, prefixes, schemes, appending segments. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/limits.h"
#include "ilp/address.h"

static ilp_address_result_t v(const char *s)
{
    return ilp_address_validate(SLICE(s, strlen(s)));
}

Test(address, valid_addresses)
{
    const char *ok[] = {"g.acme.bob",
                        "example.top.middle.lower",
                        "test.alice.XYZ.1234.-_~",
                        "g.A",
                        "private.A",
                        "example.A",
                        "peer.A",
                        "self.x",
                        "test1.a",
                        "test2.a",
                        "test3.a",
                        "local.a.b"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert_eq(v(ok[i]), ILP_ADDR_OK, "%s", ok[i]);
}

Test(address, invalid_addresses_with_reason)
{
    cr_assert_eq(v(""), ILP_ADDR_EMPTY);
    cr_assert_eq(v("test"), ILP_ADDR_NO_SEGMENT);
    cr_assert_eq(v("test."), ILP_ADDR_EMPTY_SEGMENT);
    cr_assert_eq(v("test.alice."), ILP_ADDR_EMPTY_SEGMENT);
    cr_assert_eq(v("test..alice"), ILP_ADDR_EMPTY_SEGMENT);
    cr_assert_eq(v(".test.alice"), ILP_ADDR_BAD_SCHEME);
    cr_assert_eq(v("what.alice"), ILP_ADDR_BAD_SCHEME);
    cr_assert_eq(v("test4.alice"), ILP_ADDR_BAD_SCHEME);
    cr_assert_eq(v("G.alice"), ILP_ADDR_BAD_SCHEME, "schemes are case-sensitive");
    cr_assert_eq(v("test.alice 123"), ILP_ADDR_BAD_CHAR);
    cr_assert_eq(v("test.al/ice"), ILP_ADDR_BAD_CHAR);
    cr_assert_eq(v("test.al\xc3\xa9"), ILP_ADDR_BAD_CHAR);
    cr_assert_eq(ilp_address_validate(SLICE("g.a\0b", 5)), ILP_ADDR_BAD_CHAR);
}

Test(address, length_limit)
{
    char buf[ILP_ADDRESS_MAX_LEN + 2];
    memset(buf, 'x', sizeof(buf));
    memcpy(buf, "g.", 2);
    cr_assert_eq(ilp_address_validate(SLICE(buf, ILP_ADDRESS_MAX_LEN)), ILP_ADDR_OK);
    cr_assert_eq(ilp_address_validate(SLICE(buf, ILP_ADDRESS_MAX_LEN + 1)), ILP_ADDR_TOO_LONG);
}

Test(address, prefix_is_segment_aware)
{
    slice_t a = SLICE_LIT("g.alice.bob");
    cr_assert(ilp_address_has_prefix(a, SLICE_LIT("g.alice")));
    cr_assert(ilp_address_has_prefix(a, SLICE_LIT("g.alice.bob")));
    cr_assert(ilp_address_has_prefix(a, SLICE_LIT("g")));
    cr_assert(ilp_address_has_prefix(a, SLICE_LIT("")), "empty prefix is the default route");
    cr_assert(ilp_address_has_prefix(a, SLICE_LIT("g.alice.")));
    cr_assert_not(ilp_address_has_prefix(a, SLICE_LIT("g.ali")));
    cr_assert_not(ilp_address_has_prefix(SLICE_LIT("g.alicia"), SLICE_LIT("g.alice")));
    cr_assert_not(ilp_address_has_prefix(SLICE_LIT("g.al"), SLICE_LIT("g.alice")));
}

Test(address, schemes)
{
    cr_assert_eq(ilp_address_scheme(SLICE_LIT("peer.config")), ILP_SCHEME_PEER);
    cr_assert_eq(ilp_address_scheme(SLICE_LIT("test3.x")), ILP_SCHEME_TEST3);
    cr_assert_eq(ilp_address_scheme(SLICE_LIT("g")), ILP_SCHEME_G);
    cr_assert_eq(ilp_address_scheme(SLICE_LIT("gg.x")), ILP_SCHEME_NONE);
    cr_assert_str_eq(ilp_scheme_str(ILP_SCHEME_PRIVATE), "private");
    cr_assert_str_eq(ilp_scheme_str(ILP_SCHEME_NONE), "");
    cr_assert(ilp_address_is_peer(SLICE_LIT("peer.route.control")));
    cr_assert_not(ilp_address_is_peer(SLICE_LIT("g.peer")));
}

Test(address, append_segment)
{
    buf_t b;
    buf_init(&b, 4096);
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("g.wallet"), SLICE_LIT("abc-_~1")), ILP_ADDR_OK);
    cr_assert(slice_eq_str(buf_slice(&b), "g.wallet.abc-_~1"));
    size_t len = b.len;
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("g.wallet"), SLICE_LIT("a.b")),
                 ILP_ADDR_BAD_CHAR);
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("g.wallet"), SLICE_LIT("")),
                 ILP_ADDR_EMPTY_SEGMENT);
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("test"), SLICE_LIT("x")), ILP_ADDR_NO_SEGMENT);
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("bad"), SLICE_LIT("x")), ILP_ADDR_BAD_SCHEME);
    char seg[ILP_ADDRESS_MAX_LEN];
    memset(seg, 'z', sizeof(seg));
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("g.w"), SLICE(seg, ILP_ADDRESS_MAX_LEN - 3)),
                 ILP_ADDR_TOO_LONG);
    cr_assert_eq(b.len, len);
    cr_assert_eq(ilp_address_append(&b, SLICE_LIT("g.w"), SLICE(seg, ILP_ADDRESS_MAX_LEN - 4)),
                 ILP_ADDR_OK, "exactly 1023 characters");
    cr_assert_eq(b.len, len + ILP_ADDRESS_MAX_LEN);
    buf_free(&b);
}
