/*
 * Fuzz target for src/base/codec.c: hex and base64 decoders on arbitrary input. Whatever decodes
 * must re-encode to an input the decoder maps back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

static void check_b64(const char *in, size_t n, int flags)
{
    uint8_t out[4096], again[4096];
    char enc[8192];
    ssize_t len = b64_decode(out, sizeof out, in, n, flags);
    if (len < 0)
        return;
    ssize_t e = b64_encode(enc, sizeof enc, out, (size_t)len, flags & B64_URL);
    if (e < 0)
        abort();
    ssize_t len2 = b64_decode(again, sizeof again, enc, (size_t)e, flags & B64_URL);
    if (len2 != len || memcmp(out, again, (size_t)len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *in = (const char *)data;
    uint8_t out[2048];
    char enc[4097];
    ssize_t n = hex_decode(out, sizeof out, in, size);
    if (n >= 0) {
        if (hex_encode(enc, sizeof enc, out, (size_t)n) != (ssize_t)size)
            abort();
    }
    check_b64(in, size, B64_STD);
    check_b64(in, size, B64_URL);
    check_b64(in, size, B64_LENIENT);
    return 0;
}
