/* Tests for src/stream/packet.c: every frame type round trips; decoder edge cases. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"
#include "stream/packet.h"
#include "../unhex.h"

static stream_frame_t all_frames[15];

static void fill_frames(void)
{
    stream_frame_t *f = all_frames;
    f[0] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_CLOSE};
    f[0].connection_close.code = 9;
    f[0].connection_close.message = SLICE_LIT("bye");
    f[1] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_NEW_ADDRESS};
    f[1].new_address.address = SLICE_LIT("example.alice");
    f[2] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_MAX_DATA};
    f[2].connection_data.max_offset = UINT64_MAX;
    f[3] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_DATA_BLOCKED};
    f[3].connection_data.max_offset = 77;
    f[4] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_MAX_STREAM_ID};
    f[4].stream_id_limit.max_stream_id = 20;
    f[5] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED};
    f[5].stream_id_limit.max_stream_id = 21;
    f[6] = (stream_frame_t){.type = STREAM_FRAME_CONNECTION_ASSET_DETAILS};
    f[6].asset_details.code = SLICE_LIT("USD");
    f[6].asset_details.scale = 2;
    f[7] = (stream_frame_t){.type = STREAM_FRAME_STREAM_CLOSE};
    f[7].stream_close.stream_id = 1;
    f[7].stream_close.code = 1;
    f[7].stream_close.message = SLICE_LIT("");
    f[8] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MONEY};
    f[8].money.stream_id = 1;
    f[8].money.shares = 1000;
    f[9] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MAX_MONEY};
    f[9].max_money.stream_id = 3;
    f[9].max_money.receive_max = UINT64_MAX;
    f[9].max_money.total_received = 5;
    f[10] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MONEY_BLOCKED};
    f[10].money_blocked.stream_id = 3;
    f[10].money_blocked.send_max = 10;
    f[10].money_blocked.total_sent = 9;
    f[11] = (stream_frame_t){.type = STREAM_FRAME_STREAM_DATA};
    f[11].data.stream_id = 5;
    f[11].data.offset = 300;
    f[11].data.data = SLICE_LIT("some data");
    f[12] = (stream_frame_t){.type = STREAM_FRAME_STREAM_MAX_DATA};
    f[12].stream_data.stream_id = 5;
    f[12].stream_data.max_offset = 1 << 20;
    f[13] = (stream_frame_t){.type = STREAM_FRAME_STREAM_DATA_BLOCKED};
    f[13].stream_data.stream_id = 5;
    f[13].stream_data.max_offset = 1 << 19;
    f[14] = (stream_frame_t){.type = STREAM_FRAME_STREAM_RECEIPT};
    f[14].receipt.stream_id = 1;
    f[14].receipt.receipt = SLICE_LIT("0123456789012345678901234567890123456789012345678901234567");
}

static bool frame_eq(const stream_frame_t *a, const stream_frame_t *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case STREAM_FRAME_CONNECTION_CLOSE:
        return a->connection_close.code == b->connection_close.code &&
               slice_eq(a->connection_close.message, b->connection_close.message);
    case STREAM_FRAME_CONNECTION_NEW_ADDRESS:
        return slice_eq(a->new_address.address, b->new_address.address);
    case STREAM_FRAME_CONNECTION_MAX_DATA:
    case STREAM_FRAME_CONNECTION_DATA_BLOCKED:
        return a->connection_data.max_offset == b->connection_data.max_offset;
    case STREAM_FRAME_CONNECTION_MAX_STREAM_ID:
    case STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED:
        return a->stream_id_limit.max_stream_id == b->stream_id_limit.max_stream_id;
    case STREAM_FRAME_CONNECTION_ASSET_DETAILS:
        return slice_eq(a->asset_details.code, b->asset_details.code) &&
               a->asset_details.scale == b->asset_details.scale;
    case STREAM_FRAME_STREAM_CLOSE:
        return a->stream_close.stream_id == b->stream_close.stream_id &&
               a->stream_close.code == b->stream_close.code &&
               slice_eq(a->stream_close.message, b->stream_close.message);
    case STREAM_FRAME_STREAM_MONEY:
        return a->money.stream_id == b->money.stream_id && a->money.shares == b->money.shares;
    case STREAM_FRAME_STREAM_MAX_MONEY:
        return a->max_money.stream_id == b->max_money.stream_id &&
               a->max_money.receive_max == b->max_money.receive_max &&
               a->max_money.total_received == b->max_money.total_received;
    case STREAM_FRAME_STREAM_MONEY_BLOCKED:
        return a->money_blocked.stream_id == b->money_blocked.stream_id &&
               a->money_blocked.send_max == b->money_blocked.send_max &&
               a->money_blocked.total_sent == b->money_blocked.total_sent;
    case STREAM_FRAME_STREAM_DATA:
        return a->data.stream_id == b->data.stream_id && a->data.offset == b->data.offset &&
               slice_eq(a->data.data, b->data.data);
    case STREAM_FRAME_STREAM_MAX_DATA:
    case STREAM_FRAME_STREAM_DATA_BLOCKED:
        return a->stream_data.stream_id == b->stream_data.stream_id &&
               a->stream_data.max_offset == b->stream_data.max_offset;
    case STREAM_FRAME_STREAM_RECEIPT:
        return a->receipt.stream_id == b->receipt.stream_id &&
               slice_eq(a->receipt.receipt, b->receipt.receipt);
    case STREAM_FRAME_UNKNOWN:
        return a->raw_type == b->raw_type && slice_eq(a->unknown.contents, b->unknown.contents);
    }
    return false;
}

Test(stream_packet, every_frame_round_trips_alone_and_together)
{
    fill_frames();
    uint8_t mem[2048];
    for (size_t i = 0; i <= 15; i++) {
        const stream_frame_t *fr = i < 15 ? &all_frames[i] : all_frames;
        size_t n = i < 15 ? 1 : 15;
        buf_t b;
        buf_init_fixed(&b, mem, sizeof mem);
        stream_packet_t hdr = {.ilp_packet_type = 13, .sequence = 42 + i, .prepare_amount = 7};
        cr_assert_eq(stream_packet_encode(&b, &hdr, fr, n), STREAM_OK);
        stream_packet_t got;
        cr_assert_eq(stream_packet_decode(buf_slice(&b), &got), STREAM_OK, "frame %zu", i);
        cr_assert_eq(got.ilp_packet_type, 13);
        cr_assert_eq(got.sequence, 42 + i);
        cr_assert_eq(got.prepare_amount, 7);
        cr_assert_eq(got.frame_count, n);
        stream_frame_iter_t it = stream_frame_iter(&got);
        stream_frame_t f;
        for (size_t j = 0; j < n; j++) {
            cr_assert_eq(stream_frame_next(&it, &f), STREAM_OK);
            cr_assert(frame_eq(&f, &fr[j]), "frame %s differs", stream_frame_name(fr[j].type));
        }
        cr_assert_eq(stream_frame_next(&it, &f), STREAM_END);
    }
}

Test(stream_packet, minimal_packet_matches_fixture)
{
    uint8_t mem[16], want[8];
    unhex(want, sizeof want, "010c010001000100");
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    stream_packet_t hdr = {.ilp_packet_type = 12};
    cr_assert_eq(stream_packet_encode(&b, &hdr, NULL, 0), STREAM_OK);
    cr_assert_eq(b.len, 8);
    cr_assert_arr_eq(b.ptr, want, 8);
}

Test(stream_packet, unknown_frames_are_skipped_and_kept)
{
    /* unknown 0x59, then StreamMoney(1, 2) */
    uint8_t in[64];
    size_t n = unhex(in, sizeof in,
                     "010c010101630102590301020311040101"
                     "0102");
    stream_packet_t p;
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_OK);
    stream_frame_iter_t it = stream_frame_iter(&p);
    stream_frame_t f;
    cr_assert_eq(stream_frame_next(&it, &f), STREAM_OK);
    cr_assert_eq(f.type, STREAM_FRAME_UNKNOWN);
    cr_assert_eq(f.raw_type, 0x59);
    cr_assert_eq(f.unknown.contents.len, 3);
    cr_assert_eq(stream_frame_next(&it, &f), STREAM_OK);
    cr_assert_eq(f.type, STREAM_FRAME_STREAM_MONEY);
    cr_assert_eq(f.money.shares, 2);
}

Test(stream_packet, junk_after_frames_is_ignored)
{
    uint8_t in[64];
    size_t n = unhex(in, sizeof in,
                     "010c01000100010103020100"
                     "00000000ffff");
    stream_packet_t p;
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_OK);
    cr_assert_eq(p.frame_count, 1);
}

Test(stream_packet, receive_max_and_send_max_saturate)
{
    /* StreamMaxMoney(1, 2^72, 5) and StreamMoneyBlocked(1, 2^72, 5) */
    uint8_t in[64];
    size_t n = unhex(in, sizeof in,
                     "010c01000100010212"
                     "0e"
                     "0101"
                     "09010000000000000000"
                     "0105"
                     "13"
                     "0e"
                     "0101"
                     "09010000000000000000"
                     "0105");
    stream_packet_t p;
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_OK);
    stream_frame_iter_t it = stream_frame_iter(&p);
    stream_frame_t f;
    cr_assert_eq(stream_frame_next(&it, &f), STREAM_OK);
    cr_assert_eq(f.max_money.receive_max, UINT64_MAX);
    cr_assert_eq(f.max_money.total_received, 5);
    cr_assert_eq(stream_frame_next(&it, &f), STREAM_OK);
    cr_assert_eq(f.money_blocked.send_max, UINT64_MAX);
}

Test(stream_packet, other_oversized_varuints_are_errors)
{
    uint8_t in[64];
    stream_packet_t p;
    /* total_received of 2^72 */
    size_t n = unhex(in, sizeof in,
                     "010c01000100010112"
                     "0e"
                     "0101"
                     "0105"
                     "09010000000000000000");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TOO_LARGE);
    /* sequence of 2^72 */
    n = unhex(in, sizeof in, "010c0901000000000000000001000100");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TOO_LARGE);
    /* StreamMoney shares of 2^72 */
    n = unhex(in, sizeof in,
              "010c01000100010111"
              "0c"
              "0101"
              "09010000000000000000");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TOO_LARGE);
}

Test(stream_packet, rejects_bad_headers_and_truncation)
{
    uint8_t in[64];
    stream_packet_t p;
    size_t n = unhex(in, sizeof in, "020c010001000100");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_FORMAT, "version 2");
    n = unhex(in, sizeof in, "010b010001000100");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_FORMAT, "type 11");
    n = unhex(in, sizeof in, "010c0000010001000100");
    cr_assert_neq(stream_packet_decode(SLICE(in, n), &p), STREAM_OK, "zero-length VarUInt");
    n = unhex(in, sizeof in,
              "010c010001000102"
              "03020100");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TRUNCATED, "2 declared");
    n = unhex(in, sizeof in,
              "010c010001000101"
              "030501");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TRUNCATED, "short frame");
    n = unhex(in, sizeof in,
              "010c010001000101"
              "0300");
    cr_assert_neq(stream_packet_decode(SLICE(in, n), &p), STREAM_OK, "empty known frame");
    n = unhex(in, sizeof in, "010c0100");
    cr_assert_eq(stream_packet_decode(SLICE(in, n), &p), STREAM_ERR_TRUNCATED);
    cr_assert_eq(stream_packet_decode(SLICE(in, 0), &p), STREAM_ERR_TRUNCATED);
}

Test(stream_packet, encoder_reports_overflow)
{
    fill_frames();
    uint8_t mem[16];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    stream_packet_t hdr = {.ilp_packet_type = 12};
    cr_assert_eq(stream_packet_encode(&b, &hdr, all_frames, 15), STREAM_ERR_BUFFER);
}
