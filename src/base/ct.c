/* Constant-time comparison: the time taken depends only on n, never on the bytes. */
#include "base/ct.h"

#include <openssl/crypto.h>

bool ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
