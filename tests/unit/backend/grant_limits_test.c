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
