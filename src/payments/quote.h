/*
 * Quotes: what paying a receiver from a wallet address will cost (debit amount, fees included)
 * and deliver (receive amount, and the least that must arrive after SLIPPAGE), valid for
 * QUOTE_LIFESPAN. A quote is the input of an outgoing payment (outgoing_payment.h).
 *
 * A receiver is an incoming-payment URL of this instance, resolved through the directory
 * (quote_directory_t; quote_directory_wallets is the one over wallet_address.h and
 * incoming_payment.h that serve.c plugs in), without ILP. An incoming-payment URL of another
 * instance is read through Open Payments (op_client.h: a grant from its authorization server,
 * then its ILP credentials); any other URL is taken for a wallet address (of another instance,
 * or of this one) and asked for its SPSP answer. The rate to a remote receiver is probed with
 * STREAM through the in-process connector.
 *
 * Amounts: debit_amount fixed (the fee comes out of it), or receive_amount fixed (the fee is
 * added on top), or neither (the incoming payment's remaining amount, local or remote; a wallet
 * address has none, so one is required). A local receiver in another asset is priced at the
 * connector's rate (quote_fx.c) and paid through the liquidity accounts. Remote, as Rafiki's ILP
 * quote (@interledger/pay startQuote; quote_ilp.c): the minimum rate is the external rate (the
 * rates service's, 1 between equal codes; the probed rate when the service has none) less
 * SLIPPAGE, scaled to the assets, and the probed rate must reach it; a fixed debit delivers
 * receive_amount = min_delivered = ceil((send - 1) x min rate), a fixed receive amount is sent
 * with floor(receive / min rate) + 1. The sending fee is fees.h's, charged on the debit amount
 * (fixed debit) or on what is sent (fixed receive), as Rafiki's quote service does.
 *
 * Threads: quote_create and quote_get may be called from any thread that may block (admin
 * workers): they wait on the database, the ledger and, for remote receivers, on SPSP and the
 * rate probe (up to ~20 s), never from the ledger batcher or connector callbacks.
 */
#ifndef RAFIKI_PAYMENTS_QUOTE_H
#define RAFIKI_PAYMENTS_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "payments/fees.h"
#include "payments/wallet_address.h"
#include "base/limits.h"
#include "connector/connector.h"
#include "http/client.h"
#include "ledger/ledger.h"
#include "store/db.h"

/* Longest receiver URL accepted (a wallet address URL plus /incoming-payments/<uuid>). */
#define QUOTE_RECEIVER_MAX 1024
/* Rafiki's QUOTE_LIFESPAN default: 5 minutes. */
#define QUOTE_LIFESPAN_MS_DEFAULT (5u * 60 * 1000)
/* Rafiki's SLIPPAGE default: 0.01. */
#define QUOTE_SLIPPAGE_PPM_DEFAULT 10000u

typedef enum {
    QUOTE_OK = 0,
    QUOTE_WALLET_NOT_FOUND,   /* unknown wallet_address_id */
    QUOTE_WALLET_INACTIVE,    /* the wallet address is inactive */
    QUOTE_RECEIVER_NOT_FOUND, /* the receiver URL names nothing we can pay */
    QUOTE_RECEIVER_INACTIVE,  /* the incoming payment is completed or expired */
    QUOTE_RECEIVER_ASSET,     /* a local receiver in another asset than the wallet's */
    QUOTE_AMOUNTS_CONFLICT,   /* debit_amount and receive_amount both given */
    QUOTE_AMOUNT_REQUIRED,    /* neither given and the receiver has no amount left to fill */
    QUOTE_ASSET_MISMATCH,     /* an amount in another asset (code/scale) than it must be in */
    QUOTE_AMOUNT_ZERO,        /* an amount of 0 */
    QUOTE_AMOUNT_TOO_LOW,     /* the debit amount does not cover the fee */
    QUOTE_RECEIVE_EXCEEDS,    /* more than the incoming payment still accepts */
    QUOTE_OVERFLOW,           /* the debit amount with fees passes 2^64-1 */
    QUOTE_RATE_UNAVAILABLE,   /* remote: the rate probe got no usable answer */
    QUOTE_NOT_FOUND,          /* quote_get: unknown id */
    QUOTE_STORAGE_ERROR,      /* database or ledger unavailable */
    QUOTE_RESULT_COUNT
} quote_result_t;

/* Stable snake_case name, used as the API error code ("receiver_not_found"). */
const char *quote_result_str(quote_result_t r);

/* ---- what the quote needs from wallet addresses and incoming payments ---- */

typedef enum {
    QUOTE_LOOKUP_FOUND = 0,
    QUOTE_LOOKUP_NOT_FOUND,
    QUOTE_LOOKUP_ERROR, /* storage failure */
} quote_lookup_t;

typedef struct {
    ledger_id_t id;
    ledger_id_t account_id; /* its wallet account in the ledger */
    ledger_id_t asset_id;
    bool active;
} quote_wallet_t;

typedef struct {
    ledger_id_t incoming_payment_id;
    ledger_id_t wallet_address_id;
    ledger_id_t account_id; /* the invoice account to credit */
    ledger_id_t asset_id;
    bool open;                /* neither completed nor expired */
    bool has_incoming_amount; /* the payment asks for a fixed amount */
    uint64_t incoming_amount; /* when has_incoming_amount */
    uint64_t received_amount; /* what has arrived so far */
} quote_receiver_t;

/* Lookups the wallet-address module provides; each may be called from any thread and may block
 * on the database. receiver_local is passed the receiver URL as given ((ptr, len), not NUL-ended).
 */
typedef struct {
    void *ctx;
    quote_lookup_t (*wallet_get)(void *ctx, ledger_id_t id, quote_wallet_t *out);
    quote_lookup_t (*receiver_local)(void *ctx, const char *url, size_t len, quote_receiver_t *out);
    /* Optional (NULL: none): an outgoing payment has just credited this local incoming payment;
     * one that is now paid in full is completed at once instead of at the next pass of its
     * worker. Best effort: the incoming payment worker stays the backstop. */
    void (*receiver_paid)(void *ctx, ledger_id_t incoming_payment_id);
} quote_directory_t;

/* The directory over this process's wallet addresses and incoming payments (wallet_address.h,
 * incoming_payment.h); ctx outlives it. */
quote_directory_t quote_directory_wallets(const wallet_ctx_t *ctx);

/* ---- the service ---- */

/* What a wallet address URL answers to Accept: application/spsp4+json. */
typedef struct {
    char destination[ILP_ADDRESS_MAX_LEN + 1];
    uint8_t shared_secret[STREAM_SHARED_SECRET_LEN];
} quote_spsp_t;

/* What step 3 of reading a remote incoming payment gives (op_client.h). */
typedef struct {
    quote_spsp_t credentials; /* methods[type ilp]: ilpAddress and sharedSecret */
    bool open;                /* not completed, not expired, and has ILP credentials */
    bool has_incoming_amount;
    uint64_t incoming_amount, received_amount;
    char asset_code[ASSET_CODE_MAX_LEN + 1]; /* of receivedAmount: the receiver's asset */
    uint8_t asset_scale;
} quote_remote_incoming_t;

typedef quote_lookup_t (*quote_remote_incoming_fn)(void *ctx, const char *url,
                                                   quote_remote_incoming_t *out);

typedef struct {
    ledger_t *ledger;
    db_t *db;
    quote_directory_t dir;
    fees_table_t fees;     /* PAYMENT_FEES: for assets without a fee of their own (fee.h) */
    uint32_t slippage_ppm; /* SLIPPAGE */
    uint32_t lifespan_ms;  /* QUOTE_LIFESPAN */
    /* Remote receivers (SPSP + STREAM): both NULL refuses them (receiver_not_found). */
    connector_t *connector; /* probes and payments go through its local-send path */
    http_client_t *http;    /* SPSP requests */
    /* Remote incoming-payment URLs (an Open Payments client, op_client.h): NULL refuses them
     * (receiver_not_found); ctx is its first argument. */
    quote_remote_incoming_fn remote_incoming;
    void *remote_incoming_ctx;
    /* Local receivers in another asset (the connector's rates, connector_rates): NULL refuses
     * them (receiver_asset_unsupported). */
    rates_t *rates;
    /* The rates for quotes of one wallet address (its tenant's EXCHANGE_RATES_URL,
     * tenants.h); NULL, or a NULL answer: rates. */
    rates_t *(*rates_for)(void *ctx, ledger_id_t wallet_address_id);
    void *rates_for_ctx;
} quote_svc_t;

/* An amount as the API gives it: value in the smallest units of (asset_code, asset_scale). */
typedef struct {
    uint64_t value;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
} quote_amount_t;

typedef struct {
    ledger_id_t wallet_address_id;
    const char *receiver; /* (receiver, receiver_len): not NUL-ended */
    size_t receiver_len;
    bool has_debit, has_receive;
    quote_amount_t debit_amount, receive_amount;
    const char *client; /* the Open Payments client creating it, or NULL (admin) */
} quote_request_t;

typedef struct {
    ledger_id_t id;
    ledger_id_t wallet_address_id;
    ledger_id_t asset_id;
    char receiver[QUOTE_RECEIVER_MAX + 1];
    quote_amount_t debit_amount;     /* what the wallet pays, fee included */
    uint64_t send_amount;            /* what goes to the receiver, in the debit asset */
    uint64_t fee;                    /* in the debit asset */
    quote_amount_t receive_amount;   /* what the receiver is credited */
    uint64_t min_delivered;          /* receive_amount less slippage */
    ledger_id_t receiver_account_id; /* local: invoice account; zero: remote */
    ledger_id_t incoming_payment_id; /* local */
    /* remote (receiver_account_id zero): the SPSP credentials the payment sends to */
    char destination[ILP_ADDRESS_MAX_LEN + 1];
    uint8_t shared_secret[STREAM_SHARED_SECRET_LEN];
    int64_t created_ms, expires_ms;
} quote_t;

/* Prices and stores a quote; fills *out on QUOTE_OK, every other result changes nothing. */
quote_result_t quote_create(quote_svc_t *svc, const quote_request_t *req, quote_t *out);
/* The quote as the admin API and webhooks show it (amounts as {value, asset_code, asset_scale}).
 * A new reference. */
json_t *quote_to_json(const quote_t *q);
/* Reads a stored quote: QUOTE_OK, QUOTE_NOT_FOUND or QUOTE_STORAGE_ERROR. */
quote_result_t quote_get(db_t *db, ledger_id_t id, quote_t *out);
/* Reads a quote inside the caller's transaction on conn (same results). */
quote_result_t quote_get_conn(db_conn_t *conn, ledger_id_t id, quote_t *out);

/* ---- local receivers in another asset (quote_fx.c) ---- */

/* Prices q for the local incoming payment rcv in another asset than src (the wallet's): both
 * amounts fixed at the rate from svc->rates (the delivered amount floored), moved at payment
 * time through the two assets' liquidity accounts. Fills the amounts and the receive asset.
 * QUOTE_OK, QUOTE_RECEIVER_ASSET without rates, QUOTE_RATE_UNAVAILABLE, and the amount
 * refusals of quote_create. May wait for the rates service (admin worker threads). */
quote_result_t quote_price_local_fx(const quote_svc_t *svc, const quote_request_t *req,
                                    const fees_t *fees, const ledger_asset_t *src,
                                    const quote_receiver_t *rcv, quote_t *q);

/* The rate from src to dst (codes), waiting for a fetch from the rates service when one is
 * needed: QUOTE_OK or QUOTE_RATE_UNAVAILABLE. Admin worker threads. */
quote_result_t quote_rate_get(rates_t *rates, const char *src, const char *dst, rate_t *out);

/* ---- remote receivers (quote_remote.c) ---- */

/* Parses a SPSP answer ({destination_account, shared_secret (base64, 32 bytes), ...}) of len
 * bytes (no NUL needed). 0, or -1 when malformed (not JSON, bad address or secret, too large). */
int quote_spsp_parse(const char *body, size_t len, quote_spsp_t *out);
/* GETs url as SPSP with http (blocks up to 10 s; not on the HTTP client's thread). FOUND, or
 * NOT_FOUND for any failure or answer that is not SPSP. */
quote_lookup_t quote_spsp_fetch(http_client_t *http, const char *url, quote_spsp_t *out);

/* A STREAM link through the in-process connector, debiting source: ctx of quote_link_send,
 * the stream_send_fn of stream_pay. Blocks until the connector answers (by the Prepare's expiry
 * at the latest): worker threads only, never the ledger batcher or connector callbacks. */
typedef struct {
    connector_t *connector;
    ledger_id_t source;
} quote_link_t;
int quote_link_send(void *ctx, slice_t prepare, buf_t *reply);

/* Prices q for a remote receiver as Rafiki's ILP quote (see above): fills the amounts and the
 * receive asset from the probe. QUOTE_OK, QUOTE_AMOUNT_REQUIRED, QUOTE_ASSET_MISMATCH,
 * QUOTE_AMOUNT_ZERO, QUOTE_AMOUNT_TOO_LOW (nothing would arrive), QUOTE_OVERFLOW,
 * QUOTE_RATE_UNAVAILABLE (the probed rate is below the minimum: pay's InsufficientExchangeRate;
 * or SLIPPAGE 1 on a fixed receive). May wait for the rates service. */
struct quote_probe;
quote_result_t quote_price_ilp(const quote_svc_t *svc, const quote_request_t *req,
                               const fees_t *fees, const ledger_asset_t *asset,
                               const struct quote_probe *rate, quote_t *q);

/* What a rate probe learned: delivered destination units for source units, and the
 * destination's asset. */
typedef struct quote_probe {
    uint64_t source, delivered;
    char asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t asset_scale;
} quote_probe_t;
/* Probes the rate to spsp's receiver from asset (holds on its settlement account, all voided).
 * QUOTE_OK or QUOTE_RATE_UNAVAILABLE. Blocks up to 10 s. */
quote_result_t quote_probe(const quote_svc_t *svc, const quote_spsp_t *spsp,
                           const ledger_asset_t *asset, quote_probe_t *out);

/* Binds id as UUID text, or NULL for the zero id (optional id columns of the payments tables). */
void quote_db_bind_id_or_null(db_stmt_t *st, int idx, ledger_id_t id);

#endif
