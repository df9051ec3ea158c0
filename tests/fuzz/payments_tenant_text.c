/*
 * Fuzz the tenant text rules: Rafiki's wallet address URL rules (wallet_address_url_under) and
 * the tenant setting validators (pay_tenant_setting_valid). The first byte picks the base and
 * the setting key; the rest is the address or value. An accepted URL is under its base, fits,
 * is lowercase, is https unless http was allowed, and is accepted again unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "payments/tenants.h"
#include "payments/wallet_address_props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void url_rules(const char *base, const char *address, bool allow_http)
{
    char out[WALLET_ADDRESS_URL_MAX + 1], again[WALLET_ADDRESS_URL_MAX + 1];
    if (wallet_address_url_under(base, address, allow_http, out) != 0)
        return;
    size_t n = strlen(out);
    if (n > WALLET_ADDRESS_URL_MAX || strncmp(out, base, strlen(base) - 1) != 0)
        abort();
    if (!allow_http && strncmp(out, "https://", 8) != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            abort();
    if (wallet_address_url_under(base, out, allow_http, again) != 0 || strcmp(out, again) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const BASES[] = {"https://w.example/t/", "https://w.example",
                                        "http://localhost:3000"};
    if (size < 1 || size > 4096)
        return 0;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    unsigned pick = data[0];
    url_rules(BASES[pick % 3], text, (pick & 8) != 0);
    const char *key = pay_tenant_setting_key((pick >> 4) % (PAY_TENANT_SETTINGS + 1));
    if (key)
        (void)pay_tenant_setting_valid(key, text);
    free(text);
    return 0;
}
