/*
 * SHA-256 and HMAC-SHA256 through OpenSSL 3. The one-shot helpers (SHA256(), HMAC()) look the
 * algorithm up by name on every call, which costs locks and string compares on the packet path;
 * here the algorithms are fetched once per process and each thread keeps its own contexts.
 */
#include "base/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>

#include "base/assert.h"

static EVP_MD *g_sha256;
static EVP_MAC *g_hmac;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void fetch_algorithms(void)
{
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    ASSERT(g_sha256 != NULL && g_hmac != NULL);
}

/* Per-thread contexts; freed at thread exit through the key destructors. */
static pthread_key_t g_md_key, g_mac_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

static void free_md_ctx(void *p)
{
    EVP_MD_CTX_free(p);
}

static void free_mac_ctx(void *p)
{
    EVP_MAC_CTX_free(p);
}

static void make_keys(void)
{
    ASSERT(pthread_key_create(&g_md_key, free_md_ctx) == 0);
    ASSERT(pthread_key_create(&g_mac_key, free_mac_ctx) == 0);
}

static EVP_MD_CTX *thread_md_ctx(void)
{
    pthread_once(&g_key_once, make_keys);
    EVP_MD_CTX *ctx = pthread_getspecific(g_md_key);
    if (!ctx) {
        ctx = EVP_MD_CTX_new();
        ASSERT(ctx != NULL);
        pthread_setspecific(g_md_key, ctx);
    }
    return ctx;
}

static EVP_MAC_CTX *thread_mac_ctx(void)
{
    pthread_once(&g_key_once, make_keys);
    EVP_MAC_CTX *ctx = pthread_getspecific(g_mac_key);
    if (!ctx) {
        ctx = EVP_MAC_CTX_new(g_hmac);
        ASSERT(ctx != NULL);
        /* The digest is set once; later EVP_MAC_init calls only change the key. */
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
            OSSL_PARAM_construct_end(),
        };
        ASSERT(EVP_MAC_CTX_set_params(ctx, params) == 1);
        pthread_setspecific(g_mac_key, ctx);
    }
    return ctx;
}

void sha256(uint8_t out[SHA256_LEN], const void *data, size_t n)
{
    pthread_once(&g_once, fetch_algorithms);
    EVP_MD_CTX *ctx = thread_md_ctx();
    unsigned int len = 0;
    int ok = EVP_DigestInit_ex(ctx, g_sha256, NULL) == 1 && EVP_DigestUpdate(ctx, data, n) == 1 &&
             EVP_DigestFinal_ex(ctx, out, &len) == 1;
    ASSERT(ok && len == SHA256_LEN);
}

void hmac_sha256(uint8_t out[SHA256_LEN], const void *key, size_t key_len, const void *data,
                 size_t n)
{
    pthread_once(&g_once, fetch_algorithms);
    EVP_MAC_CTX *ctx = thread_mac_ctx();
    size_t len = 0;
    /* A zero-length key still has to replace the previous one, so pass a valid pointer. */
    static const unsigned char empty_key[1];
    int ok = EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, NULL) == 1 &&
             EVP_MAC_update(ctx, data, n) == 1 && EVP_MAC_final(ctx, out, &len, SHA256_LEN) == 1;
    ASSERT(ok && len == SHA256_LEN);
}
