/* The webhook cases of tests/unit/backend/webhooks_cases.h on a real Postgres
 * (TEST_POSTGRES_URL, set by scripts/with-services.sh). */
#include "../unit/backend/webhooks_cases.h"

static const char *wpg_url(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && u[0] ? u : NULL;
}

#define WPG_SKIP                                                                                   \
    do {                                                                                           \
        if (!wpg_url())                                                                            \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
    } while (0)

WEBHOOK_CASES(webhooks_pg, wpg_url(), WPG_SKIP)
