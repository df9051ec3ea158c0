/*
 * STREAM packets and frames (RFC 0029 §5.2-5.3, asn1/Stream.asn), plaintext side.
 *
 *   packet = version UInt8 (1) ‖ ilpPacketType UInt8 (12|13|14) ‖ sequence VarUInt
 *            ‖ prepareAmount VarUInt ‖ frameCount VarUInt ‖ frames ‖ junk (ignored)
 *   frame  = type UInt8 ‖ contents var-octet-string
 *
 * Decoding is zero-copy: slices in frames point into the input. stream_packet_decode validates
 * the header and every frame; stream_frame_next then walks the frames again. Unknown frame types
 * are returned as STREAM_FRAME_UNKNOWN with their raw contents (receivers skip them; re-encoding
 * keeps them). StreamMaxMoney.receiveMax and StreamMoneyBlocked.sendMax wider than 64 bits
 * saturate to UINT64_MAX (§5.1.4); any other VarUInt wider than 64 bits is an error. Bytes left
 * inside a known frame's contents after its fields are ignored, like the junk after the frames.
 *
 * Threads: pure functions over caller-owned buffers; any thread at once, never blocking.
 */
#ifndef RAFIKI_STREAM_PACKET_H
#define RAFIKI_STREAM_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/stream.h"

typedef enum {
    STREAM_FRAME_CONNECTION_CLOSE = 0x01,
    STREAM_FRAME_CONNECTION_NEW_ADDRESS = 0x02,
    STREAM_FRAME_CONNECTION_MAX_DATA = 0x03,
    STREAM_FRAME_CONNECTION_DATA_BLOCKED = 0x04,
    STREAM_FRAME_CONNECTION_MAX_STREAM_ID = 0x05,
    STREAM_FRAME_CONNECTION_STREAM_ID_BLOCKED = 0x06,
    STREAM_FRAME_CONNECTION_ASSET_DETAILS = 0x07,
    STREAM_FRAME_STREAM_CLOSE = 0x10,
    STREAM_FRAME_STREAM_MONEY = 0x11,
    STREAM_FRAME_STREAM_MAX_MONEY = 0x12,
    STREAM_FRAME_STREAM_MONEY_BLOCKED = 0x13,
    STREAM_FRAME_STREAM_DATA = 0x14,
    STREAM_FRAME_STREAM_MAX_DATA = 0x15,
    STREAM_FRAME_STREAM_DATA_BLOCKED = 0x16,
    STREAM_FRAME_STREAM_RECEIPT = 0x17,
    STREAM_FRAME_UNKNOWN = 0x100, /* raw_type holds the byte */
} stream_frame_type_t;

typedef struct {
    stream_frame_type_t type;
    uint8_t raw_type; /* the wire byte; set by the decoder, used by the encoder for UNKNOWN */
    union {
        struct {
            uint8_t code;
            slice_t message;
        } connection_close;
        struct {
            slice_t address;
        } new_address;
        struct {
            uint64_t max_offset;
        } connection_data; /* ConnectionMaxData and ConnectionDataBlocked */
        struct {
            uint64_t max_stream_id;
        } stream_id_limit; /* ConnectionMaxStreamId and ConnectionStreamIdBlocked */
        struct {
            slice_t code;
            uint8_t scale;
        } asset_details;
        struct {
            uint64_t stream_id;
            uint8_t code;
            slice_t message;
        } stream_close;
        struct {
            uint64_t stream_id;
            uint64_t shares;
        } money;
        struct {
            uint64_t stream_id;
            uint64_t receive_max;
            uint64_t total_received;
        } max_money;
        struct {
            uint64_t stream_id;
            uint64_t send_max;
            uint64_t total_sent;
        } money_blocked;
        struct {
            uint64_t stream_id;
            uint64_t offset;
            slice_t data;
        } data;
        struct {
            uint64_t stream_id;
            uint64_t max_offset;
        } stream_data; /* StreamMaxData and StreamDataBlocked */
        struct {
            uint64_t stream_id;
            slice_t receipt;
        } receipt;
        struct {
            slice_t contents;
        } unknown;
    };
} stream_frame_t;

typedef struct {
    uint8_t version;         /* always 1 after a successful decode */
    uint8_t ilp_packet_type; /* 12, 13 or 14 */
    uint64_t sequence;
    uint64_t prepare_amount;
    uint64_t frame_count;
    slice_t frames; /* from the first frame to the end of the input (junk included) */
} stream_packet_t;

/*
 * Decode and validate a plaintext packet. Returns STREAM_OK, STREAM_ERR_TRUNCATED (a frame or
 * field runs past the end, or fewer frames than declared), STREAM_ERR_FORMAT (version != 1,
 * packet type not 12/13/14, non-canonical OER) or STREAM_ERR_TOO_LARGE.
 */
stream_result_t stream_packet_decode(slice_t in, stream_packet_t *pkt);

/* Walks the frames of a decoded packet. */
typedef struct {
    slice_t rest;
    uint64_t left;
} stream_frame_iter_t;

stream_frame_iter_t stream_frame_iter(const stream_packet_t *pkt);
/* STREAM_OK with *f set, STREAM_END after the last frame, or an error (only for input that
 * stream_packet_decode did not validate). */
stream_result_t stream_frame_next(stream_frame_iter_t *it, stream_frame_t *f);

/* Decode one frame's contents (type already read). */
stream_result_t stream_frame_decode_contents(uint8_t raw_type, slice_t contents, stream_frame_t *f);

/*
 * Encode a packet with n frames and append it to out. Returns STREAM_OK, or STREAM_ERR_BUFFER
 * when out overflows (out is then marked failed).
 */
stream_result_t stream_packet_encode(buf_t *out, const stream_packet_t *hdr,
                                     const stream_frame_t *frames, size_t n);
/* Append one frame (type ‖ var-octet contents). */
void stream_frame_encode(buf_t *out, const stream_frame_t *f);

const char *stream_frame_name(stream_frame_type_t t);

#endif
