/* src/backend/liquidity.c and admin_liquidity.c on SQLite with the real ledger. */
#include "../payments/liquidity_cases.h"

LIQUIDITY_CASES(liquidity_sqlite, "sqlite:", (void)0)
