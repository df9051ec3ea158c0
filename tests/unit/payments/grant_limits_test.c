/* src/backend/grant_limits.c on SQLite: the cases of grant_limits_cases.h on temp files. */
#include "grant_limits_cases.h"

GRANT_LIMIT_CASES(grant_limits_sqlite, "sqlite:", (void)0)

Test(grant_limits, names)
{
    cr_expect_str_eq(grant_limits_result_str(GRANT_LIMITS_DEBIT_EXCEEDED), "debit_exceeded");
    cr_expect_str_eq(grant_limits_result_str(GRANT_LIMITS_RESULT_COUNT), "unknown");
    for (int r = 0; r < GRANT_LIMITS_RESULT_COUNT; r++)
        cr_expect_not_null(grant_limits_result_str((grant_limits_result_t)r));
}

static int parse(const char *text, grant_limits_t *out, http_json_err_t *err)
{
    json_t *doc = json_loads(text, 0, NULL);
    cr_assert_not_null(doc, "%s", text);
    int rc = grant_limits_from_json(doc, out, err);
    json_decref(doc);
    return rc;
}

Test(grant_limits, json_roundtrip)
{
    const char *text = "{\"debit_amount\":{\"asset_code\":\"USD\",\"asset_scale\":2,\"value\":"
                       "\"18446744073709551615\"},\"interval\":\"R/2026-01-01T00:00:00Z/P1M\","
                       "\"receive_amount\":{\"asset_code\":\"EUR\",\"asset_scale\":0,\"value\":"
                       "\"0\"}}";
    grant_limits_t l;
    http_json_err_t err;
    cr_assert_eq(parse(text, &l, &err), 0, "%s", err.message);
    cr_expect(l.has_debit && l.has_receive && l.has_interval);
    cr_expect_eq(l.debit.value, UINT64_MAX);
    cr_expect_str_eq(l.debit.asset_code, "USD");
    cr_expect_eq(l.debit.asset_scale, 2);
    cr_expect_str_eq(l.receive.asset_code, "EUR");
    cr_expect_eq(l.interval.duration.months, 1);
    json_t *back = grant_limits_json(&l);
    char *s = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
    cr_expect_str_eq(s, text);
    free(s);
    json_decref(back);
    cr_assert_eq(parse("{\"interval\":null}", &l, &err), 0);
    cr_expect(!l.has_debit && !l.has_receive && !l.has_interval);
}

Test(grant_limits, json_errors)
{
    struct {
        const char *text, *code, *field;
    } bad[] = {
        {"[]", "invalid_field", "'limits'"},
        {"{\"debitAmount\":{}}", "unknown_field", "limits.debitAmount"},
        {"{\"debit_amount\":\"5\"}", "invalid_field", "limits.debit_amount'"},
        {"{\"debit_amount\":{\"value\":\"01\",\"asset_code\":\"USD\",\"asset_scale\":2}}",
         "invalid_field", "limits.debit_amount.value"},
        {"{\"debit_amount\":{\"value\":\"-1\",\"asset_code\":\"USD\",\"asset_scale\":2}}",
         "invalid_field", "limits.debit_amount.value"},
        {"{\"receive_amount\":{\"value\":\"1\",\"asset_scale\":2}}", "missing_field",
         "limits.receive_amount.asset_code"},
        {"{\"receive_amount\":{\"value\":\"1\",\"asset_code\":\"EUR\",\"asset_scale\":256}}",
         "invalid_field", "limits.receive_amount.asset_scale"},
        {"{\"receive_amount\":{\"value\":\"1\",\"asset_code\":\"EUR\",\"asset_scale\":2,"
         "\"x\":1}}",
         "unknown_field", "limits.receive_amount.x"},
        {"{\"interval\":\"R/2026-01-01T00:00:00Z/P0D\"}", "invalid_field", "bad_duration"},
        {"{\"interval\":5}", "invalid_field", "limits.interval"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        grant_limits_t l;
        http_json_err_t err = {0};
        cr_expect_eq(parse(bad[i].text, &l, &err), -1, "%s", bad[i].text);
        cr_expect_str_eq(err.code, bad[i].code, "%s: %s", bad[i].text, err.message);
        cr_expect(strstr(err.message, bad[i].field) != NULL, "%s: %s", bad[i].text, err.message);
    }
}
