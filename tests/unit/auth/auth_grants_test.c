/* src/auth/auth_grants.c on SQLite: the cases of auth_grants_cases.h on temp files, and the
 * names and access ids. */
#include "auth_grants_cases.h"

AUTH_GRANTS_CASES(auth_grants_sqlite, "sqlite:", (void)0)

Test(auth_grants, names)
{
    cr_expect_str_eq(auth_grants_result_str(AUTH_GRANTS_NOT_FOUND), "not_found");
    cr_expect_str_eq(auth_grant_state_str(AUTH_GRANT_PROCESSING), "PROCESSING");
    cr_expect_str_eq(auth_grant_state_str(AUTH_GRANT_FINALIZED), "FINALIZED");
    cr_expect_null(auth_grant_reason_str(AUTH_GRANT_NO_REASON));
    cr_expect_str_eq(auth_grant_reason_str(AUTH_GRANT_REJECTED), "REJECTED");
    for (int s = 0; s < AUTH_GRANT_STATE_COUNT; s++)
        cr_expect_eq(auth_grant_state_parse(auth_grant_state_str((auth_grant_state_t)s)), s);
    for (int r = 1; r < AUTH_GRANT_REASON_COUNT; r++)
        cr_expect_eq(auth_grant_reason_parse(auth_grant_reason_str((auth_grant_reason_t)r)), r);
    cr_expect_eq(auth_grant_state_parse("pending"), -1);
    cr_expect_eq(auth_grant_state_parse(NULL), -1);
    cr_expect_eq(auth_grant_reason_parse(""), -1);
}

Test(auth_grants, access_ids)
{
    const char *g = "0190f6a0-0000-7000-8000-000000000001";
    char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1], c[UUID_STR_LEN + 1];
    auth_grant_access_id(g, 0, a);
    auth_grant_access_id(g, 0, b);
    cr_expect_str_eq(a, b, "the same on every read");
    cr_expect(uuid_valid(a, strlen(a)), "%s", a);
    cr_expect_eq(a[14], '8', "version 8: %s", a);
    cr_expect(strchr("89ab", a[19]) != NULL, "RFC variant: %s", a);
    auth_grant_access_id(g, 1, c);
    cr_expect_str_neq(a, c, "items differ");
    auth_grant_access_id("0190f6a0-0000-7000-8000-000000000002", 0, c);
    cr_expect_str_neq(a, c, "grants differ");
}
