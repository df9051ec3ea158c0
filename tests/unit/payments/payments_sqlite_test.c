/* Wallet addresses and incoming payments (src/backend/wallet_address*.c, incoming_payment*.c)
 * on a temporary SQLite file: the shared cases of payments_cases.h. */
#include <stdlib.h>
#include <unistd.h>

#include "payments_cases.h"

static char lite_path[128];

static int pc_url(char *buf, size_t cap)
{
    snprintf(lite_path, sizeof lite_path, "/tmp/payments_test_%d_%llx.db", (int)getpid(),
             (unsigned long long)rand_u64());
    snprintf(buf, cap, "sqlite:%s", lite_path);
    return 0;
}

static void lite_cleanup(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char p[160];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", lite_path, suffix[i]);
        unlink(p);
    }
}

static pc_env_t E;

#define LITE_TEST(name, call)                                                                      \
    Test(payments_sqlite, name)                                                                    \
    {                                                                                              \
        pc_setup(&E);                                                                              \
        call;                                                                                      \
        pc_teardown(&E);                                                                           \
        lite_cleanup();                                                                            \
    }

LITE_TEST(wallet_addresses, pc_case_wallet_addresses(&E))
LITE_TEST(keys, pc_case_keys(&E))
LITE_TEST(complete_on_amount, pc_case_complete_on_amount(&E))
LITE_TEST(complete_on_request, pc_case_complete_on_request(&E))
LITE_TEST(expiry, pc_case_expiry(&E))
LITE_TEST(worker_completes_paid, pc_case_worker_completes_paid(&E))
LITE_TEST(partial_once_per_increase, pc_case_partial_once_per_increase(&E))
LITE_TEST(approval, pc_case_approval(&E))
LITE_TEST(partial_decision, pc_case_partial_decision(&E))
LITE_TEST(settle_after_crash, pc_case_settle_after_crash(&E))
LITE_TEST(bad_input, pc_case_bad_input(&E))
LITE_TEST(credentials, pc_case_credentials(&E))
