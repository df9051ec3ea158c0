/*
 * Fuzz the STREAM packet decoder: any input must decode or fail cleanly; whatever decodes must
 * re-encode to a packet that decodes to the same frames and is a fixed point of encode(decode()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "stream/packet.h"

#define MAX_FRAMES 4096

static size_t reencode(slice_t in, uint8_t *out, size_t cap, stream_frame_t *frames)
{
    stream_packet_t p;
    if (stream_packet_decode(in, &p) != STREAM_OK)
        return 0;
    stream_frame_iter_t it = stream_frame_iter(&p);
    size_t n = 0;
    stream_result_t rc = STREAM_OK;
    while (n < MAX_FRAMES && (rc = stream_frame_next(&it, &frames[n])) == STREAM_OK)
        n++;
    ASSERT(rc == STREAM_OK || rc == STREAM_END); /* decode validated every frame */
    buf_t b;
    buf_init_fixed(&b, out, cap);
    ASSERT(stream_packet_encode(&b, &p, frames, n) == STREAM_OK);
    return b.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stream_frame_t frames[MAX_FRAMES];
    static uint8_t a[70000], b[70000];
    size_t na = reencode(SLICE(data, size), a, sizeof a, frames);
    if (na == 0)
        return 0;
    size_t nb = reencode(SLICE(a, na), b, sizeof b, frames);
    ASSERT(nb == na && memcmp(a, b, na) == 0);
    return 0;
}
