/*
 * Wallet addresses (payment pointers) and their client keys.
 *
 * A wallet address is a URL under OPEN_PAYMENTS_URL (e.g. http://localhost:3000/alice) that a
 * user of the wallet can be paid at. Its money is one ledger account of kind wallet, created
 * with it and STREAM-enabled so SPSP payments credit it directly; the row in wallet_addresses
 * (sql/020_wallet_addresses.sql) holds the URL, the asset (copied: assets never change), the
 * public name and whether it is active. An inactive wallet address keeps its money and its
 * incoming payments but takes no new ones and is not served on the Open Payments port.
 *
 * Client keys are Ed25519 public keys (JWK, kty OKP) that the Open Payments clients of the
 * wallet address sign requests with; they are served at {url}/jwks.json. Revoking a key keeps
 * its row (listed as revoked) and drops it from jwks.json.
 *
 * Threads: every function may be called from any thread; each takes its own database
 * connection and may block on the database and on ledger commits (call them from admin worker
 * threads or background workers, never from the ledger batcher or a connector callback).
 */
#ifndef RAFIKI_PAYMENTS_WALLET_ADDRESS_H
#define RAFIKI_PAYMENTS_WALLET_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/limits.h"
#include "ledger/ledger.h"
#include "store/db.h"
#include "stream/receiver.h"

/* Longest wallet address URL: payment pointers are short; Rafiki puts no bound, browsers and
 * proxies handle 2 KiB URLs, and a jwks.json or SPSP path must still fit HTTP_PATH_MAX_LEN. */
#define WALLET_ADDRESS_URL_MAX 512
/* Longest public name (Rafiki has none; a display name, not a document). */
#define WALLET_ADDRESS_NAME_MAX 256
/* Longest key id (JWK kid): UUIDs and key thumbprints are well below it. */
#define WALLET_KEY_KID_MAX 128
/* base64url of a 32-byte Ed25519 public key, unpadded. */
#define WALLET_KEY_X_LEN 43
/* Keys a wallet address can hold, revoked ones included (a listing is one answer). */
#define WALLET_KEYS_MAX 32

/* What the payments modules share; owned by the process (serve.c) or a test. */
typedef struct {
    db_t *db;
    ledger_t *ledger;
    /* OPEN_PAYMENTS_URL without a trailing slash: wallet address URLs live under it and
     * incoming payment URLs are {op_url}/incoming-payments/{id}, or under
     * {op_url}/{tenantId} for a tenant's (op_urls.h). */
    const char *op_url;
    const char *auth_url; /* AUTH_SERVER_URL without a trailing slash; the wallet address
                             document shows the grant endpoint, auth_url + "/" */
    /* The connector's STREAM receiver: SPSP and incoming payment credentials are its
     * addresses, and its local delivery credits the account named in the payment tag. NULL:
     * no credentials are issued (methods are empty, SPSP answers 503). */
    const stream_receiver_t *receiver;
    uint64_t incoming_expiry_max_ms; /* INCOMING_PAYMENT_EXPIRY_MAX_MS */
    /* The key set of this instance as an Open Payments client (op_client.h), served at
     * {op_url}/.well-known/pay/jwks.json; NULL: not served. */
    const char *instance_jwks;
    /* FUNDING_MODEL=rafiki: incoming payments created now keep what they receive until the
     * wallet withdraws it (incoming_payment.h); false: it is swept into the wallet account. */
    bool rafiki_funding;
    /* WITHDRAWAL_THROTTLE_DELAY (Rafiki's, milliseconds): a wallet address that received money
     * is due for its wallet_address.web_monetization event this long after (unless its asset's
     * withdrawal threshold makes it due at once; wallet_address_events.h). false: not set. */
    bool withdrawal_throttle;
    uint32_t withdrawal_throttle_delay_ms;
    /* POLL_INCOMING_PAYMENT_CREATED_WEBHOOK and its timeout and frequency (Rafiki's, ms): a
     * create of an incoming payment waits for the wallet's approval
     * (incoming_payment_await_approval). */
    bool approval_poll;
    uint32_t approval_poll_timeout_ms;
    uint32_t approval_poll_frequency_ms;
    /* ENABLE_PARTIAL_PAYMENT_DECISION: incoming_payment.partial_payment_received is recorded by
     * the decision only (partial_decision.h), one per packet with data, as Rafiki's; the
     * incoming payment worker then records none of its own. */
    bool partial_decision;
} wallet_ctx_t;

typedef enum {
    WALLET_ADDRESS_OK = 0,
    WALLET_ADDRESS_NOT_FOUND,
    WALLET_ADDRESS_URL_INVALID, /* not under OPEN_PAYMENTS_URL, or a reserved path */
    WALLET_ADDRESS_URL_TAKEN,
    WALLET_ADDRESS_NAME_INVALID,
    WALLET_ADDRESS_ASSET_NOT_FOUND,
    WALLET_ADDRESS_INACTIVE,
    WALLET_ADDRESS_KEY_INVALID, /* not an Ed25519 OKP JWK with a kid */
    WALLET_ADDRESS_KEY_EXISTS,  /* this kid is taken on this wallet address */
    WALLET_ADDRESS_KEY_NOT_FOUND,
    WALLET_ADDRESS_KEYS_FULL,
    WALLET_ADDRESS_STORAGE_ERROR, /* database or ledger unavailable; err says which */
    WALLET_ADDRESS_RESULT_COUNT
} wallet_address_result_t;

/* Stable snake_case name ("url_taken"). */
const char *wallet_address_result_str(wallet_address_result_t r);

typedef struct {
    ledger_id_t id;
    char url[WALLET_ADDRESS_URL_MAX + 1];
    ledger_id_t asset_id;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
    ledger_id_t account_id; /* the wallet account */
    char public_name[WALLET_ADDRESS_NAME_MAX + 1];
    bool active;
    int64_t created_ms;
    int64_t updated_ms;
} wallet_address_t;

typedef struct {
    ledger_id_t id;
    ledger_id_t wallet_address_id;
    char kid[WALLET_KEY_KID_MAX + 1];
    char x[WALLET_KEY_X_LEN + 1];
    bool revoked;
    int64_t created_ms;
    int64_t updated_ms;
} wallet_key_t;

/*
 * Creates a wallet address and its wallet account (STREAM-enabled, in the asset's ledger).
 * url must be OPEN_PAYMENTS_URL followed by one or more non-empty path segments (letters,
 * digits, "-", "_", ".", "~"), none of them reserved ("incoming-payments", "jwks.json", ...;
 * nor a resource name as the second segment, which the resource server's /{tenantId}/ routes
 * take: "incoming-payments", "outgoing-payments", "quotes", "outgoing-payment-grant");
 * a trailing slash is dropped. public_name may be NULL. On success *out is the stored row.
 * Results: OK, URL_INVALID, URL_TAKEN, NAME_INVALID, ASSET_NOT_FOUND, STORAGE_ERROR.
 */
wallet_address_result_t wallet_address_create(const wallet_ctx_t *ctx, ledger_id_t asset_id,
                                              const char *url, const char *public_name,
                                              wallet_address_t *out, db_err_t *err);
/* The same for a tenant's wallet address: owner (a tenant id; NULL: the operator's) is recorded
 * as its owner (tenants.h) in the same transaction as the row. */
wallet_address_result_t wallet_address_create_owned(const wallet_ctx_t *ctx, ledger_id_t asset_id,
                                                    const char *url, const char *public_name,
                                                    const char *owner, wallet_address_t *out,
                                                    db_err_t *err);

/* Reads one by id, or by its exact URL (len bytes, no NUL needed). OK, NOT_FOUND,
 * STORAGE_ERROR. Inactive wallet addresses are found too: check ->active. */
wallet_address_result_t wallet_address_get(const wallet_ctx_t *ctx, ledger_id_t id,
                                           wallet_address_t *out, db_err_t *err);
wallet_address_result_t wallet_address_get_by_url(const wallet_ctx_t *ctx, const char *url,
                                                  size_t len, wallet_address_t *out, db_err_t *err);

/* Records a wallet_address.not_found webhook event for url (len bytes, cut to
 * WALLET_ADDRESS_URL_MAX): data {"walletAddressUrl": url}, resource id the URL. OK or
 * STORAGE_ERROR. */
wallet_address_result_t wallet_address_not_found_event(const wallet_ctx_t *ctx, const char *url,
                                                       size_t len, db_err_t *err);

/* Lists by id after `after` (zero: from the start), up to cap; *n receives how many. */
wallet_address_result_t wallet_address_list(const wallet_ctx_t *ctx, ledger_id_t after,
                                            wallet_address_t *out, size_t cap, size_t *n,
                                            db_err_t *err);

/* Changes the public name (NULL: unchanged) and/or the status (NULL: unchanged); *out is the
 * row after. OK, NOT_FOUND, NAME_INVALID, STORAGE_ERROR. */
wallet_address_result_t wallet_address_update(const wallet_ctx_t *ctx, ledger_id_t id,
                                              const char *public_name, const bool *active,
                                              wallet_address_t *out, db_err_t *err);

/*
 * Adds a client key: kid and x (base64url, unpadded, 32 bytes decoded) of an Ed25519 JWK,
 * checked by wallet_key_parse_jwk. OK, NOT_FOUND (wallet address), KEY_EXISTS, KEYS_FULL,
 * KEY_INVALID, STORAGE_ERROR.
 */
wallet_address_result_t wallet_key_add(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                       const char *kid, const char *x, wallet_key_t *out,
                                       db_err_t *err);
/* Marks a key revoked (already revoked: OK again). OK, NOT_FOUND, KEY_NOT_FOUND, STORAGE. */
wallet_address_result_t wallet_key_revoke(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                          const char *kid, wallet_key_t *out, db_err_t *err);
/* Every key of a wallet address, revoked ones included, by creation time (ties
 * in id order; at most cap). */
wallet_address_result_t wallet_key_list(const wallet_ctx_t *ctx, ledger_id_t wallet_address_id,
                                        wallet_key_t *out, size_t cap, size_t *n, db_err_t *err);

/*
 * Checks the fields of a JWK (a JSON object) for a client key: kty "OKP", crv "Ed25519",
 * kid a non-empty string of at most WALLET_KEY_KID_MAX printable ASCII characters, x base64url
 * decoding to exactly 32 bytes, alg "EdDSA" when given, use "sig" when given. On success
 * *kid and *x point into jwk. Returns 0, or -1 with a reason in why (static text).
 */
int wallet_key_parse_jwk(const json_t *jwk, const char **kid, const char **x, const char **why);

/* The public JWK of a key: {kid, alg: EdDSA, kty: OKP, crv: Ed25519, x}. New reference. */
json_t *wallet_key_jwk(const wallet_key_t *k);

/*
 * Checks a wallet address URL against op_url and writes its canonical form (no trailing
 * slash) into out. Returns 0, or -1 when malformed. Exposed for the fuzz target and tests.
 */
int wallet_address_url_check(const char *op_url, const char *url, size_t len,
                             char out[WALLET_ADDRESS_URL_MAX + 1]);

/* Most bytes of an authServer value (wallet_address_auth_server). */
#define WALLET_ADDRESS_AUTH_SERVER_MAX (WALLET_ADDRESS_URL_MAX + 36 + 2) /* "/" tenant id NUL */
/* The authServer clients of owner's wallet addresses ask for grants (owner "" or NULL: the
 * operator's, {AUTH_SERVER_URL}/; a tenant's: {AUTH_SERVER_URL}/{tenantId}, as Rafiki's). */
void wallet_address_auth_server(const wallet_ctx_t *ctx, const char *owner,
                                char out[WALLET_ADDRESS_AUTH_SERVER_MAX]);

/* The Open Payments wallet address document of w (id, asset, authServer, resourceServer,
 * publicName): a new reference, or NULL when the owner look-up failed. resourceServer is
 * op_url, or op_url/{tenantId} for a tenant's wallet address (op_urls.h); authServer is the
 * grant endpoint, auth_url + "/", for every wallet address: the authorization server has no
 * per-tenant grant endpoint yet (Rafiki's is auth_url/{tenantId}). */
json_t *wallet_address_document(const wallet_ctx_t *ctx, const wallet_address_t *w);

#endif
