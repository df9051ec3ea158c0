/* The backend cases of tes../unit/payments/ (webhooks, grant limits, liquidity) on a real Postgres
 * (TEST_POSTGRES_URL, set by scripts/with-services.sh). */
#include "../unit/payments/grant_limits_cases.h"
#include "../unit/payments/liquidity_cases.h"
#include "../unit/payments/webhooks_cases.h"

static const char *bpg_url(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && u[0] ? u : NULL;
}

#define BPG_SKIP                                                                                   \
    do {                                                                                           \
        if (!bpg_url())                                                                            \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
    } while (0)

WEBHOOK_CASES(webhooks_pg, bpg_url(), BPG_SKIP)
GRANT_LIMIT_CASES(grant_limits_pg, bpg_url(), BPG_SKIP)
LIQUIDITY_CASES(liquidity_pg, bpg_url(), BPG_SKIP)
