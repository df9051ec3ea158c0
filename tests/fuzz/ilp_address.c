/*
 * Fuzz ILP address validation and prefix matching: a valid address has a known scheme, is a
 * prefix of itself and of itself plus a segment, and appending a valid segment stays valid.
 */
#include <stdlib.h>
#include <string.h>

#include "ilp/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    slice_t a = SLICE(data, size);
    size_t half = size / 2;
    (void)ilp_address_has_prefix(a, SLICE(data, half));
    (void)ilp_address_scheme(a);
    if (!ilp_address_is_valid(a))
        return 0;
    if (ilp_address_scheme(a) == ILP_SCHEME_NONE || !ilp_address_has_prefix(a, a))
        abort();
    buf_t b;
    buf_init(&b, 4096);
    ilp_address_result_t rc = ilp_address_append(&b, a, SLICE_LIT("x1"));
    if (rc == ILP_ADDR_OK) {
        if (!ilp_address_is_valid(buf_slice(&b)) || !ilp_address_has_prefix(buf_slice(&b), a))
            abort();
    } else if (rc != ILP_ADDR_TOO_LONG) {
        abort();
    }
    buf_free(&b);
    return 0;
}
