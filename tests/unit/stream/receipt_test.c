/* Tests for src/stream/receipt.c (RFC 0039). */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"
#include "stream/receipt.h"

static const char FIXTURE[] = "01000000000000000000000000000000000100000000000001f4c122fa0252deb"
                              "b672d591823f710e99516d67385cf397da87cc8f9e8c8bf5130";

Test(stream_receipt, creates_the_upstream_fixture)
{
    uint8_t secret[32] = {0}, out[STREAM_RECEIPT_LEN], want[STREAM_RECEIPT_LEN];
    stream_receipt_t r = {.stream_id = 1, .total_received = 500};
    stream_receipt_create(out, &r, secret);
    cr_assert_eq(hex_decode(want, sizeof want, FIXTURE, strlen(FIXTURE)), STREAM_RECEIPT_LEN);
    cr_assert_arr_eq(out, want, STREAM_RECEIPT_LEN);
}

Test(stream_receipt, verifies_and_rejects)
{
    uint8_t secret[32], out[STREAM_RECEIPT_LEN];
    memset(secret, 0x5a, sizeof secret);
    stream_receipt_t r = {.stream_id = 3, .total_received = 123456789012ull};
    memset(r.nonce, 0x11, sizeof r.nonce);
    stream_receipt_create(out, &r, secret);
    stream_receipt_t got;
    cr_assert_eq(stream_receipt_verify(SLICE(out, sizeof out), secret, &got), STREAM_OK);
    cr_assert_eq(got.total_received, 123456789012ull);
    cr_assert_eq(got.stream_id, 3);
    cr_assert_arr_eq(got.nonce, r.nonce, 16);

    cr_assert_eq(stream_receipt_verify(SLICE(out, 57), secret, &got), STREAM_ERR_FORMAT);
    out[25] ^= 1; /* amount changed: HMAC fails */
    cr_assert_eq(stream_receipt_verify(SLICE(out, sizeof out), secret, &got), STREAM_ERR_DECRYPT);
    out[25] ^= 1;
    out[0] = 2;
    cr_assert_eq(stream_receipt_verify(SLICE(out, sizeof out), secret, &got), STREAM_ERR_FORMAT);
    out[0] = 1;
    secret[0] ^= 1;
    cr_assert_eq(stream_receipt_verify(SLICE(out, sizeof out), secret, &got), STREAM_ERR_DECRYPT);
}
