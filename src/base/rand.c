/* CSPRNG over OpenSSL's RAND_bytes. A failure aborts: no caller can continue safely. */
#include "base/rand.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

void rand_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        int chunk = n > 1u << 20 ? 1 << 20 : (int)n;
        if (RAND_bytes(p, chunk) != 1) {
            fprintf(stderr, "fatal: RAND_bytes failed\n");
            abort();
        }
        p += chunk;
        n -= (size_t)chunk;
    }
}

uint64_t rand_u64(void)
{
    uint64_t v;
    rand_bytes(&v, sizeof v);
    return v;
}
