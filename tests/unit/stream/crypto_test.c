/* Tests for src/stream/crypto.c: key derivation, the AES-GCM envelope, fulfillments. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/codec.h"
#include "base/digest.h"
#include "stream/crypto.h"

static void unhex(uint8_t *out, size_t n, const char *hex)
{
    cr_assert_eq(hex_decode(out, n, hex, strlen(hex)), (ssize_t)n);
}

Test(stream_crypto, derives_keys_like_javascript)
{
    uint8_t enc[32], ful[32], want_enc[32], want_ful[32];
    stream_keys_t k;
    stream_derive_encryption_key(enc, (const uint8_t *)"foo", 3);
    stream_derive_fulfillment_key(ful, (const uint8_t *)"foo", 3);
    unhex(want_enc, 32, "cdf386314fee63e10e50213ab4ddd6844efb6c5fcdea94b4c123a63201003040");
    unhex(want_ful, 32, "961f27189089a2cbdf51e3da534bb1c572b78cdbd5d98fb98afb75187d4cba1b");
    cr_assert_arr_eq(enc, want_enc, 32);
    cr_assert_arr_eq(ful, want_ful, 32);
    stream_keys_derive(&k, (const uint8_t *)"foo", 3);
    cr_assert_arr_eq(k.encryption, want_enc, 32);
    cr_assert_arr_eq(k.fulfillment, want_ful, 32);
}

Test(stream_crypto, encrypts_with_tag_before_ciphertext)
{
    uint8_t secret[32], nonce[12], want[34], plain[6], mem[64];
    unhex(secret, 32, "7edb755d76f8f9d314d3416eed50fdb35192e543e7315c7ffee6906667a69624");
    unhex(nonce, 12, "77f8d5ea3fc8e08cd4de699f");
    unhex(plain, 6, "63000cff4d1f");
    unhex(want, 34, "77f8d5ea3fc8e08cd4de699ff6cb429b97ac44184ce85a0aed92bd49f8c4b16c73df");
    uint8_t key[32];
    stream_derive_encryption_key(key, secret, 32);
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_eq(stream_encrypt_nonce(&b, key, nonce, SLICE(plain, 6)), STREAM_OK);
    cr_assert_eq(b.len, 34);
    cr_assert_arr_eq(b.ptr, want, 34);
}

Test(stream_crypto, round_trip_and_tamper_detection)
{
    uint8_t key[32] = {1}, mem[128], out[128];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_eq(stream_encrypt(&b, key, SLICE_LIT("hello stream")), STREAM_OK);
    cr_assert_eq(b.len, 28 + 12);
    size_t n;
    cr_assert_eq(stream_decrypt(out, sizeof out, &n, key, buf_slice(&b)), STREAM_OK);
    cr_assert_eq(n, 12);
    cr_assert_arr_eq(out, "hello stream", 12);

    for (size_t i = 0; i < b.len; i++) { /* every byte is authenticated: nonce, tag, text */
        mem[i] ^= 0x01;
        cr_assert_eq(stream_decrypt(out, sizeof out, &n, key, buf_slice(&b)), STREAM_ERR_DECRYPT,
                     "byte %zu", i);
        mem[i] ^= 0x01;
    }
    uint8_t other[32] = {2};
    cr_assert_eq(stream_decrypt(out, sizeof out, &n, other, buf_slice(&b)), STREAM_ERR_DECRYPT);
    cr_assert_eq(stream_decrypt(out, sizeof out, &n, key, SLICE(mem, 27)), STREAM_ERR_DECRYPT);
    cr_assert_eq(stream_decrypt(out, 4, &n, key, buf_slice(&b)), STREAM_ERR_BUFFER);
}

Test(stream_crypto, two_encryptions_use_different_nonces)
{
    uint8_t key[32] = {3}, m1[64], m2[64];
    buf_t a, b;
    buf_init_fixed(&a, m1, sizeof m1);
    buf_init_fixed(&b, m2, sizeof m2);
    stream_encrypt(&a, key, SLICE_LIT("x"));
    stream_encrypt(&b, key, SLICE_LIT("x"));
    cr_assert(memcmp(m1, m2, 12) != 0);
}

Test(stream_crypto, encrypt_reports_small_buffer)
{
    uint8_t key[32] = {0}, mem[20];
    buf_t b;
    buf_init_fixed(&b, mem, sizeof mem);
    cr_assert_eq(stream_encrypt(&b, key, SLICE_LIT("abc")), STREAM_ERR_BUFFER);
}

Test(stream_crypto, fulfillment_and_condition)
{
    uint8_t key[32] = {0}, f[32], c[32], want[32], h[32];
    unhex(want, 32, "0c0d98f7e3d9d45e72e8877bc1b104327efb9c07b18f2ffeced76d81307f1fff");
    stream_fulfillment(f, key, SLICE_LIT("foo"));
    cr_assert_arr_eq(f, want, 32);
    stream_condition(c, key, SLICE_LIT("foo"));
    sha256(h, want, 32);
    cr_assert_arr_eq(c, h, 32);
}
