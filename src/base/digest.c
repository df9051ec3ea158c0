/* SHA-256 and HMAC-SHA256 through OpenSSL's one-shot functions. */
#include "base/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "base/assert.h"

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t n)
{
    SHA256(data, n, out);
}

void hmac_sha256(uint8_t out[SHA256_LEN], const void *key, size_t key_len, const void *data,
                 size_t n)
{
    unsigned int len = 0;
    ASSERT(key_len <= (size_t)INT32_MAX);
    unsigned char *r = HMAC(EVP_sha256(), key, (int)key_len, data, n, out, &len);
    ASSERT(r != NULL && len == SHA256_LEN);
}
