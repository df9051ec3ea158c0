/*
 * Fuzz what Rafiki's admin inputs of wallet addresses go through (src/payments/
 * wallet_address_props.c): a create address resolved to a URL under the base (fits its bound,
 * lowercased, starts with the base) and additional properties cleaned (kept ones are
 * trimmed, non-empty and within their bounds; cleaning a kept one again changes nothing).
 * Input: the address, a NUL, the key, a NUL, the value.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "payments/wallet_address_props.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *address)
{
    static const char base[] = "http://localhost:3000";
    char out[WALLET_ADDRESS_URL_MAX + 1];
    if (wallet_address_url_under(base, address, true, out) != 0)
        return;
    size_t n = strlen(out);
    if (n > WALLET_ADDRESS_URL_MAX || strncmp(out, base, strlen(base)) != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            abort();
}

static void check_prop(const char *key, const char *value)
{
    wallet_prop_t p, again;
    int r = wallet_prop_clean(key, value, true, &p);
    if (r != 1)
        return;
    size_t k = strlen(p.key), v = strlen(p.value);
    if (k == 0 || v == 0 || k > WALLET_PROP_KEY_MAX || v > WALLET_PROP_VALUE_MAX ||
        isspace((unsigned char)p.key[0]) || isspace((unsigned char)p.key[k - 1]) ||
        isspace((unsigned char)p.value[0]) || isspace((unsigned char)p.value[v - 1]))
        abort();
    if (wallet_prop_clean(p.key, p.value, true, &again) != 1 || strcmp(p.key, again.key) != 0 ||
        strcmp(p.value, again.value) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 3);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = s[size + 1] = s[size + 2] = '\0'; /* three ends: key and value always exist */
    const char *address = s;
    const char *key = address + strlen(address) + 1;
    const char *value = key + strlen(key) + 1;
    check_url(address);
    check_prop(key, value);
    free(s);
    return 0;
}
