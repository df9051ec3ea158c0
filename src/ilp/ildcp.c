/* IL-DCP request detection and construction, response codec (RFC 0031). */
#include "ilp/ildcp.h"

#include <string.h>

#include "base/ct.h"
#include "ilp/address.h"
#include "ilp/oer.h"

const uint8_t ILP_PEER_CONDITION[ILP_CONDITION_LEN] = {
    0x66, 0x68, 0x7a, 0xad, 0xf8, 0x62, 0xbd, 0x77, 0x6c, 0x8f, 0xc1, 0x8b, 0x8e, 0x9f, 0x8e, 0x20,
    0x08, 0x97, 0x14, 0x85, 0x6e, 0xe2, 0x33, 0xb3, 0x90, 0x2a, 0x59, 0x1d, 0x0d, 0x5f, 0x29, 0x25,
};
const uint8_t ILP_PEER_FULFILLMENT[ILP_FULFILLMENT_LEN] = {0};

const char *ildcp_result_str(ildcp_result_t r)
{
    switch (r) {
    case ILDCP_OK:
        return "ok";
    case ILDCP_ERR_PACKET:
        return "invalid ILP packet";
    case ILDCP_ERR_NOT_FULFILL:
        return "IL-DCP reply is not a Fulfill";
    case ILDCP_ERR_BAD_FULFILLMENT:
        return "IL-DCP fulfillment is not all zeros";
    case ILDCP_ERR_BAD_DATA:
        return "invalid IL-DCP response data";
    case ILDCP_ERR_BAD_ADDRESS:
        return "invalid IL-DCP client address";
    case ILDCP_ERR_BUFFER:
        return "output buffer full";
    }
    return "unknown IL-DCP error";
}

bool ildcp_is_request(const ilp_prepare_t *p)
{
    return slice_eq_str(p->destination, ILDCP_DESTINATION);
}

bool ildcp_request_valid(const ilp_prepare_t *p)
{
    return ildcp_is_request(p) && p->amount == 0 && p->data.len == 0 &&
           memcmp(p->condition, ILP_PEER_CONDITION, ILP_CONDITION_LEN) == 0;
}

ilp_result_t ildcp_request_encode(buf_t *b, int64_t expires_at_ms)
{
    ilp_prepare_t p = {
        .amount = 0,
        .expires_at_ms = expires_at_ms,
        .destination = SLICE_LIT(ILDCP_DESTINATION),
        .data = SLICE(NULL, 0),
    };
    memcpy(p.condition, ILP_PEER_CONDITION, ILP_CONDITION_LEN);
    return ilp_prepare_encode(b, &p);
}

ildcp_result_t ildcp_response_data_encode(buf_t *b, const ildcp_response_t *r)
{
    if (!ilp_address_is_valid(r->client_address))
        return ILDCP_ERR_BAD_ADDRESS;
    if (b->failed)
        return ILDCP_ERR_BUFFER;
    size_t mark = b->len;
    oer_write_var_octets(b, r->client_address);
    oer_write_u8(b, r->asset_scale);
    oer_write_var_octets(b, r->asset_code);
    if (b->failed) {
        b->len = b->len > mark ? mark : b->len;
        return ILDCP_ERR_BUFFER;
    }
    return ILDCP_OK;
}

ildcp_result_t ildcp_response_encode(buf_t *b, const ildcp_response_t *r)
{
    /* address (<= 1023 + 3) + scale + code: a small stack buffer is enough for all but absurd
     * asset codes, which are refused as bad data. */
    uint8_t mem[1200];
    buf_t data;
    buf_init_fixed(&data, mem, sizeof(mem));
    ildcp_result_t rc = ildcp_response_data_encode(&data, r);
    if (rc == ILDCP_ERR_BUFFER)
        return ILDCP_ERR_BAD_DATA;
    if (rc != ILDCP_OK)
        return rc;
    ilp_fulfill_t f = {.data = buf_slice(&data)};
    memcpy(f.fulfillment, ILP_PEER_FULFILLMENT, ILP_FULFILLMENT_LEN);
    return ilp_fulfill_encode(b, &f) == ILP_OK ? ILDCP_OK : ILDCP_ERR_BUFFER;
}

ildcp_result_t ildcp_response_data_decode(slice_t data, ildcp_response_t *out)
{
    oer_reader_t r = oer_reader(data);
    if (oer_read_var_octets(&r, &out->client_address) != OER_OK ||
        oer_read_u8(&r, &out->asset_scale) != OER_OK ||
        oer_read_var_octets(&r, &out->asset_code) != OER_OK || oer_remaining(&r) != 0)
        return ILDCP_ERR_BAD_DATA;
    if (!ilp_address_is_valid(out->client_address))
        return ILDCP_ERR_BAD_ADDRESS;
    return ILDCP_OK;
}

ildcp_result_t ildcp_response_decode(slice_t packet, ildcp_response_t *out, ilp_reject_t *reject)
{
    ilp_packet_t p;
    if (ilp_packet_decode(packet, ILP_DECODE_STRICT, &p) != ILP_OK)
        return ILDCP_ERR_PACKET;
    if (p.type != ILP_TYPE_FULFILL) {
        if (p.type == ILP_TYPE_REJECT && reject != NULL)
            *reject = p.u.reject;
        return ILDCP_ERR_NOT_FULFILL;
    }
    if (!ct_equal(p.u.fulfill.fulfillment, ILP_PEER_FULFILLMENT, ILP_FULFILLMENT_LEN))
        return ILDCP_ERR_BAD_FULFILLMENT;
    return ildcp_response_data_decode(p.u.fulfill.data, out);
}
