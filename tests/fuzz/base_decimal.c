/*
 * Fuzz target for decimal_parse / decimal_format (src/base/codec.c), which read the amounts
 * users type on the wallet pages: any input, any scale. What parses must format to a string
 * that parses back to the same value; nothing may crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256)
        return 0;
    uint8_t scale = data[0] % 20;
    char in[256];
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    uint64_t v, again;
    if (decimal_parse(in, scale, &v) != 0)
        return 0;
    char text[64];
    decimal_format(v, scale, text, sizeof text);
    if (decimal_parse(text, scale, &again) != 0 || again != v)
        abort();
    return 0;
}
