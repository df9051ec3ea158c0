/* Tests for src/ilp/errors.c: table lookups, classes and Reject builders. */
#include <criterion/criterion.h>
#include <string.h>

#include "ilp/errors.h"

Test(errors, table_and_classes)
{
    size_t n;
    const ilp_error_info_t *t = ilp_error_table(&n);
    cr_assert_eq(n, 21);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ilp_error_lookup(t[i].code), &t[i]);
        cr_assert_eq(ilp_error_class(t[i].code), t[i].cls);
    }
    cr_assert_str_eq(ilp_error_name("F02"), "Unreachable");
    cr_assert_str_eq(ilp_error_name("T04"), "Insufficient Liquidity");
    cr_assert_str_eq(ilp_error_name("R00"), "Transfer Timed Out");
    cr_assert_str_eq(ilp_error_name("F42"), "Unknown Error");
    cr_assert_null(ilp_error_lookup("F09"));
    cr_assert_eq(ilp_error_class("F42"), ILP_ERROR_CLASS_FINAL);
    cr_assert_eq(ilp_error_class("R99"), ILP_ERROR_CLASS_RELATIVE);
    cr_assert_eq(ilp_error_class("X00"), ILP_ERROR_CLASS_UNKNOWN);
    cr_assert_str_eq(ilp_error_class_str(ILP_ERROR_CLASS_TEMPORARY), "temporary");
}

Test(errors, build_f08)
{
    buf_t b;
    buf_init(&b, 1024);
    cr_assert_eq(ilp_reject_build_f08(&b, SLICE_LIT("g.conn"), SLICE_LIT(""), 255, 65535), ILP_OK);
    ilp_reject_t r;
    cr_assert_eq(ilp_reject_decode(buf_slice(&b), &r), ILP_OK);
    cr_assert_str_eq(r.code, "F08");
    uint64_t got, max;
    cr_assert_eq(ilp_f08_data_decode(r.data, &got, &max), ILP_OK);
    cr_assert_eq(got, 255);
    cr_assert_eq(max, 65535);
    cr_assert_eq(ilp_reject_build(&b, "F0", SLICE_LIT(""), SLICE_LIT(""), SLICE_LIT("")),
                 ILP_ERR_BAD_CODE);
    cr_assert_eq(ilp_reject_build(&b, "F000", SLICE_LIT(""), SLICE_LIT(""), SLICE_LIT("")),
                 ILP_ERR_BAD_CODE);
    buf_free(&b);
}
