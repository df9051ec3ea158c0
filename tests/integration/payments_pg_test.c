/* Wallet addresses and incoming payments over a real Postgres (TEST_POSTGRES_URL; skipped when
 * unset): the same cases as the SQLite suite (tes../unit/payments/payments_cases.h). */
#include <stdlib.h>

#include "../unit/payments/payments_cases.h"

static int pc_url(char *buf, size_t cap)
{
    const char *url = getenv("TEST_POSTGRES_URL");
    if (!url || !url[0])
        return -1;
    snprintf(buf, cap, "%s", url);
    return 0;
}

static pc_env_t E;

#define PG_TEST(name, call)                                                                        \
    Test(payments_pg, name)                                                                        \
    {                                                                                              \
        if (!pc_setup(&E))                                                                         \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
        call;                                                                                      \
        pc_teardown(&E);                                                                           \
    }

PG_TEST(wallet_addresses, pc_case_wallet_addresses(&E))
PG_TEST(keys, pc_case_keys(&E))
PG_TEST(complete_on_amount, pc_case_complete_on_amount(&E))
PG_TEST(complete_on_request, pc_case_complete_on_request(&E))
PG_TEST(expiry, pc_case_expiry(&E))
PG_TEST(worker_completes_paid, pc_case_worker_completes_paid(&E))
PG_TEST(partial_once_per_increase, pc_case_partial_once_per_increase(&E))
PG_TEST(approval, pc_case_approval(&E))
PG_TEST(partial_decision, pc_case_partial_decision(&E))
PG_TEST(settle_after_crash, pc_case_settle_after_crash(&E))
PG_TEST(bad_input, pc_case_bad_input(&E))
PG_TEST(credentials, pc_case_credentials(&E))
