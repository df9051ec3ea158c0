/*
 * STREAM cryptography (RFC 0029 §5.1, protocols.md §8.1-8.2): key derivation from the shared
 * secret, the AES-256-GCM envelope `nonce(12) ‖ tag(16) ‖ ciphertext` with empty AAD, and the
 * fulfillment/condition a receiver derives from the Prepare's encrypted data.
 *
 * Threads: every call may be made from any thread at once and never blocks (the cipher is set
 * up once, each thread keeps its own cipher context).
 */
#ifndef RAFIKI_STREAM_CRYPTO_H
#define RAFIKI_STREAM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "stream/stream.h"

#define STREAM_KEY_LEN 32

/* Both per-connection keys, derived once from the shared secret. */
typedef struct {
    uint8_t encryption[STREAM_KEY_LEN];  /* HMAC(secret, "ilp_stream_encryption") */
    uint8_t fulfillment[STREAM_KEY_LEN]; /* HMAC(secret, "ilp_stream_fulfillment") */
} stream_keys_t;

void stream_derive_encryption_key(uint8_t out[STREAM_KEY_LEN], const uint8_t *secret,
                                  size_t secret_len);
void stream_derive_fulfillment_key(uint8_t out[STREAM_KEY_LEN], const uint8_t *secret,
                                   size_t secret_len);
void stream_keys_derive(stream_keys_t *keys, const uint8_t *secret, size_t secret_len);

/*
 * Encrypt plain under key with a fresh random nonce and append nonce ‖ tag ‖ ciphertext to out.
 * Returns STREAM_OK, or STREAM_ERR_BUFFER when out cannot take plain.len + 28 more bytes.
 */
stream_result_t stream_encrypt(buf_t *out, const uint8_t key[STREAM_KEY_LEN], slice_t plain);
/* Same with a caller-chosen nonce (tests and vectors only: never reuse a nonce). */
stream_result_t stream_encrypt_nonce(buf_t *out, const uint8_t key[STREAM_KEY_LEN],
                                     const uint8_t nonce[STREAM_NONCE_LEN], slice_t plain);

/*
 * Decrypt an envelope into out (cap bytes; data.len - 28 are needed) and set *out_len.
 * Returns STREAM_OK, STREAM_ERR_DECRYPT (short input or authentication failure: nothing in out
 * may be used) or STREAM_ERR_BUFFER.
 */
stream_result_t stream_decrypt(uint8_t *out, size_t cap, size_t *out_len,
                               const uint8_t key[STREAM_KEY_LEN], slice_t data);

/* fulfillment = HMAC(fulfillment_key, data), data being the Prepare's whole encrypted data. */
void stream_fulfillment(uint8_t out[ILP_FULFILLMENT_LEN],
                        const uint8_t fulfillment_key[STREAM_KEY_LEN], slice_t data);
/* condition = SHA-256(fulfillment). */
void stream_condition(uint8_t out[ILP_CONDITION_LEN], const uint8_t fulfillment_key[STREAM_KEY_LEN],
                      slice_t data);

#endif
