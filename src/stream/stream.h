/*
 * STREAM (RFC 0029) common definitions: the one result enum every src/stream module returns,
 * and protocol constants shared by the codec, the receiver and the sender.
 *
 * Threads: stream_result_str returns static strings; any thread. Each module's own header says
 * which of its calls may block.
 */
#ifndef RAFIKI_STREAM_STREAM_H
#define RAFIKI_STREAM_STREAM_H

#include "base/limits.h"

typedef enum {
    STREAM_OK = 0,
    STREAM_END = 1,            /* an iterator is past its last item (not an error) */
    STREAM_ERR_TRUNCATED = -1, /* a field or frame runs past the end of the input */
    STREAM_ERR_FORMAT = -2,    /* non-canonical OER, bad version, bad packet type, bad frame */
    STREAM_ERR_TOO_LARGE = -3, /* a VarUInt does not fit u64 (outside the saturation rule) */
    STREAM_ERR_DECRYPT = -4,   /* AES-GCM authentication failed or input < nonce + tag */
    STREAM_ERR_BUFFER = -5,    /* the output buffer is too small */
    STREAM_ERR_ARG = -6,       /* an argument is out of range (asset scale, nonce size...) */
    STREAM_ERR_ADDRESS = -7,   /* the destination is not under our address or is too long */
    STREAM_ERR_STORE = -8,     /* the running-totals store failed */
} stream_result_t;

/* STREAM packet format version (RFC 0029 §5.2). */
#define STREAM_VERSION 1

/* Envelope overhead: nonce ‖ tag in front of the ciphertext (RFC 0029 §5.1). */
#define STREAM_ENVELOPE_OVERHEAD (STREAM_NONCE_LEN + STREAM_TAG_LEN)

/* Largest plaintext that still fits ILP data once encrypted. */
#define STREAM_PLAINTEXT_MAX_LEN (ILP_DATA_MAX_LEN - STREAM_ENVELOPE_OVERHEAD)

/* Close codes (RFC 0029 §5.4); decoders keep any other byte as is. */
enum {
    STREAM_CODE_NO_ERROR = 0x01,
    STREAM_CODE_INTERNAL_ERROR = 0x02,
    STREAM_CODE_ENDPOINT_BUSY = 0x03,
    STREAM_CODE_FLOW_CONTROL_ERROR = 0x04,
    STREAM_CODE_STREAM_ID_ERROR = 0x05,
    STREAM_CODE_STREAM_STATE_ERROR = 0x06,
    STREAM_CODE_FRAME_FORMAT_ERROR = 0x07,
    STREAM_CODE_PROTOCOL_VIOLATION = 0x08,
    STREAM_CODE_APPLICATION_ERROR = 0x09,
};

const char *stream_result_str(stream_result_t r);

#endif
