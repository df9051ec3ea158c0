/*
 * STREAM key derivation and the AES-256-GCM envelope over OpenSSL 3. The cipher is fetched
 * once per process and each thread reuses one cipher context (an implicit fetch and a context
 * allocation on every packet cost more than the encryption itself); the context is freed by a
 * thread-exit destructor.
 */
#include "stream/crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/assert.h"
#include "base/digest.h"
#include "base/rand.h"

static const char ENCRYPTION_LABEL[] = "ilp_stream_encryption";
static const char FULFILLMENT_LABEL[] = "ilp_stream_fulfillment";

static pthread_once_t cipher_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *cipher_gcm;
static pthread_key_t ctx_key;

static void ctx_free(void *ctx)
{
    EVP_CIPHER_CTX_free(ctx);
}

static void cipher_fetch(void)
{
    cipher_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    ASSERT(cipher_gcm != NULL);
    ASSERT(pthread_key_create(&ctx_key, ctx_free) == 0);
}

static const EVP_CIPHER *cipher(void)
{
    pthread_once(&cipher_once, cipher_fetch);
    return cipher_gcm;
}

/* This thread's cipher context (created on first use). */
static EVP_CIPHER_CTX *thread_ctx(void)
{
    pthread_once(&cipher_once, cipher_fetch);
    EVP_CIPHER_CTX *ctx = pthread_getspecific(ctx_key);
    if (ctx == NULL) {
        ctx = EVP_CIPHER_CTX_new();
        ASSERT(ctx != NULL && pthread_setspecific(ctx_key, ctx) == 0);
    }
    return ctx;
}

void stream_derive_encryption_key(uint8_t out[STREAM_KEY_LEN], const uint8_t *secret,
                                  size_t secret_len)
{
    hmac_sha256(out, secret, secret_len, ENCRYPTION_LABEL, sizeof(ENCRYPTION_LABEL) - 1);
}

void stream_derive_fulfillment_key(uint8_t out[STREAM_KEY_LEN], const uint8_t *secret,
                                   size_t secret_len)
{
    hmac_sha256(out, secret, secret_len, FULFILLMENT_LABEL, sizeof(FULFILLMENT_LABEL) - 1);
}

void stream_keys_derive(stream_keys_t *keys, const uint8_t *secret, size_t secret_len)
{
    stream_derive_encryption_key(keys->encryption, secret, secret_len);
    stream_derive_fulfillment_key(keys->fulfillment, secret, secret_len);
}

stream_result_t stream_encrypt(buf_t *out, const uint8_t key[STREAM_KEY_LEN], slice_t plain)
{
    uint8_t nonce[STREAM_NONCE_LEN];
    rand_bytes(nonce, sizeof nonce);
    return stream_encrypt_nonce(out, key, nonce, plain);
}

stream_result_t stream_encrypt_nonce(buf_t *out, const uint8_t key[STREAM_KEY_LEN],
                                     const uint8_t nonce[STREAM_NONCE_LEN], slice_t plain)
{
    if (plain.len > INT32_MAX)
        return STREAM_ERR_BUFFER;
    uint8_t *dst = buf_extend(out, STREAM_ENVELOPE_OVERHEAD + plain.len);
    if (dst == NULL)
        return STREAM_ERR_BUFFER;
    memcpy(dst, nonce, STREAM_NONCE_LEN);
    uint8_t *tag = dst + STREAM_NONCE_LEN;
    uint8_t *ct = tag + STREAM_TAG_LEN;

    EVP_CIPHER_CTX *ctx = thread_ctx();
    int n = 0, fin = 0;
    int ok = EVP_EncryptInit_ex2(ctx, cipher(), key, nonce, NULL) == 1 &&
             EVP_EncryptUpdate(ctx, ct, &n, plain.ptr, (int)plain.len) == 1 &&
             EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, STREAM_TAG_LEN, tag) == 1;
    /* GCM with a valid key never fails; a failure here is a broken OpenSSL, not bad input. */
    ASSERT(ok && (size_t)(n + fin) == plain.len);
    return STREAM_OK;
}

stream_result_t stream_decrypt(uint8_t *out, size_t cap, size_t *out_len,
                               const uint8_t key[STREAM_KEY_LEN], slice_t data)
{
    *out_len = 0;
    if (data.len < STREAM_ENVELOPE_OVERHEAD || data.len > INT32_MAX)
        return STREAM_ERR_DECRYPT;
    size_t ct_len = data.len - STREAM_ENVELOPE_OVERHEAD;
    if (ct_len > cap)
        return STREAM_ERR_BUFFER;
    const uint8_t *nonce = data.ptr;
    const uint8_t *tag = data.ptr + STREAM_NONCE_LEN;
    const uint8_t *ct = tag + STREAM_TAG_LEN;

    EVP_CIPHER_CTX *ctx = thread_ctx();
    int n = 0, fin = 0;
    int ok = EVP_DecryptInit_ex2(ctx, cipher(), key, nonce, NULL) == 1 &&
             EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, STREAM_TAG_LEN, (void *)tag) == 1 &&
             EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
    if (!ok) {
        memset(out, 0, ct_len); /* unauthenticated plaintext must not be used */
        return STREAM_ERR_DECRYPT;
    }
    *out_len = (size_t)(n + fin);
    return STREAM_OK;
}

void stream_fulfillment(uint8_t out[ILP_FULFILLMENT_LEN],
                        const uint8_t fulfillment_key[STREAM_KEY_LEN], slice_t data)
{
    hmac_sha256(out, fulfillment_key, STREAM_KEY_LEN, data.ptr, data.len);
}

void stream_condition(uint8_t out[ILP_CONDITION_LEN], const uint8_t fulfillment_key[STREAM_KEY_LEN],
                      slice_t data)
{
    uint8_t f[ILP_FULFILLMENT_LEN];
    stream_fulfillment(f, fulfillment_key, data);
    sha256(out, f, sizeof f);
}

const char *stream_result_str(stream_result_t r)
{
    switch (r) {
    case STREAM_OK:
        return "ok";
    case STREAM_END:
        return "end";
    case STREAM_ERR_TRUNCATED:
        return "truncated";
    case STREAM_ERR_FORMAT:
        return "invalid format";
    case STREAM_ERR_TOO_LARGE:
        return "value too large";
    case STREAM_ERR_DECRYPT:
        return "decryption failed";
    case STREAM_ERR_BUFFER:
        return "buffer too small";
    case STREAM_ERR_ARG:
        return "invalid argument";
    case STREAM_ERR_ADDRESS:
        return "bad address";
    case STREAM_ERR_STORE:
        return "totals store failed";
    }
    return "unknown";
}
