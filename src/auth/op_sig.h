/*
 * Signed Open Payments requests: who signed it, and was it really them.
 *
 * The GNAP authorization server and the resource server both verify a request's HTTP message
 * signature (http/httpsig.h) against a key of the client: a wallet address URL (its keys are
 * those at {url}/jwks.json) or a JWK given directly (GNAP directed identity). Keys of wallet
 * addresses on this instance are read from the database on every request, so a revoked key
 * stops working at once; keys of other wallet addresses are fetched over HTTP and kept in the
 * cache (cache.h: Redis when scaled out) for jwks_ttl_ms, and fetched again once when the
 * keyid is not among the cached keys (a client that just added a key).
 *
 * Replay guard: a POST or DELETE whose signature was already seen within the created window
 * is refused (an atomic set-if-absent of the signature's hash in the cache, so replicas share
 * it). GETs are not guarded: the official client signs deterministically with whole-second
 * `created`, so two identical polls in one second must both pass.
 *
 * Threads: any thread; verification may block on the database and on an HTTP fetch of a
 * client's jwks.json (bounded by a timeout), so call it from HTTP worker threads of the
 * Open Payments and auth ports, never from the ledger batcher or a connector callback.
 */
#ifndef RAFIKI_AUTH_OP_SIG_H
#define RAFIKI_AUTH_OP_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "payments/wallet_address.h"
#include "http/client.h"
#include "http/httpsig.h"
#include "http/server.h"
#include "store/cache.h"

typedef struct op_sig op_sig_t;

typedef struct {
    const wallet_ctx_t *wallet; /* local wallet addresses and their keys */
    cache_t *cache;             /* fetched key sets and the replay guard */
    uint64_t jwks_ttl_ms;       /* 0 = 60000 */
    int64_t window_s;           /* `created` window; 0 = HTTPSIG_WINDOW_DEFAULT_S */
    uint32_t fetch_timeout_ms;  /* jwks.json and wallet address GETs; 0 = 5000 */
} op_sig_config_t;

/* NULL when the HTTP client cannot start. */
op_sig_t *op_sig_new(const op_sig_config_t *cfg);
void op_sig_free(op_sig_t *s);

typedef enum {
    OP_SIG_OK = 0,
    OP_SIG_INVALID,     /* any httpsig failure: missing, malformed, digest, window, signature */
    OP_SIG_UNKNOWN_KEY, /* the keyid is not an (unrevoked) key of the client */
    OP_SIG_REPLAYED,    /* a POST/DELETE signature seen before within the window */
    OP_SIG_CLIENT_UNREACHABLE, /* the client's jwks.json could not be fetched or parsed */
    OP_SIG_STORAGE_ERROR,      /* database or cache failure */
} op_sig_result_t;

const char *op_sig_result_str(op_sig_result_t r);

/* Verifies req as signed by the client: client_url (a wallet address URL) or, when it is NULL,
 * client_jwk (whose kid must equal the keyid). public_url is the configured public URL of the
 * port (AUTH_SERVER_URL, OPEN_PAYMENTS_URL): the signed @target-uri and @authority must be this
 * server's, whatever the Host header says (httpsig_request_from_http). On failure why
 * (cap >= 128) says what, for the error description and the log. */
op_sig_result_t op_sig_verify(op_sig_t *s, const http_req_t *req, const char *public_url,
                              const char *client_url, const json_t *client_jwk, char *why,
                              size_t cap);

/* The client's wallet address document (GET client_url, Accept: application/json), local or
 * remote: a new reference, or NULL (with *r set) when it cannot be had. For interactive grants
 * the AS shows its publicName and refuses clients without one. */
json_t *op_sig_client_document(op_sig_t *s, const char *client_url, op_sig_result_t *r);

#endif
