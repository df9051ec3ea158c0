/*
 * STREAM packet and frame codec over the OER primitives of ilp/oer.h. Layout in packet.h.
 */
#include "stream/packet.h"

#include "base/assert.h"
#include "ilp/oer.h"

static stream_result_t from_oer(oer_result_t r)
{
    switch (r) {
    case OER_OK:
        return STREAM_OK;
    case OER_TRUNCATED:
        return STREAM_ERR_TRUNCATED;
    case OER_TOO_LARGE:
        return STREAM_ERR_TOO_LARGE;
    case OER_NON_CANONICAL:
    case OER_INDEFINITE:
        break;
    }
    return STREAM_ERR_FORMAT;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        oer_result_t r_ = (expr);                                                                  \
        if (r_ != OER_OK)                                                                          \
            return from_oer(r_);                                                                   \
    } while (0)

static bool frame_type_known(uint8_t t)
{
    return (t >= 0x01 && t <= 0x07) || (t >= 0x10 && t <= 0x17);
}

static stream_result_t decode_connection_frame(oer_reader_t *r, uint8_t t, stream_frame_t *f)
{
    switch (t) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        TRY(oer_read_u8(r, &f->connection_close.code));
        TRY(oer_read_var_octets(r, &f->connection_close.message));
        return STREAM_OK;
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        TRY(oer_read_var_octets(r, &f->new_address.address));
        return STREAM_OK;
    case STREAM_FRAME_CONNECTION_MAX_DATA:
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        TRY(oer_read_var_uint(r, &f->connection_data.max_offset));
        return STREAM_OK;
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        TRY(oer_read_var_uint(r, &f->stream_id_limit.max_stream_id));
        return STREAM_OK;
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        TRY(oer_read_var_octets(r, &f->asset_details.code));
        TRY(oer_read_u8(r, &f->asset_details.scale));
        return STREAM_OK;
    }
    return STREAM_ERR_FORMAT;
}

static stream_result_t decode_stream_frame(oer_reader_t *r, uint8_t t, stream_frame_t *f)
{
    switch (t) {
    case STREAM_FRAME_STREAM_CLOSE:
        TRY(oer_read_var_uint(r, &f->stream_close.stream_id));
        TRY(oer_read_u8(r, &f->stream_close.code));
        TRY(oer_read_var_octets(r, &f->stream_close.message));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_MONEY:
        TRY(oer_read_var_uint(r, &f->money.stream_id));
        TRY(oer_read_var_uint(r, &f->money.shares));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_MAX_MONEY:
        TRY(oer_read_var_uint(r, &f->max_money.stream_id));
        TRY(oer_read_var_uint_saturating(r, &f->max_money.receive_max));
        TRY(oer_read_var_uint(r, &f->max_money.total_received));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        TRY(oer_read_var_uint(r, &f->money_blocked.stream_id));
        TRY(oer_read_var_uint_saturating(r, &f->money_blocked.send_max));
        TRY(oer_read_var_uint(r, &f->money_blocked.total_sent));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_DATA:
        TRY(oer_read_var_uint(r, &f->data.stream_id));
        TRY(oer_read_var_uint(r, &f->data.offset));
        TRY(oer_read_var_octets(r, &f->data.data));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_MAX_DATA:
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        TRY(oer_read_var_uint(r, &f->stream_data.stream_id));
        TRY(oer_read_var_uint(r, &f->stream_data.max_offset));
        return STREAM_OK;
    case STREAM_FRAME_STREAM_RECEIPT:
        TRY(oer_read_var_uint(r, &f->receipt.stream_id));
        TRY(oer_read_var_octets(r, &f->receipt.receipt));
        return STREAM_OK;
    }
    return STREAM_ERR_FORMAT;
}

stream_result_t stream_frame_decode_contents(uint8_t raw_type, slice_t contents, stream_frame_t *f)
{
    f->raw_type = raw_type;
    if (!frame_type_known(raw_type)) {
        f->type = STREAM_FRAME_UNKNOWN;
        f->unknown.contents = contents;
        return STREAM_OK;
    }
    f->type = (stream_frame_type_t)raw_type;
    oer_reader_t r = oer_reader(contents);
    if (raw_type < 0x10)
        return decode_connection_frame(&r, raw_type, f);
    return decode_stream_frame(&r, raw_type, f);
}

/* Reads one frame from r into *f. */
static stream_result_t read_frame(oer_reader_t *r, stream_frame_t *f)
{
    uint8_t t;
    slice_t contents;
    TRY(oer_read_u8(r, &t));
    TRY(oer_read_var_octets(r, &contents));
    return stream_frame_decode_contents(t, contents, f);
}

stream_result_t stream_packet_decode(slice_t in, stream_packet_t *pkt)
{
    oer_reader_t r = oer_reader(in);
    TRY(oer_read_u8(&r, &pkt->version));
    if (pkt->version != STREAM_VERSION)
        return STREAM_ERR_FORMAT;
    TRY(oer_read_u8(&r, &pkt->ilp_packet_type));
    if (pkt->ilp_packet_type < 12 || pkt->ilp_packet_type > 14)
        return STREAM_ERR_FORMAT;
    TRY(oer_read_var_uint(&r, &pkt->sequence));
    TRY(oer_read_var_uint(&r, &pkt->prepare_amount));
    TRY(oer_read_var_uint(&r, &pkt->frame_count));
    pkt->frames = SLICE(r.ptr + r.pos, oer_remaining(&r));
    /* Each frame takes at least 2 bytes; this bounds the loop by the input, not the count. */
    if (pkt->frame_count > oer_remaining(&r) / 2)
        return STREAM_ERR_TRUNCATED;
    for (uint64_t i = 0; i < pkt->frame_count; i++) {
        stream_frame_t f;
        stream_result_t rc = read_frame(&r, &f);
        if (rc != STREAM_OK)
            return rc;
    }
    return STREAM_OK;
}

stream_frame_iter_t stream_frame_iter(const stream_packet_t *pkt)
{
    return (stream_frame_iter_t){pkt->frames, pkt->frame_count};
}

stream_result_t stream_frame_next(stream_frame_iter_t *it, stream_frame_t *f)
{
    if (it->left == 0)
        return STREAM_END;
    oer_reader_t r = oer_reader(it->rest);
    stream_result_t rc = read_frame(&r, f);
    if (rc != STREAM_OK) {
        it->left = 0;
        return rc;
    }
    it->left--;
    it->rest = SLICE(r.ptr + r.pos, oer_remaining(&r));
    return STREAM_OK;
}

static size_t octets_size(slice_t s)
{
    return oer_length_size(s.len) + s.len;
}

static size_t contents_size(const stream_frame_t *f)
{
    switch (f->type) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        return 1 + octets_size(f->connection_close.message);
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        return octets_size(f->new_address.address);
    case STREAM_FRAME_CONNECTION_MAX_DATA:
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        return oer_var_uint_size(f->connection_data.max_offset);
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        return oer_var_uint_size(f->stream_id_limit.max_stream_id);
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        return octets_size(f->asset_details.code) + 1;
    case STREAM_FRAME_STREAM_CLOSE:
        return oer_var_uint_size(f->stream_close.stream_id) + 1 +
               octets_size(f->stream_close.message);
    case STREAM_FRAME_STREAM_MONEY:
        return oer_var_uint_size(f->money.stream_id) + oer_var_uint_size(f->money.shares);
    case STREAM_FRAME_STREAM_MAX_MONEY:
        return oer_var_uint_size(f->max_money.stream_id) +
               oer_var_uint_size(f->max_money.receive_max) +
               oer_var_uint_size(f->max_money.total_received);
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        return oer_var_uint_size(f->money_blocked.stream_id) +
               oer_var_uint_size(f->money_blocked.send_max) +
               oer_var_uint_size(f->money_blocked.total_sent);
    case STREAM_FRAME_STREAM_DATA:
        return oer_var_uint_size(f->data.stream_id) + oer_var_uint_size(f->data.offset) +
               octets_size(f->data.data);
    case STREAM_FRAME_STREAM_MAX_DATA:
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        return oer_var_uint_size(f->stream_data.stream_id) +
               oer_var_uint_size(f->stream_data.max_offset);
    case STREAM_FRAME_STREAM_RECEIPT:
        return oer_var_uint_size(f->receipt.stream_id) + octets_size(f->receipt.receipt);
    case STREAM_FRAME_UNKNOWN:
        return f->unknown.contents.len;
    }
    ASSERT(!"unreachable frame type");
}

static void write_contents(buf_t *b, const stream_frame_t *f)
{
    switch (f->type) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        oer_write_u8(b, f->connection_close.code);
        oer_write_var_octets(b, f->connection_close.message);
        return;
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        oer_write_var_octets(b, f->new_address.address);
        return;
    case STREAM_FRAME_CONNECTION_MAX_DATA:
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        oer_write_var_uint(b, f->connection_data.max_offset);
        return;
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        oer_write_var_uint(b, f->stream_id_limit.max_stream_id);
        return;
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        oer_write_var_octets(b, f->asset_details.code);
        oer_write_u8(b, f->asset_details.scale);
        return;
    case STREAM_FRAME_STREAM_CLOSE:
        oer_write_var_uint(b, f->stream_close.stream_id);
        oer_write_u8(b, f->stream_close.code);
        oer_write_var_octets(b, f->stream_close.message);
        return;
    case STREAM_FRAME_STREAM_MONEY:
        oer_write_var_uint(b, f->money.stream_id);
        oer_write_var_uint(b, f->money.shares);
        return;
    case STREAM_FRAME_STREAM_MAX_MONEY:
        oer_write_var_uint(b, f->max_money.stream_id);
        oer_write_var_uint(b, f->max_money.receive_max);
        oer_write_var_uint(b, f->max_money.total_received);
        return;
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        oer_write_var_uint(b, f->money_blocked.stream_id);
        oer_write_var_uint(b, f->money_blocked.send_max);
        oer_write_var_uint(b, f->money_blocked.total_sent);
        return;
    case STREAM_FRAME_STREAM_DATA:
        oer_write_var_uint(b, f->data.stream_id);
        oer_write_var_uint(b, f->data.offset);
        oer_write_var_octets(b, f->data.data);
        return;
    case STREAM_FRAME_STREAM_MAX_DATA:
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        oer_write_var_uint(b, f->stream_data.stream_id);
        oer_write_var_uint(b, f->stream_data.max_offset);
        return;
    case STREAM_FRAME_STREAM_RECEIPT:
        oer_write_var_uint(b, f->receipt.stream_id);
        oer_write_var_octets(b, f->receipt.receipt);
        return;
    case STREAM_FRAME_UNKNOWN:
        buf_append(b, f->unknown.contents.ptr, f->unknown.contents.len);
        return;
    }
    ASSERT(!"unreachable frame type");
}

void stream_frame_encode(buf_t *out, const stream_frame_t *f)
{
    oer_write_u8(out, f->type == STREAM_FRAME_UNKNOWN ? f->raw_type : (uint8_t)f->type);
    oer_write_length(out, contents_size(f));
    write_contents(out, f);
}

stream_result_t stream_packet_encode(buf_t *out, const stream_packet_t *hdr,
                                     const stream_frame_t *frames, size_t n)
{
    oer_write_u8(out, STREAM_VERSION);
    oer_write_u8(out, hdr->ilp_packet_type);
    oer_write_var_uint(out, hdr->sequence);
    oer_write_var_uint(out, hdr->prepare_amount);
    oer_write_var_uint(out, n);
    for (size_t i = 0; i < n; i++)
        stream_frame_encode(out, &frames[i]);
    return out->failed ? STREAM_ERR_BUFFER : STREAM_OK;
}

const char *stream_frame_name(stream_frame_type_t t)
{
    switch (t) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        return "ConnectionClose";
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        return "ConnectionNewAddress";
    case STREAM_FRAME_CONNECTION_MAX_DATA:
        return "ConnectionMaxData";
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        return "ConnectionDataBlocked";
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
        return "ConnectionMaxStreamId";
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        return "ConnectionStreamIdBlocked";
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        return "ConnectionAssetDetails";
    case STREAM_FRAME_STREAM_CLOSE:
        return "StreamClose";
    case STREAM_FRAME_STREAM_MONEY:
        return "StreamMoney";
    case STREAM_FRAME_STREAM_MAX_MONEY:
        return "StreamMaxMoney";
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        return "StreamMoneyBlocked";
    case STREAM_FRAME_STREAM_DATA:
        return "StreamData";
    case STREAM_FRAME_STREAM_MAX_DATA:
        return "StreamMaxData";
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        return "StreamDataBlocked";
    case STREAM_FRAME_STREAM_RECEIPT:
        return "StreamReceipt";
    case STREAM_FRAME_UNKNOWN:
        return "Unknown";
    }
    return "Unknown";
}
