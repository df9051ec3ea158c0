/*
 * Stateless STREAM receiver, wire-compatible with @interledger/stream-receiver (the design
 * Rafiki uses; protocols.md §8.8 variant 3).
 *
 * Credentials: the receiver encrypts a connection token under
 * token_key = HMAC(server_secret, "ilp_stream_connection_token"):
 *
 *   token_plain = flags UInt8 ‖ [paymentTag var-octets] ‖ [receiptNonce 16 ‖ receiptSecret 32]
 *                 ‖ [assetCode var-octets ‖ assetScale UInt8]     (flags 1 = tag, 2 = receipts,
 *                                                                   4 = asset)
 *   token       = iv(12) ‖ tag(16) ‖ AES-256-GCM(token_key, token_plain)
 *   address     = server_address "." base64url_nopad(token)
 *   secret      = HMAC(HMAC(server_secret, "ilp_stream_shared_secret"), token)
 *
 * A Prepare is answered from its destination alone: decode the token, derive the secret,
 * decrypt and check the STREAM request, and reply with a Fulfill or a Reject that carries an
 * encrypted STREAM reply. Nothing is stored per connection except the running totals used for
 * receipts (stream/totals.h), under the key stream_receiver_totals_key() gives. The application
 * decides every packet that carries money.
 *
 * The token format, the secret derivation and the totals key live only here: a caller that
 * routes on the token first (the connector) uses stream_receiver_decode_token and
 * stream_receiver_token_secret, and stream_receiver_revert when the money it accepted could
 * not be credited after all.
 *
 * Threads: a stream_receiver_t is read-only once set up (init, then its fields), so every call
 * below may run on any thread at once; none blocks except inside the totals store (an
 * in-process table under a mutex, or the cache, which may wait on Redis).
 */
#ifndef RAFIKI_STREAM_RECEIVER_H
#define RAFIKI_STREAM_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/slice.h"
#include "ilp/packet.h"
#include "stream/receipt.h"
#include "stream/stream.h"
#include "stream/totals.h"

#define STREAM_SERVER_SECRET_LEN 32
/* hex(SHA-256(destination)) */
#define STREAM_CONNECTION_ID_LEN 64
/* Running totals expire 10 minutes after the last packet, as in Rafiki. */
#define STREAM_TOTALS_TTL_S 600
/* "stream_received:" + the connection id, with the NUL. */
#define STREAM_TOTALS_KEY_SIZE (sizeof "stream_received:" + STREAM_CONNECTION_ID_LEN)

typedef enum {
    STREAM_MONEY_ACCEPT = 0,        /* Fulfill */
    STREAM_MONEY_DECLINE_TEMPORARY, /* T00: the sender backs off and retries */
    STREAM_MONEY_DECLINE_FINAL,     /* F99 with ConnectionClose: the sender stops */
} stream_money_decision_t;

/* What the application sees of one money packet. Slices live for the callback only. */
typedef struct {
    slice_t payment_tag;       /* empty when the credentials carried none */
    uint64_t amount;           /* Prepare amount, in the receiver's units */
    const char *connection_id; /* STREAM_CONNECTION_ID_LEN hex digits, NUL-terminated */
    bool receipts;             /* the credentials enabled receipts */
    uint64_t total_received;   /* running total including amount when receipts are enabled */
    const ilp_prepare_t *prepare;
} stream_money_t;

typedef stream_money_decision_t (*stream_money_fn)(void *app, const stream_money_t *money);

typedef struct {
    char address[ILP_ADDRESS_MAX_LEN + 1];
    size_t address_len;
    uint8_t token_key[32];
    uint8_t secret_key[32];
    stream_money_fn on_money; /* NULL accepts everything */
    void *app;
    stream_totals_t totals; /* .incr NULL: receipts are not issued */
    uint32_t totals_ttl_s;
} stream_receiver_t;

/*
 * Set up a receiver for server_address (a valid ILP address) and a 32-byte server secret.
 * on_money/app/totals can be set on the struct afterwards. Returns STREAM_OK or
 * STREAM_ERR_ADDRESS.
 */
stream_result_t stream_receiver_init(stream_receiver_t *r, slice_t server_address,
                                     const uint8_t server_secret[STREAM_SERVER_SECRET_LEN]);

/* Metadata carried in the connection token. */
typedef struct {
    slice_t payment_tag; /* empty: none */
    bool receipts;       /* nonce and secret below are set */
    uint8_t receipt_nonce[STREAM_RECEIPT_NONCE_LEN];
    uint8_t receipt_secret[STREAM_RECEIPT_SECRET_LEN];
    bool has_asset;
    slice_t asset_code;
    uint8_t asset_scale;
} stream_connection_details_t;

typedef struct {
    char address[ILP_ADDRESS_MAX_LEN + 1]; /* NUL-terminated */
    size_t address_len;
    uint8_t shared_secret[STREAM_SHARED_SECRET_LEN];
} stream_credentials_t;

/*
 * New credentials (fresh random IV each call). Returns STREAM_OK, or STREAM_ERR_ADDRESS when
 * the details do not fit in an ILP address.
 */
stream_result_t stream_receiver_credentials(const stream_receiver_t *r,
                                            const stream_connection_details_t *details,
                                            stream_credentials_t *out);

/* Most segments an address below the receiver's (a tenant's ILP address, Rafiki 2.0's default
 * {ILP_ADDRESS}.{tenantId}) may put between it and the token. */
#define STREAM_RECEIVER_SUB_SEGMENTS_MAX 4

/*
 * Decode the connection token of destination (for routing, like Rafiki's stream-address
 * middleware): the segment after our address, or when that is no token of ours, one of the
 * STREAM_RECEIVER_SUB_SEGMENTS_MAX after it (credentials handed out under a longer address;
 * the keys do not depend on the address). Slices in *details point into plain_buf (plain_cap >=
 * 1024 is enough). Returns STREAM_OK, STREAM_ERR_ADDRESS (not under our address) or
 * STREAM_ERR_DECRYPT. If token/token_len are given, the decoded token bytes are copied there (cap
 * 1024).
 */
stream_result_t stream_receiver_decode_token(const stream_receiver_t *r, slice_t destination,
                                             stream_connection_details_t *details,
                                             uint8_t *plain_buf, size_t plain_cap, uint8_t *token,
                                             size_t *token_len);

/* The connection's shared secret for a decoded token (the bytes decode_token copied out). */
void stream_receiver_token_secret(const stream_receiver_t *r, slice_t token,
                                  uint8_t out[STREAM_SHARED_SECRET_LEN]);

/* What a reply was. */
typedef struct {
    bool fulfilled;
    char code[4];    /* Reject code when !fulfilled */
    bool money;      /* the application was asked */
    bool counted;    /* amount was added to the running total (receipts on, a Fulfill) */
    uint64_t amount; /* amount fulfilled (0 unless fulfilled) */
    uint64_t total_received;
} stream_reply_info_t;

/*
 * Answer a Prepare: appends an encoded Fulfill or Reject to reply and fills *info (may be
 * NULL). Returns STREAM_OK, or STREAM_ERR_BUFFER when reply cannot hold the packet
 * (ILP_PACKET_MAX_LEN is always enough).
 */
stream_result_t stream_receiver_handle(const stream_receiver_t *r, const ilp_prepare_t *prepare,
                                       buf_t *reply, stream_reply_info_t *info);

/*
 * The same answer for a connection whose shared secret the caller already knows (other
 * stateless designs, tests). details may be NULL.
 */
stream_result_t stream_receiver_handle_secret(const stream_receiver_t *r,
                                              const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                              const stream_connection_details_t *details,
                                              const ilp_prepare_t *prepare, buf_t *reply,
                                              stream_reply_info_t *info);

/*
 * Takes a fulfilled amount out of the running total again, for an application that accepted
 * the money but then could not keep it (the credit failed; the sender will retry, and its
 * receipts must not count the amount twice). destination is the Prepare's, info the reply's.
 * Does nothing unless info->counted. Returns STREAM_OK, or STREAM_ERR_STORE when the totals
 * store failed (the receipt total then stays too high until the entry expires).
 */
stream_result_t stream_receiver_revert(const stream_receiver_t *r, slice_t destination,
                                       const stream_reply_info_t *info);

/*
 * The data a STREAM request carries for the application (Rafiki's additionalData, from
 * stream-receiver's dataFrames): the StreamData frame of stream 1, else the first StreamData
 * frame. Copies up to cap bytes of it into out and sets *len (0: none, or empty). STREAM_OK, or
 * STREAM_ERR_DECRYPT when prepare is no authentic STREAM request under shared_secret.
 */
stream_result_t stream_request_data(const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                    const ilp_prepare_t *prepare, uint8_t *out, size_t cap,
                                    size_t *len);

/*
 * stream-receiver's finalDecline(data), Rafiki's answer to a partial payment the wallet did not
 * accept: appends an F99 Reject whose STREAM reply closes the connection (ConnectionClose,
 * NoError) and carries data on stream 1 at offset 0, where a sender reads the receiver's
 * reason. data of more than about 1,900 bytes does not fit the reply: the Reject then carries
 * no STREAM reply. An inauthentic request is answered F06 (no STREAM data). STREAM_OK, or
 * STREAM_ERR_BUFFER when reply cannot hold the packet.
 */
stream_result_t stream_receiver_decline_final(const stream_receiver_t *r,
                                              const uint8_t shared_secret[STREAM_SHARED_SECRET_LEN],
                                              const ilp_prepare_t *prepare, slice_t data,
                                              buf_t *reply);

/* hex(SHA-256(destination)) into out (65 bytes with the NUL). */
void stream_connection_id(char out[STREAM_CONNECTION_ID_LEN + 1], slice_t destination);
/* The running-totals key of the connection a Prepare to destination belongs to. */
void stream_receiver_totals_key(char out[STREAM_TOTALS_KEY_SIZE], slice_t destination);

/* Variant 1 (interledger-rs ConnectionGenerator, ilp-protocol-stream <= 2.4):
 * HMAC(HMAC(server_secret, "ilp_stream_shared_secret"), ASCII token). */
void stream_secret_from_token_string(uint8_t out[STREAM_SHARED_SECRET_LEN],
                                     const uint8_t server_secret[STREAM_SERVER_SECRET_LEN],
                                     slice_t token);

#endif
