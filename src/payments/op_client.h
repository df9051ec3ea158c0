/*
 * This instance as an Open Payments client, for remote receivers: an incoming-payment URL of
 * another instance is read the way any third party reads it (open-payments.md §7.1):
 *
 *   1. GET {url} without authorization: the public view names the receiver's authorization
 *      server (authServer);
 *   2. a non-interactive grant for incoming-payment read-all from that server, signed with the
 *      instance's key; kept until shortly before it expires and shared by every lookup;
 *   3. GET {url} with Authorization: GNAP <token>, signed: the incoming payment with its
 *      methods, whose ILP credentials (address, shared secret) the STREAM sender pays.
 *
 * Identity: the instance signs with its Ed25519 key (PRIVATE_KEY_FILE, a PEM PKCS#8 file;
 * KEY_ID) as the client wallet address {OPEN_PAYMENTS_URL}/.well-known/pay, whose key set
 * ({OPEN_PAYMENTS_URL}/.well-known/pay/jwks.json) this instance serves (op_server.c).
 *
 * Threads: lookups may be called from any thread that may block (admin workers, payment
 * workers): each waits for up to three HTTP exchanges (OP_CLIENT_TIMEOUT_MS each). Never on
 * the ledger batcher, a connector callback or the HTTP client's thread.
 */
#ifndef RAFIKI_PAYMENTS_OP_CLIENT_H
#define RAFIKI_PAYMENTS_OP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "payments/quote.h"
#include "http/httpsig.h"

#define OP_CLIENT_TIMEOUT_MS 10000
#define OP_KEY_ID_MAX        HTTPSIG_KEYID_MAX
/* Where the instance's client wallet address lives under OPEN_PAYMENTS_URL. */
#define OP_CLIENT_PATH "/.well-known/pay"

typedef enum {
    OP_KEY_OK = 0,
    OP_KEY_CANNOT_OPEN,  /* errno tells why */
    OP_KEY_NOT_PEM,      /* not a PEM private key */
    OP_KEY_NOT_ED25519,  /* a key of another kind */
    OP_KEY_EXISTS,       /* op_key_generate: the file exists (it is never overwritten) */
    OP_KEY_CANNOT_WRITE, /* errno tells why */
    OP_KEY_CRYPTO_ERROR, /* OpenSSL could not make or read the key */
} op_key_result_t;

const char *op_key_result_str(op_key_result_t r);
/* Reads an Ed25519 private key (PEM, PKCS#8) from path into seed. */
op_key_result_t op_key_load(const char *path, uint8_t seed[HTTPSIG_ED25519_LEN]);
/* Creates a new Ed25519 key, writes it to path (PEM PKCS#8, mode 0600, the file must not exist)
 * and returns its seed. */
op_key_result_t op_key_generate(const char *path, uint8_t seed[HTTPSIG_ED25519_LEN]);
/* {"keys":[{kty OKP, crv Ed25519, alg EdDSA, use sig, kid, x}]} for the public half of seed, as
 * the compact JSON text the key set route serves (malloc'd), or NULL. */
char *op_key_jwks_json(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *key_id);

typedef struct op_client op_client_t;

/* client_url: the instance's client wallet address URL (OPEN_PAYMENTS_URL + OP_CLIENT_PATH).
 * NULL when the HTTP client cannot start. */
op_client_t *op_client_new(const uint8_t seed[HTTPSIG_ED25519_LEN], const char *key_id,
                           const char *client_url);
void op_client_free(op_client_t *c);

/* True when url has the shape of an Open Payments incoming-payment URL
 * (^https?://.+/incoming-payments/.+$). */
bool op_client_is_incoming_url(const char *url, size_t len);

/* Steps 1-3 above. FOUND, NOT_FOUND (no such incoming payment, or an answer that is not one),
 * or ERROR (the receiver's servers are unreachable or refused this instance). It is
 * quote_svc_t's remote_incoming hook: ctx is the op_client_t. */
quote_lookup_t op_client_incoming_get(void *ctx, const char *url, quote_remote_incoming_t *out);

/* What creating or reading a remote incoming payment for a receiver ends in (Rafiki's
 * RemoteIncomingPaymentError). */
typedef enum {
    OP_CLIENT_OK = 0,
    OP_CLIENT_NOT_FOUND,              /* no such incoming payment */
    OP_CLIENT_UNKNOWN_WALLET_ADDRESS, /* the wallet address URL answers no wallet address */
    OP_CLIENT_INVALID_GRANT,          /* its authorization server refused the grant */
    OP_CLIENT_INVALID_REQUEST,        /* its resource server refused the incoming payment */
    OP_CLIENT_UNREACHABLE,            /* no answer */
} op_client_result_t;

const char *op_client_result_str(op_client_result_t r);

/*
 * Rafiki's remote receivers: creates an incoming payment at the wallet address wallet_url of
 * another instance (its document's authServer grants incoming-payment create + read-all to this
 * instance, non-interactively; POST {resourceServer}/incoming-payments, signed) with body's
 * members (incomingAmount, expiresAt, metadata; walletAddress is set from the document). *out:
 * the incoming payment as its server answers it (a new reference) on OK.
 */
op_client_result_t op_client_incoming_create(op_client_t *c, const char *wallet_url,
                                             const json_t *body, json_t **out);
/* Steps 1-3 above, answering the whole incoming payment (a new reference in *out). OK,
 * NOT_FOUND, INVALID_GRANT, UNREACHABLE. */
op_client_result_t op_client_incoming_read(op_client_t *c, const char *url, json_t **out);
/* Rafiki's completeReceiver of a remote one: POST {url}/complete (signed, with a grant for
 * incoming-payment read-all + complete); *out the completed incoming payment. OK, NOT_FOUND,
 * INVALID_GRANT, INVALID_REQUEST (refused: already completed or expired), UNREACHABLE. */
op_client_result_t op_client_incoming_complete(op_client_t *c, const char *url, json_t **out);

#endif
