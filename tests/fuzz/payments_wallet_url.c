/*
 * Fuzz wallet address URL checks (src/backend/wallet_address.c): an accepted URL starts with
 * the base, has no trailing slash, fits the bound, and checking its canonical form again
 * accepts it unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "payments/wallet_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char base[] = "http://localhost:3000";
    char out[WALLET_ADDRESS_URL_MAX + 1], again[WALLET_ADDRESS_URL_MAX + 1];
    if (wallet_address_url_check(base, (const char *)data, size, out) != 0)
        return 0;
    size_t n = strlen(out);
    if (n > WALLET_ADDRESS_URL_MAX || strncmp(out, base, strlen(base)) != 0 || out[n - 1] == '/')
        abort();
    if (wallet_address_url_check(base, out, n, again) != 0 || strcmp(out, again) != 0)
        abort();
    return 0;
}
