/*
 * Fuzz target for quote_spsp_parse (src/backend/quote_remote.c): a SPSP answer from another
 * server is untrusted input. Whatever parses must be a valid ILP address, NUL-terminated within
 * its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payments/quote.h"
#include "ilp/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quote_spsp_t out;
    if (quote_spsp_parse((const char *)data, size, &out) != 0)
        return 0;
    size_t n = strnlen(out.destination, sizeof out.destination);
    if (n == sizeof out.destination ||
        ilp_address_validate(SLICE(out.destination, n)) != ILP_ADDR_OK)
        abort();
    return 0;
}
