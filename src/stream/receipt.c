/* STREAM receipt encoding and verification (RFC 0039); layout in receipt.h. */
#include "stream/receipt.h"

#include <string.h>

#include "base/ct.h"
#include "base/digest.h"

#define RECEIPT_SIGNED_LEN 26

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

void stream_receipt_create(uint8_t out[STREAM_RECEIPT_LEN], const stream_receipt_t *r,
                           const uint8_t secret[STREAM_RECEIPT_SECRET_LEN])
{
    out[0] = 1;
    memcpy(out + 1, r->nonce, STREAM_RECEIPT_NONCE_LEN);
    out[17] = r->stream_id;
    put_u64(out + 18, r->total_received);
    hmac_sha256(out + RECEIPT_SIGNED_LEN, secret, STREAM_RECEIPT_SECRET_LEN, out,
                RECEIPT_SIGNED_LEN);
}

stream_result_t stream_receipt_verify(slice_t receipt,
                                      const uint8_t secret[STREAM_RECEIPT_SECRET_LEN],
                                      stream_receipt_t *out)
{
    if (receipt.len != STREAM_RECEIPT_LEN || receipt.ptr[0] != 1)
        return STREAM_ERR_FORMAT;
    uint8_t mac[SHA256_LEN];
    hmac_sha256(mac, secret, STREAM_RECEIPT_SECRET_LEN, receipt.ptr, RECEIPT_SIGNED_LEN);
    if (!ct_equal(mac, receipt.ptr + RECEIPT_SIGNED_LEN, SHA256_LEN))
        return STREAM_ERR_DECRYPT;
    memcpy(out->nonce, receipt.ptr + 1, STREAM_RECEIPT_NONCE_LEN);
    out->stream_id = receipt.ptr[17];
    out->total_received = get_u64(receipt.ptr + 18);
    return STREAM_OK;
}
