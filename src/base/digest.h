/*
 * SHA-256 and HMAC-SHA256 over OpenSSL; used for conditions, STREAM keys and token hashing.
 * Threads: any thread; no shared state.
 */
#ifndef RAFIKI_BASE_DIGEST_H
#define RAFIKI_BASE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
void sha256(uint8_t out[SHA256_LEN], const void *data, size_t n);
void hmac_sha256(uint8_t out[SHA256_LEN], const void *key, size_t key_len, const void *data,
                 size_t n);

#endif
