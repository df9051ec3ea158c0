/* The ledger over a real Postgres (TEST_POSTGRES_URL; skipped when unset): the same cases as
 * the SQLite suite (tests/unit/ledger/ledger_cases.h), including the property test (500 seeds),
 * concurrency and kill -9 crash tests. */
#include "../unit/ledger/ledger_cases.h"

static int lc_url(char *buf, size_t cap)
{
    const char *url = getenv("TEST_POSTGRES_URL");
    if (!url || !url[0])
        return -1;
    snprintf(buf, cap, "%s", url);
    return 0;
}

static lc_env_t E;

#define PG_TEST(name, call) PG_TEST_OPTS(name, call, NULL)
#define PG_TEST_OPTS(name, call, opts)                                                             \
    Test(ledger_pg, name)                                                                          \
    {                                                                                              \
        if (!lc_setup(&E, opts))                                                                   \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
        call;                                                                                      \
        lc_teardown(&E);                                                                           \
    }

PG_TEST(assets_and_accounts, lc_case_assets_and_accounts(&E))
PG_TEST(transfers_and_status, lc_case_transfers_and_status(&E))
PG_TEST(linked_rollback, lc_case_linked_rollback(&E))
PG_TEST(expiry_and_sweeper, lc_case_expiry_and_sweeper(&E))
PG_TEST(history, lc_case_history(&E))
PG_TEST(guards_and_batched_account_updates, lc_case_guards(&E))
PG_TEST(property_500_seeds, lc_case_property(&E, 500, 60))
PG_TEST(concurrency_8_threads_3_hot_accounts, lc_case_concurrency(&E))
PG_TEST(crash_kill9_then_reopen, lc_case_crash(&E, NULL))
PG_TEST(lists_of_assets_and_accounts, lc_case_lists(&E))
PG_TEST(transfer_groups, lc_case_groups(&E))
PG_TEST_OPTS(submit_from_callback_past_queue_max, lc_case_submit_from_callback(&E), &LC_SMALL_QUEUE)
PG_TEST_OPTS(submit_try_busy_and_follow_up_past_queue_max, lc_case_submit_modes(&E),
             &LC_SMALL_QUEUE)
