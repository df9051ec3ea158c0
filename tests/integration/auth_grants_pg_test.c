/* The cases of tests/unit/auth/auth_grants_cases.h (grant pages, filters, revocation for the
 * auth Admin GraphQL API) on a real Postgres (TEST_POSTGRES_URL, set by
 * scripts/with-services.sh). */
#include <stdlib.h>

#include "../unit/auth/auth_grants_cases.h"

static const char *agpg_url(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && u[0] ? u : NULL;
}

#define AGPG_SKIP                                                                                  \
    do {                                                                                           \
        if (!agpg_url())                                                                           \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
    } while (0)

AUTH_GRANTS_CASES(auth_grants_pg, agpg_url(), AGPG_SKIP)
