/*
 * STREAM receipts (RFC 0039, deprecated but used by ilp-protocol-stream, stream-receiver and
 * Rafiki): a 58-byte proof that a receiver got totalReceived on a connection.
 *
 *   receipt = version UInt8 (1) ‖ nonce 16 bytes ‖ streamId UInt8 ‖ totalReceived UInt64
 *             ‖ hmac 32 bytes,   hmac = HMAC-SHA256(receipt_secret, first 26 bytes)
 *
 * Threads: pure functions (HMAC over the caller's bytes); any thread at once, never blocking.
 */
#ifndef RAFIKI_STREAM_RECEIPT_H
#define RAFIKI_STREAM_RECEIPT_H

#include <stdint.h>

#include "base/slice.h"
#include "stream/stream.h"

#define STREAM_RECEIPT_LEN        58
#define STREAM_RECEIPT_NONCE_LEN  16
#define STREAM_RECEIPT_SECRET_LEN 32

typedef struct {
    uint8_t nonce[STREAM_RECEIPT_NONCE_LEN];
    uint8_t stream_id;
    uint64_t total_received;
} stream_receipt_t;

void stream_receipt_create(uint8_t out[STREAM_RECEIPT_LEN], const stream_receipt_t *r,
                           const uint8_t secret[STREAM_RECEIPT_SECRET_LEN]);

/*
 * Check a receipt's length, version and HMAC (constant time) and decode it into *out.
 * Returns STREAM_OK, STREAM_ERR_FORMAT (length != 58 or version != 1) or STREAM_ERR_DECRYPT
 * (HMAC mismatch).
 */
stream_result_t stream_receipt_verify(slice_t receipt,
                                      const uint8_t secret[STREAM_RECEIPT_SECRET_LEN],
                                      stream_receipt_t *out);

#endif
