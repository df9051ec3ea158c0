/*
 * ILP codec throughput: decode a typical Prepare (1 KB of data, a 30-character address) and
 * re-encode it into a reused buffer, for about two seconds; also the in-place amount/expiry
 * rewrite a connector does per hop. Prints ops/s lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ilp/packet.h"

#define RUN_NS 2000000000ull

static volatile uint8_t sink;

int main(void)
{
    static uint8_t data[1024];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 31);
    ilp_prepare_t p = {.amount = 123456789,
                       .expires_at_ms = 1700000000123LL,
                       .destination = SLICE_LIT("g.rafiki.wallet.alice.e3b0c442"),
                       .data = SLICE(data, sizeof(data))};
    memset(p.condition, 0xab, sizeof(p.condition));
    uint8_t wire_mem[2048], out_mem[2048];
    buf_t wire;
    buf_init_fixed(&wire, wire_mem, sizeof(wire_mem));
    if (ilp_prepare_encode(&wire, &p) != ILP_OK)
        return 1;

    uint64_t ops = 0, start = clock_mono_ns(), now;
    do {
        for (int i = 0; i < 1000; i++) {
            ilp_prepare_t q;
            buf_t out;
            buf_init_fixed(&out, out_mem, sizeof(out_mem));
            if (ilp_prepare_decode(buf_slice(&wire), &q) != ILP_OK ||
                ilp_prepare_encode(&out, &q) != ILP_OK)
                return 1;
            sink ^= out.ptr[out.len - 1];
        }
        ops += 1000;
        now = clock_mono_ns();
    } while (now - start < RUN_NS);
    printf("ilp prepare decode+encode: %.0f ops/s (%zu-byte packet)\n",
           (double)ops * 1e9 / (double)(now - start), wire.len);

    ops = 0;
    start = clock_mono_ns();
    do {
        for (int i = 0; i < 1000; i++) {
            if (ilp_prepare_set_amount(wire_mem, wire.len, (uint64_t)i) != ILP_OK ||
                ilp_prepare_set_expiry(wire_mem, wire.len, 1700000000000LL + i) != ILP_OK)
                return 1;
        }
        ops += 1000;
        now = clock_mono_ns();
    } while (now - start < RUN_NS / 2);
    printf("ilp prepare rewrite amount+expiry in place: %.0f ops/s\n",
           (double)ops * 1e9 / (double)(now - start));
    return 0;
}
