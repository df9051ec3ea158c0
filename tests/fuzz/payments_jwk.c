/*
 * Fuzz client key JWK checks (src/backend/wallet_address_keys.c) on any JSON the admin API
 * accepts: an accepted key has a kid within bounds and an x of the exact encoded length.
 */
#include <stdlib.h>
#include <string.h>

#include "payments/wallet_address.h"
#include "http/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    http_json_err_t err;
    json_t *doc = http_json_parse(SLICE(data, size), &err);
    if (!doc)
        return 0;
    const char *kid, *x, *why;
    if (wallet_key_parse_jwk(doc, &kid, &x, &why) == 0) {
        size_t k = strlen(kid);
        if (k == 0 || k > WALLET_KEY_KID_MAX || strlen(x) != WALLET_KEY_X_LEN)
            abort();
    }
    json_decref(doc);
    return 0;
}
