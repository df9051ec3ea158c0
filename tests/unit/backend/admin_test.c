/* src/backend/admin.c helpers that need no server: bearer checks and JSON values. */
#include <criterion/criterion.h>

#include <string.h>

#include "backend/admin.h"

Test(admin, bearer_token)
{
    admin_ctx_t ctx = {.secret = "s3cret-value"};
    cr_expect(admin_authorized(&ctx, "Bearer s3cret-value"));
    cr_expect(admin_authorized(&ctx, "bearer s3cret-value"), "the scheme is case-insensitive");
    cr_expect(!admin_authorized(&ctx, "Bearer s3cret-valu"));
    cr_expect(!admin_authorized(&ctx, "Bearer s3cret-value2"));
    cr_expect(!admin_authorized(&ctx, "Bearer "));
    cr_expect(!admin_authorized(&ctx, "s3cret-value"));
    cr_expect(!admin_authorized(&ctx, "Basic s3cret-value"));
    cr_expect(!admin_authorized(&ctx, NULL));
    ctx.secret = NULL;
    cr_expect(!admin_authorized(&ctx, "Bearer "));
    cr_expect(!admin_authorized(&ctx, "Bearer (null)"));
    ctx.secret = "";
    cr_expect(!admin_authorized(&ctx, "Bearer "), "an empty secret refuses everything");
}

Test(admin, json_values)
{
    json_t *v = admin_json_u64(UINT64_MAX);
    cr_expect_str_eq(json_string_value(v), "18446744073709551615");
    json_decref(v);
    v = admin_json_i64(INT64_MIN);
    cr_expect_str_eq(json_string_value(v), "-9223372036854775808");
    json_decref(v);
    v = admin_json_time(1738324800123);
    cr_expect_str_eq(json_string_value(v), "2025-01-31T12:00:00.123Z");
    json_decref(v);
    cr_expect(json_is_null(admin_json_time(0)));
    v = admin_json_id_or_null((ledger_id_t){0, 0});
    cr_expect(json_is_null(v));
    v = admin_json_id((ledger_id_t){0x0123456789abcdefull, 0xfedcba9876543210ull});
    cr_expect_str_eq(json_string_value(v), "01234567-89ab-cdef-fedc-ba9876543210");
    json_decref(v);
}
