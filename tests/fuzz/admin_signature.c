/*
 * Fuzz target for src/admin/admin_signature.c: the input's first line is the signature header,
 * the rest the body. Whatever they hold, the check answers one of its results, and a header
 * not computed with the secret never passes.
 */
#include <stdlib.h>
#include <string.h>

#include "admin/admin_signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cache_t *cache;
    if (!cache)
        cache = cache_open(NULL, NULL);
    admin_sig_config_t cfg = {.cache = cache, .version = 1, .ttl_s = 30};
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    char *header = malloc(hlen + 1);
    memcpy(header, data, hlen);
    header[hlen] = '\0';
    slice_t body = nl ? SLICE(nl + 1, size - hlen - 1) : SLICE(data, 0);
    admin_sig_err_t err;
    admin_sig_result_t r =
        admin_signature_check(&cfg, "fuzz-secret", header, body, 1765100000000LL, &err);
    if (r >= ADMIN_SIG_RESULT_COUNT || r == ADMIN_SIG_OK)
        abort(); /* no forged HMAC-SHA256 from random bytes */
    free(header);
    return 0;
}
