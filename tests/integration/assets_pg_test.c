/* Rafiki's asset model, liquidity moves, peer questions and webhook pages
 * (tests/unit/payments/assets_cases.h) on a real Postgres (TEST_POSTGRES_URL; skipped when
 * unset). */
#include <stdlib.h>

#include "../unit/payments/assets_cases.h"

static const char *apg_url(void)
{
    const char *u = getenv("TEST_POSTGRES_URL");
    return u && u[0] ? u : NULL;
}

#define APG_SKIP                                                                                   \
    do {                                                                                           \
        if (!apg_url())                                                                            \
            cr_skip("TEST_POSTGRES_URL is not set");                                               \
    } while (0)

ASSETS_CASES(assets_pg, apg_url(), APG_SKIP)
