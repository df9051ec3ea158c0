/*
 * Fuzz the ILP packet decoder. Strict decoding accepts only canonical encodings, so anything it
 * accepts must re-encode to the identical bytes; lenient decoding must never crash; the in-place
 * rewriters must keep an accepted Prepare decodable.
 */
#include <stdlib.h>
#include <string.h>

#include "ilp/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ilp_packet_t p;
    ilp_packet_t lenient;
    (void)ilp_packet_decode(SLICE(data, size), ILP_DECODE_LENIENT, &lenient);
    if (ilp_packet_decode(SLICE(data, size), ILP_DECODE_STRICT, &p) != ILP_OK)
        return 0;
    buf_t b;
    buf_init(&b, ILP_PACKET_MAX_LEN * 2);
    if (ilp_packet_encode(&b, &p) != ILP_OK)
        abort();
    if (b.len != size || memcmp(b.ptr, data, size) != 0)
        abort();
    if (p.type == ILP_TYPE_PREPARE) {
        if (ilp_prepare_set_amount(b.ptr, b.len, p.u.prepare.amount ^ 1) != ILP_OK ||
            ilp_prepare_set_expiry(b.ptr, b.len, p.u.prepare.expires_at_ms) != ILP_OK)
            abort();
        ilp_prepare_t q;
        if (ilp_prepare_decode(buf_slice(&b), &q) != ILP_OK ||
            q.amount != (p.u.prepare.amount ^ 1) || q.expires_at_ms != p.u.prepare.expires_at_ms)
            abort();
    }
    buf_free(&b);
    return 0;
}
