/*
 * Fuzz target for the parsers of src/payments/fees.c (PAYMENT_FEES and SLIPPAGE). Whatever parses
 * must stay within its stated bounds, and the fee math on parsed fees must keep its invariants:
 * a fixed debit is split exactly into send + fee with the fee charged on the debit (Rafiki's
 * quote), and receiving what it sends never costs more than that debit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payments/fees.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *in = (const char *)data;
    uint32_t ppm;
    if (fees_parse_ppm(in, size, &ppm) == 0 && ppm > FEES_PPM_DENOM)
        abort();
    fees_table_t t;
    if (fees_table_parse(in, size, &t) != 0)
        return 0;
    if (t.n > FEES_ASSETS_MAX)
        abort();
    for (size_t i = 0; i < t.n; i++) {
        const fees_t *f = &t.v[i].fees;
        if (f->basis_points > FEES_BPS_MAX || strlen(t.v[i].code) == 0)
            abort();
        uint64_t send, fee, debit, fee2, want;
        uint64_t d = f->fixed + 12345u;
        if (fees_send_for_debit(f, d, &send, &fee) != FEES_OK)
            continue;
        if (send + fee != d || fees_for_send(f, d, &want) != FEES_OK || fee != want)
            abort();
        if (fees_debit_for_send(f, send, &debit, &fee2) != FEES_OK || debit > d || fee2 > fee)
            abort();
    }
    return 0;
}
