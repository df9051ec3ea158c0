/*
 * Fuzz target for the smaller ILP parsers: CCP route control and route update (decode, then
 * re-encode must give the same bytes), the IL-DCP response data, F08 error data and payment
 * pointer resolution. The first input byte picks the parser.
 */
#include <stdlib.h>
#include <string.h>

#include "ilp/ccp.h"
#include "ilp/ildcp.h"
#include "ilp/packet.h"
#include "ilp/pointer.h"

static void same_bytes(const buf_t *b, slice_t in)
{
    if (b->failed || b->len != in.len || (in.len && memcmp(b->ptr, in.ptr, in.len) != 0))
        abort();
}

static void fuzz_ccp_control(slice_t in)
{
    ccp_route_control_t c;
    if (ccp_route_control_decode(in, &c) != CCP_OK)
        return;
    buf_t b;
    buf_init(&b, in.len + 64);
    if (ccp_route_control_encode(&b, &c) == CCP_OK)
        same_bytes(&b, in);
    buf_free(&b);
}

static void fuzz_ccp_update(slice_t in)
{
    static ccp_route_t routes[8];
    static slice_t withdrawn[8];
    ccp_route_update_t u = {
        .new_routes = routes, .new_routes_cap = 8, .withdrawn = withdrawn, .withdrawn_cap = 8};
    if (ccp_route_update_decode(in, &u) != CCP_OK)
        return;
    buf_t b;
    buf_init(&b, in.len + 64);
    if (ccp_route_update_encode(&b, &u) == CCP_OK)
        same_bytes(&b, in);
    buf_free(&b);
}

static void fuzz_ildcp(slice_t in)
{
    ildcp_response_t r;
    if (ildcp_response_data_decode(in, &r) != ILDCP_OK)
        return;
    buf_t b;
    buf_init(&b, in.len + 64);
    if (ildcp_response_data_encode(&b, &r) == ILDCP_OK)
        same_bytes(&b, in);
    buf_free(&b);
}

static void fuzz_f08(slice_t in)
{
    uint64_t received, maximum;
    if (ilp_f08_data_decode(in, &received, &maximum) != ILP_OK)
        return;
    uint8_t out[ILP_F08_DATA_LEN];
    ilp_f08_data_encode(out, received, maximum);
    if (in.len != sizeof out || memcmp(out, in.ptr, sizeof out) != 0)
        abort();
}

static void fuzz_pointer(slice_t in)
{
    char out[POINTER_MAX_LEN + 16];
    if (payment_pointer_resolve((const char *)in.ptr, in.len, out, sizeof out) == POINTER_OK &&
        strlen(out) >= sizeof out)
        abort();
    spsp_url_resolve((const char *)in.ptr, in.len, out, sizeof out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    slice_t in = {data + 1, size - 1};
    switch (data[0] % 5) {
    case 0:
        fuzz_ccp_control(in);
        break;
    case 1:
        fuzz_ccp_update(in);
        break;
    case 2:
        fuzz_ildcp(in);
        break;
    case 3:
        fuzz_f08(in);
        break;
    default:
        fuzz_pointer(in);
        break;
    }
    return 0;
}
