/*
 * CSPRNG (OpenSSL RAND_bytes). Failure to get randomness aborts: nothing safe can follow.
 * Threads: any thread (OpenSSL's generator is thread-safe).
 */
#ifndef RAFIKI_BASE_RAND_H
#define RAFIKI_BASE_RAND_H

#include <stddef.h>
#include <stdint.h>

void rand_bytes(void *out, size_t n);
uint64_t rand_u64(void);

#endif
