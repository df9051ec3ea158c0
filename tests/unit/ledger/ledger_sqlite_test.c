/* The ledger over SQLite (src/ledger/ledger.c, accounts.c, lstore.c) on a temporary database
 * file: the shared cases of ledger_cases.h, with and without the in-memory account cache. */
#include "ledger_cases.h"

static char lite_path[128];

static int lc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/ledger_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static void lite_cleanup(void)
{
    char p[160];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

static lc_env_t E;
static const ledger_opts_t NO_CACHE = {.sqlite_no_account_cache = true};

#define LITE_TEST(name, call, opts)                                                                \
    Test(ledger_sqlite, name)                                                                      \
    {                                                                                              \
        lc_setup(&E, opts);                                                                        \
        call;                                                                                      \
        lc_teardown(&E);                                                                           \
        lite_cleanup();                                                                            \
    }

LITE_TEST(assets_and_accounts, lc_case_assets_and_accounts(&E), NULL)
LITE_TEST(transfers_and_status, lc_case_transfers_and_status(&E), NULL)
LITE_TEST(transfers_and_status_no_cache, lc_case_transfers_and_status(&E), &NO_CACHE)
LITE_TEST(linked_rollback, lc_case_linked_rollback(&E), NULL)
LITE_TEST(expiry_and_sweeper, lc_case_expiry_and_sweeper(&E), NULL)
LITE_TEST(history, lc_case_history(&E), NULL)
LITE_TEST(property_200_seeds, lc_case_property(&E, 200, 60), NULL)
LITE_TEST(property_no_cache, lc_case_property(&E, 50, 60), &NO_CACHE)
LITE_TEST(concurrency_8_threads_3_hot_accounts, lc_case_concurrency(&E), NULL)
LITE_TEST(crash_kill9_then_reopen, lc_case_crash(&E), NULL)
