/*
 * STREAM sender (payment client), in the manner of @interledger/pay: one connection, one
 * stream (id 1), one Prepare in flight, synchronous.
 *
 *  1. Probe the exchange rate with unfulfillable Prepares (random condition) and read the
 *     amount that arrived from the receiver's F99 STREAM reply; learn the receiver's asset
 *     details (ConnectionNewAddress -> ConnectionAssetDetails) and the path's maximum packet
 *     amount from F08 data on the way.
 *  2. Send money packets (StreamMoney) of at most the max packet amount until the fixed source
 *     amount is sent or the fixed delivery amount has arrived. Every Prepare asks for at least
 *     floor(source x minimum rate) to arrive (prepareAmount), so the receiver enforces the rate.
 *     The rate is known as exact bounds (rate_bounds.h) from the probe, tightened by every
 *     authentic reply. A fixed delivery never asks more than a receiver that takes whatever
 *     arrives could be overpaid by: each packet is at most the source amount that, even at the
 *     upper bound, delivers no more than what is left, and what arrived is counted from the
 *     receiver's replies. When one source unit may already deliver more than what is left, the
 *     payment ends (STREAM_PAY_OK) short of the amount by less than what one source unit may
 *     deliver: delivered <= amount, never above it while the rate holds.
 *  3. Close the connection with ConnectionClose(NoError).
 *
 * Rejects: F08 lowers the packet size; T04 shrinks it and backs off; other T-codes and R00/R02
 * back off and retry; F99 with a STREAM reply is read (close, StreamMaxMoney, rate); any other
 * final reject ends the payment with STREAM_PAY_ERR_CONNECTOR. Amounts use 64-bit integers with
 * 128-bit intermediates; no floating point.
 *
 * Threads: stream_pay keeps all its state on the caller's stack, so payments may run on several
 * threads at once; each blocks its thread until the payment ends (the send callback waits for
 * every reply, and back-offs sleep). Call it from worker threads, never from an event loop or a
 * ledger or connector callback, which the reply it waits for may need.
 */
#ifndef RAFIKI_STREAM_SENDER_H
#define RAFIKI_STREAM_SENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"
#include "base/slice.h"
#include "stream/receipt.h"

/*
 * Deliver one ILP Prepare (encoded) and append the encoded Fulfill or Reject to reply.
 * Returns 0, or -1 when the link failed (the sender treats it like a T01 and backs off).
 */
typedef int (*stream_send_fn)(void *ctx, slice_t prepare, buf_t *reply);

typedef enum {
    STREAM_PAY_FIXED_SOURCE = 0,  /* amount = source units to send */
    STREAM_PAY_FIXED_DELIVERY = 1 /* amount = destination units that must arrive */
} stream_pay_mode_t;

typedef struct {
    slice_t destination;          /* receiver's ILP address */
    const uint8_t *shared_secret; /* STREAM_SHARED_SECRET_LEN bytes */
    stream_send_fn send;
    void *send_ctx;
    stream_pay_mode_t mode;
    uint64_t amount;
    /* Minimum rate in destination units per source unit, as num/den; den 0 = no minimum. */
    uint64_t min_rate_num, min_rate_den;
    /* Optional: our address (sent to receivers that expect one) and asset details. */
    slice_t source_address;
    slice_t source_asset_code; /* empty: not sent */
    uint8_t source_asset_scale;
    uint64_t max_packet_amount; /* known cap, 0 = discover */
    uint32_t expiry_ms;         /* Prepare lifetime, default 30 s */
    uint32_t timeout_ms;        /* whole payment, default 60 s */
    uint32_t max_retries;       /* consecutive temporary failures before giving up, default 30 */
    uint32_t backoff_ms;        /* first backoff, default 100 ms, x1.5 each time, cap 2 s */
    void (*sleep_ms)(void *ctx, uint32_t ms); /* NULL: nanosleep */
    void *sleep_ctx;
} stream_pay_opts_t;

typedef enum {
    STREAM_PAY_OK = 0,
    STREAM_PAY_ERR_ARGS,           /* bad destination, secret or amount */
    STREAM_PAY_ERR_RATE_PROBE,     /* no authentic reply to any rate probe */
    STREAM_PAY_ERR_EXCHANGE_RATE,  /* the rate is below the minimum (or zero) */
    STREAM_PAY_ERR_CONNECTOR,      /* a final reject from the path; see reject_code */
    STREAM_PAY_ERR_CLOSED,         /* the receiver closed the connection or the stream */
    STREAM_PAY_ERR_RECEIVE_MAX,    /* the receiver's StreamMaxMoney is too small */
    STREAM_PAY_ERR_ASSET_CONFLICT, /* the receiver changed its asset details */
    STREAM_PAY_ERR_PROTOCOL,       /* replies are inauthentic or violate STREAM */
    STREAM_PAY_ERR_RETRIES,        /* too many consecutive temporary failures */
    STREAM_PAY_ERR_TIMEOUT,        /* the payment deadline passed */
    STREAM_PAY_ERR_LIMIT,          /* packet count limit (2^31) reached */
} stream_pay_error_t;

typedef struct {
    stream_pay_error_t error;
    uint64_t sent;      /* source units in fulfilled Prepares */
    uint64_t delivered; /* destination units that arrived (from the receiver's replies) */
    uint64_t packets_fulfilled;
    uint64_t packets_rejected;
    uint64_t packets_sent;                  /* every Prepare, probes and close included */
    uint64_t max_packet_amount;             /* discovered (0: never limited) */
    uint64_t probe_source, probe_delivered; /* rate = delivered / source from the probe */
    bool has_dest_asset;
    char dest_asset_code[ASSET_CODE_MAX_LEN + 1];
    uint8_t dest_asset_scale;
    bool has_receipt;
    uint8_t receipt[STREAM_RECEIPT_LEN]; /* the latest StreamReceipt from the receiver */
    char reject_code[4];                 /* last reject that ended the payment, if any */
    uint64_t remote_receive_max;         /* StreamMaxMoney seen (UINT64_MAX if none) */
    /* The last ILP Reject this payment received, whatever it led to, except the receiver's
     * authentic answers to rate probes (unfulfillable by design) and to the closing packet:
     * what a wallet is told of a failed attempt. last_reject_code is "" when none came;
     * triggered_by and message are the packet's bytes (any bytes: the sender does not check them),
     * with their lengths. */
    char last_reject_code[4];
    uint8_t last_reject_triggered_by[ILP_ADDRESS_MAX_LEN];
    size_t last_reject_triggered_by_len;
    uint8_t last_reject_message[ILP_MESSAGE_MAX_LEN];
    size_t last_reject_message_len;
} stream_pay_result_t;

/* Run a payment; fills *res (always) and returns res->error. */
stream_pay_error_t stream_pay(const stream_pay_opts_t *opts, stream_pay_result_t *res);

const char *stream_pay_error_str(stream_pay_error_t e);

#endif
