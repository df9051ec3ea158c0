/* src/backend/webhooks.c on SQLite: the cases of webhooks_cases.h on a temp file. */
#include "../payments/webhooks_cases.h"

WEBHOOK_CASES(webhooks_sqlite, "sqlite:", (void)0)

Test(webhooks, names)
{
    cr_expect(webhook_type_known(WEBHOOK_WALLET_ADDRESS_WEB_MONETIZATION));
    cr_expect(!webhook_type_known("wallet_address.created"));
    cr_expect(!webhook_type_known(NULL));
    cr_expect_str_eq(webhook_state_str(WEBHOOK_STATE_FAILED), "failed");
    cr_expect_str_eq(webhook_state_str((webhook_state_t)7), "unknown");
}
